"""``banquan admin``: API keys and the audit log."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from cli.output import refused
from registry.access import audit_log, create_api_key, revoke_api_key
from registry.errors import RegistryError
from registry.runtime import build_runtime
from registry.settings import Settings

admin_app = typer.Typer(help="API keys and the audit log.")
console = Console(soft_wrap=True)


@admin_app.command(name="create-key")
def create_key(
    name: Annotated[str, typer.Option(help="Who the key is for")],
    scope: Annotated[
        list[str],
        typer.Option(help="publisher, platform, lender, moderator, regulator, operator, admin"),
    ],
    ip: Annotated[
        list[str] | None, typer.Option(help="Allowed client network (repeatable)")
    ] = None,
) -> None:
    """Create an API key; it is printed once and never stored."""
    runtime = build_runtime(Settings())
    try:
        issued = create_api_key(
            runtime.sessions, name=name, scopes=scope, ip_allowlist=ip or (), now=runtime.now
        )
    except RegistryError as exc:
        raise refused(exc) from exc
    finally:
        runtime.close()
    console.print(f"key id {issued.key_id} ({', '.join(issued.scopes)})")
    console.print(issued.secret, markup=False, highlight=False)


@admin_app.command(name="revoke-key")
def revoke_key(key_id: Annotated[str, typer.Argument(help="The key's id")]) -> None:
    """Revoke an API key."""
    runtime = build_runtime(Settings())
    try:
        revoke_api_key(runtime.sessions, key_id, now=runtime.now)
    except RegistryError as exc:
        raise refused(exc) from exc
    finally:
        runtime.close()
    console.print(f"revoked {key_id}")


@admin_app.command()
def audit(limit: Annotated[int, typer.Option(min=1)] = 100) -> None:
    """Print the latest writes through the API as JSON lines, newest first."""
    runtime = build_runtime(Settings())
    try:
        for entry in audit_log(runtime.sessions, limit=limit):
            line = {
                "at": entry.at.isoformat(),
                "key_id": entry.key_id,
                "method": entry.method,
                "path": entry.path,
                "status": entry.status,
            }
            console.print(json.dumps(line), markup=False, highlight=False)
    finally:
        runtime.close()
