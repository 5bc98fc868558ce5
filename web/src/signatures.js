// The registrant's signature of a banquan.claim/2 claim, checked as the registry checks it
// (crypto/signing.py): SM2 with SM3 over the claim's RFC 8785 bytes and the key's ID, a raw
// r || s; or secp256k1 over the EIP-191 personal message, r || s || v, low s, v 27 or 28, the
// key recovered from it.

import { secp256k1 } from "@noble/curves/secp256k1";
import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, concatBytes, utf8ToBytes } from "@noble/hashes/utils";
import { sm2 } from "sm-crypto-v2";
import { canonicalBytes } from "./claims.js";

const HEX = /^[0-9a-f]+$/;

function eip191Digest(message) {
  const prefix = utf8ToBytes(`\u0019Ethereum Signed Message:\n${message.length}`);
  return keccak_256(concatBytes(prefix, message));
}

function verifySecp256k1(publicKey, message, signature) {
  if (signature.length !== 130) return false;
  const v = Number.parseInt(signature.slice(128), 16);
  if (v !== 27 && v !== 28) return false;
  const compact = secp256k1.Signature.fromCompact(signature.slice(0, 128));
  if (compact.hasHighS()) return false;
  const recovered = compact.addRecoveryBit(v - 27).recoverPublicKey(eip191Digest(message));
  return bytesToHex(recovered.toRawBytes(false)) === publicKey;
}

function verifySm2(registrant, message, signature) {
  if (signature.length !== 128) return false;
  return sm2.doVerifySignature(message, signature, registrant.public_key, {
    der: false,
    hash: true,
    userId: registrant.sm2_id,
  });
}

/**
 * Whether `signatureText` ("<algorithm>:<hex>") is the claim's registrant's signature of the
 * claim: true or false for a banquan.claim/2 claim; null for an unsigned banquan.claim/1 one
 * (nothing to check), false for one that names a registrant or carries a signature anyway.
 */
export function claimSignature(claim, signatureText) {
  if (claim?.v !== "banquan.claim/2") {
    return signatureText == null && claim?.registrant === undefined ? null : false;
  }
  const registrant = claim.registrant ?? {};
  const [algorithm, signature, ...rest] = String(signatureText ?? "").split(":");
  if (rest.length || algorithm !== registrant.algorithm || !HEX.test(signature ?? "")) return false;
  const publicKey = String(registrant.public_key ?? "");
  if (!HEX.test(publicKey) || publicKey.length !== 130 || !publicKey.startsWith("04")) return false;
  const message = canonicalBytes(claim);
  try {
    if (algorithm === "sm2") return verifySm2(registrant, message, signature);
    if (algorithm === "secp256k1") return verifySecp256k1(publicKey, message, signature);
  } catch {
    return false; // not a point, not a signature: not the registrant's
  }
  return false;
}

/** `<algorithm>:<public key hex>`, how the registry names a registrant (registrant_id). */
export function registrantId(claim) {
  const registrant = claim?.registrant;
  return registrant ? `${registrant.algorithm}:${registrant.public_key}` : null;
}

