"""Benchmark of registration over HTTP: concurrent clients uploading works to banquan's
``POST /v1/works`` against a bare FastAPI endpoint that accepts the same multipart upload and
stores it durably, both served the same way, in the same run.

    python bench/register_api.py            # 50 clients, 100 KiB works, 3 rounds: about 2 minutes
    python bench/register_api.py --large    # 5 rounds, more requests per round
    python bench/register_api.py --postgres postgresql+psycopg://postgres@127.0.0.1/postgres

Setup: an embedded Anvil with the anchoring contract (no worker runs: registrations stay
``pending``, as they are when acknowledged) and a publisher API key. Two servers, started by
``bench/verify_api.py``'s launcher with its settings (``uvicorn`` in a process of its own on
127.0.0.1, one worker, asyncio loop, h11, no access log):

- ``banquan``: ``api.app.create_app`` — every middleware, the API key check, the single-pass
  ingest (SHA-256, SM3, CID, ISCC), the content stored encrypted (the default), the claim, and the
  registration committed before the 201 (group commit: one durable write for the registrations
  that arrive meanwhile);
- ``baseline``: a bare ``FastAPI()`` app whose ``POST /v1/works`` takes the same multipart form
  (``file`` and ``metadata``), writes the file, fsyncs it, renames it into place and answers 201:
  what storing an upload durably takes, minus everything banquan adds.

The load generator is a third process (asyncio streams, HTTP/1.1 keep-alive, ``--concurrency``
connections, each sending its next upload when the last is answered). Every upload is new random
bytes (nothing is deduplicated); both servers get the same requests, headers included. Rounds
alternate which server goes first, after a warm-up of each; the ratio is the median of per-round
ratios. Each run also reads each server process's CPU time (all its threads, /proc): its CPU per
upload, which a shared machine's load does not blur as it blurs the rates. At the end every
banquan registration answered 201 is looked up in its database.

Target (BENCHMARKS.md): banquan >= 50 % of the baseline's uploads/s. Writes
bench/results/register_api.json and prints a table. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

# Module level: FastAPI resolves the route's annotations (postponed) in this module's namespace.
from fastapi import File, Form, UploadFile

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
    sys.path.append(str(ROOT / "bench"))  # the launcher of verify_api, imported as a module

from verify_api import (  # noqa: E402
    Server,
    free_port,
    process_cpu_seconds,
    registered_digests,
    seed,
)

RESULTS = ROOT / "bench" / "results" / "register_api.json"
TARGET_RATIO = 0.50
BOUNDARY = "banquan-bench-boundary"
METADATA = json.dumps({"title": "基准测试作品", "authors": ["刘慈欣"], "language": "zh"})


# --------------------------------------------------------------------------- load generator


def upload_request(size: int, token: str, n: int) -> bytes:
    """One ``POST /v1/works``: a new random work of ``size`` bytes and its metadata."""
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n'
            f'{METADATA}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="work-{n}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + os.urandom(size)
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    head = (
        f"POST /v1/works HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def _one_connection(
    port: int,
    made: list[int],
    count: int,
    size: int,
    token: str,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while made[0] < count:
            made[0] += 1
            request = upload_request(size, token, made[0])  # outside the timed part
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = int(head[9:12])
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _load(port: int, count: int, concurrency: int, size: int, token: str) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    made = [0]  # uploads begun, shared by the connections
    await asyncio.gather(
        *(
            _one_connection(port, made, count, size, token, latencies, statuses)
            for _ in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": count,
        "seconds": elapsed,
        "rps": count / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000,
        "statuses": statuses,
    }


def load_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    result = asyncio.run(_load(args.port, args.requests, args.concurrency, args.size, args.token))
    print(json.dumps(result))


# --------------------------------------------------------------------------- baseline server


def serve_baseline_main(argv: list[str]) -> None:
    import uvicorn
    from fastapi import FastAPI

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args(argv)
    store: Path = args.store
    staging = store / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/works", status_code=201)
    def post_work(file: UploadFile = File(), metadata: str = Form()) -> dict[str, object]:
        json.loads(metadata)
        name = uuid.uuid4().hex
        size = 0
        with (staging / name).open("wb") as out:
            while chunk := file.file.read(1 << 18):
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(staging / name, store / name)
        return {"id": name, "size": size}

    # The same server settings as bench/verify_api.py serves banquan with.
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


class BaselineServer(Server):
    """The baseline, launched and stopped like verify_api's servers."""

    def __init__(self, directory: Path) -> None:
        self.side = "baseline"
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "_serve_baseline",
                "--port",
                str(self.port),
                "--store",
                str(directory / "baseline-store"),
            ],
            cwd=directory,
        )


# --------------------------------------------------------------------------- orchestration


def run_load(server: Server, count: int, concurrency: int, size: int, token: str) -> dict:
    cpu_before = process_cpu_seconds(server.process.pid)
    output = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "_load",
            "--port",
            str(server.port),
            "--requests",
            str(count),
            "--concurrency",
            str(concurrency),
            "--size",
            str(size),
            "--token",
            token,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict = json.loads(output)
    # The server's own CPU per upload (its process, all threads): what a shared, loaded
    # machine's wall-clock rates hide.
    result["cpu_ms"] = (process_cpu_seconds(server.process.pid) - cpu_before) / count * 1000
    if set(result["statuses"]) != {"201"}:
        raise RuntimeError(f"{server.side} answered {result['statuses']}")
    return result


def publisher_token(environment: dict[str, str]) -> str:
    from registry.access.keys import create_api_key
    from registry.core.settings import Settings
    from registry.platform.runtime import build_runtime

    settings = Settings(
        data_dir=Path(environment["BANQUAN_DATA_DIR"]),
        chain_rpc_url=environment["BANQUAN_CHAIN_RPC_URL"],
        database_url=environment.get("BANQUAN_DATABASE_URL"),
    )
    runtime = build_runtime(settings)
    try:
        issued = create_api_key(
            runtime.sessions, name="bench", scopes=("publisher",), now=runtime.now
        )
    finally:
        runtime.close()
    return issued.secret


def main() -> None:
    import datetime
    import platform
    import signal
    import statistics
    import tempfile

    import api.app  # noqa: F401 - the server imports it: fail now, not after the setup
    from cli.launcher import AnvilProcess

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="more rounds and requests")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--size", type=int, default=100 * 1024, help="bytes per work")
    parser.add_argument("--requests", type=int, help="uploads per round and server")
    parser.add_argument("--postgres", metavar="URL", help="register into a fresh PostgreSQL")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    rounds = 5 if args.large else 3
    count = args.requests or (1000 if args.large else 400)
    warmup = max(args.concurrency, count // 4)

    with tempfile.TemporaryDirectory(prefix="banquan-bench-register-") as tmp:
        directory = Path(tmp)
        database_url = admin_url = None
        if args.postgres:
            import psycopg
            from sqlalchemy.engine import make_url

            name = f"banquan_bench_register_{os.getpid()}"
            base = make_url(args.postgres)
            admin_url = base.set(drivername="postgresql").render_as_string(False)
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
            database_url = base.set(database=name).render_as_string(False)
        servers: list[Server] = []
        runs: dict[str, list[dict]] = {"banquan": [], "baseline": []}
        try:
            with AnvilProcess(port=free_port(), workdir=directory / "anvil") as node:
                environment = seed(directory, node.rpc_url, 0, database_url)
                token = publisher_token(environment)
                banquan = Server("banquan", directory, environment)
                baseline = BaselineServer(directory)
                servers += [banquan, baseline]
                sides: dict[str, Server] = {"banquan": banquan, "baseline": baseline}
                for server in sides.values():
                    server.wait_ready("/health")
                    run_load(server, warmup, args.concurrency, args.size, token)
                for round_number in range(rounds):
                    order = list(sides) if round_number % 2 == 0 else list(reversed(sides))
                    for side in order:
                        runs[side].append(
                            run_load(sides[side], count, args.concurrency, args.size, token)
                        )
                    ours, theirs = runs["banquan"][-1], runs["baseline"][-1]
                    print(
                        f"round {round_number + 1}: banquan {ours['rps']:,.1f}/s"
                        f" p99 {ours['p99_ms']:.0f} ms CPU {ours['cpu_ms']:.1f} ms,"
                        f" baseline {theirs['rps']:,.1f}/s p99 {theirs['p99_ms']:.0f} ms"
                        f" CPU {theirs['cpu_ms']:.1f} ms",
                        flush=True,
                    )
                for server in servers:
                    server.stop()
                servers.clear()
                acknowledged = warmup + rounds * count
                stored = len(registered_digests(environment))
                if stored != acknowledged:
                    raise RuntimeError(f"{acknowledged} registrations answered 201, {stored} kept")
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

    ratios = [a["rps"] / b["rps"] for a, b in zip(runs["banquan"], runs["baseline"], strict=True)]
    ratio = statistics.median(ratios)
    result = {
        "benchmark": "register_api",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "settings": {
            "size": "large" if args.large else "small",
            "database": "postgresql" if args.postgres else "sqlite",
            "endpoint": "POST /v1/works (multipart: file, metadata; content stored encrypted)",
            "baseline": "bare FastAPI: the same multipart form, file written + fsync + rename",
            "server": "uvicorn, 1 worker, asyncio loop, h11, no access log; own process",
            "load_generator": "asyncio streams, HTTP/1.1 keep-alive, own process, loopback",
            "concurrency": args.concurrency,
            "work_bytes": args.size,
            "rounds": rounds,
            "requests_per_round": count,
            "warmup": f"{warmup} uploads per server",
        },
        "figures": {
            side: {
                "uploads_per_s": spread([r["rps"] for r in side_runs]),
                "p50_ms": spread([r["p50_ms"] for r in side_runs]),
                "p99_ms": spread([r["p99_ms"] for r in side_runs]),
                "server_cpu_ms_per_upload": spread([r["cpu_ms"] for r in side_runs], 2),
            }
            for side, side_runs in runs.items()
        },
        "acknowledged_registrations_kept": acknowledged,
        "ratios": {
            "banquan_vs_baseline": round(ratio, 3),
            "per_round": [round(r, 3) for r in ratios],
        },
        "targets": {"banquan_vs_baseline": TARGET_RATIO},
        "meets_target": ratio >= TARGET_RATIO,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(
        f"{args.concurrency} clients uploading {args.size // 1024} KiB works, "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}, {rounds} rounds of {count}"
    )
    for side, figures in result["figures"].items():  # type: ignore[union-attr]
        print(
            f"  {side:<9} {figures['uploads_per_s']['median']:>8} uploads/s"
            f"  p50 {figures['p50_ms']['median']:>7} ms  p99 {figures['p99_ms']['median']:>7} ms"
            f"  server CPU {figures['server_cpu_ms_per_upload']['median']:>6} ms/upload"
        )
    print(f"  banquan / baseline {ratio:.3f} (target >= {TARGET_RATIO})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_load":
        load_main(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "_serve_baseline":
        serve_baseline_main(sys.argv[2:])
    else:
        main()
