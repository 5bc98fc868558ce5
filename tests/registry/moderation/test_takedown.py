"""Takedown and restore (registry.moderation.takedown) on a real Moderation contract on Anvil."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from chain_client.moderation import REGULATOR_ROLE, Authority
from registry.content import create_private_file
from registry.core.database import unit_of_work
from registry.core.errors import (
    AppealOutdated,
    ContractsNotConfigured,
    InsecureKeyFile,
    LiftedOnChain,
)
from registry.core.models import Registration, Takedown
from registry.moderation.takedown import (
    TakedownView,
    reason_digest,
    record_chain_freeze,
    restore,
)
from registry.platform.moderator_account import load_moderator_account
from registry.platform.runtime import Runtime
from tests.api.test_verification_page import production as production_settings
from tests.registry.moderation.test_revocation import audit_count, registered


def test_a_restore_granting_an_appeal_lifts_only_the_takedown_appealed(runtime: Runtime) -> None:
    number, leaf = registered(runtime, "taken down twice")
    moderation = runtime.moderation
    first = moderation.take_down(number, reason="一", actor="m-1", authority="moderator")
    moderation.restore(number, reason="通知撤回", actor="m-1", authority="moderator")
    second = moderation.take_down(number, reason="二", actor="m-2", authority="moderator")
    chain = runtime.moderation_client("moderator")

    def lift(appealed: int) -> TakedownView:
        return restore(
            runtime.sessions, chain, number,
            reason="review item 9: 授权", actor="m-3", authority="moderator", now=runtime.now,
            appealed=appealed,
        )  # fmt: skip

    # The appeal of the first takedown, granted now, would lift the second: refused, unsent.
    block, audited = runtime.w3.eth.block_number, audit_count(runtime)
    with pytest.raises(AppealOutdated) as outdated:
        lift(first.id)
    assert outdated.value.details["in_force"] == second.id
    assert (runtime.w3.eth.block_number, audit_count(runtime)) == (block, audited)
    assert chain.is_frozen(leaf)
    with runtime.sessions() as session:
        in_force = session.scalars(select(Takedown.id).where(Takedown.restored_at.is_(None)))
        assert list(in_force) == [second.id]

    lifted = lift(second.id)
    assert (lifted.id, lifted.restore_reason) == (second.id, "review item 9: 授权")
    assert not chain.is_frozen(leaf)


def test_the_chain_records_the_authority_the_registry_records(runtime: Runtime) -> None:
    """A moderator's takedown is a moderator's freeze on chain (a lender's enforcement pause
    ends, an arbiter may extend it), a regulator's a regulator's: each is sent from the account
    of its authority, never both from the registry's regulator account."""
    moderated, _ = registered(runtime, "moderator's takedown")
    regulated, _ = registered(runtime, "regulator's takedown")
    runtime.moderation.take_down(moderated, reason="侵权通知", actor="m-1", authority="moderator")
    runtime.moderation.take_down(regulated, reason="监管决定", actor="r-1", authority="regulator")
    chain = runtime.suite().moderation
    records = {
        number: chain.freeze_of(leaf_of(runtime, number)) for number in (moderated, regulated)
    }
    assert records[moderated].authority is Authority.MODERATOR
    assert records[moderated].actor == runtime.moderator_sender.address
    assert records[regulated].authority is Authority.REGULATOR
    assert records[regulated].actor == runtime.sender.address
    assert chain.enforcement_paused_until(leaf_of(runtime, moderated)) < 2**64 - 1
    # The moderator's is lifted by the moderator account too; nothing else was needed.
    runtime.moderation.restore(moderated, reason="和解", actor="m-2", authority="moderator")
    assert not chain.is_frozen(leaf_of(runtime, moderated))


def test_a_moderator_account_that_is_a_regulator_sends_nothing(runtime: Runtime) -> None:
    number, leaf = registered(runtime, "misconfigured")
    moderation = runtime.moderation_client("moderator")
    moderation.with_sender(runtime.sender).grant_role(
        REGULATOR_ROLE, runtime.moderator_sender.address
    )
    block, audited = runtime.w3.eth.block_number, audit_count(runtime)
    with pytest.raises(ContractsNotConfigured, match="regulator's freeze"):
        runtime.moderation.take_down(number, reason="侵权", actor="m-1", authority="moderator")
    assert (runtime.w3.eth.block_number, audit_count(runtime)) == (block, audited)
    assert not runtime.suite().moderation.is_frozen(leaf)


def test_outside_dev_mode_a_moderator_account_is_configured_or_refused(tmp_path: Path) -> None:
    production = production_settings(tmp_path)
    with pytest.raises(ContractsNotConfigured, match="BANQUAN_MODERATOR_KEY_FILE"):
        load_moderator_account(production)
    key_file = tmp_path / "moderator.key"
    create_private_file(key_file, "0x" + "33" * 32 + "\n", what="moderator key")
    configured = production.model_copy(update={"moderator_key_file": key_file})
    assert load_moderator_account(configured).key.hex() == "33" * 32
    key_file.chmod(0o644)
    with pytest.raises(InsecureKeyFile):
        load_moderator_account(configured)


def leaf_of(runtime: Runtime, number: str) -> bytes:
    with runtime.sessions() as session:
        leaf = session.scalar(select(Registration.leaf).where(Registration.number == number))
    assert leaf is not None
    return bytes.fromhex(leaf)


def test_a_restore_of_a_freeze_lifted_on_chain_already_records_nothing_of_its_own(
    runtime: Runtime,
) -> None:
    """A regulator lifts a freeze on chain with its own key and reason; before the follower has
    read it, a moderator asks the registry to restore. Recording the moderator's restore, reason
    and no transaction would tell another story than the chain's: refused, and the follower
    records the chain's lifting (its account, its transaction)."""
    number, leaf = registered(runtime, "lifted on chain")
    taken = runtime.moderation.take_down(number, reason="侵权", actor="m-1", authority="moderator")
    lifted = runtime.moderation_client().restore(leaf, b"\x07" * 32)  # a regulator, directly
    block, audited = runtime.w3.eth.block_number, audit_count(runtime)
    with pytest.raises(LiftedOnChain):
        runtime.moderation.restore(number, reason="和解", actor="m-2", authority="moderator")
    assert (runtime.w3.eth.block_number, audit_count(runtime)) == (block, audited)
    with runtime.sessions() as session:
        assert session.get_one(Takedown, taken.id).restored_at is None

    runtime.new_batcher().run_once()  # the follower reads the chain's lifting
    with runtime.sessions() as session:
        recorded = session.get_one(Takedown, taken.id)
        assert recorded.restore_tx == lifted.position.tx_hash
        assert recorded.restored_by == runtime.sender.address


def test_a_moderator_lifts_its_takedown_made_before_moderators_had_an_account(
    runtime: Runtime,
) -> None:
    """Before moderators' takedowns were sent from an account of their own, the registry's
    (regulator) account sent them: the chain holds a regulator's freeze the registry records as
    a moderator's. A moderator's restore of it is sent from the account that froze."""
    number, leaf = registered(runtime, "frozen the old way")
    regulator = runtime.moderation_client()
    frozen = regulator.freeze(leaf, reason_digest("侵权"))
    with unit_of_work(runtime.sessions) as session:
        record_chain_freeze(
            session, leaf.hex(), authority="moderator", actor="m-1", reason_digest=b"\x00" * 32,
            tx_hash=frozen.position.tx_hash, at=runtime.now(),
        )  # fmt: skip
    assert regulator.freeze_of(leaf).authority is Authority.REGULATOR
    lifted = runtime.moderation.restore(number, reason="和解", actor="m-2", authority="moderator")
    assert lifted.restore_tx is not None
    assert not regulator.is_frozen(leaf)
