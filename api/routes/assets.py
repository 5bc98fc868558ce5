"""Rights assets: tokenizing a registration (publishers) and every encumbrance (lenders)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from api import examples
from api.auth import requires
from api.dependencies import get_runtime
from api.params import AssetReference, RegistrationNumber
from api.schemas import ErrorOut
from crypto.sm2 import SM2PublicKey
from registry.access import Principal, Scope, parse_signing_key
from registry.assets import encumbrances, resolve_asset_id, tokenize
from registry.content_keys import grant_content_key
from registry.errors import InvalidInput
from registry.licensing import licence_for
from registry.runtime import Runtime

router = APIRouter(tags=["assets"])
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422, 503)
}


class TokenizeIn(BaseModel):
    owner: str = Field(
        description="EVM address that will own the asset",
        examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
    )
    territory: int = Field(
        default=0, ge=0, le=999, description="ISO 3166-1 numeric; 0 = worldwide", examples=[156]
    )
    term_end: int | None = Field(
        default=None,
        description="Unix time the rights end (default: the registry's term)",
        examples=[3352665600],
    )


class TokenizedOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.TOKENIZED]})

    asset_id: str = Field(description="The registration's claim leaf (64 hex): the asset id")
    owner: str
    rights: int = Field(description="Bitmask of the 17 rights of art. 10 (bit 0 = 发表权)")
    territory: int
    term_end: int
    registered_at: int
    tx_hash: str
    block_number: int


class LienOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.LIEN]})

    lien_id: int
    rank: int
    lender: str
    amount: str = Field(description="Secured amount, integer in the currency's minor unit")
    currency: str
    maturity: int
    status: str
    licensing_consent: bool


class LicenceOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.EXCLUSIVE_LICENCE]})

    licence_id: int
    licensee: str
    rights: int
    territory: int
    start: int
    end: int


class EncumbrancesOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ENCUMBRANCES]})

    asset_id: str
    block: str = Field(description="'latest' or the block number asked for")
    clear: bool
    liens: list[LienOut] = Field(description="Active liens, most senior first")
    frozen_by: str | None = Field(description="moderator or regulator; null when not frozen")
    frozen_at: int | None
    exclusive_licences: list[LicenceOut]


@router.post(
    "/v1/works/{number}/tokenize", status_code=201, response_model=TokenizedOut, responses=ERRORS
)
def post_tokenize(
    number: RegistrationNumber,
    body: TokenizeIn,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    _publisher: Annotated[Principal, Depends(requires(Scope.PUBLISHER))],
) -> TokenizedOut:
    """Mint the rights asset (ERC-721) of an anchored registration, proven against its root, so
    it can be transferred, licensed and pledged; the asset keeps the registration time."""
    minted = tokenize(
        runtime.sessions, runtime.suite(), number, body.owner,
        territory=body.territory, term_end=body.term_end,
    )  # fmt: skip
    return TokenizedOut(
        asset_id=f"{minted.asset_id:064x}",
        owner=minted.owner,
        rights=minted.rights,
        territory=minted.territory,
        term_end=minted.term_end,
        registered_at=minted.registered_at,
        tx_hash=minted.position.tx_hash,
        block_number=minted.position.block_number,
    )


@router.get("/v1/assets/{reference}/encumbrances", response_model=EncumbrancesOut, responses=ERRORS)
def get_encumbrances(
    reference: AssetReference,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    _lender: Annotated[Principal, Depends(requires(Scope.LENDER))],
    block: Annotated[
        int | None,
        Query(ge=0, description="As of this block (default: latest)", examples=[1204]),
    ] = None,
) -> EncumbrancesOut:
    """Every encumbrance of an asset — liens by rank, the freeze in force, exclusive licences —
    now or as of a block. ``reference`` is a registration number or the 64-hex asset id."""
    asset_id = resolve_asset_id(runtime.sessions, reference)
    report = encumbrances(runtime.suite(), asset_id, block=block if block is not None else "latest")
    frozen = report.freeze_authority.name.lower() if report.frozen_at else None
    return EncumbrancesOut(
        asset_id=f"{asset_id:064x}",
        block=str(block) if block is not None else "latest",
        clear=report.is_clear,
        liens=[
            LienOut(
                lien_id=ranked.lien_id,
                rank=ranked.rank,
                lender=ranked.lien.lender,
                amount=str(ranked.lien.amount),
                currency=ranked.lien.currency_code.rstrip(b"\x00").decode("ascii", "replace"),
                maturity=ranked.lien.maturity,
                status=ranked.lien.status.name.lower(),
                licensing_consent=ranked.lien.licensing_consent,
            )
            for ranked in report.liens
        ],
        frozen_by=frozen,
        frozen_at=report.frozen_at or None,
        exclusive_licences=[
            LicenceOut(
                licence_id=entry.licence_id,
                licensee=entry.licence.licensee,
                rights=entry.licence.rights,
                territory=entry.licence.territory,
                start=entry.licence.start,
                end=entry.licence.end,
            )
            for entry in report.exclusive_licences
        ],
    )


class LicenceAnswerOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"licensed": True, "licence_id": 3, "at": 1795766400}]}
    )

    licensed: bool
    licence_id: int | None
    at: int = Field(description="The time asked about (Unix seconds)")


@router.get("/v1/assets/{reference}/licensed", response_model=LicenceAnswerOut, responses=ERRORS)
def get_licensed(
    reference: AssetReference,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    _platform: Annotated[Principal, Depends(requires(Scope.PLATFORM))],
    licensee: Annotated[
        str, Query(description="The licensee's EVM address", examples=[examples.LICENSEE])
    ],
    right: Annotated[
        str,
        Query(
            description="A right of art. 10, e.g. information_network",
            examples=["information_network"],
        ),
    ],
    territory: Annotated[
        int,
        Query(ge=0, le=999, description="ISO 3166-1 numeric; 0 = worldwide", examples=[156]),
    ] = 0,
    at: Annotated[
        int | None, Query(ge=0, description="Unix time (default: now)", examples=[1795766400])
    ] = None,
) -> LicenceAnswerOut:
    """Is this work licensed to ``licensee`` for ``right`` in ``territory`` at ``at``? Answered
    by the ``Licences`` contract; ``reference`` is a registration number or the asset id."""
    answer = licence_for(
        runtime.suite(), resolve_asset_id(runtime.sessions, reference), licensee, right,
        territory=territory, at=at,
    )  # fmt: skip
    return LicenceAnswerOut(licensed=answer.licensed, licence_id=answer.licence_id, at=answer.at)


class ContentKeyIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.CONTENT_KEY_REQUEST]})

    licensee: str = Field(description="The licensee's EVM address (holds the licence on chain)")
    right: str = Field(description="The licensed right, e.g. information_network")
    recipient_key: dict[str, str] = Field(
        description="The platform's SM2 public key ({algorithm, public_key, sm2_id?}): the "
        "content key is encrypted to it"
    )
    signature: str = Field(
        description="EIP-191 signature (hex) by the licensee of the content-key request "
        "(registry.content_keys.content_key_request)"
    )


class WrappedKeyOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.WRAPPED_KEY]})

    method: str = Field(description="sm2: C1C3C2 ciphertext of the content key")
    data: str


@router.post("/v1/works/{number}/content-key", response_model=WrappedKeyOut, responses=ERRORS)
def post_content_key(
    number: RegistrationNumber,
    body: ContentKeyIn,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    _platform: Annotated[Principal, Depends(requires(Scope.PLATFORM))],
) -> WrappedKeyOut:
    """A licensed platform gets the private work's content key, encrypted to its SM2 key."""
    recipient = parse_signing_key(body.recipient_key)
    if not isinstance(recipient, SM2PublicKey):
        raise InvalidInput("the recipient key must be an SM2 key")
    try:
        signature = bytes.fromhex(body.signature.removeprefix("0x"))
    except ValueError as exc:
        raise InvalidInput("signature must be hex") from exc
    wrapped = grant_content_key(
        runtime.sessions, runtime.suite(), runtime.protection, number,
        licensee=body.licensee, right=body.right, recipient=recipient, signature=signature,
        now=runtime.now,
    )  # fmt: skip
    return WrappedKeyOut(**wrapped.to_json())
