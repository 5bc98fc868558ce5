"""banquan admin collect-garbage: the staged copies of a catalogue job go, its works stay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from tests.cli.conftest import environment_runtime

runner = CliRunner()


def last_json(output: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return document


def test_collect_garbage_removes_staged_catalogue_files_and_keeps_the_works(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"卷{n} 正文" * 200 for n in range(3)]
    for n, text in enumerate(texts):
        (tmp_path / f"v{n}.txt").write_text(text, encoding="utf-8")
    manifest = tmp_path / "catalogue.csv"
    manifest.write_text(
        "file,title\n" + "".join(f"v{n}.txt,卷{n}\n" for n in range(3)), encoding="utf-8"
    )
    with environment_runtime(tmp_path, database_url, anvil.rpc_url, monkeypatch) as runtime:
        # A job stages each file (encrypted) in the content store, then registers it and
        # releases the staged copy: three unpinned roots are left for the collection.
        job = runner.invoke(app, ["catalogue", str(manifest), "--job", "new", "--json"])
        assert job.exit_code == 0, job.output
        lines = [json.loads(line) for line in job.output.splitlines() if line.startswith("{")]
        numbers = [str(line["number"]) for line in lines]
        assert len(numbers) == 3

        dry = runner.invoke(app, ["admin", "collect-garbage", "--dry-run", "--json"])
        assert dry.exit_code == 0, dry.output
        counted = last_json(dry.output)
        assert counted["dry_run"] is True
        assert counted["removed_blocks"] == 3  # one block a staged (small) file

        done = runner.invoke(app, ["admin", "collect-garbage", "--json"])
        assert done.exit_code == 0, done.output
        removed = last_json(done.output)
        assert (removed["removed_blocks"], removed["removed_bytes"]) == (
            counted["removed_blocks"],
            counted["removed_bytes"],
        )
        assert last_json(
            runner.invoke(app, ["admin", "collect-garbage", "--json"]).output
        )["removed_blocks"] == 0  # fmt: skip

        for number, text in zip(numbers, texts, strict=True):
            assert b"".join(runtime.registrar.content(number)) == text.encode()
        shown = runner.invoke(app, ["admin", "collect-garbage"])
        assert shown.exit_code == 0, shown.output
        assert "已清理 removed 0 blocks" in shown.output
