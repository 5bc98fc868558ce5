"""Domain errors and faults of the settings → HTTP, in one table. Every error body is
``{code, message, details}``."""

from __future__ import annotations

import errno

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.core import errors as domain

# A family (a direct subclass of a root, or a base such as ``Unprocessable``) maps every error
# below it; an error is listed on its own only where its status differs from its family's.
HTTP_STATUS: dict[type[domain.CodedError], int] = {
    domain.RegistryError: 500,
    domain.InvalidInput: 400,
    domain.Unprocessable: 422,
    domain.UploadTooLarge: 413,
    domain.Unauthenticated: 401,
    domain.Forbidden: 403,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.ServiceUnavailable: 503,
    domain.InsufficientStorage: 507,
    domain.TakenDown: 451,
    # Faults of the settings surface in requests only where a part is not set up to answer.
    domain.ConfigurationError: 500,
    domain.ContractsNotConfigured: 503,
    domain.OperatorKeyNotConfigured: 503,
}


# Required multipart fields whose absence has a domain error of its own.
MISSING_FIELD_ERRORS: dict[str, type[domain.RegistryError]] = {
    "file": domain.MissingFile,
    "metadata": domain.InvalidMetadata,
}


def mapped_class(cls: type[domain.CodedError]) -> type[domain.CodedError]:
    """The most specific class of ``cls`` (itself or an ancestor) that the table maps."""
    return next(c for c in cls.__mro__ if c in HTTP_STATUS)


def status_of(cls: type[domain.CodedError]) -> int:
    return HTTP_STATUS[mapped_class(cls)]


def status_for(error: domain.CodedError) -> int:
    return status_of(type(error))


def storage_failure(exc: OSError) -> domain.ServiceUnavailable | None:
    """What a failed write of the content store means to the client: out of space (507), or
    the store cannot be written right now (read-only, I/O error: 503); None for other errors."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return domain.InsufficientStorage("the data directory is out of space; retry later")
    if exc.errno in (errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM):
        return domain.ContentStoreUnavailable(
            "the content store cannot be written right now; retry later",
            details={"reason": exc.strerror or type(exc).__name__},
        )
    return None


def error_body(code: str, message: str, details: object = None) -> dict[str, object]:
    return {"code": code, "message": message, "details": details or {}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(domain.RegistryError)
    @app.exception_handler(domain.ConfigurationError)
    async def _coded(_request: Request, exc: domain.CodedError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details), status_code=status_for(exc)
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"location": list(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
        for error in exc.errors():
            # A missing required part of an upload keeps the code of the domain error it means.
            field = error["loc"][-1] if error["type"] == "missing" and error["loc"] else None
            if field in MISSING_FIELD_ERRORS:
                missing = MISSING_FIELD_ERRORS[str(field)](f"{field} is required")
                return JSONResponse(
                    error_body(missing.code, missing.message, {"errors": errors}),
                    status_code=status_for(missing),
                )
        return JSONResponse(
            error_body("invalid_request", "the request is malformed", {"errors": errors}),
            status_code=422,
        )

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value's form (NUL bytes, integers out of its range…): the
        # request carried it, and nothing was written.
        return JSONResponse(
            error_body("invalid_value", "a value in the request cannot be stored or looked up"),
            status_code=400,
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database(_request: Request, exc: Exception) -> JSONResponse:
        # The database is down, restarting or out of space: the transaction did not commit, so
        # nothing was recorded and the client may retry (with its Idempotency-Key).
        text = str(getattr(exc, "orig", exc)).lower()
        full = "disk is full" in text or "no space left" in text  # SQLite, PostgreSQL
        error = (
            domain.InsufficientStorage("the database is out of space; retry later")
            if full
            else domain.DatabaseUnavailable(domain.DATABASE_UNAVAILABLE)
        )
        return JSONResponse(error_body(error.code, error.message), status_code=status_for(error))

    @app.exception_handler(OSError)
    async def _storage(_request: Request, exc: OSError) -> JSONResponse:
        # A write to the data directory failed (out of space, read-only, I/O error): the upload
        # was aborted before any row named it. Any other OSError is a real fault (a 500).
        error = storage_failure(exc)
        if error is None:
            raise exc
        return JSONResponse(
            error_body(error.code, error.message, error.details), status_code=status_for(error)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {400: "malformed_body", 404: "not_found", 405: "method_not_allowed"}
        code = codes.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)
