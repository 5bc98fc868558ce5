"""Roles of the suite contracts that use OpenZeppelin access control: granting and checking them."""

from __future__ import annotations

from typing import TypeVar

from eth_utils.crypto import keccak

from chain_client.bound_contract import BoundContract
from chain_client.records import LogPosition, Record


def role_id(name: str) -> bytes:
    """The AccessControl id of role ``name`` (e.g. ``"LENDER_ROLE"``)."""
    return bytes(keccak(text=name))


# A role's id is the hash of its name: the same role on two contracts has the same id.
DEFAULT_ADMIN_ROLE = b"\x00" * 32
REGISTRAR_ROLE = role_id("REGISTRAR_ROLE")  # RegistryAnchor: anchor roots; RightsAsset: tokenize
REGULATOR_ROLE = role_id("REGULATOR_ROLE")  # RegistryAnchor: revoke roots; Moderation: freeze
MODERATOR_ROLE = role_id("MODERATOR_ROLE")  # Moderation: freeze and restore
LENDER_ROLE = role_id("LENDER_ROLE")  # Pledges: hold liens
ARBITER_ROLE = role_id("ARBITER_ROLE")  # Moderation: extend a moderator freeze's enforcement pause
ATTESTOR_ROLE = role_id("ATTESTOR_ROLE")  # IdentityAttestations: record and revoke


class _RoleChange(Record):
    role: bytes
    account: str
    sender: str
    position: LogPosition


class RoleGranted(_RoleChange):
    """``sender`` granted ``role`` to ``account``."""


class RoleRevoked(_RoleChange):
    """``sender`` revoked ``role`` from ``account`` (or the account renounced it)."""


ChangeT = TypeVar("ChangeT", RoleGranted, RoleRevoked)


class RoleAdministered(BoundContract):
    """A contract whose admin grants roles (``RegistryAnchor``, ``Moderation``, ``RightsAsset``,
    ``Pledges``); its client also decodes ``RoleGranted`` and ``RoleRevoked``."""

    @classmethod
    def event_types(cls) -> tuple[type[Record], ...]:
        return (RoleGranted, RoleRevoked, *cls.EVENT_TYPES)

    def has_role(self, role: bytes, account: str) -> bool:
        """Whether ``account`` holds ``role`` (see :func:`role_id`)."""
        return bool(self._call("hasRole", role, account))

    def grant_role(self, role: bytes, account: str) -> RoleGranted | None:
        """Grant ``role`` (admin only); ``None`` if the account already held it."""
        return self._change_role(RoleGranted, "grantRole", role, account)

    def revoke_role(self, role: bytes, account: str) -> RoleRevoked | None:
        """Revoke ``role`` (admin only); ``None`` if the account did not hold it."""
        return self._change_role(RoleRevoked, "revokeRole", role, account)

    def _change_role(
        self, change: type[ChangeT], function: str, role: bytes, account: str
    ) -> ChangeT | None:
        # The contract emits nothing when the role already was as asked.
        changes = self.event_records.in_receipt(self._transact(function, role, account), change)
        return changes[0] if changes else None
