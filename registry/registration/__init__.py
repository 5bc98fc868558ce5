"""Registration (登记): the ``Registrar`` (by upload, by CID, catalogue jobs, the command line),
canonical signed claims, a publisher's own works, publication. Its public face is below."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Each name is imported from its module on first use (PEP 562), so that importing one module
# of this package does not import them all: a command that needs little starts at once.
if TYPE_CHECKING:
    from registry.registration.catalogue import (
        NO_MANIFEST,
        CatalogueItem,
        ItemResult,
        file_items,
        read_manifest,
    )
    from registry.registration.catalogue_jobs import (
        FILE_ERRORS,
        FileReceipt,
        ItemView,
        JobView,
        Upload,
        attach_files,
        create_job,
        get_job,
        list_jobs,
        process_job,
        register_catalogue,
    )
    from registry.registration.claims import ClientSignedClaim, claim_for, claim_leaf, registrant_id
    from registry.registration.own_works import Caller, require_own
    from registry.registration.registrar import Registrar

_EXPORTS = {
    "NO_MANIFEST": "registry.registration.catalogue",
    "CatalogueItem": "registry.registration.catalogue",
    "ItemResult": "registry.registration.catalogue",
    "file_items": "registry.registration.catalogue",
    "read_manifest": "registry.registration.catalogue",
    "FILE_ERRORS": "registry.registration.catalogue_jobs",
    "FileReceipt": "registry.registration.catalogue_jobs",
    "ItemView": "registry.registration.catalogue_jobs",
    "JobView": "registry.registration.catalogue_jobs",
    "Upload": "registry.registration.catalogue_jobs",
    "attach_files": "registry.registration.catalogue_jobs",
    "create_job": "registry.registration.catalogue_jobs",
    "get_job": "registry.registration.catalogue_jobs",
    "list_jobs": "registry.registration.catalogue_jobs",
    "process_job": "registry.registration.catalogue_jobs",
    "register_catalogue": "registry.registration.catalogue_jobs",
    "ClientSignedClaim": "registry.registration.claims",
    "claim_for": "registry.registration.claims",
    "claim_leaf": "registry.registration.claims",
    "registrant_id": "registry.registration.claims",
    "Caller": "registry.registration.own_works",
    "require_own": "registry.registration.own_works",
    "Registrar": "registry.registration.registrar",
}

__all__ = [
    "FILE_ERRORS",
    "NO_MANIFEST",
    "Caller",
    "CatalogueItem",
    "ClientSignedClaim",
    "FileReceipt",
    "ItemResult",
    "ItemView",
    "JobView",
    "Registrar",
    "Upload",
    "attach_files",
    "claim_for",
    "claim_leaf",
    "create_job",
    "file_items",
    "get_job",
    "list_jobs",
    "process_job",
    "read_manifest",
    "register_catalogue",
    "registrant_id",
    "require_own",
]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
