"""Operational figures read from the database, so that every API process reports the state of
the whole deployment (the worker processes write it; nobody has to scrape them separately)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from registry.core.models import Batch, Registration
from registry.core.states import RegistrationStatus
from registry.core.views import as_utc


@dataclass(frozen=True)
class RegistryFigures:
    registrations_by_status: dict[str, int]
    batches_by_status: dict[str, int]
    anchored_leaves: int
    anchored_batches: int
    oldest_pending_age_seconds: float
    recent_anchoring_seconds: list[float]


def registry_figures(
    sessions: sessionmaker[Session], *, now: datetime, recent: int = 100
) -> RegistryFigures:
    """Counts by status, the age of the oldest registration waiting to be anchored (batch lag),
    and how long the most recent batches took from sealing to their block."""
    with sessions() as session:
        registrations = {
            row[0]: row[1]
            for row in session.execute(
                select(Registration.status, func.count()).group_by(Registration.status)
            )
        }
        batches = {
            row[0]: row[1]
            for row in session.execute(select(Batch.status, func.count()).group_by(Batch.status))
        }
        anchored_leaves, anchored_batches = session.execute(
            select(func.coalesce(func.sum(Batch.leaf_count), 0), func.count()).where(
                Batch.anchored_at.is_not(None)
            )
        ).one()
        oldest = session.scalar(
            select(func.min(Registration.created_at)).where(
                Registration.status == RegistrationStatus.PENDING
            )
        )
        latencies = [
            (as_utc(anchored) - as_utc(created)).total_seconds()
            for created, anchored in session.execute(
                select(Batch.created_at, Batch.anchored_at)
                .where(Batch.anchored_at.is_not(None))
                .order_by(Batch.id.desc())
                .limit(recent)
            )
            if anchored is not None
        ]
    return RegistryFigures(
        registrations_by_status={str(k): int(v) for k, v in registrations.items()},
        batches_by_status={str(k): int(v) for k, v in batches.items()},
        anchored_leaves=int(anchored_leaves),
        anchored_batches=int(anchored_batches),
        oldest_pending_age_seconds=(now - as_utc(oldest)).total_seconds() if oldest else 0.0,
        recent_anchoring_seconds=latencies,
    )
