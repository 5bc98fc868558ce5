"""Use case: register a whole catalogue from a manifest (CSV or JSON), resumably.

Each item's registration carries an idempotency key derived from the manifest and the item's
file, so running the same manifest again after an interruption registers only what is missing
and reports the rest as already registered.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crypto.signing import Signer
from registry.content import ContentProtection
from registry.content_store import ContentStore
from registry.errors import InvalidManifest, InvalidMetadata, RegistryError
from registry.metadata import WorkMetadata
from registry.models import IdempotencyKey
from registry.registration import register_work

MANIFEST_FIELDS = ("file", "title", "authors", "isbn", "language", "rights")


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


def read_manifest(manifest: Path) -> list[CatalogueItem]:
    """Items of a CSV (header: file,title[,authors,isbn,language,rights]; lists separated by
    ``;``) or JSON (a list of objects with the same fields, lists as arrays) manifest. File
    paths are relative to the manifest. Raises :class:`InvalidManifest` naming the line."""
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidManifest(f"cannot read {manifest.name}: {exc}") from exc
    rows: list[tuple[int, dict[str, object]]]
    if manifest.suffix.lower() == ".json":
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidManifest(f"not JSON: {exc.msg}", details={"line": exc.lineno}) from exc
        if not isinstance(loaded, list) or not all(isinstance(r, dict) for r in loaded):
            raise InvalidManifest("a JSON manifest is a list of objects")
        rows = [(n + 1, dict(r)) for n, r in enumerate(loaded)]
    else:
        reader = csv.DictReader(text.splitlines())
        if reader.fieldnames is None or not {"file", "title"} <= set(reader.fieldnames):
            raise InvalidManifest("a CSV manifest needs a header with at least file and title")
        rows = [(n + 2, _csv_row(r)) for n, r in enumerate(reader)]
    items = []
    for line, row in rows:
        unknown = set(row) - set(MANIFEST_FIELDS)
        if unknown:
            raise InvalidManifest(
                f"line {line}: unknown fields {sorted(unknown)}", details={"line": line}
            )
        file = row.get("file")
        if not isinstance(file, str) or not file:
            raise InvalidManifest(f"line {line}: file is required", details={"line": line})
        try:
            metadata = WorkMetadata.from_mapping({k: v for k, v in row.items() if k != "file"})
        except InvalidMetadata as exc:
            raise InvalidManifest(f"line {line}: {exc.message}", details={"line": line}) from exc
        items.append(CatalogueItem(manifest.parent / file, metadata, line))
    return items


def _csv_row(row: dict[str, str | None]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in row.items():
        if value is None or value == "":
            continue
        out[key] = (
            [v.strip() for v in value.split(";") if v.strip()]
            if key in ("authors", "rights")
            else value
        )
    return out


def idempotency_key(manifest: Path, item: CatalogueItem) -> str:
    digest = hashlib.sha256(f"{manifest.resolve()}\0{item.file.resolve()}".encode()).hexdigest()
    return f"catalogue:{digest[:40]}"


def _key_used(sessions: sessionmaker[Session], scope: str, key: str) -> bool:
    with sessions() as session:
        found = session.scalar(
            select(IdempotencyKey.id).where(
                IdempotencyKey.scope == scope, IdempotencyKey.key == key
            )
        )
    return found is not None


def register_catalogue(
    sessions: sessionmaker[Session],
    store: ContentStore,
    manifest: Path,
    items: Iterable[CatalogueItem],
    *,
    max_bytes: int,
    now: Callable[[], datetime],
    protection: ContentProtection | None,
    signer: Signer | None = None,
    scope: str = "cli",
    on_item: Callable[[ItemResult], None] = lambda _result: None,
) -> list[ItemResult]:
    """Register every item; one failing item is reported and the others go on."""
    results = []
    for item in items:
        key = idempotency_key(manifest, item)
        try:
            seen_before = _key_used(sessions, scope, key)
            with item.file.open("rb") as content:
                view = register_work(
                    sessions, store, content, item.metadata,
                    max_bytes=max_bytes, now=now, protection=protection, signer=signer,
                    idempotency_key=key, idempotency_scope=scope,
                )  # fmt: skip
            outcome = "already_registered" if seen_before else "registered"
            result = ItemResult(item.file, view.number, outcome)
        except RegistryError as exc:
            result = ItemResult(item.file, None, "failed", exc.code, exc.message)
        except OSError as exc:
            result = ItemResult(item.file, None, "failed", "unreadable_file", str(exc))
        results.append(result)
        on_item(result)
    return results
