"""Path and query parameters that several routes share, with their OpenAPI descriptions and
examples."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path

from api import examples

# The largest uint64: the bound of the times, deadlines and amounts the contracts take.
UINT64 = (1 << 64) - 1

RegistrationNumber = Annotated[
    str,
    Path(
        description="Registration number (`BQ-<year>-<8 digits>`)",
        examples=[examples.REGISTRATION["number"]],
    ),
]

AssetReference = Annotated[
    str,
    Path(
        description="Registration number (BQ-…) or the 64-hex asset id (the claim leaf)",
        max_length=80,
        examples=[examples.REGISTRATION["number"]],
    ),
]

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retries with the same key and request return the first registration",
        examples=["9b2f4c1e-catalogue-2026-11-item-0042"],
    ),
]
