"""Takedown and restore (registry.moderation.takedown) on a real Moderation contract on Anvil."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.core.errors import AppealOutdated
from registry.core.models import Takedown
from registry.moderation.takedown import TakedownView, restore
from registry.platform.runtime import Runtime
from tests.registry.moderation.test_revocation import audit_count, registered


def test_a_restore_granting_an_appeal_lifts_only_the_takedown_appealed(runtime: Runtime) -> None:
    number, leaf = registered(runtime, "taken down twice")
    moderation = runtime.moderation
    first = moderation.take_down(number, reason="一", actor="m-1", authority="moderator")
    moderation.restore(number, reason="通知撤回", actor="m-1", authority="moderator")
    second = moderation.take_down(number, reason="二", actor="m-2", authority="moderator")
    chain = runtime.suite().moderation

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
