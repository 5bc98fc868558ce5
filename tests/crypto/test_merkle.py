from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_hash.auto import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.errors import CryptoError, InvalidProof, LeafNotInTree
from crypto.merkle import (
    MerkleTree,
    _thread_keccak,
    entry_hash,
    hash_pair,
    keccak256,
    leaf_hash,
    verify_proof,
)

if TYPE_CHECKING:
    from tests.crypto.conftest import NodeReference

SIZES = [1, 2, 3, 4, 5, 7, 8, 33, 1000]

values32 = st.binary(min_size=32, max_size=32)


def _random_values(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(32) for _ in range(count)]


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _flip_bit(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8 % len(value)] ^= 1 << (bit % 8)
    return bytes(flipped)


CASES: dict[str, list[bytes]] = {f"n={n}": _random_values(n, seed=n) for n in SIZES}
# OpenZeppelin accepts repeated values; proofs must then name the same occurrence.
CASES["repeated values"] = [_random_values(3, seed=0)[i] for i in (0, 1, 0, 2, 1, 0, 2)]
CASES["one value repeated"] = _random_values(1, seed=1) * 4


@pytest.fixture(scope="module")
def openzeppelin(reference: NodeReference) -> dict[str, Any]:
    """Root and proofs from @openzeppelin/merkle-tree for every case, by case name."""
    return {
        name: reference.call("merkle", values=[_hex(value) for value in values])
        for name, values in CASES.items()
    }


@pytest.mark.parametrize("name", CASES)
def test_root_and_every_proof_match_openzeppelin(name: str, openzeppelin: dict[str, Any]) -> None:
    values = CASES[name]
    expected = openzeppelin[name]
    tree = MerkleTree.of(values)
    assert len(tree) == len(values)
    assert _hex(tree.root) == expected["root"]
    proofs = [[_hex(node) for node in tree.proof(value)] for value in values]
    assert proofs == expected["proofs"]


@pytest.mark.parametrize("name", CASES)
def test_every_proof_verifies(name: str) -> None:
    values = CASES[name]
    tree = MerkleTree.of(values)
    for value in values:
        assert verify_proof(value, tree.proof(value), tree.root)


@pytest.mark.parametrize("name", CASES)
def test_a_flipped_bit_fails_verification(name: str) -> None:
    values = CASES[name]
    tree = MerkleTree.of(values)
    rng = random.Random(name)
    for value in rng.sample(values, min(len(values), 20)):
        proof = tree.proof(value)
        bit = rng.randrange(256)
        assert not verify_proof(_flip_bit(value, bit), proof, tree.root)
        assert not verify_proof(value, proof, _flip_bit(tree.root, bit))
        for position in range(len(proof)):
            tampered = list(proof)
            tampered[position] = _flip_bit(proof[position], bit)
            assert not verify_proof(value, tampered, tree.root)


@pytest.mark.slow
def test_root_of_100k_values_matches_openzeppelin(reference: NodeReference) -> None:
    values = _random_values(100_000, seed=100_000)
    expected = reference.call("merkle_root", values=[_hex(value) for value in values])
    tree = MerkleTree.of(values)
    assert _hex(tree.root) == expected
    value = values[12_345]
    assert verify_proof(value, tree.proof(value), tree.root)


def test_single_value_tree_has_the_leaf_as_root_and_an_empty_proof() -> None:
    (value,) = _random_values(1, seed=7)
    tree = MerkleTree.of([value])
    assert tree.root == leaf_hash(value)
    assert tree.proof(value) == []
    assert verify_proof(value, [], tree.root)


@given(value=values32)
def test_leaf_hash_is_double_keccak_of_the_abi_encoded_bytes32(value: bytes) -> None:
    encoded = abi_encode(["bytes32"], [value])
    assert encoded == value
    assert leaf_hash(value) == keccak(keccak(encoded))


@given(a=values32, b=values32)
def test_hash_pair_is_keccak_of_the_sorted_pair(a: bytes, b: bytes) -> None:
    assert hash_pair(a, b) == hash_pair(b, a) == keccak(min(a, b) + max(a, b))


@pytest.mark.parametrize("values", [[], [b"\x00" * 31], [b"\x00" * 32, b"\x00" * 33]])
def test_of_rejects_empty_input_and_wrong_lengths(values: list[bytes]) -> None:
    with pytest.raises(InvalidProof):
        MerkleTree.of(values)


def test_of_rejects_non_bytes_values() -> None:
    with pytest.raises(InvalidProof):
        MerkleTree.of(["00" * 32])  # type: ignore[list-item]


def test_proof_of_a_value_not_in_the_tree() -> None:
    values = _random_values(5, seed=5)
    tree = MerkleTree.of(values[:4])
    assert values[4] not in tree
    assert values[0] in tree
    with pytest.raises(LeafNotInTree) as raised:
        tree.proof(values[4])
    assert isinstance(raised.value, KeyError)
    assert isinstance(raised.value, CryptoError)
    assert values[4].hex() in str(raised.value)


def test_proof_rejects_a_value_of_the_wrong_length() -> None:
    tree = MerkleTree.of(_random_values(2, seed=2))
    with pytest.raises(InvalidProof):
        tree.proof(b"\x00" * 31)


@pytest.mark.parametrize(
    ("value", "proof", "root"),
    [
        (b"\x00" * 31, [], b"\x00" * 32),
        (b"\x00" * 32, [b"\x00" * 31], b"\x00" * 32),
        (b"\x00" * 32, [], b"\x00" * 33),
    ],
)
def test_verify_proof_rejects_malformed_input(
    value: bytes, proof: list[bytes], root: bytes
) -> None:
    with pytest.raises(InvalidProof):
        verify_proof(value, proof, root)


def test_hash_pair_rejects_wrong_lengths() -> None:
    with pytest.raises(InvalidProof):
        hash_pair(b"\x00" * 32, b"\x00")


def test_a_proof_does_not_verify_another_value() -> None:
    values = _random_values(8, seed=8)
    tree = MerkleTree.of(values)
    assert not verify_proof(values[1], tree.proof(values[0]), tree.root)


@given(values=st.lists(values32, min_size=1, max_size=80), seed=st.integers())
def test_root_does_not_depend_on_value_order(values: list[bytes], seed: int) -> None:
    shuffled = list(values)
    random.Random(seed).shuffle(shuffled)
    assert MerkleTree.of(shuffled).root == MerkleTree.of(values).root


@given(values=st.lists(values32, min_size=1, max_size=80))
def test_every_proof_verifies_and_has_the_depth_of_its_leaf(values: list[bytes]) -> None:
    tree = MerkleTree.of(values)
    deepest = (2 * len(values) - 1).bit_length() - 1
    for value in values:
        proof = tree.proof(value)
        assert verify_proof(value, proof, tree.root)
        assert deepest - 1 <= len(proof) <= deepest


@given(values=st.lists(values32, min_size=1, max_size=40), other=values32)
def test_values_outside_the_tree_have_no_proof(values: list[bytes], other: bytes) -> None:
    tree = MerkleTree.of(values)
    if other in values:
        assert other in tree
    else:
        with pytest.raises(LeafNotInTree):
            tree.proof(other)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    distinct=st.lists(values32, min_size=1, max_size=40, unique=True),
)
def test_random_trees_match_openzeppelin(
    reference: NodeReference, data: st.DataObject, distinct: list[bytes]
) -> None:
    # Draw from a small pool so that some trees contain repeated values.
    values = data.draw(st.lists(st.sampled_from(distinct), min_size=1, max_size=60))
    expected = reference.call("merkle", values=[_hex(value) for value in values])
    tree = MerkleTree.of(values)
    assert _hex(tree.root) == expected["root"]
    assert [[_hex(node) for node in tree.proof(value)] for value in values] == expected["proofs"]


# ---------------------------------------------------------------- controller-bound entries


def _address(seed: int) -> str:
    return "0x" + random.Random(seed).randbytes(20).hex()


MIXED: list[tuple[bytes, str | None]] = [
    (value, _address(i) if i % 3 else None) for i, value in enumerate(_random_values(9, seed=9))
]


def _as_reference(entry: tuple[bytes, str | None]) -> list[str]:
    value, controller = entry
    return [_hex(value)] if controller is None else [_hex(value), controller]


def test_entry_hash_is_standard_merkle_tree_leaf_of_bytes32_address() -> None:
    value = bytes(range(32))
    controller = "0x" + "ab" * 20
    encoded = abi_encode(["bytes32", "address"], [value, controller])
    assert len(encoded) == 64
    assert entry_hash(value, controller) == keccak(keccak(encoded))
    assert entry_hash(value, bytes.fromhex("ab" * 20)) == entry_hash(value, controller)
    upper = controller.upper().replace("0X", "0x")
    assert entry_hash(value, upper) == entry_hash(value, controller)


def test_no_controller_and_the_zero_address_are_the_custodial_entry() -> None:
    value = bytes(range(32))
    assert entry_hash(value) == leaf_hash(value)
    assert entry_hash(value, None) == leaf_hash(value)
    assert entry_hash(value, "0x" + "00" * 20) == leaf_hash(value)


@given(value=values32, controller=st.binary(min_size=20, max_size=20))
def test_a_bound_entry_never_equals_a_custodial_one(value: bytes, controller: bytes) -> None:
    if controller != bytes(20):
        assert entry_hash(value, controller) != leaf_hash(value)


@pytest.mark.parametrize("controller", ["0x1234", "0x" + "zz" * 20, b"\x01" * 19, 42])
def test_a_malformed_controller_is_refused(controller: Any) -> None:
    with pytest.raises(InvalidProof):
        entry_hash(bytes(32), controller)


def test_all_bound_tree_matches_openzeppelin_standard_tree(reference: NodeReference) -> None:
    entries = [(value, _address(i)) for i, value in enumerate(_random_values(7, seed=7))]
    expected = reference.call("merkle_bound", entries=[_as_reference(e) for e in entries])
    tree = MerkleTree.of(entries)
    assert _hex(tree.root) == expected["root"]
    assert [[_hex(node) for node in tree.proof(entry)] for entry in entries] == expected["proofs"]


@pytest.mark.parametrize("count", [1, 2, 5, 9])
def test_mixed_tree_matches_openzeppelin_leaf_hashes(reference: NodeReference, count: int) -> None:
    entries = MIXED[:count]
    expected = reference.call("merkle_entries", entries=[_as_reference(e) for e in entries])
    assert [_hex(entry_hash(*e)) for e in entries] == expected["leaves"]
    tree = MerkleTree.of(entries)
    assert _hex(tree.root) == expected["root"]
    assert [[_hex(node) for node in tree.proof(entry)] for entry in entries] == expected["proofs"]


def test_a_bound_proof_verifies_only_with_its_controller() -> None:
    tree = MerkleTree.of(list(MIXED))
    for value, controller in MIXED:
        proof = tree.proof((value, controller))
        assert verify_proof(value, proof, tree.root, controller=controller)
        assert verify_proof((value, controller), proof, tree.root)
        if controller is None:
            assert not verify_proof(value, proof, tree.root, controller=_address(99))
        else:
            assert not verify_proof(value, proof, tree.root)
            assert not verify_proof(value, proof, tree.root, controller=_address(99))
            assert (value, controller) in tree
            assert value not in tree
            with pytest.raises(LeafNotInTree):
                tree.proof(value)


def test_controller_given_twice_is_refused() -> None:
    value = bytes(32)
    with pytest.raises(InvalidProof):
        verify_proof((value, _address(1)), [], leaf_hash(value), controller=_address(1))


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=5))
def test_the_reused_keccak_state_hashes_each_message_as_keccak256(messages: list[bytes]) -> None:
    # Messages up to 300 bytes cross the 136-byte rate of Keccak-256, and follow one another
    # on the same state: each must hash as if alone.
    hash_ = _thread_keccak()
    assert [hash_(message) for message in messages] == [keccak(m) for m in messages]
    assert [keccak256(message) for message in messages] == [keccak(m) for m in messages]


def test_each_thread_hashes_on_its_own_keccak_state() -> None:
    # Threads hashing at once must not share (and so corrupt) a state.
    messages = [bytes([n]) * (n + 1) for n in range(200)]
    expected = [keccak(m) for m in messages]
    barrier = threading.Barrier(4)

    def work() -> tuple[bool, int]:
        barrier.wait()
        ok = all(
            keccak256(m) == e for _ in range(50) for m, e in zip(messages, expected, strict=True)
        )
        return ok, id(_thread_keccak())

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: work(), range(4)))
    assert all(ok for ok, _ in results)
    assert len({state for _, state in results}) == 4
