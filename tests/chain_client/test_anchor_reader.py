"""AnchorReader, the web3-free read of a RegistryAnchor, against the web3.py client on a real
Anvil node and the real contract: both give the same verdict on every kind of entry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chain_client.anchor_reader import (
    AnchorReader,
    RegistrationStatus,
    encode_registration_status,
    encode_tokenization_record,
    recorded_anchor_address,
)
from chain_client.errors import ChainUnavailable, TransactionFailed
from chain_client.registry_anchor import REGULATOR_ROLE, RegistryAnchorClient
from cli.launcher import AnvilProcess
from crypto.merkle import MerkleTree

LEAVES = [bytes([n]) * 32 for n in range(1, 6)]
CONTROLLER = "0x70997970C51812dc3A010C7d01b48e0B1A8F5d9b"
REGULATOR_REASON = b"\x42" * 32


def reader_of(client: RegistryAnchorClient, anvil: AnvilProcess) -> AnchorReader:
    """A reader of ``client``'s contract, whose sender may also revoke roots."""
    assert client.sender is not None
    client.grant_role(REGULATOR_ROLE, client.sender.address)
    return AnchorReader(anvil.rpc_url, client.address)


def test_calldata_is_what_web3_encodes(anchor_client: RegistryAnchorClient) -> None:
    tree = MerkleTree.of(LEAVES)
    proof = tree.proof(LEAVES[2])
    function = anchor_client.contract.get_function_by_name
    expected = function("registrationStatus")(
        LEAVES[2], proof, tree.root
    )._encode_transaction_data()
    assert "0x" + encode_registration_status(LEAVES[2], proof, tree.root).hex() == expected
    empty = function("registrationStatus")(LEAVES[0], [], tree.root)._encode_transaction_data()
    assert "0x" + encode_registration_status(LEAVES[0], [], tree.root).hex() == empty
    record = function("tokenizationRecord")(tree.root, LEAVES[2])._encode_transaction_data()
    assert "0x" + encode_tokenization_record(tree.root, LEAVES[2]).hex() == record


def test_same_verdict_as_the_web3_client(
    anchor_client: RegistryAnchorClient, anvil: AnvilProcess
) -> None:
    reader = reader_of(anchor_client, anvil)
    plain = MerkleTree.of(LEAVES)
    bound = MerkleTree.of([(leaf, CONTROLLER) for leaf in LEAVES[:3]])
    revoked = MerkleTree.of(LEAVES[3:])
    unanchored = MerkleTree.of(LEAVES[:2])
    anchor_client.anchor(plain.root, len(LEAVES))
    anchor_client.anchor(bound.root, 3)
    anchor_client.anchor(revoked.root, 2)
    anchor_client.revoke_root(revoked.root, REGULATOR_REASON)
    cases = [
        (LEAVES[0], plain.proof(LEAVES[0]), plain.root, None),
        (LEAVES[4], plain.proof(LEAVES[4]), plain.root, None),
        (b"\x09" * 32, plain.proof(LEAVES[0]), plain.root, None),  # not in the tree
        (LEAVES[1], bound.proof((LEAVES[1], CONTROLLER)), bound.root, CONTROLLER),
        (LEAVES[1], bound.proof((LEAVES[1], CONTROLLER)), bound.root, None),  # controller lost
        (LEAVES[3], revoked.proof(LEAVES[3]), revoked.root, None),
        (LEAVES[0], unanchored.proof(LEAVES[0]), unanchored.root, None),
    ]
    verdicts = [
        reader.entry_status(leaf, proof, root, controller=controller)
        for leaf, proof, root, controller in cases
    ]
    assert verdicts == [
        anchor_client.entry_status(leaf, proof, root, controller=controller)
        for leaf, proof, root, controller in cases
    ]
    assert verdicts == [
        RegistrationStatus.VALID,
        RegistrationStatus.VALID,
        RegistrationStatus.UNPROVEN,
        RegistrationStatus.VALID,
        RegistrationStatus.UNPROVEN,
        RegistrationStatus.REVOKED,
        RegistrationStatus.UNPROVEN,
    ]


def test_bound_entry_under_a_revoked_or_unknown_root(
    anchor_client: RegistryAnchorClient, anvil: AnvilProcess
) -> None:
    reader = reader_of(anchor_client, anvil)
    tree = MerkleTree.of([(leaf, CONTROLLER) for leaf in LEAVES])
    entry = (LEAVES[2], CONTROLLER)
    assert reader.entry_status(LEAVES[2], tree.proof(entry), tree.root, controller=CONTROLLER) == (
        RegistrationStatus.UNPROVEN
    )
    anchor_client.anchor(tree.root, len(LEAVES))
    anchor_client.revoke_root(tree.root, REGULATOR_REASON)
    for client in (reader, anchor_client):
        assert client.entry_status(
            LEAVES[2], tree.proof(entry), tree.root, controller=CONTROLLER
        ) == (RegistrationStatus.REVOKED)


def test_revoked_registration_is_revoked_under_every_root_bound_or_not(
    anchor_client: RegistryAnchorClient, anvil: AnvilProcess
) -> None:
    reader = reader_of(anchor_client, anvil)
    plain = MerkleTree.of(LEAVES)
    again = MerkleTree.of(LEAVES[2:4])  # the same registration anchored under a second root
    bound = MerkleTree.of([(leaf, CONTROLLER) for leaf in LEAVES])
    for tree in (plain, again, bound):
        anchor_client.anchor(tree.root, 5)
    revoked = anchor_client.revoke_registration(LEAVES[2], REGULATOR_REASON)
    assert (revoked.leaf, revoked.reason_digest) == (LEAVES[2], REGULATOR_REASON)
    assert anchor_client.is_registration_revoked(LEAVES[2])
    assert not anchor_client.is_registration_revoked(LEAVES[3])
    cases = [
        (LEAVES[2], plain.proof(LEAVES[2]), plain.root, None),
        (LEAVES[2], again.proof(LEAVES[2]), again.root, None),
        (LEAVES[2], bound.proof((LEAVES[2], CONTROLLER)), bound.root, CONTROLLER),
        (LEAVES[3], plain.proof(LEAVES[3]), plain.root, None),  # its batch sibling
        (LEAVES[3], bound.proof((LEAVES[3], CONTROLLER)), bound.root, CONTROLLER),
    ]
    expected = [RegistrationStatus.REVOKED] * 3 + [RegistrationStatus.VALID] * 2
    for client in (reader, anchor_client):
        verdicts = [
            client.entry_status(leaf, proof, root, controller=controller)
            for leaf, proof, root, controller in cases
        ]
        assert verdicts == expected


def test_an_address_without_the_contract_is_an_error(anvil: AnvilProcess) -> None:
    reader = AnchorReader(anvil.rpc_url, "0x" + "11" * 20)
    with pytest.raises(TransactionFailed, match="is it deployed"):
        reader.entry_status(LEAVES[0], [], LEAVES[1])


def test_an_unreachable_node_is_chain_unavailable() -> None:
    reader = AnchorReader("http://127.0.0.1:9", "0x" + "11" * 20, timeout=2)
    with pytest.raises(ChainUnavailable):
        reader.entry_status(LEAVES[0], [], LEAVES[1])
    with pytest.raises(ChainUnavailable, match="not an HTTP"):
        AnchorReader("file:///etc/passwd", "0x" + "11" * 20).entry_status(LEAVES[0], [], LEAVES[1])


def test_recorded_anchor_address(tmp_path: Path) -> None:
    path = tmp_path / "deployment.json"
    assert recorded_anchor_address(path) is None
    path.write_text(json.dumps({"chain_id": 31337, "registry_anchor": CONTROLLER}))
    assert recorded_anchor_address(path) == CONTROLLER


def test_importing_the_reader_does_not_import_web3() -> None:
    code = (
        "import sys, chain_client.anchor_reader, registry.platform.verifier; "
        "heavy = ('web3', 'eth_account', 'py_ecc', 'iscc_core'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
