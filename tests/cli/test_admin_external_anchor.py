"""``banquan admin deploy-external-anchor``: a RegistryAnchor on an external chain (a second Anvil
node), deployed with the configured key or a keystore, then used by address."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from crypto.keystore import encrypt_key, write_keystore
from crypto.secp256k1 import Secp256k1PrivateKey
from registry.core.database import migrate
from registry.core.errors import InvalidKeyFile
from registry.core.external_chain_config import ExternalChainConfig
from registry.core.settings import Settings
from registry.platform.external_chains import sending_account
from registry.platform.runtime import build_runtime
from tests.registry.proofs.test_external_anchoring import EXTERNAL_CHAIN_ID, NAME, ExternalNode

runner = CliRunner()
# Anvil's second development account: funded on the external node, like the first.
SECOND_DEV_KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
PASSWORD = "correct horse"


@pytest.fixture
def external(tmp_path: Path) -> Iterator[ExternalNode]:
    node = ExternalNode(tmp_path / "external-anvil")
    node.node.start()
    yield node
    node.stop()


def keystore(tmp_path: Path) -> tuple[Path, Path, str]:
    key = Secp256k1PrivateKey.from_bytes(bytes.fromhex(SECOND_DEV_KEY))
    path = tmp_path / "tianping.json"
    write_keystore(path, encrypt_key(key, PASSWORD, scrypt_n=2**10))
    path.chmod(0o600)
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    return path, password_file, key.address


def test_deploy_then_anchor_by_address(
    tmp_path: Path,
    database_url: str,
    anvil: AnvilProcess,
    external: ExternalNode,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, password_file, address = keystore(tmp_path)
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)

    unknown = runner.invoke(
        app, ["admin", "deploy-external-anchor", "--name", NAME, "--rpc", external.rpc_url]
    )
    assert unknown.exit_code == 2
    assert "not in BANQUAN_EXTERNAL_CHAINS" in unknown.output

    deployed = runner.invoke(
        app,
        ["admin", "deploy-external-anchor", "--name", NAME, "--rpc", external.rpc_url,
         "--key", str(path), "--password-file", str(password_file)],
    )  # fmt: skip
    assert deployed.exit_code == 0, deployed.output
    assert f"registrar {address}" in deployed.output
    entry = json.loads(deployed.output.splitlines()[-1])
    assert (entry["name"], entry["chain_id"]) == (NAME, EXTERNAL_CHAIN_ID)

    # Configured by address with the same keystore, the worker anchors there.
    entry.update(keystore=str(path), keystore_password_file=str(password_file))
    monkeypatch.setenv("BANQUAN_EXTERNAL_CHAINS", json.dumps([entry]))
    runtime = build_runtime(Settings())
    try:
        migrate(runtime.engine)
        [handle] = runtime.external_chains
        assert handle.account.address == address
        chain = handle.resolve()
        assert chain.client.address == entry["anchor_address"]
        assert chain.client.has_role(bytes(32), address)  # admin of what it deployed
        registered = runner.invoke(app, ["register", str(path), "--title", "keystore"])
        assert registered.exit_code == 0, registered.output
        assert runtime.new_batcher().run_once().anchored == 1
        [anchorer] = runtime.new_external_anchorers()
        assert anchorer.run_once().confirmed == 1
    finally:
        runtime.close()


def test_a_keystore_with_a_wrong_password_stops_start_up(tmp_path: Path) -> None:
    path, password_file, _ = keystore(tmp_path)
    password_file.write_text("wrong\n", encoding="utf-8")
    config = ExternalChainConfig(
        name=NAME,
        rpc_url="http://127.0.0.1:1",
        chain_id=EXTERNAL_CHAIN_ID,
        keystore=path,
        keystore_password_file=password_file,
    )
    with pytest.raises(InvalidKeyFile, match="cannot open the keystore"):
        sending_account(config, dev_mode=True)
