"""Revoking one registration (registry.moderation.revocation), on a real anchor on Anvil."""

from __future__ import annotations

import io

import pytest
from eth_account import Account
from sqlalchemy import select

from chain_client.registry_anchor import REGULATOR_ROLE, RegistryAnchorClient
from registry.core.errors import (
    AuthorityTooLow,
    ContractsNotConfigured,
    RegistrationRevokedForGood,
    TakenDown,
)
from registry.core.metadata import WorkMetadata
from registry.core.models import ChainFreeze, Event, ModerationAuditEntry, Registration
from registry.moderation.revocation import revoke_registration
from registry.platform.runtime import Runtime
from registry.proofs.verification import get_registration
from registry.registration.registrar import Registrar
from tests.chain_client.conftest import ROLE_KEYS
from tests.registry.assets.test_follower import act_as


def registered(runtime: Runtime, text: str) -> tuple[str, bytes]:
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
    number = registrar.register(
        io.BytesIO(text.encode()), WorkMetadata.from_mapping({"title": text})
    ).number
    with runtime.sessions() as session:
        leaf = session.scalar(select(Registration.leaf).where(Registration.number == number))
    assert leaf is not None
    return number, bytes.fromhex(leaf)


def audit_count(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return len(session.scalars(select(ModerationAuditEntry.id)).all())


def test_an_account_without_the_role_and_a_moderator_send_nothing(runtime: Runtime) -> None:
    number, leaf = registered(runtime, "fraud")
    anchor = runtime.anchor_client()
    # A moderator is refused before the chain is asked; a stranger account has no role.
    stranger = RegistryAnchorClient(runtime.w3, anchor.address, act_as(runtime, ROLE_KEYS["buyer"]))
    before = audit_count(runtime)
    with pytest.raises(AuthorityTooLow):
        revoke_registration(
            runtime.sessions, anchor, number, reason="x", actor="m", authority="moderator",
            now=runtime.now,
        )  # fmt: skip
    with pytest.raises(ContractsNotConfigured):
        revoke_registration(
            runtime.sessions, stranger, number, reason="x", actor="r", authority="regulator",
            now=runtime.now,
        )  # fmt: skip
    assert not anchor.is_registration_revoked(leaf)
    assert get_registration(runtime.sessions, number).takedown is None
    assert audit_count(runtime) == before


def test_revoked_on_chain_by_another_path_is_recorded_without_sending(runtime: Runtime) -> None:
    number, leaf = registered(runtime, "revoked elsewhere")
    anchor = runtime.anchor_client()
    regulator = Account.from_key(ROLE_KEYS["regulator"]).address
    anchor.grant_role(REGULATOR_ROLE, regulator)
    RegistryAnchorClient(
        runtime.w3, anchor.address, act_as(runtime, ROLE_KEYS["regulator"])
    ).revoke_registration(leaf, b"\x01" * 32)

    view = runtime.moderation.revoke_registration(
        number, reason="法院判决 judgment", actor="key", authority="regulator"
    )
    assert view.tx_hash is None
    shown = get_registration(runtime.sessions, number)
    assert shown.revoked
    assert shown.takedown is not None
    assert shown.takedown["kind"] == "revocation"
    with pytest.raises(TakenDown) as withheld:
        runtime.proofs.certificate(number)
    assert withheld.value.details["revoked"] is True
    with pytest.raises(RegistrationRevokedForGood):
        runtime.moderation.revoke_registration(
            number, reason="again", actor="k", authority="regulator"
        )


def test_a_freeze_lifted_on_chain_over_a_revoked_registration_restores_nothing(
    runtime: Runtime,
) -> None:
    """Taken down, then revoked for good by a regulator: the moderator account lifting its
    freeze on chain afterwards is read by the follower, but no `restored` webhook goes out
    (a platform would put the work back) and every face still says revoked; the takedown list
    records the lifting, as the chain holds it, and no longer counts that takedown in force."""
    number, leaf = registered(runtime, "revoked, then unfrozen")
    runtime.moderation.take_down(number, reason="侵权", actor="m-1", authority="moderator")
    runtime.moderation.revoke_registration(
        number, reason="法院判决 judgment", actor="r-1", authority="regulator"
    )
    runtime.moderation_client("moderator").restore(leaf, b"\x05" * 32)
    runtime.new_batcher().run_once()  # the follower reads the lifting
    with runtime.sessions() as session:
        told = session.scalars(select(Event.type).where(Event.subject == leaf.hex())).all()
        assert session.get(ChainFreeze, leaf.hex()) is None  # read: the freeze is gone
    assert "frozen" in told
    assert "restored" not in told
    shown = get_registration(runtime.sessions, number)
    assert shown.revoked
    assert shown.takedown is not None
    assert shown.takedown["kind"] == "revocation"
    assert runtime.moderation.takedowns(registration=number, in_force=True) == []
    (lifted,) = runtime.moderation.takedowns(registration=number)
    assert lifted.restored_at is not None
    assert lifted.restore_tx is not None
    assert lifted.restore_tx.startswith("0x")
    assert (lifted.restored_by or "").lower() == runtime.moderator_sender.address.lower()
