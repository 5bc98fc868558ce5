"""Read a registered work's content back, and publish it.

A private work is read through its master-wrapped content key; publishing re-ingests the
plaintext so its CID becomes fetchable as is (after the moderation hooks, when configured).

A registration moderation holds or rejected is never published, nor served to the public:
:class:`PublicationHeld` while held, :class:`PublicationRejected` once rejected, whatever was
asked at registration (the registrar stores it unpublished) and whatever its work records. Once
a moderator accepts it (or grants an appeal), it is a private work like any other: its registrant
publishes it, through the hooks again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime

from multiformats import CID
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crypto.stream import decrypt_stream
from crypto.symmetric import WrappedKey
from registry.content import (
    MASTER,
    ContentProtection,
    ContentStore,
    chunk_stream,
    ingest,
    read_content,
)
from registry.core.database import unit_of_work
from registry.core.errors import (
    ContentIsPrivate,
    ContentNotFound,
    PublicationHeld,
    PublicationRejected,
    RegistrationNotFound,
)
from registry.core.models import ContentKey, Registration, Work
from registry.core.states import RegistrationStatus
from registry.core.views import as_utc, refuse_if_taken_down
from registry.moderation import ModerationGate, check_publication


def open_content(
    sessions: sessionmaker[Session],
    store: ContentStore,
    protection: ContentProtection,
    number: str,
) -> Iterator[bytes]:
    """The plaintext of registration ``number``'s work, chunk by chunk (decrypted if private)."""
    with sessions() as session:
        work = _work_of(session, number)
        stored_cid = work.stored_cid or work.cid
        if stored_cid is None:
            raise ContentNotFound(f"registration {number} has no stored content")
        wrapped = None
        if work.encryption is not None:
            row = session.scalar(
                select(ContentKey).where(ContentKey.work_id == work.id, ContentKey.holder == MASTER)
            )
            if row is None:
                raise ContentNotFound(f"the content key of {number} is missing")
            wrapped = WrappedKey.from_json(json.loads(row.wrapped_json))
    blocks = read_content(store, CID.decode(stored_cid))
    if wrapped is None:
        return blocks
    return decrypt_stream(protection.unwrap(wrapped, stored_cid), blocks)


def open_published_content(
    sessions: sessionmaker[Session], store: ContentStore, number: str
) -> Iterator[bytes]:
    """The content of a published work, for anyone; :class:`ContentIsPrivate` otherwise,
    :class:`TakenDown` while a takedown is in force, and :class:`PublicationHeld` /
    :class:`PublicationRejected` while moderation holds the registration or once it rejected it
    (whatever its work records)."""
    with sessions() as session:
        work = _work_of(session, number)
        status, takedown_json = session.execute(
            select(Registration.status, Registration.takedown_json).where(
                Registration.number == number
            )
        ).one()
        refuse_if_taken_down(number, takedown_json)
        refuse_unless_publishable(number, status)
        if work.published_at is None or work.stored_cid is None:
            raise ContentIsPrivate(
                f"the content of {number} is not published", details={"number": number}
            )
        stored_cid = work.stored_cid
    return read_content(store, CID.decode(stored_cid))


def publish_work(
    sessions: sessionmaker[Session],
    store: ContentStore,
    protection: ContentProtection,
    number: str,
    *,
    now: Callable[[], datetime],
    moderation: ModerationGate | None = None,
) -> datetime:
    """Store registration ``number``'s work in the clear (its CID becomes fetchable as is) and
    record the publication; the ciphertext is unpinned. Publishing twice changes nothing.

    A registration moderation holds or rejected is not published (:func:`refuse_unless_publishable`,
    before anything else). With ``moderation`` the hook chain runs first
    (``registry.moderation.review``): a held or rejected publication raises and stores nothing in
    the clear."""
    with sessions() as session:
        work = _work_of(session, number)
        refuse_unless_publishable(
            number,
            session.scalar(select(Registration.status).where(Registration.number == number)),
        )
        if work.published_at is not None:
            return as_utc(work.published_at)
        old_root = work.stored_cid
    if moderation is not None:
        check_publication(
            moderation,
            sessions,
            number,
            lambda: open_content(sessions, store, protection, number),
            now(),
        )
    plaintext = chunk_stream(lambda: open_content(sessions, store, protection, number))
    stored = ingest(plaintext, store, max_bytes=2**53 - 1)
    with unit_of_work(sessions) as session:
        work = _work_of(session, number)
        if stored.cid != work.cid:
            raise ContentNotFound(f"stored content of {number} does not match its CID")
        work.stored_cid = stored.cid
        work.encryption = None
        published_at = now()
        work.published_at = published_at
    if old_root and old_root != stored.cid:
        store.unpin(CID.decode(old_root))
    return published_at


def refuse_unless_publishable(number: str, status: str | None) -> None:
    """Raise :class:`PublicationHeld` while moderation holds registration ``number`` and
    :class:`PublicationRejected` once it rejected it: neither is published, nor served."""
    if status == RegistrationStatus.HELD:
        raise PublicationHeld(
            f"登记 {number} 待审核，审核通过前不公开 / registration {number} awaits a "
            "moderator's decision: it is not published before it is accepted",
            details={"registration": number, "status": status},
        )
    if status == RegistrationStatus.REJECTED:
        raise PublicationRejected(
            f"登记 {number} 未经审核通过，不公开 / registration {number} was not accepted by "
            "moderation: it is not published",
            details={"registration": number, "status": status},
        )


def _work_of(session: Session, number: str) -> Work:
    work = session.scalar(select(Work).join(Registration).where(Registration.number == number))
    if work is None:
        raise RegistrationNotFound.numbered(number)
    return work
