"""Parties: who registers, holds keys and owns assets. Admins create them, link or revoke their
keys and addresses, and record or revoke their identity attestations (实名认证); anyone may read
a party's public name, addresses and verification status; only the party itself or a regulator
reads its identity (audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api import examples
from api.auth import Admin, Caller, Regulator, requires
from api.dependencies import RuntimeDep
from api.routes.admin import LenderRoleOut, lender_role_out
from api.schemas import error_responses, fields_of, out_of, with_example
from registry.access import (
    AttestationSubmission,
    IdentityReader,
    KeyLinkStatement,
    PartyView,
    Principal,
    Scope,
    Verification,
    attest_party,
    create_party,
    describe_party,
    key_link_statement,
    link_key,
    link_own_key,
    list_parties,
    own_party,
    reveal_identity,
    revoke_attestation,
    revoke_key,
    revoke_own_key,
    revoke_party,
    verification_of,
)
from registry.access.parties import LinkedKey
from registry.platform import Runtime

router = APIRouter(tags=["parties"])

PartyId = Annotated[str, Path(examples=[examples.PARTY["party_id"]])]
Fingerprint = Annotated[str, Path(examples=["9c1d2e3f4a5b6c7d"], max_length=64)]
# A party acting for itself: a key of one of the roles that hold keys (a regulator's writes
# nothing, an admin's acts for its own party).
PartyActor = Annotated[Principal, Depends(requires(Scope.PUBLISHER, Scope.LENDER, Scope.PLATFORM))]


class PartyIn(BaseModel):
    public_name: str = Field(min_length=1, max_length=200, examples=["四川人民出版社"])
    kind: str = Field(default="organisation", examples=["organisation"])
    keys: list[str | dict[str, str]] = Field(
        default_factory=list,
        description="Signing keys (sm2:04…, secp256k1:04…, or a public key's JSON) and chain "
        "addresses (0x…) to link",
        examples=[["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]],
    )


class KeyLinkIn(BaseModel):
    key: str | dict[str, str] = Field(
        examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
        description="A signing key (sm2:04…, secp256k1:04…, a public key's JSON) or an address",
    )


class KeyChallengeIn(BaseModel):
    key: str | dict[str, str] = Field(
        examples=["sm2:04" + "a1" * 64],
        description="The key to link: sm2:04…, secp256k1:04…, a public key's JSON, or an "
        "address 0x…",
    )


class KeyChallengeOut(BaseModel):
    """The statement the new key signs, and the exact bytes of it that are signed."""

    model_config = with_example(examples.KEY_LINK_CHALLENGE)

    statement: dict[str, str] = Field(
        description="banquan.key-link/1: type, purpose, party, key, nonce, issued_at, "
        "expires_at (5 minutes later)"
    )
    message: str = Field(
        description="RFC 8785 canonical JSON of the statement, as UTF-8 text: what the key "
        "signs (SM2 with the default ID 1234567812345678; secp256k1: EIP-191 personal_sign)"
    )


class KeyProofIn(BaseModel):
    """A statement from the challenge, signed by the key it links (proof of possession)."""

    model_config = with_example(
        {"statement": examples.KEY_LINK_CHALLENGE["statement"], "signature": "sm2:" + "5e" * 64}
    )

    statement: dict[str, str]
    signature: str = Field(
        max_length=300,
        description="The new key's signature of the message: sm2:<hex r ‖ s> or "
        "secp256k1:<hex r ‖ s ‖ v>",
    )


def challenge_out(statement: KeyLinkStatement) -> KeyChallengeOut:
    return KeyChallengeOut(
        statement=statement.to_json(), message=statement.message().decode("utf-8")
    )


class LinkedKeyOut(fields_of(LinkedKey)):  # type: ignore[misc]
    model_config = ConfigDict(from_attributes=True)


class PartyVerificationOut(BaseModel):
    """A party's identity verification as anyone sees it: the commitment, never the identity."""

    model_config = with_example(examples.PARTY_VERIFICATION)

    status: str = Field(description="verified, expired, revoked or none")
    label: str = Field(description="The status for people, zh-CN and English")
    kind: str | None = Field(description="organisation (统一社会信用代码) or person (resident ID)")
    commitment: str | None = Field(
        description="SM3(salt ‖ canonical identity JSON), hex: what the attestor signed"
    )
    issued_at: datetime | None
    expires_at: datetime | None
    attestor: str | None = Field(description="The attestor's SM2 public key, sm2:04…")
    revoked_at: datetime | None
    chain_tx: str | None = Field(
        description="The transaction recording the commitment in IdentityAttestations on chain "
        "(null until sent)"
    )
    revoke_tx: str | None = Field(description="The transaction recording its revocation")


def verification_out(verification: Verification) -> PartyVerificationOut:
    return out_of(PartyVerificationOut, verification, status=verification.status.value)


class PartyOut(BaseModel):
    model_config = with_example(examples.PARTY)

    party_id: str
    kind: str
    public_name: str
    created_at: datetime
    revoked_at: datetime | None
    addresses: list[str]
    keys: list[LinkedKeyOut]
    verification: PartyVerificationOut


def party_out(view: PartyView, runtime: Runtime) -> PartyOut:
    verification = verification_of(runtime.sessions, view.party_id, now=runtime.now)
    return out_of(PartyOut, view, verification=verification_out(verification))


class AttestationIn(BaseModel):
    """What an identity attestor hands over: its signed ``banquan.attestation/1`` statement,
    the signature, and the identity and salt the commitment was made of."""

    model_config = with_example(examples.ATTESTATION_IN)

    attestation: dict[str, str] = Field(
        description="The statement: type, party, kind, commitment, issued_at, expires_at, "
        "attestor (RFC 8785 canonical JSON of it is what is signed)"
    )
    signature: str = Field(description="The attestor's SM2 signature, sm2:<hex of r ‖ s>")
    identity: dict[str, str] = Field(description="{kind, id_number, legal_name}")
    salt: str = Field(description="The commitment's 32-byte salt, hex")


class IdentityOut(BaseModel):
    """A party's clear identity, with what proves it: the salt and the attestor's signed
    statement (SM3(salt ‖ identity) is its commitment)."""

    model_config = with_example(examples.PARTY_IDENTITY)

    party_id: str
    identity: dict[str, str]
    salt: str
    attestation: dict[str, object]
    signature: str
    verification: PartyVerificationOut


@router.post(
    "/v1/admin/parties",
    status_code=201,
    response_model=PartyOut,
    responses=error_responses(401, 403, 409, 422),
)
def post_party(body: PartyIn, runtime: RuntimeDep, _admin: Admin) -> PartyOut:
    """Create a party (an organisation or a person) with its keys and addresses."""
    view = create_party(
        runtime.sessions, public_name=body.public_name, kind=body.kind, keys=body.keys,
        now=runtime.now,
    )  # fmt: skip
    return party_out(view, runtime)


@router.get("/v1/admin/parties", response_model=list[PartyOut], responses=error_responses(401, 403))
def get_parties(runtime: RuntimeDep, _regulator: Regulator) -> list[PartyOut]:
    """Every party (admins and regulators)."""
    return [party_out(view, runtime) for view in list_parties(runtime.sessions)]


@router.post(
    "/v1/admin/parties/{party_id}/keys",
    status_code=201,
    response_model=PartyOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
def post_party_key(
    party_id: PartyId, body: KeyLinkIn, runtime: RuntimeDep, _admin: Admin
) -> PartyOut:
    """Link a signing key or chain address to the party; a key belongs to one party for good."""
    return party_out(link_key(runtime.sessions, party_id, body.key, now=runtime.now), runtime)


@router.delete(
    "/v1/admin/parties/{party_id}/keys/{fingerprint}",
    response_model=PartyOut,
    responses=error_responses(401, 403, 404),
)
def delete_party_key(
    party_id: PartyId,
    fingerprint: Annotated[str, Path(examples=["9c1d2e3f4a5b6c7d"])],
    runtime: RuntimeDep,
    _admin: Admin,
) -> PartyOut:
    """Revoke one of the party's keys: claims it signs are refused from then on, and an address
    it stands for is nobody's verified reader any more (unbound on chain)."""
    view = revoke_key(
        runtime.sessions,
        party_id,
        fingerprint,
        now=runtime.now,
        unbind=runtime.send_pending_unbindings,
    )
    return party_out(view, runtime)


@router.get("/v1/parties/me", response_model=PartyOut, responses=error_responses(401, 403))
def get_own_party(runtime: RuntimeDep, caller: Caller) -> PartyOut:
    """The caller's own party: its name, keys, addresses and verification."""
    return party_out(own_party(runtime.sessions, caller.party), runtime)


@router.post(
    "/v1/parties/me/keys/challenge",
    response_model=KeyChallengeOut,
    responses=error_responses(400, 401, 403, 409),
)
def post_key_challenge(
    body: KeyChallengeIn, runtime: RuntimeDep, caller: PartyActor
) -> KeyChallengeOut:
    """The statement a new key of the caller's own party signs to be linked to it: it names the
    party, the key, the purpose and a nonce, and holds for 5 minutes. Nothing is recorded."""
    return challenge_out(
        key_link_statement(runtime.sessions, caller.party, body.key, now=runtime.now)
    )


@router.post(
    "/v1/parties/me/keys",
    status_code=201,
    response_model=PartyOut,
    responses=error_responses(400, 401, 403, 409, 422),
)
def post_own_key(body: KeyProofIn, runtime: RuntimeDep, caller: PartyActor) -> PartyOut:
    """Link a key (or address) to the caller's own party by proof of possession: the statement
    of the challenge, signed by that key. A statement links once; a key belongs to one party for
    good; a revoked party links nothing."""
    view = link_own_key(
        runtime.sessions, caller.party, body.statement, body.signature, now=runtime.now
    )
    return party_out(view, runtime)


@router.delete(
    "/v1/parties/me/keys/{fingerprint}",
    response_model=PartyOut,
    responses=error_responses(401, 403, 404),
)
def delete_own_key(fingerprint: Fingerprint, runtime: RuntimeDep, caller: PartyActor) -> PartyOut:
    """Revoke one of the caller's own party's keys: claims it signs are refused from then on,
    and it is never linked again."""
    view = revoke_own_key(
        runtime.sessions,
        caller.party,
        fingerprint,
        now=runtime.now,
        unbind=runtime.send_pending_unbindings,
    )
    return party_out(view, runtime)


@router.post(
    "/v1/admin/parties/{party_id}/revoke",
    response_model=PartyOut,
    responses=error_responses(401, 403, 404),
)
def post_party_revoke(party_id: PartyId, runtime: RuntimeDep, _admin: Admin) -> PartyOut:
    """Revoke the party: its API keys and signing keys stop working, its addresses are nobody's
    verified reader any more (unbound on chain); its registrations stay."""
    view = revoke_party(
        runtime.sessions, party_id, now=runtime.now, unbind=runtime.send_pending_unbindings
    )
    return party_out(view, runtime)


@router.get("/v1/parties/{party_id}", response_model=PartyOut, responses=error_responses(404))
def get_party(party_id: PartyId, runtime: RuntimeDep) -> PartyOut:
    """A party's public name, kind, keys, addresses and identity verification (public: they are
    what signs and owns, and whether an attestor vouched for who it is)."""
    return party_out(describe_party(runtime.sessions, party_id), runtime)


@router.post(
    "/v1/admin/parties/{party_id}/attestations",
    status_code=201,
    response_model=PartyVerificationOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
def post_attestation(
    party_id: PartyId, body: AttestationIn, runtime: RuntimeDep, _admin: Admin
) -> PartyVerificationOut:
    """Record an identity attestor's signed attestation of the party (实名认证): the signature
    must be a configured attestor's, SM3(salt ‖ identity) its commitment, the ID number's check
    character right and the attestation in force. The identity is kept sealed."""
    submission = AttestationSubmission(body.attestation, body.signature, body.identity, body.salt)
    verification = attest_party(
        runtime.sessions, runtime.attestors, party_id, submission, now=runtime.now,
        ledger=runtime.identity_ledger,
    )  # fmt: skip
    return verification_out(verification)


@router.delete(
    "/v1/admin/parties/{party_id}/attestations/current",
    response_model=PartyVerificationOut,
    responses=error_responses(401, 403, 404, 409),
)
def delete_attestation(
    party_id: PartyId,
    runtime: RuntimeDep,
    _admin: Admin,
    reason: Annotated[
        str, Query(max_length=1000, examples=["营业执照已吊销 licence revoked"])
    ] = "",
) -> PartyVerificationOut:
    """Revoke the party's current attestation: it shows as revoked, no longer verified."""
    return verification_out(
        revoke_attestation(
            runtime.sessions,
            party_id,
            reason=reason,
            now=runtime.now,
            ledger=runtime.identity_ledger,
        )
    )


@router.get(
    "/v1/parties/{party_id}/identity",
    response_model=IdentityOut,
    responses=error_responses(401, 403, 404),
)
def get_identity(
    party_id: PartyId, request: Request, runtime: RuntimeDep, caller: Caller
) -> IdentityOut:
    """The party's clear identity (legal name, credit code or resident ID) and the salt: for the
    party itself (any of its API keys) or a regulator. Every read, and every refusal, is a line
    of the audit log."""
    reader = IdentityReader(
        caller.key_id,
        caller.party,
        regulator=Scope.REGULATOR in caller.scopes,
        via=request.url.path,
    )
    revealed = reveal_identity(
        runtime.sessions, runtime.attestors, party_id, reader, now=runtime.now
    )
    return IdentityOut(
        party_id=revealed.party_id,
        identity=revealed.identity.to_json(),
        salt=revealed.salt,
        attestation=dict(revealed.statement),
        signature=revealed.signature,
        verification=verification_out(revealed.verification),
    )


@router.post(
    "/v1/admin/parties/{party_id}/lender",
    response_model=list[LenderRoleOut],
    responses=error_responses(401, 403, 404, 409, 503),
)
def post_party_lender(party_id: PartyId, runtime: RuntimeDep, _admin: Admin) -> list[LenderRoleOut]:
    """Let the party record pledges: the lender role on the Pledges contract for every one of
    its active addresses (nothing is sent for one that holds it already)."""
    return [lender_role_out(role) for role in runtime.assets.grant_lender_party(party_id)]


@router.delete(
    "/v1/admin/parties/{party_id}/lender",
    response_model=list[LenderRoleOut],
    responses=error_responses(401, 403, 404, 503),
)
def delete_party_lender(
    party_id: PartyId, runtime: RuntimeDep, _admin: Admin
) -> list[LenderRoleOut]:
    """Take the lender role from every address the party ever linked."""
    return [lender_role_out(role) for role in runtime.assets.revoke_lender_party(party_id)]
