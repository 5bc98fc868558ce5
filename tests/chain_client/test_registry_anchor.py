"""RegistryAnchorClient against a real Anvil node and the real contract."""

from __future__ import annotations

import pytest

from chain_client.errors import TransactionFailed
from chain_client.registry_anchor import RegistryAnchorClient
from crypto.merkle import MerkleTree, leaf_hash

LEAVES = [bytes([n]) * 32 for n in range(1, 6)]


def test_anchored_root_is_recorded_with_block_time_and_count(
    anchor_client: RegistryAnchorClient,
) -> None:
    tree = MerkleTree.of(LEAVES)
    receipt = anchor_client.anchor(tree.root, len(LEAVES))
    info = anchor_client.root_info(tree.root)
    assert info is not None
    assert info.leaf_count == len(LEAVES)
    assert info.anchored_at == receipt.anchored_at
    assert info.block_number == receipt.block_number
    assert receipt.tx_hash.startswith("0x")
    assert len(receipt.tx_hash) == 66


def test_contract_accepts_python_merkle_proofs(anchor_client: RegistryAnchorClient) -> None:
    tree = MerkleTree.of(LEAVES)
    anchor_client.anchor(tree.root, len(LEAVES))
    for leaf in LEAVES:
        assert anchor_client.verify_registration(leaf, tree.proof(leaf), tree.root)
    assert not anchor_client.verify_registration(b"\x09" * 32, tree.proof(LEAVES[0]), tree.root)


def test_proof_against_unanchored_root_is_refused(anchor_client: RegistryAnchorClient) -> None:
    tree = MerkleTree.of(LEAVES)
    assert anchor_client.root_info(tree.root) is None
    assert not anchor_client.verify_registration(LEAVES[0], tree.proof(LEAVES[0]), tree.root)


def test_reanchoring_reverts_with_decoded_custom_error(
    anchor_client: RegistryAnchorClient,
) -> None:
    root = leaf_hash(LEAVES[0])
    first = anchor_client.anchor(root, 1)
    with pytest.raises(TransactionFailed) as caught:
        anchor_client.anchor(root, 1)
    assert caught.value.error_name == "RootAlreadyAnchored"
    assert caught.value.error_args == (root, first.anchored_at)


def test_find_anchoring_recovers_the_transaction_from_events(
    anchor_client: RegistryAnchorClient,
) -> None:
    tree = MerkleTree.of(LEAVES[:3])
    assert anchor_client.find_anchoring(tree.root) is None
    receipt = anchor_client.anchor(tree.root, 3)
    assert anchor_client.find_anchoring(tree.root) == receipt


def test_deployed_code_matches_the_committed_artifact(
    anchor_client: RegistryAnchorClient,
) -> None:
    assert anchor_client.has_expected_code()


def test_block_hash_is_the_nodes_and_none_beyond_the_head(
    anchor_client: RegistryAnchorClient,
) -> None:
    head = anchor_client.block_number()
    block = anchor_client.w3.eth.get_block(head)
    assert anchor_client.block_hash(head) == "0x" + bytes(block["hash"]).hex()
    assert anchor_client.block_hash(head + 1000) is None
