"""A worker killed (os._exit, like kill -9) at each step of the batch state machine loses nothing
and anchors nothing twice: the next worker finishes the job."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from chain_client.registry_anchor import RegistryAnchorClient
from cli.launcher import AnvilProcess
from registry.core.metadata import WorkMetadata
from registry.core.models import Batch
from registry.core.states import BATCH_ON_CHAIN
from registry.platform.runtime import Runtime
from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.proofs.verification import check_proof, get_registration
from registry.registration.registrar import Registrar

# Runs one anchoring cycle in a fresh process and dies right after the step named in argv[1].
CRASHING_WORKER = """
import os, sys
import registry.proofs.anchoring as anchoring
from chain_client.registry_anchor import RegistryAnchorClient
from registry.platform.runtime import build_runtime
from registry.core.settings import Settings

def die_after(function):
    def wrapper(*args, **kwargs):
        function(*args, **kwargs)
        os._exit(9)
    return wrapper

def die_before(function):
    def wrapper(*args, **kwargs):
        os._exit(9)
    return wrapper

step = sys.argv[1]
if step == "sealed":
    anchoring.seal_batch = die_after(anchoring.seal_batch)
elif step == "sent":  # the transaction is out, its hash not yet recorded
    RegistryAnchorClient.submit_anchor = die_after(RegistryAnchorClient.submit_anchor)
elif step == "submitted":
    anchoring.settle_submitted_batches = die_before(anchoring.settle_submitted_batches)
elif step == "anchored":
    anchoring.confirm_anchored_batches = die_before(anchoring.confirm_anchored_batches)
runtime = build_runtime(Settings())
runtime.new_batcher().run_once()
os._exit(0)
"""

STEPS = ["sealed", "sent", "submitted", "anchored"]


@pytest.mark.parametrize("step", STEPS)
def test_worker_killed_at_each_step_loses_nothing_and_anchors_once(
    step: str, runtime: Runtime, anchor_client: RegistryAnchorClient, anvil: AnvilProcess
) -> None:
    views = [
        Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now).register(
            io.BytesIO(f"{step} {n}".encode()), WorkMetadata(title=f"{step} {n}")
        )
        for n in range(5)
    ]
    settings = runtime.settings
    env = {
        **os.environ,
        "BANQUAN_DATA_DIR": str(settings.data_dir),
        "BANQUAN_DATABASE_URL": settings.resolved_database_url,
        "BANQUAN_CHAIN_RPC_URL": anvil.rpc_url,
        "BANQUAN_ANCHOR_ADDRESS": anchor_client.address,
    }
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_WORKER, step],
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        check=False,
    )
    assert crashed.returncode == 9

    cycle = run_anchoring_cycle(
        runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now
    )
    assert cycle.error is None
    with runtime.sessions() as session:
        (batch,) = session.scalars(select(Batch)).all()
    assert batch.status in BATCH_ON_CHAIN
    events = anchor_client.contract.events.Anchored().get_logs(
        from_block=0, argument_filters={"root": bytes.fromhex(batch.root)}
    )
    assert len(events) == 1
    for view in views:
        anchored = get_registration(runtime.sessions, view.number)
        assert anchored.status == "anchored"
        assert check_proof(anchored, anchor_client).ok
