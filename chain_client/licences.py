"""Typed access to ``Licences``: exclusive and non-exclusive licences of rights assets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from eth_typing import BlockIdentifier
from web3 import Web3

from chain_client.bound_contract import BoundContract, LogPosition, from_abi
from chain_client.transactions import TransactionSender


@dataclass(frozen=True)
class LicenceTerms:
    """What a licensor grants."""

    asset_id: int
    licensee: str
    rights: int
    territory: int
    start: int
    end: int
    exclusive: bool = False
    revocable: bool = False
    terms_digest: bytes = b"\x00" * 32


@dataclass(frozen=True)
class Licence:
    licensee: str
    rights: int
    territory: int
    exclusive: bool
    revocable: bool
    revoked: bool
    start: int
    end: int
    asset_id: int


@dataclass(frozen=True)
class LicenceEntry:
    licence_id: int
    licence: Licence


@dataclass(frozen=True)
class LicenceGranted:
    licence_id: int
    asset_id: int
    licensee: str
    licensor: str
    rights: int
    territory: int
    start: int
    end: int
    exclusive: bool
    revocable: bool
    terms_digest: bytes
    position: LogPosition


@dataclass(frozen=True)
class LicenceRevoked:
    licence_id: int
    asset_id: int
    licensor: str
    reason_digest: bytes
    position: LogPosition


class LicencesClient(BoundContract):
    """One deployed ``Licences``."""

    CONTRACT_NAME = "Licences"
    EVENT_TYPES: ClassVar[dict[str, type[Any]]] = {
        "LicenceGranted": LicenceGranted,
        "LicenceRevoked": LicenceRevoked,
    }

    @classmethod
    def deploy(
        cls, sender: TransactionSender, *, rights_asset: str, moderation: str, pledges: str
    ) -> LicencesClient:
        """Deploy a new ``Licences``."""
        return cls._deploy(
            sender,
            Web3.to_checksum_address(rights_asset),
            Web3.to_checksum_address(moderation),
            Web3.to_checksum_address(pledges),
        )

    def grant(self, terms: LicenceTerms) -> LicenceGranted:
        """Grant a licence (the asset's owner)."""
        receipt = self._transact(
            "grant",
            terms.asset_id,
            Web3.to_checksum_address(terms.licensee),
            terms.rights,
            terms.territory,
            terms.start,
            terms.end,
            terms.exclusive,
            terms.revocable,
            terms.terms_digest,
        )
        return self._one_event(receipt, LicenceGranted)

    def revoke(self, licence_id: int, reason_digest: bytes) -> LicenceRevoked:
        """Revoke a revocable licence in force (the asset's current owner)."""
        return self._one_event(self._transact("revoke", licence_id, reason_digest), LicenceRevoked)

    def is_licensed(
        self,
        asset_id: int,
        licensee: str,
        right: int,
        territory: int,
        time: int,
        *,
        block: BlockIdentifier = "latest",
    ) -> int | None:
        """The id of a licence giving ``licensee`` right ``right`` in ``territory`` at ``time``."""
        licensed, licence_id = self._call(
            "isLicensed",
            asset_id,
            Web3.to_checksum_address(licensee),
            right,
            territory,
            time,
            block=block,
        )
        return int(licence_id) if licensed else None

    def exclusive_licences(
        self, asset_id: int, *, block: BlockIdentifier = "latest"
    ) -> list[LicenceEntry]:
        """Exclusive licences of ``asset_id`` in force or starting later."""
        return [
            from_abi(LicenceEntry, v)
            for v in self._call("exclusiveLicences", asset_id, block=block)
        ]

    def licence_ids_of(self, asset_id: int) -> list[int]:
        return [int(v) for v in self._call("licenceIdsOf", asset_id)]

    def licence_of(self, licence_id: int) -> Licence:
        return from_abi(Licence, self._call("licenceOf", licence_id))

    def licence_count(self) -> int:
        return int(self._call("licenceCount"))
