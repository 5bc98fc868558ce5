"""Publishing a private work passes the hook chain: held until a moderator accepts, or refused;
nothing is stored in the clear before."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from registry.core.errors import PublicationHeld, PublicationRejected
from registry.core.metadata import WorkMetadata
from registry.core.models import Event, Work
from registry.moderation.builtin import Lexicon, LexiconHook
from registry.moderation.hooks import HookChain, Verdict
from registry.moderation.review import ModerationGate, decide_review_item, list_review_items
from registry.platform.runtime import Runtime
from registry.registration.publication import publish_work
from registry.registration.registrar import Registrar


def private_work(runtime: Runtime, text: str) -> str:
    return (
        Registrar(
            runtime.sessions,
            runtime.store,
            max_bytes=1 << 20,
            now=runtime.now,
            protection=runtime.protection,
        )
        .register(io.BytesIO(text.encode()), WorkMetadata(title="私有作品"))
        .number
    )


def gate(tmp_path: Path, verdict: Verdict) -> ModerationGate:
    (tmp_path / "words.txt").write_text("机密\n", encoding="utf-8")
    hook = LexiconHook(Lexicon.load([tmp_path / "words.txt"]), verdict)
    return ModerationGate(HookChain((hook,)), submitted_by="key-1")


def published(runtime: Runtime, number: str) -> bool:
    with runtime.sessions() as session:
        work = session.query(Work).filter(Work.title == "私有作品").one()
        return work.published_at is not None


def test_held_publication_waits_for_a_moderator(runtime: Runtime, tmp_path: Path) -> None:
    number = private_work(runtime, "正文里有机密内容")
    moderation = gate(tmp_path, Verdict.HOLD)

    def publish() -> object:
        return publish_work(
            runtime.sessions,
            runtime.store,
            runtime.protection,
            number,
            now=runtime.now,
            moderation=moderation,
        )

    with pytest.raises(PublicationHeld) as held:
        publish()
    assert not published(runtime, number)
    item = held.value.details["review_item"]
    (waiting,) = list_review_items(runtime.sessions, kind="publication")
    assert waiting.id == item
    details = waiting.hook_results[0]["details"]
    assert isinstance(details, dict)
    assert details["matches"][0]["field"] == "content"
    with pytest.raises(PublicationHeld):
        publish()  # still waiting: the hooks do not run again
    decide_review_item(
        runtime.sessions, int(str(item)), moderator="m-1", accept=True, reason="", now=runtime.now
    )
    publish()
    assert published(runtime, number)
    with runtime.sessions() as session:
        (told,) = session.query(Event).filter(Event.type == "review_decided").all()
        payload = json.loads(told.payload_json)
    assert (payload["kind"], payload["decision"], payload["number"]) == (
        "publication",
        "approved",
        number,
    )
    assert payload["summary"]["zh-CN"].startswith("公开发布经审核通过")


def test_rejected_publication_stores_nothing_in_the_clear(runtime: Runtime, tmp_path: Path) -> None:
    number = private_work(runtime, "机密")
    with pytest.raises(PublicationRejected):
        publish_work(
            runtime.sessions,
            runtime.store,
            runtime.protection,
            number,
            now=runtime.now,
            moderation=gate(tmp_path, Verdict.REJECT),
        )
    assert not published(runtime, number)
