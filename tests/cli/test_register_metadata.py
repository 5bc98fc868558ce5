"""`banquan register` with the 作品登记 options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from registry.core.models import Work
from registry.core.settings import Settings
from registry.platform.runtime import build_runtime

runner = CliRunner()


@pytest.fixture
def environment(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)
    return Settings()


def test_register_with_the_registration_fields(environment: Settings, tmp_path: Path) -> None:
    book = tmp_path / "book.txt"
    book.write_text("弱小和无知不是生存的障碍，傲慢才是。", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "register", str(book), "--title", "三体", "--author", "刘慈欣",
            "--work-type", "written", "--owner", "刘慈欣=70", "--owner", "重庆出版社=30",
            "--holding", "joint", "--acquisition", "created", "--created-on", "2006-05-01",
            "--published-on", "2008-01-01", "--publisher", "重庆出版社", "--edition", "第1版",
            "--series", "地球往事", "--translator", "Ken Liu", "--dci", "DCI:0101-2008-000001",
            "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    number = json.loads(result.output)["number"]
    runtime = build_runtime(environment)
    with runtime.sessions() as session:
        stored = json.loads(session.scalars(select(Work.metadata_json)).one())
    runtime.close()
    assert number.startswith("BQ-")
    assert stored["v"] == "banquan.metadata/2"
    assert stored["owners"] == [
        {"name": "刘慈欣", "share": "70"},
        {"name": "重庆出版社", "share": "30"},
    ]
    assert stored["contributors"] == [{"name": "Ken Liu", "role": "B06"}]
    assert (stored["work_type"], stored["publisher"], stored["dci"]) == (
        "written",
        "重庆出版社",
        "DCI:0101-2008-000001",
    )


def test_register_refuses_shares_that_do_not_add_up(environment: Settings, tmp_path: Path) -> None:
    book = tmp_path / "book.txt"
    book.write_text("words", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    result = runner.invoke(app, ["register", str(book), "--owner", "甲=60", "--owner", "乙=30"])
    assert result.exit_code == 2
    assert "invalid_metadata" in result.output
    assert "100" in result.output


def test_export_as_json_ld_and_onix(environment: Settings, tmp_path: Path) -> None:
    from lxml import etree

    book = tmp_path / "book.txt"
    book.write_text("给岁月以文明", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    registered = runner.invoke(
        app,
        ["register", str(book), "--title", "三体", "--author", "刘慈欣", "--isbn",
         "9787536692930", "--translator", "Ken Liu", "--json"],
    )  # fmt: skip
    number = json.loads(registered.output)["number"]
    jsonld = runner.invoke(app, ["export", number, "--format", "jsonld"])
    assert jsonld.exit_code == 0, jsonld.output
    document = json.loads(jsonld.stdout)
    assert (document["name"], document["isbn"]) == ("三体", "9787536692930")
    target = tmp_path / "santi.xml"
    onix = runner.invoke(app, ["export", number, "-f", "onix", "-o", str(target)])
    assert onix.exit_code == 0, onix.output
    root = etree.fromstring(target.read_bytes(), etree.XMLParser(resolve_entities=False))
    names = root.xpath(
        "//o:Contributor/o:PersonName/text()",
        namespaces={"o": "http://ns.editeur.org/onix/3.0/reference"},
    )
    assert names == ["刘慈欣", "Ken Liu"]
    wrong = runner.invoke(app, ["export", number, "--format", "marc"])
    assert wrong.exit_code == 2
