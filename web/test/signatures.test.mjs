// The page's check of a claim's signature against claims signed by the registry's Python code
// (web/test/vectors/signed_claims.py): each passes, and every change to claim, signature or key
// fails, as crypto/signing.py has it.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { secp256k1 } from "@noble/curves/secp256k1";
import { claimSignature, registrantId } from "../src/signatures.js";

const { vectors } = JSON.parse(await readFile(new URL("vectors/signed_claims.json", import.meta.url), "utf8"));

const flip = (hex, at) => hex.slice(0, at) + (hex[at] === "0" ? "1" : "0") + hex.slice(at + 1);

for (const { name, claim, signature } of vectors) {
  test(`${name}: the registrant's signature passes`, () => {
    assert.equal(claimSignature(claim, signature), true);
  });

  test(`${name}: another claim, signature or key fails`, () => {
    assert.equal(claimSignature({ ...claim, nonce: "11".repeat(16) }, signature), false);
    const [algorithm, hex] = signature.split(":");
    assert.equal(claimSignature(claim, `${algorithm}:${flip(hex, 10)}`), false);
    assert.equal(claimSignature(claim, `${algorithm}:${hex.slice(2)}`), false);
    const other = algorithm === "sm2" ? "secp256k1" : "sm2";
    assert.equal(claimSignature(claim, `${other}:${hex}`), false);
    const key = { ...claim.registrant, public_key: flip(claim.registrant.public_key, 40) };
    assert.equal(claimSignature({ ...claim, registrant: key }, signature), false);
    assert.equal(claimSignature(claim, null), false);
  });
}

test("an SM2 signature is of the key's ID too", () => {
  const { claim, signature } = vectors.find((v) => v.name === "sm2 with its own ID");
  const defaultId = { ...claim.registrant, sm2_id: "1234567812345678" };
  assert.equal(claimSignature({ ...claim, registrant: defaultId }, signature), false);
});

test("a secp256k1 signature with the other v, or high s, fails", () => {
  const { claim, signature } = vectors.find((v) => v.name === "secp256k1");
  const hex = signature.split(":")[1];
  const v = Number.parseInt(hex.slice(128), 16);
  assert.equal(claimSignature(claim, `secp256k1:${hex.slice(0, 128)}${(v === 27 ? 28 : 27).toString(16)}`), false);
  assert.equal(claimSignature(claim, `secp256k1:${hex.slice(0, 128)}00`), false);
  const s = BigInt(`0x${hex.slice(64, 128)}`);
  const high = (secp256k1.CURVE.n - s).toString(16).padStart(64, "0");
  const flipped = (v === 27 ? 28 : 27).toString(16);
  assert.equal(claimSignature(claim, `secp256k1:${hex.slice(0, 64)}${high}${flipped}`), false);
});

test("an unsigned banquan.claim/1 claim has nothing to check, unless it names a registrant", () => {
  const claim = { v: "banquan.claim/1", content: {}, metadata_digest: "", registered_at: "", nonce: "" };
  assert.equal(claimSignature(claim, null), null);
  assert.equal(claimSignature({ ...claim, registrant: "sm2:04ab" }, null), false);
  assert.equal(claimSignature(claim, "sm2:00"), false);
});

test("the registrant is named as the registry names it", () => {
  const { claim } = vectors.find((v) => v.name === "sm2");
  assert.equal(registrantId(claim), `sm2:${claim.registrant.public_key}`);
});
