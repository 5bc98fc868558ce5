"""Building and checking the claim a registration carries.

Three ways, recorded with each registration as its ``signing_mode``:

- ``client``: the registrant built and signed a ``banquan.claim/2`` claim with its own SM2 or
  secp256k1 key. banquan checks that the claim describes the uploaded bytes and metadata, that
  its time is recent, and that the signature is the registrant's — and never re-signs it.
- ``custodial``: banquan signs a ``banquan.claim/2`` claim with a key held for the registrant.
- ``unsigned``: a ``banquan.claim/1`` claim without a registrant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crypto.canonical import canonical_json
from crypto.claims import Claim, claim_leaf_v1, metadata_digest, new_nonce
from crypto.claims_v2 import ClaimV2, claim_leaf_v2, parse_claim
from crypto.errors import CryptoError
from crypto.secp256k1 import Secp256k1PublicKey
from crypto.signing import PublicKey, Signature, Signer, public_key_to_json
from registry.content import IngestedContent
from registry.core.errors import ClaimMismatch, InvalidSignedClaim, RegistrantSignatureInvalid
from registry.core.metadata import WorkMetadata

CLIENT = "client"
CUSTODIAL = "custodial"
UNSIGNED = "unsigned"

# What each signing mode means to a person, zh-CN first.
SIGNING_MODE_WORDS = {
    CLIENT: "登记人用自己的密钥签名 / signed with the registrant's own key",
    CUSTODIAL: "本登记处用为登记人保管的密钥代签 / signed by the registry with a key it holds for "
    "the registrant",
    UNSIGNED: "未签名：声明不含登记人身份 / unsigned: the claim names no registrant",
}

# How far a client's registered_at may be from the server's clock.
CLOCK_TOLERANCE = timedelta(minutes=15)


@dataclass(frozen=True)
class ClientSignedClaim:
    """A claim and its signature as the registrant sent them."""

    claim: object
    signature: str


@dataclass(frozen=True)
class PreparedClaim:
    """The claim to record: canonical bytes, leaf, signature and how it was signed."""

    canonical: bytes
    leaf: bytes
    registered_at: datetime
    signing_mode: str
    signature: str | None = None
    registrant: str | None = None
    registrant_key: PublicKey | None = None


def controller_for(prepared: PreparedClaim, party_address: str | None = None) -> str | None:
    """The chain address a registration is bound to (checksummed), or None for none.

    The one place that decides it. A claim the registrant signed itself (``client`` mode) is
    bound so that only the registrant can authorize minting its asset: to its own secp256k1
    key's address, or, signed with SM2 (which the chain cannot check), to ``party_address``, the
    first chain address of the party the key belongs to. Custodial claims (banquan holds the
    key), unsigned claims and SM2 claims of a party with no address have no controller: the
    registrar mints those on the party's request.
    """
    key = prepared.registrant_key
    if prepared.signing_mode != CLIENT or key is None:
        return None
    if isinstance(key, Secp256k1PublicKey):
        return key.address
    return party_address


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def registrant_id(public_key: PublicKey) -> str:
    """``<algorithm>:<uncompressed public key hex>``: who registered, comparable across works."""
    return f"{public_key.algorithm}:{public_key.to_bytes().hex()}"


def prepare_claim(
    stored: IngestedContent,
    metadata: WorkMetadata,
    *,
    now: datetime,
    client_signed: ClientSignedClaim | None = None,
    signer: Signer | None = None,
) -> PreparedClaim:
    """The claim for ``stored`` content with ``metadata``, in the mode the caller chose."""
    now = now.replace(microsecond=0)
    if client_signed is not None:
        return _check_client_claim(stored, metadata, client_signed, now)
    if signer is not None:
        claim = claim_for(stored, metadata, signer.public_key, registered_at=now)
        return PreparedClaim(
            canonical=claim.canonical_bytes(),
            leaf=claim.leaf(),
            registered_at=now,
            signing_mode=CUSTODIAL,
            signature=claim.sign(signer).to_text(),
            registrant=registrant_id(signer.public_key),
            registrant_key=signer.public_key,
        )
    unsigned = Claim(
        sha256=stored.digests.sha256_hex,
        sm3=stored.digests.sm3_hex,
        size=stored.size,
        metadata_digest=metadata_digest(metadata.to_json()),
        registered_at=timestamp(now),
        nonce=new_nonce(),
        cid=stored.cid,
    )
    canonical = unsigned.canonical_bytes()
    return PreparedClaim(canonical, claim_leaf_v1(canonical), now, UNSIGNED)


def claim_for(
    content: IngestedContent,
    metadata: WorkMetadata,
    registrant: PublicKey,
    *,
    registered_at: datetime,
) -> ClaimV2:
    """The ``banquan.claim/2`` claim a registrant signs for this content and metadata."""
    return ClaimV2(
        sha256=content.digests.sha256_hex,
        sm3=content.digests.sm3_hex,
        size=content.size,
        cid=content.cid,
        metadata_digest=metadata_digest(metadata.to_json()),
        rights=metadata.rights,
        registrant=registrant,
        registered_at=timestamp(registered_at),
        nonce=new_nonce(),
    )


def claim_leaf(claim_json: object) -> bytes:
    """The leaf of a recorded claim of any version."""
    claim = parse_claim(claim_json)
    if isinstance(claim, ClaimV2):
        return claim_leaf_v2(claim.canonical_bytes())
    return claim_leaf_v1(canonical_json(claim.to_json()))


def _check_client_claim(
    stored: IngestedContent, metadata: WorkMetadata, sent: ClientSignedClaim, now: datetime
) -> PreparedClaim:
    try:
        claim = ClaimV2.from_json(sent.claim)
        signature = Signature.from_text(sent.signature)
    except CryptoError as exc:
        raise InvalidSignedClaim(f"the signed claim is malformed: {exc}") from exc
    expected = {
        "content.sha256": stored.digests.sha256_hex,
        "content.sm3": stored.digests.sm3_hex,
        "content.size": stored.size,
        "content.cid": stored.cid,
        "metadata_digest": metadata_digest(metadata.to_json()),
        "rights": metadata.rights,
    }
    actual = {
        "content.sha256": claim.sha256,
        "content.sm3": claim.sm3,
        "content.size": claim.size,
        "content.cid": claim.cid,
        "metadata_digest": claim.metadata_digest,
        "rights": claim.rights,
    }
    wrong = sorted(name for name in expected if expected[name] != actual[name])
    if wrong:
        raise ClaimMismatch(
            "the signed claim does not describe the uploaded content and metadata",
            details={"fields": wrong},
        )
    registered_at = datetime.strptime(claim.registered_at, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=now.tzinfo
    )
    if abs(registered_at - now) > CLOCK_TOLERANCE:
        raise ClaimMismatch(
            "the claim's registered_at is too far from the registry's clock",
            details={"fields": ["registered_at"], "server_time": timestamp(now)},
        )
    try:
        valid = claim.verify_signature(signature)
    except CryptoError as exc:
        raise RegistrantSignatureInvalid(f"the signature cannot be checked: {exc}") from exc
    if not valid:
        raise RegistrantSignatureInvalid(
            "the signature is not the registrant's signature of this claim",
            details={"registrant": public_key_to_json(claim.registrant)},
        )
    return PreparedClaim(
        canonical=claim.canonical_bytes(),
        leaf=claim.leaf(),
        registered_at=registered_at,
        signing_mode=CLIENT,
        signature=signature.to_text(),
        registrant=registrant_id(claim.registrant),
        registrant_key=claim.registrant,
    )
