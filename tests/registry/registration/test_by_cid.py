"""Registering content already in the content store by its CID: read back, ingested like an
upload, and refused when the CID is unknown, malformed or of another layout."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.content.ingest import ingest
from registry.content.unixfs import CHUNK_SIZE, RAW, cid_of, cid_v1_rawleaves_256k
from registry.core.errors import (
    CidMismatch,
    ContentIsPrivate,
    ContentNotFound,
    InvalidDigest,
    PublicationRejected,
)
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration, Work
from registry.moderation.builtin import Lexicon, LexiconHook
from registry.moderation.hooks import HookChain, Verdict
from registry.moderation.review import ModerationGate
from registry.platform.runtime import Runtime
from registry.registration.publication import open_published_content
from registry.registration.registrar import Registrar

META = WorkMetadata.from_mapping({"title": "已在 IPFS 上的书", "authors": ["某作者"]})


def registrations(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Registration)) or 0


def registrar(runtime: Runtime) -> Registrar:
    return Registrar(runtime.sessions, runtime.store, max_bytes=1 << 30, now=runtime.now)


def register(runtime: Runtime, cid: str) -> str:
    return registrar(runtime).register_by_cid(cid, META).number


def test_content_added_beforehand_is_registered_as_published(runtime: Runtime) -> None:
    data = os.urandom(CHUNK_SIZE * 2 + 1000)  # three leaves under a DAG-PB root
    added = ingest(io.BytesIO(data), runtime.store, max_bytes=1 << 30)  # what `ipfs add` did
    view = registrar(runtime).register_by_cid(added.cid, META)
    assert (view.cid, view.size, view.sha256) == (added.cid, len(data), added.digests.sha256_hex)
    assert view.published_at is not None
    assert view.claim["content"] == {
        "cid": str(cid_v1_rawleaves_256k(data)),
        "sha256": added.digests.sha256_hex,
        "sm3": added.digests.sm3_hex,
        "size": len(data),
    }


def test_an_unknown_or_malformed_cid_records_nothing(runtime: Runtime) -> None:
    absent = str(cid_v1_rawleaves_256k(b"never added"))
    with pytest.raises(ContentNotFound):
        register(runtime, absent)
    with pytest.raises(InvalidDigest):
        register(runtime, "bafy-not-a-cid")
    assert registrations(runtime) == 0


def test_content_of_another_layout_is_refused(runtime: Runtime) -> None:
    data = os.urandom(CHUNK_SIZE + 1)  # `ipfs add` makes two leaves; here: one raw block
    whole = cid_of(RAW, data)
    writer = runtime.store.writer()
    writer.put(whole, data)
    writer.commit(whole)
    with pytest.raises(CidMismatch) as refused:
        register(runtime, str(whole))
    assert refused.value.details["computed"] == str(cid_v1_rawleaves_256k(data))
    assert registrations(runtime) == 0


def test_content_by_cid_that_moderation_rejects_is_not_published(
    runtime: Runtime, tmp_path: Path
) -> None:
    """Registered by CID (as published, normally), content the hooks reject is recorded but
    stored encrypted and not published: the registry serves none of it."""
    data = "盗版的全文。".encode() * 100_000  # a few leaves
    added = ingest(io.BytesIO(data), runtime.store, max_bytes=1 << 30)  # the publisher's add
    words = tmp_path / "words.txt"
    words.write_text("盗版\n", encoding="utf-8")
    hook = LexiconHook(Lexicon.load([words]), Verdict.REJECT)
    view = Registrar(
        runtime.sessions,
        runtime.store,
        max_bytes=1 << 30,
        now=runtime.now,
        protection=runtime.protection,
        moderation=lambda key: ModerationGate(HookChain((hook,)), submitted_by=key),
    ).register_by_cid(added.cid, META)
    assert (view.status, view.published_at, view.cid) == ("rejected", None, added.cid)
    with runtime.sessions() as session:
        work = session.scalars(select(Work)).one()
        assert (work.encryption is not None, work.stored_cid != added.cid) == (True, True)
    with pytest.raises(PublicationRejected):
        b"".join(open_published_content(runtime.sessions, runtime.store, view.number))


def test_content_registered_here_is_read_for_another_only_where_it_is_served(
    runtime: Runtime,
) -> None:
    """The store holds what the registry withholds too: another publisher registers by CID the
    content a registration publishes, never a private work's (its clear CID or its
    ciphertext's)."""
    protected = Registrar(
        runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now,
        protection=runtime.protection,
    )  # fmt: skip
    public = protected.register(
        io.BytesIO(os.urandom(3000)), META, submitted_by="key-a", publish=True
    )
    assert public.cid is not None
    again = protected.register_by_cid(public.cid, META, submitted_by="key-b")
    assert again.sha256 == public.sha256

    private = protected.register(io.BytesIO(os.urandom(3000)), META, submitted_by="key-a")
    with runtime.sessions() as session:
        stored = session.scalar(
            select(Work.stored_cid).join(Registration).where(Registration.number == private.number)
        )
    assert stored is not None
    assert stored != private.cid
    before = registrations(runtime)
    for cid in (private.cid, stored):
        assert cid is not None
        with pytest.raises(ContentIsPrivate) as refused:
            protected.register_by_cid(cid, META, submitted_by="key-b")
        assert refused.value.details == {"cid": cid}
    assert registrations(runtime) == before
