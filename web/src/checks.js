// The checks of one registration's proof bundle, made in the browser. Each check is
// {name, state: "passed" | "failed" | "skipped", reason, params}: `reason` names the message
// that says why, in words (see i18n.js).

import { ClaimError, claimLeaf, contentMatches, metadataDigest } from "./claims.js";
import { MerkleError, verifyProof } from "./merkle.js";
import { call, chainId, readAnchor } from "./chain.js";
import { checksumAddress } from "./abi.js";
import { claimSignature, registrantId } from "./signatures.js";

export const CHECK_NAMES = ["file", "metadata", "leaf", "signature", "merkle_path", "on_chain"];

const passed = (name, params = {}) => ({ name, state: "passed", reason: `${name}_passed`, params });
const failed = (name, reason, params = {}) => ({ name, state: "failed", reason, params });
const skipped = (name, reason, params = {}) => ({ name, state: "skipped", reason, params });

function sameHex(a, b) {
  const norm = (value) => String(value ?? "").toLowerCase().replace(/^0x/, "");
  return norm(a) === norm(b) && norm(a) !== "";
}

function fileCheck(bundle, digests) {
  if (!digests) return skipped("file", "file_skipped");
  return contentMatches(bundle.claim, digests) ? passed("file") : failed("file", "file_failed");
}

function metadataCheck(registration, bundle) {
  const digest = metadataDigest(registration.metadata ?? {});
  const shown = { sha256: registration.sha256, sm3: registration.sm3, size: registration.size };
  return digest === bundle.claim?.metadata_digest && contentMatches(bundle.claim, shown)
    ? passed("metadata")
    : failed("metadata", "metadata_failed");
}

function leafCheck(registration, bundle) {
  try {
    const leaf = claimLeaf(bundle.claim);
    return sameHex(leaf, bundle.leaf) && sameHex(leaf, registration.leaf)
      ? passed("leaf")
      : failed("leaf", "leaf_failed");
  } catch (error) {
    if (error instanceof ClaimError) return failed("leaf", "leaf_bad_claim", { why: error.message });
    throw error;
  }
}

// The registrant's signature of the claim, as `banquan verify-proof` checks it, and that it is
// the registrant the registry names; none for an unsigned banquan.claim/1 claim (not applicable).
function signatureCheck(registration, bundle) {
  const signed = claimSignature(bundle.claim, bundle.signature);
  if (signed === null) return null;
  if (!signed) return failed("signature", "signature_failed");
  if (registration.registrant && registration.registrant !== registrantId(bundle.claim)) {
    return failed("signature", "signature_other_registrant");
  }
  return passed("signature");
}

function pathCheck(bundle) {
  try {
    return verifyProof(bundle.leaf, bundle.proof ?? [], bundle.root, bundle.controller ?? null)
      ? passed("merkle_path")
      : failed("merkle_path", "merkle_path_failed");
  } catch (error) {
    if (error instanceof MerkleError) return failed("merkle_path", "merkle_path_failed");
    throw error;
  }
}

async function chainCheck(bundle, config, fetcher) {
  const rpcUrl = config.rpc_url;
  if (!rpcUrl) return skipped("on_chain", "on_chain_no_node");
  const anchor = bundle.anchor ?? {};
  const contract = anchor.contract;
  if (config.registry_anchor && !sameHex(config.registry_anchor, contract)) {
    return failed("on_chain", "on_chain_contract_mismatch", {
      contract,
      expected: checksumAddress(config.registry_anchor),
    });
  }
  try {
    const actual = await chainId(rpcUrl, fetcher);
    if (actual !== BigInt(anchor.chain_id)) {
      return failed("on_chain", "on_chain_chain_mismatch", {
        rpc: rpcUrl,
        actual: actual.toString(),
        expected: anchor.chain_id,
      });
    }
    const read = await readAnchor(
      rpcUrl,
      contract,
      {
        leaf: bundle.leaf,
        proof: bundle.proof ?? [],
        root: bundle.root,
        controller: bundle.controller ?? null,
      },
      fetcher,
    );
    if (read.anchoredAt === 0) return failed("on_chain", "on_chain_unknown_root", { contract });
    if (read.blockNumber !== anchor.block_number) {
      return failed("on_chain", "on_chain_block_mismatch", {
        actual: read.blockNumber,
        expected: anchor.block_number,
      });
    }
    if (read.revoked || read.status === "revoked") return failed("on_chain", "on_chain_revoked");
    if (read.status !== "valid") return failed("on_chain", "on_chain_unproven");
    const result = passed("on_chain", {
      rpc: rpcUrl,
      contract: checksumAddress(contract),
      block: read.blockNumber,
      anchoredAt: read.anchoredAt,
    });
    // A takedown is the work's state, not a forged proof: the proof passes and says so, as
    // `banquan verify-proof --rpc` does. Read from the registry's own Moderation contract when
    // the page was given it (a bundle could name one that never freezes anything).
    const moderation = config.moderation ?? anchor.moderation_contract;
    if (moderation && (await call(rpcUrl, moderation, "isFrozen(bytes32)", [bundle.leaf], fetcher)).bool(0)) {
      return { ...result, reason: "on_chain_passed_taken_down" };
    }
    return result;
  } catch (error) {
    // A node that cannot be read says nothing against the registration: not checked, and why.
    return skipped("on_chain", "on_chain_unreachable", { rpc: rpcUrl, why: String(error?.message ?? error) });
  }
}

/** Every check of `bundle` (the proof bundle of `registration`); `digests` are the chosen
 * file's, or null. The chain is read only when the page was given a node. */
export async function checkBundle(registration, bundle, digests, config, fetcher = fetch) {
  const number = bundle?.registration?.number;
  if (number !== registration.number) {
    const mismatch = failed("leaf", "bundle_mismatch", { number });
    return CHECK_NAMES.map((name) => (name === "leaf" ? mismatch : skipped(name, "bundle_mismatch", { number })));
  }
  return [
    fileCheck(bundle, digests),
    metadataCheck(registration, bundle),
    leafCheck(registration, bundle),
    signatureCheck(registration, bundle),
    pathCheck(bundle),
    await chainCheck(bundle, config, fetcher),
  ].filter(Boolean);
}
