"""Offline proof bundles (``banquan.proof/1``, ``/2``): everything needed to check a
registration without asking banquan — the claim, its signature, the Merkle path, where the root
is on chain and (``/2``) an RFC 3161 timestamp token over the leaf. Checking needs only the
bundle (and, optionally, the file, any JSON-RPC node and the TSA's certificate).

Schema (documented in docs/proof-bundle.md)::

    {"v": "banquan.proof/1",
     "registration": {"number", "registered_at"},
     "claim": {...}, "signature": "<algorithm>:<hex>" | null, "leaf": hex,
     "proof": [hex, ...], "root": hex,
     "anchor": {"chain_id", "contract", "tx_hash", "block_number", "anchored_at"}}

Version 2 is version 1 with ``timestamp: {tsa, token, hashed: "leaf", gen_time}`` or, when the
TSA could not give one, ``timestamp_warning``. Without a TSA configured bundles stay version 1.
"""

from __future__ import annotations

import base64
import binascii
import logging
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
from registry.errors import InvalidProofBundle, NotAnchoredYet, TimestampUnavailable
from registry.ingest import describe
from registry.timestamps import HASHED, Timestamper, verify_token
from registry.views import RegistrationView

log = logging.getLogger(__name__)

BUNDLE_VERSION = "banquan.proof/1"
BUNDLE_VERSION_2 = "banquan.proof/2"
VERSIONS = (BUNDLE_VERSION, BUNDLE_VERSION_2)


def proof_bundle(
    view: RegistrationView, *, timestamper: Timestamper | None = None
) -> dict[str, object]:
    """The bundle of an anchored registration; :class:`NotAnchoredYet` while it is pending.

    With a ``timestamper`` the bundle is version 2 and carries the registration's RFC 3161 token
    (obtained now if this is the first time); a TSA that fails gives ``timestamp_warning``
    instead, never an error: the bundle checks without the token all the same."""
    if view.anchor is None or view.proof is None or view.anchor.anchored_at is None:
        raise NotAnchoredYet(
            f"registration {view.number} is not anchored yet", details={"number": view.number}
        )
    bundle: dict[str, object] = {
        "v": BUNDLE_VERSION if timestamper is None else BUNDLE_VERSION_2,
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
    if timestamper is not None:
        try:
            bundle["timestamp"] = timestamper.token_for(view.leaf).to_json()
        except TimestampUnavailable as exc:
            log.warning("no timestamp for %s: %s", view.number, exc.message)
            bundle["timestamp_warning"] = exc.message
    return bundle


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
    tsa_certificate: bytes | None = None,
) -> BundleCheck:
    """Check a bundle offline (claim → leaf, signature, Merkle path; the file's digests when
    ``content`` is given; the timestamp token of a version 2 bundle, against ``tsa_certificate``
    — the TSA's or its CA's — or else the certificate in the token) and, with ``chain`` (any
    JSON-RPC node), that the contract holds the root at the stated block and has not revoked
    it."""
    parsed = _parse(bundle)
    check = BundleCheck()
    try:
        claim = parse_claim(parsed.claim)
    except CryptoError as exc:
        check.results["claim"] = False
        check.notes.append(f"claim: {exc}")
        return check
    check.results["claim"] = True
    # A version 2 claim just parsed gives its leaf directly (parsing is a third of a check).
    leaf = claim.leaf() if isinstance(claim, ClaimV2) else claim_leaf(parsed.claim)
    check.results["leaf"] = leaf == parsed.leaf
    check.results["signature"] = _check_signature(claim, parsed.signature, check)
    check.results["merkle_path"] = verify_proof(parsed.leaf, parsed.proof, parsed.root)
    if parsed.timestamp is not None:
        check.results["timestamp"] = _check_timestamp(parsed, tsa_certificate, check)
    elif parsed.timestamp_warning is not None:
        check.notes.append(f"no timestamp: {parsed.timestamp_warning}")
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
    timestamp: dict[str, object] | None = None
    timestamp_warning: str | None = None


def _check_timestamp(parsed: _Parsed, tsa_certificate: bytes | None, check: BundleCheck) -> bool:
    stamp = parsed.timestamp
    assert stamp is not None
    if stamp.get("hashed") != HASHED:
        check.notes.append(
            f"timestamp: only tokens over the leaf are known, not {stamp.get('hashed')!r}"
        )
        return False
    try:
        token = base64.b64decode(str(stamp.get("token")), validate=True)
        stated = datetime.fromisoformat(str(stamp.get("gen_time")))
    except (binascii.Error, ValueError) as exc:
        check.notes.append(f"timestamp: {exc}")
        return False
    result = verify_token(token, parsed.leaf, tsa_certificate)
    check.notes.extend(f"timestamp: {problem}" for problem in result.problems)
    if result.gen_time is not None and result.gen_time != stated:
        check.notes.append("timestamp: gen_time is not the token's genTime")
        return False
    if result.ok:
        check.notes.append(
            f"timestamp: {result.gen_time.isoformat() if result.gen_time else '?'} "
            f"by {result.signer}"
            + ("" if result.pinned else " (the token's own certificate; no TSA certificate given)")
        )
    return result.ok


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
    if not isinstance(bundle, dict) or bundle.get("v") not in VERSIONS:
        raise InvalidProofBundle(f"not a {' or '.join(VERSIONS)} document")
    if bundle["v"] == BUNDLE_VERSION and ({"timestamp", "timestamp_warning"} & bundle.keys()):
        raise InvalidProofBundle(f"a {BUNDLE_VERSION} bundle carries no timestamp")
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
        timestamp = bundle.get("timestamp")
        if timestamp is not None and not isinstance(timestamp, dict):
            raise TypeError("timestamp must be an object")
        warning = bundle.get("timestamp_warning")
        return _Parsed(
            claim=bundle["claim"],
            signature=bundle["signature"],
            leaf=leaf,
            proof=[_hash32(step) for step in steps],
            root=root,
            anchor=anchor,
            timestamp=timestamp,
            timestamp_warning=None if warning is None else str(warning),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidProofBundle(f"malformed bundle field: {exc}") from exc


def _hash32(value: object) -> bytes:
    raw = bytes.fromhex(value) if isinstance(value, str) else b""
    if len(raw) != 32:
        raise ValueError(f"expected 32 bytes of hex, got {value!r}")
    return raw
