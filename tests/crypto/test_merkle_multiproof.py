"""Multi-proofs, byte for byte those of @openzeppelin/merkle-tree's ``getMultiProof``."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.errors import InvalidProof, LeafNotInTree
from crypto.merkle import Entry, MerkleTree, leaf_hash, process_multiproof, verify_multiproof

if TYPE_CHECKING:
    from tests.crypto.conftest import NodeReference


def _values(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(32) for _ in range(count)]


def _hex(value: Entry) -> str:
    assert isinstance(value, bytes)
    return "0x" + value.hex()


CASES = [
    (1, [0]),
    (2, [0, 1]),
    (3, [2]),
    (5, [0, 4]),
    (7, [1, 2, 6]),
    (8, list(range(8))),
    (33, [3, 9, 27, 30, 32]),
    (100, list(range(0, 100, 7))),
    (4, []),
]


@pytest.mark.parametrize(("count", "indices"), CASES)
def test_multiproof_matches_openzeppelin(
    reference: NodeReference, count: int, indices: list[int]
) -> None:
    values = _values(count, seed=count)
    expected = reference.call("multiproof", values=[_hex(v) for v in values], indices=indices)
    tree = MerkleTree.of(values)
    multiproof = tree.multiproof([values[i] for i in indices])
    assert _hex(tree.root) == expected["root"]
    assert [_hex(v) for v in multiproof.values] == expected["leaves"]
    assert [_hex(node) for node in multiproof.proof] == expected["proof"]
    assert list(multiproof.proof_flags) == expected["proofFlags"]
    assert verify_multiproof(multiproof.values, multiproof.proof, multiproof.proof_flags, tree.root)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_multiproofs_match_openzeppelin_and_verify(
    reference: NodeReference, data: st.DataObject
) -> None:
    count = data.draw(st.integers(min_value=1, max_value=40))
    values = _values(count, seed=data.draw(st.integers(0, 2**32)))
    chosen = data.draw(st.lists(st.integers(0, count - 1), unique=True, max_size=count))
    tree = MerkleTree.of(values)
    multiproof = tree.multiproof([values[i] for i in chosen])
    expected = reference.call("multiproof", values=[_hex(v) for v in values], indices=chosen)
    assert [_hex(node) for node in multiproof.proof] == expected["proof"]
    assert list(multiproof.proof_flags) == expected["proofFlags"]
    assert verify_multiproof(multiproof.values, multiproof.proof, multiproof.proof_flags, tree.root)
    assert reference.call(
        "multiproof_verify",
        root=_hex(tree.root),
        leaves=[_hex(v) for v in multiproof.values],
        proof=[_hex(n) for n in multiproof.proof],
        proofFlags=list(multiproof.proof_flags),
    )


def test_tampered_multiproofs_fail() -> None:
    values = _values(20, seed=7)
    tree = MerkleTree.of(values)
    multiproof = tree.multiproof([values[1], values[5], values[11]])
    args = (multiproof.values, multiproof.proof, multiproof.proof_flags)
    assert verify_multiproof(*args, tree.root)
    outsider = _values(1, seed=99)[0]
    assert not verify_multiproof((outsider, *args[0][1:]), *args[1:], tree.root)
    assert not verify_multiproof(args[0], (outsider, *args[1][1:]), args[2], tree.root)
    flipped = (not args[2][0], *args[2][1:])
    assert not verify_multiproof(args[0], args[1], flipped, tree.root)
    assert not verify_multiproof(args[0], args[1][:-1], args[2], tree.root)


def test_multiproof_refusals() -> None:
    values = _values(6, seed=3)
    tree = MerkleTree.of(values)
    with pytest.raises(LeafNotInTree):
        tree.multiproof([_values(1, seed=42)[0]])
    with pytest.raises(InvalidProof, match="twice"):
        tree.multiproof([values[0], values[0]])
    with pytest.raises(InvalidProof):
        tree.multiproof([b"short"])
    with pytest.raises(InvalidProof):
        process_multiproof([leaf_hash(values[0])], [], [True])
    with pytest.raises(InvalidProof):
        verify_multiproof([values[0]], [], [], b"short")


def test_empty_multiproof_proves_the_root_itself() -> None:
    values = _values(3, seed=5)
    tree = MerkleTree.of(values)
    multiproof = tree.multiproof([])
    assert multiproof.proof == (tree.root,)
    assert verify_multiproof([], multiproof.proof, multiproof.proof_flags, tree.root)
