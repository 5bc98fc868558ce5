// The registry's public JSON API (the page's own origin).

export class LookupError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function getJson(url, fetcher) {
  const response = await fetcher(url, { headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, say): reported by status below.
  }
  if (!response.ok) {
    throw new LookupError(response.status, body?.code ?? `http_${response.status}`, body?.message ?? "");
  }
  return body;
}

export const HEX64 = /^(0x)?[0-9a-fA-F]{64}$/;
export const NUMBER = /^BQ-\d{4}-\d+$/i;

export function work(number, fetcher = fetch) {
  return getJson(`/v1/works/${encodeURIComponent(number)}`, fetcher);
}

export function proofBundle(number, fetcher = fetch) {
  return getJson(`/v1/works/${encodeURIComponent(number)}/proof`, fetcher);
}

/** The rights asset as the registry reads it (owner and licensees with their parties). */
export function assetStanding(number, fetcher = fetch) {
  return getJson(`/v1/assets/${encodeURIComponent(number)}`, fetcher);
}

/** Every registration of content, by one of sha256, sm3, cid or isbn. */
export async function registrationsOf(kind, value, fetcher = fetch) {
  const query = new URLSearchParams({ [kind]: value.replace(/^0x/i, "") });
  return (await getJson(`/v1/verify?${query}`, fetcher)).registrations;
}

// The serial of a registration number (BQ-2026-00000042 → 42): the order the registry recorded
// registrations in, which is priority's (a signed claim's registered_at is its registrant's to
// state, so it does not order them).
const serial = (number) => Number.parseInt(String(number).split("-").pop(), 10);

/** In the order the registry recorded them: the first is the first registration of the content. */
export function oldestFirst(registrations) {
  const unique = new Map(registrations.map((r) => [r.number, r]));
  return [...unique.values()].sort((a, b) => serial(a.number) - serial(b.number));
}
