"""Work metadata: the 作品登记 fields, their validation, and the digest versions."""

from __future__ import annotations

from typing import Any

import pytest

from crypto.claims import metadata_digest
from registry.core.errors import InvalidMetadata
from registry.core.metadata import METADATA_VERSION_1, METADATA_VERSION_2, WorkMetadata

# Digests of version 1 documents, computed before the 作品登记 fields existed: metadata using
# none of them must keep these bytes, or every claim already signed over them stops verifying.
V1_GOLDEN = [
    (
        {"title": "三体", "authors": ["刘慈欣"], "isbn": "9787536692930", "language": "zh"},
        "a9cecb533fbb9e8c4ee18ebd74f421ca557d44ee21bf77c637cbc6c9b2b8329d",
    ),
    ({"title": "春江花月夜"}, "f45a007a83493628bc81b07ad97b5e6ab9c35f84f5661c4af07e5278771d1c42"),
    (
        {"title": "Cafe\u0301", "authors": ["a", "b"], "rights": ["reproduction"]},
        "7c13e7dfb6545708f4a8820a8ab987a2172e1b15f922bf7923fd4ffa7969153a",
    ),
]

FULL: dict[str, Any] = {
    "title": "三体",
    "authors": ["刘慈欣"],
    "isbn": "978-7-5366-9293-0",
    "language": "zh",
    "work_type": "written",
    "owners": [{"name": "刘慈欣", "share": 60}, {"name": "重庆出版社", "share": "40.00"}],
    "acquisition": "created",
    "holding": "joint",
    "created_on": "2006-05-01",
    "first_published_on": "2008-01-01",
    "first_published_place": "重庆",
    "issn": "0317-8471",
    "isrc": "CN-A01-24-00001",
    "dci": "DCI:0101-2024-000123",
    "series": "地球往事",
    "series_number": "1",
    "publisher": "重庆出版社",
    "edition": "第1版",
    "subject": "科幻小说",
    "contributors": [{"name": "Ken Liu", "role": "B06"}, {"name": "某某", "role": "A12"}],
}
FULL_DIGEST = "1d0414e816a2a6f8ed53058c2f67d6f40a789e4f1d2f123ce8af35b0c45cccb8"


@pytest.mark.parametrize(("raw", "digest"), V1_GOLDEN)
def test_version_1_metadata_digests_as_before(raw: dict[str, Any], digest: str) -> None:
    metadata = WorkMetadata.from_mapping(raw)
    assert metadata.version == METADATA_VERSION_1
    assert "v" not in metadata.to_json()
    assert metadata_digest(metadata.to_json()) == digest


def test_full_metadata_is_version_2_and_normalized() -> None:
    metadata = WorkMetadata.from_mapping(FULL)
    document = metadata.to_json()
    assert document["v"] == METADATA_VERSION_2
    assert document["isbn"] == "9787536692930"
    assert document["owners"] == [
        {"name": "刘慈欣", "share": "60"},
        {"name": "重庆出版社", "share": "40"},
    ]
    assert document["isrc"] == "CNA012400001"
    assert document["dci"] == "DCI:0101-2024-000123"
    assert document["contributors"] == [
        {"name": "Ken Liu", "role": "B06"},
        {"name": "某某", "role": "A12"},
    ]
    # every field is in the digested bytes
    for name in FULL:
        assert name in document
    assert metadata_digest(document) == FULL_DIGEST


def test_version_2_round_trips_through_its_json() -> None:
    metadata = WorkMetadata.from_mapping(FULL)
    again = WorkMetadata.from_mapping(metadata.to_json())
    assert again == metadata
    assert metadata_digest(again.to_json()) == metadata_digest(metadata.to_json())


@pytest.mark.parametrize(
    "field", ["work_type", "owners", "edition", "contributors", "first_published_place"]
)
def test_each_new_field_changes_the_digest(field: str) -> None:
    full = WorkMetadata.from_mapping(FULL)
    changed = dict(FULL)
    changed[field] = {
        "work_type": "software",
        "owners": [{"name": "刘慈欣", "share": 100}],
        "edition": "第2版",
        "contributors": [{"name": "Ken Liu", "role": "B01"}],
        "first_published_place": "北京",
    }[field]
    if field == "owners":
        changed["holding"] = "individual"
    other = WorkMetadata.from_mapping(changed)
    assert metadata_digest(other.to_json()) != metadata_digest(full.to_json())


BAD: dict[str, tuple[dict[str, Any], str]] = {
    "unknown work type": ({"work_type": "novel"}, "work_type"),
    "unknown acquisition": ({"acquisition": "bought"}, "acquisition"),
    "unknown holding": ({"holding": "shared"}, "holding"),
    "shares not 100": (
        {"owners": [{"name": "甲", "share": 50}, {"name": "乙", "share": 40}]},
        "owners",
    ),
    "some shares missing": ({"owners": [{"name": "甲", "share": 100}, {"name": "乙"}]}, "owners"),
    "share above 100": ({"owners": [{"name": "甲", "share": 150}]}, "owners"),
    "share of three decimals": (
        {"owners": [{"name": "甲", "share": "33.333"}, {"name": "乙", "share": "66.667"}]},
        "owners",
    ),
    "owner twice": ({"owners": ["甲", "甲"]}, "owners"),
    "owner without name": ({"owners": [{"share": 100}]}, "owners"),
    "empty owners": ({"owners": []}, "owners"),
    "joint with one owner": ({"holding": "joint", "owners": ["甲"]}, "holding"),
    "individual with two owners": ({"holding": "individual", "owners": ["甲", "乙"]}, "holding"),
    "bad date": ({"created_on": "2024-02-30"}, "created_on"),
    "date not ISO": ({"created_on": "2024/01/01"}, "created_on"),
    "future date": ({"first_published_on": "2999-01-01"}, "first_published_on"),
    "published before created": (
        {"created_on": "2024-01-02", "first_published_on": "2024-01-01"},
        "first_published_on",
    ),
    "ISSN check digit": ({"issn": "0317-8472"}, "issn"),
    "not an ISSN": ({"issn": "12345"}, "issn"),
    "not an ISRC": ({"isrc": "CN-A01-24-0001"}, "isrc"),
    "not a DCI": ({"dci": "编号123"}, "dci"),
    "empty publisher": ({"publisher": "  "}, "publisher"),
    "edition not text": ({"edition": 2}, "edition"),
    "contributor role unknown": ({"contributors": [{"name": "甲", "role": "Z99"}]}, "contributors"),
    "author as contributor": ({"contributors": [{"name": "甲", "role": "A01"}]}, "contributors"),
    "unknown version": ({"v": "banquan.metadata/9", "work_type": "written"}, "v"),
    "version 2 named without its fields": ({"v": "banquan.metadata/2"}, "v"),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_values_are_refused_naming_the_field(case: tuple[dict[str, Any], str]) -> None:
    fields, field = case
    with pytest.raises(InvalidMetadata) as caught:
        WorkMetadata.from_mapping({"title": "书", **fields})
    assert caught.value.details["field"] == field
    assert caught.value.code == "invalid_metadata"


def test_isbn_check_digit_is_still_refused() -> None:
    with pytest.raises(InvalidMetadata) as caught:
        WorkMetadata.from_mapping({"title": "书", "isbn": "9787536692931"})
    assert caught.value.details["field"] == "isbn"


def test_version_named_and_right_is_accepted() -> None:
    metadata = WorkMetadata.from_mapping({"title": "书", "v": "banquan.metadata/1"})
    assert metadata.version == METADATA_VERSION_1
    metadata = WorkMetadata.from_mapping(
        {"title": "书", "v": "banquan.metadata/2", "work_type": "musical"}
    )
    assert metadata.to_json()["work_type"] == "musical"
