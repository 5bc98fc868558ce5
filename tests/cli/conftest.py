"""What the command-line tests share: a runtime built from the same environment the commands
read, so a test can set up through the services and check what a command did."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from registry.core.database import migrate
from registry.platform.runtime import Runtime, build_runtime
from tests.conftest import make_settings


@contextmanager
def environment_runtime(
    tmp_path: Path,
    database_url: str,
    rpc_url: str,
    monkeypatch: pytest.MonkeyPatch,
    **environment: str,
) -> Iterator[Runtime]:
    """The runtime the CLI builds from the environment (same data directory, same suite), on a
    migrated database; ``environment`` sets further ``BANQUAN_*`` variables."""
    data = tmp_path / "data"
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(data))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", rpc_url)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    built = build_runtime(make_settings(data, database_url, rpc_url))
    migrate(built.engine)
    try:
        yield built
    finally:
        built.close()
