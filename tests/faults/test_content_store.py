"""Round 4: the content store cannot be written (the local blockstore's directory remounted
read-only under load; a Kubo backend on a dead port). Registrations are refused with 503
``content_store_unavailable`` and nothing is half-written; they go through once it is back."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from cli.launcher import AnvilProcess
from registry.core.models import Registration, Work
from tests.conftest import free_port
from tests.faults.conftest import STRENGTH, RoundResult, Strength
from tests.faults.harness import (
    all_confirmed,
    audit,
    banquan_instance,
    can_mount,
    check_anchoring,
    make_jobs,
    mount,
    outage_under_load,
    post_job,
    umount,
    wait_until,
)


@pytest.mark.slow
@pytest.mark.timeout(STRENGTH.timeout)
def test_read_only_blockstore_under_load_refuses_with_503_and_recovers(
    tmp_path: Path, anvil: AnvilProcess, strength: Strength, record_round: list[RoundResult]
) -> None:
    why_not = can_mount(tmp_path)
    if why_not is not None:
        pytest.skip(f"remounting the blockstore read-only needs mount: {why_not}")
    content = tmp_path / "data" / "content"
    content.mkdir(parents=True)
    jobs = make_jobs(strength.outage_registrations, "content")
    database_url = f"sqlite:///{tmp_path / 'banquan.db'}"

    def remount(mode: str) -> None:
        # A remount read-only is refused (EBUSY) while a file is open for writing in it: an
        # upload being staged. Those last milliseconds; try again until one gap is found.
        deadline = time.monotonic() + 30
        while True:
            try:
                mount("-o", f"remount,{mode},bind", str(content))
                return
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    mount("--bind", str(content), str(content))
    try:
        with banquan_instance(tmp_path, database_url, anvil.rpc_url) as instance:
            outage = outage_under_load(
                instance,
                jobs,
                clients=4,
                seconds=strength.chain_outage_seconds / 2,
                fail=lambda: remount("ro"),
                repair=lambda: remount("rw"),
            )
            wait_until(lambda: all_confirmed(instance), 180, "every registration confirmed")
            found = audit(instance, jobs)
            check_anchoring(instance, anvil.rpc_url)
    finally:
        umount(content)

    acknowledged = sum(job.number is not None for job in jobs)
    record_round.append(
        RoundResult(
            test="test_content_store.py::"
            "test_read_only_blockstore_under_load_refuses_with_503_and_recovers",
            fault="local blockstore (a bind mount) remounted read-only for "
            f"{strength.chain_outage_seconds / 2:.0f} s, then writable again",
            load=f"{len(jobs)} registrations, 4 clients, before, during and after",
            acknowledged=acknowledged,
            lost=len(found.lost),
            duplicated=len(found.duplicated) + len(found.mismatched_numbers),
            recovery_seconds=None
            if outage.first_ack_after_repair is None
            else round(outage.first_ack_after_repair, 1),
            notes=f"answers during the outage: {outage.describe()}; "
            f"works without registration {found.works_without_registration}, "
            f"orphaned content pins {found.orphan_pins}",
        )
    )
    refused = {label for label in outage.answers_during if not label.startswith("201")}
    assert refused, "no request was refused during the outage"
    assert refused <= {"503 content_store_unavailable"}, outage.answers_during
    assert acknowledged == len(jobs)
    assert found.lost == []
    assert found.duplicated == []
    assert found.works_without_registration == 0
    assert found.registrations_without_content == 0


@pytest.mark.slow
def test_kubo_backend_on_a_dead_port_refuses_with_503_and_records_nothing(
    tmp_path: Path, anvil: AnvilProcess, record_round: list[RoundResult]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'banquan.db'}"
    dead = f"http://127.0.0.1:{free_port()}"
    jobs = make_jobs(5, "kubo")
    with (
        banquan_instance(
            tmp_path,
            database_url,
            anvil.rpc_url,
            start_worker=False,
            BANQUAN_CONTENT_BACKEND="kubo",
            BANQUAN_KUBO_API_URL=dead,
        ) as instance,
        httpx.Client(timeout=60) as client,
    ):
        answers = [post_job(client, instance.url, instance.auth, job) for job in jobs]
        with instance.runtime.sessions() as session:
            works = session.scalar(select(func.count(Work.id)))
            registrations = session.scalar(select(func.count(Registration.id)))
    codes = {(answer.status_code, answer.json()["code"]) for answer in answers}
    record_round.append(
        RoundResult(
            test="test_content_store.py::"
            "test_kubo_backend_on_a_dead_port_refuses_with_503_and_records_nothing",
            fault="Kubo backend configured on a port where nothing listens",
            load=f"{len(jobs)} registrations",
            acknowledged=0,
            lost=0,
            duplicated=0,
            recovery_seconds=None,
            notes=f"answers {sorted(codes)}; nothing recorded (no Kubo node here to come back)",
        )
    )
    assert codes == {(503, "content_store_unavailable")}
    assert works == 0
    assert registrations == 0
