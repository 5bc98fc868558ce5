"""Signed claims: a registrant's own SM2 / secp256k1 signature, or a custodial one — real keys."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from chain_client.registry_anchor import RegistryAnchorClient
from crypto.claims_v2 import ClaimV2
from crypto.merkle import verify_proof
from crypto.secp256k1 import Secp256k1PublicKey
from crypto.signing import KeySigner, generate_private_key, verify
from registry.content.ingest import describe
from registry.core.errors import (
    ClaimAlreadyRegistered,
    ClaimMismatch,
    InvalidSignedClaim,
    RegistrantSignatureInvalid,
)
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration
from registry.core.views import RegistrationView
from registry.platform.runtime import Runtime
from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.proofs.verification import check_proof, get_registration
from registry.registration.claims import (
    CLOCK_TOLERANCE,
    ClientSignedClaim,
    claim_for,
    registrant_id,
)
from registry.registration.registrar import Registrar

BOOK = "《论语》学而第一：子曰：学而时习之，不亦说乎？".encode() * 50
META = WorkMetadata(title="论语", authors=("孔子",), rights=("distribution", "reproduction"))


def register(
    runtime: Runtime,
    *,
    content: bytes = BOOK,
    metadata: WorkMetadata = META,
    signer: KeySigner | None = None,
    client_signed: ClientSignedClaim | None = None,
) -> RegistrationView:
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
    return registrar.signing_with(signer).register(
        io.BytesIO(content), metadata, client_signed=client_signed
    )


def signed(runtime: Runtime, signer: KeySigner, claim: ClaimV2 | None = None) -> ClientSignedClaim:
    claim = claim or claim_for(
        describe(io.BytesIO(BOOK)), META, signer.public_key, registered_at=runtime.now()
    )
    return ClientSignedClaim(claim=claim.to_json(), signature=claim.sign(signer).to_text())


def registrations(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Registration)) or 0


@pytest.mark.parametrize("algorithm", ["sm2", "secp256k1"])
def test_client_signed_claim_is_recorded_as_signed_and_anchored(
    runtime: Runtime, anchor_client: RegistryAnchorClient, algorithm: str
) -> None:
    signer = KeySigner(generate_private_key(algorithm))
    sent = signed(runtime, signer)
    view = register(runtime, client_signed=sent)
    assert view.signing_mode == "client"
    assert view.registrant == registrant_id(signer.public_key)
    assert view.claim == sent.claim  # recorded as signed, never re-signed
    assert view.signature == sent.signature
    claim = ClaimV2.from_json(view.claim)
    assert claim.leaf().hex() == view.leaf
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    assert check_proof(get_registration(runtime.sessions, view.number), anchor_client).ok


@pytest.mark.parametrize(
    ("algorithm", "mode", "bound"),
    [
        ("secp256k1", "client", True),
        ("sm2", "client", False),
        ("secp256k1", "custodial", False),
        ("sm2", "custodial", False),
    ],
)
def test_only_a_claim_signed_with_the_registrants_own_secp256k1_key_binds_a_controller(
    runtime: Runtime, anchor_client: RegistryAnchorClient, algorithm: str, mode: str, bound: bool
) -> None:
    signer = KeySigner(generate_private_key(algorithm))
    if mode == "client":
        view = register(runtime, client_signed=signed(runtime, signer))
    else:
        view = register(runtime, signer=signer)
    assert view.signing_mode == mode
    key = signer.public_key
    expected = key.address if bound and isinstance(key, Secp256k1PublicKey) else None
    assert view.controller == expected
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    anchored = get_registration(runtime.sessions, view.number)
    assert anchored.controller == expected
    assert anchored.proof is not None
    assert anchored.anchor is not None
    proof = [bytes.fromhex(step) for step in anchored.proof]
    root = bytes.fromhex(anchored.anchor.root)
    entry = (bytes.fromhex(view.leaf), expected)
    assert verify_proof(entry, proof, root)
    assert verify_proof(bytes.fromhex(view.leaf), proof, root) is not bound
    check = check_proof(anchored, anchor_client)
    assert check.ok
    # Without its controller, a bound registration's proof no longer checks.
    if bound:
        assert not check_proof(replace(anchored, controller=None), anchor_client).proof_valid


def test_unsigned_registration_has_no_controller(runtime: Runtime) -> None:
    assert register(runtime).controller is None


def test_custodial_signature_is_made_with_the_registrants_key(runtime: Runtime) -> None:
    signer = KeySigner(generate_private_key("sm2"))
    view = register(runtime, signer=signer)
    assert view.signing_mode == "custodial"
    claim = ClaimV2.from_json(view.claim)
    assert claim.registrant == signer.public_key
    assert view.signature is not None
    assert verify(
        signer.public_key, claim.canonical_bytes(), type(signer.sign(b"")).from_text(view.signature)
    )


def test_claim_for_other_content_or_metadata_is_refused(runtime: Runtime) -> None:
    signer = KeySigner(generate_private_key("sm2"))
    with pytest.raises(ClaimMismatch) as caught:
        register(runtime, content=b"other bytes", client_signed=signed(runtime, signer))
    fields = caught.value.details["fields"]
    assert isinstance(fields, list)
    assert {"content.sha256", "content.sm3", "content.cid", "content.size"} <= set(fields)
    with pytest.raises(ClaimMismatch) as caught:
        register(
            runtime, metadata=replace(META, title="孟子"), client_signed=signed(runtime, signer)
        )
    assert caught.value.details["fields"] == ["metadata_digest"]
    assert registrations(runtime) == 0


def test_stale_claim_is_refused(runtime: Runtime) -> None:
    signer = KeySigner(generate_private_key("secp256k1"))
    old = claim_for(
        describe(io.BytesIO(BOOK)),
        META,
        signer.public_key,
        registered_at=runtime.now() - timedelta(hours=2),
    )
    with pytest.raises(ClaimMismatch):
        register(runtime, client_signed=signed(runtime, signer, old))
    assert registrations(runtime) == 0


@pytest.mark.parametrize(
    "off",
    [
        -(CLOCK_TOLERANCE + timedelta(seconds=1)),
        -timedelta(hours=2),
        CLOCK_TOLERANCE + timedelta(seconds=1),
    ],
)
def test_a_claim_dated_beyond_the_clock_tolerance_is_refused(
    runtime: Runtime, off: timedelta
) -> None:
    """A registrant cannot date its claim back (or ahead) past the tolerance: it is refused as
    before, recording nothing; within it the claim is taken as signed (and priority is decided
    by the order the registry records registrations in, not by this time)."""
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    signer = KeySigner(generate_private_key("secp256k1"))
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=lambda: now)

    def sent(dated: datetime) -> ClientSignedClaim:
        claim = claim_for(describe(io.BytesIO(BOOK)), META, signer.public_key, registered_at=dated)
        return signed(runtime, signer, claim)

    with pytest.raises(ClaimMismatch) as caught:
        registrar.register(io.BytesIO(BOOK), META, client_signed=sent(now + off))
    assert caught.value.details == {
        "fields": ["registered_at"],
        "server_time": "2026-12-07T10:00:00Z",
    }
    assert registrations(runtime) == 0
    edge = now - CLOCK_TOLERANCE if off < timedelta(0) else now + CLOCK_TOLERANCE
    view = registrar.register(io.BytesIO(BOOK), META, client_signed=sent(edge))
    assert view.registered_at == edge


def test_signature_by_another_key_is_refused(runtime: Runtime) -> None:
    registrant = KeySigner(generate_private_key("sm2"))
    impostor = KeySigner(generate_private_key("sm2"))
    claim = claim_for(
        describe(io.BytesIO(BOOK)), META, registrant.public_key, registered_at=runtime.now()
    )
    forged = ClientSignedClaim(claim.to_json(), impostor.sign(claim.canonical_bytes()).to_text())
    with pytest.raises(RegistrantSignatureInvalid):
        register(runtime, client_signed=forged)
    assert registrations(runtime) == 0


@pytest.mark.parametrize(
    "sent",
    [
        ClientSignedClaim(claim={"v": "banquan.claim/2"}, signature="sm2:00"),
        ClientSignedClaim(claim="not an object", signature="sm2:00"),
    ],
)
def test_malformed_signed_claim_is_refused(runtime: Runtime, sent: ClientSignedClaim) -> None:
    with pytest.raises(InvalidSignedClaim):
        register(runtime, client_signed=sent)
    assert registrations(runtime) == 0


def test_the_same_signed_claim_cannot_be_registered_twice(runtime: Runtime) -> None:
    signer = KeySigner(generate_private_key("sm2"))
    sent = signed(runtime, signer)
    register(runtime, client_signed=sent)
    with pytest.raises(ClaimAlreadyRegistered):
        register(runtime, client_signed=sent)
    assert registrations(runtime) == 1
