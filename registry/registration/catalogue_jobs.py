"""Use case: a catalogue registered as a job (over HTTP or from the CLI), resumably.

A job is created from a manifest (its items ``pending``); files are attached to items by file
name, many at once or one at a time, and kept in the content store (``uploaded``; encrypted
under a key of its own, so any API process can pick the job up) until the item is processed:
registered by the :class:`~registry.registration.registrar.Registrar` under an
idempotency key made of the job id and the item's position, so processing an item again after
an interruption returns its first registration instead of a second one. Items are staged and
processed side by side (``WORKERS`` at a time, their rows through the registrar's group
commit); each item commits on its own, and one item's refusal never stops the others. Resuming
a job processes every item that has a file and no result yet (including those whose
registration failed for a reason that may pass, such as an unreachable content store).
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, TypeVar, cast

from multiformats import CID
from sqlalchemy import Row, Table, Update, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from crypto.stream import decrypt_stream
from crypto.symmetric import WrappedKey
from registry.content import KeptBytes, chunk_stream, keep, read_content
from registry.core.database import unit_of_work
from registry.core.errors import (
    CatalogueJobNotFound,
    ContentNotFound,
    DigestMismatch,
    InvalidInput,
    InvalidManifest,
    RegistrationRefused,
    RegistryError,
    ServiceUnavailable,
    UnknownCatalogueFile,
    UploadTooLarge,
)
from registry.core.metadata import WorkMetadata
from registry.core.models import CatalogueJob, CatalogueJobItem, Registration, Work
from registry.core.states import CatalogueItemState, CatalogueJobState, RegistrationStatus
from registry.core.views import RegistrationView, view_of
from registry.registration.catalogue import (
    MAX_FILE_NAME_LENGTH,
    CatalogueItem,
    ItemResult,
    ManifestRow,
    RowRefused,
    idempotency_key,
    keys_used,
    parse_manifest,
    validate_row,
)
from registry.registration.registrar import COMMAND_LINE, Registrar

# Refusals of the file itself: a corrected file may be sent for the item (nothing was recorded).
FILE_ERRORS = frozenset({"digest_mismatch", "empty_file", "upload_too_large"})
CHUNK = 1 << 20
# Items staged or registered side by side: their rows share the group commit's durable writes,
# and one item's reads and hashing overlap another's wait for the commit.
WORKERS = 8

A = TypeVar("A")
R = TypeVar("R")


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

    def to_json(self) -> dict[str, object]:
        """The item as a line of a job's report: where it is and what became of it."""
        return {
            "position": self.position,
            "file": self.file,
            "state": self.state,
            "number": self.registration_number,
            "error": self.error_code,
            "message": self.error_message,
        }


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
    idempotency_keys: Mapping[str, str] | None = None,
    match_files: Sequence[str] | None = None,
) -> JobView:
    """Record a job for ``manifest`` (text; ``kind`` ``csv`` or ``json``). A manifest that cannot
    be read raises :class:`InvalidManifest` and nothing is stored; a line whose values are wrong
    (a bad ISBN, an unknown right) becomes a ``refused`` item with its error, and the others
    wait for their files. ``file_names``, the files sent with the manifest, must each match an
    item (else :class:`UnknownCatalogueFile`, and nothing is stored). ``idempotency_keys`` gives
    items, by file, the key they register under instead of the job's own (the command line keys
    them by the files' paths, so a manifest run again is one resumable catalogue). An ONIX
    manifest (``kind`` ``onix``) matches each product to a file of ``match_files`` (default:
    ``file_names``) named after its ISBN or RecordReference."""
    candidates = file_names if match_files is None else match_files
    rows = parse_manifest(manifest, kind=kind, files=candidates)
    names = [_match_name(row.file) for row in rows]
    if len(set(names)) != len(names):
        raise InvalidManifest("two lines name files with the same name")
    _check_names(file_names, set(names))
    at = now()
    with unit_of_work(sessions) as session:
        job = CatalogueJob(
            public_id=f"CJ-{uuid.uuid4().hex}",
            owner=owner,
            state=CatalogueJobState.OPEN,
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
            item = _new_item(job.id, position, row, at)
            if idempotency_keys is not None:
                item.idempotency_key = idempotency_keys.get(row.file)
            session.add(item)
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
        state=CatalogueItemState.PENDING,
        attempts=0,
        updated_at=at,
    )
    try:
        spec = validate_row(row)
    except RowRefused as exc:
        item.state = CatalogueItemState.REFUSED
        item.error_code = exc.item_code
        item.error_message = f"line {row.line}: {exc.message}"
    except InvalidInput as exc:
        item.state = CatalogueItemState.REFUSED
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
    return list(
        in_parallel(
            lambda upload: _stage(registrar, job_id, by_name[_match_name(upload.name)], upload),
            uploads,
        )
    )


def _stage(registrar: Registrar, job_id: str, position: int, upload: Upload) -> FileReceipt:
    """Keep ``upload`` in the content store for item ``position`` (encrypted when the registrar
    protects content), so that whichever API process handles the job later can register it."""
    with registrar.sessions() as session:
        item = _item(session, job_id, position)
        state, error_code, known_sha256 = item.state, item.error_code, item.sha256
    name = upload.name
    if state == CatalogueItemState.REFUSED and error_code not in FILE_ERRORS:
        return FileReceipt(name, position, CatalogueItemState.REFUSED)
    if state == CatalogueItemState.REGISTERED:
        sha256 = _sha256_of(upload.stream)
        outcome = "already_registered" if sha256 == known_sha256 else "different_content"
        return FileReceipt(name, position, outcome)
    protection = registrar.protection
    encryption = protection.new_encryption() if protection is not None else None
    kept: KeptBytes | None = None
    refusal: UploadTooLarge | None = None
    try:
        kept = keep(
            upload.stream, registrar.store, max_bytes=registrar.max_bytes, encryption=encryption
        )
    except UploadTooLarge as exc:
        refusal = exc
    staged_key = (
        json.dumps(protection.wrap(encryption, kept.root).to_json())
        if kept is not None and protection is not None and encryption is not None
        else None
    )
    at = registrar.now()

    def record(session: Session) -> tuple[str | None, str]:
        item = _item(session, job_id, position)
        replaced = item.staged_cid  # a retried upload replaces a staged file whole
        state = CatalogueItemState(item.state)
        if state == CatalogueItemState.REGISTERED:  # meanwhile, by a concurrent request
            replaced = kept.root if kept else None
            outcome = "already_registered"
        elif kept is None:
            state = CatalogueItemState.REFUSED
            item.error_code = refusal.code if refusal else None
            item.error_message = refusal.message if refusal else None
            item.sha256 = item.size = item.staged_cid = item.staged_key = None
            outcome = CatalogueItemState.REFUSED
        else:
            state = CatalogueItemState.UPLOADED
            item.error_code = item.error_message = None
            item.sha256, item.size, item.staged_cid = kept.sha256_hex, kept.size, kept.root
            item.staged_key = staged_key
            outcome = "staged"
        item.updated_at = at
        _move(session, item, state, at)
        return replaced, outcome

    replaced, outcome = registrar.commit(record)
    if replaced is not None and (kept is None or replaced != kept.root):
        registrar.store.unpin(CID.decode(replaced))
    return FileReceipt(name, position, outcome)


def _sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def staged_file(registrar: Registrar, job_id: str, position: int) -> BinaryIO:
    """The file staged for item ``position`` (decrypted), as a stream that can rewind;
    :class:`ContentNotFound` when none is staged."""
    with registrar.sessions() as session:
        item = _item(session, job_id, position)
        staged_cid, staged_key = item.staged_cid, item.staged_key
    return _staged_stream(registrar, job_id, position, staged_cid, staged_key)


def _staged_stream(
    registrar: Registrar, job_id: str, position: int, staged_cid: str | None, staged_key: str | None
) -> BinaryIO:
    if staged_cid is None:  # an uploaded item always has its file staged
        raise ContentNotFound(
            "no file is staged for this item", details={"job": job_id, "position": position}
        )
    root = CID.decode(staged_cid)
    if staged_key is None:
        return chunk_stream(lambda: read_content(registrar.store, root))
    if registrar.protection is None:
        raise ContentNotFound("the staged file is encrypted and no master key is configured")
    key = registrar.protection.unwrap(WrappedKey.from_json(json.loads(staged_key)), staged_cid)
    return chunk_stream(lambda: decrypt_stream(key, read_content(registrar.store, root)))


def process_job(
    registrar: Registrar,
    job_id: str,
    *,
    owner: str | None,
    after_item: Callable[[int], None] = lambda _position: None,
) -> JobView:
    """Register every item whose file is staged, each in its own transaction; a refusal is
    recorded on its item and the others go on. Safe to run again at any time (a resume): an item
    registered before, even if that was not recorded on the item, gets its first registration
    back (same idempotency key), never a second one."""
    with unit_of_work(registrar.sessions) as session:
        job = _job(session, job_id, owner)
        positions = list(
            session.scalars(
                select(CatalogueJobItem.position)
                .where(
                    CatalogueJobItem.job_id == job.id,
                    CatalogueJobItem.state == CatalogueItemState.UPLOADED,
                )
                .order_by(CatalogueJobItem.position)
            )
        )
        job_owner = job.owner
        if positions:
            job.state, job.updated_at = CatalogueJobState.RUNNING, registrar.now()

    def process(position: int) -> int:
        _process_item(registrar, job_id, job_owner, position)
        return position

    for position in in_parallel(process, positions):
        after_item(position)
    with unit_of_work(registrar.sessions) as session:
        job = _job(session, job_id, owner)
        _refresh(session, job, registrar.now())
        return _view(session, job)


def _process_item(
    registrar: Registrar, job_id: str, owner: str, position: int, source: Path | None = None
) -> ItemView | None:
    """Register item ``position`` from its staged file, or, from the command line, straight
    from ``source`` (a file of the caller's, nothing staged); record the outcome on the item and
    return it (None: the item was processed meanwhile by a concurrent request)."""
    awaited = CatalogueItemState.UPLOADED if source is None else CatalogueItemState.PENDING
    with registrar.sessions() as session:
        item = session.execute(_ITEM_TO_PROCESS, {"job": job_id, "at": position}).one()
    if item.state != awaited or item.metadata_json is None:
        return None
    metadata = WorkMetadata.from_mapping(json.loads(item.metadata_json))
    item_id, expected, received = item.id, item.expected_sha256, item.sha256
    key = item.idempotency_key or f"catalogue-job:{job_id}:{position}"
    staging = item.staged_cid, item.staged_key
    view: RegistrationView | None = None
    state, error_code, message = CatalogueItemState.REFUSED, None, None
    try:
        with _content(registrar, job_id, position, staging, source) as content:
            if source is not None and expected is not None:
                received = _sha256_of(content)
                content.seek(0)
            if expected is not None and expected != received:
                raise DigestMismatch(
                    "the file is not the one the manifest names",
                    details={"expected": expected, "received": received},
                )
            view = registrar.register(content, metadata, submitted_by=owner, idempotency_key=key)
        if view.status == RegistrationStatus.REJECTED:
            raise RegistrationRefused(
                "moderation rejected this registration", details={"number": view.number}
            )
        state = CatalogueItemState.REGISTERED
    except (ServiceUnavailable, OSError) as exc:
        # May pass: the item keeps its file (staged, or the caller's) and a resume tries again.
        state = awaited
        error_code = exc.code if isinstance(exc, RegistryError) else "unreadable_file"
        message = exc.message if isinstance(exc, RegistryError) else str(exc)
    except RegistryError as exc:
        error_code, message = exc.code, exc.message
    at = registrar.now()

    def record(session: Session) -> tuple[ItemView, str | None]:
        # One update of the item as it was read (its state and staged file unchanged), returning
        # its new row; when a concurrent run moved it meanwhile, the same update over what that
        # run left (the attempt is counted, the item moved from the state it is in now).
        outcome = {
            "item": item_id, "awaited": awaited, "staged": staging[0], "state": state,
            "error_code": error_code, "error_message": message, "at": at,
            "number": view and view.number, "status": view and view.status,
            "sha256": view and view.sha256, "size": view and view.size,
        }  # fmt: skip
        row = session.execute(_record_outcome(state != awaited), outcome).one_or_none()
        if row is None:
            now = session.execute(_ITEM_NOW, {"item": item_id}).one()
            outcome |= {"awaited": now.state, "staged": now.staged_cid}
            row = session.execute(_record_outcome(state != awaited), outcome).one()
        staged = outcome["staged"]
        _count(session, row.job_id, CatalogueItemState(outcome["awaited"]), state, at, running=True)
        answer = _item_view(row)
        # Without content protection the staged file and the registered work are the same
        # blocks under the same root (one pin): that root stays pinned, as the work's content.
        kept = (
            staged is not None
            and view is not None
            and staged
            == session.scalar(
                select(Work.stored_cid)
                .join(Registration, Registration.work_id == Work.id)
                .where(Registration.number == view.number)
            )
        )
        return answer, None if kept else staged

    recorded, released = registrar.commit(record)
    if state != awaited and released is not None:
        registrar.store.unpin(CID.decode(released))
    return recorded


def _content(
    registrar: Registrar,
    job_id: str,
    position: int,
    staging: tuple[str | None, str | None],
    source: Path | None,
) -> BinaryIO:
    if source is not None:
        return source.open("rb")
    return _staged_stream(registrar, job_id, position, *staging)


def register_catalogue(
    registrar: Registrar,
    manifest: Path,
    items: Sequence[CatalogueItem],
    *,
    on_item: Callable[[ItemResult], None] = lambda _result: None,
) -> list[ItemResult]:
    """Register ``items`` from the command line as one job, each straight from its file (they
    are on this machine: nothing is staged); one failing item is reported and the others go on.
    Each item registers under a key made of the manifest's and the file's paths, so the same
    manifest run again registers only what is missing and reports the rest as
    ``already_registered``."""
    names = {f"{item.line}-{item.file.name}"[:MAX_FILE_NAME_LENGTH]: item for item in items}
    keys = {name: idempotency_key(manifest, item) for name, item in names.items()}
    used = keys_used(registrar.sessions, COMMAND_LINE, keys.values())
    rows = [{"file": name, **item.metadata.to_json()} for name, item in names.items()]
    job = create_job(
        registrar.sessions,
        owner=COMMAND_LINE,
        manifest=json.dumps(rows, ensure_ascii=False),
        kind="json",
        now=registrar.now,
        idempotency_keys=keys,
    )
    with unit_of_work(registrar.sessions) as session:
        _job(session, job.id, None).state = CatalogueJobState.RUNNING

    def register_file(view: ItemView) -> ItemView:
        if view.state != CatalogueItemState.PENDING:  # refused by its manifest row
            return view
        source = names[view.file].file
        return _process_item(registrar, job.id, COMMAND_LINE, view.position, source) or view

    results = []
    for view in in_parallel(register_file, job.items):
        item = names[view.file]
        if view.state == CatalogueItemState.REGISTERED:
            outcome = "already_registered" if keys[view.file] in used else "registered"
            result = ItemResult(item.file, view.registration_number, outcome)
        else:
            result = ItemResult(item.file, None, "failed", view.error_code, view.error_message)
        results.append(result)
        on_item(result)
    with unit_of_work(registrar.sessions) as session:
        _refresh(session, _job(session, job.id, None), registrar.now())
    return results


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


# ----------------------------------------------------------------------------------- helpers


def in_parallel(work: Callable[[A], R], items: Sequence[A], workers: int = WORKERS) -> Iterator[R]:
    """``work`` done on ``items`` by up to ``workers`` threads; the results in the items' order.
    The first exception in that order is raised here once the work that had begun is done;
    items not begun by then are left alone (a resume takes them)."""
    if workers <= 1 or len(items) <= 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        yield from pool.map(work, items)


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


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _job(session: Session, job_id: str, owner: str | None) -> CatalogueJob:
    job = session.scalar(select(CatalogueJob).where(CatalogueJob.public_id == job_id))
    if job is None or (owner is not None and job.owner != owner):
        raise CatalogueJobNotFound("no such catalogue job", details={"job": job_id})
    return job


# The item at a job's position: as an object, and (what processing reads of it first) as a row.
_ITEMS = cast(Table, CatalogueJobItem.__table__)
_ITEM_TO_PROCESS = (
    select(_ITEMS)
    .join(CatalogueJob, CatalogueJob.id == _ITEMS.c.job_id)
    .where(CatalogueJob.public_id == bindparam("job"), _ITEMS.c.position == bindparam("at"))
)
_ITEM = _ITEM_TO_PROCESS.with_only_columns(CatalogueJobItem)
# An item's state and staged file as they are now, locked until the outcome is recorded.
_ITEM_NOW = (
    select(_ITEMS.c.state, _ITEMS.c.staged_cid)
    .where(_ITEMS.c.id == bindparam("item"))
    .with_for_update()
)


def _item(session: Session, job_id: str, position: int) -> CatalogueJobItem:
    return session.scalars(_ITEM, {"job": job_id, "at": position}).one()


@functools.cache
def _record_outcome(release_staged: bool) -> Update:
    """The update of an item as processing found it (state ``awaited``, staged file ``staged``)
    to its outcome, returning its row; with ``release_staged`` it forgets its staged file."""
    released = {_ITEMS.c.staged_cid: None, _ITEMS.c.staged_key: None} if release_staged else {}
    columns = _ITEMS.c
    return (
        update(_ITEMS)
        .where(
            columns.id == bindparam("item"),
            columns.state == bindparam("awaited"),
            columns.staged_cid.is_not_distinct_from(bindparam("staged")),
        )
        .values(
            {
                columns.state: bindparam("state"),
                columns.error_code: bindparam("error_code"),
                columns.error_message: bindparam("error_message"),
                # A refusal keeps what an earlier attempt recorded (as the ORM path does).
                columns.registration_number: func.coalesce(
                    bindparam("number"), columns.registration_number
                ),
                columns.registration_status: func.coalesce(
                    bindparam("status"), columns.registration_status
                ),
                columns.sha256: func.coalesce(bindparam("sha256"), columns.sha256),
                columns.size: func.coalesce(bindparam("size"), columns.size),
                columns.attempts: columns.attempts + 1,
                columns.updated_at: bindparam("at"),
                **released,
            }
        )
        .returning(*columns)
    )


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


def _refresh(session: Session, job: CatalogueJob, at: datetime) -> None:
    """Recount the job's items and derive its state from them: when a job is made or a run of
    it ends (an item's move, :func:`_move`, counts without reading the others)."""
    counts = dict(
        session.execute(
            select(CatalogueJobItem.state, func.count())
            .where(CatalogueJobItem.job_id == job.id)
            .group_by(CatalogueJobItem.state)
        ).all()
    )
    job.pending = counts.get(CatalogueItemState.PENDING, 0)
    job.uploaded = counts.get(CatalogueItemState.UPLOADED, 0)
    job.registered = counts.get(CatalogueItemState.REGISTERED, 0)
    job.refused = counts.get(CatalogueItemState.REFUSED, 0)
    job.state = _job_state(job.pending, job.uploaded, job.registered, job.total)
    job.updated_at = at


# The job's row, and its count of items in each state, as written by an item's move: Core
# statements made once (an item's move runs in the group committer, once per item).
_JOBS = cast(Table, CatalogueJob.__table__)
_COUNTS = {
    CatalogueItemState.PENDING: _JOBS.c.pending,
    CatalogueItemState.UPLOADED: _JOBS.c.uploaded,
    CatalogueItemState.REGISTERED: _JOBS.c.registered,
    CatalogueItemState.REFUSED: _JOBS.c.refused,
}
_SET_JOB_STATE = (
    update(_JOBS).where(_JOBS.c.id == bindparam("job")).values(state=bindparam("new_state"))
)


@functools.cache
def _count_move(before: CatalogueItemState, after: CatalogueItemState) -> Update:
    """The update of a job's row for an item moved from ``before`` to ``after``, returning the
    counts its state is derived from, and that state as it was."""
    moved = {} if before == after else {
        _COUNTS[before]: _COUNTS[before] - 1, _COUNTS[after]: _COUNTS[after] + 1
    }  # fmt: skip
    return (
        update(_JOBS)
        .where(_JOBS.c.id == bindparam("job"))
        .values({_JOBS.c.updated_at: bindparam("at"), **moved})
        .returning(
            _JOBS.c.pending, _JOBS.c.uploaded, _JOBS.c.registered, _JOBS.c.total, _JOBS.c.state
        )
    )


def _move(
    session: Session,
    item: CatalogueJobItem,
    state: CatalogueItemState,
    at: datetime,
    *,
    running: bool = False,
) -> None:
    """Put ``item`` in ``state`` and move the job's counts with it (``running`` while items are
    being processed). The counts change in the database, by the job's key: concurrent API
    processes count right, and an item costs the same in a job of a hundred thousand as in a
    job of ten (a recount would read every item of the job each time)."""
    before, item.state = CatalogueItemState(item.state), state
    _count(session, item.job_id, before, state, at, running=running)


def _count(
    session: Session,
    job: int,
    before: CatalogueItemState,
    after: CatalogueItemState,
    at: datetime,
    *,
    running: bool,
) -> None:
    """Move job ``job``'s counts for an item moved from ``before`` to ``after``, and its state
    when that changes (seldom: a job runs from its first item to its last)."""
    *counts, state = session.execute(_count_move(before, after), {"job": job, "at": at}).one()
    new_state = _job_state(*counts, running=running)
    if new_state != state:
        session.execute(_SET_JOB_STATE, {"job": job, "new_state": new_state})


def _job_state(
    pending: int, uploaded: int, registered: int, total: int, *, running: bool = False
) -> CatalogueJobState:
    if running and uploaded:
        return CatalogueJobState.RUNNING
    if pending or uploaded:
        return CatalogueJobState.OPEN
    if registered == total:
        return CatalogueJobState.COMPLETED
    return CatalogueJobState.PARTLY if registered else CatalogueJobState.FAILED


def _view(session: Session, job: CatalogueJob, *, with_items: bool = True) -> JobView:
    items: tuple[ItemView, ...] = ()
    if with_items:
        # The job's row is read again with its items, in one statement: one snapshot, so the
        # counts and state shown agree with the items while other requests move them.
        rows = session.execute(
            select(CatalogueJob, CatalogueJobItem)
            .join(CatalogueJobItem, CatalogueJobItem.job_id == CatalogueJob.id)
            .where(CatalogueJob.id == job.id)
            .order_by(CatalogueJobItem.position)
            .execution_options(populate_existing=True)
        )
        items = tuple(_item_view(item) for _job_row, item in rows)
    return view_of(
        JobView,
        job,
        id=job.public_id,
        counts={
            "total": job.total,
            CatalogueItemState.PENDING: job.pending,
            CatalogueItemState.UPLOADED: job.uploaded,
            CatalogueItemState.REGISTERED: job.registered,
            CatalogueItemState.REFUSED: job.refused,
        },
        items=items,
    )


def _item_view(item: CatalogueJobItem | Row[Any]) -> ItemView:
    territory = item.territory
    return view_of(
        ItemView,
        item,
        file=item.file_name,
        territory=int(territory) if territory is not None and territory.isdigit() else None,
    )
