"""Use cases on a work's content: keep it encrypted, read it back, publish it.

A private work is stored as ``banquan.enc/1`` ciphertext under a content key of its own. That
key is kept wrapped: by the registry's master key (always) and, when the registrant signed with
an SM2 key, encrypted to that key too, so the owner can decrypt without the registry. The
anchored digests and the claim's CID are always those of the plaintext.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from multiformats import CID
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crypto.signing import PublicKey
from crypto.sm2 import SM2PublicKey
from crypto.stream import decrypt_stream
from crypto.symmetric import Cipher, WrappedKey, new_key, unwrap_key, wrap_key, wrap_key_to
from registry.content_store import ContentStore, read_content
from registry.database import unit_of_work
from registry.errors import ContentIsPrivate, ContentNotFound, RegistrationNotFound
from registry.ingest import ContentEncryption, IngestedContent, ingest
from registry.models import ContentKey, Registration, Work
from registry.moderation.review import ModerationGate, check_publication
from registry.views import as_utc

MASTER = "master"


@dataclass(frozen=True)
class ContentProtection:
    """The registry's content cipher and master key (from settings)."""

    cipher: Cipher
    master_key: bytes

    def new_encryption(self) -> ContentEncryption:
        return ContentEncryption(self.cipher, new_key(self.cipher))


def wrapped_keys(
    protection: ContentProtection,
    encryption: ContentEncryption,
    stored: IngestedContent,
    owner: PublicKey | None,
    owner_id: str | None,
) -> dict[str, WrappedKey]:
    """The content key wrapped for each holder: the master key, and an SM2 owner's own key."""
    keys = {
        MASTER: wrap_key(
            protection.master_key[: protection.cipher.key_size],
            encryption.key,
            cipher=protection.cipher,
            context=stored.stored_cid.encode(),
        )
    }
    if isinstance(owner, SM2PublicKey) and owner_id is not None:
        keys[owner_id] = wrap_key_to(owner, encryption.key)
    return keys


def content_key_rows(keys: dict[str, WrappedKey], now: datetime) -> list[ContentKey]:
    return [
        ContentKey(holder=holder, wrapped_json=json.dumps(key.to_json()), created_at=now)
        for holder, key in keys.items()
    ]


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
    key = unwrap_key(
        protection.master_key[: Cipher.parse(wrapped.method).key_size],
        wrapped,
        context=stored_cid.encode(),
    )
    return decrypt_stream(key, blocks)


def open_published_content(
    sessions: sessionmaker[Session], store: ContentStore, number: str
) -> Iterator[bytes]:
    """The content of a published work, for anyone; :class:`ContentIsPrivate` otherwise."""
    with sessions() as session:
        work = _work_of(session, number)
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

    With ``moderation`` the hook chain runs first (``registry.moderation.review``): a held or
    rejected publication raises and stores nothing in the clear."""
    with sessions() as session:
        work = _work_of(session, number)
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
    plaintext = _ChunkReader(open_content(sessions, store, protection, number))
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


def _work_of(session: Session, number: str) -> Work:
    work = session.scalar(select(Work).join(Registration).where(Registration.number == number))
    if work is None:
        raise RegistrationNotFound(f"no registration {number!r}", details={"number": number})
    return work


class _ChunkReader:
    """A file-like ``read`` over an iterator of byte chunks (for re-ingesting a stream)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            size = len(self._buffer)
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out
