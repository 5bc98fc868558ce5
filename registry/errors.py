"""Domain errors. Every one derives from :class:`RegistryError` and carries a stable ``code``.

The faces (HTTP API, CLI) present these; ``api/errors.py`` maps each class to an HTTP status in
one table, and a test proves that no subclass is left unmapped.
"""

from __future__ import annotations

from collections.abc import Mapping


class RegistryError(Exception):
    """Root of every domain error. ``code`` is machine-readable and never changes meaning."""

    code = "registry_error"

    def __init__(self, message: str, *, details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = dict(details or {})


class InvalidInput(RegistryError):
    """The request itself is wrong; nothing was changed."""

    code = "invalid_input"


class EmptyFile(InvalidInput):
    """A work must have content: zero-byte files are refused."""

    code = "empty_file"


class MissingFile(InvalidInput):
    """The request carries no file to register."""

    code = "missing_file"


class UploadTooLarge(InvalidInput):
    """The upload exceeds the configured size limit."""

    code = "upload_too_large"


class InvalidMetadata(InvalidInput):
    """The metadata is missing, not JSON, or lacks a required field."""

    code = "invalid_metadata"


class InvalidSignedClaim(InvalidInput):
    """A client-signed claim or its signature is malformed."""

    code = "invalid_claim"


class ClaimMismatch(InvalidInput):
    """A client-signed claim does not describe the upload (digests, CID, metadata, time)."""

    code = "claim_mismatch"


class RegistrantSignatureInvalid(InvalidInput):
    """The signature is not the registrant's signature of the claim."""

    code = "invalid_signature"


class InvalidProofBundle(InvalidInput):
    """The document is not a ``banquan.proof/1`` bundle."""

    code = "invalid_proof_bundle"


class InvalidDigest(InvalidInput):
    """A digest is not 64 hexadecimal characters, or names an unknown algorithm."""

    code = "invalid_digest"


class Forbidden(RegistryError):
    """The request is understood but not allowed."""

    code = "forbidden"


class ContentIsPrivate(Forbidden):
    """The work is stored encrypted; only its owner (and licensees) may read it."""

    code = "content_private"


class NotFound(RegistryError):
    """The thing asked for does not exist."""

    code = "not_found"


class RegistrationNotFound(NotFound):
    """No registration has this number."""

    code = "registration_not_found"


class DigestNotRegistered(NotFound):
    """No registered work has this digest."""

    code = "digest_not_registered"


class ContentNotFound(NotFound):
    """The content store has no block for this CID."""

    code = "content_not_found"


class Conflict(RegistryError):
    """The request contradicts what is already recorded."""

    code = "conflict"


class IdempotencyKeyReused(Conflict):
    """The Idempotency-Key was already used for a different request."""

    code = "idempotency_key_reused"


class ClaimAlreadyRegistered(Conflict):
    """This exact claim (same leaf) is registered already."""

    code = "claim_already_registered"


class NotAnchoredYet(Conflict):
    """The registration is accepted but its batch is not on chain yet; retry later."""

    code = "not_anchored_yet"


class ServiceUnavailable(RegistryError):
    """A dependency (chain, content store) cannot be reached; the request may be retried."""

    code = "service_unavailable"


class ContentStoreUnavailable(ServiceUnavailable):
    """The IPFS node cannot be reached, or answered with an error."""

    code = "content_store_unavailable"


class ChainUnreachable(ServiceUnavailable):
    """The chain node cannot be reached right now."""

    code = "chain_unreachable"
