"""The chain client and the anchoring pipeline against Hardhat 3's node instead of Anvil.

Nothing in ``chain_client`` or ``registry`` is Anvil-specific: the same deployment, anchoring,
proof checks and worker cycle run unchanged on a second EVM implementation (Hardhat's EDR).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from web3 import Web3

from chain_client.connection import connect
from chain_client.registry_anchor import RegistrationStatus, RegistryAnchorClient
from chain_client.transactions import TransactionSender
from crypto.merkle import MerkleTree
from registry.core.database import migrate
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime, build_runtime
from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.proofs.verification import check_proof, get_registration
from registry.registration.registrar import Registrar
from tests.conftest import free_port, make_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE22_BIN = REPO_ROOT / ".tools" / "node22" / "node_modules" / ".bin"
HARDHAT_CLI = REPO_ROOT / "node_modules" / "hardhat" / "dist" / "src" / "cli.js"
HARDHAT_CHAIN_ID = 31337
# Hardhat's default development account 1 (account 0 is the runtime's DEV_CHAIN_PRIVATE_KEY).
ACCOUNT_1_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


def _wait_until_answering(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            pytest.fail(f"hardhat node exited with {process.returncode}:\n{tail}")
        try:
            if httpx.post(url, json=payload, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"hardhat node did not answer on {url} within 60 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the node's process group, SIGKILL if it has not exited after 15 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def hardhat_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``hardhat node`` on a free loopback port; its JSON-RPC URL.

    Hardhat's CLI is run by the Node 22 binary itself (what ``npx hardhat node`` ends up running),
    so the process is the node; it gets its own session and the whole group is stopped after.
    """
    node = NODE22_BIN / "node"
    if not node.is_file() or not HARDHAT_CLI.is_file():
        pytest.fail("Node 22 or Hardhat missing: run `make install`")
    port = free_port()
    log = tmp_path_factory.mktemp("hardhat-node") / "hardhat-node.log"
    env = {**os.environ, "PATH": f"{NODE22_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [
        str(node), str(HARDHAT_CLI), "node",
        "--hostname", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip
    with log.open("wb") as output:  # the node logs every RPC call
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_answering(process, url, log)
        yield url
    finally:
        _stop(process)


def test_the_node_is_hardhat(hardhat_node: str) -> None:
    w3 = connect(hardhat_node)
    assert "hardhat" in str(w3.client_version).lower()
    assert w3.eth.chain_id == HARDHAT_CHAIN_ID


def test_anchor_a_merkle_root_and_verify_proofs_on_chain(hardhat_node: str) -> None:
    sender = TransactionSender(connect(hardhat_node), Account.from_key(ACCOUNT_1_KEY))
    client = RegistryAnchorClient.deploy(sender)
    client.ensure_deployed()
    leaves = [Web3.keccak(text=f"hardhat claim {n} {time.time_ns()}") for n in range(7)]
    tree = MerkleTree.of(leaves)
    assert client.root_info(tree.root) is None

    receipt = client.anchor(tree.root, len(leaves))

    assert receipt.root == tree.root
    assert receipt.batch_id == client.batch_count() >= 1
    info = client.root_info(tree.root)
    assert info is not None
    assert (info.block_number, info.leaf_count) == (receipt.block_number, len(leaves))
    assert info.anchored_at == receipt.anchored_at
    for leaf in leaves:
        assert client.verify_registration(leaf, tree.proof(leaf), tree.root)
        status = client.registration_status(leaf, tree.proof(leaf), tree.root)
        assert status is RegistrationStatus.VALID
    stranger = Web3.keccak(text="not in the tree")
    assert not client.verify_registration(stranger, tree.proof(leaves[0]), tree.root)
    found = client.find_anchoring(tree.root)
    assert found is not None
    assert found.tx_hash == receipt.tx_hash


@pytest.fixture
def hardhat_runtime(tmp_path: Path, hardhat_node: str) -> Iterator[Runtime]:
    """A migrated runtime on SQLite whose chain is the Hardhat node (development account 0)."""
    settings = make_settings(
        tmp_path / "data", f"sqlite:///{tmp_path / 'banquan.db'}", hardhat_node
    )
    runtime = build_runtime(settings)
    migrate(runtime.engine)
    yield runtime
    runtime.close()


def test_registrations_are_anchored_by_a_worker_cycle(hardhat_runtime: Runtime) -> None:
    runtime = hardhat_runtime
    client = RegistryAnchorClient.deploy(runtime.sender)
    views = [
        Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now).register(
            io.BytesIO(f"hardhat work {n}".encode()), WorkMetadata(title=f"作品 {n}")
        )
        for n in range(3)
    ]
    assert {view.status for view in views} == {"pending"}

    cycle = run_anchoring_cycle(
        runtime.sessions, client, policy=AnchoringPolicy(max_size=100), now=runtime.now
    )

    assert (cycle.sealed, cycle.submitted, cycle.anchored, cycle.error) == (1, 1, 1, None)
    anchored = [get_registration(runtime.sessions, view.number) for view in views]
    roots = {view.anchor.root for view in anchored if view.anchor is not None}
    assert len(roots) == 1
    (root,) = roots
    record = client.root_info(bytes.fromhex(root))
    assert record is not None
    assert record.leaf_count == len(views)
    for view in anchored:
        assert view.status in {"anchored", "confirmed"}
        assert view.anchor is not None
        assert view.anchor.chain_id == HARDHAT_CHAIN_ID
        assert view.anchor.contract_address == client.address
        assert view.anchor.block_number == record.block_number
        check = check_proof(view, client)
        assert check.ok
        assert check.chain_confirms is True
