"""``banquan verify-proof --rpc-for NAME=URL``: a bundle's second anchoring checked on the
external chain (a second Anvil node), which held, which failed, which could not be checked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import select
from typer.testing import CliRunner

from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from cli.main import app
from registry.core.models import Batch, ExternalAnchoring, Registration
from registry.core.settings import DEV_CHAIN_PRIVATE_KEY, Settings
from registry.platform.runtime import build_runtime
from tests.cli.test_main import checks_marked
from tests.registry.proofs.test_external_anchoring import EXTERNAL_CHAIN_ID, NAME, ExternalNode

runner = CliRunner()


@pytest.fixture
def external(tmp_path: Path) -> Iterator[ExternalNode]:
    node = ExternalNode(tmp_path / "external-anvil")
    node.node.start()
    yield node
    node.stop()


@pytest.fixture
def environment(
    tmp_path: Path,
    database_url: str,
    anvil: AnvilProcess,
    external: ExternalNode,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)
    chains = [{"name": NAME, "rpc_url": external.rpc_url, "chain_id": EXTERNAL_CHAIN_ID}]
    monkeypatch.setenv("BANQUAN_EXTERNAL_CHAINS", json.dumps(chains))
    return Settings()


def bundle_anchored_twice(environment: Settings, tmp_path: Path) -> Path:
    book = tmp_path / "book.txt"
    book.write_text("孤帆远影碧空尽，唯见长江天际流。", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    number = runner.invoke(app, ["register", str(book)]).output.split()[1]
    runtime = build_runtime(environment)
    try:
        assert runtime.new_batcher().run_once().anchored == 1
        [anchorer] = runtime.new_external_anchorers()
        assert anchorer.run_once().confirmed == 1
    finally:
        runtime.close()
    bundle = tmp_path / "proof.json"
    assert runner.invoke(app, ["proof", number, "-o", str(bundle)]).exit_code == 0
    return bundle


def recorded(environment: Settings) -> list[tuple[object, ...]]:
    runtime = build_runtime(environment)
    try:
        with runtime.sessions() as session:
            return [
                *session.execute(select(Batch.id, Batch.status, Batch.tx_hash, Batch.root)),
                *session.execute(
                    select(
                        ExternalAnchoring.state,
                        ExternalAnchoring.block_hash,
                        ExternalAnchoring.attempts,
                    )
                ),
                *session.execute(select(Registration.number, Registration.status)),
            ]
    finally:
        runtime.close()


def test_verify_proof_checks_the_external_anchoring(
    environment: Settings, tmp_path: Path, anvil: AnvilProcess, external: ExternalNode
) -> None:
    bundle = bundle_anchored_twice(environment, tmp_path)
    before = recorded(environment)
    document = json.loads(bundle.read_text(encoding="utf-8"))
    [entry] = document["external_anchors"]
    assert (entry["chain"], entry["chain_id"]) == (NAME, EXTERNAL_CHAIN_ID)
    rpc_for = f"{NAME}={external.rpc_url}"
    # The contracts as the registry publishes them (the dev deployments the bundle names).
    main_pin = ["--anchor-contract", document["anchor"]["contract"]]
    pins = [*main_pin, "--anchor-for", f"{NAME}={entry['contract']}"]

    held = runner.invoke(
        app, ["verify-proof", str(bundle), "--rpc", anvil.rpc_url, "--rpc-for", rpc_for, *pins]
    )
    assert held.exit_code == 0, held.output
    assert "external:tianping" in checks_marked(held.output, "ok")
    assert "on_chain" in checks_marked(held.output, "ok")
    # Not pinned, the external chain's contract is the bundle's word alone: not checked.
    unpinned = runner.invoke(
        app, ["verify-proof", str(bundle), "--rpc", anvil.rpc_url, "--rpc-for", rpc_for, *main_pin]
    )
    assert unpinned.exit_code == 4, unpinned.output
    assert checks_marked(unpinned.output, "UNCHECKED") == ["external:tianping"]
    assert "external:tianping 无法核验 could not be checked (--anchor-for" in unpinned.output
    elsewhere = runner.invoke(
        app,
        ["verify-proof", str(bundle), "--rpc-for", rpc_for, "--anchor-for",
         f"{NAME}=0x{'ab' * 20}"],
    )  # fmt: skip
    assert elsewhere.exit_code == 3, elsewhere.output
    assert checks_marked(elsewhere.output, "FAILED") == ["external:tianping"]
    # Without a node for it, the second anchoring is named as not checked, and nothing fails.
    offline = runner.invoke(app, ["verify-proof", str(bundle)])
    assert offline.exit_code == 0, offline.output
    assert "external:tianping: 未核验 not checked" in offline.output

    # Another block hash in the bundle: that check fails, by name.
    forged = dict(document, external_anchors=[dict(entry, block_hash="0x" + "cd" * 32)])
    forged_file = tmp_path / "forged.json"
    forged_file.write_text(json.dumps(forged), encoding="utf-8")
    result = runner.invoke(
        app, ["verify-proof", str(forged_file), "--rpc-for", rpc_for, *pins, "--json"]
    )
    assert result.exit_code == 3, result.output
    report = json.loads(result.output)
    assert (report["verdict"], report["external:tianping"]) == ("invalid", False)
    assert any("has hash" in note for note in report["notes"])

    # The external chain down: could not be checked (exit 4), named.
    external.stop()
    down = runner.invoke(app, ["verify-proof", str(bundle), "--rpc-for", rpc_for, *pins])
    assert down.exit_code == 4, down.output
    assert checks_marked(down.output, "UNCHECKED") == ["external:tianping"]
    assert "external:tianping 无法核验 could not be checked" in down.output

    # Reset, with a fresh RegistryAnchor at the same address: the root is missing there.
    external.reset()
    sender = TransactionSender(connect(external.rpc_url), Account.from_key(DEV_CHAIN_PRIVATE_KEY))
    fresh = RegistryAnchorClient.deploy(sender)
    assert fresh.address == entry["contract"]
    missing = runner.invoke(
        app, ["verify-proof", str(bundle), "--rpc", anvil.rpc_url, "--rpc-for", rpc_for, *pins]
    )
    assert missing.exit_code == 3, missing.output
    assert checks_marked(missing.output, "FAILED") == ["external:tianping"]
    assert "on_chain" in checks_marked(missing.output, "ok")
    unknown_root = "external:tianping: 合约中没有此根 / the contract does not know this root"
    assert unknown_root in missing.output
    assert "proof INVALID: external:tianping 未通过 failed" in missing.output

    bad = runner.invoke(app, ["verify-proof", str(bundle), "--rpc-for", "no-url"])
    assert bad.exit_code == 2
    assert "NAME=URL" in bad.output
    # Verifying changed nothing in the registry.
    assert recorded(environment) == before
