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
