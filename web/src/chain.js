// Reads from a chain node's JSON-RPC, straight from the reader's browser: the batch root in
// RegistryAnchor, and the rights asset's owner, terms, licences, liens and freeze.

import { Words, encodeCall } from "./abi.js";
import { verifyProof } from "./merkle.js";

export class ChainError extends Error {}

const REGISTRATION_STATUS = ["unproven", "valid", "revoked"];
const LIEN_STATUS = ["none", "active", "released", "enforced"];
const AUTHORITY = ["none", "moderator", "regulator"];

let nextId = 1;

export async function rpc(url, method, params, fetcher = fetch) {
  let response;
  try {
    response = await fetcher(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
    });
  } catch (error) {
    throw new ChainError(String(error?.message ?? error));
  }
  if (!response.ok) throw new ChainError(`HTTP ${response.status}`);
  const body = await response.json();
  if (body.error) throw new ChainError(body.error.message ?? JSON.stringify(body.error));
  return body.result;
}

export async function call(url, to, signature, args = [], fetcher = fetch) {
  const data = encodeCall(signature, args);
  const result = await rpc(url, "eth_call", [{ to, data }, "latest"], fetcher);
  return new Words(result);
}

export async function chainId(url, fetcher = fetch) {
  return BigInt(await rpc(url, "eth_chainId", [], fetcher));
}

/** RegistryAnchor's record of a root and its verdict on a leaf and path under it. The
 * contract's registrationStatus proves a leaf alone (and answers "revoked" for a revoked
 * registration or root): the entry of a registration bound to a `controller` is proven here as
 * RightsAsset.tokenize proves it (the path from the entry to the root, the root's record, and
 * whether the registration itself was revoked). */
export async function readAnchor(url, contract, { leaf, proof, root, controller = null }, fetcher = fetch) {
  const record = await call(url, contract, "rootRecord(bytes32)", [root], fetcher);
  const read = {
    anchoredAt: record.number(0),
    blockNumber: record.number(1),
    leafCount: record.number(2),
    batchId: record.number(3),
    revoked: record.bool(4),
  };
  if (controller !== null) {
    const proven = read.anchoredAt !== 0 && verifyProof(leaf, proof, root, controller);
    if (!proven) return { ...read, status: "unproven" };
    const revoked = await call(url, contract, "isRegistrationRevoked(bytes32)", [leaf], fetcher);
    return { ...read, status: read.revoked || revoked.bool(0) ? "revoked" : "valid" };
  }
  const status = await call(
    url,
    contract,
    "registrationStatus(bytes32,bytes32[],bytes32)",
    [leaf, proof, root],
    fetcher,
  );
  return { ...read, status: REGISTRATION_STATUS[status.number(0)] ?? "unknown" };
}

function readLicence(words, first) {
  return {
    licensee: words.address(first),
    rights: words.uint(first + 1),
    territory: words.number(first + 2),
    exclusive: words.bool(first + 3),
    revocable: words.bool(first + 4),
    revoked: words.bool(first + 5),
    start: words.number(first + 6),
    end: words.number(first + 7),
  };
}

function readRankedLien(words, first) {
  return {
    lienId: words.uint(first),
    rank: words.uint(first + 1),
    lender: words.address(first + 2),
    maturity: words.number(first + 3),
    status: LIEN_STATUS[words.number(first + 4)] ?? "unknown",
    licensingConsent: words.bool(first + 5),
    amount: words.uint(first + 6),
    currency: currencyCode(words.fixedBytes(first + 7, 3)),
  };
}

function currencyCode(hex) {
  let text = "";
  for (let i = 0; i < hex.length; i += 2) {
    const code = parseInt(hex.slice(i, i + 2), 16);
    if (code !== 0) text += String.fromCharCode(code);
  }
  return text;
}

/** Everything the chain says of the rights asset whose id is `leaf`, or {tokenized: false}. */
export async function readAsset(url, contracts, leaf, fetcher = fetch) {
  const id = [leaf];
  const exists = await call(url, contracts.rights_asset, "exists(uint256)", id, fetcher);
  if (!exists.bool(0)) return { tokenized: false };
  const [owner, terms, encumbrances, licenceIds, head] = await Promise.all([
    call(url, contracts.rights_asset, "ownerOf(uint256)", id, fetcher),
    call(url, contracts.rights_asset, "assetTerms(uint256)", id, fetcher),
    call(url, contracts.encumbrances, "encumbrancesOf(uint256)", id, fetcher),
    call(url, contracts.licences, "licenceIdsOf(uint256)", id, fetcher),
    rpc(url, "eth_getBlockByNumber", ["latest", false], fetcher),
  ]);
  const ids = licenceIds.tupleArray(0, 1, (words, first) => words.uint(first));
  const licences = await Promise.all(
    ids.map(async (licenceId) => ({
      licenceId,
      ...readLicence(await call(url, contracts.licences, "licenceOf(uint256)", [licenceId], fetcher), 0),
    })),
  );
  return {
    tokenized: true,
    // The chain's time: the contracts judge a licence in force by it, and so does the API.
    chainTime: Number(BigInt(head.timestamp)),
    owner: owner.address(0),
    termEnd: terms.number(1),
    rights: terms.uint(3),
    territory: terms.number(4),
    liens: encumbrances.tupleArray(0, 11, readRankedLien),
    freeze: {
      authority: AUTHORITY[encumbrances.number(1)] ?? "unknown",
      frozenAt: encumbrances.number(2),
    },
    licences,
  };
}
