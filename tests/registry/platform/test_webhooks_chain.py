"""Chain events become webhook events where the follower applies them, once each, even when the
tables are rebuilt (real Anvil, real databases)."""

from __future__ import annotations

import json

from sqlalchemy import select

from registry.assets.follower import asset_key, follow_chain, rebuild_chain_state
from registry.assets.rights_assets import release
from registry.core.models import Event, Registration
from registry.platform.runtime import Runtime
from tests.chain_client.conftest import ROLE_KEYS
from tests.registry.assets.test_follower import BUYER, OWNER, act_as, make_history


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
