"""Use case: is this instance working (database, chain) and how much is waiting to be anchored?"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from chain_client.connection import is_reachable
from registry.models import Registration
from registry.registration import PENDING


@dataclass(frozen=True)
class Health:
    database: bool
    chain: bool
    pending_registrations: int


def check_health(sessions: sessionmaker[Session], w3: Web3) -> Health:
    pending = -1
    try:
        with sessions() as session:
            pending = (
                session.scalar(
                    select(func.count())
                    .select_from(Registration)
                    .where(Registration.status == PENDING)
                )
                or 0
            )
        database = True
    except SQLAlchemyError:
        database = False
    return Health(database=database, chain=is_reachable(w3), pending_registrations=pending)
