"""cli.runtime: a command's runtime is closed after use, and a refusal exits 2 with its code —
while the work runs and while the runtime is built, in every command alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlalchemy.pool import Pool
from typer.testing import CliRunner

from cli.main import app
from cli.runtime import refusing, registry_runtime
from registry.core.errors import InvalidInput
from registry.platform import Runtime


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(data))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", f"sqlite:///{tmp_path / 'banquan.db'}")
    return data


def test_a_refusal_exits_2_with_its_code_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as exited, refusing(as_json=True):
        raise InvalidInput("bad input", details={"field": "title"})
    assert exited.value.exit_code == 2
    assert json.loads(capsys.readouterr().out) == {
        "error": "invalid_input",
        "message": "bad input",
        "details": {"field": "title"},
    }


def test_a_refusal_exits_2_with_its_code_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as exited, refusing():
        raise InvalidInput("bad input")
    assert exited.value.exit_code == 2
    assert capsys.readouterr().out.strip() == "error invalid_input: bad input"


def test_other_exceptions_pass_through() -> None:
    with pytest.raises(ValueError, match="not ours"), refusing():
        raise ValueError("not ours")


def test_the_runtime_is_closed_after_a_refusal(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    used: list[tuple[Runtime, Pool]] = []

    def refused_while_used() -> None:
        with registry_runtime() as runtime:
            used.append((runtime, runtime.engine.pool))
            raise InvalidInput("refused while used")

    with pytest.raises(typer.Exit) as exited:
        refused_while_used()
    assert exited.value.exit_code == 2
    [(runtime, pool)] = used
    assert runtime.engine.pool is not pool  # disposed: the engine holds a new, empty pool
    assert "refused while used" in capsys.readouterr().out


@pytest.mark.parametrize(
    "command",
    [
        ["search", "--title", "x", "--json"],
        ["admin", "audit"],
        ["admin", "party", "list", "--json"],
        ["webhooks", "deliver"],
    ],
)
def test_a_fault_while_building_is_refused_by_every_command(
    environment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    # An unusable key file named by the settings: exit 2 with its code, never a traceback.
    unusable = tmp_path / "master.key"
    unusable.write_text("not a key\n", encoding="utf-8")
    unusable.chmod(0o600)
    monkeypatch.setenv("BANQUAN_MASTER_KEY_FILE", str(unusable))

    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "invalid_key_file" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_fault_while_building_is_refused(
    environment: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    unusable = tmp_path / "master.key"
    unusable.write_text("not a key\n", encoding="utf-8")
    unusable.chmod(0o600)
    monkeypatch.setenv("BANQUAN_MASTER_KEY_FILE", str(unusable))

    with pytest.raises(typer.Exit) as exited, registry_runtime(as_json=True):
        pass
    assert exited.value.exit_code == 2
    assert json.loads(capsys.readouterr().out)["error"] == "invalid_key_file"
