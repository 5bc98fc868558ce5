"""GET /v1/works/search: public, paged lookups by ISBN, DCI, title prefix and author prefix."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from registry.platform.runtime import Runtime
from tests.conftest import bearer

SUMMARY_FIELDS = {
    "number", "title", "authors", "isbn", "dci", "party", "registered_at", "anchored_at",
    "status", "taken_down", "revoked", "priority",
}  # fmt: skip


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def post_work(client: TestClient, headers: dict[str, str], **metadata: object) -> str:
    response = client.post(
        "/v1/works",
        headers=headers,
        files={"file": ("work.txt", secrets.token_bytes(3000), "text/plain")},
        data={"metadata": json.dumps(metadata, ensure_ascii=False)},
    )
    assert response.status_code == 201, response.text
    number: str = response.json()["number"]
    return number


@pytest.fixture
def works(client: TestClient, runtime: Runtime) -> dict[str, str]:
    publisher = bearer(runtime)
    return {
        "santi": post_work(
            client, publisher, title="三体", authors=["刘慈欣"], isbn="9787536692930"
        ),
        "santi_en": post_work(
            client, publisher, title="三体：英文版", authors=["刘慈欣", "刘宇昆"]
        ),
        "ball": post_work(client, publisher, title="球状闪电", authors=["刘慈欣"]),
        "infix": post_work(client, publisher, title="地球往事三体", authors=["某评论者"]),
        "english": post_work(client, publisher, title="The Wandering Earth", authors=["Cixin Liu"]),
    }


def search(client: TestClient, **params: str | int) -> list[str]:
    response = client.get("/v1/works/search", params=params)
    assert response.status_code == 200, response.text
    return [work["number"] for work in response.json()["works"]]


def test_an_author_search_finds_several_works_without_a_key(
    client: TestClient, works: dict[str, str]
) -> None:
    response = client.get("/v1/works/search", params={"author": "刘慈"})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["kind"] == "author"
    assert page["query"] == "刘慈"
    assert [w["number"] for w in page["works"]] == [
        works["santi"],
        works["santi_en"],
        works["ball"],
    ]
    assert page["next_after"] is None
    first = page["works"][0]
    assert set(first) == SUMMARY_FIELDS  # no content, digests, claim or keys of a private work
    assert first["title"] == "三体"
    assert first["authors"] == ["刘慈欣"]
    assert first["isbn"] == "9787536692930"
    assert first["party"]["public_name"] == "test"
    assert first["status"] == "pending"
    assert first["taken_down"] is False
    assert search(client, author="CIXIN") == [works["english"]]


def test_a_title_prefix_in_chinese_matches_from_the_start_only(
    client: TestClient, works: dict[str, str]
) -> None:
    assert search(client, title="三体") == [works["santi"], works["santi_en"]]
    assert search(client, title="往事三体") == []  # an infix is no match: 200, empty
    assert search(client, title="the wandering") == [works["english"]]


def test_isbn_in_any_spelling_and_a_bad_check_digit(
    client: TestClient, works: dict[str, str]
) -> None:
    assert search(client, isbn="7-5366-9293-5") == [works["santi"]]
    assert search(client, isbn="978-7-5366-9293-0") == [works["santi"]]
    response = client.get("/v1/works/search", params={"isbn": "978-7-5366-9293-1"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_search"
    assert response.json()["details"]["field"] == "isbn"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "invalid_search"),
        ({"title": "三体", "author": "刘慈欣"}, "invalid_search"),
        ({"title": " "}, "invalid_search"),
        ({"title": "三体", "limit": 101}, "invalid_request"),
        ({"title": "三体", "after": -1}, "invalid_request"),
    ],
)
def test_a_bad_search_is_refused(
    client: TestClient, params: dict[str, str | int], code: str
) -> None:
    response = client.get("/v1/works/search", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code


def test_pages_follow_next_after(client: TestClient, works: dict[str, str]) -> None:
    first = client.get("/v1/works/search", params={"author": "刘", "limit": 2}).json()
    assert [w["number"] for w in first["works"]] == [works["santi"], works["santi_en"]]
    rest = search(client, author="刘", limit=2, after=first["next_after"])
    assert rest == [works["ball"]]


def test_a_taken_down_work_is_found_and_says_so(
    client: TestClient, runtime: Runtime, works: dict[str, str]
) -> None:
    assert runtime.new_batcher().run_once().error is None
    runtime.moderation.take_down(works["ball"], reason="侵权", actor="mod", authority="moderator")
    [found] = client.get("/v1/works/search", params={"title": "球状"}).json()["works"]
    assert found["number"] == works["ball"]
    assert found["taken_down"] is True
    assert found["status"] == "anchored"
    assert found["anchored_at"] is not None
    assert client.get(f"/v1/works/{works['ball']}/onix.xml").status_code == 451


def test_the_search_is_documented_with_examples(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/works/search"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"isbn", "dci", "title", "author", "limit", "after"}
    assert "422" in operation["responses"]


def test_a_later_claim_is_found_and_says_who_registered_the_content_first(
    client: TestClient, runtime: Runtime
) -> None:
    content = secrets.token_bytes(3000)
    numbers = []
    for key in (bearer(runtime), bearer(runtime)):  # two keys: two parties
        response = client.post(
            "/v1/works",
            headers=key,
            files={"file": ("work.txt", content, "text/plain")},
            data={"metadata": json.dumps({"title": "流浪地球"}, ensure_ascii=False)},
        )
        assert response.status_code == 201, response.text
        numbers.append(response.json()["number"])
    first, later = numbers
    page = client.get("/v1/works/search", params={"title": "流浪"}).json()
    found = {work["number"]: work["priority"] for work in page["works"]}
    assert found[first]["is_first"] is True
    assert (found[later]["is_first"], found[later]["first"]["number"]) == (False, first)
    assert [c["number"] for c in found[first]["later"]] == [later]
