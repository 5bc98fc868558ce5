"""Typed access to ``Licences``: exclusive and non-exclusive licences of rights assets."""

from __future__ import annotations

from dataclasses import astuple

from eth_typing import BlockIdentifier

from chain_client.bound_contract import BoundContract
from chain_client.records import LogPosition, Record, from_abi
from chain_client.transactions import TransactionSender


class LicenceTerms(Record):
    """What a licensor grants (in the order ``grant`` takes it)."""

    asset_id: int
    licensee: str
    rights: int
    territory: int
    start: int
    end: int
    exclusive: bool = False
    revocable: bool = False
    terms_digest: bytes = b"\x00" * 32


class Licence(Record):
    licensee: str
    rights: int
    territory: int
    exclusive: bool
    revocable: bool
    revoked: bool
    start: int
    end: int
    asset_id: int


class LicenceEntry(Record):
    licence_id: int
    licence: Licence


class LicenceGranted(Record):
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


class LicenceRevoked(Record):
    licence_id: int
    asset_id: int
    licensor: str
    reason_digest: bytes
    position: LogPosition


class LicenceImported(Record):
    licence_id: int
    asset_id: int
    licensee: str
    position: LogPosition


class LicencesClient(BoundContract):
    """One deployed ``Licences``."""

    CONTRACT_NAME = "Licences"
    EVENT_TYPES = (LicenceGranted, LicenceRevoked, LicenceImported)

    @classmethod
    def deploy(
        cls, sender: TransactionSender, *, rights_asset: str, moderation: str, pledges: str
    ) -> LicencesClient:
        """Deploy a new ``Licences``."""
        return cls._deploy(sender, rights_asset, moderation, pledges)

    def grant(self, terms: LicenceTerms) -> LicenceGranted:
        """Grant a licence (the asset's owner)."""
        return self._transact_one(LicenceGranted, "grant", *astuple(terms))

    def revoke(self, licence_id: int, reason_digest: bytes) -> LicenceRevoked:
        """Revoke a revocable licence in force (the asset's current owner)."""
        return self._transact_one(LicenceRevoked, "revoke", licence_id, reason_digest)

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
            "isLicensed", asset_id, licensee, right, territory, time, block=block
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

    def licence_ids_of(self, asset_id: int, *, block: BlockIdentifier = "latest") -> list[int]:
        """Every licence ever granted on ``asset_id``, in order of grant."""
        return [int(v) for v in self._call("licenceIdsOf", asset_id, block=block)]

    def live_licence_count(self, asset_id: int) -> int:
        """Licences of ``asset_id`` neither revoked nor expired (what the per-asset cap counts)."""
        return int(self._call("liveLicenceCount", asset_id))

    def licence_of(self, licence_id: int, *, block: BlockIdentifier = "latest") -> Licence:
        return from_abi(Licence, self._call("licenceOf", licence_id, block=block))

    def licence_count(self) -> int:
        return int(self._call("licenceCount"))
