"""Merkle tree of claim leaves, identical to OpenZeppelin's ``StandardMerkleTree``.

The tree, its root and its proofs are byte for byte those of
``StandardMerkleTree.of(values.map(v => [v]), ["bytes32"])`` from ``@openzeppelin/merkle-tree``
(with its default ``sortLeaves: true``), and proofs verify with ``MerkleProof.verify`` of
OpenZeppelin Contracts:

* a value ``v`` (32 bytes) becomes the leaf ``keccak256(keccak256(abi.encode(v)))``, and
  ``abi.encode`` of a ``bytes32`` is the value itself;
* an inner node is the keccak256 of its two children in ascending byte order;
* the ``n`` leaves are sorted ascending and stored, last first, at the end of an array of
  ``2n - 1`` nodes in which node ``i`` has children ``2i + 1`` and ``2i + 2``; node 0 is the
  root.
"""

from collections.abc import Sequence

from eth_hash.auto import keccak

from crypto.errors import InvalidProof, LeafNotInTree

NODE_SIZE = 32
"""Length in bytes of a value, a leaf, an inner node and a root."""


def leaf_hash(value: bytes) -> bytes:
    """The leaf of a 32-byte value: ``keccak256(keccak256(abi.encode(bytes32 value)))``.

    Raises:
        InvalidProof: ``value`` is not 32 bytes.
    """
    _check_node("value", value)
    return keccak(keccak(value))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """The parent of two 32-byte nodes: keccak256 of the two in ascending byte order.

    Raises:
        InvalidProof: ``a`` or ``b`` is not 32 bytes.
    """
    _check_node("node", a)
    _check_node("node", b)
    return _parent(a, b)


class MerkleTree:
    """A Merkle tree over 32-byte values, laid out as OpenZeppelin's ``StandardMerkleTree``.

    Build it with :meth:`of`. Equal values may appear more than once, as OpenZeppelin
    allows; :meth:`proof` then proves the same occurrence that OpenZeppelin's
    ``getProof(value)`` does.
    """

    def __init__(self, nodes: list[bytes], positions: dict[bytes, int], count: int) -> None:
        """Use :meth:`of`; this takes an already built array of nodes."""
        self._nodes = nodes
        self._positions = positions
        self._count = count

    @classmethod
    def of(cls, values: Sequence[bytes]) -> "MerkleTree":
        """Build the tree of ``values`` (claim leaves, 32 bytes each) in O(n) hashes.

        Raises:
            InvalidProof: ``values`` is empty or a value is not 32 bytes.
        """
        if not values:
            raise InvalidProof("a Merkle tree needs at least one value")
        for value in values:
            _check_node("value", value)
        # OpenZeppelin sorts leaves with a stable sort; equal leaves are interchangeable,
        # so sorting the hashes alone yields the same array.
        leaves = sorted(keccak(keccak(value)) for value in values)
        count = len(leaves)
        size = 2 * count - 1
        nodes = [b""] * (size - count) + leaves[::-1]
        for i in range(size - count - 1, -1, -1):
            nodes[i] = _parent(nodes[2 * i + 1], nodes[2 * i + 2])
        # Like OpenZeppelin's hash lookup, a repeated leaf resolves to its last position in
        # sorted order, which is its lowest index in the array.
        positions = {leaf: size - 1 - rank for rank, leaf in enumerate(leaves)}
        return cls(nodes, positions, count)

    @property
    def root(self) -> bytes:
        """The 32-byte root: what is published on chain."""
        return self._nodes[0]

    def proof(self, value: bytes) -> list[bytes]:
        """The sibling nodes from the leaf of ``value`` up to the root, leaf side first.

        Raises:
            InvalidProof: ``value`` is not 32 bytes.
            LeafNotInTree: ``value`` is not one of the tree's values.
        """
        leaf = leaf_hash(value)
        index = self._positions.get(leaf)
        if index is None:
            raise LeafNotInTree(f"value 0x{value.hex()} is not in the tree")
        proof: list[bytes] = []
        while index > 0:
            # Odd indices are left children, even ones right children.
            sibling = index + 1 if index % 2 == 1 else index - 1
            proof.append(self._nodes[sibling])
            index = (index - 1) // 2
        return proof

    def __len__(self) -> int:
        """Number of values the tree was built from, repeated values included."""
        return self._count

    def __contains__(self, value: object) -> bool:
        """Whether ``value`` is one of the tree's values."""
        if not isinstance(value, bytes) or len(value) != NODE_SIZE:
            return False
        return keccak(keccak(value)) in self._positions


def verify_proof(value: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether ``proof`` shows that ``value`` is in the tree with ``root``.

    Same result as ``MerkleProof.verify(proof, root, keccak256(bytes.concat(keccak256(
    abi.encode(value)))))`` in OpenZeppelin Contracts.

    Raises:
        InvalidProof: ``value``, ``root`` or a proof node is not 32 bytes.
    """
    _check_node("root", root)
    for node in proof:
        _check_node("proof node", node)
    computed = leaf_hash(value)
    for node in proof:
        computed = _parent(computed, node)
    return computed == root


def _parent(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a <= b else keccak(b + a)


def _check_node(name: str, node: object) -> None:
    if not isinstance(node, bytes) or len(node) != NODE_SIZE:
        length = len(node) if isinstance(node, bytes) else type(node).__name__
        raise InvalidProof(f"{name} must be {NODE_SIZE} bytes, got {length}")
