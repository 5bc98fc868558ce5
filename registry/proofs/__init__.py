"""Proofs (存证): batching and anchoring Merkle roots on chain, proof bundles and their offline
check, RFC 3161 timestamps, verification by digest/CID/ISBN, certificates. Its public face is
below."""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.core.lazy_exports import lazy_exports

# Each name is imported from its module on first use (PEP 562), so that importing one module
# of this package does not import them all: a command that needs little starts at once.
if TYPE_CHECKING:
    from registry.proofs.anchoring import AnchoringPolicy, Batcher, release_batches_missing_on_chain
    from registry.proofs.bulk_verification import MAX_BULK_DIGESTS
    from registry.proofs.proof_bundle import (
        BundleCheck,
        CheckResult,
        Pins,
        Verdict,
        check_bundle,
    )
    from registry.proofs.service import Proofs
    from registry.proofs.timestamps import timestamper_for
    from registry.proofs.verification import ProofCheck

__getattr__ = lazy_exports(
    __name__,
    {
        "registry.proofs.anchoring": (
            "AnchoringPolicy",
            "Batcher",
            "release_batches_missing_on_chain",
        ),
        "registry.proofs.bulk_verification": ("MAX_BULK_DIGESTS",),
        "registry.proofs.proof_bundle": (
            "BundleCheck",
            "CheckResult",
            "Pins",
            "Verdict",
            "check_bundle",
        ),
        "registry.proofs.service": ("Proofs",),
        "registry.proofs.timestamps": ("timestamper_for",),
        "registry.proofs.verification": ("ProofCheck",),
    },
)

__all__ = [
    "MAX_BULK_DIGESTS",
    "AnchoringPolicy",
    "Batcher",
    "BundleCheck",
    "CheckResult",
    "Pins",
    "ProofCheck",
    "Proofs",
    "Verdict",
    "check_bundle",
    "release_batches_missing_on_chain",
    "timestamper_for",
]
