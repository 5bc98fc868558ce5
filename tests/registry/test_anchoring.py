"""Batching and anchoring against a real Anvil node and real databases."""

from __future__ import annotations

import io

from sqlalchemy import select

from chain_client.registry_anchor import RegistryAnchorClient
from crypto.merkle import verify_proof
from registry.anchoring import (
    anchor_sealed_batches,
    release_batches_missing_on_chain,
    run_anchoring_cycle,
    seal_batch,
)
from registry.metadata import WorkMetadata
from registry.models import Batch
from registry.registration import register_work
from registry.runtime import Runtime
from registry.verification import check_proof, get_registration
from registry.views import RegistrationView


def register_three(runtime: Runtime) -> list[RegistrationView]:
    return [
        register_work(
            runtime.sessions,
            runtime.store,
            io.BytesIO(f"work {n}".encode()),
            WorkMetadata(title=f"作品 {n}"),
            max_bytes=1 << 20,
            now=runtime.now,
        )
        for n in range(3)
    ]


def test_pending_registrations_are_anchored_as_one_batch(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_three(runtime)
    cycle = run_anchoring_cycle(runtime.sessions, anchor_client, max_size=100, now=runtime.now)
    assert (cycle.sealed, cycle.anchored, cycle.error) == (1, 1, None)
    anchored = [get_registration(runtime.sessions, v.number) for v in views]
    assert {v.status for v in anchored} == {"anchored"}
    assert len({v.anchor.root for v in anchored if v.anchor}) == 1
    for view in anchored:
        assert view.anchor is not None
        assert view.proof is not None
        assert verify_proof(
            bytes.fromhex(view.leaf),
            [bytes.fromhex(p) for p in view.proof],
            bytes.fromhex(view.anchor.root),
        )
        check = check_proof(view, anchor_client)
        assert check.ok
        assert check.chain_confirms is True
        assert view.anchor.contract_address == anchor_client.address
        assert view.anchor.chain_id == anchor_client.chain_id()


def test_batches_are_closed_by_size(runtime: Runtime, anchor_client: RegistryAnchorClient) -> None:
    register_three(runtime)
    cycle = run_anchoring_cycle(runtime.sessions, anchor_client, max_size=2, now=runtime.now)
    assert (cycle.sealed, cycle.anchored) == (2, 2)
    with runtime.sessions() as session:
        assert sorted(b.leaf_count for b in session.scalars(select(Batch))) == [1, 2]


def test_batch_anchored_before_a_crash_is_recorded_not_sent_again(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_three(runtime)
    batch_id = seal_batch(runtime.sessions, max_size=100, now=runtime.now)
    with runtime.sessions() as session:
        batch = session.get_one(Batch, batch_id)
        root, count = bytes.fromhex(batch.root), batch.leaf_count
    # The transaction went out, then the process died before recording it.
    sent = anchor_client.anchor(root, count)
    assert anchor_sealed_batches(runtime.sessions, anchor_client) == 1
    view = get_registration(runtime.sessions, views[0].number)
    assert view.anchor is not None
    assert view.anchor.tx_hash == sent.tx_hash


def test_batches_of_a_replaced_contract_are_anchored_again(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_three(runtime)
    run_anchoring_cycle(runtime.sessions, anchor_client, max_size=100, now=runtime.now)
    assert anchor_client.sender is not None
    replacement = RegistryAnchorClient.deploy(anchor_client.sender)
    assert release_batches_missing_on_chain(runtime.sessions, anchor_client) == 0
    assert release_batches_missing_on_chain(runtime.sessions, replacement) == 1
    assert get_registration(runtime.sessions, views[0].number).status == "pending"
    cycle = run_anchoring_cycle(runtime.sessions, replacement, max_size=100, now=runtime.now)
    assert (cycle.sealed, cycle.anchored) == (0, 1)
    view = get_registration(runtime.sessions, views[0].number)
    assert view.anchor is not None
    assert view.anchor.contract_address == replacement.address
    assert check_proof(view, replacement).ok
