// The page's hand-written ABI encoding and decoding against ethers' (a development dependency
// only: the page does not ship it).
import assert from "node:assert/strict";
import { test } from "node:test";
import { AbiCoder, Interface, getAddress } from "ethers";
import { AbiError, Words, checksumAddress, encodeCall, selector } from "../src/abi.js";

const LEAF = "063bc3445ef95bfa4e93077f0f59fcc20ece8d2982421a7dddc4636852d6ac0f";
const ROOT = "072e1614ed976f53a08375e7a57846abfbd3a6e2acb81e5e73e9393107915404";
const coder = AbiCoder.defaultAbiCoder();

test("calls encode as ethers encodes them", () => {
  const abi = new Interface([
    "function rootRecord(bytes32 root) view returns (uint64, uint64, uint32, uint64, bool)",
    "function registrationStatus(bytes32 leaf, bytes32[] proof, bytes32 root) view returns (uint8)",
    "function ownerOf(uint256 assetId) view returns (address)",
  ]);
  assert.equal(encodeCall("rootRecord(bytes32)", [ROOT]), abi.encodeFunctionData("rootRecord", [`0x${ROOT}`]));
  for (const proof of [[], [LEAF], [LEAF, ROOT, LEAF]]) {
    assert.equal(
      encodeCall("registrationStatus(bytes32,bytes32[],bytes32)", [LEAF, proof, ROOT]),
      abi.encodeFunctionData("registrationStatus", [`0x${LEAF}`, proof.map((p) => `0x${p}`), `0x${ROOT}`]),
    );
  }
  assert.equal(encodeCall("ownerOf(uint256)", [LEAF]), abi.encodeFunctionData("ownerOf", [BigInt(`0x${LEAF}`)]));
  assert.equal(selector("ownerOf(uint256)"), "6352211e");
});

test("unsupported arguments are refused", () => {
  assert.throws(() => encodeCall("f(string)", ["x"]), AbiError);
  assert.throws(() => encodeCall("f(bytes32)", []), AbiError);
  assert.throws(() => encodeCall("f(bytes32)", ["zz"]), AbiError);
});

const LIEN = "tuple(uint256,uint256,tuple(address,uint64,uint8,bool,uint128,bytes3,uint64,uint256,bytes32))[]";
const LICENCE_ENTRY = "tuple(uint256,tuple(address,uint32,uint16,bool,bool,bool,uint64,uint64,uint256))[]";
const LENDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const LICENSEE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

test("encumbrancesOf's answer decodes word by word", () => {
  const liens = [
    [7n, 1n, [LENDER, 1900000000n, 1, true, 10000000n, "0x434e59", 1800000000n, 5n, `0x${"11".repeat(32)}`]],
    [9n, 2n, [LICENSEE, 1900000001n, 1, false, 1n, "0x555344", 1800000001n, 5n, `0x${"00".repeat(32)}`]],
  ];
  const licences = [[3n, [LICENSEE, 0x1030n, 156, true, false, false, 1800000000n, 1900000000n, 5n]]];
  const answer = new Words(coder.encode([LIEN, "uint8", "uint64", LICENCE_ENTRY], [liens, 2, 1800000123n, licences]));
  const read = answer.tupleArray(0, 11, (w, first) => ({
    id: w.uint(first),
    rank: w.uint(first + 1),
    lender: w.address(first + 2),
    maturity: w.number(first + 3),
    consent: w.bool(first + 5),
    amount: w.uint(first + 6),
    currency: w.fixedBytes(first + 7, 3),
  }));
  assert.deepEqual(read, [
    { id: 7n, rank: 1n, lender: LENDER, maturity: 1900000000, consent: true, amount: 10000000n, currency: "434e59" },
    { id: 9n, rank: 2n, lender: LICENSEE, maturity: 1900000001, consent: false, amount: 1n, currency: "555344" },
  ]);
  assert.equal(answer.number(1), 2);
  assert.equal(answer.number(2), 1800000123);
  const entries = answer.tupleArray(3, 10, (w, first) => [w.uint(first), w.address(first + 1), w.uint(first + 2), w.number(first + 3), w.bool(first + 4)]);
  assert.deepEqual(entries, [[3n, LICENSEE, 0x1030n, 156, true]]);
});

test("empty arrays and a static answer decode", () => {
  const answer = new Words(coder.encode([LIEN, "uint8", "uint64", LICENCE_ENTRY], [[], 0, 0n, []]));
  assert.deepEqual(answer.tupleArray(0, 11, () => 1), []);
  assert.deepEqual(answer.tupleArray(3, 10, () => 1), []);
  const record = new Words(coder.encode(["uint64", "uint64", "uint32", "uint64", "bool"], [1800000000n, 12n, 3n, 4n, true]));
  assert.deepEqual([record.number(0), record.number(1), record.number(2), record.number(3), record.bool(4)], [1800000000, 12, 3, 4, true]);
});

test("malformed answers are refused", () => {
  assert.throws(() => new Words("0x1234"), AbiError);
  assert.throws(() => new Words(coder.encode(["uint256"], [2n])).bool(0), AbiError);
  assert.throws(() => new Words(coder.encode(["uint256"], [1n])).hex(1), AbiError);
  // An array whose length runs past the answer.
  assert.throws(() => new Words(coder.encode(["uint256", "uint256"], [32n, 5n])).tupleArray(0, 1, () => 1), AbiError);
});

test("addresses are written in EIP-55 mixed case", () => {
  for (const address of [LENDER, LICENSEE, "0x5FbDB2315678afecb367f032d93F642f64180aa3"]) {
    assert.equal(checksumAddress(address.toLowerCase()), getAddress(address.toLowerCase()));
  }
});
