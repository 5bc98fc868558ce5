"""Round 2: the chain node under load.

Stopped (SIGTERM, its state on disk) for a while and started again: the API keeps acknowledging
(a registration does not need the chain) and everything is anchored afterwards without any manual
step. Reset (a fresh, empty chain): every root is anchored again on the redeployed contract,
proofs are regenerated, and a proof bundle from before is reported not anchored by
``banquan verify-proof --rpc``."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from registry.core.models import Registration
from tests.conftest import free_port
from tests.faults.conftest import STRENGTH, RoundResult, Strength
from tests.faults.harness import (
    Instance,
    all_confirmed,
    attempt,
    audit,
    banquan_instance,
    check_anchoring,
    make_jobs,
    outage_under_load,
    run_load,
    wait_until,
)

TEST = "test_chain_outage.py::test_chain_node_stopped_then_reset_under_load_anchors_everything"


def pending_up_to(instance: Instance, last_id: int) -> int:
    with instance.runtime.sessions() as session:
        return int(
            session.scalar(
                select(func.count(Registration.id)).where(
                    Registration.id <= last_id, Registration.status != "anchored"
                )
            )
            or 0
        )


def last_registration_id(instance: Instance) -> int:
    with instance.runtime.sessions() as session:
        return int(session.scalar(select(func.max(Registration.id))) or 0)


def verify_proof(
    bundle: dict[str, object], path: Path, rpc_url: str, anchor_contract: str
) -> tuple[int, dict[str, object]]:
    """``banquan verify-proof BUNDLE --rpc URL --anchor-contract ADDRESS --json`` (pinned to the
    registry's RegistryAnchor in use): its exit status and verdict."""
    path.write_text(json.dumps(bundle), encoding="utf-8")
    command = ["verify-proof", str(path), "--rpc", rpc_url, "--anchor-contract", anchor_contract]
    done = CliRunner().invoke(app, [*command, "--json"])
    verdict: dict[str, object] = json.loads(done.stdout)
    return done.exit_code, verdict


@pytest.mark.slow
@pytest.mark.timeout(STRENGTH.timeout)
def test_chain_node_stopped_then_reset_under_load_anchors_everything(
    tmp_path: Path, strength: Strength, record_round: list[RoundResult]
) -> None:
    state = tmp_path / "anvil-state.json"
    node = AnvilProcess(port=free_port(), state_file=state, workdir=tmp_path / "anvil")
    node.start()
    database_url = f"sqlite:///{tmp_path / 'banquan.db'}"
    jobs = make_jobs(strength.outage_registrations, "chain")
    try:
        with banquan_instance(tmp_path, database_url, node.rpc_url) as instance:
            # The worker deploys the contract suite on first need: let it, before the outage.
            with httpx.Client(timeout=60) as client:
                warm = make_jobs(1, "chain warm-up")
                assert attempt(client, instance.url, instance.auth, warm[0]) == 201
            wait_until(lambda: all_confirmed(instance), 120, "the first work confirmed")

            anchored_after_restart: list[float] = []

            def repair() -> None:
                node.start()
                restarted = time.monotonic()
                last = last_registration_id(instance)

                def watch() -> None:
                    wait_until(lambda: pending_up_to(instance, last) == 0, 180, "backlog anchored")
                    anchored_after_restart.append(time.monotonic() - restarted)

                threading.Thread(target=watch, daemon=True).start()

            outage = outage_under_load(
                instance,
                jobs,
                clients=4,
                seconds=strength.chain_outage_seconds,
                fail=node.stop,
                repair=repair,
            )
            wait_until(lambda: all_confirmed(instance), 180, "every registration confirmed")
            wait_until(lambda: bool(anchored_after_restart), 60, "backlog measured")
            found = audit(instance, warm + jobs)
            check_anchoring(instance, node.rpc_url)
            acknowledged = sum(job.number is not None for job in jobs)
            record_round.append(
                RoundResult(
                    test=TEST + " (stop)",
                    fault=f"chain node stopped {strength.chain_outage_seconds:.0f} s (SIGTERM, "
                    "state on disk), started again",
                    load=f"{len(jobs)} registrations, 4 clients, before, during and after",
                    acknowledged=acknowledged,
                    lost=len(found.lost),
                    duplicated=len(found.duplicated) + len(found.mismatched_numbers),
                    recovery_seconds=round(anchored_after_restart[0], 1),
                    notes=f"answers during the outage: {outage.describe()}; recovery = from the "
                    "node's restart until every registration made before it is anchored",
                )
            )
            assert set(outage.answers_during) == {"201"}, outage.answers_during
            assert acknowledged == len(jobs)
            assert found.lost == []
            assert found.duplicated == []

            # Reset: a bundle anchored late on the old chain, then a fresh, empty chain.
            httpx.post(node.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "anvil_mine",
                                           "params": [100]}, timeout=30)  # fmt: skip
            late = make_jobs(1, "chain before reset")
            with httpx.Client(timeout=60) as client:
                assert attempt(client, instance.url, instance.auth, late[0]) == 201
                wait_until(lambda: all_confirmed(instance), 120, "the late work confirmed")
                old_bundle = client.get(f"{instance.url}/v1/works/{late[0].number}/proof").json()
            node.stop()
            state.unlink()
            node.start()
            reset_at = time.monotonic()
            after = make_jobs(max(len(jobs) // 4, 4), "chain after reset")
            run_load(instance.url, instance.auth, after, clients=4, deadline=time.monotonic() + 120)
            reanchored = wait_until(
                lambda: all_confirmed(instance), 240, "every batch anchored on the new chain"
            )
            recovery = time.monotonic() - reset_at
            everything = warm + jobs + late + after
            found = audit(instance, everything)
            chain = check_anchoring(instance, node.rpc_url)
            with httpx.Client(timeout=60) as client:
                new_bundle = client.get(f"{instance.url}/v1/works/{late[0].number}/proof").json()
        # The contract the registry uses (and publishes) since the reset: its new bundles name it.
        anchor = new_bundle["anchor"]
        assert isinstance(anchor, dict)
        published = str(anchor["contract"])
        old_exit, old_result = verify_proof(
            old_bundle, tmp_path / "old.json", node.rpc_url, published
        )
        new_exit, new_result = verify_proof(
            new_bundle, tmp_path / "new.json", node.rpc_url, published
        )
    finally:
        node.stop()

    record_round.append(
        RoundResult(
            test=TEST + " (reset)",
            fault="chain reset: node restarted with fresh state (contracts and roots gone)",
            load=f"{len(everything)} registrations on record, {len(after)} more after the reset",
            acknowledged=sum(job.number is not None for job in everything),
            lost=len(found.lost),
            duplicated=len(found.duplicated) + len(found.mismatched_numbers),
            recovery_seconds=round(recovery, 1),
            notes=f"{chain['batches']} batches anchored again on the redeployed contract, "
            f"{chain['bundles_checked']} regenerated bundles check on chain; the old bundle: "
            f"verify-proof --rpc exit {old_exit}, on_chain {old_result.get('on_chain')}; "
            f"all confirmed {reanchored:.1f} s after the load",
        )
    )
    assert found.lost == []
    assert found.duplicated == []
    assert old_bundle["anchor"]["block_number"] != new_bundle["anchor"]["block_number"]
    assert old_exit == 3
    assert old_result["on_chain"] is False
    assert new_exit == 0
    assert new_result["on_chain"] is True
