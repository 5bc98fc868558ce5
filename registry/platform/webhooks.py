"""Webhooks: platforms subscribe to events and receive them signed, retried, in order per work.

The outbox (``registry.core.events``) holds every event from the transaction of its change. The
dispatcher (:func:`deliver_due`, run by ``banquan worker`` and ``banquan webhooks deliver``):

1. *fans out* new events: one ``pending`` delivery per matching active subscription;
2. *claims* what is due, under a lock, by moving its next attempt time a lease ahead (a worker
   that dies mid-pass leaves deliveries that become due again when the lease ends); per
   subscription and subject (work) only the earliest undelivered events are claimed, in event
   order, so a later event of a work never reaches a receiver before an earlier one was accepted;
   the batch is taken in turns per owning API key (each key's oldest due delivery, then each
   one's second …), so no subscriber's backlog (a replay of the whole history, say) fills it;
3. *sends* each as ``POST`` of JSON with ``X-Banquan-Event-Id``, ``X-Banquan-Timestamp`` and
   ``X-Banquan-Signature: <algorithm>=<hex HMAC(secret, timestamp + "." + body)>``; a 2xx answer
   is success, anything else (another status, a refused connection, a timeout) is retried with
   exponential backoff and jitter up to ``max_attempts``, then the delivery is ``failed`` and the
   later events of that work wait behind it until the platform replays from an event id. A
   receiver that failed rests as long as that backoff: no delivery of its subscription is
   claimed before then (new ones included), so a failing receiver costs one attempt per
   backoff, not one per pass, and holds up nobody else's.

A replay queues again what was delivered or given up; what is still pending stays as it is,
retry time included, and a replay that would queue nothing else is refused (``ReplayPending``):
replaying cannot undo a failing receiver's backoff, nor be repeated to flood the queue.

Delivery is at least once: a receiver deduplicates by ``X-Banquan-Event-Id``.

A platform's subscription hears of every work; a registrant's (made with a publisher key, bound
to its party) hears only of the works its party registered, in fan-out and in replays alike.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import random
import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from crypto.symmetric import hmac_sm3
from registry.core.background import BackgroundLoop
from registry.core.database import WriteLock, take_write_lock, unit_of_work
from registry.core.errors import (
    InvalidWebhook,
    ReplayPending,
    WebhookLimitReached,
    WebhookNotFound,
    WebhookTargetForbidden,
)
from registry.core.events import EventType
from registry.core.models import Event, Registration, WebhookDelivery, WebhookSubscription
from registry.core.settings import WEBHOOK_SUBSCRIPTIONS_PER_KEY
from registry.core.states import WEBHOOK_UNDELIVERED, WebhookDeliveryStatus
from registry.core.views import as_utc, view_of

ALGORITHMS = ("hmac-sha256", "hmac-sm3")
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
MAX_URL_LENGTH = 2000

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# What a registrant's subscription is not sent: who decided (a moderator's key id); the role that
# decided (``authority``) stays.
HIDDEN_FROM_REGISTRANTS = frozenset({"actor"})


# ------------------------------------------------------------------------------------- signing


def signature(secret: str, algorithm: str, timestamp: str, body: bytes) -> str:
    """The ``X-Banquan-Signature`` value: ``<algorithm>=<hex of HMAC(secret, ts + "." + body)>``."""
    message = timestamp.encode("ascii") + b"." + body
    key = secret.encode("utf-8")
    if algorithm == "hmac-sha256":
        mac = hmac.new(key, message, hashlib.sha256).digest()
    elif algorithm == "hmac-sm3":
        mac = hmac_sm3(key, message)
    else:
        raise InvalidWebhook(f"unknown signature algorithm {algorithm!r}")
    return f"{algorithm}={mac.hex()}"


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    header: str,
    *,
    now: datetime | None = None,
    tolerance: timedelta = timedelta(minutes=5),
) -> bool:
    """Whether ``header`` (``X-Banquan-Signature``) signs ``timestamp`` and ``body`` with
    ``secret``, and ``timestamp`` (``X-Banquan-Timestamp``) is within ``tolerance`` of ``now``.

    The header may list several ``algorithm=hex`` values separated by commas; one valid is enough.
    The timestamp check stops a captured request from being replayed later.
    """
    try:
        sent_at = datetime.fromtimestamp(int(timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        return False
    if abs((now or datetime.now(UTC)) - sent_at) > tolerance:
        return False
    for part in header.split(","):
        algorithm, _, _mac = part.strip().partition("=")
        if algorithm not in ALGORITHMS:
            continue
        expected = signature(secret, algorithm, timestamp, body)
        if hmac.compare_digest(expected.encode(), part.strip().encode()):
            return True
    return False


# ------------------------------------------------------------------------------- subscriptions


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    key_id: str
    url: str
    event_types: tuple[str, ...]
    algorithm: str
    active: bool
    created_at: datetime
    pending: int = 0
    failed: int = 0
    first_failed_event: int | None = None
    party: int | None = None  # a registrant's subscription: this party's works only


@dataclass(frozen=True)
class CreatedSubscription:
    subscription: SubscriptionView
    secret: str  # shown once
    warnings: tuple[str, ...] = ()  # accepted now, but worth knowing (zh-CN, then English)


PRIVATE_TARGET_WARNING = (
    "该地址不是公网地址：仅开发模式接受，生产环境会以 webhook_target_forbidden 拒绝。"
    " / This target is not a public address: accepted in dev mode only; outside it the"
    " subscription is refused (webhook_target_forbidden)."
)


def create_subscription(
    sessions: sessionmaker[Session],
    *,
    key_id: str,
    url: str,
    event_types: Iterable[str] | None,
    algorithm: str,
    now: Clock,
    allow_private_targets: bool = False,
    party: int | None = None,
    limit: int = WEBHOOK_SUBSCRIPTIONS_PER_KEY,
) -> CreatedSubscription:
    """Subscribe ``url`` to events of ``event_types`` (all when ``None``) recorded from now on;
    with ``party``, only the events of the works that party registered. A key holds at most
    ``limit`` subscriptions (:class:`WebhookLimitReached`): each is a delivery of every event it
    hears, so a key's subscriptions would otherwise multiply the dispatcher's work at will.

    Unless ``allow_private_targets``, the URL's host must resolve to public addresses only: a
    platform's key must not make the registry post to its own network (SSRF); where they are
    allowed (dev mode), such a target is accepted with a warning that production refuses it.
    """
    checked_url = _checked_url(url)
    warnings: tuple[str, ...] = ()
    try:
        refuse_private_target(checked_url)
    except WebhookTargetForbidden:
        if not allow_private_targets:
            raise
        warnings = (PRIVATE_TARGET_WARNING,)
    types = _checked_types(event_types)
    if algorithm not in ALGORITHMS:
        raise InvalidWebhook(
            f"unknown signature algorithm {algorithm!r}",
            details={"field": "algorithm", "known": list(ALGORITHMS)},
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with unit_of_work(sessions) as session:
        take_write_lock(session, WriteLock.WEBHOOK_SUBSCRIPTIONS)  # counted and added as one
        held = session.scalar(select(func.count()).where(WebhookSubscription.key_id == key_id)) or 0
        if held >= limit:
            raise WebhookLimitReached(
                f"每个 API 密钥最多 {limit} 个订阅，请先删除不用的订阅 / an API key holds at "
                f"most {limit} webhook subscriptions: delete one first",
                details={"limit": limit, "held": held},
            )
        last_event = session.scalar(select(func.max(Event.id))) or 0
        row = WebhookSubscription(
            key_id=key_id,
            url=checked_url,
            event_types=",".join(types),
            secret=secret,
            algorithm=algorithm,
            active=True,
            after_event_id=last_event,
            created_at=now(),
            party_id=party,
        )
        session.add(row)
        session.flush()
        return CreatedSubscription(_view(row), secret, warnings)


def list_subscriptions(
    sessions: sessionmaker[Session], *, key_id: str | None
) -> list[SubscriptionView]:
    """The subscriptions of API key ``key_id`` (every one when ``None``), with delivery counts."""
    with sessions() as session:
        query = select(WebhookSubscription).order_by(WebhookSubscription.id)
        if key_id is not None:
            query = query.where(WebhookSubscription.key_id == key_id)
        rows = list(session.scalars(query))
        counts: dict[tuple[int, str], tuple[int, int]] = {
            (sub_id, status): (count, first)
            for sub_id, status, count, first in session.execute(
                select(
                    WebhookDelivery.subscription_id,
                    WebhookDelivery.status,
                    func.count(),
                    func.min(WebhookDelivery.event_id),
                )
                .where(WebhookDelivery.status.in_(WEBHOOK_UNDELIVERED))
                .group_by(WebhookDelivery.subscription_id, WebhookDelivery.status)
            )
        }
    views = []
    for row in rows:
        pending = counts.get((row.id, WebhookDeliveryStatus.PENDING), (0, 0))[0]
        failed, first_failed = counts.get((row.id, WebhookDeliveryStatus.FAILED), (0, 0))
        views.append(_view(row, pending=pending, failed=failed, first_failed=first_failed or None))
    return views


def delete_subscription(
    sessions: sessionmaker[Session], subscription_id: int, *, key_id: str | None
) -> None:
    """Delete the subscription and its deliveries; another key's subscription is not found."""
    with unit_of_work(sessions) as session:
        _owned(session, subscription_id, key_id)
        session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
        )
        session.execute(
            delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
        )


@dataclass(frozen=True)
class Replayed:
    """What a replay did: ``queued`` deliveries queued again (or for the first time), and
    ``pending`` ones left as they were (still waiting or retrying: they will be sent)."""

    queued: int
    pending: int


def replay(
    sessions: sessionmaker[Session],
    subscription_id: int,
    *,
    key_id: str | None,
    from_event: int,
    now: Clock,
) -> Replayed:
    """Deliver again every event of the subscription's types from event id ``from_event`` on
    (delivered or failed ones included, and events from before it was created).

    A delivery still pending is queued already: it is left as it is, its retry time included
    (a replay does not hurry a failing receiver's retries). :class:`ReplayPending` when every
    delivery the replay asks for is still pending: nothing would be queued."""
    if from_event < 1:
        raise InvalidWebhook(
            "from_event is an event id (1 or more)", details={"field": "from_event"}
        )
    with unit_of_work(sessions) as session:
        take_write_lock(session, WriteLock.WEBHOOK)
        subscription = _owned(session, subscription_id, key_id)
        types = subscription.event_types.split(",")
        existing = {
            d.event_id: d
            for d in session.scalars(
                select(WebhookDelivery).where(
                    WebhookDelivery.subscription_id == subscription_id,
                    WebhookDelivery.event_id >= from_event,
                )
            )
        }
        queued = pending = 0
        at = now()
        query = (
            select(Event.id, Event.subject)
            .where(Event.id >= from_event, Event.type.in_(types))
            .order_by(Event.id)
        )
        if subscription.party_id is not None:
            query = query.where(Event.subject.in_(_party_subjects(subscription.party_id)))
        for event_id, subject in session.execute(query):
            delivery = existing.get(event_id)
            if delivery is None:
                session.add(_new_delivery(subscription_id, event_id, subject, at))
            elif delivery.status == WebhookDeliveryStatus.PENDING:
                pending += 1
                continue
            else:
                delivery.status = WebhookDeliveryStatus.PENDING
                delivery.attempts = 0
                delivery.next_attempt_at = at
                delivery.last_error = None
                delivery.delivered_at = None
            queued += 1
        if pending and not queued:
            raise ReplayPending(
                "重放请求的事件仍在投递队列中（等待或重试），将按时发送；投递成功或放弃后方可重放"
                " / every event this replay asks for is still pending (waiting or retrying) and"
                " will be sent: replay once it was delivered or given up",
                details={"id": subscription_id, "from_event": from_event, "pending": pending},
            )
        return Replayed(queued, pending)


def _party_subjects(party: int) -> Select[str]:
    """The subjects (registration leaves, which are also asset ids) of ``party``'s works."""
    return select(Registration.leaf).where(Registration.party_id == party)


def _owned(session: Session, subscription_id: int, key_id: str | None) -> WebhookSubscription:
    row = session.get(WebhookSubscription, subscription_id)
    if row is None or (key_id is not None and row.key_id != key_id):
        raise WebhookNotFound(
            f"no webhook subscription {subscription_id}", details={"id": subscription_id}
        )
    return row


def _checked_url(url: str) -> str:
    url = url.strip()
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if (
        parsed is None
        or parsed.scheme not in ("http", "https")
        or not parsed.host
        or len(url) > MAX_URL_LENGTH
        or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url)
    ):
        raise InvalidWebhook(
            "the webhook URL must be an absolute http(s) URL", details={"field": "url"}
        )
    return url


def refuse_private_target(url: str) -> None:
    """Raise :class:`WebhookTargetForbidden` unless every address of ``url``'s host is a public
    (globally routable) one: loopback, private, link-local (cloud metadata), shared, reserved and
    multicast addresses are refused, as are hosts that do not resolve."""
    parsed = httpx.URL(url)
    host = parsed.host
    try:
        answers = socket.getaddrinfo(host, parsed.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookTargetForbidden(
            f"the webhook host {host!r} does not resolve", details={"host": host}
        ) from exc
    for *_, address in answers:
        ip = ipaddress.ip_address(str(address[0]).split("%", 1)[0])
        if not _is_public(ip):
            raise WebhookTargetForbidden(
                "the webhook host resolves to a non-public address",
                details={"host": host, "address": str(ip)},
            )


# IPv6 prefixes whose last 32 bits are an IPv4 address a translator delivers to: NAT64's
# well-known prefix (RFC 6052) and SIIT's (RFC 6145); ``ipaddress`` unwraps the mapped, 6to4 and
# Teredo forms itself.
_TRANSLATED_V4 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("::ffff:0:0:0/96"))
# NAT64 for local use (RFC 8215): the IPv4 address sits elsewhere in it, and it is never global.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """``ip`` is globally routable, and so is every IPv4 address it carries for a translator or
    tunnel to deliver to: an IPv6 address ``is_global`` accepts may still lead to 10.0.0.1 or
    169.254.169.254."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip.is_global
    if ip.ipv4_mapped is not None:  # the IPv4 address itself, as the resolver gave it
        return ip.ipv4_mapped.is_global
    if ip in _LOCAL_NAT64:
        return False
    carried = [ip.sixtofour] if ip.sixtofour is not None else []
    if ip.teredo is not None:
        carried.append(ip.teredo[1])  # the client's address
    if any(ip in network for network in _TRANSLATED_V4) or int(ip) >> 32 == 0:
        # Translated, or IPv4-compatible (::a.b.c.d, deprecated but still routed by some).
        carried.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return ip.is_global and all(v4.is_global for v4 in carried)


def _checked_types(names: Iterable[str] | None) -> list[str]:
    if names is None:
        return [t.value for t in EventType]
    known = {t.value for t in EventType}
    given = [name.strip() for name in names]
    unknown = sorted(set(given) - known)
    if unknown or not given:
        raise InvalidWebhook(
            f"unknown event types: {', '.join(unknown)}" if unknown else "no event types given",
            details={"field": "event_types", "unknown": unknown, "known": sorted(known)},
        )
    return sorted(set(given))


def _view(
    row: WebhookSubscription, *, pending: int = 0, failed: int = 0, first_failed: int | None = None
) -> SubscriptionView:
    return view_of(
        SubscriptionView,
        row,
        event_types=tuple(row.event_types.split(",")),
        pending=pending,
        failed=failed,
        first_failed_event=first_failed,
        party=row.party_id,
    )


def _new_delivery(
    subscription_id: int, event_id: int, subject: str, at: datetime
) -> WebhookDelivery:
    return WebhookDelivery(
        subscription_id=subscription_id,
        event_id=event_id,
        subject=subject,
        status=WebhookDeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=at,
        created_at=at,
    )


# ------------------------------------------------------------------------------------ delivery


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retries: the n-th failed attempt waits ``min(cap, base * 2**(n-1))``, of which a random
    half is taken off (jitter), so receivers coming back are not hit by every sender at once."""

    base_delay: timedelta = timedelta(seconds=10)
    max_delay: timedelta = timedelta(hours=1)
    max_attempts: int = 12
    timeout: float = 10.0
    lease: timedelta = timedelta(minutes=10)
    batch_size: int = 500
    # Checked again at every delivery: a name may resolve elsewhere than when it was subscribed.
    allow_private_targets: bool = False

    def backoff(self, attempts: int, jitter: float) -> timedelta:
        """The wait after the ``attempts``-th failure; ``jitter`` in [0, 1)."""
        full = min(self.max_delay, self.base_delay * (1 << min(attempts - 1, 30)))
        return full / 2 + full / 2 * jitter


@dataclass
class DeliveryReport:
    """What one pass of the dispatcher did."""

    fanned_out: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Outgoing:
    delivery_id: int
    subscription_id: int
    event_id: int
    event_type: str
    url: str
    secret: str
    algorithm: str
    body: bytes
    attempts: int
    due_at: datetime


def deliver_due(
    sessions: sessionmaker[Session],
    http_client: httpx.Client,
    now: Clock,
    *,
    policy: DeliveryPolicy = DeliveryPolicy(),
    jitter: Callable[[], float] = random.random,
) -> DeliveryReport:
    """One pass: fan new events out, then send up to ``batch_size`` due deliveries, taken in
    turns per owning key (in event order per subscription and work). The client's timeout
    bounds each request; a receiver that fails rests until its retry."""
    report = DeliveryReport(fanned_out=fan_out(sessions, now=now, batch_size=policy.batch_size))
    chains = _claim(sessions, now=now, policy=policy)
    resting: set[int] = set()  # subscriptions whose receiver failed in this pass
    for chain in chains:
        for outgoing in chain:
            if outgoing.subscription_id in resting:
                _release(sessions, outgoing)
                continue
            error = _send(http_client, outgoing, now(), policy.allow_private_targets)
            _record(sessions, outgoing, error, now=now, policy=policy, jitter=jitter, report=report)
            if error is not None:
                resting.add(outgoing.subscription_id)
    return report


def fan_out(sessions: sessionmaker[Session], *, now: Clock, batch_size: int = 500) -> int:
    """One pending delivery per new event and matching active subscription; how many."""
    created = 0
    while True:
        with unit_of_work(sessions) as session:
            take_write_lock(session, WriteLock.WEBHOOK)
            events = list(
                session.scalars(
                    select(Event)
                    .where(Event.fanned_out.is_(False))
                    .order_by(Event.id)
                    .limit(batch_size)
                )
            )
            if not events:
                return created
            subscriptions = list(
                session.scalars(select(WebhookSubscription).where(WebhookSubscription.active))
            )
            replayed = set(
                session.execute(
                    select(WebhookDelivery.subscription_id, WebhookDelivery.event_id).where(
                        WebhookDelivery.event_id.in_([e.id for e in events])
                    )
                )
            )
            # Whose work each event is about, for the registrants' subscriptions.
            party_of: dict[str, int | None] = {
                row.leaf: row.party_id
                for row in session.execute(
                    select(Registration.leaf, Registration.party_id).where(
                        Registration.leaf.in_({e.subject for e in events})
                    )
                )
            }
            at = now()
            for event in events:
                for subscription in subscriptions:
                    if (
                        event.id > subscription.after_event_id
                        and event.type in subscription.event_types.split(",")
                        and (subscription.id, event.id) not in replayed
                        and (
                            subscription.party_id is None
                            or party_of.get(event.subject) == subscription.party_id
                        )
                    ):
                        session.add(_new_delivery(subscription.id, event.id, event.subject, at))
                        created += 1
                event.fanned_out = True
            if len(events) < batch_size:
                return created


def _claim(
    sessions: sessionmaker[Session], *, now: Clock, policy: DeliveryPolicy
) -> list[list[_Outgoing]]:
    """Lease up to ``batch_size`` due deliveries, as chains per subscription and subject in
    event order.

    They are taken in turns per owning API key: every key's oldest due delivery, then every
    key's second, and so on (oldest first within a turn). A key whose subscriptions hold a
    large backlog (a replay of the whole history) gets its turn like any other and never fills
    the batch while others have something due. Each key's share is its oldest due deliveries,
    so a subscription's claimed ones are always its earliest due ones.

    A subscription whose receiver rests (see :func:`_record`) is passed over: none of its
    deliveries is sent before the rest ends, those fanned out meanwhile included."""
    with unit_of_work(sessions) as session:
        take_write_lock(session, WriteLock.WEBHOOK)
        at = now()
        # Subscriptions whose receiver rests: a delivery failed and its retry is still to come.
        resting = select(WebhookDelivery.subscription_id).where(
            WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
            WebhookDelivery.last_error.is_not(None),
            WebhookDelivery.next_attempt_at > at,
        )
        turns = (
            select(
                WebhookDelivery.id.label("delivery_id"),
                func.row_number()
                .over(
                    partition_by=WebhookSubscription.key_id,
                    order_by=(WebhookDelivery.event_id, WebhookDelivery.id),
                )
                .label("turn"),
            )
            .join(WebhookSubscription, WebhookDelivery.subscription_id == WebhookSubscription.id)
            .where(
                WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= at,
                WebhookSubscription.active,
                WebhookSubscription.id.not_in(resting),
            )
            .subquery()
        )
        due = list(
            session.execute(
                select(WebhookDelivery, WebhookSubscription, Event)
                .join(turns, turns.c.delivery_id == WebhookDelivery.id)
                .join(
                    WebhookSubscription, WebhookDelivery.subscription_id == WebhookSubscription.id
                )
                .join(Event, WebhookDelivery.event_id == Event.id)
                .order_by(turns.c.turn, WebhookDelivery.event_id, WebhookDelivery.id)
                .limit(policy.batch_size)
            )
        )
        # The earliest event per subscription and work that holds the later ones back: one that
        # failed for good, or one waiting for its retry (or leased by another dispatcher).
        first_blocking = {
            (sub_id, subject): event_id
            for sub_id, subject, event_id in session.execute(
                select(
                    WebhookDelivery.subscription_id,
                    WebhookDelivery.subject,
                    func.min(WebhookDelivery.event_id),
                )
                .where(
                    or_(
                        WebhookDelivery.status == WebhookDeliveryStatus.FAILED,
                        (WebhookDelivery.status == WebhookDeliveryStatus.PENDING)
                        & (WebhookDelivery.next_attempt_at > at),
                    )
                )
                .group_by(WebhookDelivery.subscription_id, WebhookDelivery.subject)
            )
        }
        chains: dict[tuple[int, str], list[_Outgoing]] = {}
        lease_end = at + policy.lease
        for delivery, subscription, event in due:
            key = (delivery.subscription_id, delivery.subject)
            blocking = first_blocking.get(key)
            if blocking is not None and blocking < delivery.event_id:
                continue
            due_at = as_utc(delivery.next_attempt_at)
            chains.setdefault(key, []).append(
                _Outgoing(
                    delivery_id=delivery.id,
                    subscription_id=subscription.id,
                    event_id=event.id,
                    event_type=event.type,
                    url=subscription.url,
                    secret=subscription.secret,
                    algorithm=subscription.algorithm,
                    body=_body(event, for_registrant=subscription.party_id is not None),
                    attempts=delivery.attempts,
                    due_at=due_at,
                )
            )
            delivery.next_attempt_at = lease_end
        return list(chains.values())


def _body(event: Event, *, for_registrant: bool = False) -> bytes:
    data = json.loads(event.payload_json)
    if for_registrant:
        data = {key: value for key, value in data.items() if key not in HIDDEN_FROM_REGISTRANTS}
    document = {
        "id": event.id,
        "type": event.type,
        "subject": event.subject,
        "created_at": as_utc(event.created_at).isoformat(),
        "data": data,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _send(
    client: httpx.Client, outgoing: _Outgoing, at: datetime, allow_private_targets: bool
) -> str | None:
    """POST one event; ``None`` when the receiver accepted it (2xx), else what went wrong."""
    if not allow_private_targets:
        try:
            refuse_private_target(outgoing.url)
        except WebhookTargetForbidden as exc:
            return f"refused: {exc}"
    timestamp = str(int(at.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "banquan-webhooks/1",
        "X-Banquan-Event-Id": str(outgoing.event_id),
        "X-Banquan-Event-Type": outgoing.event_type,
        "X-Banquan-Timestamp": timestamp,
        "X-Banquan-Signature": signature(
            outgoing.secret, outgoing.algorithm, timestamp, outgoing.body
        ),
    }
    try:
        response = client.post(outgoing.url, content=outgoing.body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:1000]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def _record(
    sessions: sessionmaker[Session],
    outgoing: _Outgoing,
    error: str | None,
    *,
    now: Clock,
    policy: DeliveryPolicy,
    jitter: Callable[[], float],
    report: DeliveryReport,
) -> None:
    """Record the attempt. A failed one is retried after its backoff, and its receiver rests
    until then: while a pending delivery of a subscription carries an error and its retry is
    to come, no other delivery of that subscription is claimed. A failing receiver is so tried
    once per backoff, not once per pass (once the delivery is given up, the others go on)."""
    with unit_of_work(sessions) as session:
        delivery = session.get(WebhookDelivery, outgoing.delivery_id)
        if delivery is None:  # the subscription was deleted meanwhile
            return
        at = now()
        delivery.attempts += 1
        if error is None:
            delivery.status = WebhookDeliveryStatus.DELIVERED
            delivery.delivered_at = at
            delivery.last_error = None
            report.delivered += 1
            return
        delivery.last_error = error
        report.errors.append(f"event {outgoing.event_id} to {outgoing.url}: {error}")
        if delivery.attempts >= policy.max_attempts:
            delivery.status = WebhookDeliveryStatus.FAILED
            report.failed += 1
            log.warning(
                "webhook %s: gave up on event %s: %s",
                outgoing.subscription_id,
                outgoing.event_id,
                error,
            )
        else:
            delivery.next_attempt_at = at + policy.backoff(delivery.attempts, jitter())
            report.retrying += 1


def _release(sessions: sessionmaker[Session], outgoing: _Outgoing) -> None:
    """Give a claimed delivery back untried (its receiver failed earlier in this pass, and rests:
    it is due still, but not claimed before the rest ends)."""
    with unit_of_work(sessions) as session:
        delivery = session.get(WebhookDelivery, outgoing.delivery_id)
        if delivery is not None and delivery.status == WebhookDeliveryStatus.PENDING:
            delivery.next_attempt_at = outgoing.due_at


class WebhookDispatcher(BackgroundLoop):
    """Runs :func:`deliver_due` every ``interval`` seconds in a background thread, beside the
    anchoring loop of ``banquan worker`` (a slow receiver never holds up anchoring)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        now: Clock,
        interval: float = 2.0,
        policy: DeliveryPolicy = DeliveryPolicy(),
    ) -> None:
        super().__init__(
            interval=interval,
            thread_name="banquan-webhooks",
            log=log,
            what="webhook delivery pass",
            stop_timeout=60.0,
        )
        self._sessions = sessions
        self._now = now
        self._policy = policy
        self._client: httpx.Client | None = None

    def run_forever(self) -> None:
        """The passes share one HTTP client, closed when the loop ends."""
        with httpx.Client(timeout=self._policy.timeout) as client:
            self._client = client
            try:
                super().run_forever()
            finally:
                self._client = None

    def run_once(self) -> DeliveryReport:
        if self._client is None:
            with httpx.Client(timeout=self._policy.timeout) as client:
                return deliver_due(self._sessions, client, self._now, policy=self._policy)
        return deliver_due(self._sessions, self._client, self._now, policy=self._policy)
