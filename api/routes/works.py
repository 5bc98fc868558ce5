"""Publishers: register a work, read a registration."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from api import examples
from api.auth import requires
from api.dependencies import get_runtime
from api.params import IdempotencyKeyHeader, RegistrationNumber
from api.schemas import ErrorOut, RegistrationOut, RegistrationPageOut
from registry.access import Principal, Scope
from registry.certificate import render_certificate
from registry.claims import ClientSignedClaim
from registry.content import open_published_content
from registry.errors import InvalidMetadata, InvalidSignedClaim
from registry.metadata import WorkMetadata
from registry.own_works import Caller, list_own_registrations, open_own_content, publish_own
from registry.proof_bundle import proof_bundle
from registry.registration import register_work
from registry.registration_by_cid import register_by_cid
from registry.runtime import Runtime
from registry.timestamps import timestamper_for
from registry.verification import get_registration

router = APIRouter(prefix="/v1/works", tags=["works"])

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    409: {"model": ErrorOut},
    413: {"model": ErrorOut},
    422: {"model": ErrorOut},
}

METADATA_EXAMPLE = (
    '{"title": "三体", "authors": ["刘慈欣"], "isbn": "9787536692930", "language": "zh"}'
)


@router.post("", status_code=201, response_model=RegistrationOut, responses=ERRORS)
def post_work(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    principal: Annotated[Principal, Depends(requires(Scope.PUBLISHER))],
    file: Annotated[UploadFile, File(description="The work's content")],
    metadata: Annotated[
        str,
        Form(
            description="JSON object: title (required), authors, isbn, language",
            examples=[METADATA_EXAMPLE],
        ),
    ],
    publish: Annotated[
        bool,
        Form(description="Store the content in the clear (default: encrypted until published)"),
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
    view = register_work(
        runtime.sessions,
        runtime.store,
        file.file,
        parsed,
        max_bytes=runtime.settings.max_upload_bytes,
        now=runtime.now,
        idempotency_key=idempotency_key,
        idempotency_scope=principal.key_id,
        client_signed=client_signed,
        protection=runtime.protection,
        publish=publish,
        moderation=runtime.moderation_gate(principal.key_id),
        submitted_by=principal.key_id,
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
        description="title (required), authors, isbn, language, rights",
        examples=[examples.METADATA],
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
    runtime: Annotated[Runtime, Depends(get_runtime)],
    principal: Annotated[Principal, Depends(requires(Scope.PUBLISHER))],
    idempotency_key: IdempotencyKeyHeader = None,
) -> RegistrationOut:
    """Register content the publisher has put in the content store (IPFS) already, by its CID:
    the blocks are read back and ingested like an upload, so the claim rests on what was read.
    The work is registered as published (content on IPFS is public)."""
    client_signed = _client_signed(body.claim, body.signature)
    view = register_by_cid(
        runtime.sessions, runtime.store, body.cid, WorkMetadata.from_mapping(body.metadata),
        max_bytes=runtime.settings.max_upload_bytes, now=runtime.now,
        idempotency_key=idempotency_key, idempotency_scope=principal.key_id,
        client_signed=client_signed, moderation=runtime.moderation_gate(principal.key_id),
        submitted_by=principal.key_id,
    )  # fmt: skip
    return RegistrationOut.of(view)


def _client_signed(claim: object | None, signature: str | None) -> ClientSignedClaim | None:
    """The registrant's own signed claim, when one was sent: both parts, or neither."""
    if claim is None and signature is None:
        return None
    if claim is None or signature is None:
        raise InvalidSignedClaim("a signed claim needs both `claim` and `signature`")
    return ClientSignedClaim(claim=claim, signature=signature)


def _caller(principal: Principal) -> Caller:
    return Caller(principal.key_id, acts_for_anyone=Scope.ADMIN in principal.scopes)


@router.get("", response_model=RegistrationPageOut, responses=ERRORS)
def list_works(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    principal: Annotated[Principal, Depends(requires(Scope.PUBLISHER))],
    limit: Annotated[int, Query(ge=1, le=500, examples=[100])] = 100,
    after: Annotated[
        int,
        Query(ge=0, le=2**63 - 1, description="`next_after` of the previous page", examples=[0]),
    ] = 0,
) -> RegistrationPageOut:
    """The registrations this key submitted, oldest first, a page at a time (an admin key: all)."""
    page = list_own_registrations(runtime.sessions, _caller(principal), limit=limit, after=after)
    return RegistrationPageOut(
        registrations=[RegistrationOut.of(v) for v in page.registrations],
        next_after=page.next_after,
    )


@router.get(
    "/{number}/private-content",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        **ERRORS,
        404: {"model": ErrorOut},
    },
)
def get_own_content(
    number: RegistrationNumber,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    principal: Annotated[Principal, Depends(requires(Scope.PUBLISHER))],
) -> StreamingResponse:
    """The content of a work this key registered, decrypted if it is stored encrypted."""
    chunks = open_own_content(
        runtime.sessions, runtime.store, runtime.protection, _caller(principal), number
    )
    return StreamingResponse(chunks, media_type="application/octet-stream")


@router.post(
    "/{number}/publish",
    response_model=RegistrationOut,
    responses={**ERRORS, 404: {"model": ErrorOut}},
)
def post_publish(
    number: RegistrationNumber,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    principal: Annotated[Principal, Depends(requires(Scope.PUBLISHER))],
) -> RegistrationOut:
    """Publish a private work this key registered: its content is stored in the clear under its
    CID and served to anyone. Moderation runs first (a held publication answers 409). Publishing
    twice changes nothing."""
    publish_own(
        runtime.sessions, runtime.store, runtime.protection, _caller(principal), number,
        now=runtime.now, moderation=runtime.moderation_gate(principal.key_id),
    )  # fmt: skip
    return RegistrationOut.of(get_registration(runtime.sessions, number))


@router.get("/{number}", response_model=RegistrationOut, responses={404: {"model": ErrorOut}})
def get_work(
    number: RegistrationNumber, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> RegistrationOut:
    """A registration by its number, with its proof and anchoring once anchored."""
    return RegistrationOut.of(get_registration(runtime.sessions, number))


@router.get(
    "/{number}/content",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
    },
)
def get_published_content(
    number: RegistrationNumber, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> StreamingResponse:
    """The bytes of a published work (its IPFS CID names exactly these bytes)."""
    chunks = open_published_content(runtime.sessions, runtime.store, number)
    return StreamingResponse(chunks, media_type="application/octet-stream")


@router.get(
    "/{number}/proof",
    responses={
        200: {"content": {"application/json": {"example": examples.PROOF_BUNDLE}}},
        404: {"model": ErrorOut},
        409: {"model": ErrorOut},
    },
)
def get_proof_bundle(
    number: RegistrationNumber, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> dict[str, object]:
    """The offline proof bundle (``banquan.proof/1``, or ``/2`` with an RFC 3161 timestamp when a
    TSA is configured; see docs/proof-bundle.md) of an anchored registration: check it with
    ``banquan verify-proof`` and any JSON-RPC node, without banquan."""
    view = get_registration(runtime.sessions, number)
    return proof_bundle(
        view, timestamper=timestamper_for(runtime.settings, runtime.sessions, runtime.now)
    )


@router.get(
    "/{number}/certificate.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 404: {"model": ErrorOut}},
)
def get_certificate(
    number: RegistrationNumber, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> Response:
    """The registration certificate (PDF, A4) with a QR code to the public verification page."""
    view = get_registration(runtime.sessions, number)
    pdf = render_certificate(view, public_base_url=runtime.settings.public_base_url)
    return Response(pdf, media_type="application/pdf")
