"""Who may hold liens: the ``LENDER_ROLE`` of the ``Pledges`` contract, granted and revoked by
the registry's account (the suite's admin)."""

from __future__ import annotations

from dataclasses import dataclass

from chain_client.roles import LENDER_ROLE, RoleGranted, RoleRevoked
from chain_client.suite import Suite
from registry.core.chain_refusals import account_address, chain_refusals


@dataclass(frozen=True)
class LenderRole:
    """An account's lender role after a grant or revocation: whether it holds the role now,
    whether this call changed it, and the transaction that did (``None`` when nothing changed)."""

    address: str
    lender: bool
    changed: bool
    tx_hash: str | None
    block_number: int | None

    def to_json(self) -> dict[str, object]:
        return {
            "address": self.address,
            "lender": self.lender,
            "changed": self.changed,
            "tx_hash": self.tx_hash,
            "block_number": self.block_number,
        }


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
