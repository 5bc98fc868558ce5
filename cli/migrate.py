"""``banquan admin migrate-suite``: copy every asset of the sealed suite in use to its successor."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from cli.runtime import registry_runtime

console = Console(soft_wrap=True)


def migrate_suite(
    migrator: Annotated[
        str, typer.Argument(help="The successor suite's SuiteMigrator address (0x…)")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Copy every asset of the suite in use, once sealed by its admin, to the successor: the
    migrator reads each asset, its liens and licences on chain and writes exactly that. It can
    be run again: assets already copied are skipped."""
    from registry.assets.migration import migrate_suite as migrate

    with registry_runtime(as_json=as_json) as runtime:
        outcome = migrate(runtime.suite(), migrator)
    if as_json:
        print(json.dumps(outcome.to_json()))
        return
    console.print(
        f"{outcome.migrated} of {outcome.assets} assets copied to {outcome.successor}"
        f" ({outcome.already_migrated} copied before)",
        highlight=False,
    )
