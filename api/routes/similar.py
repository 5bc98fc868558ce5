"""Platforms: which registered works are near-duplicates of this ISCC code, or of this file?"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel, Field

from api.auth import Platform
from api.dependencies import RuntimeDep
from api.schemas import error_responses, with_example
from registry.moderation import (
    MAX_DISTANCE,
    MAX_LIMIT,
    SimilarWorks,
    find_similar_works,
    find_works_similar_to_file,
)

router = APIRouter(prefix="/v1/similar", tags=["verification"])

ERRORS = error_responses(400, 401, 403, 413, 422)

ISCC_EXAMPLE = "ISCC:GAA6KQKMK34FZLQD"
MATCH_EXAMPLE: dict[str, Any] = {
    "number": "BQ-2026-00000042",
    "title": "孙子兵法",
    "registrant": "sm2:04a1b2…",
    "distance": {"data": 3, "content": 0},
    "status": "anchored",
    "taken_down": False,
    "revoked": False,
}
ANSWER_EXAMPLE: dict[str, Any] = {
    "query": {"data": ISCC_EXAMPLE, "content": "ISCC:EAASME7NPBIWJOKN"},
    "max_distance": 6,
    "matches": [MATCH_EXAMPLE],
}


class SimilarWorkOut(BaseModel):
    model_config = with_example(MATCH_EXAMPLE, from_attributes=True)

    number: str = Field(description="Registration number")
    title: str
    registrant: str | None = Field(description="The registrant's key, or null when unsigned")
    distance: dict[str, int | None] = Field(
        description="Hamming distance in bits (of 64) per code kind, `data` (the bytes) and "
        "`content` (the text); null where the query or the work has no such code"
    )
    status: str = Field(description="`pending` or `anchored`")
    taken_down: bool = Field(description="A takedown is in force (the work is still reported)")
    revoked: bool = Field(
        description="已撤销: a regulator revoked it for good (taken_down is then true as well)"
    )


class SimilarWorksOut(BaseModel):
    model_config = with_example(ANSWER_EXAMPLE)

    query: dict[str, str] = Field(description="The codes searched for, by kind")
    max_distance: int
    matches: list[SimilarWorkOut] = Field(description="Nearest first")

    @classmethod
    def of(cls, found: SimilarWorks) -> SimilarWorksOut:
        return cls(
            query=found.query.codes,
            max_distance=found.max_distance,
            matches=[SimilarWorkOut.model_validate(m) for m in found.matches],
        )


MaxDistance = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_DISTANCE,
        description=f"Largest Hamming distance (bits of 64) that counts as near, 0–{MAX_DISTANCE}",
        examples=[6],
    ),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Most matches", examples=[20])]


@router.get("", response_model=SimilarWorksOut, responses=ERRORS)
def similar_to_code(
    runtime: RuntimeDep,
    _principal: Platform,
    iscc: Annotated[
        str,
        Query(
            max_length=200,
            description="An ISCC Data-Code or text Content-Code (64 bits), or an ISCC-CODE "
            "holding them",
            examples=[ISCC_EXAMPLE],
        ),
    ],
    max_distance: MaxDistance = 6,
    limit: Limit = 20,
) -> SimilarWorksOut:
    """Registered works whose Data-Code or Content-Code is within ``max_distance`` bits of the
    given code, nearest first; taken-down works are included and flagged (docs/similar-works.md)."""
    found = find_similar_works(runtime.sessions, iscc, max_distance=max_distance, limit=limit)
    return SimilarWorksOut.of(found)


@router.post("", response_model=SimilarWorksOut, responses=ERRORS)
def similar_to_file(
    runtime: RuntimeDep,
    _principal: Platform,
    file: Annotated[UploadFile, File(description="Content to compare; read, never stored")],
    max_distance: MaxDistance = 6,
    limit: Limit = 20,
) -> SimilarWorksOut:
    """As ``GET``, for the ISCC codes of an uploaded file, which is read once and not kept."""
    found = find_works_similar_to_file(
        runtime.sessions,
        file.file,
        max_bytes=runtime.settings.max_upload_bytes,
        max_distance=max_distance,
        limit=limit,
    )
    return SimilarWorksOut.of(found)
