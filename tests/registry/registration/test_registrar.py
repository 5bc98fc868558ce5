"""register_work on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from multiformats import CID
from sqlalchemy import func, select

from crypto.canonical import canonical_json
from crypto.claims import Claim, claim_leaf_v1
from registry.content.store import LocalBlockstore, read_content
from registry.content.unixfs import cid_v1_rawleaves_256k
from registry.core.errors import (
    EmptyFile,
    IdempotencyKeyReused,
    InvalidMetadata,
    PublicationHeld,
    PublicationRejected,
    RegistryError,
    UploadTooLarge,
)
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration, Work
from registry.core.views import RegistrationView
from registry.moderation.builtin import Lexicon, LexiconHook
from registry.moderation.hooks import HookChain, Verdict
from registry.moderation.review import ModerationGate
from registry.platform.runtime import Runtime
from registry.registration.publication import open_content, open_published_content
from registry.registration.registrar import Registrar

BOOK = "第一章 天下大势，分久必合，合久必分。".encode() * 100
METADATA = WorkMetadata(title="三国演义", authors=("罗贯中",), isbn="9787020008728", language="zh")


def register(
    runtime: Runtime,
    content: bytes,
    metadata: WorkMetadata = METADATA,
    *,
    max_bytes: int = 1 << 20,
    idempotency_key: str | None = None,
) -> RegistrationView:
    return Registrar(
        runtime.sessions, runtime.store, max_bytes=max_bytes, now=runtime.now
    ).register(io.BytesIO(content), metadata, idempotency_key=idempotency_key)


def count_rows(runtime: Runtime) -> tuple[int, int]:
    with runtime.sessions() as session:
        works = session.scalar(select(func.count()).select_from(Work))
        registrations = session.scalar(select(func.count()).select_from(Registration))
    return works or 0, registrations or 0


def stored_files(runtime: Runtime) -> list[Path]:
    store = runtime.store
    assert isinstance(store, LocalBlockstore)
    return [p for p in store.root.rglob("*") if p.is_file()]


def test_registration_is_stored_pending_with_its_claim_and_leaf(runtime: Runtime) -> None:
    view = register(runtime, BOOK)
    assert view.status == "pending"
    assert view.number.startswith(f"BQ-{view.registered_at.year}-")
    assert view.sha256 == hashlib.sha256(BOOK).hexdigest()
    assert view.sm3 == hashlib.new("sm3", BOOK).hexdigest()
    claim = Claim.from_json(view.claim)
    assert claim.sha256 == view.sha256
    assert claim.size == len(BOOK)
    assert claim_leaf_v1(canonical_json(view.claim)).hex() == view.leaf
    assert view.cid == str(cid_v1_rawleaves_256k(BOOK))
    assert view.iscc_content is not None  # the book is text: it has a Content-Code
    assert claim.cid == view.cid
    assert b"".join(read_content(runtime.store, CID.decode(view.cid))) == BOOK


def test_same_content_registered_twice_gets_two_numbers_and_leaves(runtime: Runtime) -> None:
    first, second = register(runtime, BOOK), register(runtime, BOOK)
    assert first.number != second.number
    assert first.leaf != second.leaf
    assert count_rows(runtime) == (2, 2)


def test_empty_file_is_refused_and_nothing_is_stored(runtime: Runtime) -> None:
    with pytest.raises(EmptyFile):
        register(runtime, b"")
    assert count_rows(runtime) == (0, 0)
    assert stored_files(runtime) == []


def test_upload_over_the_limit_is_refused_and_nothing_is_stored(runtime: Runtime) -> None:
    with pytest.raises(UploadTooLarge) as caught:
        register(runtime, b"x" * 5000, max_bytes=4096)
    assert caught.value.details == {"max_bytes": 4096}
    assert count_rows(runtime) == (0, 0)
    assert stored_files(runtime) == []


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        {},
        {"title": ""},
        {"title": "  "},
        {"title": 5},
        {"title": "t", "authors": "x"},
        {"title": "t", "isbn": 9787020008728},
        {"title": "t", "colour": "red"},
    ],
)
def test_invalid_metadata_is_refused(raw: object) -> None:
    with pytest.raises(InvalidMetadata):
        WorkMetadata.from_mapping(raw)


def test_retry_with_the_same_idempotency_key_returns_the_first_registration(
    runtime: Runtime,
) -> None:
    first = register(runtime, BOOK, idempotency_key="upload-42")
    again = register(runtime, BOOK, idempotency_key="upload-42")
    assert again == first
    assert count_rows(runtime) == (1, 1)
    other = register(runtime, BOOK, idempotency_key="upload-43")
    assert other.number != first.number


def test_idempotency_key_reused_for_another_request_is_a_conflict(runtime: Runtime) -> None:
    register(runtime, BOOK, idempotency_key="upload-42")
    with pytest.raises(IdempotencyKeyReused):
        register(runtime, b"another book", idempotency_key="upload-42")
    with pytest.raises(IdempotencyKeyReused):
        register(runtime, BOOK, WorkMetadata(title="另一个标题"), idempotency_key="upload-42")
    assert count_rows(runtime) == (1, 1)


def test_parallel_writers_get_unique_numbers_and_one_result_per_key(runtime: Runtime) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        distinct = list(pool.map(lambda n: register(runtime, f"book {n}".encode()), range(40)))
        same_key = list(pool.map(lambda _: register(runtime, BOOK, idempotency_key="k"), range(16)))
    assert len({v.number for v in distinct}) == 40
    assert len({v.number for v in same_key}) == 1
    assert count_rows(runtime) == (41, 41)


# ------------------------------------------- a registration moderation withholds is not published

WITHHELD = "正文里有机密内容。".encode() * 30000  # a few leaves, a lexicon term in the text
WORDS = "机密"


def moderated(
    runtime: Runtime, tmp_path: Path, verdict: Verdict, *, protection: bool = True
) -> Registrar:
    """A registrar whose hook chain is a real lexicon hook answering ``verdict`` on a match."""
    words = tmp_path / "words.txt"
    words.write_text(f"{WORDS}\n", encoding="utf-8")
    hook = LexiconHook(Lexicon.load([words]), verdict)
    return Registrar(
        runtime.sessions,
        runtime.store,
        max_bytes=1 << 24,
        now=runtime.now,
        protection=runtime.protection if protection else None,
        moderation=lambda submitted_by: ModerationGate(
            HookChain((hook,)), submitted_by=submitted_by
        ),
    )


def stored_bytes(runtime: Runtime) -> bytes:
    store = runtime.store
    assert isinstance(store, LocalBlockstore)
    return b"".join(p.read_bytes() for p in store.blocks.rglob("*") if p.is_file())


class OneWayStream(io.BytesIO):
    """An upload that can be read once only (no rewinding)."""

    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize(
    ("verdict", "status", "refusal"),
    [
        (Verdict.HOLD, "held", PublicationHeld),
        (Verdict.REJECT, "rejected", PublicationRejected),
    ],
)
def test_an_upload_moderation_withholds_is_not_published_though_asked(
    runtime: Runtime,
    tmp_path: Path,
    verdict: Verdict,
    status: str,
    refusal: type[RegistryError],
) -> None:
    """The adversary's attempt: publish=true with content the hooks hold or reject. It is
    recorded (never lost) but stored as a private work is: encrypted, unpublished, its plaintext
    never committed to the content store, and refused to anyone asking for the published bytes."""
    view = moderated(runtime, tmp_path, verdict).register(
        io.BytesIO(WITHHELD), METADATA, publish=True
    )
    assert view.status == status
    assert view.published_at is None
    assert WORDS.encode() not in stored_bytes(runtime)
    assert view.cid is not None
    assert not runtime.store.has_block(CID.decode(view.cid))
    with runtime.sessions() as session:
        work = session.scalars(select(Work)).one()
        assert work.encryption is not None
        assert work.stored_cid != view.cid
    with pytest.raises(refusal) as refused:
        b"".join(open_published_content(runtime.sessions, runtime.store, view.number))
    assert refused.value.details == {"registration": view.number, "status": status}
    # Its registrant (here the operator) still reads it back, decrypted.
    content = open_content(runtime.sessions, runtime.store, runtime.protection, view.number)
    assert b"".join(content) == WITHHELD
    # An accepted upload asked to be published is published as before.
    accepted = moderated(runtime, tmp_path, verdict).register(
        io.BytesIO(BOOK), METADATA, publish=True
    )
    assert (accepted.status, accepted.published_at is not None) == ("pending", True)
    assert b"".join(open_published_content(runtime.sessions, runtime.store, accepted.number)) == (
        BOOK
    )


@pytest.mark.parametrize("case", ["no master key", "a stream that cannot rewind"])
def test_a_withheld_upload_that_cannot_be_encrypted_is_kept_unpublished(
    runtime: Runtime, tmp_path: Path, case: str
) -> None:
    """Without a master key (or a second read of the upload) it cannot be stored encrypted: its
    blocks stay as uploaded, and it is still not published, nor served."""
    registrar = moderated(runtime, tmp_path, Verdict.HOLD, protection=case == "no master key")
    content = OneWayStream(WITHHELD) if case != "no master key" else io.BytesIO(WITHHELD)
    metadata = WorkMetadata(title=f"{WORDS}文件")  # the title matches when the text cannot
    view = registrar.register(content, metadata, publish=True)
    assert (view.status, view.published_at) == ("held", None)
    with pytest.raises(PublicationHeld):
        b"".join(open_published_content(runtime.sessions, runtime.store, view.number))
