import assert from "node:assert/strict";
import { test } from "node:test";
import { amountText, dateText, rightsOfMask, territoryText, timeText } from "../src/format.js";

test("times in Beijing time and UTC", () => {
  assert.equal(
    timeText("zh-CN", "2026-11-27T10:44:12Z"),
    "2026-11-27 18:44:12 北京时间（UTC+8）· 2026-11-27 10:44:12 UTC",
  );
  assert.equal(
    timeText("en", "2026-11-27T20:00:00+00:00"),
    "2026-11-28 04:00:00 Beijing time (UTC+8) · 2026-11-27 20:00:00 UTC",
  );
  assert.equal(timeText("en", 1795766400), "2026-11-27 16:00:00 Beijing time (UTC+8) · 2026-11-27 08:00:00 UTC");
  // A date is Beijing's: 17:00 UTC is the next day in Beijing.
  assert.equal(dateText("zh-CN", 1795766400 + 9 * 3600), "2026-11-28（北京时间）");
});

test("rights masks in article order", () => {
  assert.deepEqual(rightsOfMask(0b10000000000010000n).map((r) => r.name), ["reproduction", "other"]);
  assert.deepEqual(rightsOfMask(1n << 11n).map((r) => r.zh), ["信息网络传播权"]);
});

test("territories and amounts", () => {
  assert.equal(territoryText("zh-CN", 0), "全球");
  assert.equal(territoryText("en", 156), "China (156)");
  assert.equal(territoryText("zh-CN", 156), "中国（156）");
  assert.equal(territoryText("en", 392), "ISO 3166-1 numeric code 392");
  assert.equal(amountText(100000000n, "CNY"), "1,000,000.00");
  assert.equal(amountText(5n, "CNY"), "0.05");
  assert.equal(amountText(1500n, "JPY"), "1500");
});
