"""Roles of the suite contracts that use OpenZeppelin access control: granting and checking them."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from eth_utils.crypto import keccak

from chain_client.bound_contract import BoundContract
from chain_client.errors import ChainError
from chain_client.records import LogPosition, Record


def role_id(name: str) -> bytes:
    """The AccessControl id of role ``name`` (e.g. ``"LENDER_ROLE"``)."""
    return bytes(keccak(text=name))


#: Seconds after a scheduled grant is ready during which it can be executed (the contracts'
#: ``ROLE_GRANT_WINDOW``); after them it has expired and is scheduled again.
ROLE_GRANT_WINDOW = 7 * 24 * 3600

# A role's id is the hash of its name: the same role on two contracts has the same id.
DEFAULT_ADMIN_ROLE = b"\x00" * 32
REGISTRAR_ROLE = role_id("REGISTRAR_ROLE")  # RegistryAnchor: anchor roots; RightsAsset: tokenize
REGULATOR_ROLE = role_id("REGULATOR_ROLE")  # RegistryAnchor: revoke roots; Moderation: freeze
MODERATOR_ROLE = role_id("MODERATOR_ROLE")  # Moderation: freeze and restore
LENDER_ROLE = role_id("LENDER_ROLE")  # Pledges: hold liens
ARBITER_ROLE = role_id("ARBITER_ROLE")  # Moderation: extend a moderator freeze's enforcement pause
ATTESTOR_ROLE = role_id("ATTESTOR_ROLE")  # IdentityAttestations: record and revoke
IMPORTER_ROLE = role_id(
    "IMPORTER_ROLE"
)  # RightsAsset (read by Pledges, Licences): import a sealed suite's records


class _RoleChange(Record):
    role: bytes
    account: str
    sender: str
    position: LogPosition


class RoleGranted(_RoleChange):
    """``sender`` granted ``role`` to ``account``."""


class RoleRevoked(_RoleChange):
    """``sender`` revoked ``role`` from ``account`` (or the account renounced it)."""


class RoleGrantScheduled(Record):
    """``admin`` scheduled granting ``role`` to ``account``, executable from ``ready_at`` for
    :data:`ROLE_GRANT_WINDOW` seconds, while ``admin`` holds the role's admin role."""

    role: bytes
    account: str
    ready_at: int
    admin: str
    position: LogPosition


class RoleGrantCancelled(Record):
    """``admin`` cancelled the scheduled grant of ``role`` to ``account``."""

    role: bytes
    account: str
    admin: str
    position: LogPosition


class RoleGrantPending(ChainError):
    """The role is granted in two steps and the contract's delay is not over: the grant is
    scheduled; it is executed from ``ready_at`` (:meth:`RoleAdministered.execute_role_grant`)."""

    def __init__(self, role: bytes, account: str, ready_at: int) -> None:
        super().__init__(f"role grant to {account} scheduled, executable from {ready_at}")
        self.role = role
        self.account = account
        self.ready_at = ready_at


ChangeT = TypeVar("ChangeT", RoleGranted, RoleRevoked)


class RoleAdministered(BoundContract):
    """A contract whose admin grants roles (``RegistryAnchor``, ``Moderation``, ``RightsAsset``,
    ``Pledges``, ``IdentityAttestations``); its client also decodes ``RoleGranted`` and
    ``RoleRevoked``, and where grants are delayed (``DelayedRoleGrants``) their schedule."""

    #: Whether the contract grants its operational roles in two steps (``DelayedRoleGrants``).
    DELAYED_GRANTS: ClassVar[bool] = False

    @classmethod
    def event_types(cls) -> tuple[type[Record], ...]:
        delayed = (RoleGrantScheduled, RoleGrantCancelled) if cls.DELAYED_GRANTS else ()
        return (RoleGranted, RoleRevoked, *delayed, *cls.EVENT_TYPES)

    def has_role(self, role: bytes, account: str) -> bool:
        """Whether ``account`` holds ``role`` (see :func:`role_id`)."""
        return bool(self._call("hasRole", role, account))

    def grant_role(self, role: bytes, account: str) -> RoleGranted | None:
        """Grant ``role`` (admin only); ``None`` if the account already held it.

        A delayed role is scheduled and, when the contract's delay is 0 (development and test
        chains), executed at once; with a delay it stays scheduled and :class:`RoleGrantPending`
        is raised.
        """
        if not self.role_grant_delayed(role):
            return self._change_role(RoleGranted, "grantRole", role, account)
        if self.has_role(role, account):
            return None
        ready_at = self.role_grant_ready_at(role, account)
        if ready_at == 0:
            ready_at = self.schedule_role_grant(role, account).ready_at
        if ready_at > int(self.w3.eth.get_block("latest")["timestamp"]):
            raise RoleGrantPending(role, account, ready_at)
        return self.execute_role_grant(role, account)

    def role_grant_delayed(self, role: bytes) -> bool:
        """Whether ``role`` is granted in two steps on this contract."""
        return self.DELAYED_GRANTS and bool(self._call("isRoleGrantDelayed", role))

    def role_grant_delay(self) -> int:
        """Seconds between scheduling a role grant and executing it (fixed at deployment)."""
        return int(self._call("roleGrantDelay"))

    def role_grant_window(self) -> int:
        """Seconds after a scheduled grant is ready during which it can be executed."""
        return int(self._call("ROLE_GRANT_WINDOW"))

    def role_grant_ready_at(self, role: bytes, account: str) -> int:
        """When the scheduled grant of ``role`` to ``account`` can be executed (0: none, or one
        that expired or whose scheduler is no longer admin: scheduling again replaces it)."""
        return int(self._call("roleGrantReadyAt", role, account))

    def schedule_role_grant(self, role: bytes, account: str) -> RoleGrantScheduled:
        """Schedule granting a delayed ``role`` to ``account`` (the role's admin)."""
        return self._transact_one(RoleGrantScheduled, "scheduleRoleGrant", role, account)

    def execute_role_grant(self, role: bytes, account: str) -> RoleGranted:
        """Execute a scheduled grant once it is ready (the role's admin or ``account``)."""
        return self._transact_one(RoleGranted, "executeRoleGrant", role, account)

    def cancel_role_grant(self, role: bytes, account: str) -> RoleGrantCancelled:
        """Cancel a scheduled grant (the role's admin)."""
        return self._transact_one(RoleGrantCancelled, "cancelRoleGrant", role, account)

    def revoke_role(self, role: bytes, account: str) -> RoleRevoked | None:
        """Revoke ``role`` (admin only); ``None`` if the account did not hold it."""
        return self._change_role(RoleRevoked, "revokeRole", role, account)

    def _change_role(
        self, change: type[ChangeT], function: str, role: bytes, account: str
    ) -> ChangeT | None:
        # The contract emits nothing when the role already was as asked.
        changes = self.event_records.in_receipt(self._transact(function, role, account), change)
        return changes[0] if changes else None
