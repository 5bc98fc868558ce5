"""Use case: is this instance working (database, chain, content store) and how far behind is
anchoring?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from chain_client.connection import is_reachable
from registry.content import ContentStore
from registry.core.models import Registration
from registry.core.states import RegistrationStatus
from registry.core.views import as_utc


@dataclass(frozen=True)
class Health:
    database: bool
    chain: bool
    content_store: bool
    pending_registrations: int
    batch_lag_seconds: float = 0.0

    @property
    def serving(self) -> bool:
        """Registrations can be accepted: they need the database and the content store. A chain
        outage only delays anchoring."""
        return self.database and self.content_store


def check_health(
    sessions: sessionmaker[Session],
    w3: Web3,
    store: ContentStore,
    now: Callable[[], datetime],
) -> Health:
    """Each part asked once; an unreachable part is reported, never raised."""
    pending, lag = -1, 0.0
    try:
        with sessions() as session:
            pending, oldest = session.execute(
                select(func.count(), func.min(Registration.created_at)).where(
                    Registration.status == RegistrationStatus.PENDING
                )
            ).one()
        database = True
        if oldest is not None:
            lag = max(0.0, (now() - as_utc(oldest)).total_seconds())
    except SQLAlchemyError:
        database = False
    return Health(
        database=database,
        chain=is_reachable(w3),
        content_store=store.is_available(),
        pending_registrations=pending,
        batch_lag_seconds=lag,
    )
