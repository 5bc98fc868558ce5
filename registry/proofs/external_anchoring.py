"""Use case: anchor every batch root again on each configured external chain (second anchoring).

A court or another party may trust a chain of its own (天平链 and others) rather than banquan's.
Once a batch is anchored on banquan's chain, its root is sent to the ``RegistryAnchor`` on each
external chain; one ``external_anchorings`` row per (batch, chain) moves

    pending → sent → confirmed        failed → (after a backoff) tried again as pending
    confirmed → pending               the external chain lost the root or its block (a reset)

- *pending*: the chain is asked whether its contract already has the root (a crash after
  sending, another worker); if so the anchoring is recorded, else ``anchor(root, count)`` is sent
  and the row becomes *sent* with its transaction hash. A second anchoring of the same root is
  refused by the contract (``RootAlreadyAnchored``) and taken as the first one's success.
- *sent*: once the contract has the root the transaction, block number, block hash and block time
  are recorded; ``confirmations`` blocks on top make it *confirmed*. A transaction that reverted,
  or is not mined after ``resend_after``, goes back to *pending* (the chain is asked again first).
- *failed*: an attempt that did not get through (node down, wrong chain, no contract); retried at
  ``next_attempt_at``, the wait doubling up to ``retry_max``, with ``last_error`` kept.
- each cycle the latest confirmed anchoring is checked against the chain (the root still in the
  contract, the block still the one recorded); when it is not, every confirmed anchoring on that
  chain is checked and those lost go back to *pending* and are anchored again.

No database transaction is held while an external chain is asked anything: each step reads what
it needs, talks to the chain, then records the outcome in a short transaction of its own, only if
the row is still in the state it read. An external chain that is down or slow therefore never
delays the main anchoring or a registration; each chain runs in a thread of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chain_client.errors import ChainError, TransactionFailed
from chain_client.registry_anchor import AnchorReceipt, RegistryAnchorClient
from registry.core.background import BackgroundLoop
from registry.core.database import WriteLock, take_write_lock, unit_of_work
from registry.core.errors import ServiceUnavailable
from registry.core.models import Batch, ExternalAnchoring
from registry.core.record_json import JsonRecord
from registry.core.states import BATCH_ON_CHAIN, ExternalAnchoringState
from registry.core.views import as_utc, view_of

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
State = ExternalAnchoringState


@dataclass(frozen=True)
class ExternalChain:
    """An external chain ready to use: its configured name and chain id, and its
    ``RegistryAnchor`` (sending as the configured account)."""

    name: str
    chain_id: int
    client: RegistryAnchorClient
    confirmations: int = 0


@dataclass(frozen=True)
class ExternalPolicy:
    """Retries and waits of the external anchoring."""

    retry_base: timedelta = timedelta(seconds=5)
    retry_max: timedelta = timedelta(seconds=600)
    resend_after: timedelta = timedelta(seconds=120)
    receipt_wait: float = 5.0

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: doubling, at most ``retry_max``."""
        factor: int = 2 ** max(0, min(attempts - 1, 30))
        wait: timedelta = min(self.retry_base * factor, self.retry_max)
        return wait


@dataclass(frozen=True)
class ExternalCycle:
    """What one pass over one external chain did."""

    chain: str
    queued: int = 0
    sent: int = 0
    confirmed: int = 0
    lost: int = 0
    failed: int = 0
    error: str | None = None


@dataclass(frozen=True)
class ExternalAnchoringView(JsonRecord):
    """An anchoring of a batch root on an external chain, as a proof bundle carries it."""

    chain: str
    chain_id: int
    contract: str
    tx_hash: str
    block_number: int
    block_hash: str
    anchored_at: datetime


@dataclass(frozen=True)
class _Work:
    id: int
    root: bytes
    leaf_count: int
    state: str
    tx_hash: str | None
    sent_at: datetime | None
    attempts: int


def enqueue_anchored_batches(
    sessions: sessionmaker[Session], chain_name: str, *, now: Clock
) -> int:
    """A pending row on ``chain_name`` for every batch anchored on the main chain without one."""
    with unit_of_work(sessions) as session:
        take_write_lock(session, WriteLock.EXTERNAL_ENQUEUE)
        known = select(ExternalAnchoring.batch_id).where(ExternalAnchoring.chain_name == chain_name)
        batch_ids = list(
            session.scalars(
                select(Batch.id)
                .where(Batch.status.in_(BATCH_ON_CHAIN), Batch.id.not_in(known))
                .order_by(Batch.id)
            )
        )
        for batch_id in batch_ids:
            session.add(
                ExternalAnchoring(
                    batch_id=batch_id,
                    chain_name=chain_name,
                    state=State.PENDING,
                    attempts=0,
                    created_at=now(),
                )
            )
    return len(batch_ids)


def run_external_cycle(
    sessions: sessionmaker[Session],
    chain_name: str,
    chain_provider: Callable[[], ExternalChain],
    *,
    policy: ExternalPolicy,
    now: Clock,
) -> ExternalCycle:
    """One pass over one external chain: queue newly anchored batches, check that the chain still
    has what it confirmed, send what is due, settle what was sent."""
    queued = enqueue_anchored_batches(sessions, chain_name, now=now)
    due = _due(sessions, chain_name, now())
    sent_rows = _rows(sessions, chain_name, (State.SENT,))
    has_confirmed = bool(_latest_confirmed(sessions, chain_name))
    if not due and not sent_rows and not has_confirmed:
        return ExternalCycle(chain=chain_name, queued=queued)
    try:
        chain = chain_provider()
        answered = chain.client.chain_id()
        if answered != chain.chain_id:
            raise ChainError(
                f"the node of {chain_name} answers chain id {answered}, not {chain.chain_id}"
            )
    except (ChainError, ServiceUnavailable) as exc:
        failed = _fail_all(sessions, [w.id for w in due], str(exc), policy=policy, now=now)
        log.warning("external anchoring on %s deferred: %s", chain_name, exc)
        return ExternalCycle(chain=chain_name, queued=queued, failed=failed, error=str(exc))
    try:
        lost = release_lost_anchorings(sessions, chain)
    except ChainError as exc:
        return ExternalCycle(chain=chain_name, queued=queued, error=str(exc))
    if lost:
        due = _due(sessions, chain_name, now())
    sent = confirmed = failed = 0
    error: str | None = None
    for work in due:
        outcome = _send(sessions, chain, work, policy=policy, now=now)
        if outcome == "sent":
            sent += 1
        elif outcome == "found":
            confirmed += 1
        elif outcome is not None:
            failed += 1
            error = outcome
    for work in _rows(sessions, chain_name, (State.SENT,)):
        try:
            if _settle(sessions, chain, work, policy=policy, now=now):
                confirmed += 1
        except ChainError as exc:
            error = str(exc)
            log.warning("external anchoring on %s: %s", chain_name, exc)
    return ExternalCycle(
        chain=chain_name,
        queued=queued,
        sent=sent,
        confirmed=confirmed,
        lost=lost,
        failed=failed,
        error=error,
    )


def release_lost_anchorings(sessions: sessionmaker[Session], chain: ExternalChain) -> int:
    """Send back to *pending* the confirmed anchorings the external chain no longer holds.

    Only the latest confirmed one is asked about each cycle; when it is gone (or in another
    block, or under another contract) every confirmed one is. Returns how many were lost."""
    latest = _latest_confirmed(sessions, chain.name)
    if not latest or _still_there(chain, latest[0]):
        return 0
    lost = [row.id for row in _confirmed_rows(sessions, chain.name) if not _still_there(chain, row)]
    with unit_of_work(sessions) as session:
        for row in session.scalars(
            select(ExternalAnchoring)
            .where(ExternalAnchoring.id.in_(lost), ExternalAnchoring.state == State.CONFIRMED)
            .with_for_update()
        ):
            log.warning(
                "batch %s: %s no longer holds root anchored in block %s; anchoring it again",
                row.batch_id,
                chain.name,
                row.block_number,
            )
            _clear(row)
            row.state = State.PENDING
            row.last_error = "the chain lost this anchoring (reset or reorganised); re-anchoring"
    return len(lost)


def external_anchorings_of(
    sessions: sessionmaker[Session], root: str
) -> list[ExternalAnchoringView]:
    """The confirmed external anchorings of batch root ``root`` (hex), by chain name."""
    with sessions() as session:
        rows = session.scalars(
            select(ExternalAnchoring)
            .join(Batch, Batch.id == ExternalAnchoring.batch_id)
            .where(Batch.root == root, ExternalAnchoring.state == State.CONFIRMED)
            .order_by(ExternalAnchoring.chain_name)
        )
        return [
            ExternalAnchoringView(
                chain=row.chain_name,
                chain_id=int(row.chain_id or 0),
                contract=str(row.contract_address),
                tx_hash=str(row.tx_hash),
                block_number=int(row.block_number or 0),
                block_hash=str(row.block_hash),
                anchored_at=as_utc(row.block_time or row.created_at),
            )
            for row in rows
        ]


def _due(sessions: sessionmaker[Session], chain_name: str, moment: datetime) -> list[_Work]:
    return [
        work
        for work, next_attempt in _rows_with_next(sessions, chain_name)
        if work.state == State.PENDING
        or (work.state == State.FAILED and (next_attempt is None or as_utc(next_attempt) <= moment))
    ]


def _rows_with_next(
    sessions: sessionmaker[Session], chain_name: str
) -> list[tuple[_Work, datetime | None]]:
    with sessions() as session:
        result = session.execute(
            select(ExternalAnchoring, Batch.root, Batch.leaf_count)
            .join(Batch, Batch.id == ExternalAnchoring.batch_id)
            .where(
                ExternalAnchoring.chain_name == chain_name,
                ExternalAnchoring.state.in_((State.PENDING, State.FAILED)),
            )
            .order_by(ExternalAnchoring.batch_id)
        )
        return [(_work(row, root, count), row.next_attempt_at) for row, root, count in result]


def _rows(sessions: sessionmaker[Session], chain_name: str, states: Sequence[State]) -> list[_Work]:
    with sessions() as session:
        result = session.execute(
            select(ExternalAnchoring, Batch.root, Batch.leaf_count)
            .join(Batch, Batch.id == ExternalAnchoring.batch_id)
            .where(ExternalAnchoring.chain_name == chain_name, ExternalAnchoring.state.in_(states))
            .order_by(ExternalAnchoring.batch_id)
        )
        return [_work(row, root, count) for row, root, count in result]


@dataclass(frozen=True)
class _Confirmed:
    id: int
    root: bytes
    contract: str | None
    block_number: int | None
    block_hash: str | None


def _confirmed_rows(
    sessions: sessionmaker[Session], chain_name: str, *, latest_only: bool = False
) -> list[_Confirmed]:
    query = (
        select(ExternalAnchoring, Batch.root)
        .join(Batch, Batch.id == ExternalAnchoring.batch_id)
        .where(
            ExternalAnchoring.chain_name == chain_name,
            ExternalAnchoring.state == State.CONFIRMED,
        )
        .order_by(ExternalAnchoring.block_number.desc(), ExternalAnchoring.id.desc())
    )
    if latest_only:
        query = query.limit(1)
    with sessions() as session:
        return [
            _Confirmed(
                row.id, bytes.fromhex(root), row.contract_address, row.block_number, row.block_hash
            )
            for row, root in session.execute(query)
        ]


def _latest_confirmed(sessions: sessionmaker[Session], chain_name: str) -> list[_Confirmed]:
    return _confirmed_rows(sessions, chain_name, latest_only=True)


def _still_there(chain: ExternalChain, row: _Confirmed) -> bool:
    """Whether the chain still has the root, in the block recorded, under the contract in use."""
    if row.contract is None or row.contract.lower() != chain.client.address.lower():
        return False
    info = chain.client.root_info(row.root)
    if info is None or info.block_number != row.block_number or row.block_number is None:
        return False
    return chain.client.block_hash(row.block_number) == row.block_hash


def _work(row: ExternalAnchoring, root: str, leaf_count: int) -> _Work:
    return view_of(_Work, row, root=bytes.fromhex(root), leaf_count=leaf_count)


def _send(
    sessions: sessionmaker[Session],
    chain: ExternalChain,
    work: _Work,
    *,
    policy: ExternalPolicy,
    now: Clock,
) -> str | None:
    """Anchor ``work``'s root unless the chain has it: ``"sent"``, ``"found"`` (recorded as
    anchored), ``None`` (the row changed meanwhile) or the error that failed the attempt."""
    try:
        existing = chain.client.find_anchoring(work.root)
        tx_hash: str | None = None
        if existing is None:
            try:
                tx_hash = chain.client.submit_anchor(work.root, work.leaf_count)
            except TransactionFailed as exc:
                if exc.error_name != "RootAlreadyAnchored":
                    raise
                existing = chain.client.find_anchoring(work.root)
                if existing is None:
                    raise
        if existing is not None:
            recorded = _record(sessions, chain, work, existing, now=now)
            return "found" if recorded == State.CONFIRMED else None
    except ChainError as exc:
        _fail_all(sessions, [work.id], str(exc), policy=policy, now=now, expected=work.state)
        log.warning("external anchoring on %s failed: %s", chain.name, exc)
        return str(exc)
    with unit_of_work(sessions) as session:
        row = session.get(ExternalAnchoring, work.id, with_for_update=True)
        if row is None or row.state != work.state:
            return None
        row.state = State.SENT
        row.tx_hash = tx_hash
        row.sent_at = now()
        row.attempts += 1
        row.chain_id = chain.chain_id
        row.contract_address = chain.client.address
    return "sent"


def _settle(
    sessions: sessionmaker[Session],
    chain: ExternalChain,
    work: _Work,
    *,
    policy: ExternalPolicy,
    now: Clock,
) -> bool:
    """Record a sent anchoring the chain now holds; send back to *pending* one that reverted or
    was not mined in time. Whether it became confirmed."""
    existing = chain.client.find_anchoring(work.root)
    if existing is None and work.tx_hash is not None:
        fresh = work.sent_at is not None and now() - work.sent_at < timedelta(
            seconds=policy.receipt_wait
        )
        try:
            existing = chain.client.mined_anchoring(
                work.root, work.tx_hash, wait=policy.receipt_wait if fresh else 0.0
            )
        except TransactionFailed:  # reverted: a duplicate (found then) or a real failure
            existing = chain.client.find_anchoring(work.root)
            if existing is None:
                _back_to_pending(sessions, work, "the anchoring transaction reverted")
                return False
    if existing is not None:
        return _record(sessions, chain, work, existing, now=now) == State.CONFIRMED
    if work.sent_at is None or now() - work.sent_at > policy.resend_after:
        _back_to_pending(sessions, work, f"transaction {work.tx_hash} not mined; sending again")
    return False


def _record(
    sessions: sessionmaker[Session],
    chain: ExternalChain,
    work: _Work,
    receipt: AnchorReceipt,
    *,
    now: Clock,
) -> State | None:
    """Record where the chain has the root; confirmed once ``confirmations`` deep."""
    block_hash = chain.client.block_hash(receipt.block_number)
    head = chain.client.block_number()
    deep = head - receipt.block_number >= chain.confirmations
    with unit_of_work(sessions) as session:
        row = session.get(ExternalAnchoring, work.id, with_for_update=True)
        if row is None or row.state != work.state:
            return None
        row.state = State.CONFIRMED if deep and block_hash else State.SENT
        row.chain_id = chain.chain_id
        row.contract_address = chain.client.address
        row.tx_hash = receipt.tx_hash
        row.block_number = receipt.block_number
        row.block_hash = block_hash
        row.block_time = datetime.fromtimestamp(receipt.anchored_at, UTC)
        row.last_error = None
        row.next_attempt_at = None
        if row.sent_at is None:
            row.sent_at = now()
        return State(row.state)


def _back_to_pending(sessions: sessionmaker[Session], work: _Work, reason: str) -> None:
    with unit_of_work(sessions) as session:
        row = session.get(ExternalAnchoring, work.id, with_for_update=True)
        if row is None or row.state != work.state:
            return
        _clear(row)
        row.state = State.PENDING
        row.last_error = reason


def _fail_all(
    sessions: sessionmaker[Session],
    ids: Sequence[int],
    error: str,
    *,
    policy: ExternalPolicy,
    now: Clock,
    expected: str | None = None,
) -> int:
    """Mark rows failed (``attempts`` + 1, ``last_error``), to be retried after the backoff."""
    if not ids:
        return 0
    failed = 0
    with unit_of_work(sessions) as session:
        for row in session.scalars(
            select(ExternalAnchoring).where(ExternalAnchoring.id.in_(ids)).with_for_update()
        ):
            if row.state not in (State.PENDING, State.FAILED) or (
                expected is not None and row.state != expected
            ):
                continue
            row.attempts += 1
            row.state = State.FAILED
            row.last_error = error[:2000]
            row.next_attempt_at = now() + policy.backoff(row.attempts)
            failed += 1
    return failed


def _clear(row: ExternalAnchoring) -> None:
    row.tx_hash = None
    row.block_number = None
    row.block_hash = None
    row.block_time = None
    row.sent_at = None
    row.next_attempt_at = None


class ExternalAnchorer(BackgroundLoop):
    """Runs external anchoring cycles for one chain until stopped, in a thread of its own, so
    that a chain that is down or slow holds up nothing else."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain_name: str,
        chain_provider: Callable[[], ExternalChain],
        *,
        policy: ExternalPolicy,
        interval: float,
        now: Clock,
    ) -> None:
        super().__init__(
            interval=interval,
            thread_name=f"banquan-external-{chain_name}",
            log=log,
            what=f"external anchoring cycle on {chain_name}",
        )
        self.chain_name = chain_name
        self._sessions = sessions
        self._provider = chain_provider
        self._policy = policy
        self._now = now
        self.last_cycle: ExternalCycle | None = None

    def run_once(self) -> ExternalCycle:
        cycle = run_external_cycle(
            self._sessions, self.chain_name, self._provider, policy=self._policy, now=self._now
        )
        self.last_cycle = cycle
        return cycle
