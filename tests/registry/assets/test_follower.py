"""The event follower against real Anvil (this module's own node: tests take snapshots and revert
it) and real databases: events applied, checkpoint advanced, confirmations awaited, wipe and
rebuild identical, a reorganized chain replayed."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import delete, select
from typer.testing import CliRunner

from chain_client.licences import LicenceTerms
from chain_client.moderation import MODERATOR_ROLE, Authority, asset_target
from chain_client.pledges import (
    LENDER_ROLE,
    REGISTRY_AUTHORITY_ROLE,
    LenderChange,
    PledgeTerms,
    currency_code,
    registration_number,
)
from chain_client.registry_anchor import REGULATOR_ROLE as ANCHOR_REGULATOR_ROLE
from chain_client.rights_assets import Right, rights_mask
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from cli.main import app
from registry.assets.chain_state import recorded_encumbrances
from registry.assets.follower import (
    CHAIN_STATE_TABLES,
    FollowResult,
    asset_key,
    follow_chain,
    rebuild_chain_state,
)
from registry.assets.rights_assets import (
    OwnerConsent,
    encumbrances,
    grant_licence,
    pledge,
    release,
    tokenize,
    transfer,
)
from registry.core.errors import AssetNotFound, TakenDown
from registry.core.metadata import WorkMetadata
from registry.core.models import (
    ChainAsset,
    ChainCheckpoint,
    ChainFreeze,
    ChainLicence,
    ChainLien,
    Event,
)
from registry.platform.runtime import Runtime
from registry.proofs.verification import get_registration
from registry.registration.registrar import Registrar
from tests.chain_client.conftest import ROLE_KEYS
from tests.conftest import free_port

DAY = 24 * 3600
OWNER = Account.from_key(ROLE_KEYS["owner"])
LENDER = Account.from_key(ROLE_KEYS["lender"])
BUYER = Account.from_key(ROLE_KEYS["buyer"])


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    """A node of this module's own (overrides the shared one): tests revert it to snapshots."""
    with AnvilProcess(port=free_port(), workdir=tmp_path_factory.mktemp("follow-anvil")) as node:
        yield node


@dataclass(frozen=True)
class History:
    """What was done on chain: two assets, one pledged and licensed, the other transferred and
    frozen."""

    pledged_asset: int
    moved_asset: int
    lien_id: int
    licence_id: int


def act_as(runtime: Runtime, key: str) -> TransactionSender:
    return TransactionSender(runtime.w3, Account.from_key(key), poll_latency=0.01)


def chain_time(runtime: Runtime) -> int:
    return int(runtime.w3.eth.get_block("latest")["timestamp"])


def make_history(runtime: Runtime) -> History:
    numbers = [
        Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
        .register(
            io.BytesIO(f"followed work {n} {time.time_ns()}".encode()),
            WorkMetadata(title=f"作品 {n}"),
        )
        .number
        for n in range(2)
    ]
    assert runtime.new_batcher().run_once().error is None
    suite = runtime.suite()
    suite.pledges.grant_role(LENDER_ROLE, LENDER.address)
    suite.moderation.grant_role(MODERATOR_ROLE, runtime.sender.address)
    pledged, moved = (tokenize(runtime.sessions, suite, n, OWNER.address).asset_id for n in numbers)
    owner = act_as(runtime, ROLE_KEYS["owner"])
    now = chain_time(runtime)
    licence = grant_licence(
        suite,
        owner,
        LicenceTerms(
            asset_id=pledged,
            licensee=BUYER.address,
            rights=rights_mask(Right.TRANSLATION),
            territory=156,
            start=now + 60,
            end=now + 365 * DAY,
            exclusive=True,
        ),
    )
    terms = PledgeTerms(pledged, LENDER.address, 10**30, currency_code("CNY"), now + 30 * DAY)
    deadline = now + 3600
    signature = suite.pledges.sign_consent(OWNER, terms, deadline=deadline)
    lien = pledge(
        suite, act_as(runtime, ROLE_KEYS["lender"]), terms, OwnerConsent(deadline, signature)
    )
    transfer(suite, owner, moved, BUYER.address)
    suite.moderation.freeze(asset_target(moved), b"\x07" * 32)
    return History(pledged, moved, lien.lien_id, licence.licence_id)


def table_rows(runtime: Runtime) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the chain-derived tables, as plain tuples in key order."""
    rows: dict[str, list[tuple[object, ...]]] = {}
    with runtime.sessions() as session:
        for model in CHAIN_STATE_TABLES:
            columns = [c.key for c in model.__table__.columns]
            rows[model.__tablename__] = sorted(
                (tuple(getattr(row, c) for c in columns) for row in session.scalars(select(model))),
                key=repr,
            )
    return rows


def follow(runtime: Runtime, confirmations: int = 0) -> FollowResult:
    return follow_chain(runtime.sessions, runtime.followed_suite(), confirmations=confirmations)


def test_follower_applies_the_events_and_advances_the_checkpoint(runtime: Runtime) -> None:
    history = make_history(runtime)
    follow(runtime)
    head = runtime.w3.eth.block_number
    with runtime.sessions() as session:
        pledged = session.get_one(ChainAsset, asset_key(history.pledged_asset))
        moved = session.get_one(ChainAsset, asset_key(history.moved_asset))
        lien = session.get_one(ChainLien, history.lien_id)
        licence = session.get_one(ChainLicence, history.licence_id)
        freezes = list(session.scalars(select(ChainFreeze)))
        checkpoints = list(session.scalars(select(ChainCheckpoint)))
    assert (pledged.owner, moved.owner, moved.burned) == (OWNER.address, BUYER.address, False)
    assert pledged.registration_id is not None
    assert (lien.status, lien.rank, lien.amount, lien.currency_code) == (
        "active",
        1,
        str(10**30),
        "CNY",
    )
    assert (licence.licensee, licence.exclusive, licence.revoked) == (BUYER.address, True, False)
    assert [(f.target, f.authority) for f in freezes] == [
        (asset_key(history.moved_asset), "moderator")
    ]
    assert len(checkpoints) == 6  # one per followed contract, Editions included
    assert {c.block_number for c in checkpoints} == {head}
    assert {c.block_hash for c in checkpoints} == {
        "0x" + bytes(runtime.w3.eth.get_block(head)["hash"]).hex()
    }

    assert follow(runtime) == FollowResult()  # nothing new: nothing applied
    release(runtime.suite(), act_as(runtime, ROLE_KEYS["lender"]), history.lien_id)
    assert follow(runtime).events == 1
    with runtime.sessions() as session:
        lien = session.get_one(ChainLien, history.lien_id)
    assert (lien.status, lien.rank) == ("released", None)


def test_events_wait_for_their_confirmations(runtime: Runtime) -> None:
    history = make_history(runtime)
    head = runtime.w3.eth.block_number
    follow(runtime, confirmations=2)
    with runtime.sessions() as session:
        checkpoint_blocks = set(session.scalars(select(ChainCheckpoint.block_number)))
        # The transfer and the freeze are the last two blocks: not confirmed yet.
        assert session.get_one(ChainAsset, asset_key(history.moved_asset)).owner == OWNER.address
        assert session.scalar(select(ChainFreeze)) is None
    assert checkpoint_blocks == {head - 2}


def test_wipe_and_rebuild_gives_identical_tables(runtime: Runtime) -> None:
    make_history(runtime)
    follow(runtime)
    followed = table_rows(runtime)
    assert all(followed.values())
    with runtime.sessions.begin() as session:
        for model in CHAIN_STATE_TABLES:
            session.execute(delete(model))
    result = rebuild_chain_state(runtime.sessions, runtime.followed_suite(), confirmations=0)
    assert result.replayed
    assert table_rows(runtime) == followed
    assert runtime.rebuild_chain_state().replayed
    assert table_rows(runtime) == followed


def test_the_worker_cycle_follows_the_chain(runtime: Runtime) -> None:
    history = make_history(runtime)
    runtime.new_batcher().run_once()
    with runtime.sessions() as session:
        assert session.get(ChainLien, history.lien_id) is not None


def test_a_reorganized_chain_is_replayed(runtime: Runtime) -> None:
    history = make_history(runtime)
    follow(runtime)
    provider = runtime.w3.provider
    snapshot = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    release(runtime.suite(), act_as(runtime, ROLE_KEYS["lender"]), history.lien_id)
    follow(runtime)
    with runtime.sessions() as session:
        assert session.get_one(ChainLien, history.lien_id).status == "released"
    # The release is lost in a reorganization; the new branch is longer than the old one.
    assert provider.make_request("evm_revert", [snapshot])["result"]  # type: ignore[arg-type]
    for _ in range(3):
        provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    result = follow(runtime)
    assert result.reorg
    with runtime.sessions() as session:
        lien = session.get_one(ChainLien, history.lien_id)
    assert (lien.status, lien.rank) == ("active", 1)
    replayed = table_rows(runtime)
    rebuild_chain_state(runtime.sessions, runtime.followed_suite(), confirmations=0)
    assert table_rows(runtime) == replayed


def test_a_chain_shorter_than_the_checkpoint_is_replayed(runtime: Runtime) -> None:
    history = make_history(runtime)
    provider = runtime.w3.provider
    snapshot = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    release(runtime.suite(), act_as(runtime, ROLE_KEYS["lender"]), history.lien_id)
    follow(runtime)
    assert provider.make_request("evm_revert", [snapshot])["result"]  # type: ignore[arg-type]
    result = follow(runtime)
    assert result.reorg
    with runtime.sessions() as session:
        assert session.get_one(ChainLien, history.lien_id).status == "active"


def test_banquan_chain_rebuild_replays_the_tables(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_history(runtime)
    follow(runtime)
    followed = table_rows(runtime)
    settings = runtime.settings
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", settings.chain_rpc_url)
    result = CliRunner().invoke(app, ["chain", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt from blocks" in result.output
    assert table_rows(runtime) == followed


def test_recorded_encumbrances_agree_with_the_contracts_view(runtime: Runtime) -> None:
    history = make_history(runtime)
    follow(runtime)
    suite = runtime.suite()
    for asset_id in (history.pledged_asset, history.moved_asset):
        found = encumbrances(suite, asset_id)
        view = found.report
        recorded = recorded_encumbrances(runtime.sessions, asset_id, at_time=chain_time(runtime))
        assert recorded.owner == found.owner
        assert [(lien.lien_id, lien.rank) for lien in recorded.liens] == [
            (lien.lien_id, lien.rank) for lien in view.liens
        ]
        assert [lien.amount for lien in recorded.liens] == [lien.lien.amount for lien in view.liens]
        assert recorded.freeze_authority == (
            None if view.freeze_authority is Authority.NONE else view.freeze_authority.name.lower()
        )
        assert recorded.exclusive_licence_ids == tuple(
            entry.licence_id for entry in view.exclusive_licences
        )
        assert recorded.as_of_block == runtime.w3.eth.block_number
    with pytest.raises(AssetNotFound):
        recorded_encumbrances(runtime.sessions, 1, at_time=0)


def test_a_revoked_registration_marks_its_asset_only(runtime: Runtime) -> None:
    numbers = [
        Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
        .register(
            io.BytesIO(f"revoked work {n} {time.time_ns()}".encode()),
            WorkMetadata(title=f"作品 {n}"),
        )
        .number
        for n in range(2)
    ]
    assert runtime.new_batcher().run_once().error is None
    suite = runtime.suite()
    fraud, innocent = (
        tokenize(runtime.sessions, suite, n, OWNER.address).asset_id for n in numbers
    )
    suite.registry_anchor.grant_role(ANCHOR_REGULATOR_ROLE, runtime.sender.address)
    suite.registry_anchor.revoke_registration(fraud.to_bytes(32, "big"), b"\x0c" * 32)
    follow(runtime)
    with runtime.sessions() as session:
        revoked = {
            key: session.get(ChainAsset, asset_key(key)).revoked  # type: ignore[union-attr]
            for key in (fraud, innocent)
        }
    assert revoked == {fraud: True, innocent: False}


def test_a_revocation_made_on_chain_alone_reaches_every_face(runtime: Runtime) -> None:
    """A regulator revokes on chain with a key of its own, not through the registry: one
    registration, then a whole batch root. The follower records each where the registry's own
    revocations go, so the views every face reads say revoked (with the chain's reason digest
    and transaction, at the time of its block), the certificate is withheld, each registrant
    hears ``registration_revoked`` once, and following again records nothing twice."""
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)

    def register(text: str) -> str:
        content = io.BytesIO(f"{text} {time.time_ns()}".encode())
        return registrar.register(content, WorkMetadata(title=text)).number

    in_root = [register("同批作品一"), register("同批作品二")]
    assert runtime.new_batcher().run_once().error is None
    alone = register("单独撤销的作品")
    assert runtime.new_batcher().run_once().error is None
    anchor = runtime.suite().registry_anchor
    anchor.grant_role(ANCHOR_REGULATOR_ROLE, runtime.sender.address)
    first = get_registration(runtime.sessions, in_root[0])
    assert first.anchor is not None
    by_leaf = anchor.revoke_registration(
        bytes.fromhex(get_registration(runtime.sessions, alone).leaf), b"\x0d" * 32
    )
    by_root = anchor.revoke_root(bytes.fromhex(first.anchor.root), b"\x0e" * 32)
    follow(runtime)
    follow(runtime)

    for number, digest, tx_hash in [
        (alone, "0d" * 32, by_leaf.position.tx_hash),
        *((n, "0e" * 32, by_root.position.tx_hash) for n in in_root),
    ]:
        view = get_registration(runtime.sessions, number)
        assert view.revoked, number
        assert view.takedown is not None
        assert (view.takedown["authority"], view.takedown["reason_digest"]) == ("regulator", digest)
        assert view.takedown["tx_hash"] == tx_hash
        with pytest.raises(TakenDown):
            runtime.proofs.certificate(number)
    root_record = get_registration(runtime.sessions, in_root[1]).takedown
    assert root_record is not None
    assert root_record["root"] == first.anchor.root
    with runtime.sessions() as session:
        told = session.scalars(
            select(Event.payload_json).where(Event.type == "registration_revoked")
        ).all()
    assert sorted(json.loads(payload)["number"] for payload in told) == sorted([alone, *in_root])


def test_a_freeze_made_on_chain_alone_is_the_works_takedown_on_every_face(
    runtime: Runtime,
) -> None:
    """A moderator freezes a registration on chain with a key of its own, then lifts it, not
    through the registry. The follower records each where the registry's takedowns go (with the
    chain's reason digest and transaction, at the time of its block): the views every face reads
    say taken down, the certificate is withheld, then issued again. A freeze the registry made
    itself is recorded once, with its reason in words; following again or rebuilding the tables
    records nothing twice."""
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
    numbers = [
        registrar.register(
            io.BytesIO(f"冻结的作品 {n} {time.time_ns()}".encode()), WorkMetadata(title=f"作品 {n}")
        ).number
        for n in range(2)
    ]
    assert runtime.new_batcher().run_once().error is None
    alone, through_registry = numbers
    moderation = runtime.suite().moderation
    moderation.grant_role(MODERATOR_ROLE, runtime.sender.address)
    leaf = bytes.fromhex(get_registration(runtime.sessions, alone).leaf)
    frozen = moderation.freeze(leaf, b"\x0f" * 32)
    runtime.moderation.take_down(
        through_registry, reason="侵权投诉成立", actor="moderator-1", authority="moderator"
    )
    follow(runtime)
    follow(runtime)

    view = get_registration(runtime.sessions, alone)
    assert view.takedown is not None
    assert not view.revoked
    assert (view.takedown["authority"], view.takedown["reason_digest"]) == ("moderator", "0f" * 32)
    assert view.takedown["tx_hash"] == frozen.position.tx_hash
    with pytest.raises(TakenDown):
        runtime.proofs.certificate(alone)
    (ours,) = runtime.moderation.takedowns(registration=through_registry)
    assert (ours.reason, ours.frozen_by) == ("侵权投诉成立", "moderator-1")

    lifted = moderation.restore(leaf, b"\x10" * 32)
    follow(runtime)
    assert get_registration(runtime.sessions, alone).takedown is None
    assert runtime.proofs.certificate(alone)  # issued again
    (record,) = runtime.moderation.takedowns(registration=alone)
    assert (record.freeze_tx, record.restore_tx) == (
        frozen.position.tx_hash,
        lifted.position.tx_hash,
    )
    assert record.restored_at is not None

    rebuild_chain_state(runtime.sessions, runtime.followed_suite(), confirmations=0)
    assert len(runtime.moderation.takedowns(registration=alone)) == 1
    assert len(runtime.moderation.takedowns(registration=through_registry, in_force=True)) == 1
    assert get_registration(runtime.sessions, alone).takedown is None


def reduce_and_assign(runtime: Runtime, lien_id: int) -> LocalAccount:
    """The lender lowers lien ``lien_id`` to 10**6 and assigns it to a second lender (returned)."""
    suite = runtime.suite()
    lender2: LocalAccount = Account.from_key(ROLE_KEYS["lender2"])
    suite.pledges.grant_role(LENDER_ROLE, lender2.address)
    lender = act_as(runtime, ROLE_KEYS["lender"])
    suite.as_sender(lender).pledges.reduce_lien(lien_id, 10**6)
    deadline = chain_time(runtime) + 3600
    signature = suite.pledges.sign_lien_transfer(
        lender2, lien_id, from_=LENDER.address, to=lender2.address,
        how=LenderChange.ASSIGNMENT, deadline=deadline,
    )  # fmt: skip
    suite.as_sender(lender).pledges.assign_lien(
        lien_id, lender2.address, deadline=deadline, signature=signature
    )
    return lender2


def test_follower_tracks_a_partial_release_and_a_new_lender(runtime: Runtime) -> None:
    history = make_history(runtime)
    lender2 = reduce_and_assign(runtime, history.lien_id)
    follow(runtime)
    with runtime.sessions() as session:
        lien = session.get_one(ChainLien, history.lien_id)
    assert (lien.lender, lien.amount, lien.rank) == (lender2.address, str(10**6), 1)


def test_follower_ranks_an_attested_registration_first(runtime: Runtime) -> None:
    history = make_history(runtime)
    suite = runtime.suite()
    lender2 = Account.from_key(ROLE_KEYS["lender2"])
    suite.pledges.grant_role(LENDER_ROLE, lender2.address)
    suite.pledges.set_junior_liens_allowed(True)
    suite.as_sender(act_as(runtime, ROLE_KEYS["lender"])).pledges.approve_junior_lien(
        history.lien_id, lender2.address
    )
    now = chain_time(runtime)
    terms = PledgeTerms(
        history.pledged_asset, lender2.address, 10**6, currency_code("CNY"), now + 30 * DAY
    )
    signature = suite.pledges.sign_consent(OWNER, terms, deadline=now + 3600)
    junior = pledge(
        suite, act_as(runtime, ROLE_KEYS["lender2"]), terms, OwnerConsent(now + 3600, signature)
    )
    suite.pledges.grant_role(REGISTRY_AUTHORITY_ROLE, runtime.sender.address)
    number = registration_number("2026-Z-00077777")
    suite.pledges.attest_registration(junior.lien_id, number, now - 60)
    follow(runtime)
    with runtime.sessions() as session:
        ranks = {
            lien.lien_id: (lien.rank, lien.official_registration_no)
            for lien in session.scalars(select(ChainLien))
        }
    assert ranks[junior.lien_id] == (1, number.hex())
    assert ranks[history.lien_id][0] == 2
    # An evidence package reads the recorded liens in the chain's order, not by id.
    recorded = recorded_encumbrances(
        runtime.sessions, history.pledged_asset, at_time=chain_time(runtime)
    )
    assert [(lien.lien_id, lien.rank) for lien in recorded.liens] == [
        (junior.lien_id, 1), (history.lien_id, 2),
    ]  # fmt: skip
    release(suite, act_as(runtime, ROLE_KEYS["lender2"]), junior.lien_id)
    follow(runtime)
    with runtime.sessions() as session:
        assert session.get_one(ChainLien, history.lien_id).rank == 1
