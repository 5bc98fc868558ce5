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

An entry of the tree is a claim leaf alone (a custodial registration) or a pair ``(leaf,
controller)`` (a registration bound to the chain address of its registrant). A pair becomes
``keccak256(keccak256(abi.encode(bytes32 leaf, address controller)))``, the leaf of
``StandardMerkleTree`` with types ``["bytes32", "address"]``; its 64-byte preimage cannot collide
with the 32-byte one of a leaf alone. A zero controller is no controller, as on chain.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from Crypto.Hash.keccak import _raw_keccak_lib  # type: ignore[attr-defined]
from Crypto.Util import _raw_api
from eth_hash.auto import keccak

from crypto.errors import InvalidProof, LeafNotInTree

NODE_SIZE = 32
"""Length in bytes of a value, a leaf, an inner node and a root."""

ADDRESS_SIZE = 20
"""Length in bytes of a controller's address."""

Controller: TypeAlias = str | bytes | None
"""A controller: a 0x-prefixed hex address, its 20 bytes, or None for no controller."""

Entry: TypeAlias = bytes | tuple[bytes, Controller]
"""A tree entry: a 32-byte claim leaf, or a pair (leaf, controller)."""


def controller_bytes(controller: Controller) -> bytes | None:
    """The 20 bytes of ``controller``, or None for no controller (None or the zero address).

    Raises:
        InvalidProof: ``controller`` is not a 20-byte address.
    """
    if controller is None:
        return None
    if isinstance(controller, str):
        text = controller[2:] if controller[:2] in ("0x", "0X") else controller
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise InvalidProof(f"controller is not a hex address: {controller!r}") from None
    elif isinstance(controller, bytes):
        raw = controller
    else:
        raise InvalidProof(f"controller must be an address, got {type(controller).__name__}")
    if len(raw) != ADDRESS_SIZE:
        raise InvalidProof(f"controller must be {ADDRESS_SIZE} bytes, got {len(raw)}")
    return None if raw == bytes(ADDRESS_SIZE) else raw


def entry_hash(value: bytes, controller: Controller = None) -> bytes:
    """The tree leaf of an entry: :func:`leaf_hash` of ``value`` without a controller, else
    ``keccak256(keccak256(abi.encode(bytes32 value, address controller)))``.

    Raises:
        InvalidProof: ``value`` is not 32 bytes or ``controller`` not an address.
    """
    raw = controller_bytes(controller)
    if raw is None:
        return leaf_hash(value)
    _check_node("value", value)
    return keccak(keccak(value + bytes(12) + raw))


def _entry_leaf(entry: object, hash_: Callable[[bytes], bytes] = keccak) -> bytes:
    if isinstance(entry, tuple):
        if len(entry) != 2:
            raise InvalidProof("a tree entry is a leaf or a pair (leaf, controller)")
        value, controller = entry
        raw = controller_bytes(controller)
        _check_node("value", value)
        return hash_(hash_(value if raw is None else value + bytes(12) + raw))
    if not isinstance(entry, bytes):
        raise InvalidProof(f"a tree entry must be bytes or a pair, got {type(entry).__name__}")
    _check_node("value", entry)
    return hash_(hash_(entry))


def _describe(entry: object) -> str:
    if isinstance(entry, tuple):
        return f"entry (0x{bytes(entry[0]).hex()}, {entry[1]!r})"
    return f"value 0x{bytes(entry).hex()}" if isinstance(entry, bytes) else repr(entry)


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


@dataclass(frozen=True)
class MultiProof:
    """A proof that several values are in one tree, as OpenZeppelin's ``getMultiProof``.

    ``values`` are in the order the proof consumes them (which is not the order they were
    asked for); ``proof`` and ``proof_flags`` are what ``MerkleProof.multiProofVerify`` takes,
    with ``keccak256(keccak256(value))`` of each value as its ``leaves``.
    """

    values: tuple[Entry, ...]
    proof: tuple[bytes, ...]
    proof_flags: tuple[bool, ...]


class MerkleTree:
    """A Merkle tree over entries (32-byte values, or pairs (value, controller)), laid out as
    OpenZeppelin's ``StandardMerkleTree``.

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
    def of(cls, values: Sequence[Entry]) -> "MerkleTree":
        """Build the tree of ``values`` (claim leaves of 32 bytes, or pairs (leaf, controller))
        in O(n) hashes.

        Raises:
            InvalidProof: ``values`` is empty, a value is not 32 bytes or a controller not an
            address.
        """
        if not values:
            raise InvalidProof("a Merkle tree needs at least one value")
        # OpenZeppelin sorts leaves with a stable sort; equal leaves are interchangeable,
        # so sorting the hashes alone yields the same array.
        hash_ = _thread_keccak()
        leaves = sorted(_entry_leaf(value, hash_) for value in values)
        count = len(leaves)
        size = 2 * count - 1
        nodes = [b""] * (size - count) + leaves[::-1]
        for i in range(size - count - 1, -1, -1):
            a, b = nodes[2 * i + 1], nodes[2 * i + 2]
            nodes[i] = hash_(a + b) if a <= b else hash_(b + a)
        # Like OpenZeppelin's hash lookup, a repeated leaf resolves to its last position in
        # sorted order, which is its lowest index in the array.
        positions = {leaf: size - 1 - rank for rank, leaf in enumerate(leaves)}
        return cls(nodes, positions, count)

    @property
    def root(self) -> bytes:
        """The 32-byte root: what is published on chain."""
        return self._nodes[0]

    def proof(self, value: Entry) -> list[bytes]:
        """The sibling nodes from the leaf of ``value`` (a value or a pair (value, controller))
        up to the root, leaf side first.

        Raises:
            InvalidProof: ``value`` is not 32 bytes or its controller not an address.
            LeafNotInTree: ``value`` is not one of the tree's entries.
        """
        leaf = _entry_leaf(value)
        index = self._positions.get(leaf)
        if index is None:
            raise LeafNotInTree(f"{_describe(value)} is not in the tree")
        proof: list[bytes] = []
        while index > 0:
            # Odd indices are left children, even ones right children.
            sibling = index + 1 if index % 2 == 1 else index - 1
            proof.append(self._nodes[sibling])
            index = (index - 1) // 2
        return proof

    def multiproof(self, values: Sequence[Entry]) -> MultiProof:
        """The multi-proof of ``values`` (each an entry of the tree, none repeated).

        Raises:
            InvalidProof: a value is not 32 bytes, or a value is asked for twice.
            LeafNotInTree: a value is not in the tree.
        """
        indices = []
        by_index: dict[int, Entry] = {}
        for value in values:
            index = self._positions.get(_entry_leaf(value))
            if index is None:
                raise LeafNotInTree(f"{_describe(value)} is not in the tree")
            indices.append(index)
            by_index[index] = value
        indices.sort(reverse=True)
        if len(set(indices)) != len(indices):
            raise InvalidProof("a multi-proof cannot prove the same leaf twice")
        # The walk of @openzeppelin/merkle-tree's getMultiProof: a queue of node indices,
        # deepest first; a node whose sibling is next in the queue needs no proof node.
        queue = list(indices)
        head = 0
        proof: list[bytes] = []
        flags: list[bool] = []
        while head < len(queue) and queue[head] > 0:
            index = queue[head]
            head += 1
            sibling = index + 1 if index % 2 == 1 else index - 1
            if head < len(queue) and queue[head] == sibling:
                flags.append(True)
                head += 1
            else:
                flags.append(False)
                proof.append(self._nodes[sibling])
            queue.append((index - 1) // 2)
        if not indices:
            proof.append(self._nodes[0])
        return MultiProof(tuple(by_index[i] for i in indices), tuple(proof), tuple(flags))

    def __len__(self) -> int:
        """Number of values the tree was built from, repeated values included."""
        return self._count

    def __contains__(self, value: object) -> bool:
        """Whether ``value`` (a value or a pair (value, controller)) is one of the tree's
        entries."""
        try:
            return _entry_leaf(value) in self._positions
        except InvalidProof:
            return False


def verify_proof(
    value: Entry, proof: Sequence[bytes], root: bytes, *, controller: Controller = None
) -> bool:
    """Whether ``proof`` shows that the entry of ``value`` (with ``controller``, if any; or
    ``value`` given as a pair (value, controller)) is in the tree with ``root``.

    Same result as ``MerkleProof.verify(proof, root, entry)`` in OpenZeppelin Contracts, with
    ``entry`` as :func:`entry_hash` computes it.

    Raises:
        InvalidProof: ``value``, ``root`` or a proof node is not 32 bytes, or the controller
        is not an address.
    """
    _check_node("root", root)
    for node in proof:
        if node.__class__ is not bytes or len(node) != NODE_SIZE:  # inline: a dozen per path
            _check_node("proof node", node)
    if controller is not None:
        if isinstance(value, tuple):
            raise InvalidProof("give the controller in the entry or as controller=, not both")
        value = (value, controller)
    hash_ = _thread_keccak()
    computed = _entry_leaf(value, hash_)
    for node in proof:
        computed = hash_(computed + node) if computed <= node else hash_(node + computed)
    return computed == root


def _parent(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a <= b else keccak(b + a)


def keccak256(data: bytes) -> bytes:
    """keccak256 of ``data``, as ``eth_hash``'s ``keccak``, at a quarter of its cost for short
    messages (see :func:`_thread_keccak`)."""
    return _thread_keccak()(data)


_local = threading.local()


def _thread_keccak() -> Callable[[bytes], bytes]:
    """keccak256 for short messages, on one state of pycryptodome's C Keccak (the core behind
    ``eth_hash``'s pycryptodome backend) per thread, reset between messages: its per-call
    wrapper objects cost three quarters of hashing 64 bytes, and a Merkle path hashes a dozen
    such messages. The function runs no Python code between its C calls, so nothing else on
    the thread can use the state midway. With pycryptodome on its ctypes backend this is plain
    ``keccak``."""
    hash_: Callable[[bytes], bytes] | None = getattr(_local, "keccak", None)
    if hash_ is None:
        hash_ = _local.keccak = _new_keccak()
    return hash_


def _new_keccak() -> Callable[[bytes], bytes]:
    if _raw_api.backend != "cffi":
        return keccak
    ffi = _raw_api.ffi
    pointer = ffi.new("void **")
    if _raw_keccak_lib.keccak_init(pointer, 64, 24):  # capacity 2 × 32 bytes, 24 rounds
        raise MemoryError("keccak state")
    # Freed with the function: when its thread ends, or the module is unloaded.
    state = ffi.gc(pointer[0], _raw_keccak_lib.keccak_destroy)
    digest = ffi.new("uint8_t[32]")
    digest_bytes = ffi.buffer(digest)
    reset, absorb, finish = (
        _raw_keccak_lib.keccak_reset,
        _raw_keccak_lib.keccak_absorb,
        _raw_keccak_lib.keccak_digest,
    )

    def hash_(data: bytes) -> bytes:
        reset(state)
        absorb(state, data, len(data))
        finish(state, digest, 32, 0x01)  # 0x01: Keccak padding, not SHA-3's 0x06
        return bytes(digest_bytes)

    return hash_


def _check_node(name: str, node: object) -> None:
    if not isinstance(node, bytes) or len(node) != NODE_SIZE:
        length = len(node) if isinstance(node, bytes) else type(node).__name__
        raise InvalidProof(f"{name} must be {NODE_SIZE} bytes, got {length}")


def process_multiproof(
    leaves: Sequence[bytes], proof: Sequence[bytes], proof_flags: Sequence[bool]
) -> bytes:
    """The root that a multi-proof over tree ``leaves`` (already double-hashed) leads to,
    as ``MerkleProof.processMultiProof`` computes it.

    Raises:
        InvalidProof: a node is not 32 bytes, or the counts do not fit together.
    """
    for node in (*leaves, *proof):
        _check_node("node", node)
    if len(leaves) + len(proof) != len(proof_flags) + 1:
        raise InvalidProof("a multi-proof needs len(leaves) + len(proof) == len(flags) + 1")
    if len(proof) < sum(1 for flag in proof_flags if not flag):
        raise InvalidProof("the multi-proof has fewer proof nodes than its flags use")
    hashes = list(leaves)
    leaf_position = proof_position = 0
    # Like the contract: take the next leaf first, then the hashes computed so far.
    for flag in proof_flags:
        a, leaf_position = _next(hashes, leaves, leaf_position)
        if flag:
            b, leaf_position = _next(hashes, leaves, leaf_position)
        else:
            b = proof[proof_position]
            proof_position += 1
        hashes.append(_parent(a, b))
    if not proof_flags:
        return leaves[0] if leaves else proof[0]
    if proof_position != len(proof) or leaf_position != len(hashes) - 1:
        raise InvalidProof("the multi-proof does not use every leaf and proof node")
    return hashes[-1]


def _next(hashes: list[bytes], leaves: Sequence[bytes], position: int) -> tuple[bytes, int]:
    if position >= len(hashes):
        raise InvalidProof("the multi-proof consumes a node before it is computed")
    return hashes[position], position + 1


def verify_multiproof(
    values: Sequence[Entry], proof: Sequence[bytes], proof_flags: Sequence[bool], root: bytes
) -> bool:
    """Whether the multi-proof shows that every one of ``values`` is in the tree with ``root``.

    Same result as ``MerkleProof.multiProofVerify(proof, proofFlags, root, leaves)`` with
    ``leaves[i]`` the entry hash of ``values[i]``; a malformed proof is ``False``.

    Raises:
        InvalidProof: ``root``, a value or a proof node is not 32 bytes.
    """
    _check_node("root", root)
    leaves = [_entry_leaf(value) for value in values]
    try:
        return process_multiproof(leaves, proof, proof_flags) == root
    except InvalidProof:
        for node in proof:
            _check_node("proof node", node)
        return False
