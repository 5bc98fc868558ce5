"""Benchmark of lookups as the registry grows: p50 and p99 of the lookup by digest and by ISBN
in PostgreSQL holding 10k, 100k and (``--large``) 1M registrations, against the same at 10k
in the same run.

    python bench/scale.py            # 10k and 100k: about a minute
    python bench/scale.py --large    # and 1M: a few minutes (the load is most of it)
    python bench/scale.py --url postgresql+psycopg://postgres@127.0.0.1/postgres

One fresh database per size is created (and dropped at the end) on the server of ``--url``,
migrated with ``registry.core.database.migrate`` — the real schema, every index — and loaded with
``COPY`` (psycopg ``cursor.copy``): works with their ISBNs, anchored registrations with a
realistic claim (a real signed ``banquan.claim/2`` as template, the digests changed per row), a
10-step Merkle proof and their batch (1,000 registrations each). Then ``ANALYZE``.

Lookups go through the real service functions, ``registry.proofs.verification.find_by_digest``
(SHA-256)
and ``find_by_isbn``, each through a session of ``registry.core.database.session_factory``, for
works picked at random in each database. All sizes are measured in the same rounds, in rotating
order, after a warm-up, so that drift of a shared machine falls on every size alike; each
round's p50 and p99 are kept, and a size's figure is the median over rounds. Target
(BENCHMARKS.md): p99 at 1M <= 1.5 x p99 at 10k, for each lookup. Writes
bench/results/scale.json and prints a table. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import psycopg  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from crypto.signing import KeySigner, generate_private_key  # noqa: E402
from registry.content.ingest import describe  # noqa: E402
from registry.core.database import create_database_engine, migrate, session_factory  # noqa: E402
from registry.core.isbn import _isbn13  # noqa: E402
from registry.core.metadata import WorkMetadata  # noqa: E402
from registry.proofs.verification import find_by_digest, find_by_isbn  # noqa: E402
from registry.registration.claims import claim_for, registrant_id  # noqa: E402
from registry.registration.registrar import registration_number  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scale.json"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/postgres"
TARGET = 1.5
BATCH = 1000
PROOF_STEPS = 10
CHUNK = 50_000
CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def isbn_of(n: int) -> str:
    """A distinct valid ISBN-13 for work ``n`` (978 + nine digits + check digit)."""
    return _isbn13(f"978{n:09d}")


def sha256_of(n: int) -> str:
    return hashlib.sha256(b"scale work %d" % n).hexdigest()


class Rows:
    """COPY text lines of works, registrations and batches, shaped like real ones."""

    def __init__(self) -> None:
        signer = KeySigner(generate_private_key("sm2"))
        metadata_ = WorkMetadata(
            title="三体 (benchmark)", authors=("刘慈欣",), isbn="9787536692930"
        )
        content = describe(io.BytesIO(b"template work"))
        claim = claim_for(content, metadata_, signer.public_key, registered_at=CREATED)
        claim_text = claim.canonical_bytes().decode()
        # The template's digests become per-row placeholders.
        self.claim_parts = claim_text.replace(claim.sha256, "\0").replace(claim.sm3, "\0")
        self.signature = claim.sign(signer).to_text()
        self.registrant = registrant_id(signer.public_key)
        self.metadata_json = json.dumps(metadata_.to_json(), ensure_ascii=False)
        self.title = metadata_.title
        for text in (self.claim_parts, self.signature, self.metadata_json):
            if any(special in text for special in "\\\t\n"):
                raise ValueError("COPY text needs no escaping here")
        self.created = CREATED.isoformat()

    def works(self, start: int, stop: int) -> Iterator[str]:
        for n in range(start, stop):
            sha = sha256_of(n)
            sm3 = hashlib.new("sm3", sha.encode()).hexdigest()
            yield (
                f"{n + 1}\t{sha}\t{sm3}\t{1000 + n}\t{self.title}\t{isbn_of(n)}\t"
                f"{self.metadata_json}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t{self.created}\n"
            )

    def registrations(self, start: int, stop: int) -> Iterator[str]:
        for n in range(start, stop):
            sha = sha256_of(n)
            sm3 = hashlib.new("sm3", sha.encode()).hexdigest()
            head, middle, tail = self.claim_parts.split("\0")
            claim = f"{head}{sha}{middle}{sm3}{tail}"
            leaf = hashlib.sha3_256(sha.encode()).hexdigest()
            proof = json.dumps(
                [hashlib.sha256(b"%d/%d" % (n, step)).hexdigest() for step in range(PROOF_STEPS)]
            )
            yield (
                f"{n + 1}\t{registration_number(2026, n + 1)}\t{n + 1}\t{claim}\t{leaf}\tclient\t"
                f"{self.signature}\t{self.registrant}\tconfirmed\t{n // BATCH + 1}\t{proof}\t"
                f"\\N\t{self.created}\n"
            )

    def batches(self, count: int) -> Iterator[str]:
        for b in range(count):
            root = hashlib.sha256(b"root %d" % b).hexdigest()
            tx = "0x" + hashlib.sha256(b"tx %d" % b).hexdigest()
            yield (
                f"{b + 1}\t{root}\t{BATCH}\tconfirmed\t31337\t0x{'42' * 20}\t{tx}\t{100 + b}\t"
                f"{self.created}\t{self.created}\t1\t{self.created}\n"
            )


COLUMNS = {
    "works": "id, sha256, sm3, size, title, isbn, metadata_json, cid, stored_cid, encryption, "
    "published_at, iscc_data, iscc_instance, iscc_content, created_at",
    "registrations": "id, number, work_id, claim_json, leaf, signing_mode, signature, registrant, "
    "status, batch_id, proof_json, takedown_json, created_at",
    "batches": "id, root, leaf_count, status, chain_id, contract_address, tx_hash, block_number, "
    "anchored_at, submitted_at, attempts, created_at",
}


def copy_lines(connection: psycopg.Connection, table: str, lines: Iterator[str]) -> None:
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy,
    ):
        buffer: list[str] = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= CHUNK:
                copy.write("".join(buffer))
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))


def set_aside_indexes(connection: psycopg.Connection, *, drop: bool = True) -> list[str]:
    """The statements that recreate the secondary indexes, unique and foreign-key constraints
    of the loaded tables (dropped here unless ``drop`` is false).

    A bulk load builds each index once after the rows are in, as pg_restore does, instead of
    inserting 1M random keys one by one; the statements come from the migrated schema itself,
    and the caller checks that the schema afterwards is the same.
    """
    tables = list(COLUMNS)
    constraints = connection.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f')"
        " ORDER BY contype DESC, conrelid::regclass::text, conname",
        (tables,),
    ).fetchall()
    indexes = connection.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))"
        " ORDER BY tablename, indexname",
        (tables,),
    ).fetchall()
    if drop:
        for table, name, _ in reversed(constraints):
            connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')  # type: ignore[arg-type]
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')  # type: ignore[arg-type]
    return [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in constraints] + [
        definition for _, definition in indexes
    ]


def libpq_url(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(False)


def load(url: str, database: str, size: int, rows: Rows) -> dict[str, float]:
    """Create, migrate and fill ``database`` with ``size`` registrations; seconds per step."""
    with psycopg.connect(libpq_url(url, make_url(url).database or "postgres"),
                         autocommit=True) as admin:  # fmt: skip
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    engine = create_database_engine(str(make_url(url).set(database=database)))
    started = time.perf_counter()
    migrate(engine)
    engine.dispose()
    migrated = time.perf_counter()
    with psycopg.connect(libpq_url(url, database)) as connection:
        schema = set_aside_indexes(connection)
        copy_lines(connection, "batches", rows.batches((size + BATCH - 1) // BATCH))
        copy_lines(connection, "works", rows.works(0, size))
        copy_lines(connection, "registrations", rows.registrations(0, size))
        copied = time.perf_counter()
        for statement in schema:
            connection.execute(statement)  # type: ignore[arg-type]
        connection.commit()
        if set_aside_indexes(connection, drop=False) != schema:
            raise RuntimeError("the indexes and constraints differ from the migrated schema")
    indexed = time.perf_counter()
    with psycopg.connect(libpq_url(url, database), autocommit=True) as connection:
        for table in COLUMNS:  # the ids were given: move each sequence past them
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: E501, S608
            )
        connection.execute("VACUUM ANALYZE batches, works, registrations")
    analyzed = time.perf_counter()
    return {
        "migrate_s": round(migrated - started, 2),
        "copy_s": round(copied - migrated, 2),
        "index_s": round(indexed - copied, 2),
        "vacuum_analyze_s": round(analyzed - indexed, 2),
        "rows_per_s": round(size / (indexed - migrated)),
    }


def drop(url: str, database: str) -> None:
    with psycopg.connect(libpq_url(url, make_url(url).database or "postgres"),
                         autocommit=True) as admin:  # fmt: skip
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


Lookup = Callable[[sessionmaker[Session], int], object]
LOOKUPS: dict[str, Lookup] = {
    "digest": lambda sessions, n: find_by_digest(sessions, "sha256", sha256_of(n)),
    "isbn": lambda sessions, n: find_by_isbn(sessions, isbn_of(n)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="add 1M registrations")
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL server (SQLAlchemy URL)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--queries", type=int, default=200, help="per lookup, size and round")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    sizes = [10_000, 100_000] + ([1_000_000] if args.large else [])
    prefix = f"banquan_bench_scale_{os.getpid()}"
    rows = Rows()
    engines: dict[int, Engine] = {}
    loads: dict[int, dict[str, float]] = {}
    try:
        for size in sizes:
            database = f"{prefix}_{size}"
            loads[size] = load(args.url, database, size, rows)
            print(f"{size:>9,} registrations loaded: {loads[size]}", flush=True)
            engines[size] = create_database_engine(str(make_url(args.url).set(database=database)))
        sessions = {size: session_factory(engine) for size, engine in engines.items()}
        rng = random.Random(7)  # noqa: S311 (reproducible choice of works)

        for size in sizes:  # warm-up: the pool, the statement caches, hot index pages
            for lookup in LOOKUPS.values():
                for _ in range(50):
                    lookup(sessions[size], rng.randrange(size))

        p50: dict[str, dict[int, list[float]]] = {name: {s: [] for s in sizes} for name in LOOKUPS}
        p99: dict[str, dict[int, list[float]]] = {name: {s: [] for s in sizes} for name in LOOKUPS}
        for round_number in range(args.rounds):
            order = sizes[round_number % len(sizes) :] + sizes[: round_number % len(sizes)]
            for size in order:
                for name, lookup in LOOKUPS.items():
                    times = []
                    for _ in range(args.queries):
                        n = rng.randrange(size)
                        t0 = time.perf_counter()
                        found = lookup(sessions[size], n)
                        times.append((time.perf_counter() - t0) * 1000)
                        if not isinstance(found, list) or len(found) != 1:
                            raise AssertionError(f"expected one registration, got {found!r}")
                    p50[name][size].append(percentile(times, 0.50))
                    p99[name][size].append(percentile(times, 0.99))
            print(f"round {round_number + 1}/{args.rounds} done", flush=True)
    finally:
        for engine in engines.values():
            engine.dispose()
        if not args.keep:
            for size in sizes:
                drop(args.url, f"{prefix}_{size}")

    def spread(values: list[float]) -> dict[str, float]:
        return {
            "median": round(statistics.median(values), 3),
            "min": round(min(values), 3),
            "max": round(max(values), 3),
        }

    base = sizes[0]
    figures = []
    for name in LOOKUPS:
        for size in sizes:
            ratio = statistics.median(p99[name][size]) / statistics.median(p99[name][base])
            figures.append(
                {
                    "lookup": name,
                    "size": size,
                    "p50_ms": spread(p50[name][size]),
                    "p99_ms": spread(p99[name][size]),
                    "p99_ratio_vs_10k": round(ratio, 3),
                    "target": TARGET,
                    "meets_target": ratio <= TARGET,
                }
            )
    largest = sizes[-1]
    result = {
        "benchmark": "scale",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "settings": {
            "size": "large" if args.large else "small",
            "sizes": sizes,
            "database": "postgresql",
            "rounds": args.rounds,
            "queries_per_lookup_size_round": args.queries,
            "warmup": "50 lookups of each kind per size",
            "batch_size": BATCH,
            "proof_steps": PROOF_STEPS,
            "lookups": {
                "digest": "registry.proofs.verification.find_by_digest(sessions, 'sha256', hex)",
                "isbn": "registry.proofs.verification.find_by_isbn(sessions, isbn13)",
            },
            "clock": "wall (perf_counter), client side, one connection at a time",
        },
        "versions": {
            "python": platform.python_version(),
            "psycopg": metadata.version("psycopg"),
            "sqlalchemy": metadata.version("sqlalchemy"),
            "postgresql": server_version(args.url),
        },
        "load": {str(size): figures_ for size, figures_ in loads.items()},
        "figures": figures,
        "target": f"p99 at {largest:,} <= {TARGET} x p99 at {base:,}, for each lookup",
        "ratio": {
            name: round(
                statistics.median(p99[name][largest]) / statistics.median(p99[name][base]), 3
            )
            for name in LOOKUPS
        },
    }
    result["all_meet_target"] = all(r <= TARGET for r in result["ratio"].values())  # type: ignore[union-attr]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"{'lookup':8} {'size':>10} {'p50 ms':>8} {'p99 ms':>8} {'p99/10k':>8}")
    for figure in figures:
        print(
            f"{figure['lookup']:8} {figure['size']:>10,} {figure['p50_ms']['median']:>8.3f}"  # type: ignore[index]
            f" {figure['p99_ms']['median']:>8.3f} {figure['p99_ratio_vs_10k']:>8.3f}"  # type: ignore[index]
        )
    print(f"target: {result['target']}; met: {result['all_meet_target']}")
    print(f"wrote {args.output}")


def server_version(url: str) -> str:
    with psycopg.connect(libpq_url(url, make_url(url).database or "postgres")) as connection:
        row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "unknown"


if __name__ == "__main__":
    main()
