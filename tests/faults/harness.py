"""Real banquan processes, a registering load and the invariants every fault round checks."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from multiformats import CID
from sqlalchemy import func, select

from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from registry.access.keys import create_api_key
from registry.core.database import migrate
from registry.core.models import Batch, IdempotencyKey, Registration, Work
from registry.core.settings import Settings
from registry.core.states import BatchStatus
from registry.platform.runtime import Runtime, build_runtime
from registry.proofs.proof_bundle import check_bundle, proof_bundle
from registry.proofs.verification import get_registration
from tests.conftest import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


def banquan_env(
    data_dir: Path, database_url: str, rpc_url: str, port: int, **extra: str
) -> dict[str, str]:
    """The environment of a ``banquan serve`` / ``banquan worker`` of one test instance."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "BANQUAN_DATA_DIR": str(data_dir),
        "BANQUAN_DATABASE_URL": database_url,
        "BANQUAN_CHAIN_RPC_URL": rpc_url,
        "BANQUAN_API_PORT": str(port),
        "BANQUAN_BATCH_INTERVAL_SECONDS": "0.5",
        "BANQUAN_RATE_LIMIT_PER_MINUTE": "1000000",
        "BANQUAN_RATE_LIMIT_BURST": "100000",
    }
    env.update(extra)
    return env


class BanquanProcess:
    """``python -m cli serve`` or ``python -m cli worker`` as a child process of the test."""

    def __init__(
        self,
        command: str,
        env: Mapping[str, str],
        log_dir: Path,
        preexec_fn: Callable[[], None] | None = None,
    ) -> None:
        self.command = command
        self.env = dict(env)
        self.log = log_dir / f"{command}.log"
        self.preexec_fn = preexec_fn
        self.process: subprocess.Popen[bytes] | None = None
        self.port = int(self.env["BANQUAN_API_PORT"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli", self.command],
                env=self.env,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=self.preexec_fn,
            )

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until the API answers (any status): the process is up and serving."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.command} exited: {self.tail()}")
            try:
                httpx.get(f"{self.url}/health", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.command} did not answer in {timeout} s: {self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind (uncommitted transactions, half-written files)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Instance:
    """One banquan instance under test: its settings, runtime (for checks), key and processes."""

    settings: Settings
    runtime: Runtime
    auth: dict[str, str]
    api: BanquanProcess
    worker: BanquanProcess

    @property
    def url(self) -> str:
        return self.api.url


@contextmanager
def banquan_instance(
    tmp: Path,
    database_url: str,
    rpc_url: str,
    *,
    start_worker: bool = True,
    api_preexec: Callable[[], None] | None = None,
    data_dir: Path | None = None,
    **extra_env: str,
) -> Iterator[Instance]:
    """A migrated database, a publisher key, and ``banquan serve`` (+ ``banquan worker``)."""
    data = data_dir or tmp / "data"
    port = free_port()
    env = banquan_env(data, database_url, rpc_url, port, **extra_env)
    settings = Settings(
        data_dir=data,
        database_url=database_url,
        chain_rpc_url=rpc_url,
        **{k.removeprefix("BANQUAN_").lower(): v for k, v in extra_env.items()},  # type: ignore[arg-type]
    )
    runtime = build_runtime(settings)
    migrate(runtime.engine)
    issued = create_api_key(
        runtime.sessions, name="faults", scopes=["publisher", "platform"], now=runtime.now
    )
    logs = tmp / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    api = BanquanProcess("serve", env, logs, preexec_fn=api_preexec)
    worker = BanquanProcess("worker", env, logs)
    instance = Instance(
        settings, runtime, {"Authorization": f"Bearer {issued.secret}"}, api, worker
    )
    try:
        api.start()
        api.wait_ready()
        if start_worker:
            worker.start()
        yield instance
    finally:
        api.stop()
        worker.stop()
        runtime.close()


@dataclass
class Job:
    """One registration a client wants acknowledged: its content and its Idempotency-Key."""

    index: int
    content: bytes
    title: str
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    attempts: int = 0
    number: str | None = None
    numbers_seen: set[str] = field(default_factory=set)
    statuses: list[int | str] = field(default_factory=list)
    error_codes: list[str] = field(default_factory=list)
    answers: list[tuple[float, int | str, str | None]] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def make_jobs(count: int, label: str) -> list[Job]:
    salt = uuid.uuid4().hex
    return [
        Job(
            index=i,
            content=f"{label} {salt} work {i}\n".encode() * (1 + i % 7),
            title=f"{label} {i}",
        )
        for i in range(count)
    ]


def post_job(client: httpx.Client, url: str, auth: Mapping[str, str], job: Job) -> httpx.Response:
    job.attempts += 1
    return client.post(
        f"{url}/v1/works",
        files={"file": (f"{job.index}.txt", job.content)},
        data={"metadata": json.dumps({"title": job.title}), "publish": "true"},
        headers={**auth, "Idempotency-Key": job.key},
    )


def attempt(client: httpx.Client, url: str, auth: Mapping[str, str], job: Job) -> int | None:
    """One try; records an acknowledgement (201 + number). Returns the status (None: no answer)."""
    try:
        response = post_job(client, url, auth, job)
    except httpx.TransportError as exc:
        job.statuses.append(type(exc).__name__)
        job.answers.append((time.monotonic(), type(exc).__name__, None))
        return None
    job.statuses.append(response.status_code)
    code: str | None = None
    if response.status_code == 201:
        number = str(response.json()["number"])
        job.numbers_seen.add(number)
        job.number = job.number or number
    elif response.headers.get("content-type", "").startswith("application/json"):
        code = str(response.json().get("code"))
    else:
        code = f"{response.status_code} {response.text[:80]}"
    if code is not None:
        job.error_codes.append(code)
    job.answers.append((time.monotonic(), response.status_code, code))
    return response.status_code


def run_load(
    url: str,
    auth: Mapping[str, str],
    jobs: list[Job],
    *,
    clients: int,
    deadline: float,
    pause: float = 0.0,
) -> None:
    """Each of ``clients`` threads takes jobs and retries each (same Idempotency-Key) until it
    is acknowledged or ``deadline`` (monotonic) passes."""
    queue = list(reversed(jobs))
    lock = threading.Lock()

    def client_loop() -> None:
        with httpx.Client(timeout=30) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    job = queue.pop()
                while job.number is None and time.monotonic() < deadline:
                    status = attempt(client, url, auth, job)
                    if status == 201:
                        break
                    if status is not None and status < 500 and status != 429:
                        break  # refused for good: the round's checks say whether it should be
                    time.sleep(0.2 + random.random() * 0.3)
                if pause:
                    time.sleep(pause)

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@dataclass
class Audit:
    """What the database and the chain hold after a round."""

    registrations: int
    lost: list[int]  # acknowledged jobs without their registration
    duplicated: list[int]  # jobs whose content was registered more than once
    mismatched_numbers: list[int]  # retries answered with another registration number
    idempotency_duplicates: int
    works_without_registration: int
    registrations_without_content: int
    orphan_pins: int
    unanchored: int


def audit(instance: Instance, jobs: list[Job]) -> Audit:
    runtime = instance.runtime
    with runtime.sessions() as session:
        rows = session.execute(
            select(Registration.number, Work.sha256, Work.stored_cid).join(Work)
        ).all()
        works_without = session.scalar(
            select(func.count(Work.id)).where(~Work.id.in_(select(Registration.work_id)))
        )
        key_dups = session.scalar(
            select(func.count()).select_from(
                select(IdempotencyKey.scope, IdempotencyKey.key)
                .group_by(IdempotencyKey.scope, IdempotencyKey.key)
                .having(func.count() > 1)
                .subquery()
            )
        )
        unanchored = session.scalar(
            select(func.count(Registration.id)).where(Registration.status != "anchored")
        )
    numbers = {number for number, _, _ in rows}
    by_digest: dict[str, int] = {}
    for _, digest, _ in rows:
        by_digest[digest] = by_digest.get(digest, 0) + 1
    store = runtime.store
    without_content = 0
    pinned_cids = set()
    for _, _, stored_cid in rows:
        if stored_cid is None or not store.has_block(CID.decode(stored_cid)):
            without_content += 1
        if stored_cid is not None:
            pinned_cids.add(stored_cid)
    pins_dir = runtime.settings.content_dir / "pins"
    pins = {p.name for p in pins_dir.iterdir()} if pins_dir.is_dir() else set()
    return Audit(
        registrations=len(rows),
        lost=[j.index for j in jobs if j.number is not None and j.number not in numbers],
        duplicated=[j.index for j in jobs if by_digest.get(j.sha256, 0) > 1],
        mismatched_numbers=[j.index for j in jobs if len(j.numbers_seen) > 1],
        idempotency_duplicates=int(key_dups or 0),
        works_without_registration=int(works_without or 0),
        registrations_without_content=without_content,
        orphan_pins=len(pins - pinned_cids),
        unanchored=int(unanchored or 0),
    )


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``condition``; returns how long it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what}: not reached within {timeout} s")
        time.sleep(0.25)
    return time.monotonic() - start


def all_confirmed(instance: Instance) -> bool:
    with instance.runtime.sessions() as session:
        open_registrations = session.scalar(
            select(func.count(Registration.id)).where(
                (Registration.status != "anchored") | Registration.batch_id.is_(None)
            )
        )
        open_batches = session.scalar(
            select(func.count(Batch.id)).where(Batch.status != BatchStatus.CONFIRMED)
        )
    return open_registrations == 0 and open_batches == 0


def check_anchoring(instance: Instance, rpc_url: str) -> dict[str, int]:
    """Every registration's leaf is in exactly one root the chain holds, anchored by exactly one
    ``Anchored`` event, and every proof bundle checks against the chain."""
    runtime = instance.runtime
    w3 = connect(rpc_url)
    with runtime.sessions() as session:
        batches = list(session.scalars(select(Batch)))
        numbers = list(session.scalars(select(Registration.number)))
        leaf_rows = session.execute(select(Registration.leaf, Registration.batch_id)).all()
    assert batches, "nothing was anchored"
    leaf_counts: dict[str, int] = {}
    for leaf, _ in leaf_rows:
        leaf_counts[leaf] = leaf_counts.get(leaf, 0) + 1
    assert all(count == 1 for count in leaf_counts.values()), "a leaf registered twice"
    clients: dict[str, RegistryAnchorClient] = {}
    events = 0
    for batch in batches:
        assert batch.contract_address is not None
        client = clients.setdefault(
            batch.contract_address, RegistryAnchorClient(w3, batch.contract_address)
        )
        root = bytes.fromhex(batch.root)
        info = client.root_info(root)
        assert info is not None, f"batch {batch.id}: root not on chain"
        assert info.block_number == batch.block_number
        logs = client.contract.events.Anchored().get_logs(
            from_block=0, argument_filters={"root": root}
        )
        assert len(logs) == 1, f"batch {batch.id}: root anchored {len(logs)} times"
        events += 1
    assert sum(b.leaf_count for b in batches) == len(leaf_rows), "a leaf in two batches"
    for number in numbers:
        view = get_registration(runtime.sessions, number)
        assert view.anchor is not None
        client = clients[str(view.anchor.contract_address)]
        result = check_bundle(proof_bundle(view), chain=client)
        assert result.ok, (number, result.results, result.notes)
    return {"batches": len(batches), "anchored_roots": events, "bundles_checked": len(numbers)}


@dataclass
class Outage:
    """What the clients saw around an outage that started at ``began`` and was repaired at
    ``repaired`` (monotonic seconds)."""

    began: float
    repaired: float
    answers_during: dict[str, int]  # "503 database_unavailable" → count
    first_ack_after_repair: float | None  # seconds from the repair to the next 201

    def describe(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(self.answers_during.items()))


def outage_under_load(
    instance: Instance,
    jobs: list[Job],
    *,
    clients: int,
    seconds: float,
    fail: Callable[[], None],
    repair: Callable[[], None],
    lead: float = 2.0,
) -> Outage:
    """Register ``jobs`` at a pace that spans ``lead`` s before, ``seconds`` of outage (between
    ``fail()`` and ``repair()``) and a few seconds after; every job retried until acknowledged."""
    per_client = max(len(jobs) // clients, 1)
    pause = (lead + seconds + min(seconds, 6.0)) / per_client
    load = threading.Thread(
        target=run_load,
        args=(instance.url, instance.auth, jobs),
        kwargs={"clients": clients, "deadline": time.monotonic() + seconds + 240, "pause": pause},
    )
    load.daemon = True  # a failing fail() or repair() must not leave it retrying
    load.start()
    time.sleep(lead)
    began = time.monotonic()
    fail()
    time.sleep(seconds)
    repair()
    repaired = time.monotonic()
    load.join()
    during: dict[str, int] = {}
    acks_after: list[float] = []
    for job in jobs:
        for at, status, code in job.answers:
            if began <= at <= repaired:
                label = f"{status} {code}" if code else str(status)
                during[label] = during.get(label, 0) + 1
            if status == 201 and at > repaired:
                acks_after.append(at - repaired)
    return Outage(began, repaired, during, min(acks_after, default=None))


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)


def umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], check=False, capture_output=True, timeout=30)


def can_mount(tmp: Path) -> str | None:
    """None if this process may mount file systems (root with CAP_SYS_ADMIN); else why not."""
    if os.geteuid() != 0:
        return "not root"
    probe = tmp / "mount-probe"
    probe.mkdir(exist_ok=True)
    try:
        mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe))
    except (subprocess.CalledProcessError, OSError) as exc:
        return f"mount refused: {exc}"
    umount(probe)
    return None
