"""``banquan catalogue MANIFEST``: register a whole catalogue, resumably, with a progress bar;
with ``--job`` as a catalogue job (the one the HTTP API runs), created or resumed."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.keys import PasswordFile, signer_from
from cli.output import refused
from registry.core.errors import RegistryError
from registry.core.states import CatalogueItemState, CatalogueJobState

if TYPE_CHECKING:
    from rich.table import Table

    from crypto.signing import KeySigner
    from registry.platform import Runtime
    from registry.registration import CatalogueItem, ItemResult, JobView

console = Console(soft_wrap=True)


def _runtime() -> Runtime:
    from registry.core.settings import Settings
    from registry.platform import build_runtime

    return build_runtime(Settings())


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
    rights), or of an ONIX 3.0 / CNONIX file (books.xml; run as a job, each product matched to
    the file beside it named after its ISBN-13 or RecordReference). Run it again after an
    interruption: what is registered is not
    registered twice.

    Exit status: 0 every item registered, 3 some failed (or, for a job, still wait for their
    files), 2 the manifest is wrong.
    """
    from registry.registration import read_manifest

    if job is None and manifest.suffix.lower() == ".xml":
        job = "new"  # ONIX: each product's outcome is kept, refused records and all
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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from registry.registration import register_catalogue

    runtime = _runtime()
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
                    console.print(json.dumps(result.to_json(), ensure_ascii=False), markup=False)

            results = register_catalogue(
                runtime.registrar.signing_with(signer), manifest, items, on_item=report
            )
    finally:
        runtime.close()
    if not as_json:
        console.print(summary(results))
    if any(r.outcome == "failed" for r in results):
        raise typer.Exit(code=3)


def summary(results: list[ItemResult]) -> Table:
    from rich.table import Table

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
    runtime = _runtime()
    try:
        view = _job_pass(runtime, manifest, job_id, signer)
    except RegistryError as exc:
        raise refused(exc) from exc
    finally:
        runtime.close()
    if as_json:
        for item in view.items:
            line = {"job": view.id, **item.to_json()}
            console.print(json.dumps(line, ensure_ascii=False), markup=False)
    else:
        console.print(job_summary(view))
    if view.state != CatalogueJobState.COMPLETED:
        raise typer.Exit(code=3)


def _job_pass(runtime: Runtime, manifest: Path, job_id: str, signer: KeySigner | None) -> JobView:
    from registry.registration import (
        FILE_ERRORS,
        Upload,
        attach_files,
        create_job,
        get_job,
        process_job,
    )
    from registry.registration.catalogue import read_manifest_file

    registrar = runtime.registrar.signing_with(signer)
    if job_id == "new":
        read = read_manifest_file(manifest)
        view = create_job(
            runtime.sessions, owner="cli", manifest=read.text, kind=read.kind, now=runtime.now,
            match_files=read.beside,
        )  # fmt: skip
    else:
        view = get_job(runtime.sessions, job_id, owner=None)
    wanted = [
        manifest.parent / item.file
        for item in view.items
        if item.state == CatalogueItemState.PENDING
        or (item.state == CatalogueItemState.REFUSED and item.error_code in FILE_ERRORS)
    ]
    present = [path for path in wanted if path.is_file()]
    with ExitStack() as stack:
        uploads = [Upload(p.name, stack.enter_context(p.open("rb"))) for p in present]
        if uploads:
            attach_files(registrar, view.id, uploads, owner=None)
    return process_job(registrar, view.id, owner=None)


def job_summary(view: JobView) -> Table:
    from rich.table import Table

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
