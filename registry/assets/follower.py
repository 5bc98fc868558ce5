"""Use case: keep the chain-derived tables (assets, licences, liens, freezes) in step with the
contracts' events.

The follower reads the suite's events from its checkpoint up to ``head - confirmations`` and
applies them in the same database transaction that advances the checkpoint, so a crash applies a
range entirely or not at all. The checkpoint keeps the hash of its block: when the chain no longer
has that block (a reorganization deeper than the confirmations, a reset development chain) or the
suite in use changed, the tables are wiped and replayed from the suite's first block, in one
transaction. Permissioned QBFT chains have immediate finality, so that replay is rare; keeping it
simple (no undo log per event) is worth an occasional full replay.

Applying an event is idempotent (rows are keyed by the contracts' own ids, ranks are recomputed
from the active liens), and the tables hold only what the events say, so a wipe and a replay
give identical rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from chain_client.licences import Licence, LicenceGranted, LicenceImported, LicenceRevoked
from chain_client.moderation import Frozen, Restored
from chain_client.pledges import (
    Enforced,
    LenderChanged,
    LicensingConsentSet,
    LicensingConsentUsed,
    Lien,
    LienImported,
    LienReduced,
    LiensReordered,
    Pledged,
    RegistrationAttested,
    Released,
)
from chain_client.registry_anchor import RegistrationRevoked, RootRevoked
from chain_client.rights_assets import AssetImported, Tokenized, Transfer
from chain_client.suite import Suite
from chain_client.suite_events import block_ref, block_times, followed_clients, suite_events
from registry.core.database import WriteLock, take_write_lock, unit_of_work
from registry.core.events import EventType, record_chain_event, record_event
from registry.core.models import (
    Batch,
    ChainAsset,
    ChainCheckpoint,
    ChainFreeze,
    ChainLicence,
    ChainLien,
    Event,
    Registration,
)
from registry.core.states import ChainLienStatus
from registry.moderation import record_chain_freeze, record_chain_restore, record_chain_revocation

MAX_BLOCKS_PER_STEP = 2000
ZERO_ADDRESS = "0x" + "00" * 20

CHAIN_STATE_TABLES = (ChainAsset, ChainLicence, ChainLien, ChainFreeze, ChainCheckpoint)

log = logging.getLogger(__name__)
RowT = TypeVar("RowT")


@dataclass(frozen=True)
class FollowedSuite:
    """The contracts whose events are followed, and the block they were deployed from;
    ``handlers`` fold the events of contracts whose tables live in a context above this one (the
    editions', from :func:`registry.editions.follower.edition_handlers`)."""

    suite: Suite
    start_block: int
    handlers: Mapping[type[Any], Callable[[Session, Any], None]] = field(default_factory=dict)


@dataclass(frozen=True)
class FollowResult:
    """What one call of the follower applied.

    ``from_block``/``to_block`` is the range applied (``None`` when nothing was new), ``events``
    how many events were applied, ``replayed`` whether the tables were wiped and replayed (first
    run, another suite, or a chain that lost the checkpoint's block), ``reorg`` whether that was
    because the checkpoint's block is gone.
    """

    from_block: int | None = None
    to_block: int | None = None
    events: int = 0
    replayed: bool = False
    reorg: bool = False
    caught_up: bool = True

    def then(self, step: FollowResult) -> FollowResult:
        return replace(
            step,
            from_block=self.from_block if self.from_block is not None else step.from_block,
            to_block=step.to_block if step.to_block is not None else self.to_block,
            events=self.events + step.events,
            replayed=self.replayed or step.replayed,
            reorg=self.reorg or step.reorg,
        )


def follow_chain(
    sessions: sessionmaker[Session],
    followed: FollowedSuite,
    *,
    confirmations: int,
    max_blocks: int = MAX_BLOCKS_PER_STEP,
) -> FollowResult:
    """Apply every confirmed event after the checkpoint; one transaction per ``max_blocks``.

    Raises :class:`chain_client.errors.ChainError` when the chain cannot be read (nothing of the
    failed range is applied).
    """
    total = FollowResult()
    while True:
        with unit_of_work(sessions) as session:
            take_write_lock(session, WriteLock.FOLLOWER)
            next_block, reorg = _resume_point(session, followed)
            if next_block is None:
                if reorg:
                    log.warning("the chain lost the follower's checkpoint block; replaying")
                _wipe(session)
                replay = _catch_up(
                    session, followed, followed.start_block, confirmations, max_blocks
                )
                return total.then(replace(replay, replayed=True, reorg=reorg))
            step = _apply_range(session, followed, next_block, confirmations, max_blocks)
        total = total.then(step)
        if step.caught_up:
            return total


def rebuild_chain_state(
    sessions: sessionmaker[Session],
    followed: FollowedSuite,
    *,
    confirmations: int,
    max_blocks: int = MAX_BLOCKS_PER_STEP,
) -> FollowResult:
    """Wipe the chain-derived tables and replay every confirmed event from the suite's first
    block, in one transaction (readers see the old tables or the rebuilt ones, never half)."""
    with unit_of_work(sessions) as session:
        take_write_lock(session, WriteLock.FOLLOWER)
        _wipe(session)
        result = _catch_up(session, followed, followed.start_block, confirmations, max_blocks)
    return replace(result, replayed=True)


def _resume_point(session: Session, followed: FollowedSuite) -> tuple[int | None, bool]:
    """The next block to read, or ``None`` if the tables must be replayed; and whether the
    replay is due to the checkpoint's block being gone."""
    clients = followed_clients(followed.suite)
    chain_id = followed.suite.registry_anchor.chain_id()
    rows = list(session.scalars(select(ChainCheckpoint)))
    addresses = {client.address for client in clients}
    mine = [r for r in rows if r.chain_id == chain_id and r.contract_address in addresses]
    if len(mine) != len(addresses) or len(rows) != len(mine):
        return None, False  # first run, or the tables describe another suite or chain
    if len({(r.block_number, r.block_hash) for r in mine}) != 1:
        return None, False
    checkpoint = mine[0]
    now_there = block_ref(followed.suite.registry_anchor.w3, checkpoint.block_number)
    if now_there is None or now_there.hash != checkpoint.block_hash:
        return None, True
    return checkpoint.block_number + 1, False


def _catch_up(
    session: Session,
    followed: FollowedSuite,
    from_block: int,
    confirmations: int,
    max_blocks: int,
) -> FollowResult:
    total = FollowResult()
    while True:
        step = _apply_range(session, followed, from_block, confirmations, max_blocks)
        total = total.then(step)
        if step.caught_up or step.to_block is None:
            return total
        from_block = step.to_block + 1


def _apply_range(
    session: Session,
    followed: FollowedSuite,
    from_block: int,
    confirmations: int,
    max_blocks: int,
) -> FollowResult:
    suite = followed.suite
    w3 = suite.registry_anchor.w3
    target = suite.registry_anchor.block_number() - confirmations
    if from_block > target:
        return FollowResult()
    to_block = min(target, from_block + max_blocks - 1)
    before = block_ref(w3, to_block)
    events = suite_events(suite, from_block, to_block)
    after = block_ref(w3, to_block)
    if before is None or before != after:
        # The chain changed while we read it: apply nothing, the next cycle sees the new chain.
        return FollowResult()
    handlers = {**_imports(suite), **_registration_records(suite), **followed.handlers}
    for event in events:
        apply_event(session, event, handlers)
    chain_id = suite.registry_anchor.chain_id()
    for client in followed_clients(suite):
        checkpoint = session.get(ChainCheckpoint, (chain_id, client.address))
        if checkpoint is None:
            checkpoint = ChainCheckpoint(
                chain_id=chain_id, contract_address=client.address, block_number=0, block_hash=""
            )
            session.add(checkpoint)
        checkpoint.contract_name = client.CONTRACT_NAME
        checkpoint.block_number = to_block
        checkpoint.block_hash = before.hash
    session.flush()
    return FollowResult(
        from_block=from_block,
        to_block=to_block,
        events=len(events),
        caught_up=to_block == target,
    )


def _wipe(session: Session) -> None:
    for table in CHAIN_STATE_TABLES:
        session.execute(delete(table))


# ------------------------------------------------------------------------------ applying events


def apply_event(
    session: Session,
    event: Any,
    handlers: Mapping[type[Any], Callable[[Session, Any], None]] | None = None,
) -> None:
    """Fold one decoded suite event into the tables (events no table records are skipped);
    ``handlers`` adds those of the contexts above (see :class:`FollowedSuite`)."""
    handler = _HANDLERS.get(type(event)) or (handlers or {}).get(type(event))
    if handler is not None:
        handler(session, event)
        record_chain_event(session, event)


def asset_key(asset_id: int) -> str:
    """An asset id as stored: its 32 bytes in hex, which is its registration's leaf."""
    return asset_id.to_bytes(32, "big").hex()


def _put(session: Session, model: type[RowT], key: object, **columns: object) -> RowT:
    """The row of ``model`` whose primary key is ``key`` (a new one if missing), ``columns`` set."""
    row = session.get(model, key)
    if row is None:
        row = model(**{inspect(model).primary_key[0].key: key})
        session.add(row)
    for column, value in columns.items():
        setattr(row, column, value)
    return row


def _record_asset(
    session: Session, event: Tokenized | AssetImported, *, burned: bool, revoked: bool
) -> None:
    key = asset_key(event.asset_id)
    block = event.position.block_number
    registration = session.scalar(select(Registration.id).where(Registration.leaf == key))
    _put(
        session, ChainAsset, key, registration_id=registration, owner=event.owner,
        batch_id=event.batch_id, registered_at=event.registered_at, rights=event.rights,
        territory=event.territory, term_end=event.term_end, burned=burned, revoked=revoked,
        tokenized_block=block, updated_block=block,
    )  # fmt: skip


def _record_lien(
    session: Session, event: Pledged | LienImported, terms: Pledged | Lien, **columns: object
) -> None:
    """An active lien: who and where from ``event``, its amount and terms from ``terms``."""
    key = asset_key(event.asset_id)
    _put(
        session, ChainLien, event.lien_id, asset_id=key, lender=event.lender, rank=event.rank,
        status=ChainLienStatus.ACTIVE, amount=str(terms.amount),
        currency_code=terms.currency_code.decode("ascii"), maturity=terms.maturity,
        official_registration_no=terms.official_registration_no.hex(), enforced_to=None,
        pledged_block=event.position.block_number, ended_block=None, **columns,
    )  # fmt: skip
    _rerank(session, key)


def _record_licence(
    session: Session,
    event: LicenceGranted | LicenceImported,
    terms: LicenceGranted | Licence,
    **columns: object,
) -> None:
    """A licence: which and to whom from ``event``, what it grants from ``terms``."""
    _put(
        session, ChainLicence, event.licence_id, asset_id=asset_key(event.asset_id),
        licensee=event.licensee, rights=terms.rights, territory=terms.territory,
        starts_at=terms.start, ends_at=terms.end, exclusive=terms.exclusive,
        revocable=terms.revocable, granted_block=event.position.block_number, revoked_block=None,
        **columns,
    )  # fmt: skip


def _tokenized(session: Session, event: Tokenized) -> None:
    _record_asset(session, event, burned=False, revoked=False)


def _imports(suite: Suite) -> dict[type[Any], Callable[[Session, Any], None]]:
    """Handlers of the records a migration imported from a sealed suite (docs/contracts.md): the
    events name them; the records themselves are read from the chain as of the event's block."""
    return {
        AssetImported: lambda session, event: _asset_imported(session, event, suite),
        LienImported: lambda session, event: _lien_imported(session, event, suite),
        LicenceImported: lambda session, event: _licence_imported(session, event, suite),
    }


def _asset_imported(session: Session, event: AssetImported, suite: Suite) -> None:
    anchor = suite.registry_anchor
    leaf = event.asset_id.to_bytes(32, "big")
    # A revocation can predate the import (the anchor is shared): its event was applied before
    # this row existed, so the anchor is asked (revocations are permanent).
    revoked = anchor.is_registration_revoked(
        leaf, block=event.position.block_number
    ) or anchor.is_batch_revoked(event.batch_id)
    # An asset burnt on the sealed suite is imported as its record only (owner zero).
    _record_asset(session, event, burned=event.owner == ZERO_ADDRESS, revoked=revoked)
    # The import minted the copy (its Transfer from zero comes first in this transaction): the
    # asset was tokenized on the sealed suite, as platforms heard then; no second `tokenized`.
    session.execute(
        delete(Event).where(
            Event.type == EventType.TOKENIZED,
            Event.subject == asset_key(event.asset_id),
            Event.source_key.like(f"chain:{event.position.tx_hash}:%"),
        )
    )


def _owner_at_import(session: Session, asset_id: int) -> str:
    asset = session.get(ChainAsset, asset_key(asset_id))
    return asset.owner if asset is not None else ZERO_ADDRESS


def _lien_imported(session: Session, event: LienImported, suite: Suite) -> None:
    lien = suite.pledges.lien_of(event.lien_id, block=event.position.block_number)
    _record_lien(
        session,
        event,
        lien,
        owner=_owner_at_import(session, event.asset_id),  # who holds it encumbered
        licensing_consent=lien.licensing_consent,
    )


def _licence_imported(session: Session, event: LicenceImported, suite: Suite) -> None:
    licence = suite.licences.licence_of(event.licence_id, block=event.position.block_number)
    # The granting owner and the terms' digest are in the sealed suite's events, not its
    # storage: the licence is held from the owner at the import, and no digest is claimed.
    _record_licence(
        session,
        event,
        licence,
        licensor=_owner_at_import(session, event.asset_id),
        terms_digest="",
        revoked=licence.revoked,
    )


def _transfer(session: Session, event: Transfer) -> None:
    if event.from_ == ZERO_ADDRESS:
        return  # a mint: the Tokenized event right after it carries the whole asset
    asset = session.get(ChainAsset, asset_key(event.token_id))
    if asset is None:
        return
    asset.owner = event.to
    asset.burned = event.to == ZERO_ADDRESS
    asset.updated_block = event.position.block_number


def _registration_records(suite: Suite) -> dict[type[Any], Callable[[Session, Any], None]]:
    """Handlers of the events the registrations' own records take too, dated by their block: a
    regulator's revocations, and freezes and their lifting (made through the registry or not)."""
    at = block_times(suite.registry_anchor.w3)
    return {
        RootRevoked: lambda session, event: _root_revoked(session, event, at),
        RegistrationRevoked: lambda session, event: _registration_revoked(session, event, at),
        Frozen: lambda session, event: _frozen(session, event, at),
        Restored: lambda session, event: _restored(session, event, at),
    }


def _root_revoked(session: Session, event: RootRevoked, at: Callable[[int], datetime]) -> None:
    session.execute(
        update(ChainAsset)
        .where(ChainAsset.batch_id == event.batch_id)
        .values(revoked=True, updated_block=event.position.block_number)
    )
    # Every registration of the batch shows revoked, on every face, and each registrant hears
    # of it (a registration revoked before keeps its record and was told then).
    root, position = event.root.hex(), event.position
    leaves = session.scalars(
        select(Registration.leaf)
        .join(Batch, Registration.batch_id == Batch.id)
        .where(Batch.root == root)
    )
    recorded = record_chain_revocation(
        session, list(leaves), revoker=event.regulator, reason_digest=event.reason_digest.hex(),
        tx_hash=position.tx_hash, at=at(position.block_number), root=root,
    )  # fmt: skip
    for leaf, number in recorded.items():
        payload = {
            "number": number, "root": root, "revoker": event.regulator,
            "reason_digest": event.reason_digest.hex(), "authority": "regulator",
            "block_number": position.block_number, "tx_hash": position.tx_hash,
        }  # fmt: skip
        record_event(
            session, EventType.REGISTRATION_REVOKED, leaf, payload,
            source_key=f"chain:{position.tx_hash}:{position.log_index}:{leaf}",
        )  # fmt: skip


def _registration_revoked(
    session: Session, event: RegistrationRevoked, at: Callable[[int], datetime]
) -> None:
    # The asset id is the leaf: one registration's asset, whatever root it was tokenized under.
    leaf, position = event.leaf.hex(), event.position
    session.execute(
        update(ChainAsset)
        .where(ChainAsset.asset_id == leaf)
        .values(revoked=True, updated_block=position.block_number)
    )
    record_chain_revocation(
        session, [leaf], revoker=event.revoker, reason_digest=event.reason_digest.hex(),
        tx_hash=position.tx_hash, at=at(position.block_number),
    )  # fmt: skip


def _frozen(session: Session, event: Frozen, at: Callable[[int], datetime]) -> None:
    target, authority, position = event.target.hex(), event.authority.name.lower(), event.position
    _put(
        session, ChainFreeze, target, authority=authority, actor=event.actor,
        reason_digest=event.reason_digest.hex(), frozen_block=position.block_number,
    )  # fmt: skip
    # A freeze made on chain alone is the registration's takedown on every face too.
    record_chain_freeze(
        session, target, authority=authority, actor=event.actor,
        reason_digest=event.reason_digest, tx_hash=position.tx_hash, at=at(position.block_number),
    )  # fmt: skip


def _restored(session: Session, event: Restored, at: Callable[[int], datetime]) -> None:
    target, position = event.target.hex(), event.position
    session.execute(delete(ChainFreeze).where(ChainFreeze.target == target))
    record_chain_restore(
        session, target, actor=event.actor, tx_hash=position.tx_hash,
        at=at(position.block_number),
    )  # fmt: skip


def _licence_granted(session: Session, event: LicenceGranted) -> None:
    _record_licence(
        session, event, event, licensor=event.licensor, terms_digest=event.terms_digest.hex(),
        revoked=False,
    )  # fmt: skip


def _licence_revoked(session: Session, event: LicenceRevoked) -> None:
    licence = session.get(ChainLicence, event.licence_id)
    if licence is not None:
        licence.revoked = True
        licence.revoked_block = event.position.block_number


def _pledged(session: Session, event: Pledged) -> None:
    _record_lien(session, event, event, owner=event.owner, licensing_consent=False)


def _released(session: Session, event: Released) -> None:
    _end_lien(session, event.lien_id, ChainLienStatus.RELEASED, event.position.block_number, None)


def _enforced(session: Session, event: Enforced) -> None:
    _end_lien(
        session, event.lien_id, ChainLienStatus.ENFORCED, event.position.block_number, event.to
    )


def _end_lien(
    session: Session, lien_id: int, status: ChainLienStatus, block: int, enforced_to: str | None
) -> None:
    lien = session.get(ChainLien, lien_id)
    if lien is None:
        return
    lien.status = status
    lien.rank = None
    lien.ended_block = block
    lien.enforced_to = enforced_to
    _rerank(session, lien.asset_id)


def _update_lien(session: Session, lien_id: int, **columns: object) -> None:
    # Events about a lien the tables do not hold (never pledged under this suite) change nothing.
    lien = session.get(ChainLien, lien_id)
    if lien is not None:
        for column, value in columns.items():
            setattr(lien, column, value)


def _licensing_consent_set(session: Session, event: LicensingConsentSet) -> None:
    # A consent covers one licence (its digest); all zero withdraws it.
    _update_lien(session, event.lien_id, licensing_consent=any(event.licence_digest))


def _licensing_consent_used(session: Session, event: LicensingConsentUsed) -> None:
    _update_lien(session, event.lien_id, licensing_consent=False)


def _lender_changed(session: Session, event: LenderChanged) -> None:
    # Assignment, key rotation or recovery: the lien keeps its asset, rank and terms.
    _update_lien(session, event.lien_id, lender=event.new_lender, licensing_consent=False)


def _lien_reduced(session: Session, event: LienReduced) -> None:
    _update_lien(session, event.lien_id, amount=str(event.new_amount))


def _registration_attested(session: Session, event: RegistrationAttested) -> None:
    no = event.official_registration_no.hex()
    _update_lien(session, event.lien_id, official_registration_no=no)


def _liens_reordered(session: Session, event: LiensReordered) -> None:
    # An attested registration moved a lien among the registered ones (``LiensReordered`` gives
    # the new order); the other events keep the relative order.
    for rank, lien_id in enumerate(event.lien_ids, start=1):
        _update_lien(session, lien_id, rank=rank)


def _rerank(session: Session, asset_id: str) -> None:
    # The ones below an ended lien move up, a new lien comes last (its event's rank), and
    # otherwise liens keep their order (by creation, unless an attested registration moved one):
    # the ranks are the positions of the active liens in their current order.
    session.flush()
    active = session.scalars(
        select(ChainLien)
        .where(ChainLien.asset_id == asset_id, ChainLien.status == ChainLienStatus.ACTIVE)
        .order_by(ChainLien.rank.is_(None), ChainLien.rank, ChainLien.lien_id)
    )
    for rank, lien in enumerate(active, start=1):
        lien.rank = rank


_HANDLERS: dict[type[Any], Callable[[Session, Any], None]] = {
    Tokenized: _tokenized,
    Transfer: _transfer,
    LicenceGranted: _licence_granted,
    LicenceRevoked: _licence_revoked,
    Pledged: _pledged,
    Released: _released,
    Enforced: _enforced,
    LicensingConsentSet: _licensing_consent_set,
    LicensingConsentUsed: _licensing_consent_used,
    LenderChanged: _lender_changed,
    LienReduced: _lien_reduced,
    RegistrationAttested: _registration_attested,
    LiensReordered: _liens_reordered,
}
