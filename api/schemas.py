"""Response models: what the API promises, as documented in the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api import examples
from registry.verification import ProofCheck
from registry.views import AnchorView, RegistrationView


class ErrorOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ERROR]})

    code: str = Field(examples=["digest_not_registered"])
    message: str
    details: dict[str, object] = Field(default_factory=dict)


class AnchorOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ANCHOR]})

    root: str = Field(description="Merkle root of the batch (hex, no 0x)")
    chain_id: int | None
    contract_address: str | None
    tx_hash: str | None
    block_number: int | None
    anchored_at: datetime | None
    confirmed: bool = Field(description="The block is deep enough (BANQUAN_CHAIN_CONFIRMATIONS)")

    @classmethod
    def of(cls, view: AnchorView) -> AnchorOut:
        return cls(**view.__dict__)


class ProofCheckOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"leaf_matches_claim": True, "proof_valid": True, "chain_confirms": True}]
        }
    )

    leaf_matches_claim: bool
    proof_valid: bool
    chain_confirms: bool | None = Field(
        description="The anchoring contract's own verdict; null when not anchored yet"
    )

    @classmethod
    def of(cls, check: ProofCheck) -> ProofCheckOut:
        return cls(
            leaf_matches_claim=check.leaf_matches_claim,
            proof_valid=check.proof_valid,
            chain_confirms=check.chain_confirms,
        )


class RegistrationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.REGISTRATION]})

    number: str = Field(examples=["BQ-2026-00000001"])
    status: str = Field(
        description="pending (accepted, not yet anchored), anchored, held (waiting for a "
        "moderator) or rejected (by moderation; never anchored)"
    )
    title: str
    metadata: dict[str, object] = Field(
        description="As registered: title, authors, isbn, language, rights"
    )
    sha256: str
    sm3: str
    size: int
    cid: str | None = Field(description="IPFS CID (CIDv1, raw leaves, as `ipfs add` gives it)")
    iscc_data: str | None = Field(description="ISCC Data-Code (similarity of the bytes)")
    iscc_instance: str | None = Field(description="ISCC Instance-Code")
    iscc_content: str | None = Field(
        description="ISCC Content-Code of the text (TXT, EPUB, PDF); null for other media"
    )
    published_at: datetime | None = Field(
        description="When the content became public; null while it is stored encrypted"
    )
    registered_at: datetime
    leaf: str = Field(description="claim_leaf_v1 of the canonical claim (hex)")
    claim: dict[str, object] = Field(description="The canonical claim (RFC 8785 JSON)")
    signing_mode: str = Field(description="client, custodial or unsigned")
    signature: str | None = Field(description="The registrant's signature, `<algorithm>:<hex>`")
    registrant: str | None = Field(description="`<algorithm>:<public key hex>` of the signer")
    proof: list[str] | None = Field(description="Merkle path from the leaf to the batch root")
    anchor: AnchorOut | None
    takedown: dict[str, object] | None = Field(
        default=None,
        description="The takedown in force (authority, reason, reason_digest on chain, tx_hash)",
    )

    @classmethod
    def of(cls, view: RegistrationView) -> RegistrationOut:
        return cls(
            number=view.number,
            status=view.status,
            title=view.title,
            metadata=view.metadata,
            sha256=view.sha256,
            sm3=view.sm3,
            size=view.size,
            cid=view.cid,
            iscc_data=view.iscc_data,
            iscc_instance=view.iscc_instance,
            iscc_content=view.iscc_content,
            published_at=view.published_at,
            registered_at=view.registered_at,
            leaf=view.leaf,
            claim=view.claim,
            signing_mode=view.signing_mode,
            signature=view.signature,
            registrant=view.registrant,
            proof=view.proof,
            anchor=AnchorOut.of(view.anchor) if view.anchor else None,
            takedown=view.takedown,
        )


class RegistrationPageOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"registrations": [examples.REGISTRATION], "next_after": None}]
        }
    )

    registrations: list[RegistrationOut]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null on the last page"
    )


class VerificationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.VERIFICATION]})

    registered: bool
    registrations: list[RegistrationOut]


class HealthOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.HEALTH]})

    database: bool
    chain: bool = Field(description="The chain node answers (an outage only delays anchoring)")
    content_store: bool = Field(description="Content can be stored (local blockstore or Kubo)")
    pending_registrations: int = Field(description="Registrations waiting to be anchored")
    batch_lag_seconds: float = Field(
        description="Age of the oldest registration waiting to be anchored; 0 when none waits"
    )
