"""Numbered editions (数字藏书) of registered works: created and issued by the work's publisher to
verified adult readers, given away as gifts only, read with the content key wrapped to the holder
(see docs/editions.md)."""

from registry.editions.errors import EDITION_REFUSALS
from registry.editions.service import (
    CopyView,
    Editions,
    EditionView,
    GiftView,
    Holding,
    IssuedBatch,
    anonymised,
    check_terms,
    edition_refusals,
    is_adult,
    key_request,
    price_fen,
    price_text,
)

__all__ = [
    "EDITION_REFUSALS",
    "CopyView",
    "EditionView",
    "Editions",
    "GiftView",
    "Holding",
    "IssuedBatch",
    "anonymised",
    "check_terms",
    "edition_refusals",
    "is_adult",
    "key_request",
    "price_fen",
    "price_text",
]
