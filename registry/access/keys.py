"""API keys, their scopes, and the audit log of writes.

A key is shown once, as ``bq_<key id>_<secret>``; only the SHA-256 of the secret is stored (the
secret is 32 random bytes, so a plain hash is enough — nothing to brute-force). Each key holds
scopes by role (publisher, platform, lender, moderator, regulator, operator, admin) and may be
restricted to client IP networks.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crypto.errors import CryptoError
from crypto.signing import PublicKey, Signature, public_key_from_json, public_key_to_json, verify
from registry.access.parties import (
    active_party,
    create_party,
    key_identifier,
    key_spellings,
    stop_webhooks,
)
from registry.core.database import unit_of_work
from registry.core.errors import (
    ApiKeyNotFound,
    InvalidInput,
    IpNotAllowed,
    MissingScope,
    PartyRevoked,
    ReplayedRequest,
    RequestSignatureInvalid,
    SignerOfAnotherParty,
    StaleRequest,
    Unauthenticated,
)
from registry.core.group_commit import GroupCommitter
from registry.core.models import ApiKey, AuditEntry, PartyKey, RequestNonce

KEY_PREFIX = "bq"
# How far a signed request's timestamp may be from the registry's clock.
SIGNED_REQUEST_WINDOW = timedelta(minutes=5)


class Scope(enum.StrEnum):
    PUBLISHER = "publisher"
    PLATFORM = "platform"
    LENDER = "lender"
    MODERATOR = "moderator"
    REGULATOR = "regulator"
    OPERATOR = "operator"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key's id, name and scopes, and the party it acts for."""

    key_id: str
    name: str
    scopes: frozenset[Scope]
    signing_key: PublicKey | None = None
    party: int | None = None  # the party's row id (keys from before parties have none)

    def require(self, scope: Scope) -> None:
        """Raise :class:`MissingScope` unless the key holds ``scope`` (or is an admin key)."""
        if scope not in self.scopes and Scope.ADMIN not in self.scopes:
            raise MissingScope(
                f"this key lacks the {scope.value!r} scope",
                details={"required": scope.value, "held": sorted(s.value for s in self.scopes)},
            )


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    name: str
    scopes: tuple[str, ...]
    secret: str  # the full key text; shown once, never stored
    party: str


def parse_scopes(names: Iterable[str]) -> frozenset[Scope]:
    try:
        scopes = frozenset(Scope(name.strip()) for name in names if name.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"unknown scope: {exc}", details={"known": [s.value for s in Scope]}
        ) from exc
    if not scopes:
        raise InvalidInput(
            "a key needs at least one scope", details={"known": [s.value for s in Scope]}
        )
    return scopes


def parse_networks(values: Iterable[str]) -> list[str]:
    """Client networks (``10.1.0.0/16``, an address) as stored; :class:`InvalidInput`."""
    networks = []
    for value in values:
        if not value.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise InvalidInput(
                f"not a client network: {value!r}", details={"field": "ip_allowlist"}
            ) from None
    return networks


def parse_signing_key(value: object) -> PublicKey:
    """A public key as JSON (``{"algorithm", "public_key", "sm2_id"?}``); :class:`InvalidInput`."""
    try:
        return public_key_from_json(value)
    except CryptoError as exc:
        raise InvalidInput(f"not a usable public key: {exc}") from exc


def create_api_key(
    sessions: sessionmaker[Session],
    *,
    name: str,
    scopes: Iterable[str],
    now: Callable[[], datetime],
    ip_allowlist: Iterable[str] = (),
    signing_key: PublicKey | None = None,
    party: str | None = None,
) -> IssuedKey:
    """A new key with ``scopes`` acting for ``party`` (a new party named ``name`` when none is
    given); the returned ``secret`` is the only copy of the key text. A ``signing_key`` that is
    a party key must be an active key of this very party: :class:`PartyRevoked` for a revoked
    one, :class:`SignerOfAnotherParty` for another party's (a key of no party is accepted)."""
    parsed = parse_scopes(scopes)
    networks = parse_networks(ip_allowlist)
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    if party is None:
        if signing_key is not None:  # before the new party exists: it holds no key yet
            with sessions() as session:
                _check_signing_key(session, signing_key, None)
        party = create_party(sessions, public_name=name, now=now).party_id
    with unit_of_work(sessions) as session:
        party_row = active_party(session, party).id
        if signing_key is not None:
            _check_signing_key(session, signing_key, party_row)
        session.add(
            ApiKey(
                key_id=key_id,
                name=name,
                secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
                scopes=",".join(sorted(s.value for s in parsed)),
                ip_allowlist=",".join(networks) or None,
                signing_key=json.dumps(public_key_to_json(signing_key)) if signing_key else None,
                party_id=party_row,
                created_at=now(),
            )
        )
    return IssuedKey(
        key_id,
        name,
        tuple(sorted(s.value for s in parsed)),
        f"{KEY_PREFIX}_{key_id}_{secret}",
        party,
    )


def _signing_key_links(session: Session, signing_key: PublicKey) -> list[tuple[int, bool]]:
    """The party keys ``signing_key`` stands for, as (party row, revoked), under any of its
    spellings (:func:`key_spellings`)."""
    spellings = key_spellings(signing_key)
    rows = session.execute(
        select(PartyKey.party_id, PartyKey.revoked_at).where(PartyKey.identifier.in_(spellings))
    )
    return [(party, revoked_at is not None) for party, revoked_at in rows]


def _check_signing_key(session: Session, signing_key: PublicKey, party_row: int | None) -> None:
    for party, revoked in _signing_key_links(session, signing_key):
        if revoked:
            raise PartyRevoked(
                "this signing key was revoked: it signs nothing more, requests included",
                details={"key": key_identifier(signing_key)[:80]},
            )
        if party != party_row:
            raise SignerOfAnotherParty(
                "this signing key is linked to another party than the API key's",
                details={"key": key_identifier(signing_key)[:80]},
            )


def revoke_api_key(
    sessions: sessionmaker[Session], key_id: str, *, now: Callable[[], datetime]
) -> None:
    with unit_of_work(sessions) as session:
        key = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
        if key is None:
            raise ApiKeyNotFound(f"no API key {key_id!r}", details={"key_id": key_id})
        key.revoked_at = key.revoked_at or now()
        stop_webhooks(session, [key_id])


# The columns alone, without an ORM entity, in a statement made once: every request asks.
_PRESENTED_KEY = select(
    ApiKey.secret_sha256,
    ApiKey.revoked_at,
    ApiKey.ip_allowlist,
    ApiKey.signing_key,
    ApiKey.scopes,
    ApiKey.name,
    ApiKey.party_id,
).where(ApiKey.key_id == bindparam("key_id"))


def authenticate(
    sessions: sessionmaker[Session], presented: str | None, *, client_ip: str | None
) -> Principal:
    """The principal of the key text ``presented``; :class:`Unauthenticated` for a missing,
    malformed, unknown or revoked key, :class:`IpNotAllowed` from outside its networks."""
    if not presented:
        raise Unauthenticated("an API key is required: Authorization: Bearer bq_…")
    prefix, _, rest = presented.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or not key_id or not secret:
        raise Unauthenticated("malformed API key")
    with sessions() as session:
        key = session.execute(_PRESENTED_KEY, {"key_id": key_id}).one_or_none()
    digest = hashlib.sha256(secret.encode()).hexdigest()
    if key is None or not hmac.compare_digest(digest, key.secret_sha256):
        raise Unauthenticated("unknown API key")
    if key.revoked_at is not None:
        raise Unauthenticated("this API key was revoked", details={"key_id": key_id})
    if key.ip_allowlist:
        networks = [ipaddress.ip_network(n) for n in key.ip_allowlist.split(",")]
        address = ipaddress.ip_address(client_ip) if client_ip else None
        if address is None or not any(address in network for network in networks):
            raise IpNotAllowed(
                "this API key may not be used from this address",
                details={"client_ip": client_ip},
            )
    signing = public_key_from_json(json.loads(key.signing_key)) if key.signing_key else None
    scopes = frozenset(Scope(s) for s in key.scopes.split(","))
    return Principal(key_id, key.name, scopes, signing, key.party_id)


def request_signing_message(
    method: str, path: str, body: bytes, timestamp: str, nonce: str
) -> bytes:
    """What a client signs: method, path (with ``?`` and the query string as sent, when there is
    one), SHA-256 of the body, timestamp and nonce, one a line."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{digest}\n{timestamp}\n{nonce}".encode()


def check_signed_request(
    sessions: sessionmaker[Session],
    principal: Principal,
    *,
    method: str,
    path: str,
    body: bytes,
    timestamp: str | None,
    nonce: str | None,
    signature: str | None,
    now: Callable[[], datetime],
) -> None:
    """For a key that must sign its requests: the signature is its key's over this very request,
    the timestamp within ``SIGNED_REQUEST_WINDOW`` of now, the nonce never seen before, and the
    signing key not a revoked party key (:class:`Unauthenticated`: the API key can sign with no
    other, so it authenticates nothing more)."""
    if principal.signing_key is None:
        return
    if not (timestamp and nonce and signature):
        raise RequestSignatureInvalid(
            "this key's requests must be signed: X-Banquan-Timestamp, -Nonce and -Signature"
        )
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise RequestSignatureInvalid("X-Banquan-Timestamp is Unix seconds") from None
    moment = now()
    if abs(moment.timestamp() - sent_at) > SIGNED_REQUEST_WINDOW.total_seconds():
        raise StaleRequest(
            "the request's timestamp is too far from the registry's clock",
            details={"server_time": int(moment.timestamp())},
        )
    if not 8 <= len(nonce) <= 64:
        raise RequestSignatureInvalid("X-Banquan-Nonce must be 8 to 64 characters")
    message = request_signing_message(method, path, body, timestamp, nonce)
    try:
        valid = verify(principal.signing_key, message, Signature.from_text(signature))
    except CryptoError:
        valid = False
    if not valid:
        raise RequestSignatureInvalid("the request signature does not verify")
    try:
        with unit_of_work(sessions) as session:
            if any(revoked for _, revoked in _signing_key_links(session, principal.signing_key)):
                raise Unauthenticated(
                    "the key that signs this API key's requests was revoked",
                    details={"key_id": principal.key_id, "reason": "signing_key_revoked"},
                )
            session.execute(
                delete(RequestNonce).where(
                    RequestNonce.seen_at < moment - 2 * SIGNED_REQUEST_WINDOW
                )
            )
            session.add(RequestNonce(key_id=principal.key_id, nonce=nonce, seen_at=moment))
    except IntegrityError:
        raise ReplayedRequest("this nonce was used already", details={"nonce": nonce}) from None


def record_write(
    sessions: sessionmaker[Session],
    *,
    key_id: str | None,
    method: str,
    path: str,
    status: int,
    now: Callable[[], datetime],
    committer: GroupCommitter | None = None,
) -> None:
    """One line of the audit log: who wrote what, and how it ended; kept (committed) on return.

    With a ``committer`` the line shares the durable commit of whatever else concurrent requests
    commit meanwhile: on its own, each write request paid a commit (a WAL fsync) of its own after
    its work, and on SQLite queued for the one writer lock with the registrations' batches."""
    line = AuditEntry(key_id=key_id, method=method, path=path[:500], status=status, at=now())
    if committer is not None:
        committer.run(lambda session: session.add(line))
        return
    with unit_of_work(sessions) as session:
        session.add(line)


def audit_log(sessions: sessionmaker[Session], *, limit: int = 1000) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
