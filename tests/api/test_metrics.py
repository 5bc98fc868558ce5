"""Prometheus /metrics reports the registry's state and this process's HTTP traffic."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from api.app import create_app
from chain_client.registry_anchor import RegistryAnchorClient
from registry.platform.runtime import Runtime
from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle
from tests.conftest import bearer


def sample(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert match, f"{name} missing from /metrics"
    return float(match.group(1))


def test_metrics_follow_registrations_and_anchoring(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    with TestClient(
        create_app(runtime=runtime, run_batcher=False), headers=bearer(runtime)
    ) as client:
        for n in range(3):
            client.post(
                "/v1/works",
                files={"file": (f"{n}.txt", f"metrics {n}".encode())},
                data={"metadata": json.dumps({"title": "指标"})},
            )
        before = client.get("/metrics").text
        assert sample(before, "banquan_queue_depth") == 3
        assert sample(before, 'banquan_registrations{status="pending"}') == 3
        assert sample(before, "banquan_batch_lag_seconds") >= 0
        assert sample(before, "banquan_chain_up") == 1
        run_anchoring_cycle(
            runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now
        )
        after = client.get("/metrics").text
    assert sample(after, "banquan_queue_depth") == 0
    assert sample(after, 'banquan_registrations{status="anchored"}') == 3
    assert sample(after, "banquan_batch_size_mean") == 3
    assert sample(after, 'banquan_http_requests_total{method="POST",status="201"}') == 3
