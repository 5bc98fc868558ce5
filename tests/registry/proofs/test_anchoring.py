"""The batch state machine against a real Anvil node and real databases."""

from __future__ import annotations

import io
import json
import threading
from datetime import timedelta

from eth_account import Account
from eth_typing import HexStr
from sqlalchemy import select

from chain_client.registry_anchor import REGISTRAR_ROLE, REGULATOR_ROLE, RegistryAnchorClient
from chain_client.transactions import TransactionSender
from crypto.merkle import verify_proof
from registry.core.metadata import WorkMetadata
from registry.core.models import Batch, Event
from registry.core.states import BATCH_ON_CHAIN
from registry.core.views import RegistrationView
from registry.platform.runtime import Runtime
from registry.proofs.anchoring import (
    AnchoringPolicy,
    release_batches_missing_on_chain,
    run_anchoring_cycle,
    seal_batch,
    settle_submitted_batches,
    submit_sealed_batches,
)
from registry.proofs.verification import check_proof, get_registration
from registry.registration.registrar import Registrar

POLICY = AnchoringPolicy(max_size=100)


def register_some(runtime: Runtime, count: int = 3) -> list[RegistrationView]:
    return [
        Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now).register(
            io.BytesIO(f"work {n}".encode()), WorkMetadata(title=f"作品 {n}")
        )
        for n in range(count)
    ]


def batches(runtime: Runtime) -> list[Batch]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Batch).order_by(Batch.id)))


def anchored_event_count(client: RegistryAnchorClient, root: str) -> int:
    events = client.contract.events.Anchored().get_logs(
        from_block=0, argument_filters={"root": bytes.fromhex(root)}
    )
    return len(events)


def test_pending_registrations_are_anchored_as_one_batch(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_some(runtime)
    cycle = run_anchoring_cycle(runtime.sessions, anchor_client, policy=POLICY, now=runtime.now)
    assert (cycle.sealed, cycle.submitted, cycle.anchored, cycle.error) == (1, 1, 1, None)
    anchored = [get_registration(runtime.sessions, v.number) for v in views]
    assert {v.status for v in anchored} == {"anchored"}
    assert len({v.anchor.root for v in anchored if v.anchor}) == 1
    for view in anchored:
        assert view.anchor is not None
        assert view.proof is not None
        proof = [bytes.fromhex(p) for p in view.proof]
        assert verify_proof(bytes.fromhex(view.leaf), proof, bytes.fromhex(view.anchor.root))
        check = check_proof(view, anchor_client)
        assert check.ok
        assert check.chain_confirms is True
        assert view.anchor.contract_address == anchor_client.address
        assert view.anchor.chain_id == anchor_client.chain_id()


def test_batches_are_closed_by_size(runtime: Runtime, anchor_client: RegistryAnchorClient) -> None:
    register_some(runtime)
    policy = AnchoringPolicy(max_size=2)
    cycle = run_anchoring_cycle(runtime.sessions, anchor_client, policy=policy, now=runtime.now)
    assert (cycle.sealed, cycle.anchored) == (2, 2)
    assert sorted(b.leaf_count for b in batches(runtime)) == [1, 2]


def test_root_sent_before_a_crash_is_recorded_not_sent_again(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_some(runtime)
    seal_batch(runtime.sessions, max_size=100, now=runtime.now)
    (batch,) = batches(runtime)
    # The transaction went out, then the worker died before recording it.
    sent = anchor_client.anchor(bytes.fromhex(batch.root), batch.leaf_count)
    cycle = run_anchoring_cycle(runtime.sessions, anchor_client, policy=POLICY, now=runtime.now)
    assert (cycle.submitted, cycle.anchored) == (0, 1)
    view = get_registration(runtime.sessions, views[0].number)
    assert view.anchor is not None
    assert view.anchor.tx_hash == sent.tx_hash
    assert anchored_event_count(anchor_client, batch.root) == 1


def test_submitted_batch_is_settled_by_the_next_worker(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    register_some(runtime)
    seal_batch(runtime.sessions, max_size=100, now=runtime.now)
    assert submit_sealed_batches(runtime.sessions, anchor_client, now=runtime.now) == (1, 0)
    (batch,) = batches(runtime)
    assert batch.status == "submitted"
    assert batch.tx_hash is not None
    # A new worker takes over: it must not send again, only record what was mined.
    cycle = run_anchoring_cycle(runtime.sessions, anchor_client, policy=POLICY, now=runtime.now)
    assert (cycle.submitted, cycle.anchored) == (0, 1)
    (batch,) = batches(runtime)
    assert batch.status in BATCH_ON_CHAIN
    assert anchored_event_count(anchor_client, batch.root) == 1


def test_transaction_that_never_lands_is_resubmitted(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_some(runtime)
    seal_batch(runtime.sessions, max_size=100, now=runtime.now)
    with runtime.sessions.begin() as session:
        batch = session.scalars(select(Batch)).one()
        batch.status = "submitted"
        batch.tx_hash = "0x" + "ab" * 32  # dropped from the node's pool: never mined
        batch.submitted_at = runtime.now() - timedelta(minutes=10)
        batch.attempts = 1
    assert settle_submitted_batches(
        runtime.sessions, anchor_client, now=runtime.now, resubmit_after=timedelta(minutes=2)
    ) == (0, 1)
    cycle = run_anchoring_cycle(runtime.sessions, anchor_client, policy=POLICY, now=runtime.now)
    assert (cycle.submitted, cycle.anchored) == (1, 1)
    (batch,) = batches(runtime)
    assert batch.attempts == 2
    assert get_registration(runtime.sessions, views[0].number).status == "anchored"


def test_batch_is_confirmed_only_when_deep_enough(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_some(runtime)
    policy = AnchoringPolicy(max_size=100, confirmations=2)
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=policy, now=runtime.now)
    anchor = get_registration(runtime.sessions, views[0].number).anchor
    assert anchor is not None
    assert not anchor.confirmed
    for n in range(2):  # two more blocks on top
        anchor_client.anchor(bytes([0xEE, n]) * 16, 1)
    cycle = run_anchoring_cycle(runtime.sessions, anchor_client, policy=policy, now=runtime.now)
    assert cycle.confirmed == 1
    anchor = get_registration(runtime.sessions, views[0].number).anchor
    assert anchor is not None
    assert anchor.confirmed


def test_batches_of_a_replaced_contract_are_anchored_again(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_some(runtime)
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=POLICY, now=runtime.now)
    assert anchor_client.sender is not None
    replacement = RegistryAnchorClient.deploy(anchor_client.sender)
    assert release_batches_missing_on_chain(runtime.sessions, anchor_client) == 0
    assert release_batches_missing_on_chain(runtime.sessions, replacement) == 1
    assert get_registration(runtime.sessions, views[0].number).status == "pending"
    with runtime.sessions() as session:
        lost = session.scalars(select(Event).where(Event.type == "anchor_lost")).all()
    assert {event.subject for event in lost} == {view.leaf for view in views}
    assert {json.loads(event.payload_json)["contract"] for event in lost} == {anchor_client.address}
    cycle = run_anchoring_cycle(runtime.sessions, replacement, policy=POLICY, now=runtime.now)
    assert (cycle.sealed, cycle.anchored) == (0, 1)
    view = get_registration(runtime.sessions, views[0].number)
    assert view.anchor is not None
    assert view.anchor.contract_address == replacement.address
    assert check_proof(view, replacement).ok


def test_two_workers_anchor_every_batch_exactly_once(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_some(runtime, count=24)
    policy = AnchoringPolicy(max_size=4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                run_anchoring_cycle(runtime.sessions, anchor_client, policy=policy, now=runtime.now)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    all_batches = batches(runtime)
    assert sum(b.leaf_count for b in all_batches) == 24
    assert {b.status for b in all_batches} <= set(BATCH_ON_CHAIN)
    for batch in all_batches:
        assert anchored_event_count(anchor_client, batch.root) == 1
    assert {get_registration(runtime.sessions, v.number).status for v in views} == {"anchored"}


def test_registrations_under_a_revoked_root_show_revoked_not_deleted(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_some(runtime)
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=POLICY, now=runtime.now)
    view = get_registration(runtime.sessions, views[0].number)
    assert view.anchor is not None
    assert anchor_client.sender is not None
    anchor_client.grant_role(REGULATOR_ROLE, anchor_client.sender.address)
    anchor_client.revoke_root(bytes.fromhex(view.anchor.root), b"\x01" * 32)
    check = check_proof(view, anchor_client)
    assert check.revoked
    assert not check.ok
    assert check.proof_valid  # the path still leads to the root: revoked, not deleted
    assert get_registration(runtime.sessions, views[0].number).number == view.number


def test_a_revoked_registration_shows_revoked_and_its_batch_stays_valid(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = register_some(runtime)
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=POLICY, now=runtime.now)
    fraud, innocent = (get_registration(runtime.sessions, v.number) for v in views[:2])
    assert fraud.anchor is not None
    assert innocent.anchor is not None
    assert fraud.anchor.root == innocent.anchor.root, "one batch"
    assert anchor_client.sender is not None
    anchor_client.grant_role(REGULATOR_ROLE, anchor_client.sender.address)
    anchor_client.revoke_registration(bytes.fromhex(fraud.leaf), b"\x02" * 32)
    check = check_proof(fraud, anchor_client)
    assert check.revoked
    assert not check.ok
    assert check.proof_valid
    assert check_proof(innocent, anchor_client).ok


def test_workers_with_their_own_registrar_accounts_keep_their_nonces(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    """Throughput by more registrar accounts: each worker sends from its own account."""
    second_key = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"  # Anvil #2
    assert anchor_client.sender is not None
    w3 = anchor_client.sender.w3
    second = TransactionSender(w3, Account.from_key(second_key))
    anchor_client.grant_role(REGISTRAR_ROLE, second.address)
    clients = [anchor_client, RegistryAnchorClient(w3, anchor_client.address, second)]
    views = register_some(runtime, count=30)
    policy = AnchoringPolicy(max_size=3)
    errors: list[BaseException] = []

    def worker(client: RegistryAnchorClient) -> None:
        try:
            for _ in range(6):
                run_anchoring_cycle(runtime.sessions, client, policy=policy, now=runtime.now)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    accounts = [anchor_client.sender.account.address, second.account.address]
    before = {address: w3.eth.get_transaction_count(address) for address in accounts}
    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    all_batches = batches(runtime)
    assert len(all_batches) == 10
    for batch in all_batches:
        assert anchored_event_count(anchor_client, batch.root) == 1
        assert batch.tx_hash is not None
        assert w3.eth.get_transaction(HexStr(batch.tx_hash))["from"] in before
    sent = sum(w3.eth.get_transaction_count(a) - before[a] for a in accounts)
    assert sent >= 10  # every batch once; a lost race costs at most one refused duplicate
    assert {get_registration(runtime.sessions, v.number).status for v in views} == {"anchored"}
