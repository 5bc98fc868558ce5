"""Catalogue jobs from an ONIX 3.0 / CNONIX file: mapping, refusals per record, safe parsing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.core.errors import InvalidManifest
from registry.core.models import CatalogueJob, Registration, Work
from registry.platform.runtime import Runtime
from registry.registration.catalogue_jobs import Upload, attach_files, create_job, process_job
from registry.registration.onix_import import parse_onix

SAMPLE = (Path(__file__).parent / "data" / "books.onix.xml").read_text(encoding="utf-8")
FILES = ["9787536692930.txt", "CQPH-SANTI-EN.epub", "9787020002207.txt", "9787536692931.txt"]
OWNER = "key-1"


def test_products_map_to_rows_and_refusals() -> None:
    records = parse_onix(SAMPLE, files=FILES)
    by_ref = {r.reference: r for r in records if r.refusal is None}
    santi = by_ref["CQPH-SANTI-1"]
    assert santi.file == "9787536692930.txt"
    assert santi.fields == {
        "title": "三体",
        "isbn": "9787536692930",
        "authors": ["刘慈欣"],
        "series": "地球往事三部曲",
        "series_number": "1",
        "language": "zh",
        "edition": "第1版",
        "subject": "科幻小说",
        "publisher": "重庆出版社",
        "first_published_place": "重庆",
        "first_published_on": "2008-01-01",
    }
    english = by_ref["CQPH-SANTI-EN"]
    assert english.file == "CQPH-SANTI-EN.epub"  # matched by RecordReference
    assert english.fields["title"] == "三体：英文版"
    assert english.fields["contributors"] == [
        {"name": "Ken Liu", "role": "B06"},
        {"name": "西西弗斯", "role": "A12"},
    ]
    assert english.fields["language"] == "en"
    assert "first_published_on" not in english.fields  # a year only: noted, not mapped
    assert english.notes
    hlm = by_ref["CQPH-HLM"]
    assert hlm.fields["authors"] == ["曹雪芹", "高鹗"]
    assert hlm.fields["contributors"] == [{"name": "中国艺术研究院红楼梦研究所", "role": "B01"}]
    refused = [(r.reference, r.refusal[0]) for r in records if r.refusal is not None]
    assert refused == [
        ("CQPH-BAD-ISBN", "invalid_isbn"),
        ("CQPH-WEICHENG", "no_matching_file"),
        ("CQPH-SANTI-1", "duplicate_record"),
        ("CQPH-UNKNOWN-ROLE", "onix_unknown_code"),
    ]
    assert len({r.file for r in records}) == len(records)


@pytest.mark.parametrize(
    "document",
    [
        "not xml",
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<ONIXMessage release="3.0"><Product><RecordReference>&e;</RecordReference>'
        "</Product></ONIXMessage>",
        '<ONIXMessage release="2.1"><Product/></ONIXMessage>',
        "<ONIXmessage><product/></ONIXmessage>",
        '<ONIXMessage xmlns="http://ns.editeur.org/onix/3.0/reference" release="3.0"/>',
    ],
    ids=["not xml", "external entity", "ONIX 2.1", "short tags", "no product"],
)
def test_unreadable_or_unsafe_documents_are_refused_whole(document: str) -> None:
    with pytest.raises(InvalidManifest):
        parse_onix(document)


def test_an_onix_job_registers_the_mapped_products_and_refuses_the_rest(
    runtime: Runtime,
) -> None:
    uploads = [Upload(name, io.BytesIO(f"正文 {name}".encode() * 40)) for name in FILES[:3]]
    job = create_job(
        runtime.sessions, owner=OWNER, manifest=SAMPLE, kind="onix", now=runtime.now,
        file_names=[u.name for u in uploads],
    )  # fmt: skip
    assert job.counts["total"] == 7
    attach_files(runtime.registrar, job.id, uploads, owner=OWNER)
    done = process_job(runtime.registrar, job.id, owner=OWNER)
    states = [(i.file, i.state, i.error_code) for i in done.items]
    assert [s[1] for s in states].count("registered") == 3
    assert [s[2] for s in states if s[1] == "refused"] == [
        "invalid_isbn",
        "no_matching_file",
        "duplicate_record",
        "onix_unknown_code",
    ]
    assert done.state == "partly"
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Registration)) == 3
        stored = [json.loads(m) for m in session.scalars(select(Work.metadata_json))]
    english = next(m for m in stored if m["title"] == "三体：英文版")
    assert english["v"] == "banquan.metadata/2"
    assert english["contributors"][0] == {"name": "Ken Liu", "role": "B06"}


def test_an_unreadable_onix_manifest_stores_no_job(runtime: Runtime) -> None:
    with pytest.raises(InvalidManifest):
        create_job(
            runtime.sessions, owner=OWNER, manifest="<ONIXMessage", kind="onix", now=runtime.now
        )
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CatalogueJob)) == 0
