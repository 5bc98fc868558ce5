"""Use case: a catalogue registered as a job (over HTTP or from the CLI), resumably.

A job is created from a manifest (its items ``pending``); files are attached to items by file
name, many at once or one at a time, and kept in a staging directory (``uploaded``) until the
item is processed: registered through :func:`registry.registration.register_work` under an
idempotency key made of the job id and the item's position, so processing an item again after
an interruption returns its first registration instead of a second one. Each item commits on
its own, and one item's refusal never stops the others. Resuming a job processes every item
that has a file and no result yet (including those whose registration failed for a reason that
may pass, such as an unreachable content store).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crypto.signing import Signer
from registry.catalogue import ManifestRow, parse_manifest, validate_row
from registry.content import ContentProtection
from registry.content_store import ContentStore
from registry.database import unit_of_work
from registry.errors import (
    CatalogueJobNotFound,
    DigestMismatch,
    InvalidInput,
    InvalidManifest,
    RegistrationRefused,
    RegistryError,
    ServiceUnavailable,
    UnknownCatalogueFile,
    UploadTooLarge,
)
from registry.metadata import WorkMetadata
from registry.models import CatalogueJob, CatalogueJobItem
from registry.moderation.review import ModerationGate
from registry.registration import register_work
from registry.views import as_utc

if TYPE_CHECKING:
    from registry.runtime import Runtime

PENDING, UPLOADED, REGISTERED, REFUSED = "pending", "uploaded", "registered", "refused"
OPEN, RUNNING, COMPLETED, PARTLY, FAILED = "open", "running", "completed", "partly", "failed"
# Refusals of the file itself: a corrected file may be sent for the item (nothing was recorded).
FILE_ERRORS = frozenset({"digest_mismatch", "empty_file", "upload_too_large"})
CHUNK = 1 << 20


@dataclass(frozen=True)
class Registrar:
    """What processing items needs: where and how a work is registered, and where files wait."""

    sessions: sessionmaker[Session]
    store: ContentStore
    staging_dir: Path
    max_bytes: int
    now: Callable[[], datetime]
    protection: ContentProtection | None = None
    signer: Signer | None = None
    moderation: Callable[[str], ModerationGate] | None = None  # by the job owner's key id


@dataclass(frozen=True)
class ItemView:
    position: int
    line: int
    file: str
    title: str
    isbn: str | None
    territory: int | None
    expected_sha256: str | None
    state: str
    sha256: str | None
    size: int | None
    registration_number: str | None
    registration_status: str | None
    error_code: str | None
    error_message: str | None
    attempts: int


@dataclass(frozen=True)
class JobView:
    id: str
    owner: str
    state: str
    counts: dict[str, int]
    created_at: datetime
    updated_at: datetime
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class Upload:
    """A file sent for a job: its name (matched to an item) and its bytes."""

    name: str
    stream: BinaryIO


@dataclass(frozen=True)
class FileReceipt:
    """What became of one file sent: ``staged`` (waits for processing), ``already_registered``
    (the item has its registration; same bytes), ``different_content`` (the item is registered
    with other bytes: nothing changed), ``refused`` (the item is refused for good)."""

    file: str
    position: int
    outcome: str


def create_job(
    sessions: sessionmaker[Session],
    *,
    owner: str,
    manifest: str,
    kind: str,
    now: Callable[[], datetime],
    file_names: Sequence[str] = (),
) -> JobView:
    """Record a job for ``manifest`` (text; ``kind`` ``csv`` or ``json``). A manifest that cannot
    be read raises :class:`InvalidManifest` and nothing is stored; a line whose values are wrong
    (a bad ISBN, an unknown right) becomes a ``refused`` item with its error, and the others
    wait for their files. ``file_names``, the files sent with the manifest, must each match an
    item (else :class:`UnknownCatalogueFile`, and nothing is stored)."""
    rows = parse_manifest(manifest, kind=kind)
    names = [_match_name(row.file) for row in rows]
    if len(set(names)) != len(names):
        raise InvalidManifest("two lines name files with the same name")
    _check_names(file_names, set(names))
    at = now()
    with unit_of_work(sessions) as session:
        job = CatalogueJob(
            public_id=f"CJ-{uuid.uuid4().hex}",
            owner=owner,
            state=OPEN,
            manifest_sha256=hashlib.sha256(manifest.encode("utf-8")).hexdigest(),
            total=len(rows),
            pending=0,
            uploaded=0,
            registered=0,
            refused=0,
            created_at=at,
            updated_at=at,
        )
        session.add(job)
        session.flush()
        for position, row in enumerate(rows, start=1):
            session.add(_new_item(job.id, position, row, at))
        session.flush()
        _refresh(session, job, at)
        return _view(session, job)


def _new_item(job_id: int, position: int, row: ManifestRow, at: datetime) -> CatalogueJobItem:
    fields = row.fields
    item = CatalogueJobItem(
        job_id=job_id,
        position=position,
        line=row.line,
        file_name=row.file,
        title=_text(fields.get("title")) or "",
        authors=json.dumps(fields.get("authors", []), ensure_ascii=False),
        isbn=_text(fields.get("isbn")),
        language=_text(fields.get("language")),
        rights=json.dumps(fields["rights"], ensure_ascii=False) if "rights" in fields else None,
        territory=_text(fields.get("territory")),
        expected_sha256=_text(fields.get("sha256")),
        state=PENDING,
        attempts=0,
        updated_at=at,
    )
    try:
        spec = validate_row(row)
    except InvalidInput as exc:
        item.state = REFUSED
        item.error_code = exc.code
        item.error_message = f"line {row.line}: {exc.message}"
    else:
        item.metadata_json = json.dumps(spec.metadata.to_json(), ensure_ascii=False)
        item.title = spec.metadata.title
        item.isbn = spec.metadata.isbn
        item.territory = None if spec.territory is None else str(spec.territory)
        item.expected_sha256 = spec.expected_sha256
    return item


def attach_files(
    registrar: Registrar, job_id: str, uploads: Sequence[Upload], *, owner: str | None
) -> list[FileReceipt]:
    """Stage ``uploads`` for the items they are named after (a manifest's ``dir/book.txt`` is
    matched by ``book.txt``). A name that matches no item, or comes twice, raises
    :class:`UnknownCatalogueFile` before anything is kept. Nothing is registered here: see
    :func:`process_job`."""
    by_name = _items_by_name(registrar.sessions, job_id, owner)
    _check_names([u.name for u in uploads], set(by_name))
    receipts = []
    directory = registrar.staging_dir / job_id
    for upload in uploads:
        position = by_name[_match_name(upload.name)]
        receipts.append(_stage(registrar, job_id, directory, position, upload))
    return receipts


def _stage(
    registrar: Registrar, job_id: str, directory: Path, position: int, upload: Upload
) -> FileReceipt:
    with registrar.sessions() as session:
        item = _item(session, job_id, position)
        state, error_code, known_sha256 = item.state, item.error_code, item.sha256
    name = upload.name
    if state == REFUSED and error_code not in FILE_ERRORS:
        return FileReceipt(name, position, REFUSED)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / str(position)
    partial = directory / f"{position}.{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    too_large = False
    with partial.open("wb") as out:
        while chunk := upload.stream.read(CHUNK):
            size += len(chunk)
            if size > registrar.max_bytes:
                too_large = True
                break
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    sha256 = digest.hexdigest()
    if state == REGISTERED:
        partial.unlink()
        outcome = "already_registered" if sha256 == known_sha256 else "different_content"
        return FileReceipt(name, position, outcome)
    if too_large:
        partial.unlink()
        final.unlink(missing_ok=True)
    else:
        os.replace(partial, final)  # a retried upload replaces a staged file whole
    at = registrar.now()
    with unit_of_work(registrar.sessions) as session:
        item = _item(session, job_id, position)
        if item.state == REGISTERED:  # registered meanwhile, by a concurrent request
            return FileReceipt(name, position, "already_registered")
        if too_large:
            error = UploadTooLarge(
                f"the file exceeds {registrar.max_bytes} bytes",
                details={"max_bytes": registrar.max_bytes},
            )
            item.state, item.error_code, item.error_message = REFUSED, error.code, error.message
        else:
            item.state, item.error_code, item.error_message = UPLOADED, None, None
        item.sha256, item.size, item.updated_at = sha256, size, at
        _refresh(session, session.get_one(CatalogueJob, item.job_id), at)
    return FileReceipt(name, position, REFUSED if too_large else "staged")


def process_job(registrar: Registrar, job_id: str, *, owner: str | None) -> JobView:
    """Register every item whose file is staged, each in its own transaction; a refusal is
    recorded on its item and the others go on. Safe to run again at any time (a resume): an item
    registered before, even if that was not recorded on the item, gets its first registration
    back (same idempotency key), never a second one."""
    with unit_of_work(registrar.sessions) as session:
        job = _job(session, job_id, owner)
        positions = list(
            session.scalars(
                select(CatalogueJobItem.position)
                .where(CatalogueJobItem.job_id == job.id, CatalogueJobItem.state == UPLOADED)
                .order_by(CatalogueJobItem.position)
            )
        )
        job_owner = job.owner
        if positions:
            job.state, job.updated_at = RUNNING, registrar.now()
    for position in positions:
        _process_item(registrar, job_id, job_owner, position)
    with unit_of_work(registrar.sessions) as session:
        job = _job(session, job_id, owner)
        _refresh(session, job, registrar.now())
        return _view(session, job)


def _process_item(registrar: Registrar, job_id: str, owner: str, position: int) -> None:
    with registrar.sessions() as session:
        item = _item(session, job_id, position)
        if item.state != UPLOADED or item.metadata_json is None:
            return  # processed meanwhile by a concurrent request
        metadata = WorkMetadata.from_mapping(json.loads(item.metadata_json))
        expected, received = item.expected_sha256, item.sha256
    staged = registrar.staging_dir / job_id / str(position)
    number = status = None
    state, error_code, message = REFUSED, None, None
    try:
        if expected is not None and expected != received:
            raise DigestMismatch(
                "the file is not the one the manifest names",
                details={"expected": expected, "received": received},
            )
        with staged.open("rb") as content:
            view = register_work(
                registrar.sessions, registrar.store, content, metadata,
                max_bytes=registrar.max_bytes, now=registrar.now,
                idempotency_key=f"catalogue-job:{job_id}:{position}", idempotency_scope=owner,
                submitted_by=owner,
                signer=registrar.signer, protection=registrar.protection,
                moderation=registrar.moderation(owner) if registrar.moderation else None,
            )  # fmt: skip
        number, status = view.number, view.status
        if view.status == "rejected":
            raise RegistrationRefused(
                "moderation rejected this registration", details={"number": view.number}
            )
        state = REGISTERED
    except (ServiceUnavailable, OSError) as exc:
        # May pass: the file stays staged and a resume tries again.
        state = UPLOADED
        error_code = exc.code if isinstance(exc, RegistryError) else "unreadable_file"
        message = exc.message if isinstance(exc, RegistryError) else str(exc)
    except RegistryError as exc:
        error_code, message = exc.code, exc.message
    at = registrar.now()
    with unit_of_work(registrar.sessions) as session:
        item = _item(session, job_id, position)
        item.state, item.error_code, item.error_message = state, error_code, message
        item.registration_number, item.registration_status = number, status
        item.attempts += 1
        item.updated_at = at
        _refresh(session, session.get_one(CatalogueJob, item.job_id), at, running=True)
    if state != UPLOADED:
        staged.unlink(missing_ok=True)


def get_job(sessions: sessionmaker[Session], job_id: str, *, owner: str | None) -> JobView:
    """The job with every item's state and result; ``owner`` None sees every job (admin)."""
    with sessions() as session:
        return _view(session, _job(session, job_id, owner))


def list_jobs(
    sessions: sessionmaker[Session], *, owner: str | None, limit: int = 100
) -> list[JobView]:
    """The newest jobs of ``owner`` first, without their items."""
    with sessions() as session:
        query = select(CatalogueJob).order_by(CatalogueJob.id.desc()).limit(limit)
        if owner is not None:
            query = query.where(CatalogueJob.owner == owner)
        return [_view(session, job, with_items=False) for job in session.scalars(query)]


def registered_by_file(job: JobView) -> dict[str, str]:
    """Registration number by manifest file name, for the items registered."""
    return {
        i.file: i.registration_number
        for i in job.items
        if i.state == REGISTERED and i.registration_number
    }


# ----------------------------------------------------------------------------------- helpers


def _match_name(name: str) -> str:
    """Files are matched by their last path component (what a multipart upload carries)."""
    return PurePosixPath(name.replace("\\", "/")).name


def _check_names(names: Sequence[str], known: set[str]) -> None:
    seen: set[str] = set()
    for name in names:
        matched = _match_name(name)
        if matched not in known or matched in seen:
            raise UnknownCatalogueFile(
                f"{name} is sent twice"
                if matched in seen
                else f"{name} is not a file of this job's manifest",
                details={"file": name},
            )
        seen.add(matched)


def registrar_for(runtime: Runtime, *, signer: Signer | None = None) -> Registrar:
    """The runtime's registrar: staged files wait under the data directory."""
    return Registrar(
        sessions=runtime.sessions,
        store=runtime.store,
        staging_dir=runtime.settings.data_dir / "catalogue-staging",
        max_bytes=runtime.settings.max_upload_bytes,
        now=runtime.now,
        protection=runtime.protection,
        signer=signer,
        moderation=runtime.moderation_gate,
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _job(session: Session, job_id: str, owner: str | None) -> CatalogueJob:
    job = session.scalar(select(CatalogueJob).where(CatalogueJob.public_id == job_id))
    if job is None or (owner is not None and job.owner != owner):
        raise CatalogueJobNotFound("no such catalogue job", details={"job": job_id})
    return job


def _item(session: Session, job_id: str, position: int) -> CatalogueJobItem:
    return session.scalars(
        select(CatalogueJobItem)
        .join(CatalogueJob, CatalogueJob.id == CatalogueJobItem.job_id)
        .where(CatalogueJob.public_id == job_id, CatalogueJobItem.position == position)
    ).one()


def _items_by_name(
    sessions: sessionmaker[Session], job_id: str, owner: str | None
) -> dict[str, int]:
    with sessions() as session:
        job = _job(session, job_id, owner)
        rows = session.execute(
            select(CatalogueJobItem.file_name, CatalogueJobItem.position).where(
                CatalogueJobItem.job_id == job.id
            )
        )
        return {_match_name(name): position for name, position in rows}


def _refresh(session: Session, job: CatalogueJob, at: datetime, *, running: bool = False) -> None:
    """Recount the job's items and derive its state from them (``running`` while items are
    being processed)."""
    counts = dict(
        session.execute(
            select(CatalogueJobItem.state, func.count())
            .where(CatalogueJobItem.job_id == job.id)
            .group_by(CatalogueJobItem.state)
        ).all()
    )
    job.pending = counts.get(PENDING, 0)
    job.uploaded = counts.get(UPLOADED, 0)
    job.registered = counts.get(REGISTERED, 0)
    job.refused = counts.get(REFUSED, 0)
    if running and job.uploaded:
        job.state = RUNNING
    elif job.pending or job.uploaded:
        job.state = OPEN
    elif job.registered == job.total:
        job.state = COMPLETED
    else:
        job.state = PARTLY if job.registered else FAILED
    job.updated_at = at


def _view(session: Session, job: CatalogueJob, *, with_items: bool = True) -> JobView:
    items: tuple[ItemView, ...] = ()
    if with_items:
        rows = session.scalars(
            select(CatalogueJobItem)
            .where(CatalogueJobItem.job_id == job.id)
            .order_by(CatalogueJobItem.position)
        )
        items = tuple(_item_view(row) for row in rows)
    return JobView(
        id=job.public_id,
        owner=job.owner,
        state=job.state,
        counts={
            "total": job.total,
            "pending": job.pending,
            "uploaded": job.uploaded,
            "registered": job.registered,
            "refused": job.refused,
        },
        created_at=as_utc(job.created_at),
        updated_at=as_utc(job.updated_at),
        items=items,
    )


def _item_view(item: CatalogueJobItem) -> ItemView:
    territory = item.territory
    return ItemView(
        position=item.position,
        line=item.line,
        file=item.file_name,
        title=item.title,
        isbn=item.isbn,
        territory=int(territory) if territory is not None and territory.isdigit() else None,
        expected_sha256=item.expected_sha256,
        state=item.state,
        sha256=item.sha256,
        size=item.size,
        registration_number=item.registration_number,
        registration_status=item.registration_status,
        error_code=item.error_code,
        error_message=item.error_message,
        attempts=item.attempts,
    )
