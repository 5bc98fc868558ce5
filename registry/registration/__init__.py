"""Registration (登记): the ``Registrar`` (by upload, by CID, catalogue jobs, the command line),
canonical signed claims, a publisher's own works, publication. Its public face is below."""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.core.lazy_exports import lazy_exports

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

__getattr__ = lazy_exports(
    __name__,
    {
        "registry.registration.catalogue": (
            "NO_MANIFEST",
            "CatalogueItem",
            "ItemResult",
            "file_items",
            "read_manifest",
        ),
        "registry.registration.catalogue_jobs": (
            "FILE_ERRORS",
            "FileReceipt",
            "ItemView",
            "JobView",
            "Upload",
            "attach_files",
            "create_job",
            "get_job",
            "list_jobs",
            "process_job",
            "register_catalogue",
        ),
        "registry.registration.claims": (
            "ClientSignedClaim",
            "claim_for",
            "claim_leaf",
            "registrant_id",
        ),
        "registry.registration.own_works": ("Caller", "require_own"),
        "registry.registration.registrar": ("Registrar",),
    },
)

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
