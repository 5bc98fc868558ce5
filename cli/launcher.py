"""The embedded development chain: an Anvil process whose state lives in the data directory.

Only the dev launcher (``banquan run``) and the tests start Anvil; everything else speaks plain
JSON-RPC to whatever chain the settings name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
ANVIL_IN_NODE_MODULES = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
# Gas costs nothing, as on a permissioned QBFT network (Besu with zeroBaseFee and a zero minimum
# gas price): accounts that hold no ether send. Without the last option Anvil would still suggest
# its minimum priority fee as the gas price.
FREE_GAS_ARGS = ("--base-fee", "0", "--gas-price", "0", "--disable-min-priority-fee")


class AnvilError(RuntimeError):
    """Anvil could not be found or did not start."""


def find_anvil() -> Path:
    """The Anvil binary installed by ``npm ci`` (the npm package ships the real executable)."""
    for base in (Path.cwd(), REPO_ROOT):
        candidate = base / ANVIL_IN_NODE_MODULES
        if candidate.is_file():
            return candidate
    raise AnvilError("anvil not found: run `make install` (it comes with the npm packages)")


class AnvilProcess:
    """One Anvil node on 127.0.0.1:``port``.

    With ``state_file`` the chain is loaded from that file at start and written back on stop
    (SIGTERM) and every ``state_interval`` seconds, so even a crash loses at most that much.

    Anvil keeps recent block states in memory and, past that window, writes each older one to
    ``--cache-path`` as a full snapshot (megabytes each, growing with the chain): a long-lived
    node would fill the disk. ``persisted_states`` caps how many it keeps there; blocks older
    than the window then answer only for logs and receipts, which is all banquan reads of them.
    """

    def __init__(
        self,
        *,
        port: int,
        state_file: Path | None = None,
        workdir: Path,
        state_interval: int = 5,
        persisted_states: int = 8,
        binary: Path | None = None,
        extra_args: Sequence[str] = (),
        free_gas: bool = False,
    ) -> None:
        self.port = port
        self.state_file = state_file
        self.workdir = workdir
        self.state_interval = state_interval
        self.persisted_states = persisted_states
        self.binary = binary or find_anvil()
        self.extra_args = list(extra_args)
        self.free_gas = free_gas
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [
            str(self.binary),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--cache-path", str(self.workdir / "anvil-cache"),
            "--max-persisted-states", str(self.persisted_states),
            "--silent",
        ]  # fmt: skip
        if self.state_file is not None:
            command += ["--state", str(self.state_file)]
            command += ["--state-interval", str(self.state_interval)]
        if self.free_gas:
            command += FREE_GAS_ARGS
        command += self.extra_args
        log = (self.workdir / "anvil.log").open("ab")
        # Own session: a Ctrl-C in the terminal reaches the launcher, which stops Anvil in order.
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self._wait_ready(timeout)
        if self.free_gas:
            self._settle_free_base_fee()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AnvilError(f"anvil exited with {self.process.returncode}; see anvil.log")
            try:
                if httpx.post(self.rpc_url, json=payload, timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise AnvilError(f"anvil did not answer on {self.rpc_url} within {timeout} s")

    def _rpc(self, method: str, *params: object) -> object:
        payload = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        return httpx.post(self.rpc_url, json=payload, timeout=10.0).json()["result"]

    def _settle_free_base_fee(self) -> None:
        """A chain saved by a node that charged for gas ends in a block with a base fee, which
        clients read as the chain's; one empty block on top carries the zero base fee."""
        latest = self._rpc("eth_getBlockByNumber", "latest", False)
        if isinstance(latest, dict) and int(latest.get("baseFeePerGas", "0x0"), 16) != 0:
            self._rpc("evm_mine")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (Anvil writes its state file), then SIGKILL if it does not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: the chain loses whatever was not yet dumped (for fault tests)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> AnvilProcess:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
