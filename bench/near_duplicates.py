"""Benchmark of the near-duplicate search on ISCC codes (the moderation ``conflict`` hook):
the segment index of ``registry.moderation.similarity`` against a linear scan, same run, same
rows.

    python bench/near_duplicates.py            # 10k and 100k codes: about a minute
    python bench/near_duplicates.py --large    # and 1M
    python bench/near_duplicates.py --postgres postgresql+psycopg://postgres@127.0.0.1/postgres

For each size a fresh database (SQLite in a temporary directory, or a PostgreSQL database created
and dropped here) is migrated and filled with N random 64-bit Data-Codes (half of the queries are
planted: a stored code with up to ``max_distance`` bits flipped; the other half random). Figures,
per query, median and p99 over the rounds:

- ``index``: ``near_codes`` — four indexed ``IN`` probes on the 16-bit segments, then the exact
  Hamming distance on the candidates;
- ``linear_db``: the baseline without the index — every code of the kind read from the same
  table and compared;
- ``linear_memory``: the codes already in a Python list, compared one by one (a floor for any
  scan).

Both answers are checked equal for every query. Writes bench/results/near_duplicates.json and
prints a table. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import sqlalchemy  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from registry.core.database import create_database_engine, migrate, session_factory  # noqa: E402
from registry.core.models import SimilarityCode, Work  # noqa: E402
from registry.moderation.similarity import (  # noqa: E402
    linear_near_codes,
    near_codes,
    segments,
    signed,
)

RESULTS = ROOT / "bench" / "results" / "near_duplicates.json"
CHUNK = 20_000


def fill(engine: sqlalchemy.Engine, codes: list[int]) -> None:
    created = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    with engine.begin() as connection:
        for start in range(0, len(codes), CHUNK):
            part = codes[start : start + CHUNK]
            connection.execute(
                insert(Work),
                [
                    {
                        "id": start + n + 1,
                        "sha256": f"{start + n:064x}",
                        "sm3": f"{start + n:064x}",
                        "size": 1,
                        "title": "bench",
                        "metadata_json": "{}",
                        "created_at": created,
                    }
                    for n in range(len(part))
                ],
            )
            rows = []
            for n, code in enumerate(part):
                s0, s1, s2, s3 = segments(code)
                rows.append(
                    {
                        "work_id": start + n + 1,
                        "kind": "data",
                        "code": signed(code),
                        "seg0": s0,
                        "seg1": s1,
                        "seg2": s2,
                        "seg3": s3,
                    }
                )
            connection.execute(insert(SimilarityCode), rows)
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE similarity_codes"))
        else:
            connection.execute(text("ANALYZE"))


def queries(rng: random.Random, codes: list[int], count: int, max_distance: int) -> list[int]:
    found = []
    for n in range(count):
        if n % 2 == 0:
            flips = rng.sample(range(64), rng.randint(0, max_distance))
            found.append(rng.choice(codes) ^ sum(1 << bit for bit in flips))
        else:
            found.append(rng.getrandbits(64))
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(url: str, size: int, args: argparse.Namespace) -> dict[str, object]:
    rng = random.Random(size)  # noqa: S311 (reproducible test data)
    codes = [rng.getrandbits(64) for _ in range(size)]
    engine = create_database_engine(url)
    migrate(engine)
    started = time.perf_counter()
    fill(engine, codes)
    fill_seconds = time.perf_counter() - started
    sessions = session_factory(engine)
    asked = queries(rng, codes, args.queries, args.max_distance)
    numbered = list(enumerate(codes, start=1))
    times: dict[str, list[float]] = {"index": [], "linear_db": [], "linear_memory": []}
    matches = 0
    for query in asked[:5]:  # warm-up
        with sessions() as session:
            near_codes(session, "data", query, args.max_distance)
    for n, query in enumerate(asked):
        order = ["index", "linear_db"] if n % 2 == 0 else ["linear_db", "index"]
        answers: dict[str, set[tuple[int, int]]] = {}
        for name in order:
            t0 = time.perf_counter()
            with sessions() as session:
                if name == "index":
                    found = near_codes(session, "data", query, args.max_distance, limit=10**9)
                    answers[name] = {(m.work_id, m.distance) for m in found}
                else:
                    rows = session.execute(
                        select(SimilarityCode.work_id, SimilarityCode.code).where(
                            SimilarityCode.kind == "data"
                        )
                    )
                    answers[name] = set(linear_near_codes(rows, query, args.max_distance))
            times[name].append(time.perf_counter() - t0)
        if n < args.memory_queries:
            t0 = time.perf_counter()
            in_memory = set(linear_near_codes(numbered, query, args.max_distance))
            times["linear_memory"].append(time.perf_counter() - t0)
            assert in_memory == answers["index"]
        assert answers["index"] == answers["linear_db"], query
        matches += len(answers["index"])
    engine.dispose()
    figures: dict[str, object] = {
        name: {
            "median_ms": statistics.median(values) * 1000,
            "p99_ms": percentile(values, 0.99) * 1000,
            "queries": len(values),
        }
        for name, values in times.items()
    }
    index_median = statistics.median(times["index"])
    return {
        "size": size,
        "fill_seconds": fill_seconds,
        "matches_found": matches,
        **figures,
        "speedup_vs_linear_db": statistics.median(times["linear_db"]) / index_median,
        "speedup_vs_linear_memory": statistics.median(times["linear_memory"]) / index_median,
    }


def run_size(size: int, args: argparse.Namespace) -> dict[str, object]:
    if not args.postgres:
        with tempfile.TemporaryDirectory() as directory:
            return measure(f"sqlite:///{Path(directory) / 'bench.db'}", size, args)
    name = f"banquan_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        return measure(url, size, args)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="add 1M codes")
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--memory-queries", type=int, default=10)
    parser.add_argument("--max-distance", type=int, default=6)
    args = parser.parse_args()
    sizes = [10_000, 100_000] + ([1_000_000] if args.large else [])
    results = []
    header = ("codes", "index ms", "p99", "scan db ms", "scan mem ms", "x db")
    print("{:>9} {:>9} {:>7} {:>11} {:>12} {:>7}".format(*header))
    for size in sizes:
        row = run_size(size, args)
        results.append(row)
        index, db, memory = row["index"], row["linear_db"], row["linear_memory"]
        assert isinstance(index, dict)
        assert isinstance(db, dict)
        assert isinstance(memory, dict)
        print(
            f"{size:>9,} {index['median_ms']:>9.2f} {index['p99_ms']:>7.2f} "
            f"{db['median_ms']:>11.1f} {memory['median_ms']:>12.1f} "
            f"{row['speedup_vs_linear_db']:>6.0f}x"
        )
    result = {
        "benchmark": "near_duplicates",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": "postgresql" if args.postgres else "sqlite",
        "max_distance": args.max_distance,
        "queries_per_size": args.queries,
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "machine": platform.machine(),
        "results": results,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    name = RESULTS if not args.postgres else RESULTS.with_name("near_duplicates_postgresql.json")
    name.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {name.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
