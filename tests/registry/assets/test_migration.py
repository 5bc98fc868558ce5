"""The registry's suite migration service against a real suite on Anvil (a node of this
module's own: the seal waits for the admin delay, so the tests move its clock)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from web3 import Web3

from chain_client.migration import (
    MigrationPlan,
    execute_seal,
    prepare_migration,
    tokenized_asset_ids,
)
from chain_client.pledges import PledgeTerms, currency_code, registration_number
from chain_client.suite import Suite, deploy_successor_suite, deploy_suite
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from registry.assets.migration import migrate_suite
from registry.core import errors
from tests.chain_client.conftest import advance_time, tokenize
from tests.conftest import free_port

DAY = 24 * 3600


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    """A node of this module's own (overrides the shared one): the seal moves its clock."""
    workdir = tmp_path_factory.mktemp("migration-anvil")
    with AnvilProcess(port=free_port(), workdir=workdir) as node:
        yield node


def _now(suite: Suite) -> int:
    return int(suite.rights_asset.w3.eth.get_block("latest")["timestamp"])


@pytest.fixture
def predecessor(sender: TransactionSender) -> Suite:
    """A suite with two assets of the sending account, one pledged to itself."""
    suite = deploy_suite(sender, lenders=[sender.address])
    leaves: list[bytes] = [Web3.keccak(text=f"work {n} {time.time_ns()}") for n in range(2)]
    pledged = tokenize(suite, sender.address, leaves, 0)
    tokenize(suite, sender.address, leaves, 1)
    suite.pledges.pledge(
        PledgeTerms(
            asset_id=pledged.asset_id,
            lender=sender.address,
            amount=100_000,
            currency_code=currency_code("CNY"),
            maturity=_now(suite) + 30 * DAY,
            official_registration_no=registration_number("2026-Z-1"),
        )
    )
    return suite


@pytest.fixture
def plan(sender: TransactionSender, predecessor: Suite) -> tuple[Suite, MigrationPlan]:
    successor = deploy_successor_suite(sender, predecessor, lenders=[sender.address])
    return successor, prepare_migration(sender, predecessor.rights_asset, successor.rights_asset)


def test_every_asset_of_the_sealed_suite_is_copied_once(
    predecessor: Suite, plan: tuple[Suite, MigrationPlan]
) -> None:
    successor, migration = plan
    advance_time(predecessor.rights_asset.w3, migration.seal.ready_at - _now(predecessor))
    execute_seal(predecessor.rights_asset)

    outcome = migrate_suite(predecessor, migration.migrator.address.lower())
    assert (outcome.assets, outcome.migrated, outcome.already_migrated) == (2, 2, 0)
    assert outcome.successor == successor.rights_asset.address
    again = migrate_suite(predecessor, migration.migrator.address)
    assert (again.migrated, again.already_migrated) == (0, 2)
    asset_ids = tokenized_asset_ids(predecessor.rights_asset)
    for asset_id in asset_ids:
        assert successor.encumbrances.encumbrances_of(asset_id) == (
            predecessor.encumbrances.encumbrances_of(asset_id)
        )
    assert len(successor.pledges.active_liens(asset_ids[0])) == 1


def test_a_suite_not_sealed_is_refused(
    predecessor: Suite, plan: tuple[Suite, MigrationPlan]
) -> None:
    successor, migration = plan
    with pytest.raises(errors.Conflict) as unsealed:
        migrate_suite(predecessor, migration.migrator.address)
    assert unsealed.value.details["successor"] == successor.rights_asset.address
    for asset_id in tokenized_asset_ids(predecessor.rights_asset):
        assert not successor.rights_asset.exists(asset_id)


def test_an_address_that_is_not_its_migrator_is_refused(
    predecessor: Suite, plan: tuple[Suite, MigrationPlan]
) -> None:
    successor, _migration = plan
    with pytest.raises(errors.InvalidInput):
        migrate_suite(predecessor, successor.rights_asset.address)
    with pytest.raises(errors.InvalidAddress):
        migrate_suite(predecessor, "migrator")
