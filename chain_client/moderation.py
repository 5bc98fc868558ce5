"""Typed access to ``Moderation``: freezing and restoring registrations and assets."""

from __future__ import annotations

import enum

from eth_typing import BlockIdentifier

from chain_client.records import LogPosition, Record

# The roles Moderation checks, also importable from here.
from chain_client.roles import ARBITER_ROLE as ARBITER_ROLE
from chain_client.roles import MODERATOR_ROLE as MODERATOR_ROLE
from chain_client.roles import REGULATOR_ROLE as REGULATOR_ROLE
from chain_client.roles import RoleAdministered
from chain_client.transactions import TransactionSender


class Authority(enum.IntEnum):
    """Who placed a freeze; a freeze is lifted by at least the same authority."""

    NONE = 0
    MODERATOR = 1
    REGULATOR = 2


class FreezeRecord(Record):
    """The freeze in force on a target (``authority`` is ``NONE`` when not frozen)."""

    authority: Authority
    frozen_at: int
    actor: str


class Frozen(Record):
    target: bytes
    reason_digest: bytes
    actor: str
    authority: Authority
    position: LogPosition


class Restored(Record):
    target: bytes
    reason_digest: bytes
    actor: str
    position: LogPosition


class EnforcementPaused(Record):
    """A moderator's freeze pauses lien enforcement until ``until``: a fresh pause's end, or the
    end of the pause still running (a freeze in the lender's window after a pause emits none)."""

    target: bytes
    until: int
    position: LogPosition


class FreezeExtended(Record):
    """An arbiter extended a moderator freeze's enforcement pause."""

    target: bytes
    until: int
    arbiter: str
    reason_digest: bytes
    position: LogPosition


def asset_target(asset_id: int) -> bytes:
    """The moderation target of an asset: its id's 32 bytes, which are its registration leaf."""
    return asset_id.to_bytes(32, "big")


class ModerationClient(RoleAdministered):
    """One deployed ``Moderation``."""

    DELAYED_GRANTS = True
    CONTRACT_NAME = "Moderation"
    EVENT_TYPES = (Frozen, Restored, EnforcementPaused, FreezeExtended)

    @classmethod
    def deploy(cls, sender: TransactionSender, *, role_grant_delay: int = 0) -> ModerationClient:
        """Deploy a new ``Moderation``; the sending account is its admin, and grants its roles in
        two steps ``role_grant_delay`` seconds apart (0: development only)."""
        return cls._deploy(sender, sender.address, role_grant_delay)

    def freeze(self, target: bytes, reason_digest: bytes) -> Frozen:
        """Freeze a registration leaf / asset (moderator or regulator)."""
        return self._transact_one(Frozen, "freeze", target, reason_digest)

    def restore(self, target: bytes, reason_digest: bytes) -> Restored:
        """Lift a freeze (at least the authority that placed it)."""
        return self._transact_one(Restored, "restore", target, reason_digest)

    def extend_freeze(self, target: bytes, until: int, reason_digest: bytes) -> FreezeExtended:
        """Extend a moderator freeze's pause of lien enforcement until ``until`` (arbiter)."""
        return self._transact_one(FreezeExtended, "extendFreeze", target, until, reason_digest)

    def enforcement_paused_until(self, target: bytes, *, block: BlockIdentifier = "latest") -> int:
        """Until when a freeze of ``target`` pauses lien enforcement (0: not frozen; the largest
        uint64 for a regulator's freeze; under a moderator's, the target's recorded pause end,
        which a restore keeps and which may be in the past)."""
        return int(self._call("enforcementPausedUntil", target, block=block))

    def is_frozen(self, target: bytes, *, block: BlockIdentifier = "latest") -> bool:
        """Whether ``target`` is frozen."""
        return bool(self._call("isFrozen", target, block=block))

    def freeze_of(self, target: bytes, *, block: BlockIdentifier = "latest") -> FreezeRecord:
        """The freeze in force on ``target``."""
        authority, frozen_at, actor = self._call("freezeOf", target, block=block)
        return FreezeRecord(Authority(authority), int(frozen_at), str(actor))
