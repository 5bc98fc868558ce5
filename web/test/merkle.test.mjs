// The page's Merkle proof check against @openzeppelin/merkle-tree itself (the library whose
// trees the registry builds and RegistryAnchor checks).
import assert from "node:assert/strict";
import { test } from "node:test";
import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { standardLeafHash } from "@openzeppelin/merkle-tree/dist/hashes.js";
import { MerkleError, processProof, verifyProof } from "../src/merkle.js";

const values = (count) =>
  Array.from({ length: count }, (_, i) => `0x${bytesToHex(keccak_256(utf8ToBytes(`leaf ${i}`)))}`);

test("every proof of trees of 1 to 17 leaves leads to OpenZeppelin's root", () => {
  for (let count = 1; count <= 17; count++) {
    const leaves = values(count);
    const tree = StandardMerkleTree.of(leaves.map((v) => [v]), ["bytes32"]);
    for (const [i, [value]] of tree.entries()) {
      const proof = tree.getProof(i);
      assert.equal(`0x${processProof(value, proof)}`, tree.root, `${count} leaves, leaf ${i}`);
      assert.ok(verifyProof(value.slice(2), proof.map((p) => p.slice(2)), tree.root.slice(2)));
    }
  }
});

test("a proof with one node changed, or another leaf, does not verify", () => {
  const leaves = values(6);
  const tree = StandardMerkleTree.of(leaves.map((v) => [v]), ["bytes32"]);
  const proof = tree.getProof(2);
  const tampered = [...proof];
  tampered[1] = `0x${"0".repeat(63)}1`;
  assert.ok(!verifyProof(leaves[2], tampered, tree.root));
  assert.ok(!verifyProof(leaves[3], proof, tree.root));
  assert.ok(!verifyProof(leaves[2], proof.slice(1), tree.root));
});

test("malformed nodes are refused", () => {
  assert.throws(() => verifyProof("00", [], "00".repeat(32)), MerkleError);
  assert.throws(() => verifyProof("00".repeat(32), ["zz".repeat(32)], "00".repeat(32)), MerkleError);
});

// Registrations bound to a controller: the entry (value, controller), a leaf of types
// ["bytes32", "address"], alone or mixed with single values in one tree.
const addresses = (count) =>
  Array.from({ length: count }, (_, i) => `0x${bytesToHex(keccak_256(utf8ToBytes(`controller ${i}`))).slice(0, 40)}`);

test("bound entries prove against OpenZeppelin's two-value tree, and only with their controller", () => {
  const leaves = values(7);
  const controllers = addresses(7);
  const entries = leaves.map((v, i) => [v, controllers[i]]);
  const tree = StandardMerkleTree.of(entries, ["bytes32", "address"]);
  for (const [i, [value, controller]] of tree.entries()) {
    const proof = tree.getProof(i);
    assert.equal(`0x${processProof(value, proof, controller)}`, tree.root);
    assert.ok(verifyProof(value, proof, tree.root, controller));
    assert.ok(verifyProof(value, proof, tree.root, controller.toUpperCase().replace("0X", "0x")));
    assert.ok(!verifyProof(value, proof, tree.root), "without its controller");
    assert.ok(!verifyProof(value, proof, tree.root, controllers[(i + 1) % 7]), "another controller");
  }
});

test("a tree mixing single values and bound entries (as the worker anchors them)", () => {
  const leaves = values(9);
  const controllers = addresses(9);
  const entries = leaves.map((v, i) => (i % 3 ? [v, controllers[i]] : [v]));
  const hashes = entries.map((e) => standardLeafHash(e.length === 1 ? ["bytes32"] : ["bytes32", "address"], e));
  const tree = SimpleMerkleTree.of(hashes);
  entries.forEach((entry, i) => {
    const proof = tree.getProof(hashes[i]);
    assert.ok(verifyProof(entry[0], proof, tree.root, entry[1] ?? null), `entry ${i}`);
    assert.equal(verifyProof(entry[0], proof, tree.root), entry.length === 1);
  });
  assert.ok(verifyProof(entries[0][0], tree.getProof(hashes[0]), tree.root, `0x${"0".repeat(40)}`));
  assert.throws(() => verifyProof(leaves[1], [], tree.root, "0x1234"), MerkleError);
});
