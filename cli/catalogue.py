"""``banquan catalogue MANIFEST``: register a whole catalogue, resumably, with a progress bar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli.keys import PasswordFile, read_password
from crypto.keystore import decrypt_key, read_keystore
from crypto.signing import KeySigner
from registry.catalogue import ItemResult, read_manifest, register_catalogue
from registry.errors import RegistryError
from registry.runtime import build_runtime
from registry.settings import Settings

console = Console(soft_wrap=True)


def catalogue(
    manifest: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    key: Annotated[
        Path | None,
        typer.Option(help="Sign every claim with this keystore (custodial)", exists=True),
    ] = None,
    password_file: PasswordFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line per item")] = False,
) -> None:
    """Register every work of a CSV or JSON manifest (file, title, authors, isbn, language,
    rights). Run it again after an interruption: what is registered is not registered twice.

    Exit status: 0 every item registered, 3 some failed, 2 the manifest is wrong.
    """
    try:
        items = read_manifest(manifest)
    except RegistryError as exc:
        console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(code=2) from exc
    signer = None
    if key is not None:
        signer = KeySigner(
            decrypt_key(read_keystore(key), read_password(password_file, confirm=False))
        )
    runtime = build_runtime(Settings())
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, disable=as_json,
    )  # fmt: skip
    try:
        with progress:
            task = progress.add_task(f"registering {manifest.name}", total=len(items))

            def report(result: ItemResult) -> None:
                progress.advance(task)
                if as_json:
                    console.print(json.dumps(result_json(result), ensure_ascii=False), markup=False)

            results = register_catalogue(
                runtime.sessions, runtime.store, manifest, items,
                max_bytes=runtime.settings.max_upload_bytes, now=runtime.now,
                protection=runtime.protection, signer=signer, on_item=report,
            )  # fmt: skip
    finally:
        runtime.close()
    if not as_json:
        console.print(summary(results))
    if any(r.outcome == "failed" for r in results):
        raise typer.Exit(code=3)


def result_json(result: ItemResult) -> dict[str, object]:
    return {
        "file": str(result.file),
        "number": result.number,
        "outcome": result.outcome,
        "error": result.error_code,
        "message": result.message,
    }


def summary(results: list[ItemResult]) -> Table:
    table = Table(title="catalogue")
    for column in ("file", "number", "outcome"):
        table.add_column(column)
    for result in results:
        outcome = result.outcome if result.error_code is None else f"failed: {result.error_code}"
        table.add_row(result.file.name, result.number or "—", outcome)
    counts = {
        o: sum(1 for r in results if r.outcome == o)
        for o in ("registered", "already_registered", "failed")
    }
    table.caption = ", ".join(f"{n} {o.replace('_', ' ')}" for o, n in counts.items())
    return table
