// The page's priority lines: who registered the same content first, and who after.
import assert from "node:assert/strict";
import { test } from "node:test";
import { priorClaim, priorityLines } from "../src/priority.js";

const FIRST = {
  number: "BQ-2026-00000001",
  claimant: "四川人民出版社",
  party: "party_a",
  registered_at: "2026-12-04T10:00:00Z",
  anchored_at: "2026-12-04T10:00:07Z",
  status: "anchored",
  taken_down: false,
};
const LATER = {
  number: "BQ-2026-00000002",
  claimant: "Copycat Press",
  party: "party_b",
  registered_at: "2026-12-05T10:00:00Z",
  anchored_at: null,
  status: "pending",
  taken_down: true,
};

test("a later claimant is told who was first, in Chinese and in English", () => {
  const priority = { first: FIRST, later: [LATER], is_first: false };
  const zh = priorityLines("zh-CN", priority);
  assert.equal(zh[0], "在后登记：相同内容已由其他当事人先行登记。");
  assert.match(zh[1], /^首次登记：BQ-2026-00000001，四川人民出版社，2026-12-04 18:00:00 北京时间.*锚定于/);
  assert.match(zh[2], /^后续登记：BQ-2026-00000002，Copycat Press，.*（已下架）$/);
  const en = priorityLines("en", priority);
  assert.match(en[1], /^First registered: BQ-2026-00000001 by 四川人民出版社 at .*10:00:00 UTC, anchored /);
  assert.match(en[2], /^Later claimants: BQ-2026-00000002 by Copycat Press at .* \(taken down\)$/);
});

test("a revoked claimant is told revoked, not merely taken down", () => {
  const revoked = { ...LATER, revoked: true };
  const priority = { first: FIRST, later: [revoked], is_first: false };
  assert.match(priorityLines("zh-CN", priority)[2], /（已撤销）$/);
  assert.match(priorityLines("en", priority)[2], / \(revoked\)$/);
  assert.doesNotMatch(priorityLines("en", priority)[2], /taken down/);
});

test("a prior claim moderation still holds is told held for review", () => {
  const held = { ...FIRST, anchored_at: null, status: "held" };
  const priority = { first: held, later: [], is_first: false };
  assert.match(priorityLines("zh-CN", priority)[1], /（待审核）$/);
  assert.match(priorityLines("en", priority)[1], / \(held for review\)$/);
  assert.doesNotMatch(priorityLines("en", { first: FIRST, later: [], is_first: false })[1], /held/);
});

test("the first registrant alone has no later line, and no priority shows nothing", () => {
  const lines = priorityLines("en", { first: { ...FIRST, claimant: null }, later: [], is_first: true });
  assert.deepEqual(lines.length, 2);
  assert.equal(lines[0], "This registration belongs to the first registrant.");
  assert.match(lines[1], /by an unsigned registration at/);
  assert.deepEqual(priorityLines("en", null), []);
});

test("the prior claim is the one the priority names, not the oldest when that was rejected", () => {
  // BQ-…01 was registered first and rejected; BQ-…03 holds the prior claim; BQ-…04 came after.
  const holder = { ...FIRST, number: "BQ-2026-00000003" };
  const rejected = { number: "BQ-2026-00000001", status: "rejected", priority: null };
  const first = { number: holder.number, status: "anchored", priority: { first: holder, later: [LATER], is_first: true } };
  const later = { number: "BQ-2026-00000004", status: "pending", priority: { first: holder, later: [LATER], is_first: false } };
  assert.equal(priorClaim([rejected, first, later]).number, "BQ-2026-00000003");
  // An answer without priority: the oldest, as before.
  assert.equal(priorClaim([{ number: "BQ-1" }, { number: "BQ-2" }]).number, "BQ-1");
});

test("no registration holds the prior claim when every one was rejected", () => {
  const rejected = (number) => ({ number, status: "rejected", priority: null });
  assert.equal(priorClaim([rejected("BQ-1"), rejected("BQ-2")]), undefined);
  // Nor the rejected oldest one when a later one stands, even without priority in the answer.
  assert.equal(priorClaim([rejected("BQ-1"), { number: "BQ-2", status: "pending" }]).number, "BQ-2");
});
