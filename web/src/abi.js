// The little of the Solidity ABI the page needs, by hand: calls whose arguments are bytes32,
// uint256 or bytes32[], and answers made of static words (numbers, addresses, booleans) and
// arrays of static tuples. Tests compare both ways with ethers' AbiCoder.

import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";

export class AbiError extends Error {}

const WORD_HEX = 64;

function strip(hex) {
  return String(hex).replace(/^0x/, "").toLowerCase();
}

function word(value) {
  const text = typeof value === "bigint" ? value.toString(16) : strip(value);
  if (!/^[0-9a-f]{0,64}$/.test(text)) throw new AbiError(`not a 32-byte word: ${value}`);
  return text.padStart(WORD_HEX, "0");
}

/** The 4-byte selector of a function signature such as "rootRecord(bytes32)". */
export function selector(signature) {
  return bytesToHex(keccak_256(utf8ToBytes(signature))).slice(0, 8);
}

/** Calldata of `signature` with `args`; each argument's type is read from the signature. */
export function encodeCall(signature, args) {
  const types = signature.slice(signature.indexOf("(") + 1, -1).split(",").filter(Boolean);
  if (types.length !== args.length) throw new AbiError(`${signature} takes ${types.length} arguments`);
  const head = [];
  const tail = [];
  types.forEach((type, i) => {
    if (type === "bytes32" || type === "uint256") {
      head.push(word(args[i]));
    } else if (type === "bytes32[]") {
      head.push(null); // the offset, known once every head word is
      tail.push([i, [word(BigInt(args[i].length)), ...args[i].map(word)]]);
    } else {
      throw new AbiError(`argument type ${type} is not supported`);
    }
  });
  let offset = BigInt(head.length * 32);
  for (const [i, words] of tail) {
    head[i] = word(offset);
    offset += BigInt(words.length * 32);
  }
  return `0x${selector(signature)}${head.join("")}${tail.flatMap(([, words]) => words).join("")}`;
}

/** An answer read word by word. */
export class Words {
  constructor(hex) {
    const text = strip(hex);
    if (text.length % WORD_HEX !== 0) throw new AbiError("the answer is not whole 32-byte words");
    this.text = text;
    this.count = text.length / WORD_HEX;
  }

  hex(i) {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new AbiError(`no word ${i} in the answer`);
    return this.text.slice(i * WORD_HEX, (i + 1) * WORD_HEX);
  }

  uint(i) {
    return BigInt(`0x${this.hex(i)}`);
  }

  number(i) {
    const value = this.uint(i);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new AbiError(`word ${i} is too large`);
    return Number(value);
  }

  bool(i) {
    const value = this.uint(i);
    if (value > 1n) throw new AbiError(`word ${i} is not a boolean`);
    return value === 1n;
  }

  address(i) {
    const text = this.hex(i);
    if (!/^0{24}/.test(text)) throw new AbiError(`word ${i} is not an address`);
    return checksumAddress(text.slice(24));
  }

  /** The leading `size` bytes of word i (bytesN), as hex. */
  fixedBytes(i, size) {
    return this.hex(i).slice(0, size * 2);
  }

  /** A dynamic array of static tuples of `width` words, whose offset is in word `i`; each
   * element is given to `read(words, first)` with the index of its first word. */
  tupleArray(i, width, read) {
    const start = this.number(i);
    if (start % 32 !== 0) throw new AbiError("an array offset is not word-aligned");
    const lengthWord = start / 32;
    const length = this.number(lengthWord);
    if (lengthWord + 1 + length * width > this.count) throw new AbiError("an array runs past the answer");
    return Array.from({ length }, (_, k) => read(this, lengthWord + 1 + k * width));
  }
}

/** EIP-55 mixed-case form of a 20-byte address (40 hex digits, with or without 0x). */
export function checksumAddress(hex) {
  const lower = strip(hex);
  if (!/^[0-9a-f]{40}$/.test(lower)) throw new AbiError(`not an address: ${hex}`);
  const hash = bytesToHex(keccak_256(utf8ToBytes(lower)));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}
