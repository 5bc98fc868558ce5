"""The 作品登记 metadata over HTTP: registered, returned, signed over, and refused when wrong."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from crypto.canonical import canonical_json
from crypto.signing import KeySigner, generate_private_key
from registry.access.keys import create_api_key
from registry.content.ingest import describe
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration
from registry.platform.runtime import Runtime
from registry.registration.claims import claim_for
from tests.conftest import bearer

BOOK: dict[str, Any] = {
    "title": "三体",
    "authors": ["刘慈欣"],
    "isbn": "9787536692930",
    "language": "zh",
    "work_type": "written",
    "owners": [{"name": "刘慈欣", "share": 70}, {"name": "重庆出版社", "share": 30}],
    "acquisition": "created",
    "holding": "joint",
    "created_on": "2006-05-01",
    "first_published_on": "2008-01-01",
    "first_published_place": "重庆",
    "series": "地球往事三部曲",
    "series_number": "1",
    "publisher": "重庆出版社",
    "edition": "第1版",
    "subject": "科幻小说",
    "dci": "DCI:0101-2008-000001",
    "contributors": [{"name": "Ken Liu", "role": "B06"}],
}


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(
        create_app(runtime=runtime, run_batcher=False), headers=bearer(runtime)
    ) as test_client:
        yield test_client


def registrations(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Registration)) or 0


def register(client: TestClient, content: bytes, metadata: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/v1/works",
        files={"file": ("book.txt", content)},
        data={"metadata": json.dumps(metadata, ensure_ascii=False)},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_fields_are_registered_returned_and_digested(client: TestClient) -> None:
    body = register(client, "给岁月以文明".encode(), BOOK)
    metadata = client.get(f"/v1/works/{body['number']}").json()["metadata"]
    assert metadata["v"] == "banquan.metadata/2"
    assert metadata["owners"] == [
        {"name": "刘慈欣", "share": "70"},
        {"name": "重庆出版社", "share": "30"},
    ]
    for name in ("work_type", "holding", "publisher", "series", "dci", "contributors"):
        assert metadata[name] == BOOK[name]
    # the claim signs the digest of exactly the document returned
    digest = hashlib.sha256(canonical_json(metadata)).hexdigest()
    assert body["claim"]["metadata_digest"] == digest


def test_a_registrant_signs_a_claim_over_version_2_metadata(
    client: TestClient, runtime: Runtime
) -> None:
    content = "自己签名的三体".encode()
    signer = KeySigner(generate_private_key("sm2"))
    claim = claim_for(
        describe(io.BytesIO(content)),
        WorkMetadata.from_mapping(BOOK),
        signer.public_key,
        registered_at=datetime.now(UTC),
    )
    form = {
        "metadata": json.dumps(BOOK, ensure_ascii=False),
        "claim": json.dumps(claim.to_json()),
        "signature": claim.sign(signer).to_text(),
    }
    accepted = client.post("/v1/works", files={"file": ("w.txt", content)}, data=form)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["claim"]["v"] == "banquan.claim/2"
    # other metadata under the same signed claim does not pass
    other = {**BOOK, "edition": "第2版"}
    refused = client.post(
        "/v1/works",
        files={"file": ("w2.txt", content)},
        data={**form, "metadata": json.dumps(other, ensure_ascii=False)},
    )
    assert refused.status_code == 422
    assert refused.json()["details"]["fields"] == ["metadata_digest"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"owners": [{"name": "甲", "share": 60}, {"name": "乙", "share": 30}]}, "owners"),
        ({"work_type": "novel"}, "work_type"),
        ({"created_on": "2009-01-01"}, "first_published_on"),
        ({"isbn": "9787536692931"}, "isbn"),
        ({"issn": "0317-8472"}, "issn"),
    ],
)
def test_bad_metadata_registers_nothing(
    client: TestClient, runtime: Runtime, change: dict[str, Any], field: str
) -> None:
    response = client.post(
        "/v1/works",
        files={"file": ("b.txt", b"words")},
        data={"metadata": json.dumps({**BOOK, **change}, ensure_ascii=False)},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_metadata"
    assert response.json()["details"]["field"] == field
    assert registrations(runtime) == 0


ONIX = "{http://ns.editeur.org/onix/3.0/reference}"


def test_metadata_exports_as_json_ld(client: TestClient) -> None:
    body = register(client, "黑暗森林".encode(), BOOK)
    response = client.get(f"/v1/works/{body['number']}/metadata.jsonld")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/ld+json")
    document = json.loads(response.content.decode("utf-8"))
    assert (document["@context"], document["@type"]) == ("https://schema.org", "Book")
    assert document["name"] == "三体"
    assert document["author"] == [{"@type": "Person", "name": "刘慈欣"}]
    assert document["translator"] == [{"@type": "Person", "name": "Ken Liu"}]
    assert [h["name"] for h in document["copyrightHolder"]] == ["刘慈欣", "重庆出版社"]
    assert (document["isbn"], document["datePublished"], document["inLanguage"]) == (
        "9787536692930",
        "2008-01-01",
        "zh",
    )
    assert document["publisher"] == {"@type": "Organization", "name": "重庆出版社"}
    assert document["isPartOf"]["name"] == "地球往事三部曲"
    identifiers = {i["propertyID"]: i["value"] for i in document["identifier"]}
    assert identifiers["banquan:registration"] == body["number"]
    assert identifiers["sha256"] == body["sha256"]
    assert identifiers["cid"] == body["cid"]
    assert identifiers["DCI"] == BOOK["dci"]


def test_metadata_exports_as_onix(client: TestClient) -> None:
    from lxml import etree

    title = "三体 <第一部> & “地球往事”"
    body = register(client, "死神永生".encode(), {**BOOK, "title": title})
    response = client.get(f"/v1/works/{body['number']}/onix.xml")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False))
    assert root.tag == f"{ONIX}ONIXMessage"
    assert root.get("release") == "3.0"
    (product,) = root.iter(f"{ONIX}Product")

    def text(path: str) -> list[str]:
        return [e.text or "" for e in product.iterfind(path.replace("/", f"/{ONIX}"))]

    assert text("./RecordReference") == [body["number"]]
    isbn = product.xpath(
        "o:ProductIdentifier[o:ProductIDType='15']/o:IDValue/text()",
        namespaces={"o": ONIX[1:-1]},
    )
    assert isbn == ["9787536692930"]
    assert text("./DescriptiveDetail/TitleDetail/TitleElement/TitleText") == [title]
    assert text("./DescriptiveDetail/Collection/TitleDetail/TitleElement/TitleText") == [
        "地球往事三部曲"
    ]
    assert text("./DescriptiveDetail/Contributor/ContributorRole") == ["A01", "B06"]
    assert text("./DescriptiveDetail/Contributor/PersonName") == ["刘慈欣", "Ken Liu"]
    assert text("./DescriptiveDetail/Language/LanguageCode") == ["chi"]
    assert text("./DescriptiveDetail/EditionStatement") == ["第1版"]
    assert text("./PublishingDetail/Publisher/PublisherName") == ["重庆出版社"]
    assert text("./PublishingDetail/PublishingDate/Date") == ["20080101"]
    assert text("./PublishingDetail/CopyrightStatement/CopyrightOwner/PersonName") == [
        "刘慈欣",
        "重庆出版社",
    ]


def test_exports_name_the_registrant_beside_the_owners_it_declares(runtime: Runtime) -> None:
    """A party naming another as copyright holder and publisher: the exports carry that
    declaration, and name the party that made it (the registration's own registrant)."""
    # A key of no party acts for a new party of its name.
    issued = create_api_key(
        runtime.sessions, name="Copycat Press", scopes=("publisher",), now=runtime.now
    )
    with TestClient(
        create_app(runtime=runtime, run_batcher=False),
        headers={"Authorization": f"Bearer {issued.secret}"},
    ) as copycat:
        body = register(copycat, "黑暗森林".encode(), BOOK)
        document = copycat.get(f"/v1/works/{body['number']}/metadata.jsonld").json()
        onix = copycat.get(f"/v1/works/{body['number']}/onix.xml").content
    assert [h["name"] for h in document["copyrightHolder"]] == ["刘慈欣", "重庆出版社"]
    (registrant,) = [i for i in document["identifier"] if i["propertyID"] == "banquan:registrant"]
    assert (registrant["value"], registrant["name"]) == (issued.party, "Copycat Press")

    from lxml import etree

    (product,) = etree.fromstring(onix).iter(f"{ONIX}Product")
    assert product.findtext(f"{ONIX}RecordSourceName") == "Copycat Press"
    assert product.findtext(f"{ONIX}RecordSourceIdentifier/{ONIX}IDValue") == issued.party
    assert product.findtext(f"{ONIX}PublishingDetail/{ONIX}Publisher/{ONIX}PublisherName") == (
        "重庆出版社"
    )


def test_export_of_a_version_1_registration_and_of_none(client: TestClient) -> None:
    body = register(client, b"plain", {"title": "红楼梦", "authors": ["曹雪芹"]})
    document = client.get(f"/v1/works/{body['number']}/metadata.jsonld").json()
    assert document["name"] == "红楼梦"
    assert "isbn" not in document
    missing = client.get("/v1/works/BQ-2026-99999999/onix.xml")
    assert missing.status_code == 404
    assert missing.json()["code"] == "registration_not_found"
