"""What a registrant says about a work, validated."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from registry.errors import InvalidIsbn, InvalidMetadata
from registry.isbn import normalize_isbn
from registry.rights import ALL_RIGHT_NAMES, parse_rights

MAX_TITLE_LENGTH = 500
MAX_AUTHORS = 100
MAX_AUTHOR_LENGTH = 500
MAX_LANGUAGE_LENGTH = 64


@dataclass(frozen=True)
class WorkMetadata:
    """Descriptive metadata of a work; ``title`` is required.

    Text is kept in Unicode normalisation form NFC: a title typed with combining marks (NFD)
    and the same title precomposed are one title, with one metadata digest.
    """

    title: str
    authors: tuple[str, ...] = ()
    isbn: str | None = None
    language: str | None = None
    rights: tuple[str, ...] = ALL_RIGHT_NAMES

    @classmethod
    def from_mapping(cls, raw: object) -> WorkMetadata:
        """Validate metadata as received (a JSON object); raise :class:`InvalidMetadata`."""
        if not isinstance(raw, Mapping):
            raise InvalidMetadata("metadata must be a JSON object")
        unknown = set(raw) - {"title", "authors", "isbn", "language", "rights"}
        if unknown:
            raise InvalidMetadata(
                "unknown metadata fields", details={"fields": sorted(map(str, unknown))}
            )
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise InvalidMetadata("metadata.title is required", details={"field": "title"})
        title = _text(title, "title", MAX_TITLE_LENGTH)
        authors = raw.get("authors", [])
        if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
            raise InvalidMetadata(
                "metadata.authors must be a list of strings", details={"field": "authors"}
            )
        if len(authors) > MAX_AUTHORS:
            raise InvalidMetadata(
                f"metadata.authors has more than {MAX_AUTHORS} names", details={"field": "authors"}
            )
        language = _optional_string(raw, "language")
        return cls(
            title=title.strip(),
            authors=tuple(_text(a, "authors", MAX_AUTHOR_LENGTH) for a in authors),
            isbn=_isbn(raw),
            language=None if language is None else _text(language, "language", MAX_LANGUAGE_LENGTH),
            rights=_rights(raw),
        )

    def to_json(self) -> dict[str, object]:
        value: dict[str, object] = {"title": self.title, "authors": list(self.authors)}
        if self.isbn is not None:
            value["isbn"] = self.isbn
        if self.language is not None:
            value["language"] = self.language
        value["rights"] = list(self.rights)
        return value


def _text(value: str, field: str, max_length: int) -> str:
    """``value`` in NFC, refused when it is not Unicode text (a lone surrogate, which JSON's
    ``\\ud800`` escapes can carry), holds a NUL, or is longer than ``max_length`` characters
    once normalised."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidMetadata(
            f"metadata.{field} is not valid Unicode text", details={"field": field}
        ) from None
    if "\x00" in value:  # PostgreSQL cannot store it, SQLite would: refuse it on both
        raise InvalidMetadata(
            f"metadata.{field} contains a NUL character", details={"field": field}
        )
    normalized = unicodedata.normalize("NFC", value)
    if len(normalized) > max_length:
        raise InvalidMetadata(
            f"metadata.{field} is longer than {max_length} characters", details={"field": field}
        )
    return normalized


def _isbn(raw: Mapping[str, object]) -> str | None:
    value = _optional_string(raw, "isbn")
    if value is None:
        return None
    try:
        return normalize_isbn(value)
    except InvalidIsbn as exc:
        raise InvalidMetadata(exc.message, details={"field": "isbn"}) from exc


def _rights(raw: Mapping[str, object]) -> tuple[str, ...]:
    value = raw.get("rights")
    if value is None:
        return ALL_RIGHT_NAMES
    if not isinstance(value, list):
        raise InvalidMetadata(
            "metadata.rights must be a list of names", details={"field": "rights"}
        )
    return parse_rights(value)


def _optional_string(raw: Mapping[str, object], field: str) -> str | None:
    value = raw.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidMetadata(f"metadata.{field} must be a string", details={"field": field})
    return value
