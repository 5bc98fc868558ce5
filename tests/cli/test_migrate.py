"""banquan admin migrate-suite: the registry's suite, sealed by its admin, copied to a
successor on Anvil (a node of this module's own: the seal moves its clock), on both databases."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner
from web3 import Web3

from chain_client.migration import execute_seal, prepare_migration
from chain_client.suite import deploy_successor_suite
from cli.launcher import AnvilProcess
from cli.main import app
from registry.platform.runtime import Runtime
from tests.chain_client.conftest import ROLE_KEYS, advance_time, tokenize
from tests.cli.conftest import environment_runtime
from tests.conftest import free_port

runner = CliRunner()
OWNER = Account.from_key(ROLE_KEYS["owner"])


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    """A node of this module's own (overrides the shared one): the seal moves its clock."""
    workdir = tmp_path_factory.mktemp("migrate-anvil")
    with AnvilProcess(port=free_port(), workdir=workdir) as node:
        yield node


@pytest.fixture
def runtime(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    """The runtime the CLI builds from the environment (same data directory, same suite)."""
    with environment_runtime(tmp_path, database_url, anvil.rpc_url, monkeypatch) as built:
        yield built


def test_migrate_suite_copies_every_asset_once_the_suite_is_sealed(runtime: Runtime) -> None:
    suite = runtime.suite()
    leaves: list[bytes] = [
        Web3.keccak(text=f"migrated work {n} {time.time_ns()}") for n in range(2)
    ]
    asset = tokenize(suite, OWNER.address, leaves)
    successor = deploy_successor_suite(runtime.sender, suite)
    plan = prepare_migration(runtime.sender, suite.rights_asset, successor.rights_asset)
    command = ["admin", "migrate-suite", plan.migrator.address]

    unsealed = runner.invoke(app, [*command, "--json"])
    assert unsealed.exit_code == 2, unsealed.output
    assert json.loads(unsealed.output)["error"] == "conflict"

    now = int(runtime.w3.eth.get_block("latest")["timestamp"])
    advance_time(runtime.w3, plan.seal.ready_at - now)
    execute_seal(suite.rights_asset)
    done = runner.invoke(app, [*command, "--json"])
    assert done.exit_code == 0, done.output
    answer = json.loads(done.output)
    assert (answer["assets"], answer["migrated"], answer["already_migrated"]) == (1, 1, 0)
    assert answer["successor"] == successor.rights_asset.address
    assert successor.rights_asset.owner_of(asset.asset_id) == OWNER.address

    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert f"0 of 1 assets copied to {successor.rights_asset.address}" in again.output
