"""How every command reports a refusal: the error code and message, exit status 2."""

from __future__ import annotations

import json
from typing import Annotated

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


def takedown_mark(taken_down: bool, revoked: bool, *, lead: str) -> str:
    """What follows a listed work in force of a takedown or revoked (``lead`` before it), or
    nothing; a revocation is also a takedown, told as the stronger of the two."""
    if revoked:
        return f"{lead}[red]已撤销 / revoked[/red]"
    return f"{lead}[red]已下架 / taken down[/red]" if taken_down else ""
