"""The conflict hook compares parties, not keys: a party's own registrations never conflict with
each other (whichever of its keys signed); an exact duplicate by another party is accepted and
marked as a later claim; a near-duplicate by another party is held."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cli.launcher import AnvilProcess
from crypto.signing import KeySigner, PrivateKey, generate_private_key
from registry.access.parties import create_party, key_identifier
from registry.core.database import migrate
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration, ReviewItem
from registry.core.views import RegistrationView
from registry.platform.runtime import Runtime, build_runtime
from tests.conftest import make_settings

BOOK = " ".join(
    f"第{n}章 风起云涌，天下大势分久必合合久必分。The river flows east {n}." for n in range(400)
).encode()
EDITED = BOOK.replace("第7章".encode(), "第七章".encode())


@pytest.fixture
def runtime(tmp_path: Path, database_url: str, anvil: AnvilProcess) -> Iterator[Runtime]:
    settings = make_settings(
        tmp_path / "data", database_url, anvil.rpc_url, moderation_hooks=["blocklist", "conflict"]
    )
    built = build_runtime(settings)
    migrate(built.engine)
    yield built
    built.close()


def party_with_keys(runtime: Runtime, name: str, count: int = 1) -> list[PrivateKey]:
    keys = [generate_private_key("sm2") for _ in range(count)]
    create_party(
        runtime.sessions,
        public_name=name,
        keys=[key_identifier(k.public_key) for k in keys],
        now=runtime.now,
    )
    return keys


def register(
    runtime: Runtime,
    key: PrivateKey,
    content: bytes,
    isbn: str | None = None,
    dci: str | None = None,
) -> RegistrationView:
    registrar = runtime.registrar.signing_with(KeySigner(key))
    fields = {"title": "作品", "isbn": isbn, "dci": dci}
    # As received: the ISBN normalized, the DCI upper-cased.
    metadata = WorkMetadata.from_mapping({k: v for k, v in fields.items() if v is not None})
    return registrar.register(io.BytesIO(content), metadata, publish=True)


def conflict_result(runtime: Runtime, number: str) -> dict[str, Any]:
    with runtime.sessions() as session:
        results = session.scalar(
            select(ReviewItem.hook_results_json)
            .join(Registration, ReviewItem.registration_id == Registration.id)
            .where(Registration.number == number)
        )
    assert results is not None
    (conflict,) = [r for r in json.loads(results) if r["hook"] == "conflict"]
    found: dict[str, Any] = conflict
    return found


def test_another_party_registering_the_same_file_is_accepted_as_a_later_claim(
    runtime: Runtime,
) -> None:
    (a,) = party_with_keys(runtime, "四川人民出版社")
    (b,) = party_with_keys(runtime, "Copycat Press")
    first = register(runtime, a, BOOK)
    later = register(runtime, b, BOOK)
    assert (first.status, later.status) == ("pending", "pending")
    conflict = conflict_result(runtime, later.number)
    assert conflict["verdict"] == "accept"
    assert conflict["details"]["later_claimant"] is True
    assert [m["number"] for m in conflict["details"]["exact"]] == [first.number]
    assert first.number in conflict["reasons"][0]
    assert conflict_result(runtime, first.number)["details"] == {}


def test_two_keys_of_one_party_are_one_claimant(runtime: Runtime) -> None:
    one, other = party_with_keys(runtime, "四川人民出版社", count=2)
    register(runtime, one, BOOK)
    again = register(runtime, other, BOOK)
    edited = register(runtime, other, EDITED)
    assert (again.status, edited.status) == ("pending", "pending")
    for number in (again.number, edited.number):
        conflict = conflict_result(runtime, number)
        assert (conflict["verdict"], conflict["reasons"], conflict["details"]) == ("accept", [], {})


def test_near_duplicate_by_another_party_is_held(runtime: Runtime) -> None:
    (a,) = party_with_keys(runtime, "四川人民出版社")
    (b,) = party_with_keys(runtime, "Copycat Press")
    original = register(runtime, a, BOOK)
    edited = register(runtime, b, EDITED)
    assert edited.status == "held"
    conflict = conflict_result(runtime, edited.number)
    assert conflict["verdict"] == "hold"
    assert conflict["details"]["later_claimant"] is False
    assert {m["number"] for m in conflict["details"]["near"]} == {original.number}


def test_other_content_under_another_partys_isbn_is_held(runtime: Runtime) -> None:
    """An ISBN is one publisher's: a squatter registering its own bytes under it is held for a
    moderator, not listed beside (or before) the publisher's book by a lookup by ISBN."""
    (publisher,) = party_with_keys(runtime, "重庆出版社")
    (squatter,) = party_with_keys(runtime, "Squatter")
    book = register(runtime, publisher, BOOK, isbn="9787536692930")
    squatted = register(runtime, squatter, b"junk bytes of the squatter", isbn="978-7-5366-9293-0")
    assert squatted.status == "held"
    conflict = conflict_result(runtime, squatted.number)
    assert conflict["verdict"] == "hold"
    assert [m["number"] for m in conflict["details"]["same_isbn"]] == [book.number]
    assert "ISBN 9787536692930 was registered by another party" in conflict["reasons"][0]
    # The publisher's own other edition under its ISBN (an EPUB beside the PDF) is not held.
    edition = register(runtime, publisher, b"the same book, another format", isbn="9787536692930")
    assert edition.status == "pending"


def test_other_content_under_another_partys_dci_is_held(runtime: Runtime) -> None:
    """A DCI names one work, as the copyright protection centre assigned it: another party's
    bytes under it are held, not listed beside the work by a search by DCI."""
    (holder,) = party_with_keys(runtime, "重庆出版社")
    (squatter,) = party_with_keys(runtime, "Squatter")
    book = register(runtime, holder, BOOK, dci="DCI:A0001-2026-000123")
    squatted = register(
        runtime, squatter, b"junk bytes of the squatter", dci="dci:a0001-2026-000123"
    )
    assert squatted.status == "held"
    conflict = conflict_result(runtime, squatted.number)
    assert conflict["verdict"] == "hold"
    assert [m["number"] for m in conflict["details"]["same_dci"]] == [book.number]
    assert "DCI DCI:A0001-2026-000123 was registered by another party" in conflict["reasons"][0]
    # The holder's own other format of the work under its DCI is not held.
    epub = register(runtime, holder, b"the same work, another format", dci="DCI:A0001-2026-000123")
    assert epub.status == "pending"
    # Held, the squatter's registration holds nobody else's: a third party's is held for the
    # holder's registration alone.
    (third,) = party_with_keys(runtime, "Third Press")
    late = register(runtime, third, b"a third party's bytes", dci="DCI:A0001-2026-000123")
    numbers = [m["number"] for m in conflict_result(runtime, late.number)["details"]["same_dci"]]
    assert numbers == [book.number, epub.number]


def test_content_taken_down_is_held_when_registered_again(runtime: Runtime) -> None:
    """A takedown withdraws a registration; the same bytes registered again under a new number,
    by the same party or another, would bring the content, its certificate and its exports back
    unreviewed: they are held for a moderator, until the takedown is lifted."""
    (publisher,) = party_with_keys(runtime, "四川人民出版社")
    (other,) = party_with_keys(runtime, "Other Press")
    withdrawn = register(runtime, publisher, BOOK)
    assert runtime.new_batcher().run_once().error is None
    runtime.moderation.take_down(
        withdrawn.number, reason="侵权 infringing", actor="审核员", authority="moderator"
    )
    for key in (publisher, other):
        again = register(runtime, key, BOOK)
        assert again.status == "held"
        conflict = conflict_result(runtime, again.number)
        assert conflict["verdict"] == "hold"
        assert [m["number"] for m in conflict["details"]["taken_down"]] == [withdrawn.number]
        assert f"the same content is taken down ({withdrawn.number})" in conflict["reasons"]
    runtime.moderation.restore(
        withdrawn.number, reason="误判 cleared", actor="审核员", authority="moderator"
    )
    assert register(runtime, publisher, BOOK).status == "pending"


def test_the_command_lines_own_formats_under_one_isbn_are_not_held(runtime: Runtime) -> None:
    """Unsigned registrations of no party from the command line (the operator registering a
    catalogue, an EPUB and a PDF of one book): one publisher, not a squatter of its own ISBN."""
    registrar = runtime.registrar
    metadata = WorkMetadata.from_mapping({"title": "作品", "isbn": "9787536692930"})
    first = registrar.register(io.BytesIO(BOOK), metadata, publish=True)
    second = registrar.register(io.BytesIO(b"the PDF of the same book"), metadata, publish=True)
    assert (first.status, second.status) == ("pending", "pending")


def test_the_command_lines_own_revision_is_not_held_as_a_near_duplicate(runtime: Runtime) -> None:
    """The operator registering a revised file of a book it registered from the command line is
    one publisher; the same revision of a party's signed book is still held."""
    registrar = runtime.registrar
    metadata = WorkMetadata.from_mapping({"title": "作品"})
    registrar.register(io.BytesIO(BOOK), metadata, publish=True)
    revised = registrar.register(io.BytesIO(EDITED), metadata, publish=True)
    assert revised.status == "pending"
    assert conflict_result(runtime, revised.number)["details"] == {}
    (publisher,) = party_with_keys(runtime, "四川人民出版社")
    signed = register(runtime, publisher, BOOK + b" signed")
    held = registrar.register(io.BytesIO(EDITED + b" signed"), metadata, publish=True)
    assert held.status == "held"
    near = conflict_result(runtime, held.number)["details"]["near"]
    assert signed.number in {m["number"] for m in near}
