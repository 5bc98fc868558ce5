"""A party links its own keys (自助绑定密钥), by proof of possession, and revokes them.

An admin may link any key to any party (:func:`registry.access.parties.link_key`). A party
acting for itself (any of its API keys, or the command line with one of its keystores) links a
new signing key or chain address only by showing it holds it: the new key signs a
``banquan.key-link/1`` statement, RFC 8785 canonical JSON::

    {"type": "banquan.key-link/1", "purpose": "link-key", "party": "party_…",
     "key": "sm2:04…" | "secp256k1:04…" | "address:0x…", "nonce": "<32 hex>",
     "issued_at": "2026-12-05T13:00:00Z", "expires_at": "2026-12-05T13:05:00Z"}

signed as every claim is (:func:`crypto.signing.verify`): SM2 with SM3 and the default
distinguishing ID ``1234567812345678`` (GB/T 32918, GM/T 0009) for an SM2 key; an EIP-191
personal-message signature for a secp256k1 key, and for an address one that recovers to it.
The statement binds who (``party``), what (``key``), why (``purpose``) and when (``issued_at``,
``expires_at``, at most 5 minutes apart); its nonce is kept with the signed requests' nonces,
so a proof links once. A key belongs to one party for good (``party_key_taken``), under either
spelling of its account (a secp256k1 key and its ``address:`` are one), and a revoked party links
nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crypto.canonical import canonical_json
from crypto.errors import CryptoError
from crypto.secp256k1 import recover_message
from crypto.signing import Algorithm, Signature, public_key_from_json, verify
from registry.access.parties import (
    PartyKeyKind,
    PartyView,
    Unbind,
    active_party,
    address_of,
    attach_key,
    describe_party,
    parse_identifier,
    party_of_key,
    refuse_taken,
    revoke_key,
)
from registry.core.database import unit_of_work
from registry.core.errors import (
    InvalidKeyProof,
    KeyProofExpired,
    KeyProofSignatureInvalid,
    KeyProofUsed,
    KeyWithoutParty,
)
from registry.core.models import Party, RequestNonce

STATEMENT_TYPE: Final = "banquan.key-link/1"
PURPOSE: Final = "link-key"
# How long a statement holds: within the window the signed requests' nonces are kept for.
PROOF_LIFETIME: Final = timedelta(minutes=5)
# How far ahead of the registry's clock a statement may say it was issued.
CLOCK_SKEW: Final = timedelta(seconds=30)
_FIELDS: Final = frozenset({"type", "purpose", "party", "key", "nonce", "issued_at", "expires_at"})


@dataclass(frozen=True)
class KeyLinkStatement:
    """What the new key signs to be linked to ``party``; :meth:`message` is the signed bytes."""

    party: str
    key: str
    nonce: str
    issued_at: datetime
    expires_at: datetime

    def to_json(self) -> dict[str, str]:
        return {
            "type": STATEMENT_TYPE,
            "purpose": PURPOSE,
            "party": self.party,
            "key": self.key,
            "nonce": self.nonce,
            "issued_at": _timestamp(self.issued_at),
            "expires_at": _timestamp(self.expires_at),
        }

    def message(self) -> bytes:
        """The RFC 8785 canonical JSON of the statement: what the key signs."""
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> KeyLinkStatement:
        """A statement as sent; :class:`InvalidKeyProof` unless it is exactly one."""
        if not isinstance(value, dict) or set(value) != _FIELDS:
            raise InvalidKeyProof(
                "a key-link statement has exactly the fields " + ", ".join(sorted(_FIELDS)),
                details={"field": "statement"},
            )
        if value["type"] != STATEMENT_TYPE or value["purpose"] != PURPOSE:
            raise InvalidKeyProof(
                f"not a {STATEMENT_TYPE} statement for {PURPOSE}",
                details={"type": value["type"], "purpose": value["purpose"]},
            )
        nonce = value["nonce"]
        if not isinstance(nonce, str) or len(nonce) != 32 or not _is_hex(nonce):
            raise InvalidKeyProof("the nonce is 32 hex digits", details={"field": "nonce"})
        party, key = value["party"], value["key"]
        if not isinstance(party, str) or not isinstance(key, str):
            raise InvalidKeyProof("party and key are text", details={"field": "statement"})
        return cls(
            party,
            parse_identifier(key)[1],
            nonce,
            _parse_time(value["issued_at"], "issued_at"),
            _parse_time(value["expires_at"], "expires_at"),
        )


def key_link_statement(
    sessions: sessionmaker[Session], party: int | None, key: object, *, now: Callable[[], datetime]
) -> KeyLinkStatement:
    """A fresh statement for the new ``key`` (a key or address, as :func:`parse_identifier`
    reads it) to sign, to be linked to the caller's ``party`` (its row id). Refused early when
    the party is revoked or the key is linked already."""
    _, identifier = parse_identifier(key)
    with sessions() as session:
        own = _caller_party(session, party)
        refuse_taken(session, identifier)
        party_id = own.party_id
    issued = now().astimezone(UTC).replace(microsecond=0)
    return KeyLinkStatement(
        party_id, identifier, secrets.token_hex(16), issued, issued + PROOF_LIFETIME
    )


def link_own_key(
    sessions: sessionmaker[Session],
    party: int | None,
    statement: object,
    signature: str,
    *,
    now: Callable[[], datetime],
) -> PartyView:
    """Link the key a signed ``banquan.key-link/1`` statement names to the caller's ``party``
    (its row id): the statement names this party, is in force, was not used before, and is
    signed by that very key. Nothing changes unless all of it holds."""
    linked = KeyLinkStatement.from_json(statement)
    moment = now()
    with unit_of_work(sessions) as session:
        own = _caller_party(session, party)
        if linked.party != own.party_id:
            raise InvalidKeyProof(
                "the statement names another party than the caller's",
                details={"party": linked.party, "caller": own.party_id},
            )
        _check_times(linked, moment)
        _check_possession(linked, signature)
        nonce_owner = f"link:{own.party_id}"[:32]
        used = session.scalar(
            select(RequestNonce.id).where(
                RequestNonce.key_id == nonce_owner, RequestNonce.nonce == linked.nonce
            )
        )
        if used is not None:
            raise KeyProofUsed(
                "this key-link statement was used already", details={"nonce": linked.nonce}
            )
        refuse_taken(session, linked.key)
        session.add(RequestNonce(key_id=nonce_owner, nonce=linked.nonce, seen_at=moment))
        try:
            session.flush()
        except IntegrityError:  # the same statement, sent twice at once
            raise KeyProofUsed(
                "this key-link statement was used already", details={"nonce": linked.nonce}
            ) from None
        kind = PartyKeyKind(linked.key.partition(":")[0])
        attach_key(session, own, kind, linked.key, moment)
        party_id = own.party_id
    return describe_party(sessions, party_id)


def revoke_own_key(
    sessions: sessionmaker[Session],
    party: int | None,
    key_fingerprint: str,
    *,
    now: Callable[[], datetime],
    unbind: Unbind | None = None,
) -> PartyView:
    """Revoke one of the caller's own keys (``party_key_not_found`` for another party's)."""
    with sessions() as session:
        party_id = _caller_party(session, party).party_id
    return revoke_key(sessions, party_id, key_fingerprint, now=now, unbind=unbind)


def own_party(sessions: sessionmaker[Session], party: int | None) -> PartyView:
    """The caller's own party (its row id), active; its keys and addresses."""
    with sessions() as session:
        party_id = _caller_party(session, party).party_id
    return describe_party(sessions, party_id)


def party_holding(sessions: sessionmaker[Session], identifier: str) -> int:
    """The row id of the active party ``identifier`` (a key the caller holds) is linked to: how
    the command line acts as a party. :class:`KeyWithoutParty` for a key of no party,
    ``party_revoked`` for a revoked key or party."""
    with sessions() as session:
        found = party_of_key(session, identifier)
        if found is None:
            raise KeyWithoutParty(
                "this key is linked to no party: an admin links a party's first key",
                details={"key": identifier[:80]},
            )
        return found.id


def _caller_party(session: Session, party: int | None) -> Party:
    if party is None:
        raise KeyWithoutParty("this API key acts for no party")
    row = session.get(Party, party)
    if row is None:
        raise KeyWithoutParty("this API key acts for no party")
    return active_party(session, row.party_id)


def _check_times(linked: KeyLinkStatement, moment: datetime) -> None:
    details = {
        "issued_at": _timestamp(linked.issued_at),
        "expires_at": _timestamp(linked.expires_at),
        "server_time": _timestamp(moment),
    }
    if linked.expires_at - linked.issued_at > PROOF_LIFETIME:
        raise KeyProofExpired("a key-link statement holds for 5 minutes at most", details=details)
    if linked.issued_at > moment + CLOCK_SKEW or moment >= linked.expires_at:
        raise KeyProofExpired("the key-link statement is not in force", details=details)


def _check_possession(linked: KeyLinkStatement, signature_text: str) -> None:
    """The statement's key signed it: its own signature for a signing key, and for an address a
    secp256k1 signature that recovers to it."""
    refused = KeyProofSignatureInvalid(
        "the statement is not signed by the key it links",
        details={"key": linked.key[:80]},
    )
    try:
        signature = Signature.from_text(signature_text)
        scheme, _, rest = linked.key.partition(":")
        message = linked.message()
        if scheme == PartyKeyKind.ADDRESS:
            if signature.algorithm is not Algorithm.SECP256K1:
                raise refused
            valid = recover_message(message, signature.value).address == address_of(linked.key)
        else:
            given = {"algorithm": scheme, "public_key": rest}
            if scheme == PartyKeyKind.SM2:
                given["sm2_id"] = "1234567812345678"
            key = public_key_from_json(given)
            valid = signature.algorithm.value == scheme and verify(key, message, signature)
    except CryptoError:
        raise refused from None
    if not valid:
        raise refused


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: object, field: str) -> datetime:
    try:
        moment = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise InvalidKeyProof(
            f"{field} is a UTC time, YYYY-MM-DDTHH:MM:SSZ", details={"field": field}
        ) from None
    return moment.replace(tzinfo=UTC)
