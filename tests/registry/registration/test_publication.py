"""Private works are stored encrypted; owners and the registry can read them; publishing."""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path

import pytest
from multiformats import CID
from sqlalchemy import select, update

from crypto.signing import KeySigner, generate_private_key
from crypto.sm2 import SM2PrivateKey
from crypto.stream import decrypt_stream
from crypto.symmetric import WrappedKey, unwrap_key_with
from registry.content.store import LocalBlockstore, read_content
from registry.core.errors import (
    ContentIsPrivate,
    PublicationHeld,
    PublicationRejected,
    RegistryError,
)
from registry.core.metadata import WorkMetadata
from registry.core.models import ContentKey, Registration, Work
from registry.core.views import RegistrationView
from registry.moderation.builtin import Lexicon, LexiconHook
from registry.moderation.hooks import HookChain, Verdict
from registry.moderation.review import ModerationGate, decide_review_item, list_review_items
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


def set_status(runtime: Runtime, number: str, status: str) -> None:
    with runtime.sessions.begin() as session:
        session.execute(
            update(Registration).where(Registration.number == number).values(status=status)
        )


@pytest.mark.parametrize(
    ("status", "refusal"), [("held", PublicationHeld), ("rejected", PublicationRejected)]
)
def test_a_withheld_registration_is_never_served_whatever_its_work_records(
    runtime: Runtime, status: str, refusal: type[RegistryError]
) -> None:
    """A work recorded as published (before this rule, or published and then held) is not
    served while moderation holds its registration or once it rejected it; nor published."""
    view = register(runtime, publish=True)
    set_status(runtime, view.number, status)
    with pytest.raises(refusal) as refused:
        b"".join(open_published_content(runtime.sessions, runtime.store, view.number))
    assert refused.value.code == refusal.code
    assert refused.value.message.startswith(f"登记 {view.number} ")
    with pytest.raises(refusal):
        publish_work(
            runtime.sessions, runtime.store, runtime.protection, view.number, now=runtime.now
        )
    set_status(runtime, view.number, "pending")  # accepted (or an appeal granted)
    assert b"".join(open_published_content(runtime.sessions, runtime.store, view.number)) == SECRET


def test_a_held_registration_asked_to_be_published_is_published_by_its_registrant_once_accepted(
    runtime: Runtime, tmp_path: Path
) -> None:
    """The rule once a moderator accepts a held registration that asked to be published: it
    stays unpublished (a private work), and its registrant publishes it, the hooks checking the
    publication again, as for any private work."""
    words = tmp_path / "words.txt"
    words.write_text("手稿\n", encoding="utf-8")
    hook = LexiconHook(Lexicon.load([words]), Verdict.HOLD)
    registrar = Registrar(
        runtime.sessions,
        runtime.store,
        max_bytes=1 << 24,
        now=runtime.now,
        protection=runtime.protection,
        moderation=lambda key: ModerationGate(HookChain((hook,)), submitted_by=key),
    )
    view = registrar.register(io.BytesIO(SECRET), WorkMetadata(title="书"), publish=True)
    assert (view.status, view.published_at) == ("held", None)
    with pytest.raises(PublicationHeld) as held:
        registrar.publish(view.number)  # refused before the hooks: no publication item yet
    assert held.value.details == {"registration": view.number, "status": "held"}
    assert list_review_items(runtime.sessions, kind="publication") == []

    (item,) = list_review_items(runtime.sessions, kind="registration")
    decide = functools.partial(
        decide_review_item, runtime.sessions, moderator="m-1", reason="", now=runtime.now
    )
    decide(item.id, accept=True)
    with pytest.raises(ContentIsPrivate):
        b"".join(open_published_content(runtime.sessions, runtime.store, view.number))
    assert b"".join(registrar.content(view.number)) == SECRET

    with pytest.raises(PublicationHeld) as publication:
        registrar.publish(view.number)  # the hooks check the publication: held again
    (waiting,) = list_review_items(runtime.sessions, kind="publication")
    assert publication.value.details["review_item"] == waiting.id
    with pytest.raises(ContentIsPrivate):
        b"".join(open_published_content(runtime.sessions, runtime.store, view.number))
    decide(waiting.id, accept=True)
    registrar.publish(view.number)
    assert b"".join(open_published_content(runtime.sessions, runtime.store, view.number)) == SECRET
