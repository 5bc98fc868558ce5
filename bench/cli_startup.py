"""Benchmark of the command line's start-up: ``banquan --help`` and ``banquan verify FILE`` against
``python -c pass``, in the same run.

    python bench/cli_startup.py            # 7 rounds in each mode: about two minutes
    python bench/cli_startup.py --large    # 21 rounds

Each command runs as a user runs it: a new process of the ``banquan`` console script (this
Python's), its wall time taken from start to exit and its CPU time from the kernel's accounting
of the child. ``verify`` checks a file registered and anchored beforehand, in a SQLite database
of a temporary data directory, against an Anvil started here: it reads the settings, opens the
database, hashes the file, looks it up and asks the chain. The three commands alternate within a
round (and which goes first); the figures are medians over the rounds. Targets (absolute, this
machine): ``--help`` < 1 s, ``verify`` < 2 s; the ratio to ``python -c pass`` is reported too.

Two modes, as Python may find the modules: ``cached``, their bytecode compiled once (by the
warm-up, into a cache of this run: PYTHONPYCACHEPREFIX), as on an ordinary install; and
``uncompiled``, every module compiled from source at every start, as under
PYTHONDONTWRITEBYTECODE=1 with nothing compiled beforehand (a read-only or never-compiled
environment: then half of a start-up is compiling). Also written: the heaviest packages each
command imports (``python -X importtime``, own time summed by top-level package, cached mode).

Writes bench/results/cli_startup.json and prints a table. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from cli.launcher import AnvilProcess  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "cli_startup.json"
TARGETS = {"help": 1.0, "verify": 2.0}  # seconds, wall, median
BOOK = "登鹳雀楼：白日依山尽，黄河入海流。欲穷千里目，更上一层楼。".encode() * 64


def banquan() -> list[str]:
    """The console script next to this Python, as installed; else the module."""
    script = Path(sys.executable).with_name("banquan")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


MODES = ("cached", "uncompiled")


def mode_environment(env: dict[str, str], mode: str, workdir: Path) -> dict[str, str]:
    """``env`` for ``mode``: bytecode in (or, uncompiled, never read from) a cache of this run."""
    changed = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
    changed["PYTHONPYCACHEPREFIX"] = str(workdir / f"pycache-{mode}")
    if mode == "uncompiled":
        changed["PYTHONDONTWRITEBYTECODE"] = "1"
    return changed


def timed(command: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``command``, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)  # noqa: S603 - ours
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{command} exited {done.returncode}: {done.stdout!r} {done.stderr!r}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def heaviest_imports(command: Sequence[str], env: dict[str, str]) -> dict[str, float]:
    """Milliseconds of import (own time, summed by top-level package) of one run of ``command``:
    the dozen heaviest packages."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and commands
        command, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True, check=True
    )
    by_package: dict[str, int] = defaultdict(int)
    for line in done.stderr.decode(errors="replace").splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*([\w.]+)", line)
        if match:
            by_package[match.group(2).split(".")[0]] += int(match.group(1))
    heaviest = sorted(by_package.items(), key=lambda item: -item[1])[:12]
    return {name: round(us / 1000, 1) for name, us in heaviest}


def prepare(workdir: Path, rpc_url: str) -> tuple[dict[str, str], Path]:
    """The environment of a data directory with one registered, anchored file; that file."""
    env = {
        **os.environ,
        "BANQUAN_DATA_DIR": str(workdir / "data"),
        "BANQUAN_DATABASE_URL": f"sqlite:///{workdir / 'banquan.db'}",
        "BANQUAN_CHAIN_RPC_URL": rpc_url,
    }
    book = workdir / "book.txt"
    book.write_bytes(BOOK)
    for command in (["migrate"], ["register", str(book), "--title", "登鹳雀楼"]):
        subprocess.run(  # noqa: S603 - our own interpreter and commands
            [*banquan(), *command], env=env, check=True, capture_output=True
        )
    anchor = (
        "from registry.core.settings import Settings\n"
        "from registry.platform import build_runtime\n"
        "runtime = build_runtime(Settings())\n"
        "assert runtime.new_batcher().run_once().anchored == 1\n"
        "runtime.close()\n"
    )
    subprocess.run([sys.executable, "-c", anchor], env=env, check=True, cwd=ROOT)  # noqa: S603
    return env, book


def measure(
    commands: dict[str, list[str]], env: dict[str, str], rounds: int, mode: str
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds of each command, ``rounds`` times, after one warm-up run each."""
    for command in commands.values():  # the page cache; in cached mode, the bytecode cache
        timed(command, env)
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed, used = timed(commands[name], env)
            wall[name].append(elapsed)
            cpu[name].append(used)
        print(
            f"{mode} round {round_number + 1}: "
            + "  ".join(f"{name} {wall[name][-1]:.3f} s" for name in names),
            flush=True,
        )
    return wall, cpu


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="21 rounds")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    rounds = 21 if args.large else 7

    with tempfile.TemporaryDirectory(prefix="banquan-cli-startup-") as tmp:
        workdir = Path(tmp)
        with AnvilProcess(port=free_port(), workdir=workdir / "anvil") as anvil:
            env, book = prepare(workdir, anvil.rpc_url)
            commands = {
                "baseline": [sys.executable, "-c", "pass"],
                "help": [*banquan(), "--help"],
                "verify": [*banquan(), "verify", str(book)],
            }
            runs = {
                mode: measure(commands, mode_environment(env, mode, workdir), rounds, mode)
                for mode in MODES
            }
            imports = {
                name: heaviest_imports(commands[name], mode_environment(env, "cached", workdir))
                for name in ("help", "verify")
            }

    figures = []
    for mode in MODES:
        wall, cpu = runs[mode]
        baseline = statistics.median(wall["baseline"])
        for name in ("help", "verify"):
            median = statistics.median(wall[name])
            figures.append(
                {
                    "name": f"banquan {'--help' if name == 'help' else 'verify FILE'} ({mode})",
                    "mode": mode,
                    "unit": "seconds (wall, lower is better)",
                    "banquan": {
                        "command": " ".join(["banquan", *commands[name][len(banquan()) :]]),
                        **summary(wall[name]),
                        "cpu_median": round(statistics.median(cpu[name]), 3),
                    },
                    "baseline": {
                        "command": "python -c pass",
                        **summary(wall["baseline"]),
                        "cpu_median": round(statistics.median(cpu["baseline"]), 3),
                    },
                    "ratio": round(median / baseline, 1),
                    "target": TARGETS[name],
                    "target_kind": "absolute: banquan's median wall time, seconds",
                    "meets_target": median < TARGETS[name],
                    **({"heaviest_imports_ms": imports[name]} if mode == "cached" else {}),
                }
            )
    result = {
        "benchmark": "cli_startup",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": [round(load, 2) for load in os.getloadavg()],
        },
        "settings": {
            "size": "large" if args.large else "small",
            "rounds": rounds,
            "warmup": "one run of each command in each mode",
            "modes": {
                "cached": "bytecode compiled by the warm-up into this run's PYTHONPYCACHEPREFIX",
                "uncompiled": "PYTHONDONTWRITEBYTECODE=1 and an empty PYTHONPYCACHEPREFIX",
            },
            "clock": "wall time of the process (perf_counter); CPU from RUSAGE_CHILDREN",
            "interleaving": "the three commands alternate within a round, the first rotating",
            "verify": "one registered and anchored file, SQLite, a local Anvil",
        },
        "versions": {"python": platform.python_version()},
        "figures": figures,
        "target": "banquan --help < 1 s, banquan verify FILE < 2 s (median wall time, each mode)",
        "all_meet_target": all(figure["meets_target"] for figure in figures),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"{'figure':32} {'banquan':>8} {'cpu':>7} {'baseline':>9} {'ratio':>7}  target")
    for figure in figures:
        print(
            f"{figure['name']:32} {figure['banquan']['median']:>7.3f}s"
            f" {figure['banquan']['cpu_median']:>6.3f}s {figure['baseline']['median']:>8.3f}s"
            f" {figure['ratio']:>6}x  < {figure['target']} s"
            f" {'ok' if figure['meets_target'] else 'ABOVE TARGET'}"
        )
        if "heaviest_imports_ms" in figure:
            print("  heaviest imports (ms): " + ", ".join(
                f"{name} {ms:g}" for name, ms in figure["heaviest_imports_ms"].items()
            ))  # fmt: skip
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
