"""Typed access to ``Encumbrances``: every encumbrance of an asset in one read."""

from __future__ import annotations

from eth_typing import BlockIdentifier

from chain_client.bound_contract import BoundContract
from chain_client.licences import LicenceEntry
from chain_client.moderation import Authority
from chain_client.pledges import RankedLien
from chain_client.records import Record, from_abi
from chain_client.transactions import TransactionSender


class EncumbranceReport(Record):
    """Liens by rank, the freeze in force, exclusive licences: what a lender checks."""

    liens: tuple[RankedLien, ...]
    freeze_authority: Authority
    frozen_at: int
    exclusive_licences: tuple[LicenceEntry, ...]

    @property
    def is_clear(self) -> bool:
        """No lien, no freeze, no exclusive licence."""
        return (
            not self.liens
            and self.freeze_authority is Authority.NONE
            and not (self.exclusive_licences)
        )


class EncumbrancesClient(BoundContract):
    """One deployed ``Encumbrances`` (stateless, no events)."""

    CONTRACT_NAME = "Encumbrances"

    @classmethod
    def deploy(
        cls, sender: TransactionSender, *, moderation: str, pledges: str, licences: str
    ) -> EncumbrancesClient:
        """Deploy a new ``Encumbrances`` lens."""
        return cls._deploy(sender, moderation, pledges, licences)

    def encumbrances_of(
        self, asset_id: int, *, block: BlockIdentifier = "latest"
    ) -> EncumbranceReport:
        """Every encumbrance of ``asset_id``; ``block`` asks "as of block N" (archive node)."""
        return from_abi(EncumbranceReport, self._call("encumbrancesOf", asset_id, block=block))
