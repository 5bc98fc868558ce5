"""Use cases of a publisher on its own registrations: list them, read the private content
(decrypted), publish it.

A registration is its party's (``registry.access.parties``): whichever of the party's API keys
submitted it, or, from the command line, the party whose key signed the claim. Registrations
from before parties, or from the command line with an unlinked key, belong to their submitting
key alone (or, with none, are reached with an admin key only). Admin keys act for anyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, sessionmaker

from registry.access import holder_of_address, party_pk
from registry.content import ContentProtection, ContentStore
from registry.core.errors import NotAssetOwner, NotOwnRegistration, RegistrationNotFound
from registry.core.models import Registration
from registry.core.priority import with_priority
from registry.core.views import RegistrationView, registration_view, registrations_for_views
from registry.moderation import ModerationGate
from registry.registration.publication import open_content, publish_work

MAX_PAGE = 500


@dataclass(frozen=True)
class Caller:
    """Who asks: an API key, the party it acts for, and whether it may act for everyone."""

    key_id: str
    acts_for_anyone: bool = False
    party: int | None = None

    def owns(self) -> ColumnElement[bool]:
        """The registrations that are this caller's."""
        mine = Registration.submitted_by == self.key_id
        if self.party is None:
            return mine
        return or_(Registration.party_id == self.party, mine)


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
        query = query.where(caller.owns())
    with sessions() as session:
        rows = list(session.scalars(query).unique())
        views = with_priority(session, [registration_view(r) for r in rows[:limit]])
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
    require_own(sessions, caller, number)
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
    asset_owner: Callable[[str], str | None] | None = None,
) -> datetime:
    """Publish one of the caller's private works (see
    :func:`registry.registration.publication.publish_work`). Once the work's rights asset is
    another's (``asset_owner`` of its leaf: an address no active party of the caller holds),
    the right to disseminate it went with the asset: :class:`NotAssetOwner`."""
    require_own(sessions, caller, number)
    if asset_owner is not None and not caller.acts_for_anyone:
        _refuse_unless_asset_holder(sessions, caller, number, asset_owner)
    return publish_work(sessions, store, protection, number, now=now, moderation=moderation)


def _refuse_unless_asset_holder(
    sessions: sessionmaker[Session],
    caller: Caller,
    number: str,
    asset_owner: Callable[[str], str | None],
) -> None:
    with sessions() as session:
        leaf = session.scalar(select(Registration.leaf).where(Registration.number == number))
    owner = asset_owner(leaf) if leaf is not None else None
    if owner is None:
        return
    with sessions() as session:
        holder = holder_of_address(session, owner)
        if holder is not None and party_pk(session, holder.party_id) == caller.party:
            return
    raise NotAssetOwner(
        "该作品的权利资产已属他人，只有其所有人才能公开作品 / the work's rights asset is "
        "another's: only its owner publishes the work",
        details={"number": number, "owner": owner},
    )


def require_own(sessions: sessionmaker[Session], caller: Caller, number: str) -> None:
    """:class:`NotOwnRegistration` unless ``caller`` submitted registration ``number`` (or acts
    for anyone); :class:`RegistrationNotFound` if there is none."""
    with sessions() as session:
        found = session.execute(
            select(caller.owns()).where(Registration.number == number)
        ).one_or_none()
    if found is None:
        raise RegistrationNotFound.numbered(number)
    if not caller.acts_for_anyone and not found[0]:
        raise NotOwnRegistration("this registration is another party's", details={"number": number})
