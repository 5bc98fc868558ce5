// Reference implementations the Python crypto package is checked against.
//
// Reads one JSON request per line on stdin and answers one JSON line on stdout:
//   {"op": "canonicalize", "value": <json>}        -> {"result": "<RFC 8785 text>"}
//   {"op": "keccak256", "hex": "<hex>"}              -> {"result": "<hex>"}
//   {"op": "merkle", "values": ["0x<32 bytes>", ...]}
//       -> {"result": {"root": "0x..", "proofs": [["0x..", ...], ...]}}
//          (StandardMerkleTree.of(values.map(v => [v]), ["bytes32"]), proofs by value)
//   {"op": "merkle_root", "values": [...]}           -> {"result": "0x.."} (the same tree's root)
//   {"op": "merkle_bound", "entries": [["0x<32 bytes>", "0x<address>"], ...]}
//       -> {"result": {"root": "0x..", "proofs": [[...], ...]}}
//          (StandardMerkleTree.of(entries, ["bytes32", "address"]): every entry bound)
//   {"op": "merkle_entries", "entries": [["0x<32 bytes>"] | ["0x<32 bytes>", "0x<address>"], ...]}
//       -> {"result": {"root": "0x..", "leaves": ["0x..", ...], "proofs": [[...], ...]}}
//          (SimpleMerkleTree.of over standardLeafHash of each entry with its own types:
//          a tree mixing one- and two-value entries, as the anchoring worker builds)
//   {"op": "multiproof", "values": [...], "indices": [i, ...]}
//       -> {"result": {"root": "0x..", "leaves": ["0x..", ...], "proof": [...], "proofFlags": [...]}}
//          (getMultiProof of the values at those positions of `values`; leaves as values)
//   {"op": "multiproof_verify", "root": "0x..", "leaves": [...], "proof": [...], "proofFlags": [...]}
//       -> {"result": true|false} (StandardMerkleTree.verifyMultiProof; false if it throws)
// A failed request is answered with {"error": "<message>"}.
import { createInterface } from "node:readline";

import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { standardLeafHash } from "@openzeppelin/merkle-tree/dist/hashes.js";
import canonicalize from "canonicalize";
import { keccak256 } from "ethereum-cryptography/keccak.js";
import { bytesToHex, hexToBytes } from "ethereum-cryptography/utils.js";

function standardTree(values) {
  return StandardMerkleTree.of(
    values.map((v) => [v]),
    ["bytes32"],
  );
}

function merkle(values) {
  const tree = standardTree(values);
  return { root: tree.root, proofs: values.map((v) => tree.getProof([v])) };
}

function merkleBound(entries) {
  const tree = StandardMerkleTree.of(entries, ["bytes32", "address"]);
  return { root: tree.root, proofs: entries.map((entry) => tree.getProof(entry)) };
}

function entryTypes(entry) {
  return entry.length === 1 ? ["bytes32"] : ["bytes32", "address"];
}

function merkleEntries(entries) {
  const leaves = entries.map((entry) => standardLeafHash(entryTypes(entry), entry));
  const tree = SimpleMerkleTree.of(leaves);
  return { root: tree.root, leaves, proofs: leaves.map((leaf) => tree.getProof(leaf)) };
}

function multiproof(values, indices) {
  const tree = standardTree(values);
  const proof = tree.getMultiProof(indices);
  return { root: tree.root, leaves: proof.leaves.map(([v]) => v), proof: proof.proof, proofFlags: proof.proofFlags };
}

function multiproofVerify(request) {
  try {
    return StandardMerkleTree.verifyMultiProof(request.root, ["bytes32"], {
      leaves: request.leaves.map((v) => [v]),
      proof: request.proof,
      proofFlags: request.proofFlags,
    });
  } catch {
    return false;
  }
}

const operations = {
  canonicalize: (request) => canonicalize(request.value),
  keccak256: (request) => bytesToHex(keccak256(hexToBytes(request.hex))),
  merkle: (request) => merkle(request.values),
  merkle_root: (request) => standardTree(request.values).root,
  merkle_bound: (request) => merkleBound(request.entries),
  merkle_entries: (request) => merkleEntries(request.entries),
  multiproof: (request) => multiproof(request.values, request.indices),
  multiproof_verify: multiproofVerify,
};

for await (const line of createInterface({ input: process.stdin })) {
  let response;
  try {
    const request = JSON.parse(line);
    response = { result: operations[request.op](request) };
  } catch (error) {
    response = { error: String(error?.stack ?? error) };
  }
  process.stdout.write(JSON.stringify(response) + "\n");
}
