"""``banquan``: run the embedded stack, serve the API, register and verify works."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from cli.admin import admin_app
from cli.catalogue import catalogue, register_items
from cli.keys import PasswordFile, keys_app, signer_from
from cli.launcher import AnvilProcess
from cli.moderation import audit_app
from cli.output import refused
from cli.pledge import asset_app, pledge_app
from cli.similar import similar
from cli.webhooks import start_dispatcher, webhooks_app
from registry.access import create_api_key
from registry.catalogue import NO_MANIFEST, file_items
from registry.certificate import render_certificate
from registry.claims import ClientSignedClaim, claim_for
from registry.content import open_content, publish_work
from registry.database import migrate
from registry.errors import RegistryError
from registry.ingest import describe
from registry.metadata import WorkMetadata
from registry.proof_bundle import check_bundle, proof_bundle
from registry.registration import register_work
from registry.rights import ALL_RIGHT_NAMES
from registry.runtime import Runtime, build_runtime
from registry.settings import Settings
from registry.timestamps import timestamper_for
from registry.verification import ProofCheck, check_proof, find_by_file, get_registration
from registry.views import RegistrationView

app = typer.Typer(help="banquan 版权 — copyright registry on a permissioned EVM chain.")
console = Console(soft_wrap=True)
app.add_typer(keys_app, name="keys")
app.add_typer(admin_app, name="admin")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(audit_app, name="audit")
app.add_typer(pledge_app, name="pledge")
app.add_typer(asset_app, name="asset")
app.command(name="catalogue")(catalogue)
app.command(name="similar")(similar)


def _runtime(settings: Settings | None = None) -> Runtime:
    return build_runtime(settings or Settings())


@app.command()
def run() -> None:
    """Start the embedded stack: Anvil (state in the data directory), database, API and web page."""
    settings = Settings()
    anvil = AnvilProcess(
        port=settings.anvil_port,
        state_file=settings.data_dir / "anvil-state.json",
        workdir=settings.data_dir,
    )
    console.print(
        f"starting Anvil on 127.0.0.1:{settings.anvil_port} (state in {settings.data_dir})"
    )
    anvil.start()
    try:
        os.environ["BANQUAN_CHAIN_RPC_URL"] = anvil.rpc_url
        settings = Settings()
        runtime = _runtime(settings)
        migrate(runtime.engine)
        client = runtime.anchor_client()
        dev_key = _dev_api_key(runtime)
        runtime.close()
        console.print(f"RegistryAnchor at {client.address} (chain {client.chain_id()})")
        base = f"http://{settings.api_host}:{settings.api_port}"
        console.print(
            f"web page  {base}/\nAPI docs  {base}/docs\n"
            f"data      {settings.data_dir.resolve()}  (Ctrl-C stops everything; data is kept)"
        )
        if dev_key is not None:
            console.print(f"API key   {dev_key}  (admin, development only; also in {DEV_KEY_FILE})")
        worker = subprocess.Popen([sys.executable, "-m", "cli", "worker"])
        try:
            _serve(settings)
        finally:
            worker.terminate()
            worker.wait(60)
    finally:
        console.print("stopping Anvil (saving its state)")
        anvil.stop()


@app.command()
def serve() -> None:
    """Serve the API against the configured database and chain (no embedded chain)."""
    runtime = _runtime()
    migrate(runtime.engine)
    runtime.close()
    _serve(runtime.settings)


def _serve(settings: Settings) -> None:
    # By name, not by import: the CLI and the API are both faces over registry, and neither
    # imports the other. The factory reads the same BANQUAN_* environment as this process.
    uvicorn.run("api.app:create_app", factory=True, host=settings.api_host, port=settings.api_port)


DEV_KEY_FILE = "dev-api-key"


def _dev_api_key(runtime: Runtime) -> str | None:
    """In dev mode, an admin key for trying the API, made once and kept in the data directory."""
    if runtime.settings.mode != "dev":
        return None
    path = runtime.settings.data_dir / DEV_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    issued = create_api_key(runtime.sessions, name="development", scopes=["admin"], now=runtime.now)
    path.touch(mode=0o600)
    path.write_text(issued.secret + "\n", encoding="utf-8")
    return issued.secret


@app.command()
def worker() -> None:
    """Anchor pending registrations: seal batches, send, settle and confirm them, until stopped.

    Several workers may run against one PostgreSQL database; they coordinate through it.
    """
    runtime = _runtime()
    batcher = runtime.new_batcher()
    dispatcher = start_dispatcher(runtime)

    def stop(_signum: int, _frame: object) -> None:
        batcher.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    console.print(f"worker anchoring every {runtime.settings.batch_interval_seconds} s")
    try:
        batcher.run_forever()
    finally:
        dispatcher.stop()
        runtime.close()


@app.command(name="migrate")
def migrate_command() -> None:
    """Apply the database migrations."""
    runtime = _runtime()
    migrate(runtime.engine)
    runtime.close()
    console.print("database is up to date")


@app.command()
def register(
    paths: Annotated[
        list[Path],
        typer.Argument(exists=True, readable=True, help="Files, or directories of files"),
    ],
    title: Annotated[
        str | None, typer.Option(help="Title of the work (one file; default: its file name)")
    ] = None,
    author: Annotated[list[str] | None, typer.Option(help="Author (repeatable)")] = None,
    isbn: Annotated[str | None, typer.Option(help="ISBN (one file)")] = None,
    language: Annotated[str | None, typer.Option()] = None,
    right: Annotated[
        list[str] | None,
        typer.Option(help=f"Right claimed (repeatable; default all): {', '.join(ALL_RIGHT_NAMES)}"),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(help="Sign the claims with this keystore (SM2 or secp256k1)", exists=True),
    ] = None,
    password_file: PasswordFile = None,
    publish: Annotated[bool, typer.Option(help="Store the content in the clear")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Register one file, or many: every file of the directories given, each titled by its name,
    with a progress bar and a summary table. Run it again after an interruption: what is
    registered is not registered twice. Content is stored encrypted unless --publish; the
    worker anchors it on chain. (A catalogue with per-work metadata: `banquan catalogue`.)

    With --key and one file the claim is signed here, as any client would sign it, and the
    registry checks the signature against the file it receives; with many files the registry
    signs each claim with that key.

    Exit status: 0 registered, 2 refused (bad input or key), 3 some of many files failed.
    """
    common: dict[str, object] = {"authors": author or []}
    if language:
        common["language"] = language
    if right:
        common["rights"] = right
    if len(paths) == 1 and paths[0].is_file():
        raw: dict[str, object] = {**common, "title": title or paths[0].stem}
        if isbn:
            raw["isbn"] = isbn
        _register_one(paths[0], raw, key, password_file, publish=publish, as_json=as_json)
        return
    if title or isbn or publish:
        console.print("[red]error[/red] --title, --isbn and --publish name one file")
        raise typer.Exit(code=2)
    try:
        items = file_items(paths, common)
        signer = signer_from(key, password_file)
    except RegistryError as exc:
        raise refused(exc) from exc
    register_items(NO_MANIFEST, items, signer, label=f"{len(items)} files", as_json=as_json)


def _register_one(
    file: Path,
    raw: dict[str, object],
    key: Path | None,
    password_file: Path | None,
    *,
    publish: bool,
    as_json: bool,
) -> None:
    runtime = _runtime()
    try:
        metadata = WorkMetadata.from_mapping(raw)
        client_signed = None
        signer = signer_from(key, password_file)
        if signer is not None:
            with file.open("rb") as content:
                described = describe(content)
            claim = claim_for(described, metadata, signer.public_key, registered_at=runtime.now())
            client_signed = ClientSignedClaim(claim.to_json(), claim.sign(signer).to_text())
        with file.open("rb") as content:
            view = register_work(
                runtime.sessions,
                runtime.store,
                content,
                metadata,
                max_bytes=runtime.settings.max_upload_bytes,
                now=runtime.now,
                client_signed=client_signed,
                protection=runtime.protection,
                publish=publish,
                moderation=runtime.moderation_gate(None),
            )
    except RegistryError as exc:
        raise refused(exc) from exc
    finally:
        runtime.close()
    if as_json:
        console.print(json.dumps(_view_json(view), ensure_ascii=False), markup=False)
        return
    console.print(f"registered {view.number} ({view.status}, claim {view.signing_mode})")
    console.print(f"sha256 {view.sha256}\nsm3    {view.sm3}\ncid    {view.cid}")


def _view_json(view: RegistrationView) -> dict[str, object]:
    return {
        "number": view.number,
        "status": view.status,
        "title": view.title,
        "signing_mode": view.signing_mode,
        "sha256": view.sha256,
        "sm3": view.sm3,
        "cid": view.cid,
    }


@app.command()
def publish(number: Annotated[str, typer.Argument(help="Registration number")]) -> None:
    """Publish a registered work: store it in the clear under its CID."""
    runtime = _runtime()
    try:
        published_at = publish_work(
            runtime.sessions,
            runtime.store,
            runtime.protection,
            number,
            now=runtime.now,
            moderation=runtime.moderation_gate(None),
        )
    except RegistryError as exc:
        raise refused(exc) from exc
    finally:
        runtime.close()
    console.print(f"{number} published at {published_at.isoformat()}")


@app.command()
def content(
    number: Annotated[str, typer.Argument(help="Registration number")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the content here")],
) -> None:
    """Write a registered work's content (decrypted with the master key if private)."""
    runtime = _runtime()
    try:
        with output.open("wb") as out:
            for chunk in open_content(runtime.sessions, runtime.store, runtime.protection, number):
                out.write(chunk)
    except RegistryError as exc:
        output.unlink(missing_ok=True)
        raise refused(exc) from exc
    finally:
        runtime.close()
    console.print(f"wrote {output}")


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Is FILE registered? Prints registered / anchored / proof-valid.

    Exit status: 0 registered, 1 not registered, 3 a proof does not check.
    """
    runtime = _runtime()
    try:
        with file.open("rb") as content:
            views = find_by_file(runtime.sessions, content)
        client = runtime.existing_anchor_client()
        results = [(view, check_proof(view, client)) for view in views]
    except RegistryError as exc:
        if exc.code == "digest_not_registered":
            console.print(f"not registered: {file}")
            raise typer.Exit(code=1) from exc
        raise refused(exc) from exc
    finally:
        runtime.close()
    if as_json:
        console.print_json(json.dumps([_summary(v, c.ok) for v, c in results]))
    else:
        for view, check in results:
            _print_check(view, check)
    if any(_failed(view, check) for view, check in results):
        raise typer.Exit(code=3)


def _failed(view: RegistrationView, check: ProofCheck) -> bool:
    """A pending registration is fine; a claim or an anchored proof that does not check is not."""
    return not check.leaf_matches_claim or (view.anchor is not None and not check.ok)


def _print_check(view: RegistrationView, check: ProofCheck) -> None:
    anchored = f"yes, tx {view.anchor.tx_hash}" if view.anchor else "no (pending)"
    console.print(
        f"registered {view.number} '{view.title}' at {view.registered_at.isoformat()}\n"
        f"  anchored:    {anchored}\n"
        f"  proof valid: {_verdict(check.ok, view.anchor is not None)}"
        f" (claim {check.leaf_matches_claim}, path {check.proof_valid},"
        f" chain {check.chain_confirms})"
    )


@app.command()
def proof(
    number: Annotated[str, typer.Argument(help="Registration number")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the bundle here")],
) -> None:
    """Write the offline proof bundle of an anchored registration."""
    runtime = _runtime()
    try:
        view = get_registration(runtime.sessions, number)
        bundle = proof_bundle(
            view, timestamper=timestamper_for(runtime.settings, runtime.sessions, runtime.now)
        )
    except RegistryError as exc:
        raise refused(exc) from exc
    finally:
        runtime.close()
    output.write_text(json.dumps(bundle, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {output}")


@app.command()
def certificate(
    number: Annotated[str, typer.Argument(help="Registration number")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the PDF here")],
) -> None:
    """Write the registration certificate (PDF)."""
    runtime = _runtime()
    try:
        view = get_registration(runtime.sessions, number)
        pdf = render_certificate(view, public_base_url=runtime.settings.public_base_url)
    except RegistryError as exc:
        raise refused(exc) from exc
    finally:
        runtime.close()
    output.write_bytes(pdf)
    console.print(f"wrote {output}")


@app.command(name="verify-proof")
def verify_proof_command(
    bundle_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    file: Annotated[
        Path | None, typer.Option("--file", help="Also check this file against the claim")
    ] = None,
    rpc: Annotated[
        str | None, typer.Option("--rpc", help="Also check the root on chain via this JSON-RPC")
    ] = None,
    tsa_cert: Annotated[
        Path | None,
        typer.Option(
            "--tsa-cert",
            exists=True,
            dir_okay=False,
            help="Check the timestamp against this TSA certificate (or its CA), PEM or DER",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Check a proof bundle without banquan: claim, signature, Merkle path, [timestamp], [file],
    [chain].

    Exit status: 0 every check made passed, 3 a check failed, 2 the bundle is malformed.
    """
    try:
        bundle = json.loads(bundle_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        console.print(f"[red]error[/red] invalid_proof_bundle: not JSON ({exc})")
        raise typer.Exit(code=2) from exc
    chain = None
    if rpc is not None and isinstance(bundle, dict) and isinstance(bundle.get("anchor"), dict):
        chain = RegistryAnchorClient(connect(rpc), str(bundle["anchor"].get("contract")))
    certificate = tsa_cert.read_bytes() if tsa_cert is not None else None
    try:
        if file is not None:
            with file.open("rb") as content:
                result = check_bundle(
                    bundle, content=content, chain=chain, tsa_certificate=certificate
                )
        else:
            result = check_bundle(bundle, chain=chain, tsa_certificate=certificate)
    except RegistryError as exc:
        raise refused(exc) from exc
    if as_json:
        console.print_json(json.dumps({"ok": result.ok, **result.results, "notes": result.notes}))
    else:
        for name, passed in result.results.items():
            verdict = {True: "[green]ok[/green]", False: "[red]FAILED[/red]", None: "-"}[passed]
            console.print(f"{name:<12} {verdict}")
        for note in result.notes:
            console.print(f"  {note}")
        console.print("[green]proof valid[/green]" if result.ok else "[red]proof INVALID[/red]")
    if not result.ok:
        raise typer.Exit(code=3)


def _verdict(ok: bool, anchored: bool) -> str:
    if not anchored:
        return "not yet (pending)"
    return "[green]yes[/green]" if ok else "[red]NO[/red]"


def _summary(view: RegistrationView, ok: bool) -> dict[str, object]:
    return {
        "number": view.number,
        "status": view.status,
        "tx_hash": view.anchor.tx_hash if view.anchor else None,
        "proof_ok": ok,
    }


chain_app = typer.Typer(help="The chain-derived tables: assets, licences, liens, freezes.")
app.add_typer(chain_app, name="chain")


@chain_app.command("rebuild")
def chain_rebuild() -> None:
    """Wipe the chain-derived tables and replay them from the contracts' events.

    The worker keeps them current on its own; this is for a lost or doubtful database.
    """
    runtime = _runtime()
    try:
        result = runtime.rebuild_chain_state()
    except RegistryError as exc:
        raise refused(exc) from exc
    finally:
        runtime.close()
    if result.to_block is None:
        console.print("no confirmed blocks to replay yet")
        return
    console.print(
        f"rebuilt from blocks {result.from_block}-{result.to_block}: {result.events} events"
    )


def main() -> None:
    app()
