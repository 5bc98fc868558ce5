"""Fixtures for the crypto tests: the Node.js reference implementations."""

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_SCRIPT = Path(__file__).resolve().parent / "reference.mjs"


def find_node() -> str:
    """The Node.js binary: the project's pinned one, else the one on PATH."""
    pinned = REPO_ROOT / ".tools" / "node22" / "node_modules" / ".bin" / "node"
    if pinned.exists():
        return str(pinned)
    found = shutil.which("node")
    if found is None:
        pytest.fail(
            "Node.js is required for the crypto reference tests: run `make install` "
            f"(which installs it under {pinned.parent}) or put `node` on PATH",
            pytrace=False,
        )
    return found


class NodeReference:
    """A running ``reference.mjs``: one request and one response per line of JSON."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process

    def call(self, op: str, **arguments: object) -> Any:
        """Run ``op`` in Node.js and return its result; fails the test on a Node error."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            pytest.fail(f"reference.mjs exited (status {self._process.poll()})", pytrace=False)
        response = json.loads(line)
        if "error" in response:
            pytest.fail(f"reference.mjs failed on {op}: {response['error']}", pytrace=False)
        return response["result"]

    def canonicalize(self, value: object) -> bytes:
        """The npm ``canonicalize`` package's RFC 8785 serialization of ``value``."""
        result: str = self.call("canonicalize", value=value)
        return result.encode("utf-8")

    def keccak256(self, data: bytes) -> bytes:
        """keccak256 from ``ethereum-cryptography`` (noble-hashes)."""
        return bytes.fromhex(self.call("keccak256", hex=data.hex()))


@pytest.fixture(scope="session")
def reference() -> Iterator[NodeReference]:
    """One Node.js process for the whole session, serving every reference call."""
    process = subprocess.Popen(
        [find_node(), str(REFERENCE_SCRIPT)],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        yield NodeReference(process)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()
