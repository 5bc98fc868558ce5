"""Identity attestations (实名认证): only a configured attestor's signature over a commitment the
identity and salt make is recorded; the identity is sealed, read by the party or a regulator
only, and every read is audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from web3 import Web3

from crypto.signing import KeySigner
from crypto.sm2 import SM2PrivateKey
from registry.access import create_api_key, create_party, revoke_key, revoke_party
from registry.access.attestation import (
    AttestationSubmission,
    Attestors,
    Identity,
    IdentityReader,
    VerificationStatus,
    attest_party,
    attest_party_in_dev_mode,
    check_credit_code,
    check_resident_id,
    reveal_identity,
    revoke_attestation,
    send_pending_attestations,
    send_pending_unbindings,
    sign_attestation,
    verification_of,
)
from registry.access.parties import key_identifier
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
    UnknownAttestor,
)
from registry.core.models import AuditEntry, Party, PartyAttestation, PartyKey
from registry.core.settings import Settings
from registry.platform.attestors import load_attestors
from registry.platform.runtime import Runtime

# 统一社会信用代码: the GB 32100-2015 example, and codes whose check characters were computed
# (weights 3^i mod 31 over the 31-character alphabet).
CREDIT_CODE = "91350100M000100Y43"
OTHER_CREDIT_CODES = ("91110000100017643K", "91510000MA6CL1234D", "12100000400000624D")
# Resident ID numbers: the GB 11643-1999 example, and one computed (MOD 11-2).
RESIDENT_ID = "11010519491231002X"
OTHER_RESIDENT_ID = "44030419900307123X"
T0 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def org_identity() -> Identity:
    return Identity.parse("organisation", CREDIT_CODE, "四川人民出版社有限公司")


def new_party(runtime: Runtime, kind: str = "organisation") -> str:
    return create_party(
        runtime.sessions, public_name="四川人民出版社", kind=kind, now=runtime.now
    ).party_id


def stored(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(PartyAttestation)) or 0


def signed(attestors: Attestors, party_id: str, **overrides: object) -> AttestationSubmission:
    assert attestors.dev_signer is not None
    return sign_attestation(
        attestors.dev_signer,
        party_id,
        org_identity(),
        issued_at=overrides.get("issued_at", T0),  # type: ignore[arg-type]
        expires_at=overrides.get("expires_at", T0 + timedelta(days=365)),  # type: ignore[arg-type]
    )


# -------------------------------------------------------------------------- check characters


@pytest.mark.parametrize("code", [CREDIT_CODE, *OTHER_CREDIT_CODES, CREDIT_CODE.lower()])
def test_credit_codes_with_their_check_character(code: str) -> None:
    assert check_credit_code(code) == code.upper()


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M0001O0Y43",  # O is not in the alphabet
        "91350100M000100Y4I",
        "9135 0100M000100Y4",
    ],
)
def test_credit_codes_refused(code: str) -> None:
    with pytest.raises(InvalidIdentityNumber):
        check_credit_code(code)


@pytest.mark.parametrize("number", [RESIDENT_ID, OTHER_RESIDENT_ID, RESIDENT_ID.lower()])
def test_resident_ids_with_their_check_digit(number: str) -> None:
    assert check_resident_id(number) == number.upper()


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # 17 digits
        "11010519491331002X",  # month 13 (and its check digit right for it would not help)
        "1101051949123100X2",
    ],
)
def test_resident_ids_refused(number: str) -> None:
    with pytest.raises(InvalidIdentityNumber):
        check_resident_id(number)


def test_a_bad_check_digit_in_an_attestation_changes_nothing(runtime: Runtime) -> None:
    party = new_party(runtime)
    with pytest.raises(InvalidIdentityNumber):
        attest_party_in_dev_mode(
            runtime.sessions, runtime.attestors, party, id_number="91350100M000100Y44",
            legal_name="四川人民出版社有限公司", now=at(T0),
        )  # fmt: skip
    assert stored(runtime) == 0


# ------------------------------------------------------------------------------- adversaries


def test_an_attestation_signed_by_another_sm2_key_is_refused(runtime: Runtime) -> None:
    party = new_party(runtime)
    impostor = KeySigner(SM2PrivateKey.generate())
    forged = sign_attestation(
        impostor, party, org_identity(), issued_at=T0, expires_at=T0 + timedelta(days=30)
    )
    # Naming itself: not an attestor this registry accepts.
    with pytest.raises(UnknownAttestor):
        attest_party(runtime.sessions, runtime.attestors, party, forged, now=at(T0))
    # Naming the real attestor, signed with its own key: the signature does not verify.
    real = signed(runtime.attestors, party)
    statement = {**forged.statement, "attestor": real.statement["attestor"]}
    from crypto.canonical import canonical_json

    passing_off = AttestationSubmission(
        statement, impostor.sign(canonical_json(statement)).to_text(), forged.identity, forged.salt
    )
    with pytest.raises(AttestationSignatureInvalid):
        attest_party(runtime.sessions, runtime.attestors, party, passing_off, now=at(T0))
    # A real statement with another party's name in it, or another signature, is refused too.
    tampered = AttestationSubmission(
        {**real.statement, "expires_at": "2099-01-01T00:00:00Z"},
        real.signature, real.identity, real.salt,
    )  # fmt: skip
    with pytest.raises(AttestationSignatureInvalid):
        attest_party(runtime.sessions, runtime.attestors, party, tampered, now=at(T0))
    other = new_party(runtime)
    with pytest.raises(InvalidAttestation):
        attest_party(runtime.sessions, runtime.attestors, other, real, now=at(T0))
    assert stored(runtime) == 0
    assert verification_of(runtime.sessions, party, now=at(T0)).status is VerificationStatus.NONE


def test_identity_and_salt_must_make_the_commitment(runtime: Runtime) -> None:
    party = new_party(runtime)
    real = signed(runtime.attestors, party)
    other_name = {**real.identity, "legal_name": "另一家公司"}
    for identity, salt in ((other_name, real.salt), (real.identity, "00" * 32)):
        with pytest.raises(CommitmentMismatch):
            attest_party(
                runtime.sessions, runtime.attestors, party,
                AttestationSubmission(real.statement, real.signature, identity, salt), now=at(T0),
            )  # fmt: skip
    assert stored(runtime) == 0


def test_a_party_reads_only_its_own_identity_and_a_publisher_none(runtime: Runtime) -> None:
    party = new_party(runtime)
    other = new_party(runtime)
    attest_party(
        runtime.sessions, runtime.attestors, party, signed(runtime.attestors, party), now=at(T0)
    )
    for reader_party in (other, None):
        key = create_api_key(
            runtime.sessions, name="乙", scopes=["publisher", "admin"], party=reader_party,
            now=runtime.now,
        )  # fmt: skip
        with runtime.sessions() as session:
            from registry.core.models import ApiKey

            row = session.scalar(select(ApiKey.party_id).where(ApiKey.key_id == key.key_id))
        reader = IdentityReader(key.key_id, row, regulator=False, via="/v1/parties/x/identity")
        with pytest.raises(IdentityNotReadable):
            reveal_identity(runtime.sessions, runtime.attestors, party, reader, now=at(T0))
    with runtime.sessions() as session:
        refusals = session.scalars(select(AuditEntry).where(AuditEntry.method == "READ")).all()
    assert [entry.status for entry in refusals] == [403, 403]


def test_expired_and_revoked_attestations_are_not_verified(runtime: Runtime) -> None:
    party = new_party(runtime)
    # Expired before it is handed over: refused.
    old = signed(runtime.attestors, party, issued_at=T0 - timedelta(days=400),
                 expires_at=T0 - timedelta(days=35))  # fmt: skip
    with pytest.raises(AttestationExpired):
        attest_party(runtime.sessions, runtime.attestors, party, old, now=at(T0))
    future = signed(runtime.attestors, party, issued_at=T0 + timedelta(hours=1))
    with pytest.raises(AttestationExpired):
        attest_party(runtime.sessions, runtime.attestors, party, future, now=at(T0))
    assert stored(runtime) == 0

    # Recorded, then past its expiry: shown as expired.
    short = signed(runtime.attestors, party, expires_at=T0 + timedelta(days=1))
    shown = attest_party(runtime.sessions, runtime.attestors, party, short, now=at(T0))
    assert shown.status is VerificationStatus.VERIFIED
    later = verification_of(runtime.sessions, party, now=at(T0 + timedelta(days=2)))
    assert later.status is VerificationStatus.EXPIRED
    assert later.label == "实名认证已过期 expired"

    # A new one, revoked: shown as revoked, and not accepted again.
    fresh = signed(runtime.attestors, party)
    attest_party(runtime.sessions, runtime.attestors, party, fresh, now=at(T0))
    revoked = revoke_attestation(runtime.sessions, party, reason="营业执照吊销", now=at(T0))
    assert revoked.status is VerificationStatus.REVOKED
    assert verification_of(runtime.sessions, party, now=at(T0)).status is VerificationStatus.REVOKED
    with pytest.raises(AttestationRevoked):
        attest_party(runtime.sessions, runtime.attestors, party, fresh, now=at(T0))
    with pytest.raises(AttestationRevoked):
        revoke_attestation(runtime.sessions, party, now=at(T0))
    # The first one was superseded when the second came: it is not accepted again either.
    with pytest.raises(AttestationRevoked):
        attest_party(runtime.sessions, runtime.attestors, party, short, now=at(T0))


def test_nothing_to_revoke_or_read(runtime: Runtime) -> None:
    party = new_party(runtime)
    with pytest.raises(AttestationNotFound):
        revoke_attestation(runtime.sessions, party, now=at(T0))
    reader = IdentityReader(None, None, regulator=True, via="cli")
    with pytest.raises(AttestationNotFound):
        reveal_identity(runtime.sessions, runtime.attestors, party, reader, now=at(T0))


# ------------------------------------------------------------------------------- the happy path


def test_verified_party_reads_its_identity_sealed_at_rest(runtime: Runtime) -> None:
    party = new_party(runtime, kind="person")
    shown = attest_party_in_dev_mode(
        runtime.sessions, runtime.attestors, party, id_number=RESIDENT_ID.lower(),
        legal_name=" 张三 ", now=at(T0),
    )  # fmt: skip
    assert shown.status is VerificationStatus.VERIFIED
    assert shown.label == "已实名认证 verified"
    assert shown.kind == "person"
    assert shown.expires_at == T0 + timedelta(days=365)
    assert shown.attestor == runtime.attestors.dev_identifier

    with runtime.sessions() as session:
        row = session.scalars(select(PartyAttestation)).one()
        sealed, statement = row.sealed_identity, row.statement
    assert RESIDENT_ID.encode() not in sealed
    assert "张三".encode() not in sealed
    assert RESIDENT_ID not in statement
    assert "张三" not in statement

    key = create_api_key(
        runtime.sessions, name="张三", scopes=["publisher"], party=party, now=runtime.now
    )
    with runtime.sessions() as session:
        from registry.core.models import ApiKey

        row_party = session.scalar(select(ApiKey.party_id).where(ApiKey.key_id == key.key_id))
    reader = IdentityReader(
        key.key_id, row_party, regulator=False, via=f"/v1/parties/{party}/identity"
    )
    revealed = reveal_identity(runtime.sessions, runtime.attestors, party, reader, now=at(T0))
    assert revealed.identity == Identity.parse("person", RESIDENT_ID, "张三")
    # What a court recomputes: SM3(salt ‖ identity) is the signed commitment.
    assert revealed.identity.commitment(bytes.fromhex(revealed.salt)).hex() == shown.commitment
    assert revealed.statement["commitment"] == shown.commitment

    regulator = IdentityReader("regkey", None, regulator=True, via="/v1/parties/x/identity")
    reveal_identity(runtime.sessions, runtime.attestors, party, regulator, now=at(T0))
    with runtime.sessions() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.method == "READ")).all()
    assert [(e.key_id, e.status) for e in reads] == [(key.key_id, 200), ("regkey", 200)]

    # The sealed identity is bound to its party: moved to another, it does not open.
    from crypto.errors import DecryptionFailed

    with pytest.raises(DecryptionFailed):
        runtime.attestors.open("party_0000000000000000", sealed)


def test_an_external_attestor_configured_by_its_public_key(runtime: Runtime) -> None:
    attestor = KeySigner(SM2PrivateKey.generate())
    identifier = f"sm2:{attestor.public_key.to_bytes().hex()}"
    settings = runtime.settings.model_copy(update={"attestor_public_keys": [identifier]})
    attestors = load_attestors(settings)
    party = new_party(runtime)
    submission = sign_attestation(
        attestor, party, org_identity(), issued_at=T0, expires_at=T0 + timedelta(days=30)
    )
    round_tripped = AttestationSubmission.from_json(submission.to_json())
    shown = attest_party(runtime.sessions, attestors, party, round_tripped, now=at(T0))
    assert shown.attestor == identifier
    assert shown.status is VerificationStatus.VERIFIED
    # The registry that does not list it refuses it.
    bare = Attestors((), runtime.settings.master_key_bytes)
    with pytest.raises(UnknownAttestor):
        attest_party(runtime.sessions, bare, new_party(runtime), submission, now=at(T0))


def test_the_development_attestor_is_for_dev_mode_only(tmp_path: Path) -> None:
    production: dict[str, Any] = {
        "mode": "production",
        "data_dir": tmp_path,
        "chain_private_key": "0x" + "11" * 32,
        "master_key": "22" * 32,
        "anchor_address": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    }
    with pytest.raises(ValidationError):
        Settings(**production, dev_attestor_key_file=tmp_path / "k.pem")
    with pytest.raises(ValidationError):
        Settings(**production, attestor_public_keys=["secp256k1:04ab"])
    attestors = load_attestors(Settings(**production))
    assert attestors.dev_signer is None
    assert attestors.accepted == ()
    assert not (tmp_path / "dev-attestor.pem").exists()
    with pytest.raises(DevAttestorRefused):
        attest_party_in_dev_mode(
            None,  # type: ignore[arg-type]
            attestors, "party_x", id_number=CREDIT_CODE, legal_name="甲", now=at(T0),
        )  # fmt: skip


def test_the_development_key_is_made_once_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = load_attestors(settings)
    assert (tmp_path / "dev-attestor.pem").stat().st_mode & 0o077 == 0
    assert load_attestors(settings).accepted == first.accepted


class FakeLedger:
    """Stands for IdentityAttestations: down until told otherwise, then records each call."""

    def __init__(self) -> None:
        self.up = False
        self.calls: list[tuple[str, str, bytes]] = []

    def attest(
        self, party_id: str, commitment: bytes, expires_at: int, attestor_signature: bytes
    ) -> str:
        return self._send("attest", party_id, commitment)

    def revoke(self, party_id: str, commitment: bytes, reason_digest: bytes) -> str:
        return self._send("revoke", party_id, commitment)

    def unbind(self, account: str) -> str:
        return self._send("unbind", account, b"")

    def _send(self, what: str, party_id: str, commitment: bytes) -> str:
        if not self.up:
            raise ChainUnreachable("node down")
        self.calls.append((what, party_id, commitment))
        return "0x" + f"{len(self.calls):064x}"


def test_with_the_chain_down_it_is_recorded_and_sent_when_given_again(runtime: Runtime) -> None:
    party = new_party(runtime)
    ledger = FakeLedger()
    submission = signed(runtime.attestors, party)
    shown = attest_party(
        runtime.sessions, runtime.attestors, party, submission, now=at(T0),
        ledger=lambda: ledger,
    )  # fmt: skip
    assert shown.status is VerificationStatus.VERIFIED
    assert shown.chain_tx is None
    ledger.up = True
    again = attest_party(
        runtime.sessions, runtime.attestors, party, submission, now=at(T0),
        ledger=lambda: ledger,
    )  # fmt: skip
    commitment = bytes.fromhex(str(shown.commitment))
    assert again.chain_tx == "0x" + f"{1:064x}"
    assert ledger.calls == [("attest", party, commitment)]
    # Sent once: the same attestation again sends nothing more.
    attest_party(
        runtime.sessions, runtime.attestors, party, submission, now=at(T0),
        ledger=lambda: ledger,
    )  # fmt: skip
    assert len(ledger.calls) == 1

    ledger.up = False
    revoked = revoke_attestation(runtime.sessions, party, now=at(T0), ledger=lambda: ledger)
    assert revoked.status is VerificationStatus.REVOKED
    assert revoked.revoke_tx is None
    ledger.up = True
    sent = revoke_attestation(runtime.sessions, party, now=at(T0), ledger=lambda: ledger)
    assert sent.revoke_tx is not None
    assert ledger.calls[-1] == ("revoke", party, commitment)
    with pytest.raises(AttestationRevoked):
        revoke_attestation(runtime.sessions, party, now=at(T0), ledger=lambda: ledger)


@pytest.mark.parametrize(
    "change",
    [
        {"type": "banquan.attestation/2"},
        {"issued_at": "2026-12-04 02:00"},
        {"issued_at": "0001-01-01T00:00:00+01:00"},
        {"expires_at": "2026-12-04T01:00:00Z"},
        {"commitment": "00" * 31},
        {"kind": "robot"},
        {"extra": "x"},
    ],
)
def test_malformed_statements_are_refused(runtime: Runtime, change: dict[str, str]) -> None:
    party = new_party(runtime)
    real = signed(runtime.attestors, party)
    statement = {**real.statement, **change}
    with pytest.raises(InvalidAttestation):
        attest_party(
            runtime.sessions, runtime.attestors, party,
            AttestationSubmission(statement, real.signature, real.identity, real.salt),
            now=at(T0),
        )  # fmt: skip
    assert stored(runtime) == 0


def test_what_the_chain_missed_the_loop_sends_once_it_is_back(runtime: Runtime) -> None:
    """Attested or revoked while the chain was down: nobody asks again, the anchoring loop's
    call sends what the chain lacks of each party's current attestation, and only that."""
    ledger = FakeLedger()
    attested, revoked, superseded, expired, gone = (new_party(runtime) for _ in range(5))

    def attest(party: str, **overrides: object) -> None:
        submission = signed(runtime.attestors, party, **overrides)
        attest_party(
            runtime.sessions, runtime.attestors, party, submission, now=at(T0),
            ledger=lambda: ledger,
        )  # fmt: skip

    attest(attested)
    attest(superseded)
    attest(superseded)  # a newer one: the first is never sent
    attest(expired, expires_at=T0 + timedelta(days=1))
    attest(gone)
    revoke_party(runtime.sessions, gone, now=runtime.now)  # its attestation is never sent now
    ledger.up = True
    attest(revoked)
    ledger.up = False
    revoke_attestation(runtime.sessions, revoked, now=at(T0), ledger=lambda: ledger)
    assert ledger.calls == [("attest", revoked, commitment_of(runtime, revoked))]

    later = at(T0 + timedelta(days=2))
    send_pending_attestations(runtime.sessions, ledger=lambda: ledger, now=later)
    assert len(ledger.calls) == 1  # still down: nothing sent, nothing lost
    ledger.up = True
    send_pending_attestations(runtime.sessions, ledger=lambda: ledger, now=later)
    assert sorted(ledger.calls[1:]) == sorted(
        [
            ("attest", attested, commitment_of(runtime, attested)),
            ("attest", superseded, commitment_of(runtime, superseded)),
            ("revoke", revoked, commitment_of(runtime, revoked)),
        ]
    )
    assert verification_of(runtime.sessions, attested, now=later).chain_tx is not None
    assert verification_of(runtime.sessions, revoked, now=later).revoke_tx is not None
    send_pending_attestations(runtime.sessions, ledger=lambda: ledger, now=later)
    assert len(ledger.calls) == 4  # sent once


def test_a_revoked_address_is_unbound_once_the_chain_is_back(runtime: Runtime) -> None:
    ledger = FakeLedger()
    address = Web3.to_checksum_address("0x" + "ab" * 20)
    sm2 = key_identifier(SM2PrivateKey.generate().public_key)
    party = create_party(
        runtime.sessions, public_name="读者", kind="person", keys=[address, sm2], now=runtime.now
    )
    for key in party.keys:
        revoke_key(runtime.sessions, party.party_id, key.fingerprint, now=runtime.now)
    assert pending_unbindings(runtime) == [address]  # the SM2 key has no address
    assert send_pending_unbindings(runtime.sessions, ledger=lambda: ledger) == []
    assert pending_unbindings(runtime) == [address]
    ledger.up = True
    sent = send_pending_unbindings(runtime.sessions, ledger=lambda: ledger)
    assert sent == ["0x" + f"{1:064x}"]
    assert ledger.calls == [("unbind", address, b"")]
    assert pending_unbindings(runtime) == []
    assert send_pending_unbindings(runtime.sessions, ledger=lambda: ledger) == []
    assert len(ledger.calls) == 1


def commitment_of(runtime: Runtime, party_id: str) -> bytes:
    with runtime.sessions() as session:
        latest = session.scalar(
            select(PartyAttestation.commitment)
            .join(Party, Party.id == PartyAttestation.party_id)
            .where(Party.party_id == party_id)
            .order_by(PartyAttestation.id.desc())
            .limit(1)
        )
    assert latest is not None
    return bytes.fromhex(latest)


def pending_unbindings(runtime: Runtime) -> list[str]:
    with runtime.sessions() as session:
        identifiers = session.scalars(
            select(PartyKey.identifier).where(PartyKey.unbind_pending.is_(True))
        ).all()
    return [identifier.removeprefix("address:") for identifier in identifiers]
