"""Use case: gather pending registrations into Merkle batches and anchor each root on chain.

A batch moves ``sealed`` → ``submitted`` → ``anchored`` → ``confirmed`` and every step is
committed before the next begins, so a worker killed at any point loses nothing:

- *sealed*: the root and every registration's proof are committed; nothing is on chain yet.
- *submitted*: the anchoring transaction was sent; its hash is recorded.
- *anchored*: the transaction is in a block (transaction, block, block time recorded);
  the registrations show ``anchored``.
- *confirmed*: the block is ``confirmations`` deep and the chain still knows the root.

Before a root is sent the chain is asked whether it already has it (a crash after sending, or
another worker); a duplicate that slips through is refused by the contract and treated as
success. A submitted transaction that never lands, and an anchored root the chain no longer knows
(a reorg or a reset development chain), send the batch back to *sealed*.

Several workers may share one PostgreSQL database: sealing takes an advisory lock, and each batch
is claimed with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chain_client.errors import ChainError, TransactionFailed
from chain_client.registry_anchor import AnchorReceipt, RegistryAnchorClient
from crypto.merkle import Entry, MerkleTree
from registry.core.background import BackgroundLoop
from registry.core.database import WriteLock, take_write_lock, unit_of_work
from registry.core.errors import ServiceUnavailable
from registry.core.events import EventType, record_batch_events
from registry.core.models import Batch, Registration
from registry.core.states import BATCH_ON_CHAIN, BatchStatus, RegistrationStatus
from registry.core.views import as_utc

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class AnchoringPolicy:
    """How batches are closed, submitted and confirmed."""

    max_size: int = 1000
    confirmations: int = 0
    resubmit_after: timedelta = timedelta(seconds=120)
    receipt_wait: float = 5.0


@dataclass(frozen=True)
class AnchoringCycle:
    """What one pass of a worker did."""

    sealed: int = 0
    submitted: int = 0
    anchored: int = 0
    confirmed: int = 0
    reopened: int = 0
    error: str | None = None


def seal_batch(sessions: sessionmaker[Session], *, max_size: int, now: Clock) -> int | None:
    """Seal up to ``max_size`` unbatched pending registrations into one batch; its id, or None."""
    with unit_of_work(sessions) as session:
        take_write_lock(session, WriteLock.SEALER)
        query = (
            select(Registration)
            .where(
                Registration.status == RegistrationStatus.PENDING, Registration.batch_id.is_(None)
            )
            .order_by(Registration.id)
            .limit(max_size)
            .with_for_update(skip_locked=True)
        )
        pending = list(session.scalars(query))
        if not pending:
            return None
        # A registration bound to a controller is anchored as the pair (leaf, controller): only
        # that controller can then authorize minting its asset (RightsAsset.tokenize).
        tree = MerkleTree.of([tree_entry(r) for r in pending])
        batch = Batch(
            root=tree.root.hex(),
            leaf_count=len(pending),
            status=BatchStatus.SEALED,
            attempts=0,
            created_at=now(),
        )
        session.add(batch)
        for registration in pending:
            registration.batch = batch
            proof = tree.proof(tree_entry(registration))
            registration.proof_json = json.dumps([step.hex() for step in proof])
        session.flush()
        return batch.id


def tree_entry(registration: Registration) -> Entry:
    """The Merkle tree entry of ``registration``: its claim leaf, with its controller if any."""
    leaf = bytes.fromhex(registration.leaf)
    return (leaf, registration.controller) if registration.controller else leaf


def submit_sealed_batches(
    sessions: sessionmaker[Session], client: RegistryAnchorClient, *, now: Clock
) -> tuple[int, int]:
    """Send the anchoring transaction of every sealed batch (oldest first).

    Returns (submitted, found already anchored). A chain error stops the pass (raised); what is
    left stays sealed.
    """
    submitted = found = 0
    while True:
        with unit_of_work(sessions) as session:
            if session.get_bind().dialect.name == "sqlite":  # no row locks: one submitter
                take_write_lock(session, WriteLock.SUBMITTER)
            batch = session.scalar(
                select(Batch)
                .where(Batch.status == BatchStatus.SEALED)
                .order_by(Batch.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if batch is None:
                return submitted, found
            root = bytes.fromhex(batch.root)
            existing = client.find_anchoring(root)
            if existing is None:
                try:
                    batch.tx_hash = client.submit_anchor(root, batch.leaf_count)
                except TransactionFailed as exc:
                    if exc.error_name != "RootAlreadyAnchored":
                        raise
                    existing = client.find_anchoring(root)  # another submitter got there first
                    if existing is None:
                        raise
            if existing is not None:
                _record_anchoring(batch, existing, client)
                found += 1
                continue
            batch.status = BatchStatus.SUBMITTED
            batch.submitted_at = now()
            batch.attempts += 1
            submitted += 1


def settle_submitted_batches(
    sessions: sessionmaker[Session],
    client: RegistryAnchorClient,
    *,
    now: Clock,
    resubmit_after: timedelta,
    receipt_wait: float = 0.0,
) -> tuple[int, int]:
    """Record submitted batches whose transaction is mined; re-seal those that never landed.

    A transaction sent less than ``receipt_wait`` seconds ago is given that long to be mined
    (on an instantly mining chain the batch is then anchored in the cycle that sent it).
    Returns (anchored, sent back to sealed).
    """
    anchored = reopened = 0
    with sessions() as session:
        ids = list(
            session.scalars(
                select(Batch.id).where(Batch.status == BatchStatus.SUBMITTED).order_by(Batch.id)
            )
        )
    for batch_id in ids:
        with unit_of_work(sessions) as session:
            batch = session.scalar(
                select(Batch)
                .where(Batch.id == batch_id, Batch.status == BatchStatus.SUBMITTED)
                .with_for_update(skip_locked=True)
            )
            if batch is None or batch.tx_hash is None:
                continue
            root = bytes.fromhex(batch.root)
            fresh = batch.submitted_at is not None and (
                now() - as_utc(batch.submitted_at) < timedelta(seconds=receipt_wait)
            )
            try:
                receipt = client.mined_anchoring(
                    root, batch.tx_hash, wait=receipt_wait if fresh else 0.0
                )
            except TransactionFailed:
                receipt = client.find_anchoring(root)  # reverted: a duplicate, or a real failure
                if receipt is None:
                    _reseal(batch)
                    reopened += 1
                    continue
            if receipt is not None:
                _record_anchoring(batch, receipt, client)
                anchored += 1
            elif batch.submitted_at and now() - as_utc(batch.submitted_at) > resubmit_after:
                found = client.find_anchoring(root)
                if found is not None:
                    _record_anchoring(batch, found, client)
                    anchored += 1
                else:
                    log.warning(
                        "batch %s: transaction %s never landed; resubmitting",
                        batch.id,
                        batch.tx_hash,
                    )
                    _reseal(batch)
                    reopened += 1
    return anchored, reopened


def confirm_anchored_batches(
    sessions: sessionmaker[Session], client: RegistryAnchorClient, *, confirmations: int
) -> tuple[int, int]:
    """Mark anchored batches ``confirmations`` blocks deep as confirmed, if the chain still has
    their root; re-seal those whose root it lost. Returns (confirmed, re-sealed)."""
    head = client.block_number()
    confirmed = reopened = 0
    with sessions() as session:
        candidates = list(
            session.execute(
                select(Batch.id, Batch.root).where(
                    Batch.status == BatchStatus.ANCHORED, Batch.block_number <= head - confirmations
                )
            )
        )
    for batch_id, root in candidates:
        info = client.root_info(bytes.fromhex(root))
        with unit_of_work(sessions) as session:
            batch = session.get_one(Batch, batch_id, with_for_update=True)
            if batch.status != BatchStatus.ANCHORED:
                continue
            if info is None:
                _reseal(batch)
                reopened += 1
                continue
            if info.block_number != batch.block_number:  # re-mined elsewhere after a reorg
                batch.block_number = info.block_number
                batch.anchored_at = datetime.fromtimestamp(info.anchored_at, UTC)
                if info.block_number > head - confirmations:
                    continue
            batch.status = BatchStatus.CONFIRMED
            record_batch_events(batch, EventType.CONFIRMED)
            confirmed += 1
    return confirmed, reopened


def release_batches_missing_on_chain(
    sessions: sessionmaker[Session], client: RegistryAnchorClient
) -> int:
    """Re-seal batches marked on chain whose root the contract in use does not know.

    That happens when a development chain is reset (a fresh contract, often at the same address),
    when another contract is configured, or when a block was lost. Such batches are anchored
    again; their registrations show ``pending`` until then. Returns how many.
    """
    with sessions() as session:
        on_chain = list(
            session.execute(select(Batch.id, Batch.root).where(Batch.status.in_(BATCH_ON_CHAIN)))
        )
    missing = [
        batch_id for batch_id, root in on_chain if client.root_info(bytes.fromhex(root)) is None
    ]
    if missing:
        with unit_of_work(sessions) as session:
            for batch in session.scalars(select(Batch).where(Batch.id.in_(missing))):
                _reseal(batch)
    return len(missing)


def run_anchoring_cycle(
    sessions: sessionmaker[Session],
    client: RegistryAnchorClient,
    *,
    policy: AnchoringPolicy,
    now: Clock,
) -> AnchoringCycle:
    """One pass: seal what is pending, submit sealed batches, settle submitted ones, confirm."""
    sealed = 0
    while seal_batch(sessions, max_size=policy.max_size, now=now) is not None:
        sealed += 1
    try:
        submitted, found = submit_sealed_batches(sessions, client, now=now)
        anchored, reopened = settle_submitted_batches(
            sessions,
            client,
            now=now,
            resubmit_after=policy.resubmit_after,
            receipt_wait=policy.receipt_wait,
        )
        confirmed, lost = confirm_anchored_batches(
            sessions, client, confirmations=policy.confirmations
        )
    except ChainError as exc:
        return AnchoringCycle(sealed=sealed, error=str(exc))
    return AnchoringCycle(
        sealed=sealed,
        submitted=submitted,
        anchored=found + anchored,
        confirmed=confirmed,
        reopened=reopened + lost,
    )


def _record_anchoring(batch: Batch, receipt: AnchorReceipt, client: RegistryAnchorClient) -> None:
    batch.status = BatchStatus.ANCHORED
    batch.chain_id = client.chain_id()
    batch.contract_address = client.address
    batch.tx_hash = receipt.tx_hash
    batch.block_number = receipt.block_number
    batch.anchored_at = datetime.fromtimestamp(receipt.anchored_at, UTC)
    for registration in batch.registrations:
        registration.status = RegistrationStatus.ANCHORED
    record_batch_events(batch, EventType.ANCHORED)


def _reseal(batch: Batch) -> None:
    if batch.status in BATCH_ON_CHAIN:
        # Its registrations were told "anchored": they are told the chain no longer has it.
        record_batch_events(batch, EventType.ANCHOR_LOST)
    batch.status = BatchStatus.SEALED
    batch.chain_id = None
    batch.contract_address = None
    batch.tx_hash = None
    batch.block_number = None
    batch.anchored_at = None
    batch.submitted_at = None
    for registration in batch.registrations:
        registration.status = RegistrationStatus.PENDING


class Batcher(BackgroundLoop):
    """Runs anchoring cycles until stopped: in a background thread (``start``/``stop``) for an
    embedded API, or in the foreground (``run_forever``) as the ``banquan worker`` process.

    ``client_provider`` is called each cycle, so a chain that is down at start-up (or a contract
    that still has to be deployed) is picked up as soon as it is there. ``after_cycle`` runs after
    each anchoring cycle (the event follower: ``banquan worker`` is the one process doing chain
    work); its chain and service errors are logged and retried next cycle.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client_provider: Callable[[], RegistryAnchorClient],
        *,
        policy: AnchoringPolicy,
        interval: float,
        now: Clock,
        after_cycle: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(
            interval=interval, thread_name="banquan-batcher", log=log, what="anchoring cycle"
        )
        self._after_cycle = after_cycle
        self._sessions = sessions
        self._client_provider = client_provider
        self._policy = policy
        self._now = now
        self.last_cycle: AnchoringCycle | None = None

    def run_once(self) -> AnchoringCycle:
        try:
            client = self._client_provider()
        except (ChainError, ServiceUnavailable) as exc:
            cycle = AnchoringCycle(error=str(exc))
        else:
            cycle = run_anchoring_cycle(self._sessions, client, policy=self._policy, now=self._now)
        if cycle.error:
            log.warning("anchoring deferred: %s", cycle.error)
        self.last_cycle = cycle
        if self._after_cycle is not None and not cycle.error:
            try:
                self._after_cycle()
            except (ChainError, ServiceUnavailable) as exc:
                log.warning("following the chain deferred: %s", exc)
        return cycle
