"""Platforms: is this content registered, by whom, since when, with which proof?"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from api import examples
from api.dependencies import RuntimeDep
from api.schemas import ErrorOut, RegistrationOut, VerificationOut, registration_json
from registry.core.errors import RegistryError
from registry.core.views import RegistrationView, counts_as_registered
from registry.proofs import MAX_BULK_DIGESTS, Proofs

router = APIRouter(prefix="/v1/verify", tags=["verification"])


@router.get(
    "",
    response_model=VerificationOut,
    responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
async def verify_digest(
    request: Request,
    sha256: Annotated[
        str | None,
        Query(
            description="SHA-256 of the content, 64 hex",
            examples=[examples.REGISTRATION["sha256"]],
        ),
    ] = None,
    sm3: Annotated[
        str | None,
        Query(description="SM3 of the content, 64 hex", examples=[examples.REGISTRATION["sm3"]]),
    ] = None,
    cid: Annotated[
        str | None,
        Query(
            description="IPFS CID (as `ipfs add --cid-version=1 --raw-leaves` gives it)",
            examples=[examples.REGISTRATION["cid"]],
        ),
    ] = None,
    isbn: Annotated[
        str | None,
        Query(description="ISBN-10 or ISBN-13, hyphens allowed", examples=["978-7-5366-9293-0"]),
    ] = None,
    number: Annotated[
        str | None,
        Query(
            max_length=32,
            description="Registration number",
            examples=[examples.REGISTRATION["number"]],
        ),
    ] = None,
) -> Response:
    """Look content up by exactly one of ``sha256``, ``sm3``, ``cid``, ``isbn`` and ``number``."""
    # The runtime read from the app state, not solved as a dependency: the busiest route spares
    # the dependency's solving on every request.
    proofs = request.app.state.runtime.proofs
    # The lookup and the answer's JSON together, the bytes sent as they are: the same bytes the
    # framework would make of the model (``dump_json``), without its validation of what was just
    # built. A local lookup (SQLite) runs right here: with 100 clients, a hop to the thread pool
    # and back cost more CPU than the lookup and tripled the CPU a request took (measured: 2.5 ms
    # against 0.9). One over the network (PostgreSQL) is awaited on the loop by SHA-256, the
    # hot path (0.1 ms of CPU against 0.85 through a thread), and waits in a thread otherwise.
    if proofs.local_lookups:
        return _verification(proofs, sha256=sha256, sm3=sm3, cid=cid, isbn=isbn, number=number)
    if sha256 and not (sm3 or cid or isbn or number) and proofs.loop_ready():
        return _answer(await proofs.find_sha256_on_loop(sha256))
    return await run_in_threadpool(
        _verification, proofs, sha256=sha256, sm3=sm3, cid=cid, isbn=isbn, number=number
    )


def _verification(proofs: Proofs, **identifiers: str | None) -> Response:
    return _answer(proofs.find(**identifiers))


def _answer(views: list[RegistrationView]) -> Response:
    # VerificationOut's JSON, each registration's made once per view (registration_json).
    registrations = ",".join(registration_json(view) for view in views)
    registered = "true" if counts_as_registered(views) else "false"
    return _json(f'{{"registered":{registered},"registrations":[{registrations}]}}')


def _json(text: str) -> Response:
    return Response(text, media_type="application/json")


class BulkVerificationIn(BaseModel):
    """Up to 5,000 digests of one algorithm."""

    algorithm: Literal["sha256", "sm3"] = "sha256"
    digests: list[str] = Field(
        max_length=MAX_BULK_DIGESTS,
        examples=[["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]],
    )


class BulkItemOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [examples.BULK_VERIFICATION["results"][0]]}
    )

    digest: str
    registered: bool = Field(
        description="Some registration of it was not rejected by moderation (as GET /v1/verify)"
    )
    registrations: list[RegistrationOut]
    error: ErrorOut | None = Field(
        default=None, description="Why this digest could not be looked up (malformed); null if not"
    )


class BulkVerificationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.BULK_VERIFICATION]})

    algorithm: str
    registered: int = Field(description="How many of the digests are registered")
    results: list[BulkItemOut]


@router.post(
    "/bulk",
    response_model=BulkVerificationOut,
    responses={400: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def verify_bulk(request: BulkVerificationIn, runtime: RuntimeDep) -> Response:
    """Which of these digests are registered? One answer per digest, in the order given; a
    malformed digest gets its own error and the others are answered."""
    result = runtime.proofs.verify_digests(request.algorithm, request.digests)
    # BulkVerificationOut's JSON, each registration's made once per view (registration_json):
    # building and dumping the models took most of a bulk answer's CPU.
    items = ",".join(
        f'{{"digest":{_text(digest)},'
        f'"registered":{"true" if counts_as_registered(views) else "false"},'
        f'"registrations":[{",".join(registration_json(view) for view in views)}],'
        f'"error":{_error_json(result.errors.get(position))}}}'
        for position, (digest, views) in enumerate(result.items)
    )
    return _json(
        f'{{"algorithm":{_text(result.algorithm)},"registered":{result.registered},'
        f'"results":[{items}]}}'
    )


def _text(value: str) -> str:
    """A JSON string as pydantic writes it."""
    return to_json(value).decode()


def _error_json(error: RegistryError | None) -> str:
    if error is None:
        return "null"
    return ErrorOut(code=error.code, message=error.message, details=error.details).model_dump_json()


@router.post(
    "/file",
    response_model=VerificationOut,
    responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}, 413: {"model": ErrorOut}},
)
def verify_file(
    file: Annotated[UploadFile, File(description="The file to look up; hashed, never stored")],
    runtime: RuntimeDep,
) -> VerificationOut:
    """Is exactly this file registered? The upload is hashed in one pass and discarded."""
    views = runtime.proofs.find_by_file(file.file)
    return VerificationOut(
        registered=counts_as_registered(views),
        registrations=[RegistrationOut.of(v) for v in views],
    )
