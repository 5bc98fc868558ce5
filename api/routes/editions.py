"""Numbered editions (数字藏书): publishers create and issue them, holders give copies away,
platforms ask who holds which copy and fetch the content key for a holder; anyone reads an
edition and a copy's public page data.

Writes are non-custodial: ``…/prepare`` answers the unsigned transaction the acting account
(publisher or holder) signs; the same route without ``/prepare`` takes the signed bytes and
relays them after the same checks, answering once mined.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Response
from fastapi.types import DecoratedCallable
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Admin, Platform, PlatformOrPublisher, Publisher
from api.dependencies import RuntimeDep
from api.routes.asset_writes import TRANSACTION_EXAMPLE, TransactionOut
from api.schemas import error_responses, fields_of, out_of, with_example
from chain_client.editions import EditionTerms
from chain_client.transactions import TransactionSender
from crypto.errors import CryptoError
from crypto.signing import public_key_from_json
from crypto.sm2 import SM2PublicKey
from registry.core.errors import InvalidInput
from registry.editions import CopyView, EditionView, GiftView, price_fen
from registry.platform import Runtime

router = APIRouter(tags=["editions"])

ERRORS = error_responses(400, 401, 403, 404, 409, 422, 451, 503)
#: Copies one issue request takes (its signed transaction stays well inside a request body).
API_ISSUE_MAX = 500
PUBLISHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
READER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"

EditionId = Annotated[
    int, Path(ge=0, le=2**63 - 1, description="The edition's id on Editions", examples=[0])
]
CopyNumber = Annotated[int, Path(ge=1, le=1_000_000, description="Copy number", examples=[7])]
Reader = Annotated[
    str,
    Path(
        min_length=1,
        max_length=42,
        description="The reader: a party id or an account address",
        examples=[READER],
    ),
]

EDITION_EXAMPLE: dict[str, Any] = {
    "edition_id": 0,
    "number": "BQ-2026-000042",
    "title": "三体 数字藏书版",
    "publisher": PUBLISHER,
    "metadata_cid": "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
    "price_cny": "¥19.90",
    "size": 10000,
    "issued": 2000,
    "territory": 156,
    "lock_after_issue": 15552000,
    "lock_after_gift": 63072000,
    "daily_gift_limit": 1,
    "sole": False,
    "frozen": False,
    "revoked": False,
    "create_tx": "0x" + "ab" * 32,
    "created_at": "2026-12-05T08:00:00Z",
}


class EditionTermsIn(BaseModel):
    """The terms fixed on chain with the edition."""

    size: int = Field(ge=1, le=1_000_000, examples=[10000], description="Copies N")
    territory: int = Field(
        default=156, ge=0, le=999, description="ISO 3166-1 numeric of the publishing right"
    )
    lock_after_issue: int = Field(
        ge=0, le=10 * 365 * 86400, examples=[180 * 86400], description="Seconds after issue"
    )
    lock_after_gift: int = Field(
        ge=0, le=10 * 365 * 86400, examples=[730 * 86400], description="Seconds after a gift"
    )
    daily_gift_limit: int = Field(ge=1, le=65535, examples=[1], description="Per holder per day")
    sole: bool = Field(default=False, description="The work's only edition")


TERMS_EXAMPLE: dict[str, Any] = {
    "size": 10000,
    "territory": 156,
    "lock_after_issue": 15552000,
    "lock_after_gift": 63072000,
    "daily_gift_limit": 1,
    "sole": False,
}
# The cover and the off-chain price, as an edition is created with them and amended.
MetadataCid = Annotated[str, Field(min_length=1, max_length=200, description="Cover/metadata CID")]
PriceCny = Annotated[
    str | None,
    Field(max_length=20, description="Price shown off chain, in yuan (CNY only)"),
]


class EditionIn(BaseModel):
    model_config = with_example(
        {
            "from": PUBLISHER,
            "registration": "BQ-2026-000042",
            "title": "三体 数字藏书版",
            "metadata_cid": EDITION_EXAMPLE["metadata_cid"],
            "price_cny": "19.90",
            "terms": TERMS_EXAMPLE,
        },
        populate_by_name=True,
    )

    from_: str = Field(alias="from", description="The publisher's account (signs and sends)")
    registration: str = Field(min_length=1, max_length=64, description="Registration number")
    title: str = Field(min_length=1, max_length=200)
    metadata_cid: MetadataCid
    price_cny: PriceCny = None
    terms: EditionTermsIn


RAW_EXAMPLE = "0x02f8b1827a6904843b9aca00…"


def _signed_example(model: type[BaseModel]) -> ConfigDict:
    """The configuration of ``model``'s signed form: its example with the signed bytes beside."""
    extra = model.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    example = examples[0] if isinstance(examples, list) and examples else None
    if not isinstance(example, dict):
        raise TypeError(f"{model.__name__} has no example to sign")
    return with_example({**example, "raw_transaction": RAW_EXAMPLE}, populate_by_name=True)


class Signed(BaseModel):
    raw_transaction: str = Field(
        max_length=60_000, description="The signed transaction (0x-hex), as the signer made it"
    )


class EditionSubmitIn(EditionIn, Signed):
    model_config = _signed_example(EditionIn)


class TermsIn(BaseModel):
    model_config = with_example(
        {
            "from": PUBLISHER,
            "metadata_cid": EDITION_EXAMPLE["metadata_cid"],
            "price_cny": "29.90",
            "terms": {**TERMS_EXAMPLE, "size": 5000},
        },
        populate_by_name=True,
    )

    from_: str = Field(alias="from", description="The edition's publisher")
    metadata_cid: MetadataCid
    price_cny: PriceCny = None
    terms: EditionTermsIn


class TermsSubmitIn(TermsIn, Signed):
    model_config = _signed_example(TermsIn)


class IssueRowIn(BaseModel):
    reader: str = Field(min_length=1, max_length=42, description="Party id or account address")
    copy_number: int = Field(ge=1, le=1_000_000)


class IssueIn(BaseModel):
    model_config = with_example(
        {"from": PUBLISHER, "catalogue": [{"reader": READER, "copy_number": 1}]},
        populate_by_name=True,
    )

    from_: str = Field(alias="from", description="The publisher's account")
    catalogue: list[IssueRowIn] = Field(
        min_length=1, max_length=API_ISSUE_MAX, description="Reader and copy number, per copy"
    )


class IssueSubmitIn(IssueIn, Signed):
    model_config = _signed_example(IssueIn)


class GiftIn(BaseModel):
    model_config = with_example(
        {"from": READER, "to": "party_5f0c2a9e4b7d1c33"}, populate_by_name=True
    )

    from_: str = Field(alias="from", description="The holder's account")
    to: str = Field(min_length=1, max_length=42, description="Receiver: party id or address")


class GiftSubmitIn(GiftIn, Signed):
    model_config = _signed_example(GiftIn)


class ClaimIn(BaseModel):
    model_config = with_example({"from": READER}, populate_by_name=True)

    from_: str = Field(alias="from", description="The reader's account the copy is reserved for")


class ClaimSubmitIn(ClaimIn, Signed):
    model_config = _signed_example(ClaimIn)


class KeyRequestIn(BaseModel):
    model_config = with_example(
        {
            "holder": READER,
            "recipient": {"algorithm": "sm2", "public_key": "04…"},
            "signature": "0x…",
        }
    )

    holder: str = Field(description="The holder's account, which signed the request (EIP-191)")
    recipient: dict[str, str] = Field(description="The SM2 public key (JSON) to wrap the key to")
    signature: str = Field(max_length=200, description="EIP-191 signature of the request, hex")


class PreparedEditionOut(BaseModel):
    model_config = with_example({"operation": "edition_gift", "transaction": TRANSACTION_EXAMPLE})

    operation: str = Field(
        description="edition_create, edition_amend, edition_issue, edition_allow_list, "
        "edition_claim or edition_gift"
    )
    transaction: TransactionOut


class EditionOut(fields_of(EditionView)):  # type: ignore[misc]
    model_config = with_example(EDITION_EXAMPLE, from_attributes=True)

    number: str = Field(description="The work's registration number")
    price_cny: str | None = Field(description="Shown off chain only; never on chain")
    frozen: bool = Field(description="The work is taken down (or revoked): no issue, no gift")
    revoked: bool = Field(
        default=False,
        description="已撤销: the work's registration was revoked; the edition is frozen for good",
    )


class IssuedBatchOut(BaseModel):
    batch_index: int
    first_copy: int
    count: int
    root: str
    tx_hash: str


class IssuedOut(BaseModel):
    model_config = with_example(
        {
            "batches": [
                {
                    "batch_index": 0,
                    "first_copy": 1,
                    "count": 500,
                    "root": "0x" + "cd" * 32,
                    "tx_hash": "0x" + "ef" * 32,
                }
            ]
        }
    )

    batches: list[IssuedBatchOut]


class GiftOut(BaseModel):
    model_config = with_example(
        {
            "copy_number": 7,
            "from_address": READER,
            "to_address": PUBLISHER,
            "tx_hash": "0x" + "ef" * 32,
            "gifted_at": "2026-12-05T08:00:00Z",
        },
        from_attributes=True,
    )

    copy_number: int
    from_address: str
    to_address: str
    tx_hash: str
    gifted_at: datetime


class CopyOut(BaseModel):
    """A copy's public page: 第 n 份 / 共 N 份, its holder by verified name or anonymised, and
    its gifts (no price anywhere: gifts only)."""

    model_config = with_example(
        {
            "edition_id": 0,
            "copy_number": 7,
            "size": 10000,
            "label": "第 7 份，共 10000 份 copy 7 of 10000",
            "title": "三体 数字藏书版",
            "number": "BQ-2026-000042",
            "holder": READER,
            "holder_display": "0x90F7…b906",
            "received_at": "2026-12-05T08:00:00Z",
            "gifts": [],
        },
        from_attributes=True,
    )

    edition_id: int
    copy_number: int
    size: int
    label: str
    title: str
    number: str
    holder: str | None = Field(
        description="The holder's address; null while an allow-listed copy is not claimed (the "
        "chain holds only its batch's root: whom it is reserved for is not told)"
    )
    holder_display: str = Field(description="Verified public name (已实名), else anonymised")
    received_at: datetime
    gifts: list[GiftOut]


class HoldingOut(BaseModel):
    model_config = with_example(
        {"edition_id": 0, "reader": READER, "holds": True, "copies": [7]}, from_attributes=True
    )

    edition_id: int
    reader: str
    holds: bool
    copies: list[int] = Field(description="The copies the reader holds now (checked on chain)")


class ReaderBoundOut(BaseModel):
    model_config = with_example(
        {"party": "party_5f0c2a9e4b7d1c33", "address": READER, "adult": True}
    )

    party: str
    address: str
    adult: bool = Field(description="Of full age (only this flag is on chain, never a birth date)")


class EditionWrappedKeyOut(BaseModel):
    model_config = with_example({"wrapped_key": {"method": "sm2-sm4-gcm", "ciphertext": "…"}})

    wrapped_key: dict[str, Any]


def _terms(terms: EditionTermsIn) -> EditionTerms:
    return EditionTerms(**terms.model_dump())


Written = TypeVar("Written")
#: One write on Editions, run as the acting account: the publisher's or holder's own.
Write = Callable[[TransactionSender], Written]


def _prepared(
    runtime: Runtime, account: str, operation: str, write: Write[object]
) -> PreparedEditionOut:
    """The unsigned transaction ``write`` would send as ``account``, once its checks pass."""
    transaction = runtime.editions.prepared(account, write)
    return PreparedEditionOut(
        operation=operation, transaction=TransactionOut.model_validate(transaction)
    )


def _prepare_route(path: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """The route of a ``…/prepare`` endpoint: each answers the unsigned transaction of one write."""
    return router.post(
        path, response_model=PreparedEditionOut, responses=ERRORS, response_model_exclude_none=True
    )


def _relayed(runtime: Runtime, body: Signed, write: Write[Written]) -> Written:
    """``write`` run with the signed transaction, relayed only if it is exactly that write."""
    return write(runtime.editions.relaying(body.raw_transaction))


def _create(runtime: Runtime, body: EditionIn) -> Write[EditionView]:
    editions, price = runtime.editions, price_fen(body.price_cny, field="price_cny")
    return lambda acting: editions.create(
        acting, body.registration, title=body.title, metadata_cid=body.metadata_cid,
        terms=_terms(body.terms), price_fen=price,
    )  # fmt: skip


def _amend(runtime: Runtime, edition_id: int, body: TermsIn) -> Write[EditionView]:
    editions, price = runtime.editions, price_fen(body.price_cny, field="price_cny")
    return lambda acting: editions.amend_terms(
        acting, edition_id, metadata_cid=body.metadata_cid, terms=_terms(body.terms),
        price_fen=price,
    )  # fmt: skip


def _claim(runtime: Runtime, edition_id: int, copy_number: int) -> Write[CopyView]:
    return partial(runtime.editions.claim, edition_id=edition_id, copy=copy_number)


def _gift(runtime: Runtime, edition_id: int, copy_number: int, to: str) -> Write[GiftView]:
    return partial(runtime.editions.gift, edition_id=edition_id, copy=copy_number, to=to)


def _of_catalogue(write: Callable[..., Written], edition_id: int, body: IssueIn) -> Write[Written]:
    """``write`` (an issue or an allow-list) of the catalogue's readers and copy numbers."""
    rows = [(row.reader, row.copy_number) for row in body.catalogue]
    return lambda acting: write(acting, edition_id, rows, max_copies=API_ISSUE_MAX)


def _edition(view: EditionView) -> EditionOut:
    return out_of(EditionOut, view)


def _copy(view: CopyView) -> CopyOut:
    label = f"第 {view.copy_number} 份，共 {view.size} 份 copy {view.copy_number} of {view.size}"
    return out_of(CopyOut, view, label=label, gifts=[out_of(GiftOut, g) for g in view.gifts])


@_prepare_route("/v1/editions/prepare")
def post_prepare_edition(
    body: EditionIn, runtime: RuntimeDep, _caller: Publisher
) -> PreparedEditionOut:
    """The publisher's unsigned ``create`` transaction, once the checks pass (nothing sent)."""
    return _prepared(runtime, body.from_, "edition_create", _create(runtime, body))


@router.post("/v1/editions", response_model=EditionOut, status_code=201, responses=ERRORS)
def post_edition(body: EditionSubmitIn, runtime: RuntimeDep, _caller: Publisher) -> EditionOut:
    """Create an edition with the publisher's signed transaction; answers once mined."""
    return _edition(_relayed(runtime, body, _create(runtime, body)))


@router.get("/v1/editions/{edition_id}", response_model=EditionOut, responses=ERRORS)
def get_edition(edition_id: EditionId, runtime: RuntimeDep) -> EditionOut:
    """An edition: its terms as fixed on chain, copies issued, whether it is frozen."""
    return _edition(runtime.editions.show(edition_id))


@_prepare_route("/v1/editions/{edition_id}/terms/prepare")
def post_prepare_terms(
    edition_id: EditionId, body: TermsIn, runtime: RuntimeDep, _caller: Publisher
) -> PreparedEditionOut:
    """The publisher's unsigned ``amendTerms`` transaction: only before the first copy (409
    ``edition_terms_locked`` after)."""
    return _prepared(runtime, body.from_, "edition_amend", _amend(runtime, edition_id, body))


@router.post("/v1/editions/{edition_id}/terms", response_model=EditionOut, responses=ERRORS)
def post_terms(
    edition_id: EditionId, body: TermsSubmitIn, runtime: RuntimeDep, _caller: Publisher
) -> EditionOut:
    """Amend an edition's terms with the publisher's signed transaction, before its first copy."""
    return _edition(_relayed(runtime, body, _amend(runtime, edition_id, body)))


@_prepare_route("/v1/editions/{edition_id}/issue/prepare")
def post_prepare_issue(
    edition_id: EditionId, body: IssueIn, runtime: RuntimeDep, _caller: Publisher
) -> PreparedEditionOut:
    """The publisher's unsigned ``issue`` transaction for one catalogue (the next copies)."""
    issue = _of_catalogue(runtime.editions.issue, edition_id, body)
    return _prepared(runtime, body.from_, "edition_issue", issue)


@router.post("/v1/editions/{edition_id}/issue", response_model=IssuedOut, responses=ERRORS)
def post_issue(
    edition_id: EditionId, body: IssueSubmitIn, runtime: RuntimeDep, _caller: Publisher
) -> IssuedOut:
    """Issue copies with the publisher's signed transaction (one Merkle root per batch)."""
    batches = _relayed(runtime, body, _of_catalogue(runtime.editions.issue, edition_id, body))
    return IssuedOut(batches=[IssuedBatchOut(**vars(b)) for b in batches])


@_prepare_route("/v1/editions/{edition_id}/allow-list/prepare")
def post_prepare_allow_list(
    edition_id: EditionId, body: IssueIn, runtime: RuntimeDep, _caller: Publisher
) -> PreparedEditionOut:
    """The publisher's unsigned ``postAllowList`` transaction: the next copies reserved for the
    catalogue's readers, who claim them (and are checked then)."""
    allow_list = _of_catalogue(runtime.editions.post_allow_list, edition_id, body)
    return _prepared(runtime, body.from_, "edition_allow_list", allow_list)


@router.post("/v1/editions/{edition_id}/allow-list", response_model=IssuedOut, responses=ERRORS)
def post_allow_list(
    edition_id: EditionId, body: IssueSubmitIn, runtime: RuntimeDep, _caller: Publisher
) -> IssuedOut:
    """Post an allow-list with the publisher's signed transaction (one root)."""
    allow_list = _of_catalogue(runtime.editions.post_allow_list, edition_id, body)
    batch = _relayed(runtime, body, allow_list)
    return IssuedOut(batches=[IssuedBatchOut(**vars(batch))])


@_prepare_route("/v1/editions/{edition_id}/copies/{copy_number}/claim/prepare")
def post_prepare_claim(
    edition_id: EditionId,
    copy_number: CopyNumber,
    body: ClaimIn,
    runtime: RuntimeDep,
    _caller: PlatformOrPublisher,
) -> PreparedEditionOut:
    """The reader's unsigned ``claim`` transaction for the copy reserved for it."""
    claim = _claim(runtime, edition_id, copy_number)
    return _prepared(runtime, body.from_, "edition_claim", claim)


@router.post(
    "/v1/editions/{edition_id}/copies/{copy_number}/claim", response_model=CopyOut, responses=ERRORS
)
def post_claim(
    edition_id: EditionId,
    copy_number: CopyNumber,
    body: ClaimSubmitIn,
    runtime: RuntimeDep,
    _caller: PlatformOrPublisher,
) -> CopyOut:
    """Claim a reserved copy with the reader's signed transaction; answers the copy's page."""
    return _copy(_relayed(runtime, body, _claim(runtime, edition_id, copy_number)))


@router.get(
    "/v1/editions/{edition_id}/copies/{copy_number}", response_model=CopyOut, responses=ERRORS
)
def get_copy(edition_id: EditionId, copy_number: CopyNumber, runtime: RuntimeDep) -> CopyOut:
    """A copy's public page data (证书): copy n of N, holder, gifts."""
    return _copy(runtime.editions.copy(edition_id, copy_number))


@router.get(
    "/v1/editions/{edition_id}/copies/{copy_number}/certificate",
    response_class=Response,
    responses={
        **ERRORS,
        200: {"content": {"application/pdf": {}}, "description": "The certificate (PDF, A4)"},
    },
)
def get_copy_certificate(
    edition_id: EditionId, copy_number: CopyNumber, runtime: RuntimeDep
) -> Response:
    """A copy's certificate (数字藏书证书, PDF): 第 n 份，共 N 份, the work, the holder, the terms,
    issue and gifts, chain references. Withdrawn (451) while the work is taken down."""
    pdf = runtime.editions.certificate(edition_id, copy_number)
    return Response(
        pdf, media_type="application/pdf", headers=_certificate_headers(edition_id, copy_number)
    )


def _certificate_headers(edition_id: int, copy_number: int) -> dict[str, str]:
    name = f"edition-{edition_id}-copy-{copy_number}.pdf"
    return {"Content-Disposition": f'inline; filename="{name}"'}


@_prepare_route("/v1/editions/{edition_id}/copies/{copy_number}/gift/prepare")
def post_prepare_gift(
    edition_id: EditionId,
    copy_number: CopyNumber,
    body: GiftIn,
    runtime: RuntimeDep,
    _caller: PlatformOrPublisher,
) -> PreparedEditionOut:
    """The holder's unsigned ``gift`` transaction (no price: a gift only)."""
    gift = _gift(runtime, edition_id, copy_number, body.to)
    return _prepared(runtime, body.from_, "edition_gift", gift)


@router.post(
    "/v1/editions/{edition_id}/copies/{copy_number}/gift", response_model=GiftOut, responses=ERRORS
)
def post_gift(
    edition_id: EditionId,
    copy_number: CopyNumber,
    body: GiftSubmitIn,
    runtime: RuntimeDep,
    _caller: PlatformOrPublisher,
) -> GiftOut:
    """Give a copy away with the holder's signed transaction; the former holder's content key
    grants end, and subscribers get ``edition_gifted``."""
    gift = _gift(runtime, edition_id, copy_number, body.to)
    return out_of(GiftOut, _relayed(runtime, body, gift))


@router.get(
    "/v1/editions/{edition_id}/holders/{reader}", response_model=HoldingOut, responses=ERRORS
)
def get_holding(
    edition_id: EditionId, reader: Reader, runtime: RuntimeDep, _caller: PlatformOrPublisher
) -> HoldingOut:
    """Does reader R hold a copy of this edition, and which (checked on chain now)."""
    held = runtime.editions.holding(edition_id, reader)
    return HoldingOut(
        edition_id=edition_id, reader=held.reader, holds=bool(held.copies), copies=list(held.copies)
    )


@router.post(
    "/v1/editions/{edition_id}/copies/{copy_number}/content-key",
    response_model=EditionWrappedKeyOut,
    responses=ERRORS,
)
def post_content_key(
    edition_id: EditionId,
    copy_number: CopyNumber,
    body: KeyRequestIn,
    runtime: RuntimeDep,
    _caller: Platform,
) -> EditionWrappedKeyOut:
    """The book's content key wrapped to ``recipient``'s SM2 key, for the copy's holder (who
    signed the request); refused once the copy was given away."""
    try:
        recipient = public_key_from_json(body.recipient)
        signature = bytes.fromhex(body.signature.removeprefix("0x"))
    except (CryptoError, ValueError) as exc:
        raise InvalidInput(f"recipient or signature is malformed: {exc}") from exc
    if not isinstance(recipient, SM2PublicKey):
        raise InvalidInput("the recipient is an SM2 public key", details={"field": "recipient"})
    wrapped = runtime.editions.content_key(
        edition_id, copy_number, holder=body.holder, recipient=recipient, signature=signature
    )
    return EditionWrappedKeyOut(wrapped_key=wrapped.to_json())


@router.post(
    "/v1/admin/editions/readers/{party_id}", response_model=ReaderBoundOut, responses=ERRORS
)
def post_bind_reader(
    party_id: Annotated[
        str, Path(min_length=1, max_length=32, examples=["party_5f0c2a9e4b7d1c33"])
    ],
    runtime: RuntimeDep,
    _admin: Admin,
) -> ReaderBoundOut:
    """Bind a verified person's chain address on chain as a reader (with the full-age flag only)."""
    address, adult = runtime.editions.bind_reader(party_id)
    return ReaderBoundOut(party=party_id, address=address, adult=adult)
