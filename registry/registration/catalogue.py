"""Catalogue manifests (CSV or JSON): reading, checking each line, and the command line's items.

A catalogue is registered as a job (``registry.registration.catalogue_jobs``); from the command
line each item carries an idempotency key derived from the manifest and the item's file, so
running the same manifest again after an interruption registers only what is missing and
reports the rest as already registered.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from registry.core.errors import (
    InvalidDigest,
    InvalidInput,
    InvalidManifest,
    InvalidMetadata,
)
from registry.core.isbn import normalize_isbn
from registry.core.metadata import WorkMetadata
from registry.core.models import IdempotencyKey
from registry.registration.onix_import import parse_onix

MANIFEST_FIELDS = (
    "file", "title", "authors", "isbn", "language", "rights", "territory", "sha256",
)  # fmt: skip
LIST_FIELDS = ("authors", "rights")
MAX_MANIFEST_ITEMS = 10_000
MAX_FILE_NAME_LENGTH = 255


@dataclass(frozen=True)
class CatalogueItem:
    file: Path
    metadata: WorkMetadata
    line: int


@dataclass(frozen=True)
class ItemResult:
    file: Path
    number: str | None
    outcome: str  # registered | already_registered | failed
    error_code: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "file": str(self.file),
            "number": self.number,
            "outcome": self.outcome,
            "error": self.error_code,
            "message": self.message,
        }


@dataclass(frozen=True)
class ManifestRow:
    """One manifest line as given: its file name and its other fields (lists already split)."""

    line: int
    file: str
    fields: dict[str, object]
    # An ONIX record that cannot be mapped whole: (item error code, message).
    refusal: tuple[str, str] | None = None


class RowRefused(Exception):
    """A manifest row refused for a reason of its own (an ONIX record: unknown code, no file,
    duplicate); never an answer of the API: it becomes the item's result."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.item_code, self.message = code, message


@dataclass(frozen=True)
class ItemSpec:
    """A row's validated metadata, and what the manifest says beside it."""

    metadata: WorkMetadata
    territory: int | None
    expected_sha256: str | None


def read_manifest(manifest: Path) -> list[CatalogueItem]:
    """Items of a CSV (header: file,title[,authors,isbn,language,rights,territory,sha256]; lists
    separated by ``;``) or JSON (a list of objects with the same fields, lists as arrays)
    manifest. File paths are relative to the manifest. Raises :class:`InvalidManifest` naming
    the line."""
    read = read_manifest_file(manifest)
    items = []
    files = read.beside if read.kind == "onix" else ()
    for row in parse_manifest(read.text, kind=read.kind, files=files):
        try:
            spec = validate_row(row)
        except (InvalidInput, RowRefused) as exc:
            raise InvalidManifest(
                f"line {row.line}: {exc.message}", details={"line": row.line}
            ) from exc
        items.append(CatalogueItem(manifest.parent / row.file, spec.metadata, row.line))
    return items


@dataclass(frozen=True)
class ManifestFile:
    """A manifest file as read: its text, its kind (:func:`manifest_kind_of`) and the names of
    the other files in its directory."""

    text: str
    kind: str
    beside: list[str]


def read_manifest_file(manifest: Path) -> ManifestFile:
    """Read ``manifest`` (UTF-8, with or without a BOM); :class:`InvalidManifest` if it cannot
    be read."""
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidManifest(f"cannot read {manifest.name}: {exc}") from exc
    beside = [f.name for f in manifest.parent.iterdir() if f.is_file() and f != manifest]
    return ManifestFile(text, manifest_kind_of(manifest.name), beside)


def manifest_kind_of(name: str) -> str:
    """``onix`` (``.xml``), ``json`` (``.json``) or ``csv``, by a manifest's file name."""
    suffix = Path(name).suffix.lower()
    return {".xml": "onix", ".json": "json"}.get(suffix, "csv")


def parse_manifest(text: str, *, kind: str, files: Sequence[str] = ()) -> list[ManifestRow]:
    """The rows of a manifest's text (``kind`` ``csv`` or ``json``; a JSON manifest is a list of
    objects, or an object whose ``items`` is one). Only the form is checked here: readable, known
    fields, a file on every line and no file twice; :func:`validate_row` checks each row's
    values. Raises :class:`InvalidManifest` naming the line."""
    rows: list[tuple[int, dict[str, object]]]
    if kind == "onix":  # ONIX 3.0: files are matched by ISBN or RecordReference among ``files``
        return [
            ManifestRow(r.line, r.file, r.fields, r.refusal) for r in parse_onix(text, files=files)
        ]
    if kind == "json":
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidManifest(f"not JSON: {exc.msg}", details={"line": exc.lineno}) from exc
        if isinstance(loaded, dict) and set(loaded) == {"items"}:
            loaded = loaded["items"]
        if not isinstance(loaded, list) or not all(isinstance(r, dict) for r in loaded):
            raise InvalidManifest("a JSON manifest is a list of objects")
        rows = [(n + 1, dict(r)) for n, r in enumerate(loaded)]
    else:
        reader = csv.DictReader(text.splitlines())
        try:
            fieldnames = reader.fieldnames
            if fieldnames is None or not {"file", "title"} <= set(fieldnames):
                raise InvalidManifest("a CSV manifest needs a header with at least file and title")
            rows = [(n + 2, _csv_row(r)) for n, r in enumerate(reader)]
        except csv.Error as exc:
            raise InvalidManifest(f"not CSV: {exc}") from exc
    if not rows:
        raise InvalidManifest("the manifest has no items")
    if len(rows) > MAX_MANIFEST_ITEMS:
        raise InvalidManifest(
            f"a manifest has at most {MAX_MANIFEST_ITEMS} items",
            details={"max_items": MAX_MANIFEST_ITEMS},
        )
    parsed = []
    seen: dict[str, int] = {}
    for line, row in rows:
        unknown = set(row) - set(MANIFEST_FIELDS)
        if unknown:
            raise InvalidManifest(
                f"line {line}: unknown fields {sorted(unknown)}", details={"line": line}
            )
        file = row.get("file")
        if not isinstance(file, str) or not file.strip():
            raise InvalidManifest(f"line {line}: file is required", details={"line": line})
        if len(file) > MAX_FILE_NAME_LENGTH or "\0" in file:
            raise InvalidManifest(f"line {line}: file name is too long", details={"line": line})
        if file in seen:
            raise InvalidManifest(
                f"line {line}: {file} is on line {seen[file]} already", details={"line": line}
            )
        seen[file] = line
        parsed.append(ManifestRow(line, file, {k: v for k, v in row.items() if k != "file"}))
    return parsed


def validate_row(row: ManifestRow) -> ItemSpec:
    """The row's metadata, territory and expected digest; raises :class:`InvalidIsbn`,
    :class:`InvalidDigest` or :class:`InvalidMetadata` for the first wrong value, or
    :class:`RowRefused` with an ONIX record's refusal."""
    if row.refusal is not None:
        raise RowRefused(*row.refusal)
    fields = dict(row.fields)
    territory = _territory(fields.pop("territory", None))
    expected = fields.pop("sha256", None)
    if expected is not None and not (
        isinstance(expected, str) and len(expected) == 64 and _is_hex(expected)
    ):
        raise InvalidDigest("sha256 must be 64 hexadecimal characters", details={"field": "sha256"})
    isbn = fields.get("isbn")
    if isinstance(isbn, str) and isbn:
        normalize_isbn(isbn)  # its own code (invalid_isbn) rather than invalid_metadata
    return ItemSpec(
        WorkMetadata.from_mapping(fields),
        territory,
        expected.lower() if isinstance(expected, str) else None,
    )


def _territory(value: object) -> int | None:
    """An ISO 3166-1 numeric code (0: worldwide), as the contracts hold it."""
    if value is None:
        return None
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 0 <= number <= 999:
        raise InvalidMetadata(
            "territory must be an ISO 3166-1 numeric code (0 for worldwide)",
            details={"field": "territory"},
        )
    return number


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def _csv_row(row: dict[str | None, str | list[str] | None]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in row.items():
        if key is None:  # more values than the header names
            out["(extra values)"] = value
            continue
        if value is None or value == "":
            continue
        if isinstance(value, list):
            continue
        out[key] = (
            [v.strip() for v in value.split(";") if v.strip()] if key in LIST_FIELDS else value
        )
    return out


# Registering files without a manifest: the files' own paths make the keys.
NO_MANIFEST = Path("/")


def file_items(paths: Iterable[Path], common: dict[str, object]) -> list[CatalogueItem]:
    """Items for files named directly or found in directories (recursively, in name order,
    hidden files skipped), each titled by its file name without suffix and carrying the
    ``common`` metadata (authors, language, rights…). Raises :class:`InvalidMetadata`."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    f
                    for f in path.rglob("*")
                    if f.is_file() and not any(p.startswith(".") for p in f.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return [
        CatalogueItem(file, WorkMetadata.from_mapping({**common, "title": file.stem}), line)
        for line, file in enumerate(files, start=1)
    ]


def idempotency_key(manifest: Path, item: CatalogueItem) -> str:
    digest = hashlib.sha256(f"{manifest.resolve()}\0{item.file.resolve()}".encode()).hexdigest()
    return f"catalogue:{digest[:40]}"


def keys_used(sessions: sessionmaker[Session], scope: str, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` registered something already, read a thousand at a time."""
    wanted, used = list(keys), set[str]()
    with sessions() as session:
        for start in range(0, len(wanted), 1000):
            used.update(
                session.scalars(
                    select(IdempotencyKey.key).where(
                        IdempotencyKey.scope == scope,
                        IdempotencyKey.key.in_(wanted[start : start + 1000]),
                    )
                )
            )
    return used
