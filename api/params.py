"""Path and query parameters that several routes share, with their OpenAPI descriptions and
examples."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from api import examples

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
