"""Use case: read an asset's encumbrances from the chain-derived tables (no chain call).

The tables are as of the follower's checkpoint (confirmed blocks only); the contracts' own view at
any block is ``registry.assets.rights_assets.encumbrances``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from registry.assets.follower import asset_key
from registry.core.errors import AssetNotFound
from registry.core.models import ChainAsset, ChainCheckpoint, ChainFreeze, ChainLicence, ChainLien
from registry.core.states import ChainLienStatus


@dataclass(frozen=True)
class RecordedLien:
    lien_id: int
    rank: int
    lender: str
    amount: int
    currency_code: str
    maturity: int
    licensing_consent: bool


@dataclass(frozen=True)
class RecordedEncumbrances:
    """What a lender checks, as the database recorded it up to ``as_of_block``."""

    asset_id: str
    owner: str
    burned: bool
    revoked: bool
    liens: tuple[RecordedLien, ...]
    freeze_authority: str | None
    exclusive_licence_ids: tuple[int, ...]
    as_of_block: int | None


def recorded_encumbrances(
    sessions: sessionmaker[Session], asset_id: int, *, at_time: int
) -> RecordedEncumbrances:
    """Active liens by rank, the freeze in force, and exclusive licences in force or to come at
    ``at_time`` (Unix seconds); :class:`AssetNotFound` if the tables have no such asset."""
    key = asset_key(asset_id)
    with sessions() as session:
        asset = session.get(ChainAsset, key)
        if asset is None:
            raise AssetNotFound("no such asset recorded", details={"asset_id": key})
        liens = session.scalars(
            select(ChainLien)
            .where(ChainLien.asset_id == key, ChainLien.status == ChainLienStatus.ACTIVE)
            # The chain's order (an attested junior lien can rank first), as the follower keeps it.
            .order_by(ChainLien.rank.is_(None), ChainLien.rank, ChainLien.lien_id)
        )
        freeze = session.get(ChainFreeze, key)
        exclusive = session.scalars(
            select(ChainLicence.licence_id)
            .where(
                ChainLicence.asset_id == key,
                ChainLicence.exclusive.is_(True),
                ChainLicence.revoked.is_(False),
                ChainLicence.ends_at > at_time,
            )
            .order_by(ChainLicence.licence_id)
        )
        return RecordedEncumbrances(
            asset_id=key,
            owner=asset.owner,
            burned=asset.burned,
            revoked=asset.revoked,
            liens=tuple(
                RecordedLien(
                    lien_id=lien.lien_id,
                    rank=rank,
                    lender=lien.lender,
                    amount=int(lien.amount),
                    currency_code=lien.currency_code,
                    maturity=lien.maturity,
                    licensing_consent=lien.licensing_consent,
                )
                for rank, lien in enumerate(liens, start=1)
            ),
            freeze_authority=freeze.authority if freeze else None,
            exclusive_licence_ids=tuple(exclusive),
            as_of_block=session.scalar(select(ChainCheckpoint.block_number).limit(1)),
        )
