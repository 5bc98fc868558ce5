"""Use case: an asset as it stands — who owns it now, what it carries, under which licences,
pledged or frozen — read from the contracts at one block, for anyone to see.

The chain is public and the verification page reads the same contracts in the browser: this is
that reading, made once for the API (``GET /v1/assets/{ref}``) and the command line
(``banquan asset show``), with the parties that hold the addresses named by their public name.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chain_client.licences import Licence
from chain_client.pledges import RankedLien, currency_text
from chain_client.suite import Suite
from registry.access import holders_of_addresses
from registry.assets.rights_assets import encumbrances
from registry.core import errors
from registry.core.chain_refusals import chain_refusals
from registry.core.models import Registration
from registry.core.record_json import json_of
from registry.core.rights import right_names
from registry.core.views import PartyRef


class LicenceState(enum.StrEnum):
    """Where a licence stands at the time asked (the verification page's words)."""

    IN_FORCE = "in_force"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    REVOKED = "revoked"


@dataclass(frozen=True)
class LicenceStanding:
    licence_id: int
    licensee: str
    licensee_party: PartyRef | None
    rights: tuple[str, ...]
    territory: int
    start: int
    end: int
    exclusive: bool
    revocable: bool
    state: LicenceState


@dataclass(frozen=True)
class LienStanding:
    lien_id: int
    rank: int
    lender: str
    amount: str  # uint128, as decimal text
    currency: str
    maturity: int
    licensing_consent: bool

    @classmethod
    def of(cls, ranked: RankedLien) -> LienStanding:
        """An active lien as every face shows it (its amount as decimal text: a uint128)."""
        lien = ranked.lien
        return cls(
            lien_id=ranked.lien_id,
            rank=ranked.rank,
            lender=lien.lender,
            amount=str(lien.amount),
            currency=currency_text(lien.currency_code),
            maturity=lien.maturity,
            licensing_consent=lien.licensing_consent,
        )


@dataclass(frozen=True)
class AssetStanding:
    """The asset at ``block`` (chain time ``at``), every field read at that one block."""

    asset_id: str
    registration: str | None
    owner: str
    owner_party: PartyRef | None
    rights: tuple[str, ...]
    territory: int
    term_end: int
    registered_at: int
    revoked: bool
    frozen_by: str | None
    liens: tuple[LienStanding, ...]
    licences: tuple[LicenceStanding, ...]
    block: int
    at: int

    @property
    def pledged(self) -> bool:
        return bool(self.liens)

    def to_json(self) -> dict[str, Any]:
        return {**json_of(self), "pledged": self.pledged}


def licence_state(licence: Licence, at: int) -> LicenceState:
    if licence.revoked:
        return LicenceState.REVOKED
    if at < licence.start:
        return LicenceState.NOT_STARTED
    if at >= licence.end:
        return LicenceState.ENDED
    return LicenceState.IN_FORCE


def asset_standing(sessions: sessionmaker[Session], suite: Suite, asset_id: int) -> AssetStanding:
    """The asset ``asset_id`` as it stands at the latest block: its owner, terms, liens by rank,
    the freeze in force, every licence ever granted with its state at that block's time.
    :class:`AssetNotFound` for an asset never tokenized (or burned)."""
    w3 = suite.rights_asset.w3
    with chain_refusals():
        head = w3.eth.get_block("latest")
        block, at = int(head["number"]), int(head["timestamp"])
        if not suite.rights_asset.exists(asset_id, block=block):
            raise errors.AssetNotFound(
                "该作品尚未铸造为权利资产 / no such asset (never tokenized, or burned)",
                details={"asset_id": f"{asset_id:064x}"},
            )
        found = encumbrances(suite, asset_id, block=block)
        terms = suite.rights_asset.asset_terms(asset_id, block=block)
        revoked = suite.rights_asset.is_revoked(asset_id, block=block)
        licences = [
            (licence_id, suite.licences.licence_of(licence_id, block=block))
            for licence_id in suite.licences.licence_ids_of(asset_id, block=block)
        ]
    report = found.report
    with sessions() as session:
        holders = holders_of_addresses(
            session, [found.owner, *(licence.licensee for _id, licence in licences)]
        )
        number = session.scalar(
            select(Registration.number).where(Registration.leaf == f"{asset_id:064x}")
        )
        return AssetStanding(
            asset_id=f"{asset_id:064x}",
            registration=number,
            owner=found.owner,
            owner_party=holders.get(found.owner),
            rights=right_names(terms.rights),
            territory=terms.territory,
            term_end=terms.term_end,
            registered_at=terms.registered_at,
            revoked=revoked,
            frozen_by=report.freeze_authority.name.lower() if report.frozen_at else None,
            liens=tuple(map(LienStanding.of, report.liens)),
            licences=tuple(
                LicenceStanding(
                    licence_id=licence_id,
                    licensee=licence.licensee,
                    licensee_party=holders.get(licence.licensee),
                    rights=right_names(licence.rights),
                    territory=licence.territory,
                    start=licence.start,
                    end=licence.end,
                    exclusive=licence.exclusive,
                    revocable=licence.revocable,
                    state=licence_state(licence, at),
                )
                for licence_id, licence in licences
            ),
            block=block,
            at=at,
        )
