"""``banquan audit``: verify the moderation audit log's hash chain, detect a tampered entry,
export it as JSON lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from cli.main import app
from registry.core.database import migrate, unit_of_work
from registry.core.models import ModerationAuditEntry
from registry.moderation.audit import append_audit
from registry.platform.runtime import build_runtime
from tests.cli.test_main import environment  # noqa: F401 (fixture)

runner = CliRunner()


def test_audit_verify_passes_then_detects_a_tampered_entry(
    environment: object,  # noqa: F811
    tmp_path: Path,
) -> None:
    from registry.core.settings import Settings

    runtime = build_runtime(Settings())
    migrate(runtime.engine)
    with unit_of_work(runtime.sessions) as session:
        for n in range(3):
            append_audit(
                session,
                actor="moderator-1",
                action="review.decided",
                subject=f"review:{n}",
                payload={"accept": True, "reason": "理由"},
                at=datetime(2026, 11, 27, 10, n, tzinfo=UTC),
            )
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "3 entries" in ok.output
    exported = tmp_path / "audit.jsonl"
    assert runner.invoke(app, ["audit", "export", "-o", str(exported)]).exit_code == 0
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert [line["payload"]["reason"] for line in lines] == ["理由"] * 3
    with unit_of_work(runtime.sessions) as session:
        session.execute(
            update(ModerationAuditEntry)
            .where(ModerationAuditEntry.id == lines[1]["id"])
            .values(actor="someone-else")
        )
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"entry {lines[1]['id']}" in broken.output
    runtime.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_unknown_hook_in_settings_stops_the_command_naming_it(
    environment: object,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BANQUAN_MODERATION_HOOKS", '["blocklist", "nope"]')
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 2
    assert "nope" in result.output
