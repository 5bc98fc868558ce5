// The page lists a content's registrations in the order the registry recorded them, as the
// API's priority has it: not by registered_at, which a signed claim's registrant states itself.
import assert from "node:assert/strict";
import { test } from "node:test";
import { oldestFirst } from "../src/api.js";

test("registrations are listed by their number's serial, once each", () => {
  const first = { number: "BQ-2026-00000009", registered_at: "2026-12-07T08:00:00Z" };
  const backdated = { number: "BQ-2026-00000010", registered_at: "2026-12-07T07:46:00Z" };
  const lastYear = { number: "BQ-2025-00000011", registered_at: "2025-12-31T23:59:00Z" };
  const listed = oldestFirst([backdated, lastYear, first, backdated]);
  assert.deepEqual(
    listed.map((r) => r.number),
    ["BQ-2026-00000009", "BQ-2026-00000010", "BQ-2025-00000011"],
  );
});
