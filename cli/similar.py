"""``banquan similar ISCC``: registered works near an ISCC code (or a file's codes)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.output import AsJson, takedown_mark
from cli.runtime import registry_runtime

if TYPE_CHECKING:
    from registry.moderation import SimilarWorks

console = Console(soft_wrap=True)


def similar(
    iscc: Annotated[
        str | None,
        typer.Argument(help="ISCC Data-Code, text Content-Code, or an ISCC-CODE holding them"),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", exists=True, dir_okay=False, help="Search by this file's codes"),
    ] = None,
    max_distance: Annotated[
        int,
        typer.Option(help="Hamming distance (bits of 64) that counts as near, 0–{max_distance}"),
    ] = 6,
    limit: Annotated[int, typer.Option(help="Most matches (1–100)")] = 20,
    as_json: AsJson = False,
) -> None:
    """Registered works near an ISCC code or a file (read, not stored), nearest first.

    Exit status: 0 some found, 1 none, 2 a bad code or option.
    """
    from registry.moderation import find_similar_works, find_works_similar_to_file

    if (iscc is None) == (file is None):
        console.print("[red]error[/red] invalid_input: give an ISCC code or --file, not both")
        raise typer.Exit(code=2)
    with registry_runtime() as runtime:
        if file is not None:
            with file.open("rb") as stream:
                found = find_works_similar_to_file(
                    runtime.sessions,
                    stream,
                    max_bytes=runtime.settings.max_upload_bytes,
                    max_distance=max_distance,
                    limit=limit,
                )
        elif iscc is not None:
            found = find_similar_works(
                runtime.sessions, iscc, max_distance=max_distance, limit=limit
            )
        else:  # neither was refused above
            raise typer.Exit(code=2)
    _show(found, as_json=as_json)
    if not found.matches:
        raise typer.Exit(code=1)


def _show(found: SimilarWorks, *, as_json: bool) -> None:
    if as_json:
        document = {
            "query": found.query.codes,
            "max_distance": found.max_distance,
            "matches": [asdict(match) for match in found.matches],
        }
        console.print_json(json.dumps(document, ensure_ascii=False))
        return
    if not found.matches:
        console.print(f"no registered work within {found.max_distance} bits")
        return
    from rich.table import Table

    table = Table("number", "title", "registrant", "data", "content", "status")
    for match in found.matches:
        table.add_row(
            match.number,
            match.title,
            match.registrant or "-",
            _bits(match.distance.get("data")),
            _bits(match.distance.get("content")),
            match.status + takedown_mark(match.taken_down, match.revoked, lead=" "),
        )
    console.print(table)


def _bits(distance: int | None) -> str:
    return "-" if distance is None else str(distance)
