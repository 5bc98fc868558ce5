// Who holds the chain's addresses, by the registry's word: the page reads the owner and the
// licensees from the chain itself, and takes from the registry (GET /v1/assets/{ref}) only the
// public name of the party that proved it holds each address.

const same = (a, b) => typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();

/**
 * The chain's reading of an asset with `ownerParty` and each licence's `party` set from the
 * registry's `standing`, wherever the registry read the same address for the same licence; null
 * elsewhere (no standing, another owner by then, a licence it does not list), so a name is
 * never put beside an address the registry did not name.
 */
export function withParties(asset, standing) {
  if (!asset.tokenized) return asset;
  const named = new Map((standing?.licences ?? []).map((entry) => [String(entry.licence_id), entry]));
  return {
    ...asset,
    ownerParty: standing && same(standing.owner, asset.owner) ? (standing.owner_party ?? null) : null,
    licences: asset.licences.map((licence) => {
      const entry = named.get(licence.licenceId.toString());
      return { ...licence, party: entry && same(entry.licensee, licence.licensee) ? (entry.licensee_party ?? null) : null };
    }),
  };
}
