"""Catalogue manifests: CSV and JSON, per-line errors, resumable registration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.core.errors import InvalidManifest
from registry.core.models import CatalogueJobItem
from registry.platform.runtime import Runtime
from registry.proofs.verification import find_by_file
from registry.registration.catalogue import read_manifest
from registry.registration.catalogue_jobs import get_job, list_jobs, register_catalogue


def write_books(directory: Path, count: int) -> None:
    for n in range(count):
        (directory / f"book{n}.txt").write_text(f"第{n}卷 " * 200, encoding="utf-8")


def csv_manifest(directory: Path, count: int) -> Path:
    lines = ["file,title,authors,isbn,rights"]
    lines += [f"book{n}.txt,卷{n},作者甲;作者乙,,reproduction;distribution" for n in range(count)]
    path = directory / "catalogue.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_and_json_manifests_read_the_same(tmp_path: Path) -> None:
    from_csv = read_manifest(csv_manifest(tmp_path, 2))
    json_path = tmp_path / "catalogue.json"
    json_path.write_text(
        json.dumps(
            [
                {
                    "file": f"book{n}.txt",
                    "title": f"卷{n}",
                    "authors": ["作者甲", "作者乙"],
                    "rights": ["reproduction", "distribution"],
                }
                for n in range(2)
            ]
        ),
        encoding="utf-8",
    )
    from_json = read_manifest(json_path)
    assert [(i.file, i.metadata) for i in from_csv] == [(i.file, i.metadata) for i in from_json]
    assert from_csv[0].metadata.authors == ("作者甲", "作者乙")


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("file,title\nbook0.txt,\n", 2),
        ("file,title,colour\nbook0.txt,t,red\n", 2),
        ("file,title,isbn\nbook0.txt,t,123\n", 2),
        ("file,title\nbook0.txt,t\n,t\n", 3),
    ],
)
def test_a_wrong_line_is_named(tmp_path: Path, content: str, line: int) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidManifest) as caught:
        read_manifest(path)
    assert caught.value.details["line"] == line


def test_running_a_catalogue_again_registers_only_what_is_missing(
    runtime: Runtime, tmp_path: Path
) -> None:
    write_books(tmp_path, 4)
    manifest = csv_manifest(tmp_path, 4)
    (tmp_path / "book3.txt").unlink()  # missing: fails, the others go on

    def run() -> list[str]:
        results = register_catalogue(runtime.registrar, manifest, read_manifest(manifest))
        failed = [r for r in results if r.outcome == "failed"]
        assert [r.error_code for r in failed] == ["unreadable_file"] * len(failed)
        return [r.outcome for r in results]

    assert run() == ["registered", "registered", "registered", "failed"]
    # The job says the same: three registered, the missing file's item still waits for it.
    (job,) = list_jobs(runtime.sessions, owner=None)
    assert (job.state, job.counts["registered"], job.counts["pending"]) == ("open", 3, 1)
    items = get_job(runtime.sessions, job.id, owner=None).items
    assert [(i.state, i.error_code) for i in items] == [("registered", None)] * 3 + [
        ("pending", "unreadable_file")
    ]
    with runtime.sessions() as session:  # files on this machine are not copied to the store
        assert set(session.scalars(select(CatalogueJobItem.staged_cid))) == {None}
    write_books(tmp_path, 4)
    outcomes = run()
    assert outcomes == ["already_registered"] * 3 + ["registered"]
    with (tmp_path / "book0.txt").open("rb") as book:
        assert len(find_by_file(runtime.sessions, book)) == 1  # not registered twice
