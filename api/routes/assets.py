"""Rights assets: tokenizing a registration (publishers) and every encumbrance (lenders)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AliasPath, BaseModel, Field, field_validator

from api import examples
from api.auth import LenderOrRegulator, Platform, Publisher, caller_of
from api.dependencies import RuntimeDep
from api.params import UINT64, AssetReference, RegistrationNumber
from api.schemas import (
    AssetIdHex,
    EIP712Digest,
    PartyRefOut,
    TypedData,
    error_responses,
    signature_bytes,
    to_sign,
    with_example,
)
from crypto.sm2 import SM2PublicKey
from registry.access import parse_signing_key
from registry.assets import LicenceState, LienStanding, MintAuthorizationGrant
from registry.core.errors import InvalidInput

router = APIRouter(tags=["assets"])
ERRORS = error_responses(400, 401, 403, 404, 409, 422, 503)
ZERO_ADDRESS = "0x" + "00" * 20


class MintAuthorizationIn(BaseModel):
    signature: str = Field(
        max_length=400,
        description="The controller's EIP-712 MintAuthorization signature (0x-hex, 65 bytes)",
    )
    deadline: int = Field(ge=0, le=UINT64, description="The deadline the controller signed")


class MintAuthorizationOut(BaseModel):
    model_config = with_example(examples.MINT_AUTHORIZATION)

    registration: str
    controller: str = Field(description="The registration's controller: the one who must sign")
    deadline: int = Field(description="Send it with the signature to /tokenize")
    digest: EIP712Digest
    typed_data: TypedData


class TokenizeIn(BaseModel):
    model_config = with_example(
        {
            "owner": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "territory": 156,
            "authorization": {"signature": "0x" + "12" * 65, "deadline": 1798765200},
        }
    )

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
    rights: list[str] | None = Field(
        default=None,
        max_length=13,
        description="Property rights of art. 10 (5)–(17) the asset carries, among those the "
        "registration claims (default: all of them). The moral rights (publication, "
        "authorship, alteration, integrity: art. 10 (1)–(4)) stay with the author: naming one "
        "is refused (422 `moral_rights_not_transferable`).",
        examples=[["reproduction", "information_network"]],
    )
    authorization: MintAuthorizationIn | None = Field(
        default=None,
        description="For a registration bound to a controller (`controller` in the "
        "registration): the controller's EIP-712 signature of the typed data "
        "`GET /v1/works/{number}/mint-authorization` gives for the same owner, rights, "
        "territory, term end and deadline. Ignored for custodial registrations.",
    )


class TokenizedOut(BaseModel):
    model_config = with_example(examples.TOKENIZED, from_attributes=True)

    asset_id: AssetIdHex = Field(description="The registration's claim leaf (64 hex): the asset id")
    owner: str
    rights: int = Field(
        description="Bitmask of the rights of art. 10 (bit 0 = 发表权 … bit 16 = 其他权利); an "
        "asset carries property rights only (bits 4–16), never a moral right (bits 0–3)"
    )
    territory: int
    term_end: int
    registered_at: int
    # Where the mint was recorded: the event's position on chain.
    tx_hash: str = Field(validation_alias=AliasPath("position", "tx_hash"))
    block_number: int = Field(validation_alias=AliasPath("position", "block_number"))
    controller: str | None = Field(
        default=None,
        description="The controller whose authorization minted it; null: custodial (registrar)",
    )

    @field_validator("controller")
    @classmethod
    def _custodial(cls, value: str | None) -> str | None:
        return None if value == ZERO_ADDRESS else value


class LienOut(BaseModel):
    model_config = with_example(examples.LIEN)

    lien_id: int
    rank: int
    lender: str
    amount: str = Field(description="Secured amount, integer in the currency's minor unit")
    currency: str
    maturity: int
    status: str
    licensing_consent: bool


class LicenceOut(BaseModel):
    model_config = with_example(examples.EXCLUSIVE_LICENCE)

    licence_id: int
    licensee: str
    rights: int
    territory: int
    start: int
    end: int


class EncumbrancesOut(BaseModel):
    model_config = with_example(examples.ENCUMBRANCES)

    asset_id: str
    block: str = Field(description="'latest' or the block number asked for")
    owner: str = Field(description="The asset's owner at that block (EVM address)")
    clear: bool = Field(
        description="No lien, no freeze, no exclusive licence, and the registration not revoked"
    )
    revoked: bool = Field(
        description="A regulator revoked the registration (by itself or with its batch): the "
        "asset is pledged, licensed and transferred to nobody"
    )
    liens: list[LienOut] = Field(description="Active liens, most senior first")
    frozen_by: str | None = Field(description="moderator or regulator; null when not frozen")
    frozen_at: int | None
    exclusive_licences: list[LicenceOut]


@router.post(
    "/v1/works/{number}/tokenize", status_code=201, response_model=TokenizedOut, responses=ERRORS
)
def post_tokenize(
    number: RegistrationNumber, body: TokenizeIn, runtime: RuntimeDep, publisher: Publisher
) -> TokenizedOut:
    """Mint the rights asset (ERC-721) of an anchored registration, proven against its root, so
    it can be transferred, licensed and pledged; the asset keeps the registration time."""
    authorization = None
    if body.authorization is not None:
        authorization = MintAuthorizationGrant(
            body.authorization.deadline, signature_bytes(body.authorization.signature)
        )
    minted = runtime.assets.tokenize(
        number,
        body.owner,
        caller=caller_of(publisher),
        territory=body.territory,
        term_end=body.term_end,
        authorization=authorization,
        rights=body.rights,
    )
    return TokenizedOut.model_validate(minted)


@router.get(
    "/v1/works/{number}/mint-authorization",
    response_model=MintAuthorizationOut,
    responses=ERRORS,
)
def get_mint_authorization(
    number: RegistrationNumber,
    runtime: RuntimeDep,
    _publisher: Publisher,
    owner: Annotated[
        str,
        Query(
            description="EVM address that will own the asset",
            examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
        ),
    ],
    territory: Annotated[
        int, Query(ge=0, le=999, description="ISO 3166-1 numeric", examples=[156])
    ] = 0,
    term_end: Annotated[
        int | None,
        Query(
            ge=0,
            le=UINT64,
            description="Unix time (default: the registry's term)",
            examples=[3352665600],
        ),
    ] = None,
    deadline: Annotated[
        int | None,
        Query(
            ge=0,
            le=UINT64,
            description="Void after (Unix seconds; default: in 24 hours)",
            examples=[1798765200],
        ),
    ] = None,
    rights: Annotated[
        list[str] | None,
        Query(
            max_length=13,
            description="Property rights the asset carries (repeatable; default: every one the "
            "registration claims); a moral right is refused (422)",
            examples=[["reproduction"]],
        ),
    ] = None,
) -> MintAuthorizationOut:
    """The EIP-712 typed data the controller of a bound registration (a claim signed with the
    registrant's own secp256k1 key) signs so that its asset is minted to ``owner`` with these
    terms; send the signature and deadline with ``POST /v1/works/{number}/tokenize``."""
    request = runtime.assets.mint_authorization(
        number, owner, territory=territory, term_end=term_end, deadline=deadline, rights=rights
    )
    return MintAuthorizationOut.model_validate(
        {"registration": request.registration, "controller": request.controller, **to_sign(request)}
    )


@router.get("/v1/assets/{reference}/encumbrances", response_model=EncumbrancesOut, responses=ERRORS)
def get_encumbrances(
    reference: AssetReference,
    runtime: RuntimeDep,
    _reader: LenderOrRegulator,
    block: Annotated[
        int | None,
        Query(ge=0, description="As of this block (default: latest)", examples=[1204]),
    ] = None,
) -> EncumbrancesOut:
    """The owner and every encumbrance of an asset — liens by rank, the freeze in force,
    exclusive licences — now or as of a block. ``reference`` is a registration number or the
    64-hex asset id."""
    asset_id = runtime.assets.asset_id(reference)
    found = runtime.assets.encumbrances(asset_id, block=block)
    report = found.report
    frozen = report.freeze_authority.name.lower() if report.frozen_at else None
    return EncumbrancesOut(
        asset_id=f"{asset_id:064x}",
        block=str(block) if block is not None else "latest",
        owner=found.owner,
        clear=found.clear,
        revoked=found.revoked,
        liens=[
            LienOut(**asdict(LienStanding.of(ranked)), status=ranked.lien.status.name.lower())
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


class StandingLienOut(BaseModel):
    lien_id: int
    rank: int = Field(description="1 for the most senior lien")
    lender: str
    amount: str = Field(description="Secured amount, integer in the currency's minor unit")
    currency: str
    maturity: int
    licensing_consent: bool = Field(description="The lender consented to licensing while pledged")


class StandingLicenceOut(BaseModel):
    licence_id: int
    licensee: str
    licensee_party: PartyRefOut | None = Field(
        description="The party holding the licensee's address by proof; null when none does"
    )
    rights: list[str] = Field(description="The licensed rights of art. 10, by name")
    territory: int = Field(description="ISO 3166-1 numeric; 0 = worldwide")
    start: int
    end: int
    exclusive: bool
    revocable: bool
    state: LicenceState = Field(description="At `at`: in_force, not_started, ended or revoked")


class AssetOut(BaseModel):
    model_config = with_example(examples.ASSET)

    asset_id: AssetIdHex = Field(description="The registration's claim leaf (64 hex)")
    registration: str | None = Field(description="The registration number it was minted from")
    owner: str = Field(description="The owner now (EVM address)")
    owner_party: PartyRefOut | None = Field(
        description="The party holding the owner's address by proof (a linked address or one "
        "of its secp256k1 keys); null when no party does"
    )
    rights: list[str] = Field(description="The property rights of art. 10 the asset carries")
    territory: int = Field(description="ISO 3166-1 numeric; 0 = worldwide")
    term_end: int = Field(description="Unix time the rights end")
    registered_at: int = Field(description="The registration's time on chain (Unix seconds)")
    revoked: bool = Field(description="已撤销: a regulator revoked its registration")
    frozen_by: str | None = Field(
        description="已冻结: moderator or regulator (a takedown in force); null when not frozen"
    )
    pledged: bool = Field(description="已质押: at least one active lien")
    liens: list[StandingLienOut] = Field(description="Active liens, most senior first")
    licences: list[StandingLicenceOut] = Field(
        description="Every licence ever granted on it, in order of grant, with its state at `at`"
    )
    block: int = Field(description="The block every field was read at")
    at: int = Field(description="That block's time (Unix seconds)")


@router.get(
    "/v1/assets/{reference}", response_model=AssetOut, responses=error_responses(400, 404, 503)
)
def get_asset(reference: AssetReference, runtime: RuntimeDep) -> AssetOut:
    """Who owns a work's rights asset now, what it carries, under which licences, pledged or
    frozen: read from the contracts at one block, as the verification page reads them. Public,
    as the chain is. ``reference`` is a registration number or the 64-hex asset id."""
    return AssetOut.model_validate(runtime.assets.standing(reference).to_json())


class LicenceAnswerOut(BaseModel):
    model_config = with_example(
        {"licensed": True, "licence_id": 3, "at": 1795766400}, from_attributes=True
    )

    licensed: bool
    licence_id: int | None
    at: int = Field(description="The time asked about (Unix seconds)")


@router.get("/v1/assets/{reference}/licensed", response_model=LicenceAnswerOut, responses=ERRORS)
def get_licensed(
    reference: AssetReference,
    runtime: RuntimeDep,
    _platform: Platform,
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
    answer = runtime.assets.licensed(reference, licensee, right, territory=territory, at=at)
    return LicenceAnswerOut.model_validate(answer)


class ContentKeyIn(BaseModel):
    model_config = with_example(examples.CONTENT_KEY_REQUEST)

    licensee: str = Field(
        description="The licensee's EVM address (holds the licence on chain), or the address "
        "that owns the work's rights asset"
    )
    right: str = Field(description="The licensed right, e.g. information_network")
    recipient_key: dict[str, str] = Field(
        description="The platform's SM2 public key ({algorithm, public_key, sm2_id?}): the "
        "content key is encrypted to it"
    )
    signature: str = Field(
        description="EIP-191 signature (hex) by the licensee of the content-key request "
        "(registry.assets.content_keys.content_key_request)"
    )


class WrappedKeyOut(BaseModel):
    model_config = with_example(examples.WRAPPED_KEY)

    method: str = Field(description="sm2: C1C3C2 ciphertext of the content key")
    data: str


@router.post("/v1/works/{number}/content-key", response_model=WrappedKeyOut, responses=ERRORS)
def post_content_key(
    number: RegistrationNumber, body: ContentKeyIn, runtime: RuntimeDep, _platform: Platform
) -> WrappedKeyOut:
    """A licensed platform (or the owner of the work's rights asset) gets the private work's
    content key, encrypted to its SM2 key."""
    recipient = parse_signing_key(body.recipient_key)
    if not isinstance(recipient, SM2PublicKey):
        raise InvalidInput("the recipient key must be an SM2 key")
    try:
        signature = bytes.fromhex(body.signature.removeprefix("0x"))
    except ValueError as exc:
        raise InvalidInput("signature must be hex") from exc
    wrapped = runtime.assets.content_key(
        number, licensee=body.licensee, right=body.right, recipient=recipient, signature=signature
    )
    return WrappedKeyOut(**wrapped.to_json())
