"""GET/POST /v1/similar over a real runtime: platforms find near-duplicate registrations."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from registry.platform.runtime import Runtime
from tests.conftest import bearer
from tests.registry.moderation.test_similar_works import DIFFERENT, EDITED, ORIGINAL


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


@pytest.fixture
def registered(client: TestClient, runtime: Runtime) -> dict[str, dict[str, object]]:
    """The original, a lightly edited copy and a different text, registered over HTTP."""
    publisher = bearer(runtime, "publisher")
    works = {}
    for name, content in (("original", ORIGINAL), ("edited", EDITED), ("different", DIFFERENT)):
        answer = client.post(
            "/v1/works",
            headers=publisher,
            files={"file": (f"{name}.txt", content, "text/plain")},
            data={"metadata": json.dumps({"title": name})},
        )
        assert answer.status_code == 201, answer.text
        works[name] = answer.json()
    return works


def test_a_platform_finds_the_edited_copy_and_not_the_different_text(
    client: TestClient, runtime: Runtime, registered: dict[str, dict[str, object]]
) -> None:
    answer = client.get(
        "/v1/similar",
        params={"iscc": str(registered["original"]["iscc_content"]), "max_distance": 6},
        headers=bearer(runtime, "platform"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["query"] == {"content": registered["original"]["iscc_content"]}
    found = {match["number"]: match for match in body["matches"]}
    assert set(found) == {registered["original"]["number"], registered["edited"]["number"]}
    edited = found[str(registered["edited"]["number"])]
    assert edited["title"] == "edited"
    assert edited["distance"]["data"] is None
    assert 0 <= edited["distance"]["content"] <= 6
    assert edited["status"] == "pending"
    assert edited["taken_down"] is False


def test_a_platform_searches_by_file_without_registering_it(
    client: TestClient, runtime: Runtime, registered: dict[str, dict[str, object]]
) -> None:
    answer = client.post(
        "/v1/similar",
        files={"file": ("query.txt", EDITED, "text/plain")},
        headers=bearer(runtime, "platform"),
    )
    assert answer.status_code == 200, answer.text
    found = {match["number"]: match for match in answer.json()["matches"]}
    assert found[str(registered["edited"]["number"])]["distance"] == {"data": 0, "content": 0}
    assert registered["different"]["number"] not in found
    again = client.get(
        "/v1/similar",
        params={"iscc": str(registered["edited"]["iscc_data"]), "max_distance": 0},
        headers=bearer(runtime, "platform"),
    )
    assert [m["number"] for m in again.json()["matches"]] == [registered["edited"]["number"]]


def test_the_search_needs_the_platform_scope(client: TestClient, runtime: Runtime) -> None:
    params = {"iscc": "ISCC:GAA6KQKMK34FZLQD"}
    assert client.get("/v1/similar", params=params).status_code == 401
    refused = client.get("/v1/similar", params=params, headers=bearer(runtime, "publisher"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "missing_scope"


@pytest.mark.parametrize("bad", ["ISCC:XYZ", "nonsense", "ISCC:IAA23DUCSR2PXLXM"])
def test_a_bad_iscc_is_400_invalid_iscc(client: TestClient, runtime: Runtime, bad: str) -> None:
    answer = client.get("/v1/similar", params={"iscc": bad}, headers=bearer(runtime, "platform"))
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_iscc"


@pytest.mark.parametrize("max_distance", [-1, 13])
def test_max_distance_beyond_the_bound_is_422(
    client: TestClient, runtime: Runtime, max_distance: int
) -> None:
    answer = client.get(
        "/v1/similar",
        params={"iscc": "ISCC:GAA6KQKMK34FZLQD", "max_distance": max_distance},
        headers=bearer(runtime, "platform"),
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"
