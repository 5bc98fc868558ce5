"""Recording what the ``Editions`` contract emitted, once: the editions service after its own
writes and the follower (:mod:`registry.editions.follower`) for every event on chain share these,
and each is idempotent (keyed by the contract's ids and the transaction), so whichever comes
second changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chain_client.editions import AllowListPosted, EditionTerms, Issued
from registry.core.events import EventType, record_event
from registry.core.models import (
    Edition,
    EditionBatch,
    EditionCopy,
    EditionGift,
    EditionKeyGrant,
    Registration,
)


def record_batch(
    session: Session,
    edition: Edition,
    *,
    batch_index: int,
    first_copy: int,
    count: int,
    root: bytes,
    holders: Sequence[str],
    allow_list: bool,
    tx_hash: str,
    at: datetime,
) -> bool:
    """An issue batch (``holders`` one per copy) or an allow-list (``holders`` its readers, when
    known; each copy is held once claimed); ``False`` if it is recorded already."""
    exists = session.scalar(
        select(EditionBatch.id).where(
            EditionBatch.edition_id == edition.id, EditionBatch.batch_index == batch_index
        )
    )
    if exists is not None:
        # Followed from its block before the registry that posted the allow-list recorded it:
        # the readers, which the chain holds only as a root, are still added.
        if holders and not _has_copies(session, edition, batch_index):
            _add_copies(session, edition, first_copy, batch_index, holders, allow_list, at)
        return False
    session.add(
        EditionBatch(
            edition_id=edition.id,
            batch_index=batch_index,
            first_copy=first_copy,
            count=count,
            root="0x" + root.hex(),
            allow_list=allow_list,
            issue_tx=tx_hash,
            issued_at=at,
        )
    )
    _add_copies(session, edition, first_copy, batch_index, holders, allow_list, at)
    edition.issued = max(edition.issued, first_copy + count - 1)
    return True


def _has_copies(session: Session, edition: Edition, batch_index: int) -> bool:
    return (
        session.scalar(
            select(EditionCopy.id)
            .where(EditionCopy.edition_id == edition.id, EditionCopy.batch_index == batch_index)
            .limit(1)
        )
        is not None
    )


def _add_copies(
    session: Session,
    edition: Edition,
    first_copy: int,
    batch_index: int,
    holders: Sequence[str],
    allow_list: bool,
    at: datetime,
) -> None:
    session.add_all(
        EditionCopy(
            edition_id=edition.id,
            copy_number=first_copy + i,
            batch_index=batch_index,
            holder=holder,
            received_at=at,
            gifted=False,
            held=not allow_list,
        )
        for i, holder in enumerate(holders)
    )


def record_issued(session: Session, edition: Edition, event: Issued, *, at: datetime) -> bool:
    """An issue batch as the contract reported it (one holder per copy): :func:`record_batch`."""
    return record_batch(
        session,
        edition,
        batch_index=event.batch_index,
        first_copy=event.first_copy,
        count=len(event.holders),
        root=event.root,
        holders=event.holders,
        allow_list=False,
        tx_hash=event.position.tx_hash,
        at=at,
    )


def record_allow_list(
    session: Session,
    edition: Edition,
    event: AllowListPosted,
    *,
    readers: Sequence[str],
    at: datetime,
) -> bool:
    """An allow-list as the contract reported it; ``readers`` are known to the registry that
    posted it, not to the chain (empty when followed); see :func:`record_batch`."""
    return record_batch(
        session,
        edition,
        batch_index=event.batch_index,
        first_copy=event.first_copy,
        count=event.count,
        root=event.root,
        holders=readers,
        allow_list=True,
        tx_hash=event.position.tx_hash,
        at=at,
    )


def record_terms(edition: Edition, *, metadata_cid: str, terms: EditionTerms) -> None:
    """An edition's terms, as created or amended (the contract amends only before the first
    copy)."""
    edition.metadata_cid = metadata_cid
    edition.size, edition.territory, edition.sole = terms.size, terms.territory, terms.sole
    edition.lock_after_issue = terms.lock_after_issue
    edition.lock_after_gift = terms.lock_after_gift
    edition.daily_gift_limit = terms.daily_gift_limit


def record_gift(
    session: Session,
    edition: Edition,
    *,
    copy: int,
    giver: str,
    receiver: str,
    tx_hash: str,
    log_index: int,
    at: datetime,
) -> bool:
    """A gift of copy ``copy``: its new holder, its history, the end of the former holder's key
    grants, and the ``edition_gifted`` webhook event; ``False`` if it is recorded already."""
    if session.scalar(select(EditionGift.id).where(EditionGift.gift_tx == tx_hash)) is not None:
        return False
    row = session.scalar(
        select(EditionCopy).where(
            EditionCopy.edition_id == edition.id, EditionCopy.copy_number == copy
        )
    )
    if row is None:  # a copy of an allow-list this registry did not see claimed
        batch = session.scalar(
            select(EditionBatch).where(
                EditionBatch.edition_id == edition.id,
                EditionBatch.first_copy <= copy,
                EditionBatch.first_copy + EditionBatch.count > copy,
            )
        )
        row = EditionCopy(
            edition_id=edition.id,
            copy_number=copy,
            batch_index=batch.batch_index if batch is not None else 0,
        )
        session.add(row)
    row.holder, row.received_at, row.gifted, row.held = receiver, at, True, True
    session.add(
        EditionGift(
            edition_id=edition.id,
            copy_number=copy,
            from_address=giver,
            to_address=receiver,
            gift_tx=tx_hash,
            gifted_at=at,
        )
    )
    session.execute(
        delete(EditionKeyGrant).where(
            EditionKeyGrant.edition_id == edition.id, EditionKeyGrant.copy_number == copy
        )
    )
    leaf = session.scalar(
        select(Registration.leaf).where(Registration.id == edition.registration_id)
    )
    record_event(
        session,
        EventType.EDITION_GIFTED,
        str(leaf),
        {
            "edition": edition.chain_edition_id,
            "copy": copy,
            "from": giver,
            "to": receiver,
            "tx_hash": tx_hash,
        },
        at=at,
        source_key=f"{tx_hash}:{log_index}",
    )
    return True
