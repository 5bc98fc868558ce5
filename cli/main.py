"""``banquan``: run the embedded stack, serve the API, register and verify works."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from cli.admin import admin_app
from cli.catalogue import catalogue, register_items
from cli.deferred_help import DeferredHelp
from cli.edition import edition_app
from cli.evidence import check_package_file, evidence
from cli.keys import PasswordFile, keys_app, signer_from
from cli.migrate import migrate_suite
from cli.moderation import audit_app
from cli.output import AsJson, refused
from cli.parties import own_party_app
from cli.pledge import asset_app, pledge_app
from cli.runtime import registry_runtime
from cli.search import search
from cli.similar import similar
from cli.webhooks import webhooks_app
from registry.core.errors import RegistryError

# Every command imports what it needs when it runs (web3, SQLAlchemy, the registry's contexts
# take seconds to import): `banquan --help` and the commands that need little start at once.
if TYPE_CHECKING:
    from web3 import Web3

    from registry.core.settings import Settings
    from registry.core.views import RegistrationView
    from registry.platform import Runtime
    from registry.proofs import ProofCheck
    from registry.proofs.proof_bundle import BundleCheck, CheckResult

app = typer.Typer(help="banquan 版权 — copyright registry on a permissioned EVM chain.")
console = Console(soft_wrap=True)
app.add_typer(keys_app, name="keys")
app.add_typer(admin_app, name="admin")
admin_app.command(name="migrate-suite")(migrate_suite)
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(audit_app, name="audit")
app.add_typer(pledge_app, name="pledge")
app.add_typer(asset_app, name="asset")
app.add_typer(edition_app, name="edition")
app.add_typer(own_party_app, name="party")
app.command(name="catalogue")(catalogue)
app.command(name="similar", cls=DeferredHelp)(similar)
app.command(name="evidence")(evidence)
app.command(name="search")(search)


T = TypeVar("T")


def _runtime(settings: Settings | None = None) -> Runtime:
    from registry.core.settings import Settings
    from registry.platform import build_runtime

    return build_runtime(settings or Settings())


def _with_runtime(use: Callable[[Runtime], T]) -> T:
    """``use`` a runtime built from the environment, closed after; a refusal (or a fault of the
    settings) exits 2 with its code."""
    with registry_runtime() as runtime:
        return use(runtime)


@app.command()
def run() -> None:
    """Start the embedded stack: Anvil (state in the data directory), database, API and web page."""
    from cli.launcher import AnvilProcess
    from registry.core.database import migrate
    from registry.core.settings import Settings

    settings = Settings()
    anvil = AnvilProcess(
        port=settings.anvil_port,
        state_file=settings.data_dir / "anvil-state.json",
        workdir=settings.data_dir,
        free_gas=True,
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
    from registry.core.database import migrate

    runtime = _runtime()
    migrate(runtime.engine)
    runtime.close()
    _serve(runtime.settings)


def _serve(settings: Settings) -> None:
    # By name, not by import: the CLI and the API are both faces over registry, and neither
    # imports the other. The factory reads the same BANQUAN_* environment as this process.
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=settings.api_host, port=settings.api_port)


DEV_KEY_FILE = "dev-api-key"


def _dev_api_key(runtime: Runtime) -> str | None:
    """In dev mode, an admin key for trying the API, made once and kept in the data directory."""
    if runtime.settings.mode != "dev":
        return None
    path = runtime.settings.data_dir / DEV_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    from registry.access import create_api_key

    issued = create_api_key(runtime.sessions, name="development", scopes=["admin"], now=runtime.now)
    path.touch(mode=0o600)
    path.write_text(issued.secret + "\n", encoding="utf-8")
    return issued.secret


@app.command()
def worker() -> None:
    """Anchor pending registrations: seal batches, send, settle and confirm them, until stopped.

    Several workers may run against one PostgreSQL database; they coordinate through it.
    """
    from cli.webhooks import start_dispatcher

    runtime = _runtime()
    batcher = runtime.new_batcher()
    dispatcher = start_dispatcher(runtime)
    # Each external chain in a thread of its own: one that is down holds up nothing else.
    external = runtime.new_external_anchorers()
    for anchorer in external:
        anchorer.start()

    def stop(_signum: int, _frame: object) -> None:
        batcher.request_stop()
        for anchorer in external:
            anchorer.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    console.print(f"worker anchoring every {runtime.settings.batch_interval_seconds} s")
    if external:
        names = ", ".join(anchorer.chain_name for anchorer in external)
        console.print(f"anchoring every root again on {names}")
    try:
        batcher.run_forever()
    finally:
        for anchorer in external:
            anchorer.stop()
        dispatcher.stop()
        runtime.close()


@app.command(name="migrate")
def migrate_command() -> None:
    """Apply the database migrations."""
    from registry.core.database import migrate

    runtime = _runtime()
    migrate(runtime.engine)
    runtime.close()
    console.print("database is up to date")


@app.command(cls=DeferredHelp)
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
        typer.Option(help="Right claimed (repeatable; default all): {rights}"),
    ] = None,
    work_type: Annotated[
        str | None,
        typer.Option(
            help="作品类别 Work type: written, musical, fine_art, software… (docs/metadata.md)"
        ),
    ] = None,
    owner: Annotated[
        list[str] | None,
        typer.Option(
            help="著作权人 Copyright owner, NAME or NAME=SHARE in per cent (repeatable; shares "
            "add up to 100)"
        ),
    ] = None,
    acquisition: Annotated[
        str | None,
        typer.Option(help="权利取得方式: created, commissioned, employment, transfer, inheritance"),
    ] = None,
    holding: Annotated[
        str | None,
        typer.Option(help="权利归属方式: individual, joint, legal_person, employment"),
    ] = None,
    created_on: Annotated[
        str | None, typer.Option(help="创作完成日期 Creation completed, YYYY-MM-DD")
    ] = None,
    published_on: Annotated[
        str | None, typer.Option(help="首次发表日期 First published, YYYY-MM-DD")
    ] = None,
    published_place: Annotated[
        str | None, typer.Option(help="首次发表地点 Place of first publication")
    ] = None,
    publisher: Annotated[str | None, typer.Option(help="出版者 Publisher")] = None,
    edition: Annotated[str | None, typer.Option(help="版次 Edition, e.g. 第2版")] = None,
    series: Annotated[str | None, typer.Option(help="丛书 Series title")] = None,
    subject: Annotated[str | None, typer.Option(help="主题 Subject")] = None,
    issn: Annotated[str | None, typer.Option(help="ISSN of the serial")] = None,
    isrc: Annotated[str | None, typer.Option(help="ISRC (one file)")] = None,
    dci: Annotated[str | None, typer.Option(help="DCI code (one file)")] = None,
    translator: Annotated[
        list[str] | None, typer.Option(help="译者 Translator (repeatable; ONIX role B06)")
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(help="Sign the claims with this keystore (SM2 or secp256k1)", exists=True),
    ] = None,
    password_file: PasswordFile = None,
    publish: Annotated[bool, typer.Option(help="Store the content in the clear")] = False,
    as_json: AsJson = False,
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
    from registry.registration import NO_MANIFEST, file_items

    common: dict[str, object] = {"authors": author or []}
    if language:
        common["language"] = language
    if right:
        common["rights"] = right
    given = {
        "work_type": work_type,
        "acquisition": acquisition,
        "holding": holding,
        "created_on": created_on,
        "first_published_on": published_on,
        "first_published_place": published_place,
        "publisher": publisher,
        "edition": edition,
        "series": series,
        "subject": subject,
        "issn": issn,
    }
    common.update({name: value for name, value in given.items() if value is not None})
    if owner:
        common["owners"] = [_owner(text) for text in owner]
    if translator:
        common["contributors"] = [{"name": name, "role": "B06"} for name in translator]
    if len(paths) == 1 and paths[0].is_file():
        raw: dict[str, object] = {**common, "title": title or paths[0].stem}
        for name, value in (("isbn", isbn), ("isrc", isrc), ("dci", dci)):
            if value:
                raw[name] = value
        _register_one(paths[0], raw, key, password_file, publish=publish, as_json=as_json)
        return
    if title or isbn or isrc or dci or publish:
        console.print("[red]error[/red] --title, --isbn, --isrc, --dci and --publish name one file")
        raise typer.Exit(code=2)
    try:
        items = file_items(paths, common)
        signer = signer_from(key, password_file)
    except RegistryError as exc:
        raise refused(exc) from exc
    register_items(NO_MANIFEST, items, signer, label=f"{len(items)} files", as_json=as_json)


def _owner(text: str) -> dict[str, object]:
    """``NAME`` or ``NAME=SHARE`` as an owner of the metadata."""
    name, sep, share = text.rpartition("=")
    if sep and name.strip():
        return {"name": name.strip(), "share": share.strip()}
    return {"name": text.strip()}


def _register_one(
    file: Path,
    raw: dict[str, object],
    key: Path | None,
    password_file: Path | None,
    *,
    publish: bool,
    as_json: bool,
) -> None:
    from registry.content import describe
    from registry.core.metadata import WorkMetadata
    from registry.registration import ClientSignedClaim, claim_for

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
            view = runtime.registrar.register(
                content, metadata, client_signed=client_signed, publish=publish
            )
    except RegistryError as exc:
        raise refused(exc) from exc
    finally:
        runtime.close()
    if as_json:
        console.print(json.dumps(view.summary_json(), ensure_ascii=False), markup=False)
        return
    console.print(f"registered {view.number} ({view.status}, claim {view.signing_mode})")
    from registry.core.states import REGISTRATION_STATUS_WORDS, RegistrationStatus
    from registry.registration.claims import SIGNING_MODE_WORDS

    console.print(f"  {REGISTRATION_STATUS_WORDS[RegistrationStatus(view.status)]}")
    console.print(f"  {SIGNING_MODE_WORDS[view.signing_mode]}")
    console.print(f"sha256 {view.sha256}\nsm3    {view.sm3}\ncid    {view.cid}")


@app.command()
def publish(number: Annotated[str, typer.Argument(help="Registration number")]) -> None:
    """Publish a registered work: store it in the clear under its CID."""
    published_at = _with_runtime(lambda runtime: runtime.registrar.publish(number))
    console.print(f"{number} published at {published_at.isoformat()}")


@app.command()
def export(
    number: Annotated[str, typer.Argument(help="Registration number")],
    export_format: Annotated[
        str, typer.Option("--format", "-f", help="jsonld (schema.org) or onix (ONIX 3.0 XML)")
    ] = "jsonld",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: standard output)")
    ] = None,
) -> None:
    """A registration's metadata for catalogues: schema.org JSON-LD or an ONIX 3.0 record."""
    from registry.proofs.metadata_export import ExportFormat, export_work

    if export_format not in tuple(ExportFormat):
        console.print("[red]error[/red] 格式应为 jsonld 或 onix / --format is jsonld or onix")
        raise typer.Exit(code=2)
    exported = _with_runtime(
        lambda runtime: export_work(runtime.sessions, number, ExportFormat(export_format))
    )
    if output is not None:
        output.write_bytes(exported.body)
        console.print(f"wrote {output}")
        return
    sys.stdout.buffer.write(exported.body)
    sys.stdout.buffer.flush()


@app.command()
def content(
    number: Annotated[str, typer.Argument(help="Registration number")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the content here")],
) -> None:
    """Write a registered work's content (decrypted with the master key if private)."""
    runtime = _runtime()
    try:
        with output.open("wb") as out:
            for chunk in runtime.registrar.content(number):
                out.write(chunk)
    except RegistryError as exc:
        output.unlink(missing_ok=True)
        raise refused(exc) from exc
    finally:
        runtime.close()
    console.print(f"wrote {output}")


@app.command()
def verify(
    file: Annotated[Path | None, typer.Argument(exists=True, dir_okay=False, readable=True)] = None,
    number: Annotated[
        str | None, typer.Option("--number", "-n", help="Verify this registration number instead")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Is FILE (or registration --number) registered? Prints registered / anchored /
    proof-valid, and who registered the same content first (首次登记) and after (后续登记).

    Exit status: 0 registered, 1 not registered (nothing recorded, or every registration found
    rejected by moderation), 3 a proof does not check or a regulator revoked the registration
    (on chain, or as the registry recorded it).
    """
    if (file is None) == (number is None):
        console.print("give a FILE or --number, not both")
        raise typer.Exit(code=2)
    from cli.priority import distinct_priorities, priority_json, priority_lines
    from registry.core.settings import Settings
    from registry.core.views import counts_as_registered
    from registry.platform.verifier import build_verifier

    # Only the database and a read of the chain: no web3.py, no contexts it does not need.
    verifier = build_verifier(Settings())
    try:
        if file is not None:
            with file.open("rb") as content:
                results = verifier.proofs.checked(verifier.proofs.find_by_file(content))
        else:
            results = verifier.proofs.checked([verifier.proofs.registration(str(number))])
    except RegistryError as exc:
        if exc.code in ("digest_not_registered", "registration_not_found"):
            console.print(f"未登记 not registered: {escape(str(file or number))}")
            raise typer.Exit(code=1) from exc
        raise refused(exc) from exc
    finally:
        verifier.close()
    if as_json:
        console.print_json(
            json.dumps(
                [_summary(v, c.ok) | {"priority": priority_json(v.priority)} for v, c in results],
                ensure_ascii=False,
            )
        )
    else:
        for view, check in results:
            _print_check(view, check)
        for priority in distinct_priorities([view for view, _check in results]):
            for line in priority_lines(priority):
                console.print(escape(line))
    if any(_failed(view, check) for view, check in results):
        raise typer.Exit(code=3)
    if not counts_as_registered(view for view, _check in results):
        raise typer.Exit(code=1)


def _failed(view: RegistrationView, check: ProofCheck) -> bool:
    """A pending registration is fine; a claim or an anchored proof that does not check is not,
    nor is a revoked registration, whether the chain was read or not."""
    return (
        not check.leaf_matches_claim or view.revoked or (view.anchor is not None and not check.ok)
    )


# A registration's first line: what it is. Moderation may hold it (registered, under review) or
# reject it (recorded, never registered: `verify` then exits 1 unless another one counts).
_HEADLINE = {
    "held": "已登记，待审核 registered, held for review",
    "rejected": "已驳回，未登记 rejected, not registered",
}

# Who decided a takedown, as a person reads it: zh-CN, then English.
_AUTHORITY_WORDS = {"moderator": "审核员 the moderator", "regulator": "监管机构 a regulator"}


def _print_check(view: RegistrationView, check: ProofCheck) -> None:
    from registry.core.states import (
        REGISTRATION_STATUS_WORDS,
        REGISTRATION_WITHHELD,
        RegistrationStatus,
    )
    from registry.registration.claims import SIGNING_MODE_WORDS

    status = RegistrationStatus(view.status)
    if view.anchor is not None:
        anchored = f"是 yes, tx {view.anchor.tx_hash}"
    elif status in REGISTRATION_WITHHELD:
        anchored = "否 no (见状态 see the status)"
    else:
        anchored = "否，待上链 no (pending)"
    console.print(
        f"{_HEADLINE.get(status, '已登记 registered')} {view.number} '{view.title}'"
        f" at {view.registered_at.isoformat()}\n"
        f"  上链 anchored:  {anchored}\n"
        f"  证明有效 proof valid: {_verdict(check.ok, view.anchor is not None)}"
        f" (claim {check.leaf_matches_claim}, path {check.proof_valid},"
        f" chain {check.chain_confirms})"
    )
    console.print(f"  状态 status:  {REGISTRATION_STATUS_WORDS.get(status, view.status)}")
    console.print(f"  声明 claim:   {SIGNING_MODE_WORDS.get(view.signing_mode, view.signing_mode)}")
    if view.party is not None:
        console.print(
            f"  登记人 registrant: {escape(view.party.public_name)} ({view.party.party_id})",
            highlight=False,
        )
    if view.revoked and view.takedown is not None:
        console.print(
            "  [red]已撤销 revoked[/red]: 监管机构已撤销此登记，不再有效"
            " / a regulator revoked this registration, it is no longer valid;"
            f" reason digest {view.takedown.get('reason_digest')},"
            f" tx {view.takedown.get('tx_hash')}"
        )
    elif check.revoked:
        console.print(
            "  [red]已撤销 revoked[/red]: 链上已撤销此登记或其批次根，不再有效"
            " / revoked on chain (the registration or its batch root), it is no longer valid"
        )
    elif view.takedown is not None:
        authority = str(view.takedown.get("authority"))
        console.print(
            f"  [red]已下架 taken down[/red]: 由{_AUTHORITY_WORDS.get(authority, authority)},"
            f" reason digest {view.takedown.get('reason_digest')},"
            f" tx {view.takedown.get('tx_hash')}"
        )


@app.command()
def proof(
    number: Annotated[str, typer.Argument(help="Registration number")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the bundle here")],
) -> None:
    """Write the offline proof bundle of an anchored registration."""
    bundle = _with_runtime(lambda runtime: runtime.proofs.bundle(number))
    output.write_text(json.dumps(bundle, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {output}")


@app.command()
def certificate(
    number: Annotated[str, typer.Argument(help="Registration number")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the PDF here")],
) -> None:
    """Write the registration certificate (PDF)."""
    pdf = _with_runtime(lambda runtime: runtime.proofs.certificate(number))
    output.write_bytes(pdf)
    console.print(f"wrote {output}")


PROOF_INVALID = 3
PROOF_UNCHECKED = 4


@app.command(name="verify-proof")
def verify_proof_command(
    bundle_file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="A proof bundle (JSON), or an evidence package (ZIP): its manifest's digests and "
            "the operator's SM2 signature are checked first, then its bundle",
        ),
    ],
    file: Annotated[
        Path | None, typer.Option("--file", help="Also check this file against the claim")
    ] = None,
    rpc: Annotated[
        str | None, typer.Option("--rpc", help="Also check the root on chain via this JSON-RPC")
    ] = None,
    anchor_contract: Annotated[
        str | None,
        typer.Option(
            "--anchor-contract",
            help="The registry's RegistryAnchor address, as it publishes it: with --rpc the root "
            "is checked there (unpinned, the chain check proves nothing: the bundle names the "
            "contract itself)",
        ),
    ] = None,
    moderation_contract: Annotated[
        str | None,
        typer.Option(
            "--moderation-contract",
            help="The registry's Moderation address, as it publishes it: with --rpc takedowns are "
            "read there",
        ),
    ] = None,
    anchor_for: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor-for",
            help="NAME=ADDRESS: the RegistryAnchor the registry publishes for external chain NAME "
            "(repeatable)",
        ),
    ] = None,
    rpc_for: Annotated[
        list[str] | None,
        typer.Option(
            "--rpc-for",
            help="NAME=URL: also check the bundle's anchoring on external chain NAME via this "
            "JSON-RPC (repeatable)",
        ),
    ] = None,
    tsa_cert: Annotated[
        Path | None,
        typer.Option(
            "--tsa-cert",
            exists=True,
            dir_okay=False,
            readable=True,
            help="Check the timestamp against this TSA certificate (or its CA), PEM or DER",
        ),
    ] = None,
    as_json: AsJson = False,
    operator_key: Annotated[
        Path | None,
        typer.Option(
            "--operator-key",
            exists=True,
            dir_okay=False,
            readable=True,
            help="An evidence package's operator SM2 public key (PEM, or sm2:04… in a file)",
        ),
    ] = None,
) -> None:
    """Check a proof bundle without banquan: claim, leaf, signature and Merkle path; the RFC 3161
    timestamp of a version 2 bundle; with --file the file's digests; with --rpc the root on chain,
    in the contract pinned with --anchor-contract; with --rpc-for NAME=URL the root on external
    chain NAME (second anchoring), in the contract pinned with --anchor-for NAME=ADDRESS.

    Exit status:
    0 valid: every check made passed;
    3 invalid: a check failed (named);
    4 not checked: a check could not be made (named): its source unreachable, or its contract
    not pinned; none failed;
    2 the bundle is malformed.
    """
    import zipfile

    from registry.proofs import Pins, check_bundle

    pins = Pins(
        registry_anchor=_address_option("--anchor-contract", anchor_contract),
        moderation=_address_option("--moderation-contract", moderation_contract),
        external={
            name: _address_option(f"--anchor-for {name}", address) or ""
            for name, address in _name_pairs("--anchor-for", "ADDRESS", anchor_for or []).items()
        },
    )
    if zipfile.is_zipfile(bundle_file):
        package_check = check_package_file(
            bundle_file,
            pins=pins,
            rpc=rpc,
            tsa_certificate=tsa_cert.read_bytes() if tsa_cert is not None else None,
            operator_key=operator_key.read_bytes() if operator_key is not None else None,
            file=file,
        )
        if as_json:
            console.print_json(json.dumps(_bundle_check_json(package_check)))
        else:
            _print_bundle_check(package_check)
        if status := _bundle_exit_status(package_check):
            raise typer.Exit(code=status)
        return

    try:
        bundle = json.loads(bundle_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        console.print(f"[red]error[/red] invalid_proof_bundle: not JSON ({exc})")
        raise typer.Exit(code=2) from exc
    chain = None
    if rpc is not None and isinstance(bundle, dict) and isinstance(bundle.get("anchor"), dict):
        from chain_client.connection import connect
        from chain_client.registry_anchor import RegistryAnchorClient

        contract = pins.registry_anchor or str(bundle["anchor"].get("contract"))
        chain = RegistryAnchorClient(connect(rpc), contract)
    certificate = tsa_cert.read_bytes() if tsa_cert is not None else None
    external = _external_nodes(rpc_for or [])
    check = functools.partial(
        check_bundle, chain=chain, tsa_certificate=certificate, external_chains=external, pins=pins
    )
    try:
        if file is not None:
            with file.open("rb") as content:
                result = check(bundle, content=content)
        else:
            result = check(bundle)
    except RegistryError as exc:
        raise refused(exc) from exc
    if as_json:
        console.print_json(json.dumps(_bundle_check_json(result)))
    else:
        _print_bundle_check(result)
    status = _bundle_exit_status(result)
    if status:
        raise typer.Exit(code=status)


def _external_nodes(pairs: list[str]) -> dict[str, Web3]:
    """``--rpc-for NAME=URL`` options as a node per external chain name; a malformed one exits 2."""
    from chain_client.connection import connect

    return {name: connect(url) for name, url in _name_pairs("--rpc-for", "URL", pairs).items()}


def _name_pairs(option: str, value_name: str, pairs: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` options by name, each name once; a malformed one exits 2."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if not name or not value or name in values:
            console.print(
                f"[red]error[/red] invalid_input: {option} takes NAME={value_name}, each name "
                f"once (参数格式应为 NAME={value_name}), got {escape(pair)!r}"
            )
            raise typer.Exit(code=2)
        values[name] = value
    return values


def _address_option(option: str, value: str | None) -> str | None:
    """A contract address given as an option (0x and 40 hex digits); a malformed one exits 2."""
    if value is None:
        return None
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
        console.print(
            f"[red]error[/red] invalid_input: {option} 须为合约地址 takes a contract address "
            f"(0x and 40 hex digits), got {escape(value)!r}"
        )
        raise typer.Exit(code=2)
    return value


def _bundle_exit_status(check: BundleCheck) -> int:
    from registry.proofs.proof_bundle import Verdict

    return {Verdict.VALID: 0, Verdict.INVALID: PROOF_INVALID, Verdict.UNCHECKED: PROOF_UNCHECKED}[
        check.verdict
    ]


def _print_bundle_check(check: BundleCheck) -> None:
    for name, result in check.results.items():
        console.print(f"{name:<12} {_mark(result)}")
    for note in check.notes:
        console.print(f"  {note}")
    unchecked = check.unchecked
    for name, missing in unchecked.items():
        console.print(f"  {name}: {missing.source}: {missing.reason}", markup=False)
    if check.failed:
        console.print(f"[red]证明无效 proof INVALID[/red]: {', '.join(check.failed)} 未通过 failed")
    elif unchecked:
        reasons = "; ".join(
            f"{name} 无法核验 could not be checked ({missing.source})"
            for name, missing in unchecked.items()
        )
        console.print(f"[yellow]未能核验 proof NOT CHECKED[/yellow]: {escape(reasons)}")
    else:
        console.print("[green]证明有效 proof valid[/green]")
    if check.taken_down:
        console.print(
            "[red]已下架 taken down[/red]: Moderation 合约已冻结此作品"
            " / the Moderation contract has this work frozen"
        )


def _mark(result: CheckResult) -> str:
    if result is None:
        return "-"
    if result is True:
        return "[green]通过 ok[/green]"
    if result is False:
        return "[red]未通过 FAILED[/red]"
    return "[yellow]未核验 UNCHECKED[/yellow]"


def _bundle_check_json(check: BundleCheck) -> dict[str, object]:
    """``verdict``, ``ok`` (valid), each check — true, false, null (not applicable) or
    ``{"state": "unchecked", "source", "reason"}`` — and the notes."""
    results = {name: _result_json(result) for name, result in check.results.items()}
    return {
        "verdict": check.verdict.value,
        "ok": check.ok,
        **results,
        "taken_down": check.taken_down,
        "notes": check.notes,
    }


def _result_json(result: CheckResult) -> object:
    if result is None or isinstance(result, bool):
        return result
    return {"state": "unchecked", "source": result.source, "reason": result.reason}


def _verdict(ok: bool, anchored: bool) -> str:
    if not anchored:
        return "未上链，无证明 none: not anchored"
    return "[green]是 yes[/green]" if ok else "[red]否 NO[/red]"


def _summary(view: RegistrationView, ok: bool) -> dict[str, object]:
    return {
        "number": view.number,
        "status": view.status,
        "tx_hash": view.anchor.tx_hash if view.anchor else None,
        "proof_ok": ok,
        "takedown": view.takedown,
        "party": (
            {"party_id": view.party.party_id, "public_name": view.party.public_name}
            if view.party is not None
            else None
        ),
    }


chain_app = typer.Typer(help="The chain-derived tables: assets, licences, liens, freezes.")
app.add_typer(chain_app, name="chain")


@chain_app.command("rebuild")
def chain_rebuild() -> None:
    """Wipe the chain-derived tables and replay them from the contracts' events.

    The worker keeps them current on its own; this is for a lost or doubtful database.
    """
    result = _with_runtime(lambda runtime: runtime.rebuild_chain_state())
    if result.to_block is None:
        console.print("no confirmed blocks to replay yet")
        return
    console.print(
        f"rebuilt from blocks {result.from_block}-{result.to_block}: {result.events} events"
    )


def main() -> None:
    app()
