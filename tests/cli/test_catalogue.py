"""banquan catalogue: a manifest registered with a summary, resumable, JSON for scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app

runner = CliRunner()


@pytest.fixture
def manifest(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    for n in range(3):
        (tmp_path / f"v{n}.txt").write_text(f"卷{n}" * 100, encoding="utf-8")
    path = tmp_path / "catalogue.csv"
    path.write_text(
        "file,title,authors\n" + "".join(f"v{n}.txt,卷{n},某作者\n" for n in range(3)),
        encoding="utf-8",
    )
    return path


def test_catalogue_registers_then_resumes(manifest: Path) -> None:
    first = runner.invoke(app, ["catalogue", str(manifest)])
    assert first.exit_code == 0, first.output
    assert "3 registered" in first.output
    again = runner.invoke(app, ["catalogue", str(manifest), "--json"])
    assert again.exit_code == 0, again.output
    lines = [json.loads(line) for line in again.output.splitlines() if line.startswith("{")]
    assert [line["outcome"] for line in lines] == ["already_registered"] * 3
    assert all(line["number"].startswith("BQ-") for line in lines)


def test_wrong_manifest_exits_2_and_a_failed_item_exits_3(manifest: Path) -> None:
    bad = manifest.with_name("bad.csv")
    bad.write_text("title\nno file column\n", encoding="utf-8")
    refused = runner.invoke(app, ["catalogue", str(bad)])
    assert refused.exit_code == 2
    assert "invalid_manifest" in refused.output
    (manifest.parent / "v1.txt").unlink()
    partial = runner.invoke(app, ["catalogue", str(manifest)])
    assert partial.exit_code == 3
    assert "1 failed" in partial.output


def test_catalogue_as_a_job_waits_for_missing_files_then_resumes(manifest: Path) -> None:
    missing = manifest.parent / "v2.txt"
    kept = missing.read_bytes()
    missing.unlink()
    first = runner.invoke(app, ["catalogue", str(manifest), "--job", "new", "--json"])
    assert first.exit_code == 3, first.output
    lines = [json.loads(line) for line in first.output.splitlines() if line.startswith("{")]
    assert [line["state"] for line in lines] == ["registered", "registered", "pending"]
    job_id = lines[0]["job"]
    numbers = [line["number"] for line in lines[:2]]
    missing.write_bytes(kept)
    resumed = runner.invoke(app, ["catalogue", str(manifest), "--job", job_id, "--json"])
    assert resumed.exit_code == 0, resumed.output
    lines = [json.loads(line) for line in resumed.output.splitlines() if line.startswith("{")]
    assert [line["state"] for line in lines] == ["registered"] * 3
    assert [line["number"] for line in lines[:2]] == numbers  # not registered again
    unknown = runner.invoke(app, ["catalogue", str(manifest), "--job", "CJ-nothing"])
    assert unknown.exit_code == 2
    assert "catalogue_job_not_found" in unknown.output
