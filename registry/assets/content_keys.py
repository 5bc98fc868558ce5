"""Use case: a licensed platform obtains the content key of a private work, encrypted to its own
SM2 key, so it can read the work without the registry ever handing out plaintext or the key.

The platform proves it controls the licensee address (an EIP-191 signature of the request) and
the ``Licences`` contract must say that address holds a licence for the asked right now, or
``RightsAsset`` that it owns the work's asset and the asset carries that right. An
address revoked with its key or its party gets nothing (a leaked key is revoked so), nor does
anyone while the work is frozen on chain, whether or not the registry has recorded that freeze.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chain_client.moderation import asset_target
from chain_client.suite import Suite
from crypto.canonical import canonical_json
from crypto.errors import CryptoError
from crypto.secp256k1 import recover_message
from crypto.signing import public_key_to_json
from crypto.sm2 import SM2PublicKey
from crypto.symmetric import Cipher, WrappedKey, unwrap_key, wrap_key_to
from registry.access import refuse_revoked_addresses
from registry.content import MASTER, ContentProtection
from registry.core.chain_refusals import account_address, chain_refusals
from registry.core.database import unit_of_work
from registry.core.errors import (
    ContentNotFound,
    InvalidInput,
    NotLicensed,
    RegistrationNotFound,
    TakenDown,
)
from registry.core.models import ContentKey, Registration, Work
from registry.core.rights import RIGHT_NAMES
from registry.registration import registrant_id

REQUEST_KIND = "banquan.content-key-request/1"


def content_key_request(number: str, licensee: str, right: str, recipient: SM2PublicKey) -> bytes:
    """The bytes a licensee signs (EIP-191) to ask for a work's content key."""
    return canonical_json(
        {
            "kind": REQUEST_KIND,
            "registration": number,
            "licensee": licensee.lower(),
            "right": right,
            "recipient": public_key_to_json(recipient),
        }
    )


def grant_content_key(
    sessions: sessionmaker[Session],
    suite: Suite,
    protection: ContentProtection,
    number: str,
    *,
    licensee: str,
    right: str,
    recipient: SM2PublicKey,
    signature: bytes,
    now: Callable[[], datetime],
) -> WrappedKey:
    """The content key of registration ``number``'s private work, encrypted to ``recipient``.

    Refused: :class:`InvalidInput` (unknown right, a signature not by ``licensee``),
    :class:`RegistrationNotFound`, :class:`ContentNotFound` (the work is not stored encrypted),
    :class:`NotLicensed` (``licensee`` neither holds a licence for ``right`` on chain now nor owns
    the asset with that right, or the work is no asset),
    :class:`PartyRevoked` (``licensee`` was revoked with its key or its party),
    :class:`TakenDown` (the work is frozen on chain).
    """
    if right not in RIGHT_NAMES:
        raise InvalidInput(f"unknown right {right!r}", details={"known": sorted(RIGHT_NAMES)})
    address = account_address(licensee, field="licensee")
    message = content_key_request(number, address, right, recipient)
    try:
        signer = recover_message(message, signature).address
    except CryptoError as exc:
        raise InvalidInput(f"the request signature is malformed: {exc}") from exc
    if signer != address:
        raise InvalidInput(
            "the request is not signed by the licensee", details={"licensee": address}
        )
    with sessions() as session:
        row = session.execute(
            select(Registration.leaf, Work.id, Work.stored_cid, Work.encryption)
            .join(Registration.work)
            .where(Registration.number == number)
        ).one_or_none()
        if row is None:
            raise RegistrationNotFound.numbered(number)
        refuse_revoked_addresses(session, [address])
        leaf, work_id, stored_cid, encryption = row
        master = session.scalar(
            select(ContentKey).where(ContentKey.work_id == work_id, ContentKey.holder == MASTER)
        )
    if encryption is None or master is None or stored_cid is None:
        raise ContentNotFound(f"{number} is not stored encrypted", details={"number": number})
    asset_id = int(leaf, 16)
    with chain_refusals():
        if suite.moderation.is_frozen(asset_target(asset_id)):  # whatever the records say yet
            raise TakenDown(
                f"登记 {number} 已在链上冻结，暂停提供内容密钥 / registration {number} is frozen "
                "on chain: no content key is given",
                details={"number": number, "frozen_on_chain": True},
            )
        entitled = suite.rights_asset.exists(asset_id) and (
            _owns(suite, asset_id, address, RIGHT_NAMES[right])
            or _licence_in_force(
                suite, asset_id, address, RIGHT_NAMES[right], int(now().timestamp())
            )
            is not None
        )
    if not entitled:
        raise NotLicensed(
            "the licensee holds no licence for this right now",
            details={"licensee": address, "right": right, "number": number},
        )
    wrapped_master = WrappedKey.from_json(json.loads(master.wrapped_json))
    content_key = unwrap_key(
        protection.master_key[: Cipher.parse(wrapped_master.method).key_size],
        wrapped_master,
        context=stored_cid.encode(),
    )
    granted = wrap_key_to(recipient, content_key)
    holder = registrant_id(recipient)
    with unit_of_work(sessions) as session:
        existing = session.scalar(
            select(ContentKey).where(ContentKey.work_id == work_id, ContentKey.holder == holder)
        )
        if existing is None:
            session.add(
                ContentKey(
                    work_id=work_id,
                    holder=holder,
                    wrapped_json=json.dumps(granted.to_json()),
                    created_at=now(),
                )
            )
        else:
            existing.wrapped_json = json.dumps(granted.to_json())
    return granted


def _owns(suite: Suite, asset_id: int, address: str, right: int) -> bool:
    """Whether ``address`` owns the asset now and the asset carries ``right``: a buyer of the
    rights reads the work as a licensee of them does."""
    if suite.rights_asset.owner_of(asset_id) != address:
        return False
    return bool(suite.rights_asset.asset_terms(asset_id).rights >> right & 1)


def _licence_in_force(
    suite: Suite, asset_id: int, licensee: str, right: int, at: int
) -> int | None:
    """A licence of ``asset_id`` in force at ``at`` giving ``licensee`` ``right``, in any
    territory: the content key is the same wherever the licensee may disseminate the work (a
    licence for China alone entitles to it as a worldwide one does). Its id, or None."""
    # Asked territory by territory as the contract answers (``isLicensed``): each territory the
    # licensee holds a licence of this asset in, worldwide (0) first.
    territories = {0} | {
        licence.territory
        for licence in map(suite.licences.licence_of, suite.licences.licence_ids_of(asset_id))
        if licence.licensee == licensee and not licence.revoked
    }
    for territory in sorted(territories):
        licence_id = suite.licences.is_licensed(asset_id, licensee, right, territory, at)
        if licence_id is not None:
            return licence_id
    return None
