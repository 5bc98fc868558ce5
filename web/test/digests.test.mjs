// SM3 against the examples of GB/T 32905-2016 (appendix A) and SHA-256 against FIPS 180-4's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { utf8ToBytes } from "@noble/hashes/utils";
import { contentDigests } from "../src/digests.js";

test("SM3 of GB/T 32905 example 1: \"abc\"", () => {
  assert.equal(
    contentDigests(utf8ToBytes("abc")).sm3,
    "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
  );
});

test("SM3 of GB/T 32905 example 2: \"abcd\" sixteen times (512 bits)", () => {
  assert.equal(
    contentDigests(utf8ToBytes("abcd".repeat(16))).sm3,
    "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
  );
});

test("SHA-256 of FIPS 180-4's examples, and the size", () => {
  const one = contentDigests(utf8ToBytes("abc"));
  assert.equal(one.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(one.size, 3);
  const two = contentDigests(utf8ToBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
  assert.equal(two.sha256, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
});

test("digests of the empty file", () => {
  const empty = contentDigests(new Uint8Array());
  assert.equal(empty.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(empty.sm3, "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
  assert.equal(empty.size, 0);
});
