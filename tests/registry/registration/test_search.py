"""Finding registered works by ISBN, DCI, title prefix and author prefix: normalised, indexed
terms written with every registration (and by revision 0023 for those before it)."""

from __future__ import annotations

import io
import json
import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from registry.access.keys import create_api_key
from registry.core.database import create_database_engine, migrate
from registry.core.errors import InvalidSearch
from registry.core.metadata import WorkMetadata
from registry.core.models import WorkSearchTerm
from registry.platform.runtime import Runtime
from registry.registration.catalogue_jobs import Upload, attach_files, create_job, process_job
from registry.registration.search import (
    SearchQuery,
    like_prefix,
    matching_ids,
    search_terms,
    search_works,
)

ONIX = (Path(__file__).parent / "data" / "books.onix.xml").read_text(encoding="utf-8")


def register(runtime: Runtime, submitted_by: str | None = None, **metadata: object) -> str:
    view = runtime.registrar.register(
        io.BytesIO(secrets.token_bytes(3000)),
        WorkMetadata.from_mapping(metadata),
        submitted_by=submitted_by,
    )
    return view.number


def numbers(
    runtime: Runtime,
    *,
    isbn: str | None = None,
    dci: str | None = None,
    title: str | None = None,
    author: str | None = None,
) -> list[str]:
    page = search_works(runtime.sessions, isbn=isbn, dci=dci, title=title, author=author)
    return [w.number for w in page.works]


@pytest.fixture
def library(runtime: Runtime) -> dict[str, str]:
    """Works by a few authors, registered by a publisher's key (its party) and the command line."""
    publisher = create_api_key(
        runtime.sessions, name="重庆出版社", scopes=("publisher",), now=runtime.now
    ).key_id
    return {
        "santi": register(
            runtime, publisher, title="三体", authors=["刘慈欣"], isbn="978-7-5366-9293-0"
        ),
        "santi_en": register(
            runtime,
            publisher,
            title="三体：英文版",
            authors=["刘慈欣", "刘宇昆"],
            dci="dci:0101-2008-000001",
        ),
        "qiuzhuang": register(runtime, publisher, title="球状闪电", authors=["刘慈欣"]),
        "infix": register(runtime, None, title="地球往事三体", authors=["某评论者"]),
        "liu_zhenyun": register(runtime, None, title="一句顶一万句", authors=["刘震云"]),
        "english": register(
            runtime, None, title="The Three-Body Problem", authors=["Cixin Liu", "Ken Liu"]
        ),
        "percent": register(runtime, None, title="100%_真实", authors=["A_B"]),
        "no_wildcard": register(runtime, None, title="100x真实", authors=["AxB"]),
    }


def test_an_author_prefix_finds_each_of_the_authors_works_once(
    runtime: Runtime, library: dict[str, str]
) -> None:
    assert numbers(runtime, author="刘慈欣") == [
        library["santi"], library["santi_en"], library["qiuzhuang"],
    ]  # fmt: skip
    # 刘 starts 刘慈欣, 刘宇昆 and 刘震云; 三体：英文版 (two of them) comes once.
    assert numbers(runtime, author="刘") == [
        library["santi"], library["santi_en"], library["qiuzhuang"], library["liu_zhenyun"],
    ]  # fmt: skip
    assert numbers(runtime, author="慈欣") == []  # infix: no match
    # Latin letters in any case, full-width ones too; a name is matched from its start only.
    assert numbers(runtime, author="KEN") == [library["english"]]
    assert numbers(runtime, author="ｃｉｘｉｎ ｌ") == [library["english"]]
    assert numbers(runtime, author="liu") == []


def test_a_chinese_title_prefix_matches_from_the_start_only(
    runtime: Runtime, library: dict[str, str]
) -> None:
    assert numbers(runtime, title="三体") == [library["santi"], library["santi_en"]]
    assert numbers(runtime, title="三体：") == [library["santi_en"]]
    assert numbers(runtime, title="体") == []
    assert numbers(runtime, title="往事三体") == []
    assert numbers(runtime, title="  the   three-BODY ") == [library["english"]]
    assert numbers(runtime, title="body") == []


def test_percent_and_underscore_in_a_query_are_not_wildcards(
    runtime: Runtime, library: dict[str, str]
) -> None:
    assert numbers(runtime, title="100%") == [library["percent"]]
    assert numbers(runtime, title="100%_") == [library["percent"]]
    assert numbers(runtime, title="100_") == []
    assert numbers(runtime, author="a_") == [library["percent"]]
    assert numbers(runtime, title="%") == []
    assert numbers(runtime, title="/") == []
    assert like_prefix("a/%_b") == "a///%/_b%"


def test_isbn_and_dci_match_exactly_in_any_spelling(
    runtime: Runtime, library: dict[str, str]
) -> None:
    for spelling in ("9787536692930", "978-7-5366-9293-0", "7536692935", "7-5366-9293-5"):
        page = search_works(runtime.sessions, isbn=spelling)
        assert page.query == "9787536692930"
        assert [w.number for w in page.works] == [library["santi"]]
    assert numbers(runtime, isbn="9787020002207") == []
    assert numbers(runtime, dci=" DCI:0101-2008-000001") == [library["santi_en"]]
    assert numbers(runtime, dci="dci:0101-2008-000001") == [library["santi_en"]]
    assert numbers(runtime, dci="DCI:0101-2008") == []  # not a prefix search


def test_the_answer_is_the_public_summary(runtime: Runtime, library: dict[str, str]) -> None:
    [santi] = search_works(runtime.sessions, isbn="9787536692930").works
    assert santi.title == "三体"
    assert santi.authors == ("刘慈欣",)
    assert santi.isbn == "9787536692930"
    assert santi.dci is None
    assert santi.party is not None
    assert santi.party.public_name == "重庆出版社"
    assert santi.status == "pending"
    assert santi.anchored_at is None
    assert santi.taken_down is False
    assert set(santi.to_json()) == {
        "number", "title", "authors", "isbn", "dci", "party", "registered_at", "anchored_at",
        "status", "taken_down", "revoked", "priority",
    }  # fmt: skip
    assert santi.priority is not None
    assert santi.priority.is_first  # its content's only claim
    [english] = search_works(runtime.sessions, title="the three").works
    assert english.party is None  # the command line, no party
    assert english.authors == ("Cixin Liu", "Ken Liu")


def test_a_taken_down_work_is_found_and_says_so(runtime: Runtime, library: dict[str, str]) -> None:
    assert runtime.new_batcher().run_once().error is None
    number = library["qiuzhuang"]
    runtime.moderation.take_down(number, reason="侵权", actor="mod-key", authority="moderator")
    [found] = search_works(runtime.sessions, title="球状").works
    assert found.number == number
    assert found.taken_down is True
    assert found.status == "anchored"
    assert found.anchored_at is not None


def test_pages_follow_the_cursor(runtime: Runtime, library: dict[str, str]) -> None:
    first = search_works(runtime.sessions, author="刘", limit=3)
    assert [w.number for w in first.works] == [
        library["santi"], library["santi_en"], library["qiuzhuang"],
    ]  # fmt: skip
    assert first.next_after is not None
    second = search_works(runtime.sessions, author="刘", limit=3, after=first.next_after)
    assert [w.number for w in second.works] == [library["liu_zhenyun"]]
    assert second.next_after is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, None),
        ({"title": "三体", "author": "刘慈欣"}, None),
        ({"isbn": "9787536692931"}, "isbn"),  # wrong check digit
        ({"isbn": "978753669293"}, "isbn"),  # twelve digits
        ({"title": "   "}, "title"),
        ({"author": "长" * 201}, "author"),
        ({"title": "三体", "limit": 0}, "limit"),
        ({"title": "三体", "limit": 101}, "limit"),
        ({"title": "三体", "after": -1}, "after"),
    ],
)
def test_a_bad_query_is_refused_with_its_field(
    runtime: Runtime, query: dict[str, object], field: str | None
) -> None:
    with pytest.raises(InvalidSearch) as refused:
        search_works(runtime.sessions, **query)  # type: ignore[arg-type]
    assert refused.value.code == "invalid_search"
    assert refused.value.details.get("field") == field


def test_works_of_an_onix_catalogue_are_found(runtime: Runtime) -> None:
    files = ["9787536692930.txt", "CQPH-SANTI-EN.epub", "9787020002207.txt"]
    uploads = [Upload(name, io.BytesIO(f"正文 {name}".encode() * 40)) for name in files]
    job = create_job(
        runtime.sessions, owner="key-1", manifest=ONIX, kind="onix", now=runtime.now,
        file_names=files,
    )  # fmt: skip
    attach_files(runtime.registrar, job.id, uploads, owner="key-1")
    process_job(runtime.registrar, job.id, owner="key-1")
    assert len(numbers(runtime, isbn="9787536692930")) == 1
    assert len(numbers(runtime, author="曹雪")) == 1  # 红楼梦, 曹雪芹 and 高鹗
    assert len(numbers(runtime, author="高")) == 1
    assert len(numbers(runtime, title="三体")) == 2  # 三体 and 三体：英文版
    # A refused record (bad check digit) is registered nowhere, so found nowhere.
    with runtime.sessions() as session:
        indexed = session.scalar(select(func.count(func.distinct(WorkSearchTerm.registration_id))))
    assert indexed == 3


def test_terms_are_normalised_and_cut() -> None:
    terms = search_terms(
        {"title": "Ｔｈｅ  Three\u3000Body " + "x" * 300, "authors": ["Ken LIU", " ", "Ken Liu"],
         "isbn": "9787536692930", "dci": "dci:0101"}
    )  # fmt: skip
    assert ("author", "ken liu") in terms
    assert ("isbn", "9787536692930") in terms
    assert ("dci", "DCI:0101") in terms
    [title] = [term for kind, term in terms if kind == "title"]
    assert title.startswith("the three body x")
    assert len(title) == 200
    assert len(terms) == 4


def test_existing_registrations_are_indexed_by_the_migration(database_url: str) -> None:
    """Revision 0023 fills the terms in from the registrations recorded before it."""
    engine = create_database_engine(database_url)
    migrate(engine, "0022")
    at = "2026-12-01 08:00:00+00:00"
    documents = [
        ({"title": "三体", "authors": ["刘慈欣"], "isbn": "9787536692930"}, "9787536692930"),
        ({"title": "The Wandering Earth", "authors": ["Cixin LIU"]}, None),
    ]
    with engine.begin() as connection:
        for n, (document, isbn) in enumerate(documents, start=1):
            connection.execute(
                text(
                    "INSERT INTO works (sha256, sm3, size, title, isbn, metadata_json, created_at)"
                    " VALUES (:d, :d, 1, :title, :isbn, :doc, :at)"
                ),
                {"d": str(n) * 64, "title": document["title"], "isbn": isbn,
                 "doc": json.dumps(document, ensure_ascii=False), "at": at},
            )  # fmt: skip
            connection.execute(
                text(
                    "INSERT INTO registrations (number, work_id, claim_json, leaf, signing_mode, "
                    "status, created_at) VALUES (:number, :n, '{}', :leaf, 'unsigned', "
                    "'pending', :at)"
                ),
                {"number": f"BQ-2026-0000000{n}", "n": n, "leaf": str(n) * 64, "at": at},
            )
    migrate(engine)
    with engine.connect() as connection:
        rows = set(
            connection.execute(text("SELECT registration_id, kind, term FROM work_search_terms"))
        )
    engine.dispose()
    assert rows == {
        (1, "title", "三体"), (1, "author", "刘慈欣"), (1, "isbn", "9787536692930"),
        (2, "title", "the wandering earth"), (2, "author", "cixin liu"),
    }  # fmt: skip


def test_postgresql_answers_a_prefix_from_the_index(runtime: Runtime, database_url: str) -> None:
    """EXPLAIN shows the (kind, term) index bounding the prefix: varchar_pattern_ops makes
    ``LIKE 'x%'`` a range whatever the database's collation."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the query plan is PostgreSQL's")
    for n in range(300):
        register(runtime, None, title=f"作品 {n}", authors=[f"作者 {n}"])
    register(runtime, None, title="三体", authors=["刘慈欣"], isbn="9787536692930")
    with runtime.engine.connect() as connection:
        connection.execute(text("ANALYZE work_search_terms"))
        for query in (SearchQuery("title", "三体"), SearchQuery("author", "刘慈"),
                      SearchQuery("isbn", "9787536692930")):  # fmt: skip
            # Sent as the service sends it: the pattern a bound parameter, not inlined text.
            compiled = matching_ids(query, after=0, limit=21).compile(
                runtime.engine, compile_kwargs={"render_postcompile": True}
            )
            explained = connection.exec_driver_sql(f"EXPLAIN {compiled.string}", compiled.params)
            plan = "\n".join(row[0] for row in explained)
            assert "ix_work_search_terms_kind_term" in plan, plan
            if query.kind != "isbn":
                assert "~>=~" in plan, plan  # the prefix as an index range
                assert "~<~" in plan, plan
