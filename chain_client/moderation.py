"""Typed access to ``Moderation``: freezing and restoring registrations and assets."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, ClassVar

from eth_typing import BlockIdentifier
from web3 import Web3

from chain_client.bound_contract import BoundContract, LogPosition, role_id
from chain_client.transactions import TransactionSender

MODERATOR_ROLE = role_id("MODERATOR_ROLE")
REGULATOR_ROLE = role_id("REGULATOR_ROLE")


class Authority(enum.IntEnum):
    """Who placed a freeze; a freeze is lifted by at least the same authority."""

    NONE = 0
    MODERATOR = 1
    REGULATOR = 2


@dataclass(frozen=True)
class FreezeRecord:
    """The freeze in force on a target (``authority`` is ``NONE`` when not frozen)."""

    authority: Authority
    frozen_at: int
    actor: str


@dataclass(frozen=True)
class Frozen:
    target: bytes
    reason_digest: bytes
    actor: str
    authority: Authority
    position: LogPosition


@dataclass(frozen=True)
class Restored:
    target: bytes
    reason_digest: bytes
    actor: str
    position: LogPosition


def asset_target(asset_id: int) -> bytes:
    """The moderation target of an asset: its id's 32 bytes, which are its registration leaf."""
    return asset_id.to_bytes(32, "big")


class ModerationClient(BoundContract):
    """One deployed ``Moderation``."""

    CONTRACT_NAME = "Moderation"
    EVENT_TYPES: ClassVar[dict[str, type[Any]]] = {"Frozen": Frozen, "Restored": Restored}

    @classmethod
    def deploy(cls, sender: TransactionSender, *, admin: str | None = None) -> ModerationClient:
        """Deploy a new ``Moderation``; the admin defaults to the sending account."""
        return cls._deploy(sender, Web3.to_checksum_address(admin or sender.address))

    def freeze(self, target: bytes, reason_digest: bytes) -> Frozen:
        """Freeze a registration leaf / asset (moderator or regulator)."""
        return self._one_event(self._transact("freeze", target, reason_digest), Frozen)

    def restore(self, target: bytes, reason_digest: bytes) -> Restored:
        """Lift a freeze (at least the authority that placed it)."""
        return self._one_event(self._transact("restore", target, reason_digest), Restored)

    def is_frozen(self, target: bytes, *, block: BlockIdentifier = "latest") -> bool:
        """Whether ``target`` is frozen."""
        return bool(self._call("isFrozen", target, block=block))

    def freeze_of(self, target: bytes, *, block: BlockIdentifier = "latest") -> FreezeRecord:
        """The freeze in force on ``target``."""
        authority, frozen_at, actor = self._call("freezeOf", target, block=block)
        return FreezeRecord(Authority(authority), int(frozen_at), str(actor))
