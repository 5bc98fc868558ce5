"""Proofs (存证): batching and anchoring Merkle roots on chain, proof bundles and their offline
check, RFC 3161 timestamps, verification by digest/CID/ISBN, certificates. Its public face is
below."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Each name is imported from its module on first use (PEP 562), so that importing one module
# of this package does not import them all: a command that needs little starts at once.
if TYPE_CHECKING:
    from registry.proofs.anchoring import AnchoringPolicy, Batcher, release_batches_missing_on_chain
    from registry.proofs.bulk_verification import MAX_BULK_DIGESTS
    from registry.proofs.proof_bundle import BundleCheck, CheckResult, Verdict, check_bundle
    from registry.proofs.service import Proofs
    from registry.proofs.timestamps import timestamper_for
    from registry.proofs.verification import ProofCheck

_EXPORTS = {
    "AnchoringPolicy": "registry.proofs.anchoring",
    "Batcher": "registry.proofs.anchoring",
    "release_batches_missing_on_chain": "registry.proofs.anchoring",
    "MAX_BULK_DIGESTS": "registry.proofs.bulk_verification",
    "BundleCheck": "registry.proofs.proof_bundle",
    "CheckResult": "registry.proofs.proof_bundle",
    "Verdict": "registry.proofs.proof_bundle",
    "check_bundle": "registry.proofs.proof_bundle",
    "Proofs": "registry.proofs.service",
    "timestamper_for": "registry.proofs.timestamps",
    "ProofCheck": "registry.proofs.verification",
}

__all__ = [
    "MAX_BULK_DIGESTS",
    "AnchoringPolicy",
    "Batcher",
    "BundleCheck",
    "CheckResult",
    "ProofCheck",
    "Proofs",
    "Verdict",
    "check_bundle",
    "release_batches_missing_on_chain",
    "timestamper_for",
]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
