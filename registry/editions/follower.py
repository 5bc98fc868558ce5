"""The ``Editions`` events, folded into the editions tables by the chain follower
(:mod:`registry.assets.follower`), so that what was sent straight to the contract — an edition
created, copies issued or claimed, a gift between two readers' own wallets — shows in the API,
the copy's page and certificate, the holders query, and fires ``edition_gifted``.

Every handler is idempotent and shares :mod:`registry.editions.records` with the service: what
the registry recorded after its own transaction is recognised (by the contract's ids and the
transaction) and left as it is, so following and replaying change nothing twice. The editions
tables also hold what the chain does not (a title, a price in CNY, the readers of an allow-list
posted through the registry), so unlike the assets' tables they are never wiped for a replay:
a replay folds the same events in again and finds them recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from multiformats import CID
from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_client.editions import (
    AllowListPosted,
    Claimed,
    EditionCreated,
    Gifted,
    Issued,
    TermsAmended,
)
from registry.assets.follower import asset_key
from registry.core.models import Edition, EditionBatch, EditionCopy, Registration, Work
from registry.editions.records import (
    record_allow_list,
    record_gift,
    record_issued,
    record_terms,
)

log = logging.getLogger(__name__)

Handler = Callable[[Session, Any], None]


def cid_text(cid: bytes) -> str:
    """A binary CID from an event as text (CIDv1 in base32, ``bafy…``; CIDv0 ``Qm…``); other
    bytes as hex."""
    try:
        decoded = CID.decode(cid)
    except (ValueError, KeyError, IndexError):
        return "0x" + cid.hex()
    return decoded.encode("base32") if decoded.version == 1 else str(decoded)


def edition_handlers(
    contract_address: str, block_time: Callable[[int], datetime]
) -> dict[type[Any], Handler]:
    """The handlers of the events of the ``Editions`` at ``contract_address``."""

    def edition(session: Session, edition_id: int) -> Edition | None:
        return session.scalar(
            select(Edition).where(
                Edition.contract_address == contract_address,
                Edition.chain_edition_id == edition_id,
            )
        )

    def created(session: Session, event: EditionCreated) -> None:
        if edition(session, event.edition_id) is not None:
            return
        work = session.execute(
            select(Registration.id, Work.title)
            .join(Work, Work.id == Registration.work_id)
            .where(Registration.leaf == asset_key(event.asset_id))
        ).one_or_none()
        if work is None:
            log.warning("edition %s is of a work this registry does not hold", event.edition_id)
            return
        row = Edition(
            contract_address=contract_address,
            chain_edition_id=event.edition_id,
            registration_id=work.id,
            publisher=event.publisher,
            title=work.title[:200],
            price_fen=None,  # never on chain
            issued=0,
            create_tx=event.position.tx_hash,
            created_at=block_time(event.position.block_number),
        )
        record_terms(row, metadata_cid=cid_text(event.metadata_cid), terms=event.terms)
        session.add(row)
        session.flush()

    def amended(session: Session, event: TermsAmended) -> None:
        row = edition(session, event.edition_id)
        if row is None or row.issued > 0:
            return  # the contract amends only before the first copy
        record_terms(row, metadata_cid=cid_text(event.metadata_cid), terms=event.terms)

    def issued(session: Session, event: Issued) -> None:
        row = edition(session, event.edition_id)
        if row is not None:
            record_issued(session, row, event, at=block_time(event.position.block_number))
            session.flush()

    def posted(session: Session, event: AllowListPosted) -> None:
        # The readers are not on chain (only the root): its copies are recorded as they are
        # claimed.
        row = edition(session, event.edition_id)
        if row is not None:
            at = block_time(event.position.block_number)
            record_allow_list(session, row, event, readers=(), at=at)
            session.flush()

    def claimed(session: Session, event: Claimed) -> None:
        row = edition(session, event.edition_id)
        if row is None:
            return
        copy = session.scalar(
            select(EditionCopy).where(
                EditionCopy.edition_id == row.id, EditionCopy.copy_number == event.copy
            )
        )
        if copy is not None:
            if not copy.gifted:
                copy.holder, copy.held = event.holder, True
            return
        batch = session.scalar(
            select(EditionBatch).where(
                EditionBatch.edition_id == row.id,
                EditionBatch.allow_list.is_(True),
                EditionBatch.first_copy <= event.copy,
                EditionBatch.first_copy + EditionBatch.count > event.copy,
            )
        )
        if batch is None:
            return
        session.add(
            EditionCopy(
                edition_id=row.id,
                copy_number=event.copy,
                batch_index=batch.batch_index,
                holder=event.holder,
                received_at=batch.issued_at,  # the lock-up after issue runs from the posting
                gifted=False,
                held=True,
            )
        )
        session.flush()

    def gifted(session: Session, event: Gifted) -> None:
        row = edition(session, event.edition_id)
        if row is not None:
            record_gift(
                session,
                row,
                copy=event.copy,
                giver=event.from_,
                receiver=event.to,
                tx_hash=event.position.tx_hash,
                log_index=event.position.log_index,
                at=block_time(event.position.block_number),
            )
            session.flush()

    return {
        EditionCreated: created,
        TermsAmended: amended,
        Issued: issued,
        AllowListPosted: posted,
        Claimed: claimed,
        Gifted: gifted,
    }
