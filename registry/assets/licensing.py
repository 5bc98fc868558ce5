"""Use case: platforms ask "is this work licensed to me for right R in territory T at time t?"."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from chain_client.licences import LicenceTerms
from chain_client.suite import Suite
from registry.assets.rights_assets import ZERO_BYTES32
from registry.core.chain_refusals import account_address, chain_refusals
from registry.core.errors import InvalidInput, InvalidLicenceTerms
from registry.core.rights import RIGHT_NAMES, rights_mask


@dataclass(frozen=True)
class LicenceAnswer:
    licensed: bool
    licence_id: int | None
    at: int


def licence_terms(
    asset_id: Callable[[], int],
    licensee: str,
    rights: Collection[str],
    *,
    territory: int,
    start: int,
    end: int,
    exclusive: bool,
    revocable: bool,
    terms_digest: bytes = ZERO_BYTES32,
) -> LicenceTerms:
    """The licence of ``rights`` (by name) to ``licensee``, of the asset ``asset_id`` finds, asked
    only once the rights are known to be rights of art. 10 (:class:`InvalidLicenceTerms`)."""
    unknown = sorted(set(rights) - set(RIGHT_NAMES))
    if unknown:
        raise InvalidLicenceTerms("unknown rights", details={"unknown": unknown})
    return LicenceTerms(
        asset_id=asset_id(),
        licensee=licensee,
        rights=rights_mask(rights),
        territory=territory,
        start=start,
        end=end,
        exclusive=exclusive,
        revocable=revocable,
        terms_digest=terms_digest,
    )


def licence_for(
    suite: Suite,
    asset_id: int,
    licensee: str,
    right: str,
    *,
    territory: int = 0,
    at: int | None = None,
) -> LicenceAnswer:
    """The licence (if any) that gives ``licensee`` ``right`` in ``territory`` at time ``at``
    (default: now), as the ``Licences`` contract itself decides it."""
    if right not in RIGHT_NAMES:
        raise InvalidInput(f"unknown right {right!r}", details={"known": sorted(RIGHT_NAMES)})
    if not 0 <= territory <= 999:
        raise InvalidInput("territory is an ISO 3166-1 numeric code (0 = worldwide)")
    moment = at if at is not None else int(time.time())
    address = account_address(licensee, field="licensee")
    with chain_refusals():
        licence_id = suite.licences.is_licensed(
            asset_id, address, int(RIGHT_NAMES[right]), territory, moment
        )
    return LicenceAnswer(licensed=licence_id is not None, licence_id=licence_id, at=moment)
