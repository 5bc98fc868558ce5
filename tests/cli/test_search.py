"""`banquan search`: the same lookups as GET /v1/works/search, from the command line."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from registry.core.settings import Settings

runner = CliRunner()


@pytest.fixture
def environment(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)
    return Settings()


def register(tmp_path: Path, title: str, *options: str) -> str:
    book = tmp_path / f"{secrets.token_hex(4)}.bin"
    book.write_bytes(secrets.token_bytes(3000))
    result = runner.invoke(app, ["register", str(book), "--title", title, *options, "--json"])
    assert result.exit_code == 0, result.output
    number: str = json.loads(result.output)["number"]
    return number


@pytest.fixture
def works(environment: Settings, tmp_path: Path) -> dict[str, str]:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    return {
        "santi": register(tmp_path, "三体", "--author", "刘慈欣", "--isbn", "9787536692930"),
        "ball": register(tmp_path, "球状闪电", "--author", "刘慈欣"),
        "infix": register(tmp_path, "地球往事三体", "--author", "某评论者"),
        "english": register(tmp_path, "The Wandering Earth", "--author", "Cixin Liu"),
    }


def found(*arguments: str) -> list[str]:
    result = runner.invoke(app, ["search", *arguments, "--json"])
    assert result.exit_code == 0, result.output
    return [work["number"] for work in json.loads(result.output)["works"]]


def test_search_by_author_title_and_isbn(works: dict[str, str]) -> None:
    assert found("--author", "刘慈") == [works["santi"], works["ball"]]
    assert found("--title", "三体") == [works["santi"]]
    assert found("--title", "the WANDERING") == [works["english"]]
    assert found("--isbn", "7-5366-9293-5") == [works["santi"]]
    result = runner.invoke(app, ["search", "--author", "刘慈", "--json"])
    [first, _second] = json.loads(result.output)["works"]
    assert first["title"] == "三体"
    assert first["authors"] == ["刘慈欣"]
    assert first["taken_down"] is False
    assert "sha256" not in first


def test_the_table_names_the_works(works: dict[str, str]) -> None:
    result = runner.invoke(app, ["search", "--author", "刘慈欣"])
    assert result.exit_code == 0, result.output
    assert works["santi"] in result.output
    assert works["ball"] in result.output
    assert works["infix"] not in result.output


def test_no_match_exits_1_and_a_bad_isbn_exits_2(works: dict[str, str]) -> None:
    infix = runner.invoke(app, ["search", "--title", "往事三体"])
    assert infix.exit_code == 1
    assert "未找到 / no registered work" in infix.output
    bad = runner.invoke(app, ["search", "--isbn", "9787536692931", "--json"])
    assert bad.exit_code == 2
    refusal = json.loads(bad.output)
    assert refusal["error"] == "invalid_search"
    assert refusal["details"]["field"] == "isbn"
    both = runner.invoke(app, ["search", "--title", "三体", "--author", "刘慈欣"])
    assert both.exit_code == 2
    assert "invalid_search" in both.output
