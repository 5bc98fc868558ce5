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
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from registry.database import unit_of_work
from registry.errors import (
    ApiKeyNotFound,
    InvalidInput,
    IpNotAllowed,
    MissingScope,
    Unauthenticated,
)
from registry.models import ApiKey, AuditEntry

KEY_PREFIX = "bq"


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
    """Who is calling: an API key's id, name and scopes."""

    key_id: str
    name: str
    scopes: frozenset[Scope]

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


def create_api_key(
    sessions: sessionmaker[Session],
    *,
    name: str,
    scopes: Iterable[str],
    now: Callable[[], datetime],
    ip_allowlist: Iterable[str] = (),
) -> IssuedKey:
    """A new key with ``scopes``; the returned ``secret`` is the only copy of the key text."""
    parsed = parse_scopes(scopes)
    networks = [
        str(ipaddress.ip_network(n.strip(), strict=False)) for n in ip_allowlist if n.strip()
    ]
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with unit_of_work(sessions) as session:
        session.add(
            ApiKey(
                key_id=key_id,
                name=name,
                secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
                scopes=",".join(sorted(s.value for s in parsed)),
                ip_allowlist=",".join(networks) or None,
                created_at=now(),
            )
        )
    return IssuedKey(
        key_id, name, tuple(sorted(s.value for s in parsed)), f"{KEY_PREFIX}_{key_id}_{secret}"
    )


def revoke_api_key(
    sessions: sessionmaker[Session], key_id: str, *, now: Callable[[], datetime]
) -> None:
    with unit_of_work(sessions) as session:
        key = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
        if key is None:
            raise ApiKeyNotFound(f"no API key {key_id!r}", details={"key_id": key_id})
        key.revoked_at = key.revoked_at or now()


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
        key = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
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
    return Principal(key_id, key.name, frozenset(Scope(s) for s in key.scopes.split(",")))


def record_write(
    sessions: sessionmaker[Session],
    *,
    key_id: str | None,
    method: str,
    path: str,
    status: int,
    now: Callable[[], datetime],
) -> None:
    """One line of the audit log: who wrote what, and how it ended."""
    with unit_of_work(sessions) as session:
        session.add(
            AuditEntry(key_id=key_id, method=method, path=path[:500], status=status, at=now())
        )


def audit_log(sessions: sessionmaker[Session], *, limit: int = 1000) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
