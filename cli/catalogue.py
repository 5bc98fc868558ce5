"""``banquan catalogue MANIFEST``: register a whole catalogue, resumably, with a progress bar;
with ``--job`` as a catalogue job (the one the HTTP API runs), created or resumed."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli.keys import PasswordFile, signer_from
from cli.output import refused
from crypto.signing import KeySigner
from registry.catalogue import CatalogueItem, ItemResult, read_manifest, register_catalogue
from registry.catalogue_jobs import (
    FILE_ERRORS,
    JobView,
    Upload,
    attach_files,
    create_job,
    get_job,
    process_job,
    registrar_for,
)
from registry.errors import InvalidManifest, RegistryError
from registry.runtime import Runtime, build_runtime
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
    job: Annotated[
        str | None,
        typer.Option(
            help="Run as a catalogue job: `new` creates one, a job id (CJ-…) resumes it with the "
            "files found next to MANIFEST that it still lacks"
        ),
    ] = None,
) -> None:
    """Register every work of a CSV or JSON manifest (file, title, authors, isbn, language,
    rights). Run it again after an interruption: what is registered is not registered twice.

    Exit status: 0 every item registered, 3 some failed (or, for a job, still wait for their
    files), 2 the manifest is wrong.
    """
    if job is not None:
        _run_job(manifest, job, key, password_file, as_json=as_json)
        return
    try:
        items = read_manifest(manifest)
    except RegistryError as exc:
        raise refused(exc) from exc
    register_items(
        manifest, items, signer_from(key, password_file), label=manifest.name, as_json=as_json
    )


def register_items(
    manifest: Path,
    items: list[CatalogueItem],
    signer: KeySigner | None,
    *,
    label: str,
    as_json: bool,
) -> None:
    """Register ``items`` with a progress bar and a summary table (or one JSON line each);
    exit 3 when any failed."""
    runtime = build_runtime(Settings())
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, disable=as_json,
    )  # fmt: skip
    try:
        with progress:
            task = progress.add_task(f"registering {label}", total=len(items))

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


def _run_job(
    manifest: Path, job_id: str, key: Path | None, password_file: Path | None, *, as_json: bool
) -> None:
    """Create (``new``) or resume a job: send the files it lacks that exist next to the manifest,
    and register every staged item."""
    signer = signer_from(key, password_file)
    runtime = build_runtime(Settings())
    try:
        view = _job_pass(runtime, manifest, job_id, signer)
    except RegistryError as exc:
        raise refused(exc) from exc
    finally:
        runtime.close()
    if as_json:
        for item in view.items:
            line = {
                "job": view.id, "position": item.position, "file": item.file,
                "state": item.state, "number": item.registration_number,
                "error": item.error_code, "message": item.error_message,
            }  # fmt: skip
            console.print(json.dumps(line, ensure_ascii=False), markup=False)
    else:
        console.print(job_summary(view))
    if view.state != "completed":
        raise typer.Exit(code=3)


def _job_pass(runtime: Runtime, manifest: Path, job_id: str, signer: KeySigner | None) -> JobView:
    registrar = registrar_for(runtime, signer=signer)
    if job_id == "new":
        try:
            text = manifest.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidManifest(f"cannot read {manifest.name}: {exc}") from exc
        kind = "json" if manifest.suffix.lower() == ".json" else "csv"
        view = create_job(runtime.sessions, owner="cli", manifest=text, kind=kind, now=runtime.now)
    else:
        view = get_job(runtime.sessions, job_id, owner=None)
    wanted = [
        manifest.parent / item.file
        for item in view.items
        if item.state == "pending" or (item.state == "refused" and item.error_code in FILE_ERRORS)
    ]
    present = [path for path in wanted if path.is_file()]
    with ExitStack() as stack:
        uploads = [Upload(p.name, stack.enter_context(p.open("rb"))) for p in present]
        if uploads:
            attach_files(registrar, view.id, uploads, owner=None)
    return process_job(registrar, view.id, owner=None)


def job_summary(view: JobView) -> Table:
    table = Table(title=f"catalogue job {view.id}")
    for column in ("file", "number", "state"):
        table.add_column(column)
    for item in view.items:
        state = item.state if item.error_code is None else f"{item.state}: {item.error_code}"
        table.add_row(item.file, item.registration_number or "—", state)
    table.caption = f"{view.state}: " + ", ".join(
        f"{n} {name}" for name, n in view.counts.items() if name != "total"
    )
    return table
