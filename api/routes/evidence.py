"""``GET /v1/works/{number}/evidence``: the evidence package (存证报告) of a registration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.auth import caller_of, get_principal
from api.dependencies import RuntimeDep
from api.params import RegistrationNumber
from api.schemas import file_responses
from registry.access import Principal

router = APIRouter(prefix="/v1/works", tags=["works"])


async def optional_principal(request: Request, runtime: RuntimeDep) -> Principal | None:
    """The caller's key when one is presented (and checked as everywhere), else None."""
    if not request.headers.get("authorization"):
        return None
    return await get_principal(request, runtime)


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


@router.get(
    "/{number}/evidence",
    response_class=Response,
    responses=file_responses("application/zip", 401, 404, 409, 503),
)
async def get_evidence(
    number: RegistrationNumber, runtime: RuntimeDep, principal: OptionalPrincipal
) -> Response:
    """The evidence package of an anchored registration (ZIP, see docs/evidence.md): the work
    itself for its registrant's key (or an admin's), or for anyone once published, else its
    digests only; digests, claim and signature, the proof bundle with every chain's anchoring,
    the RFC 3161 token, the registrant's identity commitment, takedown/licence/lien state with
    the block read, a statement of process and the 存证报告 PDF, listed in ``manifest.json``
    signed by the operator with SM2 (``manifest.sig``). Check it offline with
    ``banquan verify-proof``. 409 ``not_anchored_yet`` while pending."""
    # The registrant's key or an admin's reads the work itself (as its private content); any
    # other caller, or none, gets it only once published.
    reader = caller_of(principal) if principal is not None else None
    package = await run_in_threadpool(runtime.evidence.package, number, reader)
    return Response(
        package.data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{package.filename}"'},
    )
