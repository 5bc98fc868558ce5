"""Parties (当事人): the organisation or person behind API keys, signing keys and chain addresses.

A party is the subject of everything the registry records: its API keys act for it, the claims
its signing keys sign are its registrations, whichever face (API or command line) sent them, and
its chain addresses receive its assets. A key or address is linked to one party for good: once
revoked it is never linked again, so a leaked key cannot be re-attached elsewhere to borrow a
party's history. An admin links and revokes (``banquan admin party …``, ``/v1/admin/parties``).
"""

from __future__ import annotations

import enum
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from crypto.errors import CryptoError
from crypto.secp256k1 import Secp256k1PublicKey
from crypto.signing import PublicKey, public_key_from_json
from registry.core.database import unit_of_work
from registry.core.errors import (
    InvalidInput,
    OwnerNotOfParty,
    PartyKeyNotFound,
    PartyKeyTaken,
    PartyNotFound,
    PartyRevoked,
    SignerOfAnotherParty,
)
from registry.core.models import ApiKey, Party, PartyKey, Registration, WebhookSubscription
from registry.core.views import PartyRef, view_of


class PartyKind(enum.StrEnum):
    ORGANISATION = "organisation"
    PERSON = "person"


class PartyKeyKind(enum.StrEnum):
    SM2 = "sm2"
    SECP256K1 = "secp256k1"
    ADDRESS = "address"


@dataclass(frozen=True)
class LinkedKey:
    kind: str
    identifier: str
    fingerprint: str
    added_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class PartyView:
    """A party as the registry shows it: its public name, its keys and its addresses."""

    party_id: str
    kind: str
    public_name: str
    created_at: datetime
    revoked_at: datetime | None
    keys: tuple[LinkedKey, ...]

    @property
    def addresses(self) -> tuple[str, ...]:
        """Its active chain addresses: linked ones, and those of its secp256k1 keys."""
        return tuple(
            address_of(key.identifier)
            for key in self.keys
            if key.revoked_at is None and key.kind != PartyKeyKind.SM2
        )


def key_identifier(public_key: PublicKey) -> str:
    """``<algorithm>:<uncompressed public key hex>``, the form a claim's ``registrant`` takes."""
    return f"{public_key.algorithm}:{public_key.to_bytes().hex()}"


def key_spellings(public_key: PublicKey) -> set[str]:
    """The identifiers a party key may be linked under for ``public_key``: its own, and for a
    secp256k1 key its account's ``address:`` too (one account, whichever spelling)."""
    spellings = {key_identifier(public_key)}
    if isinstance(public_key, Secp256k1PublicKey):
        spellings.add(f"address:{public_key.address}")
    return spellings


def parse_identifier(value: object) -> tuple[PartyKeyKind, str]:
    """A key or address to link, as given (a public key's JSON, ``sm2:04…``, ``secp256k1:04…``,
    ``address:0x…`` or a bare ``0x…`` address); :class:`InvalidInput` or ``InvalidAddress``."""
    if isinstance(value, dict):
        try:
            return _signing(key_identifier(public_key_from_json(value)))
        except CryptoError as exc:
            raise InvalidInput(f"not a usable public key: {exc}", details={"field": "key"}) from exc
    if not isinstance(value, str):
        raise InvalidInput("a key is a public key's JSON or text", details={"field": "key"})
    text = value.strip()
    scheme, _, rest = text.partition(":")
    if not rest and text.startswith("0x"):
        scheme, rest = "address", text
    if scheme == PartyKeyKind.ADDRESS:
        from registry.core.chain_refusals import account_address  # web3: only when linking

        return PartyKeyKind.ADDRESS, f"address:{account_address(rest, field='key')}"
    if scheme in (PartyKeyKind.SM2, PartyKeyKind.SECP256K1):
        try:
            # The identifier names the point alone: an SM2 ID is not part of who holds it.
            given = {"algorithm": scheme, "public_key": rest.lower()}
            if scheme == PartyKeyKind.SM2:
                given["sm2_id"] = "1234567812345678"
            key = public_key_from_json(given)
        except CryptoError as exc:
            raise InvalidInput(f"not a usable public key: {exc}", details={"field": "key"}) from exc
        return _signing(key_identifier(key))
    raise InvalidInput(
        "a key is sm2:04…, secp256k1:04…, address:0x… or a public key's JSON",
        details={"field": "key"},
    )


def _signing(identifier: str) -> tuple[PartyKeyKind, str]:
    return PartyKeyKind(identifier.partition(":")[0]), identifier


def address_of(identifier: str) -> str:
    """The chain address an ``address:`` or ``secp256k1:`` identifier stands for."""
    scheme, _, rest = identifier.partition(":")
    if scheme == PartyKeyKind.ADDRESS:
        return rest
    return Secp256k1PublicKey.from_bytes(bytes.fromhex(rest)).address


def fingerprint(identifier: str) -> str:
    """16 hex digits of SHA-256 of the identifier: how a key is named when revoking it."""
    return hashlib.sha256(identifier.encode()).hexdigest()[:16]


def create_party(
    sessions: sessionmaker[Session],
    *,
    public_name: str,
    kind: str = PartyKind.ORGANISATION,
    keys: Iterable[object] = (),
    now: Callable[[], datetime],
) -> PartyView:
    """A new party named ``public_name`` (e.g. 四川人民出版社), with ``keys`` linked."""
    name = public_name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput(
            "a party's public name is 1 to 200 characters", details={"field": "name"}
        )
    try:
        party_kind = PartyKind(kind)
    except ValueError:
        raise InvalidInput(
            "a party is an organisation or a person",
            details={"field": "kind", "known": [k.value for k in PartyKind]},
        ) from None
    parsed = [parse_identifier(key) for key in keys]
    with unit_of_work(sessions) as session:
        party = Party(
            party_id=f"party_{secrets.token_hex(8)}",
            kind=party_kind.value,
            public_name=name,
            created_at=now(),
        )
        session.add(party)
        session.flush()
        for key_kind, identifier in parsed:
            attach_key(session, party, key_kind, identifier, now())
        party_id = party.party_id
    return describe_party(sessions, party_id)


def link_key(
    sessions: sessionmaker[Session], party_id: str, key: object, *, now: Callable[[], datetime]
) -> PartyView:
    """Link a signing key or chain address to an active party; :class:`PartyKeyTaken` if it is
    (or was) linked to any party."""
    key_kind, identifier = parse_identifier(key)
    with unit_of_work(sessions) as session:
        party = active_party(session, party_id)
        attach_key(session, party, key_kind, identifier, now())
    return describe_party(sessions, party_id)


def attach_key(
    session: Session, party: Party, kind: PartyKeyKind, identifier: str, at: datetime
) -> None:
    """Add ``identifier`` to ``party`` in ``session``; :class:`PartyKeyTaken` if any party holds
    (or held) it. The registrations the key signed before it was any party's become the party's
    (its holder's, by proof or an administrator's word): they count as its own, for priority
    between claimants first of all."""
    refuse_taken(session, identifier)
    session.add(
        PartyKey(
            party_id=party.id,
            kind=kind.value,
            identifier=identifier,
            fingerprint=fingerprint(identifier),
            added_at=at,
        )
    )
    if kind != PartyKeyKind.ADDRESS:
        session.execute(
            update(Registration)
            .where(Registration.party_id.is_(None), Registration.registrant == identifier)
            .values(party_id=party.id)
        )
    session.flush()


def refuse_taken(session: Session, identifier: str) -> None:
    """:class:`PartyKeyTaken` if ``identifier`` is (or was) linked to any party, under either of
    its spellings: a secp256k1 key and its ``address:`` are one account, so once either was
    linked (and perhaps revoked) neither is linked again, by anyone."""
    account = None if identifier.startswith(f"{PartyKeyKind.SM2}:") else address_of(identifier)
    exact = session.scalar(select(PartyKey.id).where(PartyKey.identifier == identifier))
    if exact is None and (account is None or not _address_keys(session, [account])):
        return
    details = {"fingerprint": fingerprint(identifier)}
    if account is not None:
        details["address"] = account
    raise PartyKeyTaken(
        "this key or address (a secp256k1 key and its address are one account) is linked to a "
        "party already, or was and was revoked",
        details=details,
    )


# Sends the unbindings a revocation left pending (``PartyKey.unbind_pending``), of the keys whose
# row ids it is given: the runtime's, on ``IdentityAttestations``; None: none sent now (the
# anchoring loop sends every pending one).
Unbind = Callable[[Sequence[int]], object]


def revoke_key(
    sessions: sessionmaker[Session],
    party_id: str,
    key_fingerprint: str,
    *,
    now: Callable[[], datetime],
    unbind: Unbind | None = None,
) -> PartyView:
    """Revoke one of a party's keys: claims it signs from now on are refused, and a chain
    address it stands for acts for nobody: it is marked to be unbound on chain as a verified
    reader, which ``unbind`` sends (or the anchoring loop, once the chain can be reached)."""
    with unit_of_work(sessions) as session:
        party = _party(session, party_id)
        key = session.scalar(
            select(PartyKey).where(
                PartyKey.party_id == party.id, PartyKey.fingerprint == key_fingerprint
            )
        )
        if key is None:
            raise PartyKeyNotFound(
                f"party {party_id} has no key {key_fingerprint!r}",
                details={"party": party_id, "fingerprint": key_fingerprint},
            )
        moment = now()
        key.revoked_at = key.revoked_at or moment
        key.unbind_pending = key.kind != PartyKeyKind.SM2
        pending = [key.id] if key.unbind_pending else []
        # The API keys whose requests it signs go with it (a leaked signing key leaks them
        # too), and so do their webhooks: otherwise whoever holds them keeps hearing the party.
        bound = _api_keys_signed_by(session, party.id, key.identifier)
        for api_key in bound:
            api_key.revoked_at = api_key.revoked_at or moment
        stop_webhooks(session, [api_key.key_id for api_key in bound])
    if unbind is not None and pending:
        unbind(pending)
    return describe_party(sessions, party_id)


def _api_keys_signed_by(session: Session, party: int, identifier: str) -> list[ApiKey]:
    """The party's API keys whose requests the key or address ``identifier`` signs (a
    secp256k1 key under either spelling: its key, or its account's address)."""
    signed = []
    for api_key in session.scalars(
        select(ApiKey).where(ApiKey.party_id == party, ApiKey.signing_key.is_not(None))
    ):
        try:
            signing_key = public_key_from_json(json.loads(api_key.signing_key or "null"))
        except (CryptoError, ValueError):
            continue  # not a key: it signs for no one (create_api_key checks what it stores)
        if identifier in key_spellings(signing_key):
            signed.append(api_key)
    return signed


def revoke_party(
    sessions: sessionmaker[Session],
    party_id: str,
    *,
    now: Callable[[], datetime],
    unbind: Unbind | None = None,
) -> PartyView:
    """Revoke a party: its API keys stop working (their webhooks too), its signing keys sign
    nothing more, and its chain addresses act for nobody (marked to be unbound on chain as
    verified readers, as :func:`revoke_key` does). What it registered stays registered, and
    attributed to it."""
    with unit_of_work(sessions) as session:
        party = _party(session, party_id)
        moment = now()
        party.revoked_at = party.revoked_at or moment
        pending = []
        for key in session.scalars(select(PartyKey).where(PartyKey.party_id == party.id)):
            key.revoked_at = key.revoked_at or moment
            key.unbind_pending = key.kind != PartyKeyKind.SM2
            if key.unbind_pending:
                pending.append(key.id)
        api_keys = list(session.scalars(select(ApiKey).where(ApiKey.party_id == party.id)))
        for api_key in api_keys:
            api_key.revoked_at = api_key.revoked_at or moment
        stop_webhooks(session, [api_key.key_id for api_key in api_keys])
    if unbind is not None and pending:
        unbind(pending)
    return describe_party(sessions, party_id)


def stop_webhooks(session: Session, key_ids: Iterable[str]) -> None:
    """Deactivate the webhook subscriptions of revoked API keys ``key_ids``: a revoked key hears
    nothing more, and what was queued for it is not sent."""
    session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.key_id.in_(list(key_ids)))
        .values(active=False)
    )


def describe_party(sessions: sessionmaker[Session], party_id: str) -> PartyView:
    with sessions() as session:
        return _view(session, _party(session, party_id))


def list_parties(sessions: sessionmaker[Session], *, limit: int = 1000) -> list[PartyView]:
    with sessions() as session:
        parties = session.scalars(select(Party).order_by(Party.id).limit(limit))
        return [_view(session, party) for party in parties]


# Every registration asks whose key signed it and whose API key sent it: statements made once.
_KEY = select(PartyKey).where(PartyKey.identifier == bindparam("identifier"))
_API_KEY_PARTY = (
    select(ApiKey.party_id, ApiKey.revoked_at, Party.party_id.label("party"), Party.revoked_at)
    .outerjoin(Party, Party.id == ApiKey.party_id)
    .where(ApiKey.key_id == bindparam("key_id"))
)


def party_of_key(session: Session, identifier: str) -> Party | None:
    """The party ``identifier`` (a claim's ``registrant``, or ``address:0x…``) is linked to, if
    any; :class:`PartyRevoked` when that key or its party was revoked."""
    key = session.scalar(_KEY, {"identifier": identifier})
    if key is None:
        return None
    party = session.get_one(Party, key.party_id)  # a foreign key
    if key.revoked_at is not None or party.revoked_at is not None:
        raise PartyRevoked(
            "this key was revoked: it signs nothing more for its party",
            details={"party": party.party_id, "fingerprint": key.fingerprint},
        )
    return party


def registering_party(
    session: Session, submitted_by: str | None, registrant: str | None
) -> int | None:
    """The party a registration belongs to: the submitting API key's, else the one holding the
    claim's signing key. :class:`SignerOfAnotherParty` when the claim is signed with a key of
    another party than the caller's; :class:`PartyRevoked` for a revoked signing key, or a
    revoked submitting API key or party (a catalogue job staged before the revocation and
    processed after it registers nothing for them)."""
    caller: int | None = None
    if submitted_by is not None:
        sender = session.execute(_API_KEY_PARTY, {"key_id": submitted_by}).one_or_none()
        if sender is not None:
            caller, key_revoked, party_id, party_revoked = sender
            if key_revoked is not None or party_revoked is not None:
                raise PartyRevoked(
                    "the API key submitting this registration, or its party, was revoked: it "
                    "registers nothing more",
                    details={"party": party_id, "key_id": submitted_by},
                )
    signer = party_of_key(session, registrant) if registrant else None
    if submitted_by is None:
        return signer.id if signer is not None else None
    if signer is not None and caller is not None and signer.id != caller:
        raise SignerOfAnotherParty(
            "the claim is signed with a key of another party",
            details={"signer_party": signer.party_id},
        )
    return caller if caller is not None else (signer.id if signer is not None else None)


def check_asset_owner(sessions: sessionmaker[Session], number: str, owner: str) -> None:
    """Refuse (:class:`OwnerNotOfParty`) to mint registration ``number``'s asset to an address
    that is not its party's. A party with no address yet mints where it chooses, and that links
    nothing: an address becomes a party's only with proof that the party holds it (a link by
    proof of possession, or an administrator's), so no party can claim another's address by
    minting to it."""
    with sessions() as session:
        party_row = session.scalar(
            select(Registration.party_id).where(Registration.number == number)
        )
        if party_row is None:
            return
        view = _view(session, session.get_one(Party, party_row))
    if view.addresses and owner not in view.addresses:
        raise OwnerNotOfParty(
            "资产只能铸造给登记当事人的地址 / the asset goes to an address of the party that "
            "registered the work",
            details={"party": view.party_id, "addresses": list(view.addresses)},
        )


def party_addresses(
    sessions: sessionmaker[Session], party_id: str, *, include_revoked: bool = False
) -> tuple[str, ...]:
    """A party's chain addresses: the active ones, or with ``include_revoked`` every one it
    ever linked (to take a role away from all of them)."""
    view = describe_party(sessions, party_id)
    if not include_revoked:
        return view.addresses
    return tuple(
        dict.fromkeys(address_of(k.identifier) for k in view.keys if k.kind != PartyKeyKind.SM2)
    )


def party_address(session: Session, party_row: int | None) -> str | None:
    """The party's first active chain address (linked, or of a secp256k1 key), if any: the
    first of :attr:`PartyView.addresses`, read as one column (every registration asks)."""
    if party_row is None:
        return None
    first = session.scalar(_FIRST_ADDRESS, {"party": party_row})
    return None if first is None else address_of(first)


_FIRST_ADDRESS = (
    select(PartyKey.identifier)
    .where(
        PartyKey.party_id == bindparam("party"),
        PartyKey.revoked_at.is_(None),
        PartyKey.kind != PartyKeyKind.SM2.value,
    )
    .order_by(PartyKey.id)
    .limit(1)
)


@dataclass(frozen=True)
class _AddressKey:
    address: str
    party: PartyRef
    revoked: bool  # the key, or its party


def _address_keys(session: Session, addresses: Iterable[str]) -> list[_AddressKey]:
    """The keys standing for the chain ``addresses`` (checksummed), oldest first: linked
    addresses, and secp256k1 keys whose address one of them is (stored as public keys, so every
    one is read and its address derived: a registry's parties are its publishers, lenders,
    platforms and readers, thousands)."""
    wanted = set(addresses)
    if not wanted:
        return []
    rows = session.execute(
        select(
            PartyKey.kind,
            PartyKey.identifier,
            PartyKey.revoked_at,
            Party.party_id,
            Party.public_name,
            Party.revoked_at,
        )
        .join(Party, Party.id == PartyKey.party_id)
        .where(
            PartyKey.identifier.in_([f"address:{address}" for address in wanted])
            | (PartyKey.kind == PartyKeyKind.SECP256K1.value)
        )
        .order_by(PartyKey.id)
    )
    found = []
    for _kind, identifier, key_revoked, party_id, public_name, party_revoked in rows:
        address = address_of(identifier)
        if address in wanted:
            revoked = key_revoked is not None or party_revoked is not None
            found.append(_AddressKey(address, PartyRef(party_id, public_name), revoked))
    return found


def holders_of_addresses(session: Session, addresses: Iterable[str]) -> dict[str, PartyRef]:
    """The active party that holds each of the chain ``addresses`` (checksummed) that one holds,
    by proof: a linked address, or the address of one of its secp256k1 keys; in one read. What a
    reader is told of who owns an asset or holds a licence, beside the bare address."""
    found: dict[str, PartyRef] = {}
    for key in _address_keys(session, addresses):
        if not key.revoked:
            found.setdefault(key.address, key.party)
    return found


def holder_of_address(session: Session, address: str) -> PartyRef | None:
    """The active party that holds chain ``address``, as :func:`holders_of_addresses` finds it;
    None when no active party holds it."""
    return holders_of_addresses(session, [address]).get(address)


def refuse_revoked_addresses(session: Session, addresses: Iterable[str]) -> None:
    """:class:`PartyRevoked` when one of ``addresses`` was revoked with its key or its party:
    such an address acts for nobody any more (a leaked key is revoked so), so nothing is issued
    to it and no content key is given for it, whatever the chain still says of it."""
    revoked = next((key for key in _address_keys(session, addresses) if key.revoked), None)
    if revoked is not None:
        raise PartyRevoked(
            "该地址已随其密钥或当事人撤销，不再代表任何当事人 / this address was revoked with "
            "its key or its party: it acts for nobody any more",
            details={"address": revoked.address, "party": revoked.party.party_id},
        )


def party_pk(session: Session, party_id: str) -> int:
    """The row id of an existing party (revoked or not); :class:`PartyNotFound`."""
    return _party(session, party_id).id


def public_name_of(session: Session, party_row: int | None) -> str | None:
    if party_row is None:
        return None
    return session.scalar(select(Party.public_name).where(Party.id == party_row))


def _party(session: Session, party_id: str) -> Party:
    party = session.scalar(select(Party).where(Party.party_id == party_id))
    if party is None:
        raise PartyNotFound(f"no party {party_id!r}", details={"party": party_id})
    return party


def active_party(session: Session, party_id: str) -> Party:
    """An existing, unrevoked party; :class:`PartyNotFound` or :class:`PartyRevoked`."""
    party = _party(session, party_id)
    if party.revoked_at is not None:
        raise PartyRevoked(f"party {party_id} was revoked", details={"party": party_id})
    return party


def _view(session: Session, party: Party) -> PartyView:
    keys = session.scalars(
        select(PartyKey).where(PartyKey.party_id == party.id).order_by(PartyKey.id)
    )
    return view_of(PartyView, party, keys=tuple(view_of(LinkedKey, key) for key in keys))
