"""Round 5: the data directory (SQLite database and blockstore) runs out of space.

It is an 8 MiB tmpfs filled with a ballast file (mounting needs root; the test says why it skips
otherwise). Registrations are refused with 507 ``insufficient_storage`` (or 503 while the
database itself cannot write), nothing is corrupted (the database passes its integrity check,
earlier registrations still verify against the chain) and it works again once space returns."""

from __future__ import annotations

import contextlib
import errno
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from cli.launcher import AnvilProcess
from registry.proofs.proof_bundle import check_bundle, proof_bundle
from registry.proofs.verification import get_registration
from tests.faults.conftest import STRENGTH, RoundResult, Strength
from tests.faults.harness import (
    all_confirmed,
    attempt,
    audit,
    banquan_instance,
    can_mount,
    check_anchoring,
    make_jobs,
    mount,
    umount,
    wait_until,
)


def fill(path: Path) -> int:
    """Write ``path`` until the file system is full; returns the bytes written."""
    written = 0
    chunk = b"\0" * (64 * 1024)
    with path.open("wb", buffering=0) as ballast:
        while True:
            try:
                written += ballast.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                if len(chunk) == 1:
                    return written
                chunk = chunk[: len(chunk) // 2]


@pytest.mark.slow
@pytest.mark.timeout(STRENGTH.timeout)
def test_full_data_directory_refuses_with_507_corrupts_nothing_and_recovers(
    tmp_path: Path, anvil: AnvilProcess, strength: Strength, record_round: list[RoundResult]
) -> None:
    why_not = can_mount(tmp_path)
    if why_not is not None:
        pytest.skip(f"a small tmpfs data directory needs mount: {why_not}")
    data = tmp_path / "data"
    data.mkdir()
    mount("-t", "tmpfs", "-o", "size=8m", "tmpfs", str(data))
    try:
        database_url = f"sqlite:///{data / 'banquan.db'}"
        before = make_jobs(5, "before full")
        during = make_jobs(strength.webhook_works * 2, "while full")
        with (
            banquan_instance(tmp_path, database_url, anvil.rpc_url, data_dir=data) as instance,
            httpx.Client(timeout=60) as client,
        ):
            for job in before:
                assert attempt(client, instance.url, instance.auth, job) == 201
            wait_until(lambda: all_confirmed(instance), 120, "the first works confirmed")
            ballast = data / "ballast"
            ballast_bytes = fill(ballast)
            refusals: dict[str, int] = {}
            for job in during:
                status = attempt(client, instance.url, instance.auth, job)
                label = f"{status} {job.error_codes[-1] if job.error_codes else ''}".strip()
                refusals[label] = refusals.get(label, 0) + 1
            # Nothing corrupted: the database opens and checks, earlier works verify on chain.
            with instance.runtime.engine.connect() as connection:
                integrity = connection.execute(text("PRAGMA integrity_check")).scalar()
            chain = instance.runtime.existing_anchor_client()
            assert chain is not None
            for job in before:
                assert job.number is not None
                view = get_registration(instance.runtime.sessions, job.number)
                assert check_bundle(proof_bundle(view), chain=chain).ok
            ballast.unlink()
            freed = time.monotonic()
            recovery: float | None = None
            for job in during:
                while job.number is None and time.monotonic() - freed < 60:
                    if attempt(client, instance.url, instance.auth, job) == 201:
                        recovery = recovery or time.monotonic() - freed
                    else:
                        time.sleep(0.5)
            wait_until(lambda: all_confirmed(instance), 180, "every registration confirmed")
            found = audit(instance, before + during)
            check_anchoring(instance, anvil.rpc_url)
    finally:
        with contextlib.suppress(Exception):
            umount(data)

    jobs = before + during
    acknowledged = sum(job.number is not None for job in jobs)
    record_round.append(
        RoundResult(
            test="test_disk_full.py::"
            "test_full_data_directory_refuses_with_507_corrupts_nothing_and_recovers",
            fault="data directory full: 8 MiB tmpfs (mount -t tmpfs) filled by a ballast file "
            f"({ballast_bytes // 1024} KiB), then the ballast removed",
            load=f"{len(before)} registrations before, {len(during)} while full (then retried)",
            acknowledged=acknowledged,
            lost=len(found.lost),
            duplicated=len(found.duplicated) + len(found.mismatched_numbers),
            recovery_seconds=None if recovery is None else round(recovery, 1),
            notes=f"answers while full: {refusals}; integrity_check {integrity}; earlier "
            f"registrations' bundles verify; orphaned content pins {found.orphan_pins}",
        )
    )
    assert integrity == "ok"
    assert not any(label.startswith("500") for label in refusals), refusals
    assert not any(label.startswith("201") for label in refusals), refusals
    assert set(refusals) <= {"507 insufficient_storage", "503 database_unavailable"}, refusals
    assert acknowledged == len(jobs)
    assert found.lost == []
    assert found.duplicated == []
    assert found.works_without_registration == 0
    assert found.registrations_without_content == 0
