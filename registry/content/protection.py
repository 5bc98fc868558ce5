"""A work's content encryption: a content key per work, wrapped for each holder.

A private work is stored as ``banquan.enc/1`` ciphertext under a content key of its own. That
key is kept wrapped: by the registry's master key (always) and, when the registrant signed with
an SM2 key, encrypted to that key too, so the owner can decrypt without the registry. The
anchored digests and the claim's CID are always those of the plaintext.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from crypto.signing import PublicKey
from crypto.sm2 import SM2PublicKey
from crypto.symmetric import Cipher, WrappedKey, new_key, unwrap_key, wrap_key, wrap_key_to
from registry.content.ingest import ContentEncryption, IngestedContent
from registry.core.models import ContentKey

MASTER = "master"

# Every private registration writes its keys: the statement is made once.
_INSERT_KEYS = insert(ContentKey)


@dataclass(frozen=True)
class ContentProtection:
    """The registry's content cipher and master key (from settings)."""

    cipher: Cipher
    master_key: bytes

    def new_encryption(self) -> ContentEncryption:
        return ContentEncryption(self.cipher, new_key(self.cipher))

    def wrap(self, encryption: ContentEncryption, stored_cid: str) -> WrappedKey:
        """``encryption``'s key wrapped by the master key, bound to the stored content's CID."""
        return wrap_key(
            self.master_key[: self.cipher.key_size],
            encryption.key,
            cipher=self.cipher,
            context=stored_cid.encode(),
        )

    def unwrap(self, wrapped: WrappedKey, stored_cid: str) -> bytes:
        """The content key of the content stored under ``stored_cid``, unwrapped."""
        key_size = Cipher.parse(wrapped.method).key_size
        return unwrap_key(self.master_key[:key_size], wrapped, context=stored_cid.encode())


def wrapped_keys(
    protection: ContentProtection,
    encryption: ContentEncryption,
    stored: IngestedContent,
    owner: PublicKey | None,
    owner_id: str | None,
) -> dict[str, WrappedKey]:
    """The content key wrapped for each holder: the master key, and an SM2 owner's own key."""
    keys = {MASTER: protection.wrap(encryption, stored.stored_cid)}
    if isinstance(owner, SM2PublicKey) and owner_id is not None:
        keys[owner_id] = wrap_key_to(owner, encryption.key)
    return keys


def insert_content_keys(
    session: Session, work_id: int, keys: dict[str, WrappedKey], now: datetime
) -> None:
    """Keep ``keys`` (from :func:`wrapped_keys`) for work ``work_id`` in ``session``'s
    transaction, one row per holder."""
    rows = [
        {"work_id": work_id, "holder": holder, "wrapped_json": json.dumps(key.to_json()),
         "created_at": now}
        for holder, key in keys.items()
    ]  # fmt: skip
    session.connection().execute(_INSERT_KEYS, rows)
