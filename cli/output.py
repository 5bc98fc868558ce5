"""How every command reports a refusal: the error code and message, exit status 2."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from registry.core.errors import ConfigurationError, RegistryError

REFUSED = 2
#: The option of every command that prints JSON for scripts, its refusals included.
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON")]
_stdout = Console(soft_wrap=True)


def refused(error: RegistryError | ConfigurationError, *, as_json: bool = False) -> typer.Exit:
    """Print ``error`` (as ``{error, message, details}`` with ``as_json``) and return the exit to
    raise: ``raise refused(exc) from exc``."""
    if as_json:
        document = {"error": error.code, "message": error.message, "details": error.details}
        print(json.dumps(document, ensure_ascii=False, default=str))
    else:
        _stdout.print(f"[red]error[/red] {error.code}: {error.message}", highlight=False)
    return typer.Exit(code=REFUSED)


def plain(value: Any) -> Any:
    """``value`` as JSON can hold it: dataclasses as objects, tuples as lists, times in ISO 8601."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def show_fields(as_json: bool, result: dict[str, Any]) -> None:
    """A command's result: one JSON object with ``as_json``, else one ``name value`` line each."""
    if as_json:
        print(json.dumps(plain(result), ensure_ascii=False))
        return
    for name, value in result.items():
        _stdout.print(f"{name:18} {plain(value)}", highlight=False)


def takedown_mark(taken_down: bool, revoked: bool, *, lead: str) -> str:
    """What follows a listed work in force of a takedown or revoked (``lead`` before it), or
    nothing; a revocation is also a takedown, told as the stronger of the two."""
    if revoked:
        return f"{lead}[red]已撤销 / revoked[/red]"
    return f"{lead}[red]已下架 / taken down[/red]" if taken_down else ""
