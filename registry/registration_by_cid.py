"""Use case: register content already in the content store (added to IPFS by the publisher),
named by its CID instead of uploaded.

The blocks are read back from the store and go through the same one-pass ingest as an upload
(digests, CID, ISCC codes), so the claim rests on what was read, not on what was said: the CID
computed must be the one given, which holds for content added as
``ipfs add --cid-version=1 --raw-leaves`` (UnixFS, raw leaves, 256 KiB chunks). Content on IPFS
is public, so such a work is registered as published.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from multiformats import CID
from sqlalchemy.orm import Session, sessionmaker

from registry.claims import ClientSignedClaim
from registry.content_store import ContentStore, read_content
from registry.errors import InvalidDigest
from registry.metadata import WorkMetadata
from registry.moderation.review import ModerationGate
from registry.registration import register_work
from registry.unixfs import CHUNK_SIZE, cid_text, parse_cid
from registry.views import RegistrationView


class _StoredContent(io.RawIOBase):
    """The content under ``root`` as a readable stream that can rewind (moderation hooks read
    the text again from the start): each rewind walks the DAG anew."""

    def __init__(self, store: ContentStore, root: CID) -> None:
        super().__init__()
        self._store, self._root = store, root
        self._rewind()

    def _rewind(self) -> None:
        self._chunks = read_content(self._store, self._root)
        self._pending = b""
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self._position += size
        return size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if (offset, whence) == (0, io.SEEK_SET):
            self._rewind()
        elif (offset, whence) != (0, io.SEEK_CUR):
            raise io.UnsupportedOperation("only a rewind to the start")
        return self._position

    def tell(self) -> int:
        return self._position


def canonical_cid(text: str) -> str:
    """The canonical (base32) text of a CID; :class:`InvalidDigest` for anything else."""
    try:
        return cid_text(parse_cid(text))
    except ValueError as exc:
        raise InvalidDigest(f"not a CID: {text[:100]!r}", details={"cid": text[:100]}) from exc


def register_by_cid(
    sessions: sessionmaker[Session],
    store: ContentStore,
    cid: str,
    metadata: WorkMetadata,
    *,
    max_bytes: int,
    now: Callable[[], datetime],
    idempotency_key: str | None = None,
    idempotency_scope: str = "",
    client_signed: ClientSignedClaim | None = None,
    moderation: ModerationGate | None = None,
    submitted_by: str | None = None,
) -> RegistrationView:
    """Register the content stored under ``cid`` (published); as :func:`register_work`, plus
    :class:`ContentNotFound` when the store lacks a block and :class:`CidMismatch` when the
    content was added with another layout."""
    canonical = canonical_cid(cid)
    content = io.BufferedReader(_StoredContent(store, CID.decode(canonical)), CHUNK_SIZE)
    return register_work(
        sessions, store, content, metadata,
        max_bytes=max_bytes, now=now, idempotency_key=idempotency_key,
        idempotency_scope=idempotency_scope, client_signed=client_signed, publish=True,
        moderation=moderation, submitted_by=submitted_by, expected_cid=canonical,
    )  # fmt: skip
