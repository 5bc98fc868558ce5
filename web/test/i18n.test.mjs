// Both languages say everything; the rights are those the registry knows.
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { test } from "node:test";
import { MESSAGES, RIGHTS, savedLanguage, t } from "../src/i18n.js";
import { CHECK_NAMES } from "../src/checks.js";

const SRC = new URL("../src/", import.meta.url);
const ROOT = new URL("../../", import.meta.url);

test("Chinese and English have the same messages and the same placeholders", () => {
  const zh = MESSAGES["zh-CN"];
  const en = MESSAGES.en;
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(zh)) {
    assert.deepEqual(placeholders(zh[key]), placeholders(en[key]), key);
  }
});

test("every message the sources and the page name exists", async () => {
  const used = new Set();
  for (const name of await readdir(SRC)) {
    const text = await readFile(new URL(name, SRC), "utf8");
    for (const match of text.matchAll(/t\(\s*(?:lang|state\.lang),\s*"(\w+)"/g)) used.add(match[1]);
    for (const match of text.matchAll(/\b(?:passed|failed|skipped)\("\w+",\s*"(\w+)"/g)) used.add(match[1]);
  }
  const page = await readFile(new URL("api/static/index.html", ROOT), "utf8");
  for (const match of page.matchAll(/data-i18n(?:-placeholder|-aria)?="(\w+)"/g)) used.add(match[1]);
  for (const name of CHECK_NAMES) {
    used.add(`c_${name}`).add(`${name}_passed`);
  }
  for (const state of ["passed", "failed", "skipped", "running"]) used.add(`s_${state}`);
  for (const status of ["anchored", "pending", "held", "rejected"]) used.add(`status_${status}`);
  const missing = [...used].filter((key) => !(key in MESSAGES["zh-CN"]));
  assert.deepEqual(missing, []);
});

test("the page's Chinese text is the Chinese messages", async () => {
  const page = await readFile(new URL("api/static/index.html", ROOT), "utf8");
  for (const match of page.matchAll(/data-i18n="(\w+)"[^>]*>([^<]*)</g)) {
    assert.equal(match[2], t("zh-CN", match[1]), match[1]);
  }
});

test("the rights are the 17 of chain_client.rights.Right, bit for bit", async () => {
  const python = await readFile(new URL("chain_client/rights.py", ROOT), "utf8");
  const block = python.slice(python.indexOf("class Right("));
  const bits = [...block.matchAll(/^\s+([A-Z_]+) = (\d+)\s+# (\S+)/gm)].map(([, name, bit, zh]) => ({
    name: name.toLowerCase(),
    bit: Number(bit),
    zh,
  }));
  assert.equal(bits.length, 17);
  assert.deepEqual(
    RIGHTS.map(({ name, bit }) => ({ name, bit })),
    bits.map(({ name, bit }) => ({ name, bit })),
  );
  // Items (1) to (16) carry their statutory names; (17) is "other rights" in full.
  assert.deepEqual(RIGHTS.slice(0, 16).map((r) => r.zh), bits.slice(0, 16).map((b) => b.zh));
});

test("the saved language, or Chinese", () => {
  const storage = (value) => ({ getItem: () => value });
  assert.equal(savedLanguage(storage("en")), "en");
  assert.equal(savedLanguage(storage("fr")), "zh-CN");
  assert.equal(savedLanguage(storage(null)), "zh-CN");
  assert.equal(savedLanguage({ getItem: () => { throw new Error("denied"); } }), "zh-CN");
});
