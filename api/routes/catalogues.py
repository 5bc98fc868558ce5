"""Publishers: register a catalogue as a job (manifest, files, per-item results, resume).

See docs/catalogue-jobs.md. The request bodies are read here by hand: one endpoint takes the
manifest as JSON, as CSV, or as a part of a multipart upload that may carry the files too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.auth import Publisher
from api.dependencies import RuntimeDep
from api.schemas import error_responses, out_of
from registry.access import Principal, Scope
from registry.core.errors import InvalidManifest, MissingFile
from registry.registration import (
    FileReceipt,
    ItemView,
    JobView,
    Upload,
    attach_files,
    create_job,
    get_job,
    list_jobs,
    process_job,
)

router = APIRouter(prefix="/v1/catalogues", tags=["catalogues"])

MAX_FILES_PER_REQUEST = 1000
JobId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        description="The job's id, as created",
        examples=["CJ-5f0c6a8e2b7d4c1e9a3f6b2d8e4c7a10"],
    ),
]
ERRORS = error_responses(400, 401, 403, 404, 413, 422)

ITEM_EXAMPLE: dict[str, Any] = {
    "file": "santi-1.txt",
    "title": "三体",
    "authors": ["刘慈欣"],
    "isbn": "9787536692930",
    "language": "zh",
    "rights": ["reproduction", "distribution", "information_network_dissemination"],
    "territory": 156,
    "sha256": None,
}


class CatalogueItemIn(BaseModel):
    """One line of a manifest (a CSV manifest has the same columns; lists separated by ``;``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [ITEM_EXAMPLE]})

    file: str = Field(description="The file's name, as it will be uploaded")
    title: str
    authors: list[str] = Field(default_factory=list)
    isbn: str | None = None
    language: str | None = None
    rights: list[str] | None = Field(default=None, description="Default: every right")
    territory: int | None = Field(default=None, description="ISO 3166-1 numeric; 0 worldwide")
    sha256: str | None = Field(default=None, description="Expected SHA-256 of the file (hex)")


MANIFEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": CatalogueItemIn.model_json_schema()}},
    "example": {"items": [ITEM_EXAMPLE]},
}
ONIX_EXAMPLE = (
    '<ONIXMessage xmlns="http://ns.editeur.org/onix/3.0/reference" release="3.0">'
    "<Header><Sender><SenderName>重庆出版社</SenderName></Sender></Header>"
    "<Product><RecordReference>CQPH-SANTI-1</RecordReference>"
    "<NotificationType>03</NotificationType><ProductIdentifier><ProductIDType>15</ProductIDType>"
    "<IDValue>9787536692930</IDValue></ProductIdentifier><DescriptiveDetail>"
    "<TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>01"
    "</TitleElementLevel><TitleText>三体</TitleText></TitleElement></TitleDetail>"
    "<Contributor><ContributorRole>A01</ContributorRole><PersonName>刘慈欣</PersonName>"
    "</Contributor></DescriptiveDetail></Product></ONIXMessage>"
)
CSV_EXAMPLE = (
    "file,title,authors,isbn,language,rights,territory\n"
    "santi-1.txt,三体,刘慈欣,9787536692930,zh,reproduction;distribution,156\n"
)
MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["manifest"],
    "properties": {
        "manifest": {
            "type": "string",
            "format": "binary",
            "description": "The manifest: CSV, JSON (a name ending in .json) or an ONIX 3.0 "
            "message (a name ending in .xml; each product's file named after its ISBN-13 or "
            "RecordReference)",
        },
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "Files of the manifest's items, matched by file name (optional)",
        },
    },
}
FILES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["files"],
    "properties": {
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "Files of the job's items, matched by file name",
        }
    },
}


class ItemErrorOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"code": "invalid_isbn", "message": "line 3: wrong ISBN check digit"}]
        }
    )

    code: str = Field(description="An error code of docs/errors.md")
    message: str


ITEM_OUT_EXAMPLE: dict[str, Any] = {
    "position": 1,
    "line": 2,
    "file": "santi-1.txt",
    "title": "三体",
    "isbn": "9787536692930",
    "territory": 156,
    "expected_sha256": None,
    "state": "registered",
    "sha256": "9f2c0e5d7a1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5",
    "size": 1834,
    "registration_number": "BQ-2026-00000042",
    "registration_status": "pending",
    "error": None,
    "attempts": 1,
}


class CatalogueItemOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ITEM_OUT_EXAMPLE]})

    position: int = Field(description="The item's place in the manifest, from 1")
    line: int = Field(description="The manifest line it comes from")
    file: str
    title: str
    isbn: str | None
    territory: int | None
    expected_sha256: str | None
    state: str = Field(description="pending (no file yet), uploaded, registered or refused")
    sha256: str | None = Field(description="SHA-256 of the file received")
    size: int | None
    registration_number: str | None
    registration_status: str | None = Field(
        description="The registration's status when it was made: pending, held, rejected"
    )
    error: ItemErrorOut | None = Field(
        description="Why the item is refused, or why its last attempt failed (it is retried)"
    )
    attempts: int = Field(description="Registration attempts so far")

    @classmethod
    def of(cls, item: ItemView) -> CatalogueItemOut:
        error = (
            ItemErrorOut(code=item.error_code, message=item.error_message or "")
            if item.error_code
            else None
        )
        return out_of(cls, item, error=error)


class CatalogueCountsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"total": 4, "pending": 1, "uploaded": 0, "registered": 2, "refused": 1}]
        }
    )

    total: int
    pending: int
    uploaded: int
    registered: int
    refused: int


class FileReceiptOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"file": "santi-1.txt", "position": 1, "outcome": "staged"}]
        }
    )

    file: str
    position: int
    outcome: str = Field(
        description="staged (then processed), already_registered, different_content (the item "
        "is registered with other bytes; nothing changed) or refused (the item is refused for good)"
    )

    @classmethod
    def of(cls, receipt: FileReceipt) -> FileReceiptOut:
        return out_of(cls, receipt)


JOB_EXAMPLE: dict[str, Any] = {
    "id": "CJ-5f0c6a8e2b7d4c1e9a3f6b2d8e4c7a10",
    "state": "open",
    "counts": {"total": 4, "pending": 1, "uploaded": 0, "registered": 2, "refused": 1},
    "created_at": "2026-11-27T10:00:00Z",
    "updated_at": "2026-11-27T10:00:02Z",
}


class CatalogueJobSummaryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [JOB_EXAMPLE]})

    id: str
    state: str = Field(
        description="open (items wait for files), running, completed (every item registered), "
        "partly (some refused) or failed (none registered)"
    )
    counts: CatalogueCountsOut
    created_at: datetime
    updated_at: datetime


class CatalogueJobOut(CatalogueJobSummaryOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **JOB_EXAMPLE,
                    "items": [ITEM_OUT_EXAMPLE],
                    "received": [{"file": "santi-1.txt", "position": 1, "outcome": "staged"}],
                }
            ]
        }
    )

    items: list[CatalogueItemOut]
    received: list[FileReceiptOut] = Field(
        default_factory=list, description="What became of each file of this request"
    )


def _summary(job: JobView) -> CatalogueJobSummaryOut:
    return out_of(CatalogueJobSummaryOut, job)


def _out(job: JobView, receipts: list[FileReceipt] | None = None) -> CatalogueJobOut:
    return out_of(
        CatalogueJobOut,
        job,
        items=[CatalogueItemOut.of(i) for i in job.items],
        received=[FileReceiptOut.of(r) for r in receipts or []],
    )


def _reader(principal: Principal) -> str | None:
    """Admin keys see every job; a publisher key only its own."""
    return None if Scope.ADMIN in principal.scopes else principal.key_id


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidManifest("the manifest is not UTF-8 text") from exc


def _uploads(files: list[Any]) -> list[Upload]:
    uploads = []
    for part in files:
        if not isinstance(part, UploadFile) or not part.filename:
            raise MissingFile("every `files` part must be a file with a file name")
        uploads.append(Upload(part.filename, part.file))
    return uploads


def _manifest_kind(content_type: str, name: str | None, text: str) -> str:
    """ONIX 3.0 XML, JSON or CSV when the type or name says so; else by the first character."""
    if "xml" in content_type or (name or "").lower().endswith(".xml"):
        return "onix"
    if "json" in content_type or (name or "").lower().endswith(".json"):
        return "json"
    if "csv" in content_type or (name or "").lower().endswith(".csv"):
        return "csv"
    first = text.lstrip()[:1]
    return "onix" if first == "<" else "json" if first in ("[", "{") else "csv"


@router.post(
    "",
    status_code=201,
    response_model=CatalogueJobOut,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": MANIFEST_SCHEMA},
                "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
                "application/xml": {"schema": {"type": "string"}, "example": ONIX_EXAMPLE},
                "multipart/form-data": {"schema": MULTIPART_SCHEMA},
            },
        }
    },
)
async def post_catalogue(
    request: Request,
    runtime: RuntimeDep,
    principal: Publisher,
) -> CatalogueJobOut:
    """Create a catalogue job from a manifest: a JSON body (``{"items": [...]}``), a CSV body
    (``text/csv``), or a multipart upload whose ``manifest`` part is the CSV or JSON file and
    whose ``files`` parts may carry some or all of the items' files; an ONIX 3.0 message
    (``application/xml``, or a ``manifest`` part named ``*.xml``) is matched to the files sent
    with it, each product refused or registered on its own. Files sent here are
    registered before this answers; each item's result is in ``items``. A line with a wrong
    value (a bad ISBN) is a refused item; a manifest that cannot be read is refused whole
    (422 ``invalid_manifest``, nothing stored)."""
    content_type = request.headers.get("content-type", "").lower()
    registrar = runtime.registrar
    if content_type.startswith("multipart/form-data"):
        async with request.form(max_files=MAX_FILES_PER_REQUEST + 1) as form:
            manifest_part = form.get("manifest")
            if isinstance(manifest_part, UploadFile):
                name, part_type = manifest_part.filename, manifest_part.content_type or ""
                text = _decode(await manifest_part.read())
            elif isinstance(manifest_part, str):
                name, part_type, text = None, "", manifest_part
            else:
                raise InvalidManifest("the multipart field `manifest` is required")
            uploads = _uploads(form.getlist("files"))
            kind = _manifest_kind(part_type.lower(), name, text)

            def submit() -> tuple[JobView, list[FileReceipt]]:
                job = create_job(
                    runtime.sessions, owner=principal.key_id, manifest=text, kind=kind,
                    now=runtime.now, file_names=[u.name for u in uploads],
                )  # fmt: skip
                if not uploads:
                    return job, []
                receipts = attach_files(registrar, job.id, uploads, owner=principal.key_id)
                return process_job(registrar, job.id, owner=principal.key_id), receipts

            job, receipts = await run_in_threadpool(submit)
        return _out(job, receipts)
    if any(t in content_type for t in ("json", "csv", "xml")) or content_type.startswith("text/"):
        text = _decode(await request.body())
        kind = _manifest_kind(content_type, None, text)

        def create() -> JobView:
            return create_job(
                runtime.sessions, owner=principal.key_id, manifest=text, kind=kind, now=runtime.now
            )

        return _out(await run_in_threadpool(create))
    raise InvalidManifest(
        "send the manifest as application/json, text/csv, application/xml or multipart/form-data",
        details={"content_type": content_type},
    )


@router.post(
    "/{job_id}/files",
    response_model=CatalogueJobOut,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": FILES_SCHEMA}},
        }
    },
)
async def post_files(
    job_id: JobId,
    request: Request,
    runtime: RuntimeDep,
    principal: Publisher,
) -> CatalogueJobOut:
    """Send files of the job's items (``files`` parts, matched by file name) and register them
    before answering. Send only the files still missing after an interruption; a file sent again
    for a registered item changes nothing (``received`` says ``already_registered``)."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise MissingFile("send the files as multipart/form-data `files` parts")
    owner = _reader(principal)
    registrar = runtime.registrar
    async with request.form(max_files=MAX_FILES_PER_REQUEST) as form:
        uploads = _uploads(form.getlist("files"))
        if not uploads:
            raise MissingFile("no `files` part was sent")

        def attach() -> tuple[JobView, list[FileReceipt]]:
            receipts = attach_files(registrar, job_id, uploads, owner=owner)
            return process_job(registrar, job_id, owner=owner), receipts

        job, receipts = await run_in_threadpool(attach)
    return _out(job, receipts)


@router.get("", response_model=list[CatalogueJobSummaryOut], responses=ERRORS)
def get_catalogues(
    runtime: RuntimeDep,
    principal: Publisher,
) -> list[CatalogueJobSummaryOut]:
    """This key's catalogue jobs, newest first (at most 100), with their counts."""
    return [_summary(job) for job in list_jobs(runtime.sessions, owner=_reader(principal))]


@router.get("/{job_id}", response_model=CatalogueJobOut, responses=ERRORS)
def get_catalogue(
    job_id: JobId,
    runtime: RuntimeDep,
    principal: Publisher,
) -> CatalogueJobOut:
    """The job's state and counts, and every item's result (registration number or error)."""
    return _out(get_job(runtime.sessions, job_id, owner=_reader(principal)))


@router.post("/{job_id}/resume", response_model=CatalogueJobOut, responses=ERRORS)
def post_resume(
    job_id: JobId,
    runtime: RuntimeDep,
    principal: Publisher,
) -> CatalogueJobOut:
    """Process again every item whose file is here and which has no result yet (an interrupted
    request, a content store that could not be reached). Items already registered are never
    registered again; items without a file stay ``pending`` until it is sent."""
    return _out(process_job(runtime.registrar, job_id, owner=_reader(principal)))
