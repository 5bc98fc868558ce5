"""Use case: gather pending registrations into Merkle batches and anchor each root on chain.

Crash-safe by construction: a batch is *sealed* (root and every proof committed) before its
transaction is sent; anchoring a sealed batch first asks the chain whether the root is already
there, so a crash between sending and recording never anchors twice nor loses a batch.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chain_client.errors import ChainError, TransactionFailed
from chain_client.registry_anchor import AnchorReceipt, RegistryAnchorClient
from crypto.merkle import MerkleTree
from registry.database import unit_of_work
from registry.errors import ServiceUnavailable
from registry.models import Batch, Registration
from registry.registration import ANCHORED, PENDING

SEALED = "sealed"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnchoringCycle:
    """What one pass of the batcher did."""

    sealed: int
    anchored: int
    error: str | None = None


def seal_batch(
    sessions: sessionmaker[Session], *, max_size: int, now: Callable[[], datetime]
) -> int | None:
    """Seal up to ``max_size`` unbatched pending registrations into one batch; its id, or None."""
    with unit_of_work(sessions) as session:
        query = (
            select(Registration)
            .where(Registration.status == PENDING, Registration.batch_id.is_(None))
            .order_by(Registration.id)
            .limit(max_size)
            .with_for_update(skip_locked=True)
        )
        pending = list(session.scalars(query))
        if not pending:
            return None
        tree = MerkleTree.of([bytes.fromhex(r.leaf) for r in pending])
        batch = Batch(
            root=tree.root.hex(), leaf_count=len(pending), status=SEALED, created_at=now()
        )
        session.add(batch)
        for registration in pending:
            registration.batch = batch
            proof = tree.proof(bytes.fromhex(registration.leaf))
            registration.proof_json = json.dumps([step.hex() for step in proof])
        session.flush()
        return batch.id


def anchor_sealed_batches(sessions: sessionmaker[Session], client: RegistryAnchorClient) -> int:
    """Anchor every sealed batch, oldest first; return how many were anchored.

    Stops at the first chain error (raised): what is left stays sealed for the next attempt.
    """
    with sessions() as session:
        sealed = list(
            session.execute(
                select(Batch.id, Batch.root, Batch.leaf_count)
                .where(Batch.status == SEALED)
                .order_by(Batch.id)
            )
        )
    chain_id = client.chain_id() if sealed else None
    for batch_id, root_hex, leaf_count in sealed:
        receipt = _anchor_once(client, bytes.fromhex(root_hex), leaf_count)
        with unit_of_work(sessions) as session:
            batch = session.get_one(Batch, batch_id)
            batch.status = ANCHORED
            batch.chain_id = chain_id
            batch.contract_address = client.address
            batch.tx_hash = receipt.tx_hash
            batch.block_number = receipt.block_number
            batch.anchored_at = datetime.fromtimestamp(receipt.anchored_at, UTC)
            for registration in batch.registrations:
                registration.status = ANCHORED
    return len(sealed)


def _anchor_once(client: RegistryAnchorClient, root: bytes, leaf_count: int) -> AnchorReceipt:
    existing = client.find_anchoring(root)
    if existing is not None:
        return existing
    try:
        return client.anchor(root, leaf_count)
    except TransactionFailed as exc:
        if exc.error_name != "RootAlreadyAnchored":
            raise
        # Another submitter (or our own earlier attempt) got there first: record that one.
        found = client.find_anchoring(root)
        if found is None:
            raise
        return found


def release_batches_missing_on_chain(
    sessions: sessionmaker[Session], client: RegistryAnchorClient
) -> int:
    """Re-open anchored batches whose root the contract in use does not know.

    That happens when a development chain is reset (a fresh contract, often at the same address),
    when another contract is configured, or when a block was lost. Such batches are sealed again
    and re-anchored; their registrations show ``pending`` until then. Returns how many.
    """
    with sessions() as session:
        anchored = list(
            session.execute(select(Batch.id, Batch.root).where(Batch.status == ANCHORED))
        )
    missing = [
        batch_id for batch_id, root in anchored if client.root_info(bytes.fromhex(root)) is None
    ]
    if not missing:
        return 0
    with unit_of_work(sessions) as session:
        for batch in session.scalars(select(Batch).where(Batch.id.in_(missing))):
            batch.status = SEALED
            batch.chain_id = None
            batch.contract_address = None
            batch.tx_hash = None
            batch.block_number = None
            batch.anchored_at = None
            for registration in batch.registrations:
                registration.status = PENDING
    return len(missing)


def run_anchoring_cycle(
    sessions: sessionmaker[Session],
    client: RegistryAnchorClient,
    *,
    max_size: int,
    now: Callable[[], datetime],
) -> AnchoringCycle:
    """Seal everything pending into batches, then anchor all sealed batches."""
    sealed = 0
    while seal_batch(sessions, max_size=max_size, now=now) is not None:
        sealed += 1
    try:
        anchored = anchor_sealed_batches(sessions, client)
    except ChainError as exc:
        return AnchoringCycle(sealed=sealed, anchored=0, error=str(exc))
    return AnchoringCycle(sealed=sealed, anchored=anchored)


class Batcher:
    """Runs anchoring cycles in a background thread until stopped.

    ``client_provider`` is called each cycle, so a chain that is down at start-up (or a contract
    that still has to be deployed) is picked up as soon as it is there.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client_provider: Callable[[], RegistryAnchorClient],
        *,
        max_size: int,
        interval: float,
        now: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._client_provider = client_provider
        self._max_size = max_size
        self._interval = interval
        self._now = now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_cycle: AnchoringCycle | None = None

    def run_once(self) -> AnchoringCycle:
        try:
            client = self._client_provider()
        except (ChainError, ServiceUnavailable) as exc:
            cycle = AnchoringCycle(sealed=0, anchored=0, error=str(exc))
        else:
            cycle = run_anchoring_cycle(
                self._sessions, client, max_size=self._max_size, now=self._now
            )
        if cycle.error:
            log.warning("anchoring deferred: %s", cycle.error)
        self.last_cycle = cycle
        return cycle

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="banquan-batcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep the loop alive; the error is logged and retried
                log.exception("anchoring cycle failed")
            self._stop.wait(self._interval)
