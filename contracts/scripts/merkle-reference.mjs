// Reference Merkle tree for cross-checking the Python implementation against OpenZeppelin's.
//
// Reads {"values": ["0x<64 hex>", ...]} from stdin and prints
// {"root": "0x...", "proofs": {"0x<value>": ["0x...", ...], ...}}, computed with
// StandardMerkleTree.of(values.map((v) => [v]), ["bytes32"]) from @openzeppelin/merkle-tree,
// the tree whose proofs RegistryAnchor.verifyRegistration accepts.
// Values and hashes are printed as lowercase hex; proofs are keyed by value in input order.
// Invalid input (non-JSON, no values, malformed or duplicate values) exits with status 2.
//
//   echo '{"values": ["0x11...11", "0x22...22"]}' | node contracts/scripts/merkle-reference.mjs

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

const BYTES32 = /^0x[0-9a-f]{64}$/;

function fail(message) {
  process.stderr.write(`merkle-reference: ${message}\n`);
  process.exit(2);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

let input;
try {
  input = JSON.parse(await readStdin());
} catch (error) {
  fail(`stdin is not valid JSON: ${error.message}`);
}
if (input === null || typeof input !== "object" || !Array.isArray(input.values)) {
  fail('expected a JSON object {"values": ["0x<64 hex>", ...]}');
}
if (input.values.length === 0) fail("values is empty; a tree needs at least one leaf");

const values = input.values.map((value, i) => {
  const normalized = typeof value === "string" ? value.toLowerCase() : value;
  if (typeof normalized !== "string" || !BYTES32.test(normalized)) {
    fail(`values[${i}] is not a 0x-prefixed 32-byte hex string: ${JSON.stringify(value)}`);
  }
  return normalized;
});
const seen = new Set();
for (const value of values) {
  if (seen.has(value)) fail(`duplicate value ${value}`);
  seen.add(value);
}

const tree = StandardMerkleTree.of(
  values.map((v) => [v]),
  ["bytes32"],
);
const proofs = {};
values.forEach((value, i) => {
  proofs[value] = tree.getProof(i).map((hash) => hash.toLowerCase());
});

process.stdout.write(`${JSON.stringify({ root: tree.root.toLowerCase(), proofs }, null, 2)}\n`);
