"""Shared fixtures: a real Anvil node, real SQLite and PostgreSQL databases, a real runtime."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from eth_account import Account
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp

from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from registry.access.keys import create_api_key
from registry.core.database import migrate
from registry.core.settings import DEV_CHAIN_PRIVATE_KEY, Settings
from registry.platform.runtime import Runtime, build_runtime

# Timing is not what property tests check: on a loaded two-core machine a per-example deadline
# only produces flaky failures.
settings.register_profile("banquan", deadline=None)
settings.load_profile("banquan")

POSTGRES_URL = os.environ.get(
    "BANQUAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_asgi(app: ASGIApp) -> Iterator[str]:
    """Serve an ASGI app over real HTTP on a free loopback port (uvicorn in a thread)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    """One Anvil node for the whole run (each test deploys its own contracts on it)."""
    node = AnvilProcess(port=free_port(), workdir=tmp_path_factory.mktemp("anvil"))
    node.start()
    yield node
    node.stop()


@pytest.fixture
def sender(anvil: AnvilProcess) -> TransactionSender:
    return TransactionSender(connect(anvil.rpc_url), Account.from_key(DEV_CHAIN_PRIVATE_KEY))


@pytest.fixture
def anchor_client(sender: TransactionSender) -> RegistryAnchorClient:
    """A freshly deployed RegistryAnchor."""
    return RegistryAnchorClient.deploy(sender)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of each kind; PostgreSQL's is created here and dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'banquan.db'}"
        return
    name = f"banquan_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_settings(data_dir: Path, database_url: str, rpc_url: str, **overrides: object) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        chain_rpc_url=rpc_url,
        batch_interval_seconds=0.1,
        **overrides,  # type: ignore[arg-type]
    )


def bearer(runtime: Runtime, *scopes: str) -> dict[str, str]:
    """An Authorization header with a fresh API key holding ``scopes``."""
    issued = create_api_key(
        runtime.sessions, name="test", scopes=scopes or ("publisher",), now=runtime.now
    )
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture
def runtime(tmp_path: Path, database_url: str, anvil: AnvilProcess) -> Iterator[Runtime]:
    """A migrated runtime on a fresh database, talking to the shared Anvil node."""
    built = build_runtime(make_settings(tmp_path / "data", database_url, anvil.rpc_url))
    migrate(built.engine)
    yield built
    built.close()
