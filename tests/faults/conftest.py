"""The fault-injection suite: strength knobs and the results file.

Plain ``pytest`` runs the short version; ``BANQUAN_FAULTS=full`` (``make test-faults``) runs it at
full strength. Every round records what it measured in ``results.json`` under
``BANQUAN_FAULTS_RESULTS`` (default: ``banquan-faults`` in the system temporary directory).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

FULL = os.environ.get("BANQUAN_FAULTS", "").lower() == "full"


@dataclass(frozen=True)
class Strength:
    """How hard each round pushes (full strength or the short version of ``make test``)."""

    kill_registrations: int  # round 1: registrations sent while processes are killed
    kill_clients: int  # concurrent HTTP clients
    kill_rounds: int  # SIGKILLs of the API and/or the worker
    chain_outage_seconds: float  # round 2: Anvil stopped this long under load
    database_outage_seconds: float  # round 3: private PostgreSQL stopped this long under load
    outage_registrations: int  # registrations sent around each outage (rounds 2-4)
    webhook_outage_seconds: float  # round 6: the receiver is down this long
    webhook_works: int  # works registered (and anchored) while it is down
    timeout: int  # per test, seconds


SHORT = Strength(
    kill_registrations=100,
    kill_clients=10,
    kill_rounds=2,
    chain_outage_seconds=8,
    database_outage_seconds=4,
    outage_registrations=30,
    webhook_outage_seconds=8,
    webhook_works=5,
    timeout=300,
)
FULL_STRENGTH = Strength(
    kill_registrations=1000,
    kill_clients=50,
    kill_rounds=20,
    chain_outage_seconds=60,
    database_outage_seconds=20,
    outage_registrations=300,
    webhook_outage_seconds=30,
    webhook_works=20,
    timeout=1800,
)
STRENGTH = FULL_STRENGTH if FULL else SHORT


@dataclass
class RoundResult:
    """One row of the Faults table in docs/reliability.md."""

    test: str
    fault: str
    load: str
    acknowledged: int
    lost: int
    duplicated: int
    recovery_seconds: float | None
    notes: str = ""


RESULTS_DIR = Path(
    os.environ.get("BANQUAN_FAULTS_RESULTS", Path(tempfile.gettempdir()) / "banquan-faults")
)
_results_lock = threading.Lock()


def write_result(result: RoundResult) -> None:
    """Add (or replace) this round's row in results.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "results.json"
    with _results_lock:
        rows = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        rows[result.test] = {**asdict(result), "strength": "full" if FULL else "short"}
        path.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.fixture
def strength() -> Strength:
    return STRENGTH


@pytest.fixture
def record_round(request: pytest.FixtureRequest) -> Iterator[list[RoundResult]]:
    """Rounds append their result; it is written when the test ends (passed or not)."""
    results: list[RoundResult] = []
    yield results
    for result in results:
        write_result(result)
