"""Benchmark of the similarity stage of ingest: ISCC codes, against the reference in the same run.

    python bench/iscc.py            # 32 MiB of unique bytes, 5 rounds: under a minute
    python bench/iscc.py --large    # 256 MiB, 7 rounds

Figures, each the median of alternating rounds after a warm-up, on the same unique bytes:
- ``data-code``: the ingest's ISCC Data-Code (iscc-lib's streaming ``DataHasher``, fed 256 KiB
  chunks as the ingest feeds it) against the baseline ``iscc_core.gen_data_code_v0`` on the
  same bytes (the benchmarking rules' baseline); target >= 0.90 of the baseline's bytes/s.
- ``overlap``: the whole one-pass ingest with its store discarded (SHA-256, SM3, CID, ISCC) against
  the larger of its parts run alone — the digests (SHA-256 + SM3) and the ISCC codes: target
  ingest time <= 1.2 x max(hash, iscc), i.e. a ratio max(hash, iscc) / ingest >= 0.83.
The codes of both sides are compared: they must be equal. Writes bench/results/iscc.json.
Never run by the test suite. The Data-Code's clock is the CPU time of this thread (both sides run
in it; see bench/crypto.py). The overlap's clock is the wall clock: the ingest runs its stages in
threads of their own, whose CPU time the calling thread's clock would not see; the cost
breakdown is the CPU time of the whole process (every thread).
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import iscc_core  # noqa: E402
import iscc_lib  # noqa: E402

from crypto.digests import DigestAccumulator  # noqa: E402
from registry.content.ingest import describe  # noqa: E402

CHUNK = 256 * 1024
CLOCK = time.thread_time
WALL = time.perf_counter
RESULTS = ROOT / "bench" / "results" / "iscc.json"
DATA_CODE_TARGET = 0.90
OVERLAP_TARGET = 0.83  # ingest time <= 1.2 x max(parts), rounded down


def iscc_lib_data_code(data: bytes) -> str:
    hasher = iscc_lib.DataHasher()
    view = memoryview(data)
    for start in range(0, len(data), CHUNK):
        hasher.update(view[start : start + CHUNK])
    return str(hasher.finalize(64)["iscc"])


def iscc_core_data_code(data: bytes) -> str:
    return str(iscc_core.gen_data_code_v0(io.BytesIO(data))["iscc"])


def digests_alone(data: bytes) -> str:
    accumulator = DigestAccumulator()
    view = memoryview(data)
    for start in range(0, len(data), CHUNK):
        accumulator.update(bytes(view[start : start + CHUNK]))
    return accumulator.finish().sha256_hex


def iscc_alone(data: bytes) -> str:
    data_code = iscc_lib.DataHasher()
    instance_code = iscc_lib.InstanceHasher()
    view = memoryview(data)
    for start in range(0, len(data), CHUNK):
        chunk = view[start : start + CHUNK]
        data_code.update(chunk)
        instance_code.update(chunk)
    return str(data_code.finalize(64)["iscc"])


def ingest_discarding(data: bytes) -> str:
    return describe(io.BytesIO(data)).iscc_data


def timed(run: Callable[[bytes], str], data: bytes) -> tuple[float, str]:
    start = CLOCK()
    code = run(data)
    return CLOCK() - start, code


def timed_wall(run: Callable[[bytes], str], data: bytes) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the whole process (every thread), and the code."""
    start, start_cpu = WALL(), time.process_time()
    code = run(data)
    return WALL() - start, time.process_time() - start_cpu, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="256 MiB, 7 rounds")
    args = parser.parse_args()
    size = (256 if args.large else 32) << 20
    rounds = 7 if args.large else 5
    data = os.urandom(size)  # unique bytes: nothing to deduplicate or cache

    for run in (iscc_lib_data_code, iscc_core_data_code, digests_alone, iscc_alone):
        run(data[: 4 << 20])  # warm both sides the same way
    ingest_discarding(data[: 4 << 20])
    lib_seconds: list[float] = []
    core_seconds: list[float] = []
    hash_seconds: list[float] = []
    iscc_seconds: list[float] = []
    ingest_seconds: list[float] = []
    cpu_seconds: dict[str, list[float]] = {"digests": [], "iscc": [], "ingest": []}
    codes: set[str] = set()
    for round_number in range(rounds):
        sides = [(iscc_lib_data_code, lib_seconds), (iscc_core_data_code, core_seconds)]
        if round_number % 2:
            sides.reverse()
        for run, seconds in sides:
            elapsed, code = timed(run, data)
            seconds.append(elapsed)
            codes.add(code)
        overlap = [
            ("digests", digests_alone, hash_seconds),
            ("iscc", iscc_alone, iscc_seconds),
            ("ingest", ingest_discarding, ingest_seconds),
        ]
        if round_number % 2:
            overlap.reverse()
        for name, run, seconds in overlap:
            elapsed, cpu, code = timed_wall(run, data)
            seconds.append(elapsed)
            cpu_seconds[name].append(cpu)
            if name == "ingest":
                codes.add(code)
    if len(codes) != 1:
        raise SystemExit(f"the Data-Codes differ: {sorted(codes)}")

    mib = size / (1 << 20)
    data_code_ratio = statistics.median(
        c / lib for lib, c in zip(lib_seconds, core_seconds, strict=True)
    )
    overlap_ratio = statistics.median(
        max(h, i) / ingest
        for h, i, ingest in zip(hash_seconds, iscc_seconds, ingest_seconds, strict=True)
    )
    result: dict[str, object] = {
        "benchmark": "iscc",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "bytes": size,
        "rounds": rounds,
        "code": codes.pop(),
        "figures": [
            {
                "name": "data-code",
                "unit": "MiB/s",
                "banquan": "iscc-lib DataHasher, 256 KiB chunks (the ingest's Data-Code)",
                "baseline": "iscc_core.gen_data_code_v0 on the same bytes",
                "banquan_median": mib / statistics.median(lib_seconds),
                "baseline_median": mib / statistics.median(core_seconds),
                "banquan_spread": [mib / max(lib_seconds), mib / min(lib_seconds)],
                "baseline_spread": [mib / max(core_seconds), mib / min(core_seconds)],
                "ratio": data_code_ratio,
                "target": DATA_CODE_TARGET,
                "met": data_code_ratio >= DATA_CODE_TARGET,
            },
            {
                "name": "overlap",
                "unit": "MiB/s",
                "banquan": "one-pass ingest, store discarded (SHA-256, SM3, CID, ISCC), wall clock",
                "baseline": "the larger of its parts alone, each in one thread: digests, ISCC",
                "banquan_median": mib / statistics.median(ingest_seconds),
                "baseline_median": mib
                / max(statistics.median(hash_seconds), statistics.median(iscc_seconds)),
                "parts_median": {
                    "digests": mib / statistics.median(hash_seconds),
                    "iscc": mib / statistics.median(iscc_seconds),
                },
                "ratio": overlap_ratio,
                "target": OVERLAP_TARGET,
                "met": overlap_ratio >= OVERLAP_TARGET,
            },
        ],
        "cost_breakdown": {
            "unit": f"CPU ms per {mib:.0f} MiB (median, every thread)",
            "steps": {
                "SHA-256 + SM3 alone": round(1000 * statistics.median(cpu_seconds["digests"])),
                "ISCC Data + Instance (iscc-lib) alone": round(
                    1000 * statistics.median(cpu_seconds["iscc"])
                ),
                "one-pass ingest, store discarded": round(
                    1000 * statistics.median(cpu_seconds["ingest"])
                ),
                "ISCC Data-Code, iscc-core (the baseline)": round(
                    1000 * statistics.median(core_seconds)
                ),
            },
            "wall_ms": {
                "SHA-256 + SM3 alone": round(1000 * statistics.median(hash_seconds)),
                "ISCC Data + Instance (iscc-lib) alone": round(
                    1000 * statistics.median(iscc_seconds)
                ),
                "one-pass ingest, store discarded": round(1000 * statistics.median(ingest_seconds)),
            },
        },
        "versions": {
            "python": platform.python_version(),
            "iscc-lib": metadata.version("iscc-lib"),
            "iscc-core": metadata.version("iscc-core"),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"ISCC, {mib:.0f} MiB of unique bytes, {rounds} rounds (median, MiB/s):")
    figures = result["figures"]
    assert isinstance(figures, list)
    for figure in figures:
        print(
            f"  {figure['name']:<10} banquan {figure['banquan_median']:9.1f}"
            f"  baseline {figure['baseline_median']:9.1f}"
            f"  ratio {figure['ratio']:.2f}  target {figure['target']:.2f}"
            f"  {'met' if figure['met'] else 'MISSED'}"
        )
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
