"""Use cases of a publisher on the registrations its API key submitted: list them, read the
private content (decrypted), publish it.

The key that submitted a registration is its publisher's handle in the API (the registrant's
signing key, if any, is a different thing: it signs claims, it does not call the API). Admin
keys act for anyone; registrations made from the command line have no submitting key and are
reached with an admin key only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from registry.content import ContentProtection, open_content, publish_work
from registry.content_store import ContentStore
from registry.errors import NotOwnRegistration, RegistrationNotFound
from registry.models import Registration
from registry.moderation.review import ModerationGate
from registry.views import RegistrationView, registration_view, registrations_for_views

MAX_PAGE = 500


@dataclass(frozen=True)
class Caller:
    """Who asks: an API key, and whether it may act for every publisher (admin)."""

    key_id: str
    acts_for_anyone: bool = False


@dataclass(frozen=True)
class Page:
    registrations: list[RegistrationView]
    next_after: int | None  # pass as ``after`` for the next page; None on the last page


def list_own_registrations(
    sessions: sessionmaker[Session], caller: Caller, *, limit: int = 100, after: int = 0
) -> Page:
    """The caller's registrations, oldest first, ``limit`` at a time from cursor ``after``."""
    limit = max(1, min(limit, MAX_PAGE))
    query = (
        registrations_for_views()
        .where(Registration.id > after)
        .order_by(Registration.id)
        .limit(limit + 1)
    )
    if not caller.acts_for_anyone:
        query = query.where(Registration.submitted_by == caller.key_id)
    with sessions() as session:
        rows = list(session.scalars(query).unique())
        views = [registration_view(r) for r in rows[:limit]]
        next_after = rows[limit - 1].id if len(rows) > limit else None
    return Page(views, next_after)


def open_own_content(
    sessions: sessionmaker[Session],
    store: ContentStore,
    protection: ContentProtection,
    caller: Caller,
    number: str,
) -> Iterator[bytes]:
    """The plaintext of one of the caller's works, published or private."""
    _require_own(sessions, caller, number)
    return open_content(sessions, store, protection, number)


def publish_own(
    sessions: sessionmaker[Session],
    store: ContentStore,
    protection: ContentProtection,
    caller: Caller,
    number: str,
    *,
    now: Callable[[], datetime],
    moderation: ModerationGate | None,
) -> datetime:
    """Publish one of the caller's private works (see :func:`registry.content.publish_work`)."""
    _require_own(sessions, caller, number)
    return publish_work(sessions, store, protection, number, now=now, moderation=moderation)


def _require_own(sessions: sessionmaker[Session], caller: Caller, number: str) -> None:
    with sessions() as session:
        submitted_by = session.execute(
            select(Registration.submitted_by).where(Registration.number == number)
        ).one_or_none()
    if submitted_by is None:
        raise RegistrationNotFound(f"no registration {number!r}", details={"number": number})
    if not caller.acts_for_anyone and submitted_by[0] != caller.key_id:
        raise NotOwnRegistration(
            "this registration was submitted by another key", details={"number": number}
        )
