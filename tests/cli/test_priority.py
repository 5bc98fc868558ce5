"""``banquan verify`` says who registered the same content first, by file and by number."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from cli.priority import claimant_text, priority_lines
from crypto.signing import KeySigner, generate_private_key
from registry.access.parties import create_party, key_identifier
from registry.core.database import migrate
from registry.core.metadata import WorkMetadata
from registry.core.settings import Settings
from registry.core.states import RegistrationStatus
from registry.core.views import Claimant, Priority
from registry.platform.runtime import Runtime, build_runtime

runner = CliRunner()
BOOK = "第一章 天下大势，分久必合，合久必分。".encode() * 50


@pytest.fixture
def environment(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)
    monkeypatch.setenv("BANQUAN_MODERATION_HOOKS", '["blocklist", "conflict"]')
    return Settings()


def register_as(runtime: Runtime, name: str) -> str:
    key = generate_private_key("sm2")
    create_party(
        runtime.sessions,
        public_name=name,
        keys=[key_identifier(key.public_key)],
        now=runtime.now,
    )
    registrar = runtime.registrar.signing_with(KeySigner(key))
    view = registrar.register(io.BytesIO(BOOK), WorkMetadata(title="三国演义"), publish=True)
    assert view.status == "pending"
    return view.number


def test_verify_names_the_first_registration_and_the_later_claimants(
    environment: Settings, tmp_path: Path
) -> None:
    runtime = build_runtime(environment)
    migrate(runtime.engine)
    first = register_as(runtime, "四川人民出版社")
    assert runtime.new_batcher().run_once().anchored == 1
    later = register_as(runtime, "Copycat Press")
    runtime.close()
    book = tmp_path / "book.txt"
    book.write_bytes(BOOK)

    by_file = runner.invoke(app, ["verify", str(book)])
    assert by_file.exit_code == 0, by_file.output
    output = " ".join(by_file.output.split())
    assert f"首次登记 First registered: {first}，四川人民出版社，登记于 registered " in output
    assert " UTC，锚定于 anchored " in output
    assert f"后续登记 Later claimants: {later}，Copycat Press，登记于 registered " in output

    by_number = runner.invoke(app, ["verify", "--number", later, "--json"])
    assert by_number.exit_code == 0, by_number.output
    (answer,) = json.loads(by_number.output)
    assert answer["number"] == later
    assert answer["priority"]["first"]["number"] == first
    assert answer["priority"]["is_first"] is False

    alone = runner.invoke(app, ["verify", "--number", first])
    assert "首次登记 First registered:" in alone.output
    assert "后续登记" in alone.output
    missing = runner.invoke(app, ["verify", "--number", "BQ-2026-99999999"])
    assert missing.exit_code == 1
    assert runner.invoke(app, ["verify"]).exit_code == 2


def test_a_prior_claim_held_for_review_is_said_so() -> None:
    first = Claimant(
        number="BQ-2026-00000001",
        claimant="四川人民出版社",
        party="party_a",
        registered_at=datetime(2026, 12, 4, 10, tzinfo=UTC),
        anchored_at=None,
        status=RegistrationStatus.HELD,
        taken_down=False,
    )
    (line,) = priority_lines(Priority(first=first, later=(), is_first=False))
    assert line.endswith("（待审核 held for review）")
    pending = dataclasses.replace(first, status=RegistrationStatus.PENDING)
    assert "待审核" not in claimant_text(pending)
    # A takedown or a revocation is told as the stronger state.
    assert claimant_text(dataclasses.replace(first, taken_down=True)).endswith(
        "（已下架 taken down）"
    )
