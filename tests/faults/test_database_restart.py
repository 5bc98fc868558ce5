"""Round 3: the PostgreSQL server is stopped and started again under load (a private cluster,
so nobody else's database is touched). Requests during the outage are refused with 503 and a
code, nothing acknowledged is lost, and banquan carries on without being restarted."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
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
    outage_under_load,
    wait_until,
)
from tests.faults.postgres import PrivatePostgres, postgres_bin


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if postgres_bin() is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql")
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
    except (subprocess.CalledProcessError, OSError) as exc:
        cluster.destroy()
        pytest.skip(f"a private PostgreSQL cluster cannot be started here: {exc}")
    yield cluster
    cluster.destroy()


@pytest.mark.slow
@pytest.mark.timeout(STRENGTH.timeout)
def test_database_restarted_under_load_refuses_with_503_and_loses_nothing(
    tmp_path: Path,
    anvil: AnvilProcess,
    private_postgres: PrivatePostgres,
    strength: Strength,
    record_round: list[RoundResult],
) -> None:
    jobs = make_jobs(strength.outage_registrations, "database")
    with banquan_instance(tmp_path, private_postgres.url, anvil.rpc_url) as instance:
        assert instance.api.process is not None
        api_pid = instance.api.process.pid
        outage = outage_under_load(
            instance,
            jobs,
            clients=4,
            seconds=strength.database_outage_seconds,
            fail=private_postgres.stop,
            repair=private_postgres.start,
        )
        assert instance.api.alive()
        assert instance.api.process.pid == api_pid
        anchoring_seconds = wait_until(
            lambda: all_confirmed(instance), 180, "every registration confirmed"
        )
        found = audit(instance, jobs)
        check_anchoring(instance, anvil.rpc_url)

    acknowledged = sum(job.number is not None for job in jobs)
    record_round.append(
        RoundResult(
            test="test_database_restart.py::"
            "test_database_restarted_under_load_refuses_with_503_and_loses_nothing",
            fault=f"PostgreSQL (private cluster) stopped {strength.database_outage_seconds:.0f} s "
            "(pg_ctl stop -m fast) and started again",
            load=f"{len(jobs)} registrations, 4 clients, before, during and after",
            acknowledged=acknowledged,
            lost=len(found.lost),
            duplicated=len(found.duplicated) + len(found.mismatched_numbers),
            recovery_seconds=None
            if outage.first_ack_after_repair is None
            else round(outage.first_ack_after_repair, 1),
            notes=f"answers during the outage: {outage.describe()}; "
            f"all confirmed {anchoring_seconds:.1f} s after the load; API not restarted",
        )
    )
    assert outage.answers_during, "no request was answered during the outage"
    refused = {label for label in outage.answers_during if not label.startswith("201")}
    assert refused <= {"503 database_unavailable"}, outage.answers_during
    assert acknowledged == len(jobs)
    assert found.lost == []
    assert found.duplicated == []
    assert found.mismatched_numbers == []
    assert found.works_without_registration == 0
    assert found.registrations_without_content == 0
