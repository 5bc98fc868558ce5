"""Private works are stored encrypted; owners and the registry can read them; publishing."""

from __future__ import annotations

import io
import json

import pytest
from multiformats import CID
from sqlalchemy import select

from crypto.signing import KeySigner, generate_private_key
from crypto.sm2 import SM2PrivateKey
from crypto.stream import decrypt_stream
from crypto.symmetric import WrappedKey, unwrap_key_with
from registry.content.store import LocalBlockstore, read_content
from registry.core.errors import ContentIsPrivate
from registry.core.metadata import WorkMetadata
from registry.core.models import ContentKey, Work
from registry.core.views import RegistrationView
from registry.platform.runtime import Runtime
from registry.registration.publication import open_content, open_published_content, publish_work
from registry.registration.registrar import Registrar

SECRET = "未发表的手稿：第一章。".encode() * 30000  # a few segments


def register(
    runtime: Runtime, *, signer: KeySigner | None = None, publish: bool = False
) -> RegistrationView:
    registrar = Registrar(
        runtime.sessions,
        runtime.store,
        max_bytes=1 << 24,
        now=runtime.now,
        protection=runtime.protection,
        signer=signer,
    )
    return registrar.register(io.BytesIO(SECRET), WorkMetadata(title="手稿"), publish=publish)


def stored_bytes(runtime: Runtime) -> bytes:
    store = runtime.store
    assert isinstance(store, LocalBlockstore)
    return b"".join(p.read_bytes() for p in store.blocks.rglob("*") if p.is_file())


def test_private_work_is_stored_encrypted_and_reads_back(runtime: Runtime) -> None:
    view = register(runtime)
    assert view.published_at is None
    assert "未发表的手稿".encode() not in stored_bytes(runtime)
    assert (
        b"".join(open_content(runtime.sessions, runtime.store, runtime.protection, view.number))
        == SECRET
    )
    with pytest.raises(ContentIsPrivate):
        open_published_content(runtime.sessions, runtime.store, view.number)


def test_sm2_owner_can_decrypt_without_the_registry(runtime: Runtime) -> None:
    private_key = generate_private_key("sm2")
    assert isinstance(private_key, SM2PrivateKey)
    signer = KeySigner(private_key)
    view = register(runtime, signer=signer)
    assert view.registrant is not None
    with runtime.sessions() as session:
        rows = {row.holder: row for row in session.scalars(select(ContentKey))}
    assert set(rows) == {"master", view.registrant}
    key = unwrap_key_with(
        private_key, WrappedKey.from_json(json.loads(rows[view.registrant].wrapped_json))
    )
    with runtime.sessions() as session:
        stored_cid = session.scalars(select(Work.stored_cid)).one()
    assert stored_cid is not None
    ciphertext = read_content(runtime.store, CID.decode(stored_cid))
    assert b"".join(decrypt_stream(key, ciphertext)) == SECRET


def test_publishing_stores_the_plaintext_under_the_claimed_cid(runtime: Runtime) -> None:
    view = register(runtime)
    published_at = publish_work(
        runtime.sessions, runtime.store, runtime.protection, view.number, now=runtime.now
    )
    assert view.cid is not None
    assert b"".join(read_content(runtime.store, CID.decode(view.cid))) == SECRET
    assert b"".join(open_published_content(runtime.sessions, runtime.store, view.number)) == SECRET
    again = publish_work(
        runtime.sessions, runtime.store, runtime.protection, view.number, now=runtime.now
    )
    assert again == published_at
    store = runtime.store
    assert isinstance(store, LocalBlockstore)
    assert store.is_pinned(CID.decode(view.cid))
    assert len(list(store.pins.iterdir())) == 1  # the ciphertext root was unpinned


def test_work_registered_as_published_is_stored_in_the_clear(runtime: Runtime) -> None:
    view = register(runtime, publish=True)
    assert view.published_at == view.registered_at
    assert "未发表的手稿".encode() in stored_bytes(runtime)
