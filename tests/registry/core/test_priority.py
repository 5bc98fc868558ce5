"""Priority between claimants of the same content is the order the registry recorded them in,
never the time a registrant's own signed claim states (real keys, real databases)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Row, select

from crypto.signing import KeySigner, generate_private_key
from registry.content.ingest import describe
from registry.core.metadata import WorkMetadata
from registry.core.models import Event, Registration
from registry.core.priority import claims_from_rows, prior_claim, priority_in, with_priority
from registry.core.states import RegistrationStatus
from registry.core.views import RegistrationView
from registry.platform.runtime import Runtime
from registry.proofs.verification import find_registrations
from registry.registration.claims import ClientSignedClaim, claim_for, timestamp
from registry.registration.registrar import Registrar

BOOK = "受害出版社的新书，刚刚公开。".encode() * 50
META = WorkMetadata(title="新书")
T = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def registrar(runtime: Runtime, at: datetime) -> Registrar:
    return Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=lambda: at)


def custodial(runtime: Runtime, at: datetime) -> RegistrationView:
    """A registration signed with a key the registry holds: its time is the registry's clock."""
    signer = KeySigner(generate_private_key("sm2"))
    return registrar(runtime, at).signing_with(signer).register(io.BytesIO(BOOK), META)


def self_signed(runtime: Runtime, at: datetime, dated: datetime) -> RegistrationView:
    """A registration received at ``at`` whose registrant signed a claim dated ``dated``."""
    signer = KeySigner(generate_private_key("secp256k1"))
    claim = claim_for(describe(io.BytesIO(BOOK)), META, signer.public_key, registered_at=dated)
    sent = ClientSignedClaim(claim.to_json(), claim.sign(signer).to_text())
    return registrar(runtime, at).register(io.BytesIO(BOOK), META, client_signed=sent)


def priorities(runtime: Runtime, views: list[RegistrationView]) -> dict[str, Any]:
    with runtime.sessions() as session:
        return {view.number: view.priority for view in with_priority(session, views)}


def test_a_later_party_dating_its_signed_claim_back_is_not_first(runtime: Runtime) -> None:
    victim = custodial(runtime, T)
    # A minute later another party registers the same bytes, its claim dated 14 minutes back:
    # within the clock tolerance, so it is accepted, and earlier than the victim's time.
    attacker = self_signed(runtime, T + timedelta(minutes=1), dated=T - timedelta(minutes=13))
    assert attacker.registered_at < victim.registered_at

    # The answer to its own upload says it came later.
    assert attacker.priority is not None
    assert attacker.priority.is_first is False
    assert attacker.priority.first.number == victim.number
    # Every way priority is computed says so: with_priority (_CLAIM_ROWS) ...
    by_number = priorities(runtime, [victim, attacker])
    assert by_number[victim.number].is_first is True
    assert by_number[attacker.number].is_first is False
    assert [c.number for c in by_number[victim.number].later] == [attacker.number]
    # ... the verification answers (REGISTRATION_ROWS through claims_from_rows) ...
    found = {
        view.number: view.priority
        for view in find_registrations(runtime.sessions, sha256=victim.sha256)
    }
    attacker_seen, victim_seen = found[attacker.number], found[victim.number]
    assert attacker_seen is not None
    assert victim_seen is not None
    assert (attacker_seen.first.number, attacker_seen.is_first) == (victim.number, False)
    assert victim_seen.is_first is True
    # ... and the registered event of the later claimant (prior_claim) names the victim.
    payloads = registered_payloads(runtime)
    assert "first_registration" not in payloads[victim.number]
    assert payloads[attacker.number]["first_registration"]["number"] == victim.number


def test_the_signed_claim_keeps_the_time_its_registrant_signed(runtime: Runtime) -> None:
    """Priority does not rewrite the claim: its registered_at is in the leaf and the bundle."""
    custodial(runtime, T)
    dated = T - timedelta(minutes=14)
    later = self_signed(runtime, T + timedelta(seconds=30), dated=dated)
    assert later.registered_at == dated
    assert later.claim["registered_at"] == timestamp(dated)
    assert later.signing_mode == "client"


def test_a_registrant_whose_clock_runs_ahead_keeps_its_place(runtime: Runtime) -> None:
    """The order recorded decides both ways: a claim dated ahead (within the tolerance) that the
    registry received first stays first before a registration received after it."""
    first = self_signed(runtime, T, dated=T + timedelta(minutes=10))
    second = custodial(runtime, T + timedelta(minutes=1))
    assert first.registered_at > second.registered_at
    by_number = priorities(runtime, [first, second])
    assert by_number[first.number].is_first is True
    assert by_number[second.number].first.number == first.number
    with runtime.sessions() as session:
        assert prior_claim(session, second.sha256, second.number, _work_id(runtime, second)) == (
            by_number[first.number].first
        )


def _work_id(runtime: Runtime, view: RegistrationView) -> int:
    with runtime.sessions() as session:
        return session.execute(
            select(Registration.work_id).where(Registration.number == view.number)
        ).scalar_one()


def row(row_id: int, created_at: datetime, registrant: str) -> Row[Any]:
    """A row as ``_CLAIM_ROWS`` and ``REGISTRATION_ROWS`` have it (the columns priority reads)."""
    return cast(
        Row[Any],
        SimpleNamespace(
            sha256="ab" * 32,
            row_id=row_id,
            number=f"BQ-2026-{row_id:08d}",
            registrant=registrant,
            status=RegistrationStatus.PENDING,
            created_at=created_at,
            takedown_json=None,
            party_row=None,
            party_id=None,
            public_name=None,
            anchored_at=None,
        ),
    )


def test_claims_are_ordered_by_the_order_recorded_whatever_times_the_rows_carry() -> None:
    rows = [
        row(7, T - timedelta(minutes=14), "secp256k1:later"),  # recorded later, dated earlier
        row(3, T, "sm2:first"),
        row(9, T - timedelta(hours=1), "sm2:last"),
    ]
    claims = claims_from_rows(rows)["ab" * 32]
    assert [c.number for c in claims.claimants] == [
        "BQ-2026-00000003",
        "BQ-2026-00000007",
        "BQ-2026-00000009",
    ]
    assert priority_in(claims, "BQ-2026-00000003").is_first is True
    # The times shown are the ones recorded, not made up to fit the order.
    assert [c.registered_at for c in claims.claimants[:2]] == [T, T - timedelta(minutes=14)]


def registered_payloads(runtime: Runtime) -> dict[str, dict[str, Any]]:
    """The ``registered`` events' payloads, by registration number."""
    with runtime.sessions() as session:
        texts = session.scalars(select(Event.payload_json).where(Event.type == "registered"))
        return {p["number"]: p for p in map(json.loads, texts)}
