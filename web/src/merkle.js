// Merkle proofs of OpenZeppelin's StandardMerkleTree over single bytes32 values (what
// RegistryAnchor checks with MerkleProof): the tree leaf of a value v is
// keccak256(keccak256(abi.encode(v))) — abi.encode of a bytes32 is v itself — and a parent is
// the keccak256 of its two children in ascending byte order. A registration bound to a
// controller (a chain address) is the entry (v, controller) instead: its tree leaf is
// keccak256(keccak256(abi.encode(v, controller))), the leaf of types ["bytes32", "address"]
// (what RightsAsset.tokenize proves); the zero address, or none, is no controller.

import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, concatBytes, hexToBytes } from "@noble/hashes/utils";

export class MerkleError extends Error {}

function node(hex, what) {
  const text = String(hex).replace(/^0x/, "");
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new MerkleError(`${what} is not 32 bytes of hex`);
  return hexToBytes(text.toLowerCase());
}

function compare(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function address(hex) {
  const text = String(hex).replace(/^0x/, "");
  if (!/^[0-9a-fA-F]{40}$/.test(text)) throw new MerkleError("the controller is not an address");
  return hexToBytes(text.toLowerCase());
}

/** The tree leaf of the value `valueHex`, bound to `controllerHex` when one is given. */
export function treeLeaf(valueHex, controllerHex = null) {
  const value = node(valueHex, "the leaf");
  if (controllerHex === null || controllerHex === undefined) return keccak_256(keccak_256(value));
  const controller = address(controllerHex);
  if (controller.every((byte) => byte === 0)) return keccak_256(keccak_256(value));
  return keccak_256(keccak_256(concatBytes(value, new Uint8Array(12), controller)));
}

export function hashPair(a, b) {
  return keccak_256(compare(a, b) <= 0 ? concatBytes(a, b) : concatBytes(b, a));
}

/** The root that `proof` (hex nodes, leaf side first) leads to from the value `leafHex`
 * (bound to `controllerHex`, if given). */
export function processProof(leafHex, proof, controllerHex = null) {
  let computed = treeLeaf(leafHex, controllerHex);
  proof.forEach((sibling, i) => {
    computed = hashPair(computed, node(sibling, `proof node ${i}`));
  });
  return bytesToHex(computed);
}

/** Whether `proof` shows that the value `leafHex` (bound to `controllerHex`, if given) is in
 * the tree with `rootHex`. */
export function verifyProof(leafHex, proof, rootHex, controllerHex = null) {
  return processProof(leafHex, proof, controllerHex) === bytesToHex(node(rootHex, "the root"));
}
