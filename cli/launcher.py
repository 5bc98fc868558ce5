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
    """

    def __init__(
        self,
        *,
        port: int,
        state_file: Path | None = None,
        workdir: Path,
        state_interval: int = 5,
        binary: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.port = port
        self.state_file = state_file
        self.workdir = workdir
        self.state_interval = state_interval
        self.binary = binary or find_anvil()
        self.extra_args = list(extra_args)
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
            "--silent",
        ]  # fmt: skip
        if self.state_file is not None:
            command += ["--state", str(self.state_file)]
            command += ["--state-interval", str(self.state_interval)]
        command += self.extra_args
        log = (self.workdir / "anvil.log").open("ab")
        # Own session: a Ctrl-C in the terminal reaches the launcher, which stops Anvil in order.
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self._wait_ready(timeout)

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
