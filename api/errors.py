"""Domain errors → HTTP, in one table. Every error body is ``{code, message, details}``."""

from __future__ import annotations

import errno

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry import errors as domain

HTTP_STATUS: dict[type[domain.RegistryError], int] = {
    domain.RegistryError: 500,
    domain.InvalidInput: 400,
    domain.EmptyFile: 400,
    domain.MissingFile: 400,
    domain.UploadTooLarge: 413,
    domain.UnreadableDocument: 422,
    domain.InvalidMetadata: 422,
    domain.InvalidDigest: 400,
    domain.InvalidManifest: 422,
    domain.UnknownCatalogueFile: 422,
    domain.DigestMismatch: 422,
    domain.InvalidIsbn: 400,
    domain.InvalidProofBundle: 422,
    domain.InvalidSignedClaim: 422,
    domain.ClaimMismatch: 422,
    domain.CidMismatch: 422,
    domain.RegistrantSignatureInvalid: 422,
    domain.Unauthenticated: 401,
    domain.RequestSignatureInvalid: 401,
    domain.StaleRequest: 401,
    domain.ReplayedRequest: 401,
    domain.Forbidden: 403,
    domain.MissingScope: 403,
    domain.IpNotAllowed: 403,
    domain.ApiKeyNotFound: 404,
    domain.ContentIsPrivate: 403,
    domain.NotOwnRegistration: 403,
    domain.NotLicensed: 403,
    domain.NotFound: 404,
    domain.RegistrationNotFound: 404,
    domain.CatalogueJobNotFound: 404,
    domain.DigestNotRegistered: 404,
    domain.ContentNotFound: 404,
    domain.Conflict: 409,
    domain.IdempotencyKeyReused: 409,
    domain.NotAnchoredYet: 409,
    domain.ClaimAlreadyRegistered: 409,
    domain.RegistrationRefused: 409,
    domain.ServiceUnavailable: 503,
    domain.ChainUnreachable: 503,
    domain.ContentStoreUnavailable: 503,
    domain.DatabaseUnavailable: 503,
    domain.InsufficientStorage: 507,
    domain.InvalidWebhook: 400,
    domain.WebhookTargetForbidden: 400,
    domain.WebhookNotFound: 404,
    domain.InvalidAddress: 400,
    domain.InvalidLicenceTerms: 422,
    domain.InvalidPledgeTerms: 422,
    domain.ConsentExpired: 422,
    domain.InvalidConsentSignature: 422,
    domain.NotAssetOwner: 403,
    domain.NotPledgeParty: 403,
    domain.LenderNotAuthorized: 403,
    domain.NotLienLender: 403,
    domain.AssetNotFound: 404,
    domain.LicenceNotFound: 404,
    domain.LienNotFound: 404,
    domain.NotAnchored: 409,
    domain.Revoked: 409,
    domain.AlreadyTokenized: 409,
    domain.Frozen: 409,
    domain.Encumbered: 409,
    domain.AlreadyPledged: 409,
    domain.SeniorConsentMissing: 409,
    domain.LienLimitReached: 409,
    domain.LicenceConflict: 409,
    domain.LicenceLimitReached: 409,
    domain.LicenceNotRevocable: 409,
    domain.LicenceNotInForce: 409,
    domain.ConsentAlreadyUsed: 409,
    domain.LienNotActive: 409,
    domain.LienNotMatured: 409,
    domain.LienNotSenior: 409,
    domain.ChainRefused: 409,
    domain.ContractsNotConfigured: 503,
    domain.InvalidTransaction: 400,
    domain.TransactionNotAllowed: 422,
    domain.TransactionMismatch: 422,
    domain.ModerationMisconfigured: 500,
    domain.InvalidLexicon: 500,
    domain.InsecureKeyFile: 500,
    domain.InvalidKeyFile: 500,
    domain.ReviewItemNotFound: 404,
    domain.BlocklistEntryNotFound: 404,
    domain.TakedownNotFound: 404,
    domain.ReviewItemClosed: 409,
    domain.ReviewItemClaimed: 409,
    domain.AlreadyTakenDown: 409,
    domain.AppealNotAllowed: 409,
    domain.NotRegistrant: 403,
    domain.SameModerator: 403,
    domain.AuthorityTooLow: 403,
    domain.PublicationHeld: 409,
    domain.PublicationRejected: 409,
    domain.InvalidIscc: 400,
    domain.DistanceOutOfRange: 422,
    domain.TimestampUnavailable: 503,
}


# Required multipart fields whose absence has a domain error of its own.
MISSING_FIELD_ERRORS: dict[str, type[domain.RegistryError]] = {
    "file": domain.MissingFile,
    "metadata": domain.InvalidMetadata,
}


def status_for(error: domain.RegistryError) -> int:
    """The status of the most specific mapped class of ``error``."""
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500


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
    async def _domain(_request: Request, exc: domain.RegistryError) -> JSONResponse:
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
            else domain.DatabaseUnavailable("the database cannot be reached; retry later")
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
