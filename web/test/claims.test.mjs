// Claim leaves and metadata digests as the registry computes them (vectors from its Python code:
// the API's example registration, and a banquan.claim/2 made by crypto.claims_v2).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ClaimError, claimLeaf, contentMatches, metadataDigest } from "../src/claims.js";

const CLAIM_V1 = {
  content: {
    cid: "bafkreicfieet7teoxnjzzjvjm2sc7lkrnbgqdm5rwspfdaginzfrpmc4um",
    sha256: "4541093fcc8ebb539ca6a966a42fad51684d01b3b1b49e5180c86e4b17b05ca3",
    size: 138,
    sm3: "5c135f2cc01ef4f5d7bb0caaa740a5729a441398be5f4f5c3892f273e316d0ef",
  },
  metadata_digest: "a9cecb533fbb9e8c4ee18ebd74f421ca557d44ee21bf77c637cbc6c9b2b8329d",
  nonce: "3dfb798327af83eb31f64b8efb1a2112",
  registered_at: "2026-11-27T10:44:12Z",
  v: "banquan.claim/1",
};

const METADATA_V1 = {
  title: "三体",
  authors: ["刘慈欣"],
  isbn: "9787536692930",
  language: "zh",
  rights: [
    "adaptation", "alteration", "authorship", "broadcasting", "cinematography", "compilation",
    "distribution", "exhibition", "information_network", "integrity", "other", "performance",
    "publication", "rental", "reproduction", "screening", "translation",
  ],
};

// Members in the order Python wrote them, not the canonical one: the leaf must not care.
const CLAIM_V2 = {
  v: "banquan.claim/2",
  content: {
    sha256: "4541093fcc8ebb539ca6a966a42fad51684d01b3b1b49e5180c86e4b17b05ca3",
    sm3: "5c135f2cc01ef4f5d7bb0caaa740a5729a441398be5f4f5c3892f273e316d0ef",
    size: 138,
    cid: "bafkreicfieet7teoxnjzzjvjm2sc7lkrnbgqdm5rwspfdaginzfrpmc4um",
  },
  metadata_digest: "9ec81a613f17d3eec451786c44025eaebf9d056145be38ee221f21e99c5113e0",
  rights: ["reproduction", "translation"],
  registrant: {
    algorithm: "sm2",
    public_key:
      "043cbb3d1177ffa1a21bb054ae613455eb409a77593d17221808977ecbfb0586479cf75393c8d257997f3fc1df9e952449746fd75ed1307e4dd493ae3dd0a800bd",
    sm2_id: "1234567812345678",
  },
  registered_at: "2026-11-27T10:44:12Z",
  nonce: "3dfb798327af83eb31f64b8efb1a2112",
  private: { author_id: "ab".repeat(32) },
};

test("the leaf of a banquan.claim/1", () => {
  assert.equal(claimLeaf(CLAIM_V1), "063bc3445ef95bfa4e93077f0f59fcc20ece8d2982421a7dddc4636852d6ac0f");
});

test("the leaf of a banquan.claim/2, members in any order", () => {
  assert.equal(claimLeaf(CLAIM_V2), "f9f97eb2ee8ff7de2268149d401f0a9eca2eb9e0995522c81240842b41e2ec82");
});

test("one changed member changes the leaf", () => {
  const changed = { ...CLAIM_V1, nonce: "3dfb798327af83eb31f64b8efb1a2113" };
  assert.notEqual(claimLeaf(changed), claimLeaf(CLAIM_V1));
});

test("an unknown claim version has no leaf", () => {
  assert.throws(() => claimLeaf({ ...CLAIM_V1, v: "banquan.claim/9" }), ClaimError);
  assert.throws(() => claimLeaf(null), ClaimError);
});

test("metadata digests (Chinese text, members in any order)", () => {
  assert.equal(metadataDigest(METADATA_V1), CLAIM_V1.metadata_digest);
  assert.equal(
    metadataDigest({
      rights: ["reproduction", "translation"],
      language: "zh",
      isbn: "9787536692930",
      authors: ["刘慈欣"],
      title: "三体",
    }),
    CLAIM_V2.metadata_digest,
  );
});

test("a file's digests match the claim's content", () => {
  const digests = { sha256: CLAIM_V1.content.sha256, sm3: CLAIM_V1.content.sm3, size: 138 };
  assert.ok(contentMatches(CLAIM_V1, digests));
  assert.ok(!contentMatches(CLAIM_V1, { ...digests, size: 137 }));
  assert.ok(!contentMatches(CLAIM_V1, { ...digests, sm3: "00".repeat(32) }));
});
