"""Round 1: ``kill -9`` of the API and the worker under a load of concurrent registrations.

Clients retry every unacknowledged registration with its Idempotency-Key. Afterwards every
acknowledged registration exists once, with its content, and is anchored in exactly one root.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from cli.launcher import AnvilProcess
from tests.faults.conftest import STRENGTH, RoundResult, Strength
from tests.faults.harness import (
    all_confirmed,
    audit,
    banquan_instance,
    check_anchoring,
    make_jobs,
    run_load,
    wait_until,
)


@pytest.mark.slow
@pytest.mark.timeout(STRENGTH.timeout)
def test_kill_9_of_api_and_worker_under_load_loses_and_duplicates_nothing(
    tmp_path: Path, anvil: AnvilProcess, strength: Strength, record_round: list[RoundResult]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'banquan.db'}"
    jobs = make_jobs(strength.kill_registrations, "kill")
    with banquan_instance(tmp_path, database_url, anvil.rpc_url) as instance:
        load_done = threading.Event()
        kills: list[tuple[str, float]] = []  # target, seconds until the API answered again

        def killer() -> None:
            rng = random.Random()
            # The first kill comes once a quarter of the load is acknowledged, whatever its
            # pace: a fixed delay can outlast a short load on a fast server, and kill nothing.
            while sum(job.number is not None for job in jobs) < len(jobs) // 4:
                if load_done.wait(0.005):
                    return
            for round_number in range(strength.kill_rounds):
                if round_number:
                    time.sleep(rng.uniform(0.3, 2.0))
                if load_done.is_set():
                    return
                target = rng.choice(["api", "worker", "both"])
                started = time.monotonic()
                if target in ("api", "both"):
                    instance.api.kill()
                if target in ("worker", "both"):
                    instance.worker.kill()
                if target in ("api", "both"):
                    instance.api.start()
                if target in ("worker", "both"):
                    instance.worker.start()
                instance.api.wait_ready()
                kills.append((target, time.monotonic() - started))

        killing = threading.Thread(target=killer)
        killing.start()
        load_started = time.monotonic()
        run_load(
            instance.url,
            instance.auth,
            jobs,
            clients=strength.kill_clients,
            deadline=time.monotonic() + strength.timeout / 2,
        )
        load_seconds = time.monotonic() - load_started
        load_done.set()
        killing.join()
        if not instance.worker.alive():
            instance.worker.start()
        anchoring_seconds = wait_until(
            lambda: all_confirmed(instance), strength.timeout / 3, "every registration confirmed"
        )
        found = audit(instance, jobs)
        chain = check_anchoring(instance, anvil.rpc_url)

    acknowledged = sum(job.number is not None for job in jobs)
    statuses: dict[str, int] = {}
    for job in jobs:
        for status in job.statuses:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    restarts = [seconds for _, seconds in kills]
    record_round.append(
        RoundResult(
            test="test_kill_under_load.py::test_kill_9_of_api_and_worker_under_load_loses_and_duplicates_nothing",
            fault=f"SIGKILL of API and/or worker, {len(kills)} times at random moments "
            f"({', '.join(t for t, _ in kills)})",
            load=f"{len(jobs)} registrations, {strength.kill_clients} concurrent clients, "
            f"{load_seconds:.0f} s",
            acknowledged=acknowledged,
            lost=len(found.lost),
            duplicated=len(found.duplicated) + len(found.mismatched_numbers),
            recovery_seconds=round(max(restarts, default=0.0), 1),
            notes=f"API answering again after a kill: max {max(restarts, default=0):.1f} s, "
            f"mean {sum(restarts) / max(len(restarts), 1):.1f} s; everything confirmed "
            f"{anchoring_seconds:.1f} s after the load; {chain['batches']} batches; "
            f"answers {statuses}; orphaned content pins {found.orphan_pins}",
        )
    )
    assert kills, "no process was killed while the load ran"
    assert acknowledged == len(jobs), [j.statuses for j in jobs if j.number is None][:5]
    assert found.lost == []
    assert found.duplicated == []
    assert found.mismatched_numbers == []
    assert found.idempotency_duplicates == 0
    assert found.works_without_registration == 0
    assert found.registrations_without_content == 0
    assert found.registrations == len(jobs)
