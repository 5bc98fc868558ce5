// The page's verdict on a registration: a regulator's revocation says revoked, not taken down.
import assert from "node:assert/strict";
import { test } from "node:test";
import { verdictOf } from "../src/render.js";

const REVOKED = {
  status: "anchored",
  revoked: true,
  takedown: { kind: "revocation", authority: "regulator", reason: "伪造", taken_down_at: "2026-12-05T13:00:00Z" },
};

test("a revoked registration is told as revoked, in both languages", () => {
  assert.deepEqual(verdictOf("zh-CN", REVOKED), ["no", "已撤销：监管机构已在链上撤销此登记，不再有效"]);
  assert.equal(verdictOf("en", REVOKED)[1].startsWith("Revoked"), true);
  // An older answer without the flag: the record's kind says it.
  assert.equal(verdictOf("en", { ...REVOKED, revoked: undefined })[1].startsWith("Revoked"), true);
});

test("a takedown is still told as a takedown, and an anchored work as anchored", () => {
  const takedown = { status: "anchored", revoked: false, takedown: { authority: "moderator" } };
  assert.match(verdictOf("en", takedown)[1], /^Taken down/);
  assert.equal(verdictOf("en", { status: "anchored", revoked: false, takedown: null })[0], "ok");
});
