"""Fixtures for the contract-suite clients: a private Anvil node (tests move its clock), the
deployed suite, and one sending account per role."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import RPCEndpoint

from chain_client.connection import connect
from chain_client.rights_assets import (
    PROPERTY_RIGHTS,
    AssetMetadata,
    RightsAssetClient,
    Tokenized,
)
from chain_client.suite import Suite, deploy_suite
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from crypto.merkle import MerkleTree
from registry.core.settings import DEV_CHAIN_PRIVATE_KEY
from tests.conftest import free_port

# Anvil's default development accounts 1-6 (account 0 is the admin and registrar).
ROLE_KEYS = {
    "owner": "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "lender": "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "lender2": "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "moderator": "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "regulator": "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "buyer": "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
}
TERM_END = int(time.time()) + 50 * 365 * 24 * 3600


@pytest.fixture(scope="module")
def suite_anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    """An Anvil node of its own: suite tests move its clock forward to reach maturities."""
    with AnvilProcess(port=free_port(), workdir=tmp_path_factory.mktemp("suite-anvil")) as node:
        yield node


@dataclass(frozen=True)
class Actors:
    """One account and one suite view (its transactions sent by that account) per role."""

    admin: TransactionSender
    owner: LocalAccount
    lender: LocalAccount
    lender2: LocalAccount
    moderator: LocalAccount
    regulator: LocalAccount
    buyer: LocalAccount

    def sender(self, account: LocalAccount) -> TransactionSender:
        return TransactionSender(self.admin.w3, account, poll_latency=0.01)


@pytest.fixture
def actors(suite_anvil: AnvilProcess) -> Actors:
    w3 = connect(suite_anvil.rpc_url)
    admin = TransactionSender(w3, Account.from_key(DEV_CHAIN_PRIVATE_KEY), poll_latency=0.01)
    accounts = {name: Account.from_key(key) for name, key in ROLE_KEYS.items()}
    return Actors(admin=admin, **accounts)


@pytest.fixture
def suite(actors: Actors) -> Suite:
    """A freshly deployed suite: junior liens allowed, every role granted to its actor."""
    return deploy_suite(
        actors.admin,
        moderators=[actors.moderator.address],
        regulators=[actors.regulator.address],
        lenders=[actors.lender.address, actors.lender2.address],
        junior_liens_allowed=True,
    )


def as_actor(suite: Suite, actors: Actors, account: LocalAccount) -> Suite:
    return suite.as_sender(actors.sender(account))


def chain_time(suite: Suite) -> int:
    """The node's clock: the latest block's timestamp."""
    return int(suite.rights_asset.w3.eth.get_block("latest")["timestamp"])


def advance_time(w3: Web3, seconds: int) -> None:
    """Move the private node's clock (tests only: ``evm_*`` is Anvil's, not production's)."""
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def copy_asset_record(source: RightsAssetClient, target: RightsAssetClient, asset_id: int) -> None:
    """Write ``source``'s stored record of ``asset_id`` on ``target`` (tests only:
    ``anvil_setStorageAt``), as a mint of the same registration there would store it, with no
    ``Tokenized`` or ``AssetImported`` event: what a successor that did not wait for its
    predecessor's seal could hold. The slot of the record mapping is found on ``source`` (the
    same contract), not assumed."""
    w3 = target.w3
    terms = source.asset_terms(asset_id)
    packed = (
        terms.registered_at
        | terms.term_end << 64
        | terms.batch_id << 128
        | terms.rights << 192
        | terms.territory << 224
    )
    assert terms.registered_at != 0

    def slot(base: int) -> int:
        key = asset_id.to_bytes(32, "big") + base.to_bytes(32, "big")
        return int.from_bytes(Web3.keccak(key), "big")

    def stored(address: str, at: int) -> int:
        return int.from_bytes(w3.eth.get_storage_at(address, at), "big")  # type: ignore[arg-type]

    base = next(b for b in range(64) if stored(source.address, slot(b)) == packed)
    w3.provider.make_request(
        RPCEndpoint("anvil_setStorageAt"),
        [target.address, hex(slot(base)), "0x" + packed.to_bytes(32, "big").hex()],
    )
    assert target.asset_terms(asset_id) == terms


def metadata(**overrides: object) -> AssetMetadata:
    values: dict[str, object] = {
        "sha256_digest": b"\x11" * 32,
        "sm3_digest": b"\x22" * 32,
        "cid": bytes.fromhex("01551220") + b"\x33" * 32,
        "rights": PROPERTY_RIGHTS,
        "territory": 0,
        "term_end": TERM_END,
    }
    values.update(overrides)
    return AssetMetadata(**values)  # type: ignore[arg-type]


def tokenize(suite: Suite, owner: str, leaves: list[bytes], index: int = 0) -> Tokenized:
    """Anchor ``leaves`` as one batch (built by ``crypto.merkle``) and tokenize one of them."""
    tree = MerkleTree.of(leaves)
    if suite.registry_anchor.root_info(tree.root) is None:
        suite.registry_anchor.anchor(tree.root, len(leaves))
    leaf = leaves[index]
    return suite.rights_asset.tokenize(owner, leaf, tree.proof(leaf), tree.root, metadata())


@pytest.fixture
def leaves() -> list[bytes]:
    return [Web3.keccak(text=f"claim {n} {time.time_ns()}") for n in range(5)]


@pytest.fixture
def asset(suite: Suite, actors: Actors, leaves: list[bytes]) -> Tokenized:
    """One asset owned by ``actors.owner``."""
    return tokenize(suite, actors.owner.address, leaves)
