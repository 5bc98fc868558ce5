"""Chain events become webhook events where the follower applies them, once each, even when the
tables are rebuilt (real Anvil, real databases)."""

from __future__ import annotations

import io
import json
import time

from sqlalchemy import select

from chain_client.licences import LicenceTerms
from chain_client.rights_assets import Right, rights_mask
from registry.assets.follower import asset_key, follow_chain, rebuild_chain_state
from registry.assets.rights_assets import grant_licence, release, revoke_licence, tokenize
from registry.core.metadata import WorkMetadata
from registry.core.models import Event, Registration
from registry.platform.runtime import Runtime
from tests.chain_client.conftest import ROLE_KEYS
from tests.registry.assets.test_follower import (
    BUYER,
    DAY,
    LENDER,
    OWNER,
    act_as,
    chain_time,
    make_history,
    reduce_and_assign,
)


def chain_events(runtime: Runtime) -> list[tuple[str, str, dict[str, object]]]:
    with runtime.sessions() as session:
        return [
            (e.type, e.subject, json.loads(e.payload_json))
            for e in session.scalars(
                select(Event)
                .where(Event.type.not_in(("registered", "anchored", "confirmed")))
                .order_by(Event.id)
            )
        ]


def test_followed_chain_events_are_recorded_once(runtime: Runtime) -> None:
    history = make_history(runtime)
    follow_chain(runtime.sessions, runtime.followed_suite(), confirmations=0)
    recorded = chain_events(runtime)
    pledged, moved = asset_key(history.pledged_asset), asset_key(history.moved_asset)
    # Tokenizing mints (a Transfer from the zero address): a "tokenized" event, not "transferred".
    assert [(t, s) for t, s, _ in recorded] == [
        ("tokenized", pledged),
        ("tokenized", moved),
        ("licensed", pledged),
        ("pledged", pledged),
        ("transferred", moved),
        ("frozen", moved),
    ]
    assert recorded[0][2]["owner"] == recorded[1][2]["owner"] == OWNER.address
    assert recorded[3][2]["lien_id"] == history.lien_id
    assert recorded[4][2]["to"] == BUYER.address
    # Every chain event names the work by its registration number too.
    with runtime.sessions() as session:
        numbers = dict(session.execute(select(Registration.leaf, Registration.number)).all())
    assert [payload["number"] for _, _, payload in recorded] == [
        numbers[subject] for _, subject, _ in recorded
    ]

    rebuild_chain_state(runtime.sessions, runtime.followed_suite(), confirmations=0)
    assert chain_events(runtime) == recorded  # replayed events are not recorded again

    release(runtime.suite(), act_as(runtime, ROLE_KEYS["lender"]), history.lien_id)
    follow_chain(runtime.sessions, runtime.followed_suite(), confirmations=0)
    released = chain_events(runtime)[-1]
    assert released[:2] == ("released", pledged)
    assert released[2]["number"] == numbers[pledged]


def test_a_lien_reduced_or_reassigned_and_a_licence_revoked_are_told(runtime: Runtime) -> None:
    """What changes a lender's or a licensee's position reaches the subscribers too, not only the
    tables: a partial release, a lien assigned to another lender, a licence revoked."""
    history = make_history(runtime)
    suite = runtime.suite()
    lender2 = reduce_and_assign(runtime, history.lien_id)
    number = runtime.registrar.register(
        io.BytesIO(f"licensed work {time.time_ns()}".encode()), WorkMetadata(title="许可作品")
    ).number
    assert runtime.new_batcher().run_once().error is None
    licensed = tokenize(runtime.sessions, suite, number, OWNER.address).asset_id
    owner, now = act_as(runtime, ROLE_KEYS["owner"]), chain_time(runtime)
    terms = LicenceTerms(
        licensed, BUYER.address, rights_mask(Right.TRANSLATION), 156, now + 60, now + 365 * DAY,
        revocable=True,
    )  # fmt: skip
    licence = grant_licence(suite, owner, terms)
    revoke_licence(suite, owner, licence.licence_id, b"\x09" * 32)
    follow_chain(runtime.sessions, runtime.followed_suite(), confirmations=0)

    told = {t: (s, p) for t, s, p in chain_events(runtime)}
    pledged = asset_key(history.pledged_asset)
    subject, reduced = told["lien_reduced"]
    assert subject == pledged
    assert (reduced["lien_id"], reduced["old_amount"], reduced["amount"]) == (
        history.lien_id, str(10**30), str(10**6),
    )  # fmt: skip
    subject, changed = told["lender_changed"]
    assert subject == pledged
    assert (changed["lender"], changed["old_lender"], changed["how"]) == (
        lender2.address, LENDER.address, "assignment",
    )  # fmt: skip
    subject, revoked = told["licence_revoked"]
    assert (subject, revoked["number"]) == (asset_key(licensed), number)
    assert (revoked["licence_id"], revoked["reason_digest"]) == (licence.licence_id, "09" * 32)
