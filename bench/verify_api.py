"""Benchmark of verify-by-digest over HTTP: banquan's ``GET /v1/verify?sha256=…`` against a bare
FastAPI endpoint returning a constant, both served the same way, in the same run.

    python bench/verify_api.py                 # 300 registered works, SQLite: 2 to 5 minutes
    python bench/verify_api.py --large         # 1,000 works, more requests and rounds
    python bench/verify_api.py --postgres postgresql+psycopg://postgres@127.0.0.1/postgres

Setup: an embedded Anvil, the anchoring contract, and ``--works`` real registrations (client-signed
claims, SM2 and secp256k1 alternating) registered and anchored through the services, so every
answer carries its claim, proof and anchor. Then two servers, each ``uvicorn`` in a process of
its own on 127.0.0.1 with the same settings (one worker, asyncio loop, h11, no access log):

- ``banquan``: ``api.app.create_app`` — every middleware (body limit, audit log, metrics, rate
  limit: set high enough here not to refuse the load generator, but still run), the database
  lookup, the response model;
- ``baseline``: a bare ``FastAPI()`` app whose ``GET /v1/verify`` returns a constant: the same
  JSON document banquan gave for one of the works, so both send the same bytes.

The load generator is a third process (asyncio streams, HTTP/1.1 keep-alive, ``--concurrency``
connections, a bounded number of requests; written against raw streams so that the generator,
sharing two cores with the server, costs less than the server it measures). Two phases:

- closed loop: ``--concurrency`` (100) clients each sending its next request when the last is
  answered: requests/s (the figure with the target), and p50/p99 at saturation;
- open loop: requests sent at a fixed offered load — ``--rate``, 200 requests/s unless told, the
  same for both servers and not derived from either's own rate — with latency measured from when
  each request was due: p50/p99 under a load the server can carry (at saturation, latency is only
  concurrency / throughput);
- bulk: ``POST /v1/verify/bulk`` with ``--bulk-size`` (1,000) SHA-256 digests a request, every
  registered work's among them and the rest unregistered, from ``--bulk-concurrency`` (4)
  clients: digests/s. The baseline answers the same request (its body parsed into a list of
  digests) with banquan's own answer to it, as a constant.

Every run also reads each server process's CPU time (all its threads, /proc): its CPU per
request, which a shared machine's load does not blur as it blurs the rates.

Rounds alternate which server goes first; ratios are the median of per-round ratios. Targets
(BENCHMARKS.md): banquan >= 50 % of the baseline's requests/s; p99 < 20 ms at 200 requests/s;
bulk >= 20,000 digests/s. Writes
bench/results/verify_api.json and prints a table. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

RESULTS = ROOT / "bench" / "results" / "verify_api.json"
TARGET_RATIO = 0.50
TARGET_P99_MS = 20.0
TARGET_BULK_DIGESTS_PER_S = 20_000
OPEN_LOOP_RATE = 200.0


# --------------------------------------------------------------------------- load generator


async def _one_connection(
    port: int,
    requests: list[bytes],
    next_index: list[int],
    due: list[float] | None,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            index = next_index[0]
            if index >= len(requests):
                return
            next_index[0] = index + 1
            if due is not None:
                wait = due[index] - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
            started = due[index] if due is not None else time.perf_counter()
            writer.write(requests[index])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _load(
    port: int, paths: list[str], count: int, concurrency: int, rate: float, body: bytes | None
) -> dict:
    if body is None:
        requests = [
            f"GET {paths[n % len(paths)]} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
            for n in range(count)
        ]
    else:
        requests = [
            f"POST {paths[n % len(paths)]} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
            for n in range(count)
        ]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    next_index = [0]
    started = time.perf_counter()
    due = [started + 0.05 + n / rate for n in range(count)] if rate else None
    await asyncio.gather(
        *(
            _one_connection(port, requests, next_index, due, latencies, statuses)
            for _ in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - (due[0] if due else started)
    latencies.sort()
    return {
        "requests": count,
        "seconds": elapsed,
        "rps": count / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000,
        "max_ms": latencies[-1] * 1000,
        "statuses": statuses,
    }


def load_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--paths", type=Path, required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0.0, help="open loop: requests per second")
    parser.add_argument("--body", type=Path, help="POST this body (JSON) to every path")
    args = parser.parse_args(argv)
    paths = json.loads(args.paths.read_text())
    body = args.body.read_bytes() if args.body else None
    result = asyncio.run(_load(args.port, paths, args.requests, args.concurrency, args.rate, body))
    print(json.dumps(result))


# --------------------------------------------------------------------------- servers


class _BulkIn(BaseModel):
    """The baseline's bulk request: its body parsed into a list of digests, as banquan's is."""

    algorithm: str = "sha256"
    digests: list[str]


def serve_main(argv: list[str]) -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("side", choices=["banquan", "baseline"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--constant", type=Path, help="the baseline's answer (JSON)")
    parser.add_argument("--bulk-constant", type=Path, help="the baseline's bulk answer (JSON)")
    args = parser.parse_args(argv)
    if args.side == "banquan":
        from api.app import create_app

        app = create_app()  # settings from the BANQUAN_* environment set by the caller
    else:
        from fastapi import FastAPI

        constant = json.loads(args.constant.read_text(encoding="utf-8"))
        app = FastAPI()

        @app.get("/v1/verify")
        def verify() -> dict[str, object]:
            return constant

        if args.bulk_constant:
            bulk_constant = json.loads(args.bulk_constant.read_text(encoding="utf-8"))

            @app.post("/v1/verify/bulk")
            def verify_bulk(request: _BulkIn) -> dict[str, object]:
                return bulk_constant  # type: ignore[no-any-return]

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        workers=1,
        loop="asyncio",
        http="h11",
        log_level="warning",
        access_log=False,
    )


# --------------------------------------------------------------------------- orchestration


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seed(directory: Path, rpc_url: str, works: int, database_url: str | None) -> dict[str, str]:
    """Register and anchor ``works`` client-signed works; the servers' BANQUAN_* environment."""
    import datetime
    import io

    from chain_client.registry_anchor import RegistryAnchorClient
    from crypto.signing import KeySigner, generate_private_key
    from registry.content.ingest import describe
    from registry.core.database import migrate
    from registry.core.metadata import WorkMetadata
    from registry.core.settings import Settings
    from registry.platform.runtime import build_runtime
    from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle
    from registry.registration.claims import ClientSignedClaim, claim_for
    from registry.registration.registrar import Registrar

    environment = {
        "BANQUAN_DATA_DIR": str(directory / "data"),
        "BANQUAN_CHAIN_RPC_URL": rpc_url,
        "BANQUAN_EMBEDDED_WORKER": "false",
        # Far above what the generator sends from its one address: the limiter runs, refuses none.
        "BANQUAN_RATE_LIMIT_PER_MINUTE": str(10**9),
        "BANQUAN_RATE_LIMIT_BURST": str(10**6),
    }
    if database_url:
        environment["BANQUAN_DATABASE_URL"] = database_url
    settings = Settings(
        data_dir=directory / "data", chain_rpc_url=rpc_url, database_url=database_url
    )
    runtime = build_runtime(settings)
    migrate(runtime.engine)
    client = RegistryAnchorClient.deploy(runtime.sender)
    environment["BANQUAN_ANCHOR_ADDRESS"] = client.address
    signers = [KeySigner(generate_private_key("sm2")), KeySigner(generate_private_key("secp256k1"))]
    now = datetime.datetime.now(datetime.UTC)
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
    for n in range(works):
        metadata = WorkMetadata(title=f"基准测试作品 {n}", authors=("刘慈欣",))
        content = f"verify benchmark work {n} {os.urandom(8).hex()}".encode()
        signer = signers[n % 2]
        claim = claim_for(
            describe(io.BytesIO(content)), metadata, signer.public_key, registered_at=now
        )
        registrar.register(
            io.BytesIO(content),
            metadata,
            client_signed=ClientSignedClaim(claim.to_json(), claim.sign(signer).to_text()),
        )
    policy = AnchoringPolicy(max_size=1000)
    while True:
        cycle = run_anchoring_cycle(runtime.sessions, client, policy=policy, now=runtime.now)
        if cycle.error:
            raise RuntimeError(cycle.error)
        if cycle.sealed == cycle.submitted == cycle.anchored == 0:
            break
    runtime.close()
    return environment


def registered_digests(environment: dict[str, str]) -> list[str]:
    from sqlalchemy import select

    from registry.core.database import create_database_engine
    from registry.core.models import Work
    from registry.core.settings import Settings

    settings = Settings(
        data_dir=Path(environment["BANQUAN_DATA_DIR"]),
        database_url=environment.get("BANQUAN_DATABASE_URL"),
    )
    engine = create_database_engine(settings.resolved_database_url)
    with engine.connect() as connection:
        digests = list(connection.scalars(select(Work.sha256).order_by(Work.id)))
    engine.dispose()
    return digests


class Server:
    def __init__(self, side: str, directory: Path, environment: dict[str, str], *extra: str):
        self.side = side
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "_serve",
                side,
                "--port",
                str(self.port),
                *extra,
            ],
            cwd=directory,
            env={**os.environ, **environment},
        )

    def wait_ready(self, path: str, timeout: float = 60.0) -> bytes:
        import urllib.request

        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}") as answer:
                    body: bytes = answer.read()
                    return body
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.2)

    def post(self, path: str, body_file: Path) -> bytes:
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body_file.read_bytes(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:  # noqa: S310 - our loopback server
            body: bytes = answer.read()
            return body

    def stop(self) -> None:
        import signal

        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def attribute(environment: dict[str, str], paths: list[str], constant: bytes) -> dict:
    """Where a request's CPU time goes: the same requests in this process through
    ``httpx.ASGITransport`` (no sockets) to apps that add banquan's parts one at a time.

    Process CPU time per request, the client's share included alike in every row (a profiler
    of the server alone would miss the thread pool, where the route and the query run).
    """
    import statistics

    import httpx
    from fastapi import FastAPI

    from api.app import create_app
    from api.auth import KeepSignedBody, install_audit_log
    from api.errors import install_error_handlers
    from api.limits import BodySizeLimit
    from api.metrics import install_metrics
    from api.rate_limit import install_rate_limit
    from api.routes import verify
    from registry.core.settings import Settings
    from registry.platform.runtime import build_runtime
    from registry.proofs.verification import find_registrations

    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        runtime = build_runtime(Settings())
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    answer = json.loads(constant)

    def bare() -> FastAPI:
        app = FastAPI()

        @app.get("/v1/verify")
        def verify_constant() -> dict[str, object]:
            return answer  # type: ignore[no-any-return]

        return app

    def bare_with_lookup() -> FastAPI:
        app = FastAPI()

        @app.get("/v1/verify")
        def verify_constant(sha256: str) -> dict[str, object]:
            find_registrations(runtime.sessions, sha256=sha256)
            return answer  # type: ignore[no-any-return]

        return app

    def route(*layers: str) -> FastAPI:
        app = FastAPI()
        app.state.runtime = runtime
        install_error_handlers(app)
        if "body" in layers:
            app.add_middleware(KeepSignedBody)
            app.add_middleware(BodySizeLimit, max_bytes=runtime.settings.max_upload_bytes)
        if "audit" in layers:
            install_audit_log(app)
        if "metrics" in layers:
            install_metrics(app, runtime)
        if "rate" in layers:
            install_rate_limit(app, per_minute=10**9, burst=10**6)
        app.include_router(verify.router)
        return app

    variants = {
        "constant (the baseline app)": bare,
        "constant + find_registrations": bare_with_lookup,
        "verify route, no middleware": route,
        "+ body limit, signed body": lambda: route("body"),
        "+ audit log": lambda: route("audit"),
        "+ request metrics": lambda: route("metrics"),
        "+ rate limit": lambda: route("rate"),
        "create_app (everything)": lambda: create_app(runtime=runtime),
    }
    count = 300

    async def cpu_per_request(app: FastAPI) -> float:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for path in paths[:30]:
                await client.get(path)
            started = time.process_time()
            for n in range(count):
                answered = await client.get(paths[n % len(paths)])
                if answered.status_code != 200:
                    raise RuntimeError(answered.text)
            return (time.process_time() - started) / count * 1000

    measured: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(3):
        for name, make in variants.items():
            measured[name].append(asyncio.run(cpu_per_request(make())))
    runtime.close()
    return {
        "unit": "CPU ms per request (process time, client included)",
        "requests_per_variant_round": count,
        "rounds": 3,
        "cpu_ms": {name: round(statistics.median(v), 3) for name, v in measured.items()},
    }


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid``, every thread included (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(
    server: Server,
    paths_file: Path,
    count: int,
    concurrency: int,
    rate: float,
    body_file: Path | None = None,
) -> dict:
    cpu_before = process_cpu_seconds(server.process.pid)
    output = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "_load",
            "--port",
            str(server.port),
            "--paths",
            str(paths_file),
            "--requests",
            str(count),
            "--concurrency",
            str(concurrency),
            "--rate",
            str(rate),
            *(["--body", str(body_file)] if body_file else []),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict = json.loads(output)
    # The server's own CPU per request (its process, all threads): what a shared, loaded
    # machine's wall-clock rates hide.
    result["cpu_ms"] = (process_cpu_seconds(server.process.pid) - cpu_before) / count * 1000
    if set(result["statuses"]) != {"200"}:
        raise RuntimeError(f"{server.side} answered {result['statuses']}")
    return result


def main() -> None:
    import datetime
    import platform
    import signal
    import statistics
    import tempfile
    from importlib import metadata

    import api.app  # noqa: F401 - the servers import it: fail now, not after the setup
    from cli.launcher import AnvilProcess

    # A terminated run still stops its servers and drops its database (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="more requests and rounds")
    parser.add_argument("--works", type=int, help="registered works (default 300, large 1,000)")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument(
        "--rate",
        type=float,
        default=OPEN_LOOP_RATE,
        help="open loop: offered requests/s, the same for both servers (default 200)",
    )
    parser.add_argument("--bulk-size", type=int, default=1000, help="digests per bulk request")
    parser.add_argument("--bulk-concurrency", type=int, default=4)
    parser.add_argument("--postgres", metavar="URL", help="serve from a fresh PostgreSQL database")
    parser.add_argument("--no-attribution", action="store_true", help="skip the cost breakdown")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    rounds = 7 if args.large else 5
    count = 10_000 if args.large else 2_000
    open_count = 3_000 if args.large else 500
    bulk_count = 100 if args.large else 30
    args.works = args.works or (1000 if args.large else 300)

    with tempfile.TemporaryDirectory(prefix="banquan-bench-verify-") as tmp:
        directory = Path(tmp)
        database_url = None
        admin_url = None
        if args.postgres:
            import psycopg
            from sqlalchemy.engine import make_url

            name = f"banquan_bench_verify_{os.getpid()}"
            base = make_url(args.postgres)
            admin_url = base.set(drivername="postgresql").render_as_string(False)
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
            database_url = base.set(database=name).render_as_string(False)
        servers: list[Server] = []
        try:
            started = time.perf_counter()
            with AnvilProcess(port=free_port(), workdir=directory / "anvil") as node:
                environment = seed(directory, node.rpc_url, args.works, database_url)
            print(
                f"{args.works} works registered and anchored in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            digests = registered_digests(environment)
            paths = [f"/v1/verify?sha256={digest}" for digest in digests]
            paths_file = directory / "paths.json"
            paths_file.write_text(json.dumps(paths))
            # Every registered digest, then unregistered ones (fixed, so runs compare) up to size.
            import hashlib

            bulk_digests = digests[: args.bulk_size] + [
                hashlib.sha256(f"not registered {n}".encode()).hexdigest()
                for n in range(max(0, args.bulk_size - len(digests)))
            ]
            bulk_body = directory / "bulk.json"
            bulk_body.write_text(json.dumps({"algorithm": "sha256", "digests": bulk_digests}))
            bulk_paths = directory / "bulk_paths.json"
            bulk_paths.write_text(json.dumps(["/v1/verify/bulk"]))
            # The baseline's constants are banquan's own answers: for the first work, for bulk.
            banquan = Server("banquan", directory, environment)
            servers.append(banquan)
            constant = banquan.wait_ready(paths[0])
            (directory / "constant.json").write_bytes(constant)
            (directory / "bulk_constant.json").write_bytes(
                banquan.post("/v1/verify/bulk", bulk_body)
            )
            baseline = Server(
                "baseline",
                directory,
                {},
                "--constant",
                str(directory / "constant.json"),
                "--bulk-constant",
                str(directory / "bulk_constant.json"),
            )
            servers.append(baseline)
            baseline.wait_ready(paths[0])
            sides = {"banquan": banquan, "baseline": baseline}
            for server in sides.values():  # warm-up
                run_load(server, paths_file, count // 3, args.concurrency, 0)

            closed: dict[str, list[dict]] = {"banquan": [], "baseline": []}
            for round_number in range(rounds):
                order = (
                    ["banquan", "baseline"] if round_number % 2 == 0 else ["baseline", "banquan"]
                )
                for side in order:
                    closed[side].append(
                        run_load(sides[side], paths_file, count, args.concurrency, 0)
                    )
                ours, theirs = closed["banquan"][-1], closed["baseline"][-1]
                print(
                    f"round {round_number + 1} closed loop: banquan {ours['rps']:,.0f}/s"
                    f" p99 {ours['p99_ms']:.1f} ms CPU {ours['cpu_ms']:.3f} ms, baseline"
                    f" {theirs['rps']:,.0f}/s p99 {theirs['p99_ms']:.1f} ms"
                    f" CPU {theirs['cpu_ms']:.3f} ms",
                    flush=True,
                )
            rate = int(args.rate) if args.rate.is_integer() else args.rate
            opened: dict[str, list[dict]] = {"banquan": [], "baseline": []}
            for round_number in range(rounds):
                order = (
                    ["banquan", "baseline"] if round_number % 2 == 0 else ["baseline", "banquan"]
                )
                for side in order:
                    opened[side].append(
                        run_load(sides[side], paths_file, open_count, args.concurrency, rate)
                    )
                ours, theirs = opened["banquan"][-1], opened["baseline"][-1]
                print(
                    f"round {round_number + 1} open loop at {rate:g}/s: banquan"
                    f" p50 {ours['p50_ms']:.1f} p99 {ours['p99_ms']:.1f} ms, baseline"
                    f" p50 {theirs['p50_ms']:.1f} p99 {theirs['p99_ms']:.1f} ms",
                    flush=True,
                )
            bulk: dict[str, list[dict]] = {"banquan": [], "baseline": []}
            for side in sides:  # warm-up
                run_load(sides[side], bulk_paths, 4, args.bulk_concurrency, 0, bulk_body)
            for round_number in range(rounds):
                order = (
                    ["banquan", "baseline"] if round_number % 2 == 0 else ["baseline", "banquan"]
                )
                for side in order:
                    run = run_load(
                        sides[side], bulk_paths, bulk_count, args.bulk_concurrency, 0, bulk_body
                    )
                    run["digests_per_s"] = run["rps"] * len(bulk_digests)
                    bulk[side].append(run)
                ours, theirs = bulk["banquan"][-1], bulk["baseline"][-1]
                print(
                    f"round {round_number + 1} bulk of {len(bulk_digests)}: banquan"
                    f" {ours['digests_per_s']:,.0f} digests/s, baseline"
                    f" {theirs['digests_per_s']:,.0f} digests/s",
                    flush=True,
                )
            breakdown = None
            if not args.no_attribution:
                try:
                    breakdown = attribute(environment, paths, constant)
                except Exception as exc:  # keep the measured figures regardless
                    breakdown = {"error": f"the breakdown failed: {exc!r}"}
        finally:
            for server in servers:
                server.stop()
            if admin_url and database_url:
                import psycopg
                from sqlalchemy.engine import make_url

                with psycopg.connect(admin_url, autocommit=True) as admin:
                    name = make_url(database_url).database
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    def spread(values: list[float], digits: int = 1) -> dict[str, float]:
        return {
            "median": round(statistics.median(values), digits),
            "min": round(min(values), digits),
            "max": round(max(values), digits),
        }

    def summary(runs: list[dict]) -> dict[str, dict[str, float]]:
        return {
            "rps": spread([r["rps"] for r in runs]),
            "p50_ms": spread([r["p50_ms"] for r in runs], 2),
            "p99_ms": spread([r["p99_ms"] for r in runs], 2),
            "server_cpu_ms": spread([r["cpu_ms"] for r in runs], 3),
        }

    ratios = [
        a["rps"] / b["rps"] for a, b in zip(closed["banquan"], closed["baseline"], strict=True)
    ]
    ratio = statistics.median(ratios)
    bulk_ratios = [
        a["digests_per_s"] / b["digests_per_s"]
        for a, b in zip(bulk["banquan"], bulk["baseline"], strict=True)
    ]
    bulk_rate = statistics.median(r["digests_per_s"] for r in bulk["banquan"])
    open_p99 = statistics.median(r["p99_ms"] for r in opened["banquan"])
    closed_p99 = statistics.median(r["p99_ms"] for r in closed["banquan"])
    result = {
        "benchmark": "verify_api",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "settings": {
            "size": "large" if args.large else "small",
            "database": "postgresql" if args.postgres else "sqlite",
            "registered_works": args.works,
            "endpoint": "GET /v1/verify?sha256=<digest> (a different registered work each request)",
            "server": "uvicorn, 1 worker, asyncio loop, h11, no access log; own process",
            "load_generator": "asyncio streams, HTTP/1.1 keep-alive, own process, loopback",
            "concurrency": args.concurrency,
            "rounds": rounds,
            "closed_loop_requests_per_round": count,
            "open_loop_requests_per_round": open_count,
            "open_loop_rate_per_s": rate,
            "warmup": f"{count // 3} requests per server",
            "bulk_digests_per_request": len(bulk_digests),
            "bulk_registered_per_request": min(len(digests), len(bulk_digests)),
            "bulk_concurrency": args.bulk_concurrency,
            "bulk_requests_per_round": bulk_count,
            "rate_limit": "installed, set to 1e9/min so that it refuses nothing",
        },
        "versions": {
            "python": platform.python_version(),
            **{
                name: metadata.version(name)
                for name in ("fastapi", "starlette", "uvicorn", "h11", "pydantic", "sqlalchemy")
            },
        },
        "cost_breakdown": breakdown,
        "closed_loop": {side: summary(runs) for side, runs in closed.items()},
        "open_loop": {side: summary(runs) for side, runs in opened.items()},
        "bulk": {
            side: {"digests_per_s": spread([r["digests_per_s"] for r in runs], 0)}
            for side, runs in bulk.items()
        },
        "figures": [
            {
                "name": "verify_rps",
                "unit": "requests/s",
                "banquan": summary(closed["banquan"])["rps"],
                "baseline": summary(closed["baseline"])["rps"],
                "ratio": round(ratio, 3),
                "ratio_per_round": [round(r, 3) for r in ratios],
                "target": TARGET_RATIO,
                "meets_target": ratio >= TARGET_RATIO,
            },
            {
                "name": "verify_p99_open_loop",
                "unit": "ms",
                "banquan": summary(opened["banquan"])["p99_ms"],
                "baseline": summary(opened["baseline"])["p99_ms"],
                "rate_per_s": rate,
                "target_ms": TARGET_P99_MS,
                "meets_target": open_p99 < TARGET_P99_MS,
            },
            {
                "name": "verify_p99_closed_loop",
                "unit": "ms",
                "banquan": summary(closed["banquan"])["p99_ms"],
                "baseline": summary(closed["baseline"])["p99_ms"],
                "concurrency": args.concurrency,
            },
            {
                "name": "verify_bulk_digests_per_s",
                "unit": "digests/s",
                "banquan": spread([r["digests_per_s"] for r in bulk["banquan"]], 0),
                "baseline": spread([r["digests_per_s"] for r in bulk["baseline"]], 0),
                "ratio": round(statistics.median(bulk_ratios), 3),
                "ratio_per_round": [round(r, 3) for r in bulk_ratios],
                "digests_per_request": len(bulk_digests),
                "target": TARGET_BULK_DIGESTS_PER_S,
                "meets_target": bulk_rate >= TARGET_BULK_DIGESTS_PER_S,
            },
        ],
        "target": (
            f"requests/s >= {TARGET_RATIO} x baseline; p99 < {TARGET_P99_MS} ms at"
            f" {rate:g} requests/s; bulk >= {TARGET_BULK_DIGESTS_PER_S:,} digests/s"
        ),
        "ratio": round(ratio, 3),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"{'':28} {'banquan':>10} {'baseline':>10}")
    for loop_name, runs in (("closed loop", closed), ("open loop", opened)):
        for key in ("rps", "p50_ms", "p99_ms", "cpu_ms"):
            ours = statistics.median(r[key] for r in runs["banquan"])
            theirs = statistics.median(r[key] for r in runs["baseline"])
            print(f"{loop_name + ' ' + key:28} {ours:>10,.3f} {theirs:>10,.3f}")
    theirs_bulk = statistics.median(r["digests_per_s"] for r in bulk["baseline"])
    print(f"{'bulk digests/s':28} {bulk_rate:>10,.0f} {theirs_bulk:>10,.0f}")
    print(
        f"requests/s ratio {ratio:.3f} (target >= {TARGET_RATIO});"
        f" p99 at {rate:g}/s {open_p99:.1f} ms (target < {TARGET_P99_MS} ms),"
        f" at {args.concurrency} clients {closed_p99:.1f} ms (saturated: no target);"
        f" bulk {bulk_rate:,.0f} digests/s (target >= {TARGET_BULK_DIGESTS_PER_S:,})"
    )
    if breakdown and "error" in breakdown:
        print(breakdown["error"])
    elif breakdown:
        print(breakdown["unit"])
        for name, value in breakdown["cpu_ms"].items():
            print(f"  {name:36} {value:6.2f}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_load":
        load_main(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "_serve":
        serve_main(sys.argv[2:])
    else:
        main()
