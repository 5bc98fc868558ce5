"""Benchmark of the one-pass ingest against bare SM3 over the same bytes, in the same run.

    python bench/ingest.py            # 1 MiB and 64 MiB files: about a minute
    python bench/ingest.py --large    # adds a 1 GiB file

For each file size, rounds alternate (after a warm-up) between the baseline — hashlib's SM3
over the file in 256 KiB reads — and banquan's ingest of the same file: SHA-256, SM3, the IPFS
CID, ISCC Data-Code and Instance-Code, and every block written to a fresh embedded blockstore;
once stored in the clear (a published work) and once encrypted with SM4-GCM (a private work).
Every file is unique random bytes (no repeated block for the store to deduplicate), and each
ingest starts from an empty store, emptied before the timer starts.
The ratio is the median of the per-round ratios banquan / baseline (target >= 0.80 in the clear,
>= 0.60 encrypted), by the wall clock: the ingest runs its stages in threads of their own (two
cores here), SM3 alone runs in one. Peak RSS of a separate process ingesting the smallest and the
largest file (in the clear and encrypted) shows memory does not grow with size. A cost breakdown
gives the CPU time of each stage run alone, one thread, over the largest file of the default
sizes, beside the CPU time of a whole ingest (every thread). Writes bench/results/ingest.json
and prints a table. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import iscc_lib  # noqa: E402

from crypto.stream import StreamEncryptor  # noqa: E402
from crypto.symmetric import Cipher, new_key  # noqa: E402
from registry.content.ingest import ContentEncryption, ingest  # noqa: E402
from registry.content.store import LocalBlockstore  # noqa: E402
from registry.content.unixfs import CHUNK_SIZE, UnixFSFileBuilder  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ingest.json"
TARGET = 0.80
TARGETS = {"public": TARGET, "private": 0.60}
MIB = 1 << 20


def make_file(path: Path, size: int) -> None:
    """``size`` unique random bytes: no block repeats, so the store deduplicates nothing."""
    with path.open("wb") as out:
        for offset in range(0, size, MIB):
            out.write(os.urandom(min(MIB, size - offset)))


def bare_sm3(path: Path) -> None:
    digest = hashlib.new("sm3")
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
    digest.digest()


def fresh_store(work: Path) -> Path:
    """An empty blockstore directory (the last ingest's blocks removed): outside the timer."""
    store_dir = work / "store"
    shutil.rmtree(store_dir, ignore_errors=True)
    return store_dir


def banquan_ingest(path: Path, store_dir: Path, encrypted: bool) -> None:
    encryption = ContentEncryption(Cipher.SM4_GCM, new_key(Cipher.SM4_GCM)) if encrypted else None
    with path.open("rb") as source:
        ingest(source, LocalBlockstore(store_dir), max_bytes=2**53 - 1, encryption=encryption)


def timed(call: Callable[[], None]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def chunks_of(path: Path) -> Callable[[], list[bytes]]:
    def read() -> list[bytes]:
        with path.open("rb") as source:
            return list(iter(partial(source.read, CHUNK_SIZE), b""))

    return read


def stage_costs(path: Path, work: Path, rounds: int = 3) -> dict[str, int]:
    """CPU ms of each stage alone (one thread, the chunks already read), and of whole ingests."""
    chunks = chunks_of(path)()

    def feed(*consumers: Callable[[bytes], object]) -> Callable[[], None]:
        def run() -> None:
            for chunk in chunks:
                for consume in consumers:
                    consume(chunk)

        return run

    def unixfs() -> None:
        builder = UnixFSFileBuilder(lambda _cid, _block: None)
        feed(builder.update)()
        builder.finish()

    def stored() -> None:
        writer = LocalBlockstore(fresh_store(work)).writer()
        builder = UnixFSFileBuilder(writer.put)
        feed(builder.update)()
        writer.commit(builder.finish())

    def iscc() -> None:
        data_code, instance_code = iscc_lib.DataHasher(), iscc_lib.InstanceHasher()
        feed(data_code.update, instance_code.update)()
        data_code.finalize(64), instance_code.finalize(64)

    def sm4_gcm() -> None:
        encryptor = StreamEncryptor(Cipher.SM4_GCM, new_key(Cipher.SM4_GCM))
        feed(encryptor.update)()
        encryptor.finish()

    steps: dict[str, Callable[[], object]] = {
        "reading the file (256 KiB reads)": chunks_of(path),
        "SM3 alone (the baseline)": feed(hashlib.new("sm3").update),
        "SHA-256": feed(hashlib.sha256().update),
        "UnixFS blocks: SHA-256 of each, CIDs, DAG-PB nodes": unixfs,
        "UnixFS blocks stored: the above, files written and fsynced, committed": stored,
        "ISCC Data-Code + Instance-Code (iscc-lib)": iscc,
        "SM4-GCM, banquan.enc/1 segments": sm4_gcm,
        "ingest in the clear, every thread": partial(banquan_ingest, path, work / "store", False),
        "ingest encrypted (SM4-GCM), every thread": partial(
            banquan_ingest, path, work / "store", True
        ),
    }
    costs = {}
    for name, step in steps.items():
        seconds = []
        for _ in range(rounds):
            fresh_store(work)
            start = time.process_time()
            step()
            seconds.append(time.process_time() - start)
        costs[name] = round(1000 * statistics.median(seconds))
    fresh_store(work)
    return costs


def peak_rss_mib(path: Path, work: Path, *, encrypted: bool = False) -> float:
    code = (
        "import sys, resource; from pathlib import Path;"
        "from crypto.symmetric import Cipher, new_key;"
        "from registry.content.store import LocalBlockstore;"
        "from registry.content.ingest import ContentEncryption, ingest;"
        "key = ContentEncryption(Cipher.SM4_GCM, new_key(Cipher.SM4_GCM));"
        "ingest(open(sys.argv[1], 'rb'), LocalBlockstore(Path(sys.argv[2])), max_bytes=2**53,"
        " encryption=key if sys.argv[3] == 'encrypted' else None);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    shutil.rmtree(work / "rss-store", ignore_errors=True)
    mode = "encrypted" if encrypted else "clear"
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, str(path), str(work / "rss-store"), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="add a 1 GiB file")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sizes = [1 * MIB, 64 * MIB] + ([1024 * MIB] if args.large else [])
    figures = []
    with tempfile.TemporaryDirectory(prefix="banquan-bench-") as tmp:
        work = Path(tmp)
        for size in sizes:
            path = work / f"input-{size}"
            make_file(path, size)
            rounds = max(3, args.rounds if size <= 64 * MIB else 3)
            bare_sm3(path)  # warm-up: the file is in the page cache for every contender
            banquan_ingest(path, fresh_store(work), encrypted=False)
            banquan_ingest(path, fresh_store(work), encrypted=True)
            rows: dict[str, list[float]] = {"sm3": [], "public": [], "private": []}
            for round_number in range(rounds):
                order = ["sm3", "public", "private"]
                if round_number % 2:
                    order.reverse()
                for name in order:
                    if name == "sm3":
                        seconds = timed(partial(bare_sm3, path))
                    else:
                        store_dir = fresh_store(work)
                        seconds = timed(partial(banquan_ingest, path, store_dir, name == "private"))
                    rows[name].append(size / MIB / seconds)
            for name in ("public", "private"):
                ratios = [a / b for a, b in zip(rows[name], rows["sm3"], strict=True)]
                figures.append(
                    {
                        "size_mib": size // MIB,
                        "case": f"ingest ({name})",
                        "banquan_mib_s": round(statistics.median(rows[name]), 1),
                        "baseline_sm3_mib_s": round(statistics.median(rows["sm3"]), 1),
                        "ratio": round(statistics.median(ratios), 3),
                        "ratio_spread": [round(min(ratios), 3), round(max(ratios), 3)],
                        "rounds": rounds,
                        "target": TARGETS[name],
                        "met": statistics.median(ratios) >= TARGETS[name],
                    }
                )
        fresh_store(work)
        largest = work / f"input-{sizes[-1]}"
        smallest = work / f"input-{sizes[0]}"
        rss = {
            f"{sizes[0] // MIB} MiB": round(peak_rss_mib(smallest, work), 1),
            f"{sizes[-1] // MIB} MiB": round(peak_rss_mib(largest, work), 1),
        }
        rss_encrypted = {
            f"{sizes[0] // MIB} MiB": round(peak_rss_mib(smallest, work, encrypted=True), 1),
            f"{sizes[-1] // MIB} MiB": round(peak_rss_mib(largest, work, encrypted=True), 1),
        }
        costs = stage_costs(work / f"input-{sizes[1]}", work)
    result = {
        "benchmark": "ingest",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "target_ratio": TARGET,
        "figures": figures,
        "peak_rss_mib": rss,
        "peak_rss_encrypted_mib": rss_encrypted,
        "cost_breakdown": {
            "unit": f"CPU ms per {sizes[1] // MIB} MiB (median of 3)",
            "steps": costs,
        },
        "self_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{'size':>8}  {'case':<18} {'banquan MiB/s':>14} {'SM3 MiB/s':>10} {'ratio':>6}")
    for f in figures:
        print(
            f"{f['size_mib']:>5} MiB  {f['case']:<18} {f['banquan_mib_s']:>14} "
            f"{f['baseline_sm3_mib_s']:>10} {f['ratio']:>6}"
        )
    print(f"peak RSS of one ingest process: {rss}, encrypted {rss_encrypted}")
    print(f"CPU ms per {sizes[1] // MIB} MiB: {json.dumps(costs, indent=1, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
