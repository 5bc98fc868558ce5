"""``banquan evidence NUMBER``: the evidence package (存证报告) of a registration, and the check of
one that ``banquan verify-proof`` makes when given a ZIP."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.runtime import registry_runtime

if TYPE_CHECKING:
    from registry.proofs import BundleCheck, Pins

console = Console(soft_wrap=True)


def evidence(
    number: Annotated[str, typer.Argument(help="Registration number (BQ-…)")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the ZIP here (default: NUMBER-evidence.zip)"),
    ] = None,
) -> None:
    """Write the evidence package of an anchored registration: the work, its digests, claim,
    proof bundle, timestamp, registrant, takedown/licence/lien state, statement of process and
    report, listed in a manifest the operator signs with SM2 (exit 2 when refused)."""
    from registry.registration import Caller

    operator = Caller(key_id="operator", acts_for_anyone=True)  # the command line is the operator
    with registry_runtime() as runtime:
        package = runtime.evidence.package(number, operator)
    target = output or Path(package.filename)
    target.write_bytes(package.data)
    included = "含作品文件 work included" if package.content_included else "仅摘要 digests only"
    console.print(f"已写入 wrote {target} ({len(package.data)} bytes, {included})")


def check_package_file(
    path: Path,
    *,
    pins: Pins,
    rpc: str | None,
    tsa_certificate: bytes | None,
    operator_key: bytes | None,
    file: Path | None = None,
) -> BundleCheck:
    """The check of the evidence package at ``path`` (see ``registry.proofs.evidence``), with
    ``file`` as the work when given (a package may hold its digests only), against the
    contracts ``pins`` names (see ``registry.proofs.Pins``)."""
    from registry.proofs.evidence import check_package

    chain_for = None
    if rpc is not None:
        from chain_client.connection import connect
        from chain_client.registry_anchor import RegistryAnchorClient

        w3 = connect(rpc)

        def anchor_at(contract: str) -> RegistryAnchorClient:
            return RegistryAnchorClient(w3, pins.registry_anchor or contract)

        chain_for = anchor_at

    data = path.read_bytes()
    if file is None:
        return check_package(
            data,
            operator_key=operator_key,
            chain_for=chain_for,
            tsa_certificate=tsa_certificate,
            pins=pins,
        )
    with file.open("rb") as content:
        return check_package(
            data,
            operator_key=operator_key,
            chain_for=chain_for,
            tsa_certificate=tsa_certificate,
            content=content,
            pins=pins,
        )
