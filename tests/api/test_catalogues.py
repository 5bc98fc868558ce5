"""Catalogue jobs over HTTP: manifest (CSV, JSON), files in one or many requests, per-item
results, resume, idempotent re-submission, ownership, scopes and limits."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from registry.core.models import (
    CatalogueJob,
    CatalogueJobItem,
    Registration,
    Work,
    WorkSearchTerm,
)
from registry.platform.runtime import Runtime
from tests.conftest import bearer

BAD_ISBN = "9787536692931"  # wrong check digit
GOOD_ISBN = "9787536692930"


def book(n: int) -> bytes:
    return f"第{n}卷 三体 ".encode() * 40


def files_for(*numbers: int) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (f"book{n}.txt", book(n), "text/plain")) for n in numbers]


def items(count: int, *, bad_isbn_at: int | None = None) -> list[dict[str, object]]:
    return [
        {
            "file": f"book{n}.txt",
            "title": f"三体 第{n}卷",
            "authors": ["刘慈欣"],
            "isbn": BAD_ISBN if n == bad_isbn_at else None,
            "language": "zh",
            "rights": ["reproduction", "distribution"],
            "territory": 156,
        }
        for n in range(count)
    ]


def csv_manifest(count: int, *, bad_isbn_at: int | None = None) -> str:
    lines = ["file,title,authors,isbn,language,rights,territory"]
    for n in range(count):
        isbn = BAD_ISBN if n == bad_isbn_at else ""
        lines.append(f"book{n}.txt,三体 第{n}卷,刘慈欣;某译者,{isbn},zh,reproduction,156")
    return "\n".join(lines) + "\n"


def count(runtime: Runtime, model: type[object]) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(
        create_app(runtime=runtime, run_batcher=False), headers=bearer(runtime)
    ) as test_client:
        yield test_client


def test_csv_manifest_with_files_registers_each_item_and_refuses_a_bad_isbn(
    client: TestClient, runtime: Runtime
) -> None:
    response = client.post(
        "/v1/catalogues",
        files=[
            ("manifest", ("catalogue.csv", csv_manifest(4, bad_isbn_at=2).encode(), "text/csv")),
            *files_for(0, 1, 2, 3),
        ],
    )
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["id"].startswith("CJ-")
    assert job["state"] == "partly"
    assert job["counts"] == {
        "total": 4, "pending": 0, "uploaded": 0, "registered": 3, "refused": 1,
    }  # fmt: skip
    states = [(i["file"], i["state"]) for i in job["items"]]
    assert states == [
        ("book0.txt", "registered"),
        ("book1.txt", "registered"),
        ("book2.txt", "refused"),
        ("book3.txt", "registered"),
    ]
    refused = job["items"][2]
    assert refused["error"]["code"] == "invalid_isbn"
    assert refused["registration_number"] is None
    registered = [i for i in job["items"] if i["state"] == "registered"]
    assert all(i["registration_number"].startswith("BQ-") for i in registered)
    assert registered[0]["sha256"] == hashlib.sha256(book(0)).hexdigest()
    assert registered[0]["territory"] == 156
    assert count(runtime, Registration) == 3
    work = client.get(f"/v1/works/{registered[0]['registration_number']}").json()
    assert work["metadata"]["authors"] == ["刘慈欣", "某译者"]
    assert work["metadata"]["rights"] == ["reproduction"]
    assert {r["outcome"] for r in job["received"]} == {"staged", "refused"}


def test_json_manifest_then_files_in_two_requests_registers_each_once(
    client: TestClient, runtime: Runtime
) -> None:
    created = client.post("/v1/catalogues", json={"items": items(5)})
    assert created.status_code == 201, created.text
    job_id = created.json()["id"]
    assert created.json()["state"] == "open"
    assert created.json()["counts"]["pending"] == 5

    first = client.post(f"/v1/catalogues/{job_id}/files", files=files_for(0, 1))
    assert first.status_code == 200, first.text
    assert first.json()["counts"] == {
        "total": 5, "pending": 3, "uploaded": 0, "registered": 2, "refused": 0,
    }  # fmt: skip
    assert first.json()["state"] == "open"
    assert count(runtime, Registration) == 2

    rest = client.post(f"/v1/catalogues/{job_id}/files", files=files_for(2, 3, 4))
    assert rest.json()["state"] == "completed"
    assert count(runtime, Registration) == 5
    numbers = [i["registration_number"] for i in rest.json()["items"]]
    assert len(set(numbers)) == 5

    # The same files again (a client that is not sure what arrived): nothing is registered.
    again = client.post(f"/v1/catalogues/{job_id}/files", files=files_for(0, 1, 2, 3, 4))
    assert again.status_code == 200
    assert [r["outcome"] for r in again.json()["received"]] == ["already_registered"] * 5
    assert [i["registration_number"] for i in again.json()["items"]] == numbers
    resumed = client.post(f"/v1/catalogues/{job_id}/resume")
    assert resumed.json()["state"] == "completed"
    assert count(runtime, Registration) == 5
    status = client.get(f"/v1/catalogues/{job_id}").json()
    assert [i["registration_number"] for i in status["items"]] == numbers
    assert all(i["attempts"] == 1 for i in status["items"])


def test_json_manifest_file_and_csv_body_are_accepted(client: TestClient) -> None:
    from_file = client.post(
        "/v1/catalogues",
        files=[
            ("manifest", ("c.json", json.dumps(items(3)).encode(), "application/octet-stream")),
            *files_for(1),
        ],
    )
    assert from_file.status_code == 201, from_file.text
    assert [i["state"] for i in from_file.json()["items"]] == ["pending", "registered", "pending"]
    from_body = client.post(
        "/v1/catalogues", content=csv_manifest(3).encode(), headers={"content-type": "text/csv"}
    )
    assert from_body.status_code == 201, from_body.text
    assert from_body.json()["counts"]["pending"] == 3
    plain = client.post(
        "/v1/catalogues",
        content=json.dumps(items(1)).encode(),
        headers={"content-type": "text/plain"},
    )
    assert plain.status_code == 201, plain.text
    listed = client.get("/v1/catalogues").json()
    assert [j["id"] for j in listed] == [
        plain.json()["id"], from_body.json()["id"], from_file.json()["id"],
    ]  # fmt: skip


def test_a_wrong_file_is_refused_and_a_corrected_one_registers(
    client: TestClient, runtime: Runtime
) -> None:
    manifest = items(2)
    manifest[0]["sha256"] = hashlib.sha256(book(0)).hexdigest()
    job_id = client.post("/v1/catalogues", json={"items": manifest}).json()["id"]
    wrong = client.post(
        f"/v1/catalogues/{job_id}/files", files=[("files", ("book0.txt", b"other", "text/plain"))]
    )
    item = wrong.json()["items"][0]
    assert item["state"] == "refused"
    assert item["error"]["code"] == "digest_mismatch"
    assert count(runtime, Registration) == 0
    right = client.post(f"/v1/catalogues/{job_id}/files", files=files_for(0))
    assert right.json()["items"][0]["state"] == "registered"
    assert right.json()["items"][0]["error"] is None
    assert count(runtime, Registration) == 1


def test_another_publisher_gets_404_and_an_unknown_job_404(
    client: TestClient, runtime: Runtime
) -> None:
    job_id = client.post("/v1/catalogues", json={"items": items(2)}).json()["id"]
    other = bearer(runtime, "publisher")
    for method, path in [
        ("GET", f"/v1/catalogues/{job_id}"),
        ("POST", f"/v1/catalogues/{job_id}/resume"),
    ]:
        response = client.request(method, path, headers=other)
        assert response.status_code == 404
        assert response.json()["code"] == "catalogue_job_not_found"
    upload = client.post(f"/v1/catalogues/{job_id}/files", files=files_for(0), headers=other)
    assert upload.status_code == 404
    assert client.get("/v1/catalogues", headers=other).json() == []
    assert count(runtime, Registration) == 0
    unknown = client.get("/v1/catalogues/CJ-0000")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "catalogue_job_not_found"
    admin = client.get(f"/v1/catalogues/{job_id}", headers=bearer(runtime, "admin"))
    assert admin.status_code == 200


def test_a_key_without_the_publisher_scope_gets_403(client: TestClient, runtime: Runtime) -> None:
    platform = bearer(runtime, "platform")
    response = client.post("/v1/catalogues", json={"items": items(1)}, headers=platform)
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert client.get("/v1/catalogues", headers=platform).status_code == 403
    assert count(runtime, CatalogueJob) == 0


@pytest.mark.parametrize(
    ("request_kwargs", "code"),
    [
        ({"content": b"title\nno file column\n", "headers": {"content-type": "text/csv"}}, None),
        ({"content": b"[{not json", "headers": {"content-type": "application/json"}}, None),
        ({"json": {"items": [{"file": "a.txt", "title": "t", "colour": "red"}]}}, None),
        ({"json": {"items": [{"file": "a.txt", "title": "t"}] * 2}}, None),
        ({"json": {"items": []}}, None),
        ({"content": b"\xff\xfe\x00", "headers": {"content-type": "text/csv"}}, None),
        (
            {
                "files": [
                    ("manifest", ("c.csv", csv_manifest(2).encode(), "text/csv")),
                    ("files", ("stranger.txt", b"not in the manifest", "text/plain")),
                ]
            },
            "unknown_catalogue_file",
        ),
    ],
)
def test_a_malformed_manifest_is_refused_whole_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, request_kwargs: dict[str, object], code: str | None
) -> None:
    response = client.post("/v1/catalogues", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert response.json()["code"] == (code or "invalid_manifest")
    assert count(runtime, CatalogueJob) == 0
    assert count(runtime, CatalogueJobItem) == 0
    assert count(runtime, Registration) == 0


def test_a_body_over_the_limit_gets_413_and_stores_nothing(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"max_upload_bytes": 1024})
    with TestClient(
        create_app(runtime=runtime, run_batcher=False), headers=bearer(runtime)
    ) as client:
        job_id = client.post("/v1/catalogues", json={"items": items(2)}).json()["id"]
        response = client.post(
            f"/v1/catalogues/{job_id}/files",
            files=[("files", ("book0.txt", b"x" * (2 << 20), "text/plain"))],
        )
        assert response.status_code == 413
        assert response.json()["code"] == "upload_too_large"
        # One file over the limit inside a body under it: that item is refused, the other goes on.
        mixed = client.post(
            f"/v1/catalogues/{job_id}/files",
            files=[
                ("files", ("book0.txt", b"x" * 4096, "text/plain")),
                ("files", ("book1.txt", b"y" * 512, "text/plain")),
            ],
        )
        assert [(i["state"], (i["error"] or {}).get("code")) for i in mixed.json()["items"]] == [
            ("refused", "upload_too_large"),
            ("registered", None),
        ]
    assert count(runtime, Registration) == 1


def test_the_endpoints_are_documented_with_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/v1/catalogues"]) == {"get", "post"}
    assert {"/v1/catalogues/{job_id}", "/v1/catalogues/{job_id}/files"} <= set(paths)
    body = paths["/v1/catalogues"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/csv", "application/xml", "multipart/form-data"} <= set(body)
    for name in ("CatalogueJobOut", "CatalogueItemOut", "CatalogueCountsOut", "FileReceiptOut"):
        assert schema["components"]["schemas"][name]["examples"], name


def onix_product(
    reference: str, isbn: str, title: str, *, role: str = "A01", language: str = "chi"
) -> str:
    return (
        f"<Product><RecordReference>{reference}</RecordReference>"
        "<NotificationType>03</NotificationType>"
        f"<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>{isbn}</IDValue>"
        "</ProductIdentifier><DescriptiveDetail><ProductComposition>00</ProductComposition>"
        "<ProductForm>ED</ProductForm><TitleDetail><TitleType>01</TitleType><TitleElement>"
        f"<TitleElementLevel>01</TitleElementLevel><TitleText>{title}</TitleText></TitleElement>"
        f"</TitleDetail><Contributor><ContributorRole>{role}</ContributorRole>"
        "<PersonName>刘慈欣</PersonName></Contributor><Language><LanguageRole>01</LanguageRole>"
        f"<LanguageCode>{language}</LanguageCode></Language></DescriptiveDetail></Product>"
    )


ONIX_MESSAGE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<ONIXMessage xmlns="http://ns.editeur.org/onix/3.0/reference" release="3.0">'
    "<Header><Sender><SenderName>重庆出版社</SenderName></Sender>"
    "<SentDateTime>20261205T080000+0800</SentDateTime></Header>"
    + onix_product("R-SANTI", "978-7-5366-9293-0", "三体")
    + onix_product("R-BAD-ISBN", "9787536692931", "三体 II")
    + onix_product("R-ROLE", "9787020002207", "三体 III", role="X99")
    + onix_product("R-LANGUAGE", "9787536692947", "球状闪电", language="zh-Hans")
    + onix_product("R-NO-FILE", "9787532731077", "超新星纪元")
    + "</ONIXMessage>"
)
ROW_MODELS: tuple[type[object], ...] = (
    CatalogueJob,
    CatalogueJobItem,
    Registration,
    Work,
    WorkSearchTerm,
)


def row_counts(runtime: Runtime) -> dict[str, int]:
    return {model.__name__: count(runtime, model) for model in ROW_MODELS}


def test_an_onix_manifest_over_http_is_answered_per_record(
    client: TestClient, runtime: Runtime
) -> None:
    """Multipart: the ONIX message and the files named after ISBNs; each product is an item
    with its own result, and only the record that maps whole is registered (and searchable)."""
    before = row_counts(runtime)
    response = client.post(
        "/v1/catalogues",
        files=[
            ("manifest", ("feed.xml", ONIX_MESSAGE.encode(), "application/xml")),
            ("files", ("9787536692930.txt", book(1), "text/plain")),
        ],
    )
    assert response.status_code == 201, response.text
    job = response.json()
    results = [(i["title"], i["state"], (i["error"] or {}).get("code")) for i in job["items"]]
    assert results == [
        ("三体", "registered", None),
        ("三体 II", "refused", "invalid_isbn"),
        ("三体 III", "refused", "onix_unknown_code"),
        ("球状闪电", "refused", "onix_unknown_code"),
        ("超新星纪元", "refused", "no_matching_file"),
    ]
    assert job["state"] == "partly"
    after = row_counts(runtime)
    assert {name: after[name] - before[name] for name in after} == {
        "CatalogueJob": 1, "CatalogueJobItem": 5, "Registration": 1, "Work": 1,
        "WorkSearchTerm": 3,  # 三体: its ISBN, title and author; nothing of the refused ones
    }  # fmt: skip
    found = client.get("/v1/works/search", params={"isbn": "9787536692930"}).json()["works"]
    assert [w["number"] for w in found] == [job["items"][0]["registration_number"]]


@pytest.mark.parametrize(
    "document",
    [
        ONIX_MESSAGE[:-40],  # cut off: not well-formed
        ONIX_MESSAGE.replace('release="3.0"', 'release="2.1"'),
        "<ONIXmessage><product/></ONIXmessage>",  # short tags
    ],
    ids=["not well-formed", "ONIX 2.1", "short tags"],
)
def test_an_unreadable_onix_file_is_refused_whole_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, document: str
) -> None:
    before = row_counts(runtime)
    as_body = client.post(
        "/v1/catalogues", content=document.encode(), headers={"Content-Type": "application/xml"}
    )
    with_files = client.post(
        "/v1/catalogues",
        files=[
            ("manifest", ("feed.xml", document.encode(), "application/xml")),
            ("files", ("9787536692930.txt", book(1), "text/plain")),
        ],
    )
    for response in (as_body, with_files):
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "invalid_manifest"
    assert row_counts(runtime) == before
