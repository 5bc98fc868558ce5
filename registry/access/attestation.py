"""Identity attestations of parties (实名认证).

An identity attestor (a KYC provider the operator configures by its SM2 public key) checks who a
party is — an organisation's 统一社会信用代码 or a person's resident ID number, and its legal
name — and signs a ``banquan.attestation/1`` statement: the party id, the kind, a *commitment*
``SM3(salt ‖ canonical identity JSON)`` with a 32-byte random salt, when it was issued and when
it expires. It hands the registry the signed statement with the clear identity and the salt.

The registry checks the signature against a configured attestor key, the commitment against
the identity and salt, the ID number's check character and the dates, and keeps the statement
and signature in the clear, the identity and salt only sealed (SM4-GCM under a key derived from
the master key, the party id authenticated): what it must keep to answer for the party, and no
more (PIPL). Anyone sees whether a party is verified, expired or revoked, and the commitment;
only the party itself or a regulator reads the identity, and every read is in the audit log.
The party may disclose identity and salt to a court or counter-party, who recomputes the
commitment and checks the attestor's signature over it.

In dev mode a development attestor key, generated in the data directory, signs attestations
from the command line (:func:`attest_party_in_dev_mode`), so a local registry works end to end.
"""

from __future__ import annotations

import enum
import json
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from crypto.canonical import canonical_json
from crypto.digests import sm3
from crypto.errors import CryptoError
from crypto.signing import Signature, Signer, verify
from crypto.sm2 import SM2PublicKey
from crypto.symmetric import Cipher, hmac_sm3, open_sealed, seal
from registry.access.keys import record_write
from registry.access.parties import PartyKind, active_party, address_of
from registry.core.database import unit_of_work
from registry.core.errors import (
    AttestationExpired,
    AttestationNotFound,
    AttestationRevoked,
    AttestationSignatureInvalid,
    ChainUnreachable,
    CommitmentMismatch,
    DevAttestorRefused,
    IdentityNotReadable,
    InvalidAttestation,
    InvalidIdentityNumber,
    PartyNotFound,
    UnknownAttestor,
)
from registry.core.models import Party, PartyAttestation, PartyKey
from registry.core.views import as_utc, view_of

log = logging.getLogger(__name__)

ATTESTATION_TYPE = "banquan.attestation/1"
STATEMENT_FIELDS = frozenset(
    {"type", "party", "kind", "commitment", "issued_at", "expires_at", "attestor"}
)
SALT_SIZE = 32
# How far an attestation's issue time may be ahead of the registry's clock.
CLOCK_SKEW = timedelta(minutes=5)
# The sealing key of identities is derived from the master key for this use alone.
IDENTITY_KEY_CONTEXT = b"banquan.party-identity.v1"
IDENTITY_AAD = b"banquan.party-identity.v1\x00"
SEAL_CIPHER = Cipher.SM4_GCM
SUPERSEDED = "superseded by a later attestation"
# What an audit line of a read says: the log's method column.
READ = "READ"


# What an attestation attests is its party's kind: an organisation's 统一社会信用代码 or a
# person's resident ID.
IdentityKind = PartyKind


class VerificationStatus(enum.StrEnum):
    VERIFIED = "verified"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NONE = "none"


STATUS_LABELS = {
    VerificationStatus.VERIFIED: "已实名认证 verified",
    VerificationStatus.EXPIRED: "实名认证已过期 expired",
    VerificationStatus.REVOKED: "实名认证已撤销 revoked",
    VerificationStatus.NONE: "未实名认证 not verified",
}

# ------------------------------------------------------------------------------ check characters

# GB 32100-2015: 统一社会信用代码 — 18 characters of 0-9 and A-Z without I, O, S, V, Z; the
# last is a check character over the first 17 (weights 3^i mod 31).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11643-1999: 公民身份号码 — 6-digit area, 8-digit birth date, 3-digit sequence, and a check
# digit (ISO 7064 MOD 11-2: weights 2^(17-i) mod 11, remainder mapped to 1 0 X 9 … 2).
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"


def credit_code_check_character(first17: str) -> str:
    """The GB 32100-2015 check character of a credit code's first 17 characters."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def resident_id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check digit (0-9 or X) of a resident ID number's first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK[total % 11]


def check_credit_code(value: str) -> str:
    """A 统一社会信用代码, upper-cased; :class:`InvalidIdentityNumber` unless 18 characters of its
    alphabet with the right check character."""
    code = value.strip().upper()
    details = {"kind": IdentityKind.ORGANISATION.value}
    if len(code) != 18 or any(c not in CREDIT_CODE_ALPHABET for c in code):
        raise InvalidIdentityNumber(
            "统一社会信用代码为18位（数字与大写字母，不含I、O、S、V、Z） a credit code is 18 "
            "characters of 0-9 and A-Z without I, O, S, V, Z",
            details=details,
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise InvalidIdentityNumber(
            "统一社会信用代码校验码错误 the credit code's check character is wrong", details=details
        )
    return code


def check_resident_id(value: str) -> str:
    """A resident ID number (X upper-cased); :class:`InvalidIdentityNumber` unless 17 digits, a
    real birth date, and the right check digit."""
    number = value.strip().upper()
    details = {"kind": IdentityKind.PERSON.value}
    if re.fullmatch(r"[0-9]{17}[0-9X]", number) is None:
        raise InvalidIdentityNumber(
            "公民身份号码为18位（17位数字加校验码） a resident ID number is 17 digits and a check "
            "digit (0-9 or X)",
            details=details,
        )
    try:
        datetime.strptime(number[6:14], "%Y%m%d")
    except ValueError:
        raise InvalidIdentityNumber(
            "公民身份号码中的出生日期无效 the birth date in the resident ID number is not a date",
            details=details,
        ) from None
    if resident_id_check_digit(number[:17]) != number[17]:
        raise InvalidIdentityNumber(
            "公民身份号码校验码错误 the resident ID number's check digit is wrong", details=details
        )
    return number


# ------------------------------------------------------------------------------------- identity


@dataclass(frozen=True)
class Identity:
    """Who a party is: its kind, ID number (credit code or resident ID) and legal name."""

    kind: IdentityKind
    id_number: str
    legal_name: str

    @classmethod
    def parse(cls, kind: object, id_number: object, legal_name: object) -> Identity:
        """Checked and normalized (ID number upper-cased, name in NFC without outer spaces)."""
        try:
            parsed_kind = IdentityKind(str(kind))
        except ValueError:
            raise InvalidAttestation(
                "an identity is an organisation's or a person's",
                details={"field": "kind", "known": [k.value for k in IdentityKind]},
            ) from None
        if not isinstance(id_number, str) or not isinstance(legal_name, str):
            raise InvalidAttestation(
                "an identity's id_number and legal_name are text", details={"field": "identity"}
            )
        number = (
            check_credit_code(id_number)
            if parsed_kind is IdentityKind.ORGANISATION
            else check_resident_id(id_number)
        )
        name = unicodedata.normalize("NFC", legal_name.strip())
        if not 1 <= len(name) <= 200:
            raise InvalidAttestation(
                "a legal name is 1 to 200 characters", details={"field": "legal_name"}
            )
        return cls(parsed_kind, number, name)

    @classmethod
    def from_json(cls, value: object) -> Identity:
        if not isinstance(value, Mapping) or set(value) != {"kind", "id_number", "legal_name"}:
            raise InvalidAttestation(
                "an identity is {kind, id_number, legal_name}", details={"field": "identity"}
            )
        return cls.parse(value["kind"], value["id_number"], value["legal_name"])

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "id_number": self.id_number, "legal_name": self.legal_name}

    def commitment(self, salt: bytes) -> bytes:
        """``SM3(salt ‖ canonical JSON of {kind, id_number, legal_name})``."""
        return sm3(salt + canonical_json(self.to_json()))


# ------------------------------------------------------------------------------------ attestors


@dataclass(frozen=True)
class Attestors:
    """The attestor keys this registry accepts, the master key identities are sealed under,
    and (dev mode only) the development attestor that signs from the command line."""

    accepted: tuple[SM2PublicKey, ...]
    master_key: bytes
    dev_signer: Signer | None = None

    @property
    def dev_identifier(self) -> str | None:
        """The development attestor's key as a statement names it (dev mode only)."""
        if self.dev_signer is None:
            return None
        return f"{self.dev_signer.algorithm}:{self.dev_signer.public_key.to_bytes().hex()}"

    def key_named(self, identifier: str) -> SM2PublicKey | None:
        for key in self.accepted:
            if key_identifier(key) == identifier:
                return key
        return None

    def _sealing_key(self) -> bytes:
        return hmac_sm3(self.master_key, IDENTITY_KEY_CONTEXT)[: SEAL_CIPHER.key_size]

    def seal(self, party_id: str, identity: Identity, salt: bytes) -> bytes:
        plain = canonical_json({"identity": identity.to_json(), "salt": salt.hex()})
        return seal(SEAL_CIPHER, self._sealing_key(), plain, IDENTITY_AAD + party_id.encode())

    def open(self, party_id: str, sealed: bytes) -> tuple[Identity, bytes]:
        plain = open_sealed(
            SEAL_CIPHER, self._sealing_key(), sealed, IDENTITY_AAD + party_id.encode()
        )
        document = json.loads(plain)
        identity = document["identity"]
        return (
            Identity(IdentityKind(identity["kind"]), identity["id_number"], identity["legal_name"]),
            bytes.fromhex(document["salt"]),
        )


def key_identifier(key: SM2PublicKey) -> str:
    return f"sm2:{key.to_bytes().hex()}"


def parse_attestor_keys(identifiers: list[str]) -> tuple[SM2PublicKey, ...]:
    """``sm2:04…`` identifiers (as the settings checked them) as keys."""
    return tuple(SM2PublicKey.from_bytes(bytes.fromhex(i.partition(":")[2])) for i in identifiers)


# ---------------------------------------------------------------------------------------- chain


class AttestationLedger(Protocol):
    """Where commitments are recorded on chain (``IdentityAttestations``, sending as the
    registry's account); each method returns the transaction's hash, or raises
    :class:`ChainUnreachable`."""

    def attest(
        self, party_id: str, commitment: bytes, expires_at: int, attestor_signature: bytes
    ) -> str: ...

    def revoke(self, party_id: str, commitment: bytes, reason_digest: bytes) -> str: ...

    def unbind(self, account: str) -> str | None:
        """Remove ``account``'s binding to a verified person; None when it had none."""
        ...


LedgerSource = Callable[[], AttestationLedger | None]
"""The ledger in use, resolved when needed (None: no contract configured)."""


def _no_ledger() -> AttestationLedger | None:
    return None


def _reachable(ledger: LedgerSource) -> AttestationLedger | None:
    try:
        return ledger()
    except ChainUnreachable as exc:
        log.warning("identity attestations: chain not reachable: %s", exc)
        return None


# --------------------------------------------------------------------------------- attestations


@dataclass(frozen=True)
class AttestationSubmission:
    """What an attestor hands over: the signed statement, its signature (``sm2:<hex>``), and
    the clear identity and salt (hex) the commitment was made of."""

    statement: Mapping[str, object]
    signature: str
    identity: Mapping[str, object]
    salt: str

    @classmethod
    def from_json(cls, document: object) -> AttestationSubmission:
        if not isinstance(document, Mapping) or set(document) != {
            "attestation",
            "signature",
            "identity",
            "salt",
        }:
            raise InvalidAttestation(
                "an attestation is handed over as {attestation, signature, identity, salt}",
                details={"field": "document"},
            )
        statement, signature = document["attestation"], document["signature"]
        identity, salt = document["identity"], document["salt"]
        if not isinstance(statement, Mapping) or not isinstance(identity, Mapping):
            raise InvalidAttestation(
                "attestation and identity are JSON objects", details={"field": "attestation"}
            )
        if not isinstance(signature, str) or not isinstance(salt, str):
            raise InvalidAttestation("signature and salt are text", details={"field": "signature"})
        return cls(statement, signature, identity, salt)

    def to_json(self) -> dict[str, object]:
        return {
            "attestation": dict(self.statement),
            "signature": self.signature,
            "identity": dict(self.identity),
            "salt": self.salt,
        }


def sign_attestation(
    signer: Signer,
    party_id: str,
    identity: Identity,
    *,
    issued_at: datetime,
    expires_at: datetime,
    salt: bytes | None = None,
) -> AttestationSubmission:
    """What an attestor does once it has checked who ``party_id`` is: commit to ``identity``
    with a fresh salt and sign the statement with its SM2 key."""
    salt = secrets.token_bytes(SALT_SIZE) if salt is None else salt
    statement = {
        "type": ATTESTATION_TYPE,
        "party": party_id,
        "kind": identity.kind.value,
        "commitment": identity.commitment(salt).hex(),
        "issued_at": _timestamp(issued_at),
        "expires_at": _timestamp(expires_at),
        "attestor": f"{signer.algorithm}:{signer.public_key.to_bytes().hex()}",
    }
    signature = signer.sign(canonical_json(statement))
    return AttestationSubmission(statement, signature.to_text(), identity.to_json(), salt.hex())


@dataclass(frozen=True)
class Verification:
    """A party's verification as anyone sees it: no identity, only the commitment to it."""

    status: VerificationStatus
    kind: str | None = None
    commitment: str | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    attestor: str | None = None
    revoked_at: datetime | None = None
    chain_tx: str | None = None  # the transaction recording the commitment on chain
    revoke_tx: str | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def attest_party(
    sessions: sessionmaker[Session],
    attestors: Attestors,
    party_id: str,
    submission: AttestationSubmission,
    *,
    now: Callable[[], datetime],
    ledger: LedgerSource = _no_ledger,
) -> Verification:
    """Record an attestor's signed attestation of ``party_id``; it becomes the party's current
    one (an earlier one is superseded), and its commitment, expiry and signature are sent to the
    ``ledger`` on chain (the transaction is recorded; with the chain unreachable it is recorded
    off chain alone, and sending the same attestation again sends it).

    Refused, with nothing changed: a malformed statement or one about another party or kind
    (:class:`InvalidAttestation`), an attestor this registry does not accept
    (:class:`UnknownAttestor`), a signature that is not the attestor's
    (:class:`AttestationSignatureInvalid`), an expired or future statement
    (:class:`AttestationExpired`), a bad ID number (:class:`InvalidIdentityNumber`), an identity
    and salt that do not make the commitment (:class:`CommitmentMismatch`), an attestation
    revoked or superseded before (:class:`AttestationRevoked`)."""
    statement = dict(submission.statement)
    issued_at, expires_at, attestor = _check_statement(statement)
    key = attestors.key_named(attestor)
    if key is None:
        raise UnknownAttestor(
            "签发者不是本登记处认可的实名认证机构 the attestation's attestor is not one this "
            "registry accepts",
            details={"attestor": attestor},
        )
    try:
        signed = verify(key, canonical_json(statement), Signature.from_text(submission.signature))
    except CryptoError:
        signed = False
    if not signed:
        raise AttestationSignatureInvalid(
            "签名不是认证机构对该声明的签名 the signature is not the attestor's signature of the "
            "statement",
            details={"attestor": attestor},
        )
    if statement["party"] != party_id:
        raise InvalidAttestation(
            "the attestation is about another party",
            details={"field": "party", "attested": statement["party"]},
        )
    moment = now()
    if issued_at > moment + CLOCK_SKEW or expires_at <= moment:
        raise AttestationExpired(
            "实名认证已过期（或签发时间在未来） the attestation has expired (or is issued in the "
            "future)",
            details={"issued_at": statement["issued_at"], "expires_at": statement["expires_at"]},
        )
    identity = Identity.from_json(submission.identity)
    salt = _salt(submission.salt)
    if identity.kind != statement["kind"]:
        raise InvalidAttestation(
            "the identity is not of the attested kind", details={"field": "kind"}
        )
    if identity.commitment(salt).hex() != statement["commitment"]:
        raise CommitmentMismatch(
            "身份信息与承诺值不符 SM3(salt ‖ identity) is not the attestation's commitment"
        )
    with unit_of_work(sessions) as session:
        party = active_party(session, party_id)
        if party.kind != identity.kind:
            raise InvalidAttestation(
                f"party {party_id} is an {party.kind}, the attestation is of an {identity.kind}",
                details={"field": "kind", "party_kind": party.kind},
            )
        recorded = session.scalar(
            select(PartyAttestation).where(PartyAttestation.commitment == statement["commitment"])
        )
        if recorded is not None:
            if recorded.revoked_at is not None or recorded.party_id != party.id:
                raise AttestationRevoked(
                    "该实名认证已撤销 this attestation was revoked",
                    details={"commitment": recorded.commitment},
                )
            row_id = recorded.id  # the same one again: only the chain may still lack it
        else:
            row_id = _record(session, attestors, party, statement, submission, identity, salt,
                             issued_at, expires_at, moment)  # fmt: skip
    _send_attestation(sessions, ledger, row_id, party_id)
    return verification_of(sessions, party_id, now=now)


def _record(
    session: Session,
    attestors: Attestors,
    party: Party,
    statement: dict[str, object],
    submission: AttestationSubmission,
    identity: Identity,
    salt: bytes,
    issued_at: datetime,
    expires_at: datetime,
    moment: datetime,
) -> int:
    for current in session.scalars(
        select(PartyAttestation).where(
            PartyAttestation.party_id == party.id, PartyAttestation.revoked_at.is_(None)
        )
    ):
        current.revoked_at, current.revoke_reason = moment, SUPERSEDED
    row = PartyAttestation(
        party_id=party.id,
        kind=identity.kind.value,
        commitment=str(statement["commitment"]),
        statement=canonical_json(statement).decode(),
        signature=submission.signature,
        attestor=str(statement["attestor"]),
        issued_at=issued_at,
        expires_at=expires_at,
        sealed_identity=attestors.seal(party.party_id, identity, salt),
        recorded_at=moment,
    )
    session.add(row)
    session.flush()
    return row.id


def _send_attestation(
    sessions: sessionmaker[Session], ledger: LedgerSource, row_id: int, party_id: str
) -> None:
    with sessions() as session:
        row = session.get_one(PartyAttestation, row_id)
        if row.attest_tx is not None or row.revoked_at is not None:
            return
        commitment, expires_at = bytes.fromhex(row.commitment), as_utc(row.expires_at)
        signature = Signature.from_text(row.signature).value
    _send_and_record(
        sessions,
        ledger,
        row_id,
        "attest_tx",
        lambda chain: chain.attest(party_id, commitment, int(expires_at.timestamp()), signature),
        f"attestation of {party_id}",
    )


def _send_and_record(
    sessions: sessionmaker[Session],
    ledger: LedgerSource,
    row_id: int,
    column: Literal["attest_tx", "revoke_tx"],
    send: Callable[[AttestationLedger], str],
    what: str,
) -> None:
    """Send to the ledger and record the transaction in ``column`` of attestation ``row_id``;
    an unreachable chain records nothing, so the next try sends it again."""
    chain = _reachable(ledger)
    if chain is None:
        return
    try:
        tx_hash = send(chain)
    except ChainUnreachable as exc:
        log.warning("%s not recorded on chain yet: %s", what, exc)
        return
    with unit_of_work(sessions) as session:
        setattr(session.get_one(PartyAttestation, row_id), column, tx_hash)


def attest_party_in_dev_mode(
    sessions: sessionmaker[Session],
    attestors: Attestors,
    party_id: str,
    *,
    id_number: str,
    legal_name: str,
    valid_for: timedelta = timedelta(days=365),
    now: Callable[[], datetime],
    ledger: LedgerSource = _no_ledger,
) -> Verification:
    """Dev mode only: the development attestor attests ``party_id`` (no real check of who it
    is); :class:`DevAttestorRefused` elsewhere."""
    if attestors.dev_signer is None:
        raise DevAttestorRefused(
            "开发用认证机构仅在开发模式下签发 the development attestor signs in dev mode only: "
            "use an attestation signed by a real attestor"
        )
    with sessions() as session:
        party = active_party(session, party_id)
        kind = party.kind
    identity = Identity.parse(kind, id_number, legal_name)
    moment = now()
    submission = sign_attestation(
        attestors.dev_signer, party_id, identity, issued_at=moment, expires_at=moment + valid_for
    )
    return attest_party(sessions, attestors, party_id, submission, now=now, ledger=ledger)


def revoke_attestation(
    sessions: sessionmaker[Session],
    party_id: str,
    *,
    reason: str = "",
    now: Callable[[], datetime],
    ledger: LedgerSource = _no_ledger,
) -> Verification:
    """Revoke the party's current attestation: it shows as revoked, not verified, and the
    revocation (the reason's SM3 digest) is sent to the ``ledger`` on chain.
    :class:`AttestationNotFound` when it has none, :class:`AttestationRevoked` when it was
    revoked already (unless only its revocation on chain was missing: that is sent again)."""
    with unit_of_work(sessions) as session:
        party = _party(session, party_id)
        latest = _latest(session, party)
        if latest is None:
            raise AttestationNotFound(
                f"party {party_id} has no identity attestation", details={"party": party_id}
            )
        pending_on_chain = latest.attest_tx is not None and latest.revoke_tx is None
        chain = _reachable(ledger) if pending_on_chain else None
        if latest.revoked_at is not None and chain is None:
            raise AttestationRevoked(
                "该实名认证已撤销 this attestation was revoked already",
                details={"party": party_id, "commitment": latest.commitment},
            )
        if latest.revoked_at is None:
            latest.revoked_at, latest.revoke_reason = now(), reason.strip()[:1000] or None
        row_id = latest.id
    if chain is not None:
        _send_revocation(sessions, lambda: chain, row_id, party_id)
    return verification_of(sessions, party_id, now=now)


def _send_revocation(
    sessions: sessionmaker[Session], ledger: LedgerSource, row_id: int, party_id: str
) -> None:
    """Send the revocation of attestation ``row_id`` (revoked, on chain, its revocation not)."""
    with sessions() as session:
        row = session.get_one(PartyAttestation, row_id)
        if row.attest_tx is None or row.revoked_at is None or row.revoke_tx is not None:
            return
        commitment = bytes.fromhex(row.commitment)
        reason_digest = sm3((row.revoke_reason or "").encode())
    _send_and_record(
        sessions,
        ledger,
        row_id,
        "revoke_tx",
        lambda chain: chain.revoke(party_id, commitment, reason_digest),
        f"revocation of {party_id}",
    )


def send_pending_unbindings(
    sessions: sessionmaker[Session],
    *,
    ledger: LedgerSource,
    key_ids: Sequence[int] | None = None,
) -> list[str]:
    """Unbind on chain the addresses of revoked keys and parties (``PartyKey.unbind_pending``)
    from the verified persons they were bound to: they are nobody's verified reader any more, so
    the contracts issue no copy and allow no gift to them. Each is cleared once the chain took it
    (or had it bound to nobody); one the chain could not take stays pending for the next call
    (the registry refuses a revoked address itself meanwhile: ``refuse_revoked_addresses``).
    Only those of ``key_ids`` (a revocation's own, sent while it is answered) when given, else
    every one pending (the anchoring loop). The transactions sent."""
    query = select(PartyKey.id, PartyKey.identifier).where(PartyKey.unbind_pending.is_(True))
    if key_ids is not None:
        query = query.where(PartyKey.id.in_(list(key_ids)))
    with sessions() as session:
        pending = session.execute(query).all()
    chain = _reachable(ledger) if pending else None
    if chain is None:
        return []
    sent = []
    for key_id, identifier in pending:
        account = address_of(identifier)
        try:
            tx_hash = chain.unbind(account)
        except ChainUnreachable as exc:
            log.warning("account %s not unbound on chain yet: %s", account, exc)
            continue
        with unit_of_work(sessions) as session:
            session.get_one(PartyKey, key_id).unbind_pending = False
        if tx_hash is not None:
            sent.append(tx_hash)
    return sent


def send_pending_attestations(
    sessions: sessionmaker[Session], *, ledger: LedgerSource, now: Callable[[], datetime]
) -> None:
    """Send what the chain still lacks of each party's current attestation: the attestation
    itself (not revoked, not expired) or its revocation (a revoked person must stop being a
    verified reader on chain too). Run by the anchoring loop, so that a chain that was down when
    a party was attested or revoked hears of it once it is back, with nobody asking again."""
    moment = now()
    current = select(func.max(PartyAttestation.id)).group_by(PartyAttestation.party_id)
    with sessions() as session:
        # Each party's current attestation only (a superseded one the chain never needs), lacking
        # its attestation (for a party not revoked since) or its revocation on chain.
        candidates = session.execute(
            select(
                PartyAttestation.id,
                Party.party_id,
                PartyAttestation.attest_tx,
                PartyAttestation.expires_at,
            )
            .join(Party, Party.id == PartyAttestation.party_id)
            .where(
                PartyAttestation.id.in_(current),
                or_(
                    PartyAttestation.attest_tx.is_(None)
                    & PartyAttestation.revoked_at.is_(None)
                    & Party.revoked_at.is_(None),
                    PartyAttestation.attest_tx.is_not(None)
                    & PartyAttestation.revoked_at.is_not(None)
                    & PartyAttestation.revoke_tx.is_(None),
                ),
            )
        ).all()
    # Nor one that expired before the chain heard of it (it would refuse it).
    due = [
        (row_id, party_id)
        for row_id, party_id, attest_tx, expires_at in candidates
        if attest_tx is not None or as_utc(expires_at) > moment
    ]
    for row_id, party_id in due:
        _send_attestation(sessions, ledger, row_id, party_id)
        _send_revocation(sessions, ledger, row_id, party_id)


def verification_of(
    sessions: sessionmaker[Session], party_id: str, *, now: Callable[[], datetime]
) -> Verification:
    """The party's verification status, as anyone may see it (no identity)."""
    with sessions() as session:
        return _verification(session, _party(session, party_id), now())


@dataclass(frozen=True)
class IdentityReader:
    """Who reads a party's identity: an API key (its id and party, whether it is a regulator's)
    or the operator at the command line; ``via`` says how, for the audit log."""

    key_id: str | None
    party: int | None
    regulator: bool
    via: str


@dataclass(frozen=True)
class RevealedIdentity:
    """A party's clear identity with what proves it: the salt, and the attestor's signed
    statement holding the commitment."""

    party_id: str
    identity: Identity
    salt: str
    statement: Mapping[str, object]
    signature: str
    verification: Verification


def reveal_identity(
    sessions: sessionmaker[Session],
    attestors: Attestors,
    party_id: str,
    reader: IdentityReader,
    *,
    now: Callable[[], datetime],
) -> RevealedIdentity:
    """The party's clear identity, for the party itself or a regulator (or the operator at the
    command line); every read, and every refused one, is a line of the audit log.
    :class:`IdentityNotReadable` for anyone else, :class:`AttestationNotFound` when it was
    never attested."""
    with sessions() as session:
        party = _party(session, party_id)
        allowed = reader.regulator or (reader.party is not None and reader.party == party.id)
        latest = _latest(session, party) if allowed else None
        verification = _verification(session, party, now())
    if not allowed:
        _audit(sessions, reader, 403, now)
        raise IdentityNotReadable(
            "实名信息仅本人（本机构）或监管方可查阅 only the party itself or a regulator reads its "
            "identity",
            details={"party": party_id},
        )
    if latest is None:
        _audit(sessions, reader, 404, now)
        raise AttestationNotFound(
            f"party {party_id} has no identity attestation", details={"party": party_id}
        )
    identity, salt = attestors.open(party_id, latest.sealed_identity)
    _audit(sessions, reader, 200, now)
    return RevealedIdentity(
        party_id=party_id,
        identity=identity,
        salt=salt.hex(),
        statement=json.loads(latest.statement),
        signature=latest.signature,
        verification=verification,
    )


def _audit(
    sessions: sessionmaker[Session],
    reader: IdentityReader,
    status: int,
    now: Callable[[], datetime],
) -> None:
    record_write(
        sessions, key_id=reader.key_id, method=READ, path=reader.via, status=status, now=now
    )


def _check_statement(statement: dict[str, object]) -> tuple[datetime, datetime, str]:
    if set(statement) != STATEMENT_FIELDS:
        raise InvalidAttestation(
            f"a {ATTESTATION_TYPE} statement has exactly the members {sorted(STATEMENT_FIELDS)}",
            details={"field": "attestation"},
        )
    if statement["type"] != ATTESTATION_TYPE:
        raise InvalidAttestation(f"not a {ATTESTATION_TYPE} statement", details={"field": "type"})
    for name in STATEMENT_FIELDS:
        if not isinstance(statement[name], str):
            raise InvalidAttestation(f"{name} is text", details={"field": name})
    if statement["kind"] not in {k.value for k in IdentityKind}:
        raise InvalidAttestation("kind is organisation or person", details={"field": "kind"})
    if re.fullmatch(r"[0-9a-f]{64}", str(statement["commitment"])) is None:
        raise InvalidAttestation(
            "commitment is an SM3 digest, 64 lowercase hex digits", details={"field": "commitment"}
        )
    issued_at = _parse_time(statement["issued_at"], "issued_at")
    expires_at = _parse_time(statement["expires_at"], "expires_at")
    if expires_at <= issued_at:
        raise InvalidAttestation(
            "an attestation expires after it is issued", details={"field": "expires_at"}
        )
    return issued_at, expires_at, str(statement["attestor"])


def _parse_time(value: object, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            raise ValueError
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidAttestation(
            f"{field} is an RFC 3339 time with its offset (2026-12-04T02:00:00Z)",
            details={"field": field},
        ) from None


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _salt(text: str) -> bytes:
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        salt = b""
    if len(salt) != SALT_SIZE:
        raise InvalidAttestation("the salt is 32 bytes, 64 hex digits", details={"field": "salt"})
    return salt


def _party(session: Session, party_id: str) -> Party:
    party = session.scalar(select(Party).where(Party.party_id == party_id))
    if party is None:
        raise PartyNotFound(f"no party {party_id!r}", details={"party": party_id})
    return party


def _latest(session: Session, party: Party) -> PartyAttestation | None:
    return session.scalar(
        select(PartyAttestation)
        .where(PartyAttestation.party_id == party.id)
        .order_by(PartyAttestation.id.desc())
        .limit(1)
    )


def _verification(session: Session, party: Party, moment: datetime) -> Verification:
    latest = _latest(session, party)
    if latest is None:
        return Verification(VerificationStatus.NONE)
    expires_at = as_utc(latest.expires_at)
    if latest.revoked_at is not None:
        status = VerificationStatus.REVOKED
    elif expires_at <= moment:
        status = VerificationStatus.EXPIRED
    else:
        status = VerificationStatus.VERIFIED
    return view_of(Verification, latest, status=status, chain_tx=latest.attest_tx)
