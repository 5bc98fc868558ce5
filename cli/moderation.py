"""``banquan audit``: the moderation audit log (verify its hash chain, export, prune)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.output import refused
from registry.core.errors import ConfigurationError, RegistryError

if TYPE_CHECKING:
    from registry.platform import Runtime

audit_app = typer.Typer(help="The moderation audit log (hash-chained).")
console = Console(soft_wrap=True)


def _runtime() -> Runtime:
    from registry.core.settings import Settings
    from registry.platform import build_runtime

    try:
        return build_runtime(Settings())
    except (RegistryError, ConfigurationError) as exc:
        raise refused(exc) from exc


@audit_app.command()
def verify() -> None:
    """Recompute every entry's digest; exit 1 at the first entry that was changed or removed."""
    runtime = _runtime()
    try:
        result = runtime.moderation.verify_audit()
    finally:
        runtime.close()
    if result.valid:
        console.print(f"audit log intact: {result.entries} entries, head {result.head_digest}")
        return
    console.print(
        f"[red]audit log broken[/red] at entry {result.first_bad_id}: {result.problem} "
        f"({result.entries} entries before it check)"
    )
    raise typer.Exit(code=1)


@audit_app.command()
def export(
    output: Annotated[
        Path | None, typer.Option("-o", help="File (default: standard output)")
    ] = None,
    since: Annotated[datetime | None, typer.Option(help="Only entries from this time")] = None,
) -> None:
    """Write the log as JSON lines (for regulators), oldest first."""
    runtime = _runtime()
    try:
        lines = runtime.moderation.audit_lines(since=since)
        if output is None:
            sys.stdout.writelines(lines)
        else:
            with output.open("w", encoding="utf-8") as out:
                out.writelines(lines)
    finally:
        runtime.close()


@audit_app.command()
def prune() -> None:
    """Delete entries older than BANQUAN_MODERATION_AUDIT_RETENTION_DAYS."""
    from registry.moderation import prune_audit

    runtime = _runtime()
    try:
        removed = prune_audit(
            runtime.sessions,
            retention_days=runtime.settings.moderation_audit_retention_days,
            now=runtime.now,
        )
    finally:
        runtime.close()
    console.print(f"{removed} entries older than the retention period removed")
