// A registration's claim leaf, exactly as the registry computes it (crypto/claims.py,
// crypto/claims_v2.py): keccak256(domain || RFC 8785 bytes of the claim).

import { sha256 } from "@noble/hashes/sha2";
import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, concatBytes, utf8ToBytes } from "@noble/hashes/utils";
import canonicalize from "canonicalize";

export class ClaimError extends Error {}

const LEAF_DOMAINS = {
  "banquan.claim/1": "banquan.claim.leaf.v1\u0000",
  "banquan.claim/2": "banquan.claim.leaf.v2\u0000",
};

/** The RFC 8785 (JCS) bytes of a JSON value. */
export function canonicalBytes(value) {
  return utf8ToBytes(canonicalize(value));
}

/** The 64-hex leaf of a claim of either version. */
export function claimLeaf(claim) {
  const domain = claim && typeof claim === "object" ? LEAF_DOMAINS[claim.v] : undefined;
  if (domain === undefined) throw new ClaimError(`unknown claim version ${JSON.stringify(claim?.v)}`);
  return bytesToHex(keccak_256(concatBytes(utf8ToBytes(domain), canonicalBytes(claim))));
}

/** SHA-256 of the canonical metadata: what a claim's metadata_digest must be. */
export function metadataDigest(metadata) {
  return bytesToHex(sha256(canonicalBytes(metadata)));
}

/** Whether content digests (of a file) are the ones a claim records. */
export function contentMatches(claim, digests) {
  const content = claim?.content ?? {};
  return (
    content.sha256 === digests.sha256 && content.sm3 === digests.sm3 && content.size === digests.size
  );
}
