"""Publishers: register a work, read a registration."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api import examples
from api.auth import Publisher, PublisherOrRegulator, caller_of, reader_of
from api.dependencies import RuntimeDep
from api.params import IdempotencyKeyHeader, RegistrationNumber
from api.schemas import (
    PartyRefOut,
    PriorityOut,
    RegistrationOut,
    RegistrationPageOut,
    error_responses,
    file_responses,
    out_of,
)
from registry.core.errors import InvalidMetadata, InvalidSignedClaim
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime
from registry.proofs.metadata_export import ExportFormat, export_work
from registry.registration import (
    ClientSignedClaim,
)
from registry.registration.search import search_works

router = APIRouter(prefix="/v1/works", tags=["works"])

ERRORS = error_responses(400, 401, 403, 409, 413, 422)
# The cursor of every paged listing: the ``next_after`` its previous page answered.
PageAfter = Annotated[
    int, Query(ge=0, le=2**63 - 1, description="`next_after` of the previous page", examples=[0])
]

METADATA_EXAMPLE = (
    '{"title": "三体", "authors": ["刘慈欣"], "isbn": "9787536692930", "language": "zh"}'
)


@router.post("", status_code=201, response_model=RegistrationOut, responses=ERRORS)
def post_work(
    runtime: RuntimeDep,
    principal: Publisher,
    file: Annotated[UploadFile, File(description="The work's content")],
    metadata: Annotated[
        str,
        Form(
            description="JSON object: title (required), authors, isbn, language, rights, and "
            "the 作品登记 fields (work_type, owners, acquisition, holding, created_on, "
            "first_published_on, first_published_place, issn, isrc, dci, series, series_number, "
            "publisher, edition, subject, contributors); see docs/metadata.md",
            examples=[METADATA_EXAMPLE],
        ),
    ],
    publish: Annotated[
        bool,
        Form(
            description="Store the content in the clear (default: encrypted until published); "
            "a registration moderation holds or rejects is stored encrypted, unpublished"
        ),
    ] = False,
    claim: Annotated[
        str | None,
        Form(
            description="The registrant's signed banquan.claim/2 (JSON); with `signature`",
            examples=[examples.SIGNED_CLAIM],
        ),
    ] = None,
    signature: Annotated[
        str | None,
        Form(
            description="`<algorithm>:<hex>` signature of the claim's RFC 8785 bytes",
            examples=[examples.SIGNED_CLAIM_SIGNATURE],
        ),
    ] = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RegistrationOut:
    """Register a work. The registration is stored before this answers and anchored shortly after
    (status ``pending`` until its batch root is on chain)."""
    try:
        raw = json.loads(metadata)
    except json.JSONDecodeError as exc:
        raise InvalidMetadata(f"metadata is not valid JSON: {exc.msg}") from exc
    parsed = WorkMetadata.from_mapping(raw)
    try:
        claim_json = json.loads(claim) if claim is not None else None
    except json.JSONDecodeError as exc:
        raise InvalidSignedClaim(f"claim is not valid JSON: {exc.msg}") from exc
    client_signed = _client_signed(claim_json, signature)
    view = runtime.registrar.register(
        file.file,
        parsed,
        submitted_by=principal.key_id,
        idempotency_key=idempotency_key,
        client_signed=client_signed,
        publish=publish,
    )
    return RegistrationOut.of(view)


class WorkByCidIn(BaseModel):
    cid: str = Field(
        max_length=200,
        description="CID of content already in the content store (IPFS), as "
        "`ipfs add --cid-version=1 --raw-leaves` gives it",
        examples=[examples.REGISTRATION["cid"]],
    )
    metadata: dict[str, Any] = Field(
        description="title (required), authors, isbn, language, rights and the 作品登记 fields "
        "(see docs/metadata.md)",
        examples=[examples.METADATA, examples.METADATA_V2],
    )
    claim: dict[str, Any] | None = Field(
        default=None,
        description="The registrant's signed banquan.claim/2; with `signature`",
        examples=[examples.SIGNED_CLAIM_JSON],
    )
    signature: str | None = Field(
        default=None,
        max_length=1000,
        description="`<algorithm>:<hex>` signature of the claim's RFC 8785 bytes",
        examples=[examples.SIGNED_CLAIM_SIGNATURE],
    )


@router.post("/by-cid", status_code=201, response_model=RegistrationOut, responses=ERRORS)
def post_work_by_cid(
    body: WorkByCidIn,
    runtime: RuntimeDep,
    principal: Publisher,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RegistrationOut:
    """Register content the publisher has put in the content store (IPFS) already, by its CID:
    the blocks are read back and ingested like an upload, so the claim rests on what was read.
    The work is registered as published (content on IPFS is public), unless moderation holds or
    rejects it: it is then stored encrypted and not published."""
    client_signed = _client_signed(body.claim, body.signature)
    view = runtime.registrar.register_by_cid(
        body.cid,
        WorkMetadata.from_mapping(body.metadata),
        submitted_by=principal.key_id,
        idempotency_key=idempotency_key,
        client_signed=client_signed,
    )
    return RegistrationOut.of(view)


def _client_signed(claim: object | None, signature: str | None) -> ClientSignedClaim | None:
    """The registrant's own signed claim, when one was sent: both parts, or neither."""
    if claim is None and signature is None:
        return None
    if claim is None or signature is None:
        raise InvalidSignedClaim("a signed claim needs both `claim` and `signature`")
    return ClientSignedClaim(claim=claim, signature=signature)


@router.get("", response_model=RegistrationPageOut, responses=ERRORS)
def list_works(
    runtime: RuntimeDep,
    principal: PublisherOrRegulator,
    limit: Annotated[int, Query(ge=1, le=500, examples=[100])] = 100,
    after: PageAfter = 0,
) -> RegistrationPageOut:
    """The registrations of this key's party, oldest first, a page at a time (an admin or a
    regulator key: everyone's, private ones' metadata included)."""
    page = runtime.registrar.own_registrations(reader_of(principal), limit=limit, after=after)
    return RegistrationPageOut(
        registrations=[RegistrationOut.of(v) for v in page.registrations],
        next_after=page.next_after,
    )


class WorkSummaryOut(BaseModel):
    """A registered work as a search shows it to anyone: no content, no claim, no keys."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [examples.WORK_SUMMARY]}
    )

    number: str = Field(description="Registration number")
    title: str
    authors: list[str] = Field(description="作者, in the order registered")
    isbn: str | None = Field(description="ISBN-13; null when none was registered")
    dci: str | None = Field(description="DCI code; null when none was registered")
    party: PartyRefOut | None = Field(
        description="The registering party (登记人) by its public name; null for a command-line "
        "registration whose key is linked to no party"
    )
    registered_at: datetime = Field(description="When it was registered (UTC)")
    anchored_at: datetime | None = Field(
        description="When its batch root was anchored on chain; null while pending"
    )
    status: str = Field(description="pending (not yet anchored) or anchored")
    taken_down: bool = Field(
        description="A takedown is in force: the work is found, and its content, certificate and "
        "exports answer 451"
    )
    revoked: bool = Field(
        description="已撤销: a regulator revoked the registration for good (taken_down is then "
        "true as well)"
    )
    priority: PriorityOut | None = Field(
        default=None,
        description="首次登记 / 后续登记: who registered the same content first; a later claim "
        "is found too, with is_first false",
    )


class WorkSearchOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.WORK_SEARCH]})

    kind: str = Field(description="What was searched: isbn, dci, title or author")
    query: str = Field(
        description="The query as compared: the ISBN-13, the DCI in upper case, or the title or "
        "author prefix normalised (NFKC, case-folded)"
    )
    works: list[WorkSummaryOut] = Field(description="Matches, oldest registration first")
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null on the last page"
    )


SEARCH_TEXT = 200


@router.get(
    "/search",
    response_model=WorkSearchOut,
    responses=error_responses(422),
)
def search(
    runtime: RuntimeDep,
    isbn: Annotated[
        str | None,
        Query(
            max_length=40,
            description="ISBN-10 or ISBN-13, hyphens allowed: exact match (check digit checked)",
            examples=["978-7-5366-9293-0"],
        ),
    ] = None,
    dci: Annotated[
        str | None,
        Query(
            max_length=64, description="DCI code: exact match", examples=["DCI:0101-2008-000001"]
        ),
    ] = None,
    title: Annotated[
        str | None,
        Query(
            max_length=SEARCH_TEXT,
            description="The title starts with this (Latin letters in any case)",
            examples=["三体"],
        ),
    ] = None,
    author: Annotated[
        str | None,
        Query(
            max_length=SEARCH_TEXT,
            description="An author's name starts with this (Latin letters in any case)",
            examples=["刘慈"],
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=100, description="Most works per page", examples=[20])
    ] = 20,
    after: PageAfter = 0,
) -> WorkSearchOut:
    """Registered works by exactly one of ``isbn``, ``dci`` (exact) or ``title``, ``author``
    (prefix: 三体 finds 三体 and 三体：英文版, not 地球往事三体), oldest first, a page at a time.
    Public: each work's summary only. A taken-down work is found and says so; works moderation
    holds or rejected are not. No match is an empty list; a bad ISBN or query is 422
    ``invalid_search``."""
    page = search_works(
        runtime.sessions, isbn=isbn, dci=dci, title=title, author=author, limit=limit, after=after
    )
    return out_of(WorkSearchOut, page)


@router.get(
    "/{number}/private-content",
    response_class=StreamingResponse,
    responses={**file_responses("application/octet-stream"), **ERRORS, **error_responses(404)},
)
def get_own_content(
    number: RegistrationNumber,
    runtime: RuntimeDep,
    principal: Publisher,
) -> StreamingResponse:
    """The content of a work this key registered, decrypted if it is stored encrypted."""
    chunks = runtime.registrar.content(number, caller_of(principal))
    return StreamingResponse(chunks, media_type="application/octet-stream")


@router.post(
    "/{number}/publish",
    response_model=RegistrationOut,
    responses={**ERRORS, **error_responses(404)},
)
def post_publish(
    number: RegistrationNumber,
    runtime: RuntimeDep,
    principal: Publisher,
) -> RegistrationOut:
    """Publish a private work this key registered: its content is stored in the clear under its
    CID and served to anyone. Moderation runs first (a held publication answers 409). Publishing
    twice changes nothing."""
    runtime.registrar.publish(number, caller_of(principal))
    return RegistrationOut.of(runtime.proofs.registration(number))


@router.get("/{number}", response_model=RegistrationOut, responses=error_responses(404))
def get_work(number: RegistrationNumber, runtime: RuntimeDep) -> RegistrationOut:
    """A registration by its number, with its proof and anchoring once anchored."""
    return RegistrationOut.of(runtime.proofs.registration(number))


@router.get(
    "/{number}/metadata.jsonld",
    response_class=Response,
    responses=file_responses("application/ld+json", 404, 409, 451, example=examples.WORK_JSONLD),
)
def get_metadata_jsonld(number: RegistrationNumber, runtime: RuntimeDep) -> Response:
    """The registration's metadata as schema.org JSON-LD (a ``Book``, or a ``CreativeWork`` for
    other kinds of work): name, author, copyrightHolder, isbn, datePublished, publisher,
    inLanguage, and identifiers: the registration number, sha256, sm3 and CID."""
    return _exported(runtime, number, ExportFormat.JSONLD)


@router.get(
    "/{number}/onix.xml",
    response_class=Response,
    responses=file_responses("application/xml", 404, 409, 451, example=examples.WORK_ONIX),
)
def get_metadata_onix(number: RegistrationNumber, runtime: RuntimeDep) -> Response:
    """The registration as an ONIX 3.0 message (reference names) with one ``<Product>``:
    RecordReference (the number), the ISBN-13, titles, contributors with their roles, language,
    publisher and publishing date (docs/metadata.md has the mapping)."""
    return _exported(runtime, number, ExportFormat.ONIX)


def _exported(runtime: Runtime, number: str, export_format: ExportFormat) -> Response:
    exported = export_work(runtime.sessions, number, export_format)
    return Response(
        exported.body,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'inline; filename="{exported.filename}"'},
    )


@router.get(
    "/{number}/content",
    response_class=StreamingResponse,
    responses=file_responses("application/octet-stream", 403, 404, 409),
)
def get_published_content(number: RegistrationNumber, runtime: RuntimeDep) -> StreamingResponse:
    """The bytes of a published work (its IPFS CID names exactly these bytes). 403
    ``content_private`` while it is not published; 409 ``publication_held`` while moderation holds
    the registration and ``publication_rejected`` once it rejected it."""
    chunks = runtime.registrar.published_content(number)
    return StreamingResponse(chunks, media_type="application/octet-stream")


@router.get(
    "/{number}/proof",
    responses=file_responses("application/json", 404, 409, example=examples.PROOF_BUNDLE),
)
def get_proof_bundle(number: RegistrationNumber, runtime: RuntimeDep) -> dict[str, object]:
    """The offline proof bundle (``banquan.proof/1``, or ``/2`` with an RFC 3161 timestamp when a
    TSA is configured; see docs/proof-bundle.md) of an anchored registration: check it with
    ``banquan verify-proof`` and any JSON-RPC node, without banquan. 409 ``not_anchored_yet``
    while pending, ``registration_held`` while a moderator has yet to decide, and
    ``registration_refused`` once moderation rejected it."""
    return runtime.proofs.bundle(number)


@router.get(
    "/{number}/certificate.pdf",
    response_class=Response,
    responses=file_responses("application/pdf", 404, 409),
)
def get_certificate(number: RegistrationNumber, runtime: RuntimeDep) -> Response:
    """The registration certificate (PDF, A4) with a QR code to the public verification page.
    Withheld while the work is taken down (451); none for a registration held for review (409
    ``registration_held``) or rejected by moderation (409 ``registration_refused``)."""
    return Response(runtime.proofs.certificate(number), media_type="application/pdf")
