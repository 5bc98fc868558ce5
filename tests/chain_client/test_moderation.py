"""ModerationClient against real Anvil: freezes and restores, with actors and reasons evented."""

from __future__ import annotations

import pytest

from chain_client.errors import TransactionFailed
from chain_client.moderation import (
    Authority,
    EnforcementPaused,
    Frozen,
    Restored,
    asset_target,
)
from chain_client.rights_assets import Tokenized
from chain_client.suite import Suite
from tests.chain_client.conftest import Actors, as_actor

REASON = b"\x05" * 32


def test_freeze_and_restore_are_evented_with_the_actor(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    moderator = as_actor(suite, actors, actors.moderator)
    target = asset_target(asset.asset_id)
    frozen = moderator.moderation.freeze(target, REASON)
    assert frozen.actor == actors.moderator.address
    assert frozen.authority is Authority.MODERATOR
    record = suite.moderation.freeze_of(target)
    assert record.authority is Authority.MODERATOR
    assert suite.moderation.is_frozen(target)

    restored = moderator.moderation.restore(target, REASON)
    assert restored.reason_digest == REASON
    assert not suite.moderation.is_frozen(target)
    history = suite.moderation.events(frozen.position.block_number, "latest")
    assert [type(e) for e in history] == [Frozen, EnforcementPaused, Restored]
    paused = history[1]
    assert paused.until == record.frozen_at + 90 * 24 * 3600


def test_moderator_cannot_lift_a_regulator_freeze(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    target = asset_target(asset.asset_id)
    as_actor(suite, actors, actors.regulator).moderation.freeze(target, REASON)
    with pytest.raises(TransactionFailed) as caught:
        as_actor(suite, actors, actors.moderator).moderation.restore(target, REASON)
    assert caught.value.error_name == "FreezeAuthorityTooHigh"
    assert caught.value.error_args == (
        target,
        actors.moderator.address.lower(),
        Authority.REGULATOR,
    )
    assert suite.moderation.is_frozen(target)


def test_stranger_cannot_freeze(suite: Suite, actors: Actors) -> None:
    with pytest.raises(TransactionFailed) as caught:
        as_actor(suite, actors, actors.buyer).moderation.freeze(b"\x01" * 32, REASON)
    assert caught.value.error_name == "NotModerator"
