"""The registry's suite migration service against a real suite on Anvil (a node of this
module's own: the seal waits for the admin delay, so the tests move its clock)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from chain_client.licences import LicenceTerms
from chain_client.migration import (
    MigrationPlan,
    execute_seal,
    prepare_migration,
    tokenized_asset_ids,
)
from chain_client.pledges import PledgeTerms, currency_code, registration_number
from chain_client.rights_assets import Right, rights_mask
from chain_client.suite import Suite, deploy_successor_suite, deploy_suite
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from registry.assets.follower import FollowedSuite, follow_chain
from registry.assets.migration import migrate_suite
from registry.core import errors
from registry.core.events import EventType
from registry.core.models import ChainAsset, ChainLicence, ChainLien, Event
from registry.platform.runtime import Runtime
from tests.chain_client.conftest import advance_time, chain_time, copy_asset_record, tokenize
from tests.conftest import free_port

DAY = 24 * 3600
LICENSEE = Web3.to_checksum_address("0x" + "1c" * 20)


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    """A node of this module's own (overrides the shared one): the seal moves its clock."""
    workdir = tmp_path_factory.mktemp("migration-anvil")
    with AnvilProcess(port=free_port(), workdir=workdir) as node:
        yield node


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
            maturity=chain_time(suite) + 30 * DAY,
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
    advance_time(predecessor.rights_asset.w3, migration.seal.ready_at - chain_time(predecessor))
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


def test_an_asset_the_successor_holds_without_importing_it_is_a_conflict(
    predecessor: Suite, plan: tuple[Suite, MigrationPlan]
) -> None:
    successor, migration = plan
    pledged, other = tokenized_asset_ids(predecessor.rights_asset)
    # Stored on the successor as a mint there, before the seal, would have stored it.
    copy_asset_record(predecessor.rights_asset, successor.rights_asset, pledged)
    advance_time(predecessor.rights_asset.w3, migration.seal.ready_at - chain_time(predecessor))
    execute_seal(predecessor.rights_asset)

    with pytest.raises(errors.Conflict) as conflict:
        migrate_suite(predecessor, migration.migrator.address)
    details = conflict.value.details
    assert details["conflicts"] == [pledged.to_bytes(32, "big").hex()]
    assert (details["assets"], details["migrated"], details["already_migrated"]) == (2, 1, 0)
    assert details["successor"] == successor.rights_asset.address
    assert successor.encumbrances.encumbrances_of(other) == (
        predecessor.encumbrances.encumbrances_of(other)
    )
    # Never counted as migrated: a rerun says so again.
    with pytest.raises(errors.Conflict) as again:
        migrate_suite(predecessor, migration.migrator.address)
    assert (again.value.details["migrated"], again.value.details["already_migrated"]) == (0, 1)
    assert again.value.details["conflicts"] == details["conflicts"]


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


def _followed_state(sessions: sessionmaker[Session], suite: Suite) -> dict[str, object]:
    """The chain-state tables after following ``suite`` from the chain's first block (the
    anchor and moderation a successor shares have their history there)."""
    follow_chain(sessions, FollowedSuite(suite=suite, start_block=0), confirmations=0)
    with sessions() as session:
        return {
            "assets": sorted(
                (a.asset_id, a.registration_id, a.owner, a.batch_id, a.registered_at, a.rights,
                 a.territory, a.term_end, a.burned, a.revoked)
                for a in session.scalars(select(ChainAsset))
            ),
            "liens": sorted(
                (n.lien_id, n.asset_id, n.lender, n.owner, n.rank, n.status, n.amount,
                 n.currency_code, n.maturity, n.official_registration_no, n.licensing_consent)
                for n in session.scalars(select(ChainLien))
            ),
            "licences": sorted(
                (c.licence_id, c.asset_id, c.licensee, c.licensor, c.rights, c.territory,
                 c.starts_at, c.ends_at, c.exclusive, c.revocable, c.revoked)
                for c in session.scalars(select(ChainLicence))
            ),
        }  # fmt: skip


def test_the_follower_records_the_migrated_suite_as_it_recorded_the_sealed_one(
    sender: TransactionSender,
    predecessor: Suite,
    plan: tuple[Suite, MigrationPlan],
    runtime: Runtime,
) -> None:
    successor, migration = plan
    licensed = tokenized_asset_ids(predecessor.rights_asset)[1]
    now = chain_time(predecessor)
    predecessor.licences.grant(
        LicenceTerms(
            asset_id=licensed,
            licensee=LICENSEE,
            rights=rights_mask(Right.TRANSLATION),
            territory=156,
            start=now + 60,
            end=now + 365 * DAY,
            exclusive=True,
        )
    )
    advance_time(predecessor.rights_asset.w3, migration.seal.ready_at - chain_time(predecessor))
    execute_seal(predecessor.rights_asset)
    before = _followed_state(runtime.sessions, predecessor)
    assert len(before["assets"]) == 2  # type: ignore[arg-type]
    assert len(before["liens"]) == len(before["licences"]) == 1  # type: ignore[arg-type]
    heard = _tokenized_events(runtime.sessions)
    assert len(heard) == 2

    migrate_suite(predecessor, migration.migrator.address)

    assert _followed_state(runtime.sessions, successor) == before
    # The import mints each copy: platforms heard of the tokenization once, not again.
    assert _tokenized_events(runtime.sessions) == heard


def _tokenized_events(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    """The ``tokenized`` events recorded: subject and the transaction reported."""
    with sessions() as session:
        events = session.scalars(select(Event).where(Event.type == EventType.TOKENIZED))
        return sorted((e.subject, json.loads(e.payload_json)["tx_hash"]) for e in events)
