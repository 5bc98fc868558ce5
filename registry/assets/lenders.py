"""Who may hold liens: the ``LENDER_ROLE`` of the ``Pledges`` contract, granted and revoked by
the registry's account (the suite's admin)."""

from __future__ import annotations

from dataclasses import dataclass

from chain_client.pledges import LenderRecoveryProposed
from chain_client.roles import LENDER_ROLE, RoleGranted, RoleRevoked
from chain_client.suite import Suite
from registry.assets.rights_assets import active_lien
from registry.core import errors
from registry.core.chain_refusals import account_address, chain_refusals
from registry.core.record_json import JsonRecord


@dataclass(frozen=True)
class LenderRole(JsonRecord):
    """An account's lender role after a grant or revocation: whether it holds the role now,
    whether this call changed it, and the transaction that did (``None`` when nothing changed)."""

    address: str
    lender: bool
    changed: bool
    tx_hash: str | None
    block_number: int | None


def _outcome(address: str, lender: bool, change: RoleGranted | RoleRevoked | None) -> LenderRole:
    if change is None:
        return LenderRole(address, lender, False, None, None)
    position = change.position
    return LenderRole(address, lender, True, position.tx_hash, position.block_number)


def grant_lender(suite: Suite, address: str) -> LenderRole:
    """Let ``address`` hold liens (record, release and enforce pledges); nothing is sent when it
    already may."""
    account = account_address(address, field="address")
    with chain_refusals():
        if suite.pledges.has_role(LENDER_ROLE, account):
            return LenderRole(account, True, False, None, None)
        return _outcome(account, True, suite.pledges.grant_role(LENDER_ROLE, account))


def revoke_lender(suite: Suite, address: str) -> LenderRole:
    """Stop ``address`` from taking new liens; its recorded liens stay (the contract lets their
    lender release or enforce them). Nothing is sent when it holds no role."""
    account = account_address(address, field="address")
    with chain_refusals():
        if not suite.pledges.has_role(LENDER_ROLE, account):
            return LenderRole(account, False, False, None, None)
        return _outcome(account, False, suite.pledges.revoke_role(LENDER_ROLE, account))


def lender_role(suite: Suite, address: str) -> LenderRole:
    """Whether ``address`` holds the lender role now."""
    account = account_address(address, field="address")
    with chain_refusals():
        return LenderRole(account, suite.pledges.has_role(LENDER_ROLE, account), False, None, None)


def propose_lender_recovery(suite: Suite, lien_id: int, new_lender: str) -> LenderRecoveryProposed:
    """On the request of a lender that lost its key (its identity checked off chain), propose to
    move lien ``lien_id`` to its new key ``new_lender``: the new key can execute it after
    ``Pledges.RECOVERY_DELAY`` (30 days); until then the lien's current key can cancel it. Sent by
    the registry's account (the suite's admin).

    Refused before sending: :class:`LienNotFound`, :class:`LienNotActive`, :class:`InvalidAddress`
    (the current lender), :class:`LenderNotAuthorized` (the new key has no lender role).
    """
    account = account_address(new_lender, field="new_lender")
    details: dict[str, object] = {"lien_id": lien_id, "new_lender": account}
    with chain_refusals():
        lien = active_lien(suite, lien_id, details)
        if account == lien.lender:
            raise errors.InvalidAddress("the lien is that key's already", details=details)
        if not suite.pledges.has_role(LENDER_ROLE, account):
            raise errors.LenderNotAuthorized("the new key has no lender role", details=details)
        return suite.pledges.propose_lender_recovery(lien_id, account)
