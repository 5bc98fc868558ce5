"""Offline proof bundles (``banquan.proof/1``): everything needed to check a registration
without asking banquan — the claim, its signature, the Merkle path, and where the root is on
chain. Checking needs only the bundle (and, optionally, the file and any JSON-RPC node).

Schema (documented in docs/proof-bundle.md)::

    {"v": "banquan.proof/1",
     "registration": {"number", "registered_at"},
     "claim": {...}, "signature": "<algorithm>:<hex>" | null, "leaf": hex,
     "proof": [hex, ...], "root": hex,
     "anchor": {"chain_id", "contract", "tx_hash", "block_number", "anchored_at"}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from chain_client.errors import ChainError
from chain_client.registry_anchor import RegistrationStatus, RegistryAnchorClient
from crypto.claims_v2 import ClaimV2, parse_claim
from crypto.errors import CryptoError
from crypto.merkle import verify_proof
from crypto.signing import Signature
from registry.claims import claim_leaf
from registry.errors import InvalidProofBundle, NotAnchoredYet
from registry.ingest import describe
from registry.views import RegistrationView

BUNDLE_VERSION = "banquan.proof/1"


def proof_bundle(view: RegistrationView) -> dict[str, object]:
    """The bundle of an anchored registration; :class:`NotAnchoredYet` while it is pending."""
    if view.anchor is None or view.proof is None or view.anchor.anchored_at is None:
        raise NotAnchoredYet(
            f"registration {view.number} is not anchored yet", details={"number": view.number}
        )
    return {
        "v": BUNDLE_VERSION,
        "registration": {
            "number": view.number,
            "registered_at": view.registered_at.isoformat(),
        },
        "claim": view.claim,
        "signature": view.signature,
        "leaf": view.leaf,
        "proof": list(view.proof),
        "root": view.anchor.root,
        "anchor": {
            "chain_id": view.anchor.chain_id,
            "contract": view.anchor.contract_address,
            "tx_hash": view.anchor.tx_hash,
            "block_number": view.anchor.block_number,
            "anchored_at": view.anchor.anchored_at.isoformat(),
        },
    }


@dataclass
class BundleCheck:
    """Each check of a bundle, by name: True (passed), False (failed) or None (not made)."""

    results: dict[str, bool | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(result is not False for result in self.results.values())


def check_bundle(
    bundle: object,
    *,
    content: BinaryIO | None = None,
    chain: RegistryAnchorClient | None = None,
) -> BundleCheck:
    """Check a bundle offline (claim → leaf, signature, Merkle path; the file's digests when
    ``content`` is given) and, with ``chain`` (any JSON-RPC node), that the contract holds the
    root at the stated block and has not revoked it."""
    parsed = _parse(bundle)
    check = BundleCheck()
    try:
        claim = parse_claim(parsed.claim)
    except CryptoError as exc:
        check.results["claim"] = False
        check.notes.append(f"claim: {exc}")
        return check
    check.results["claim"] = True
    check.results["leaf"] = claim_leaf(parsed.claim) == parsed.leaf
    check.results["signature"] = _check_signature(claim, parsed.signature, check)
    check.results["merkle_path"] = verify_proof(parsed.leaf, parsed.proof, parsed.root)
    if content is not None:
        described = describe(content)
        check.results["file"] = (
            described.digests.sha256_hex == claim.sha256
            and described.digests.sm3_hex == claim.sm3
            and described.size == claim.size
        )
    if chain is not None:
        check.results["on_chain"] = _check_chain(parsed, chain, check)
    return check


@dataclass(frozen=True)
class _Parsed:
    claim: object
    signature: object
    leaf: bytes
    proof: list[bytes]
    root: bytes
    anchor: dict[str, object]


def _check_signature(claim: object, signature_text: object, check: BundleCheck) -> bool | None:
    if not isinstance(claim, ClaimV2):
        if signature_text is not None:
            check.notes.append("a version 1 claim carries no signature")
            return False
        check.notes.append("unsigned claim (banquan.claim/1)")
        return None
    if not isinstance(signature_text, str):
        check.notes.append("a banquan.claim/2 claim must carry its signature")
        return False
    try:
        return claim.verify_signature(Signature.from_text(signature_text))
    except CryptoError as exc:
        check.notes.append(f"signature: {exc}")
        return False


def _check_chain(parsed: _Parsed, chain: RegistryAnchorClient, check: BundleCheck) -> bool:
    anchor = parsed.anchor
    try:
        if chain.chain_id() != anchor.get("chain_id"):
            check.notes.append("the node serves another chain than the bundle names")
            return False
        if chain.address.lower() != str(anchor.get("contract", "")).lower():
            check.notes.append("the client is bound to another contract than the bundle names")
            return False
        info = chain.root_info(parsed.root)
        if info is None:
            check.notes.append("the contract does not know this root")
            return False
        if info.block_number != anchor.get("block_number"):
            check.notes.append("the root was anchored in another block than the bundle says")
            return False
        status = chain.registration_status(parsed.leaf, parsed.proof, parsed.root)
    except ChainError as exc:
        check.notes.append(f"chain: {exc}")
        return False
    if status is RegistrationStatus.REVOKED:
        check.notes.append("the regulator revoked this root")
    return status is RegistrationStatus.VALID


def _parse(bundle: object) -> _Parsed:
    if not isinstance(bundle, dict) or bundle.get("v") != BUNDLE_VERSION:
        raise InvalidProofBundle(f"not a {BUNDLE_VERSION} document")
    required = {"registration", "claim", "signature", "leaf", "proof", "root", "anchor"}
    missing = sorted(required - bundle.keys())
    if missing:
        raise InvalidProofBundle("the bundle lacks fields", details={"missing": missing})
    try:
        leaf, root = _hash32(bundle["leaf"]), _hash32(bundle["root"])
        steps = bundle["proof"]
        if not isinstance(steps, list):
            raise TypeError("proof must be a list")
        anchor = bundle["anchor"]
        if not isinstance(anchor, dict):
            raise TypeError("anchor must be an object")
        datetime.fromisoformat(str(anchor["anchored_at"]))
        return _Parsed(
            claim=bundle["claim"],
            signature=bundle["signature"],
            leaf=leaf,
            proof=[_hash32(step) for step in steps],
            root=root,
            anchor=anchor,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidProofBundle(f"malformed bundle field: {exc}") from exc


def _hash32(value: object) -> bytes:
    raw = bytes.fromhex(value) if isinstance(value, str) else b""
    if len(raw) != 32:
        raise ValueError(f"expected 32 bytes of hex, got {value!r}")
    return raw
