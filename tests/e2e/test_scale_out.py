"""Two API processes behind one address share nothing but the database, the chain and the content
store: each has a data directory of its own, and a request may land on either.

Real processes (``python -m cli serve`` twice, ``python -m cli worker`` once) on one PostgreSQL
database, one Anvil node and one content store reached over HTTP (the fake Kubo), in production
mode with explicit contract addresses. A catalogue job's files are sent to process A, which loses
the content store after keeping them and so leaves them staged; process B, which never saw the
files, registers them from the content store. A work registered on A is read, proven and
replayed (same Idempotency-Key) on B. Neither data directory ends up holding a staged file.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.suite import deploy_suite
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from crypto.merkle import verify_proof
from registry.access.keys import create_api_key
from registry.core.database import create_database_engine, migrate, session_factory
from tests.conftest import free_port, serve_asgi
from tests.e2e.conftest import wait_until
from tests.registry.content.kubo_fake import FakeKubo

REPOSITORY = Path(__file__).resolve().parents[2]
# Anvil's second well-known account: not the development key, which production mode refuses, and
# not the account other tests on the same node send from (no nonce races with them).
OPERATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"

BOOKS = {
    "shiji.txt": "太史公曰：余述历黄帝以来至太初而讫，百三十篇。".encode(),
    "lunyu.txt": "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？".encode(),
    "moby.txt": b"Call me Ishmael. Some years ago - never mind how long precisely...",
}
SINGLE_WORK = "道可道，非常道；名可名，非常名。".encode()


@dataclass
class Partition:
    """A proxy between one API process and the content store that, once armed, lets through
    ``writes_before_cut`` more pins and then refuses every write (as a Kubo node whose disk is
    full would) while reads still pass: the process keeps a catalogue's files, then cannot
    register them."""

    upstream: str
    writes_before_cut: int | None = None
    pins_seen: int = 0

    def arm(self, pins: int) -> None:
        self.pins_seen, self.writes_before_cut = 0, pins

    def heal(self) -> None:
        self.writes_before_cut = None

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/api/v0/{call:path}", self.forward, methods=["POST"])])

    async def forward(self, request: Request) -> Response:
        call = request.path_params["call"]
        if call in ("block/put", "pin/add") and self._cut():
            return JSONResponse(
                {"Message": "datastore: disk full", "Code": 0, "Type": "error"}, status_code=500
            )
        if call == "pin/add":
            self.pins_seen += 1
        async with httpx.AsyncClient(base_url=self.upstream, timeout=30) as client:
            answer = await client.post(
                request.url.path,
                params=request.query_params,
                content=await request.body(),
                headers={"content-type": request.headers.get("content-type", "")},
            )
        return Response(
            answer.content,
            status_code=answer.status_code,
            media_type=answer.headers.get("content-type"),
        )

    def _cut(self) -> bool:
        return self.writes_before_cut is not None and self.pins_seen >= self.writes_before_cut


@dataclass(frozen=True)
class Deployment:
    """What every process of one deployment is configured with alike."""

    database_url: str
    rpc_url: str
    master_key: str
    addresses: dict[str, str]

    def environment(self, data_dir: Path, kubo_url: str, **extra: str) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("BANQUAN_")}
        return {
            **inherited,
            "PYTHONPATH": str(REPOSITORY),
            "BANQUAN_MODE": "production",
            "BANQUAN_DATA_DIR": str(data_dir),
            "BANQUAN_DATABASE_URL": self.database_url,
            "BANQUAN_CHAIN_RPC_URL": self.rpc_url,
            "BANQUAN_CHAIN_PRIVATE_KEY": OPERATOR_KEY,
            "BANQUAN_MASTER_KEY": self.master_key,
            "BANQUAN_CONTENT_BACKEND": "kubo",
            "BANQUAN_KUBO_API_URL": kubo_url,
            **{f"BANQUAN_{name.upper()}": value for name, value in self.addresses.items()},
            **extra,
        }


def deploy(rpc_url: str) -> dict[str, str]:
    """Deploy the contract suite once, as an operator would; the settings naming it."""
    sender = TransactionSender(connect(rpc_url), Account.from_key(OPERATOR_KEY))
    start_block = int(sender.w3.eth.block_number)
    suite = deploy_suite(sender).addresses
    return {
        "anchor_address": suite.registry_anchor,
        "moderation_address": suite.moderation,
        "rights_asset_address": suite.rights_asset,
        "pledges_address": suite.pledges,
        "licences_address": suite.licences,
        "encumbrances_address": suite.encumbrances,
        "suite_start_block": str(start_block),
    }


@contextmanager
def banquan(command: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m cli <command>`` as its own process, stopped (SIGTERM) on exit."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", command],
            env=env,
            cwd=log.parent,  # no .env file of the repository is read
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def wait_for_api(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited: {log.read_text(errors='replace')}")
        try:
            httpx.get(f"{url}/health", timeout=2)
        except httpx.TransportError:
            return False
        return True

    wait_until(answers, timeout=60)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def registered_with(api: str, sha256: str) -> list[str]:
    body = ok(httpx.get(f"{api}/v1/verify", params={"sha256": sha256}, timeout=10))
    assert body["registered"] is True
    return [registration["number"] for registration in body["registrations"]]


def work(api: str, number: str) -> dict[str, Any]:
    body: dict[str, Any] = ok(httpx.get(f"{api}/v1/works/{number}", timeout=10))
    return body


def proven_on_chain(record: dict[str, Any], rpc_url: str) -> bool:
    anchor = record["anchor"]
    leaf, root = bytes.fromhex(record["leaf"]), bytes.fromhex(anchor["root"])
    proof = [bytes.fromhex(step) for step in record["proof"]]
    chain = RegistryAnchorClient(connect(rpc_url), anchor["contract_address"])
    return verify_proof(leaf, proof, root) and chain.verify_registration(leaf, proof, root)


def upload(api: str, auth: dict[str, str], idempotency_key: str) -> httpx.Response:
    return httpx.post(
        f"{api}/v1/works",
        files={"file": ("daodejing.txt", SINGLE_WORK)},
        data={"metadata": json.dumps({"title": "道德经", "authors": ["老子"]})},
        headers={**auth, "Idempotency-Key": idempotency_key},
        timeout=30,
    )


def staging_leftovers(data_dir: Path) -> list[Path]:
    """Anything in ``data_dir`` that looks like a catalogue staging area or holds a book."""

    def suspect(path: Path) -> bool:
        if "staging" in path.name.lower() or "catalogue" in path.name.lower():
            return True
        return path.is_file() and any(book in path.read_bytes() for book in BOOKS.values())

    return [path for path in data_dir.rglob("*") if suspect(path)]


def catalogue_sent_to_a_registered_by_b(
    api_a: str, api_b: str, partition: Partition, auth: dict[str, str]
) -> dict[str, str]:
    """A job created on A, its files sent to A, which keeps them in the content store and then
    loses it (the items wait, staged); B, which never saw the files, registers them. The
    registration number of each file."""
    manifest = {"items": [{"file": name, "title": name.removesuffix(".txt")} for name in BOOKS]}
    job = ok(httpx.post(f"{api_a}/v1/catalogues", json=manifest, headers=auth), 201)
    assert [item["state"] for item in job["items"]] == ["pending"] * len(BOOKS)
    partition.arm(pins=len(BOOKS))
    files = [("files", (name, content)) for name, content in BOOKS.items()]
    sent = ok(httpx.post(f"{api_a}/v1/catalogues/{job['id']}/files", files=files, headers=auth))
    partition.heal()
    assert [r["outcome"] for r in sent["received"]] == ["staged"] * len(BOOKS)
    assert [item["state"] for item in sent["items"]] == ["uploaded"] * len(BOOKS)
    assert {item["error"]["code"] for item in sent["items"]} == {"content_store_unavailable"}

    done = ok(httpx.post(f"{api_b}/v1/catalogues/{job['id']}/resume", headers=auth, timeout=30))
    assert done["state"] == "completed", done
    assert [item["attempts"] for item in done["items"]] == [2] * len(BOOKS)
    seen_on_a = ok(httpx.get(f"{api_a}/v1/catalogues/{job['id']}", headers=auth))
    assert seen_on_a["items"] == done["items"]
    return {item["file"]: item["registration_number"] for item in done["items"]}


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_api_processes_with_separate_data_directories_serve_one_deployment(
    tmp_path: Path, database_url: str, anvil: AnvilProcess
) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)  # once, before the processes start (each would otherwise race to do it)
    issued = create_api_key(
        session_factory(engine),
        name="publisher",
        scopes=["publisher"],
        now=lambda: datetime.now(UTC),
    )
    engine.dispose()
    auth = {"Authorization": f"Bearer {issued.secret}"}
    deployment = Deployment(
        database_url, anvil.rpc_url, os.urandom(32).hex(), deploy(anvil.rpc_url)
    )
    data_a, data_b, data_worker = (tmp_path / name for name in ("data-a", "data-b", "data-worker"))
    port_a, port_b = free_port(), free_port()
    api_a, api_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"

    with ExitStack() as stack:
        kubo_url = stack.enter_context(serve_asgi(FakeKubo().app()))
        partition = Partition(upstream=kubo_url)
        kubo_url_a = stack.enter_context(serve_asgi(partition.app()))
        env_a = deployment.environment(data_a, kubo_url_a, BANQUAN_API_PORT=str(port_a))
        env_b = deployment.environment(data_b, kubo_url, BANQUAN_API_PORT=str(port_b))
        env_worker = deployment.environment(
            data_worker, kubo_url, BANQUAN_BATCH_INTERVAL_SECONDS="0.2"
        )
        # Started together: most of their start-up is importing, which overlaps.
        process_a = stack.enter_context(banquan("serve", env_a, tmp_path / "api-a.log"))
        process_b = stack.enter_context(banquan("serve", env_b, tmp_path / "api-b.log"))
        stack.enter_context(banquan("worker", env_worker, tmp_path / "worker.log"))
        wait_for_api(api_a, process_a, tmp_path / "api-a.log")
        wait_for_api(api_b, process_b, tmp_path / "api-b.log")

        numbers = catalogue_sent_to_a_registered_by_b(api_a, api_b, partition, auth)
        for name, content in BOOKS.items():
            sha256 = hashlib.sha256(content).hexdigest()
            for api in (api_a, api_b):
                assert registered_with(api, sha256) == [numbers[name]]
                private = httpx.get(
                    f"{api}/v1/works/{numbers[name]}/private-content", headers=auth, timeout=10
                )
                assert private.status_code == 200, private.text
                assert private.content == content

        # A work registered on A: read on B, and a retry of the same upload sent to B gives A's
        # registration back.
        first = ok(upload(api_a, auth, "scale-out-daodejing-1"), 201)
        assert work(api_b, first["number"])["sha256"] == hashlib.sha256(SINGLE_WORK).hexdigest()
        replayed = ok(upload(api_b, auth, "scale-out-daodejing-1"), 201)
        assert replayed["number"] == first["number"]
        assert registered_with(api_b, first["sha256"]) == [first["number"]]

        # The worker, with a data directory of its own too, anchors everything; both API
        # processes serve the proofs.
        everything = [*numbers.values(), first["number"]]
        wait_until(
            lambda: all(work(api_b, n)["status"] == "anchored" for n in everything), timeout=40
        )
        for number in everything:
            for api in (api_a, api_b):
                record = work(api, number)
                anchored_at = record["anchor"]["contract_address"].lower()
                assert anchored_at == deployment.addresses["anchor_address"].lower()
                assert proven_on_chain(record, anvil.rpc_url)
        bundle = ok(httpx.get(f"{api_b}/v1/works/{first['number']}/proof", timeout=10))
        assert bundle["registration"]["number"] == first["number"]

    for data_dir in (data_a, data_b, data_worker):
        assert staging_leftovers(data_dir) == [], data_dir
