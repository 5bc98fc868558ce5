"""Offline proof bundles (``banquan.proof/1``, ``/2``): everything needed to check a
registration without asking banquan — the claim, its signature, the Merkle path, where the root
is on chain and (``/2``) an RFC 3161 timestamp token over the leaf. Checking needs only the
bundle (and, optionally, the file, any JSON-RPC node and the TSA's certificate).

Schema (documented in docs/proof-bundle.md)::

    {"v": "banquan.proof/1",
     "registration": {"number", "registered_at"},
     "claim": {...}, "signature": "<algorithm>:<hex>" | null, "leaf": hex,
     "proof": [hex, ...], "root": hex,
     "anchor": {"chain_id", "contract", "tx_hash", "block_number", "anchored_at"},
     "controller": "0x<address>",   (only for a registration bound to a controller)
     "revoked": {"revoked_at", "authority", "reason", "reason_digest", "tx_hash"}}
                                    (only once a regulator revoked the registration)

The Merkle path proves the entry ``leaf`` alone, or ``(leaf, controller)`` when the bundle
carries a controller (``crypto.merkle.entry_hash``).

Version 2 is version 1 with ``timestamp: {tsa, token, hashed: "leaf", gen_time}`` or, when the
TSA could not give one, ``timestamp_warning``. Without a TSA configured bundles stay version 1.

Either version may carry ``external_anchors``: the same root anchored again on other chains
(second anchoring), each ``{"chain", "chain_id", "contract", "tx_hash", "block_number",
"block_hash", "anchored_at"}``; a checker given a node of such a chain checks the root is in that
contract, in that block, and the block's hash.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import BinaryIO

from web3 import Web3

from chain_client.errors import ChainError, ChainUnavailable
from chain_client.moderation import ModerationClient
from chain_client.registry_anchor import RegistrationStatus, RegistryAnchorClient
from crypto.claims_v2 import ClaimV2, claim_leaf_v2, parse_claim
from crypto.errors import CryptoError
from crypto.merkle import verify_proof
from crypto.signing import Signature, verify
from registry.content import describe
from registry.core.errors import InvalidProofBundle, NotAnchoredYet, TimestampUnavailable
from registry.core.views import RegistrationView, refuse_unless_accepted
from registry.proofs.timestamps import HASHED, Timestamper, verify_token
from registry.registration import claim_leaf

log = logging.getLogger(__name__)

BUNDLE_VERSION = "banquan.proof/1"
BUNDLE_VERSION_2 = "banquan.proof/2"
VERSIONS = (BUNDLE_VERSION, BUNDLE_VERSION_2)


def proof_bundle(
    view: RegistrationView,
    *,
    timestamper: Timestamper | None = None,
    moderation_contract: str | None = None,
    external_anchors: Sequence[Mapping[str, object]] = (),
) -> dict[str, object]:
    """The bundle of an anchored registration; :class:`NotAnchoredYet` while it is pending,
    :class:`RegistrationHeld` or :class:`RegistrationRefused` while moderation holds it or once
    it rejected it (neither will be anchored as it stands).

    ``external_anchors`` are the confirmed anchorings of the same root on external chains
    (``registry.proofs.external_anchoring``), carried as they are.

    With a ``timestamper`` the bundle is version 2 and carries the registration's RFC 3161 token
    (obtained now if this is the first time); a TSA that fails gives ``timestamp_warning``
    instead, never an error: the bundle checks without the token all the same.

    ``moderation_contract`` (the suite's ``Moderation``) goes into ``anchor``, so a checker with
    a chain node also reads whether the work is taken down now."""
    refuse_unless_accepted(view)
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
    if view.controller is not None:
        bundle["controller"] = view.controller
    if external_anchors:
        bundle["external_anchors"] = [dict(entry) for entry in external_anchors]
    if view.party is not None:
        # Who the registry attributes it to; informative: no check of the bundle rests on it.
        bundle["party"] = {"party_id": view.party.party_id, "public_name": view.party.public_name}
    if view.priority is not None:
        # Who registered the same content first, in the order the registry recorded it: a
        # claim's time is its signer's to state, so a later claimant's bundle may carry an
        # earlier one. The registry's word, as ``party`` is; no check rests on it.
        first = view.priority.first
        bundle["priority"] = {
            "is_first": view.priority.is_first,
            "first": {
                "number": first.number,
                "claimant": first.claimant,
                "party": first.party,
                "registered_at": first.registered_at.isoformat(),
                # What became of it, as the other answers say: a first claim taken down, revoked
                # or held does not stand as the bundle's reader would otherwise take it to.
                "status": first.status,
                "taken_down": first.taken_down,
                "revoked": first.revoked,
            },
            "later_claimants": len(view.priority.later),
        }
    if view.takedown is not None:
        # The proof of what was registered stays true, and so must what became of it: a bundle
        # that said nothing would pass every offline check (the chain knows; offline, this). A
        # revocation is for good; a takedown holds until restored (the chain tells whether it
        # still does).
        takedown = view.takedown
        facts = {
            key: takedown.get(key) for key in ("authority", "reason", "reason_digest", "tx_hash")
        }
        if view.revoked:
            bundle["revoked"] = {"revoked_at": takedown.get("taken_down_at"), **facts}
        else:
            bundle["taken_down"] = {"taken_down_at": takedown.get("taken_down_at"), **facts}
    if moderation_contract is not None:
        anchor = bundle["anchor"]
        if isinstance(anchor, dict):
            anchor["moderation_contract"] = moderation_contract
    if timestamper is not None:
        try:
            bundle["timestamp"] = timestamper.token_for(view.leaf).to_json()
        except TimestampUnavailable as exc:
            log.warning("no timestamp for %s: %s", view.number, exc.message)
            bundle["timestamp_warning"] = exc.message
    return bundle


@dataclass(frozen=True)
class Unchecked:
    """A check that could not be made because ``source`` (e.g. ``chain RPC http://…``) did not
    answer: neither passed nor failed, so the bundle is neither valid nor shown invalid by it."""

    source: str
    reason: str


CheckResult = bool | Unchecked | None
"""True passed, False failed, None not applicable (e.g. the signature of an unsigned claim)."""


class Verdict(StrEnum):
    """What the checks of a bundle add up to."""

    VALID = "valid"  # every check made passed, none that was asked for is missing
    INVALID = "invalid"  # a check failed (whatever could not be checked besides)
    UNCHECKED = "unchecked"  # none failed, but one asked for could not be made


@dataclass
class BundleCheck:
    """Each check of a bundle, by name, with its :data:`CheckResult`, and notes on them."""

    results: dict[str, CheckResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Read from the Moderation contract the bundle names, when a chain is given: a takedown is
    # a state of the work, not a flaw of the proof (None: not asked, or could not be read).
    taken_down: bool | None = None

    @property
    def failed(self) -> list[str]:
        return [name for name, result in self.results.items() if result is False]

    @property
    def unchecked(self) -> dict[str, Unchecked]:
        return {
            name: result for name, result in self.results.items() if isinstance(result, Unchecked)
        }

    @property
    def verdict(self) -> Verdict:
        if self.failed:
            return Verdict.INVALID
        return Verdict.UNCHECKED if self.unchecked else Verdict.VALID

    @property
    def ok(self) -> bool:
        """Valid: no check failed and every check asked for could be made."""
        return self.verdict is Verdict.VALID


@dataclass(frozen=True)
class Pins:
    """The contracts a checker trusts, as the registry publishes them (its documentation, its
    verification page's settings), never as a bundle names them: a bundle is a file anyone can
    write, and an adversary's own ``RegistryAnchor`` holds whatever root they anchor in it.

    ``registry_anchor`` pins the main chain's contract, ``moderation`` the contract takedowns are
    read from, ``external`` an external chain's ``RegistryAnchor`` by chain name. A check whose
    contract is not pinned is made against the bundle's and stays :class:`Unchecked` ("not
    pinned") even when it passes: the bundle would only agree with itself."""

    registry_anchor: str | None = None
    moderation: str | None = None
    external: Mapping[str, str] = field(default_factory=dict)


_NOT_PINNED = (
    "未锁定合约：核验的是证明包自称的合约 / not pinned: checked against the contract the bundle "
    "names, which proves nothing; give the registry's published address"
)


def check_bundle(
    bundle: object,
    *,
    content: BinaryIO | None = None,
    chain: RegistryAnchorClient | None = None,
    tsa_certificate: bytes | None = None,
    external_chains: Mapping[str, Web3] | None = None,
    pins: Pins | None = None,
) -> BundleCheck:
    """Check a bundle offline (claim → leaf, signature, Merkle path; the file's digests when
    ``content`` is given; the timestamp token of a version 2 bundle, against ``tsa_certificate``
    — the TSA's or its CA's — or else the certificate in the token) and, with ``chain`` (any
    JSON-RPC node), that the contract holds the root at the stated block and has not revoked
    it; with ``external_chains`` (a node per chain name), each external anchoring the bundle
    carries for such a chain: the root in its contract, in the stated block, of the stated hash
    (check ``external:<name>``). One without a node is noted as not checked.

    ``pins`` are the contracts the checker trusts (:class:`Pins`); a command-line check always
    gives them, pinned or not. ``None``: the caller vouches that ``chain`` is bound to the
    registry's own contract and that the bundle's other contracts are the registry's (a test, or
    the registry checking what it wrote)."""
    parsed = _parse(bundle)
    check = BundleCheck()
    try:
        claim = parse_claim(parsed.claim)
    except CryptoError as exc:
        check.results["claim"] = False
        check.notes.append(f"claim: {exc}")
        return check
    check.results["claim"] = True
    # A version 2 claim just parsed gives its leaf directly (parsing is a third of a check),
    # from the same canonical bytes its signature is checked over: computed once.
    if isinstance(claim, ClaimV2):
        message = claim.canonical_bytes()
        leaf = claim_leaf_v2(message)
    else:
        message, leaf = b"", claim_leaf(parsed.claim)
    check.results["leaf"] = leaf == parsed.leaf
    check.results["signature"] = _check_signature(claim, message, parsed.signature, check)
    check.results["merkle_path"] = verify_proof(
        parsed.leaf, parsed.proof, parsed.root, controller=parsed.controller
    )
    if parsed.controller is not None:
        check.notes.append(
            f"绑定控制地址 bound to controller {parsed.controller}: entry (leaf, controller)"
        )
    if parsed.timestamp is not None:
        check.results["timestamp"] = _check_timestamp(
            parsed.timestamp, parsed.leaf, tsa_certificate, check
        )
    elif parsed.timestamp_warning is not None:
        check.notes.append(f"无时间戳 no timestamp: {parsed.timestamp_warning}")
    if content is not None:
        described = describe(content)
        check.results["file"] = (
            described.digests.sha256_hex == claim.sha256
            and described.digests.sm3_hex == claim.sm3
            and described.size == claim.size
        )
    _check_registration_time(parsed, claim, check)
    if chain is not None:
        check.results["on_chain"] = _pinned(
            _check_chain(parsed, chain, check, None if pins is None else pins.registry_anchor),
            pins is None or pins.registry_anchor is not None,
            "--anchor-contract",
        )
        check.taken_down = _taken_down(parsed, chain, check, pins)
    elif pins is not None:
        check.notes.append(
            "未核验撤销与下架 / revocation and takedown not checked: offline a bundle cannot show "
            "them (give a node with --rpc)"
        )
    if parsed.revoked is not None:
        check.results["not_revoked"] = False
        check.notes.append(
            f"已撤销 / the registry revoked this registration ({parsed.revoked.get('revoked_at')})"
        )
    if parsed.taken_down is not None:
        # A state of the work, not a flaw of the proof: noted, as a chain reading is.
        check.notes.append(
            "已下架 / taken down when this bundle was made "
            f"({parsed.taken_down.get('taken_down_at')}, {parsed.taken_down.get('authority')}): "
            "a node (--rpc) tells whether it still is"
        )
    if (first := parsed.first_claim) is not None:
        state = "".join(
            f", {label}"
            for label, flag in (("已撤销 revoked", "revoked"), ("已下架 taken down", "taken_down"))
            if first.get(flag) is True
        )
        check.notes.append(
            f"后登记 / a later claim: {first.get('number')} ({first.get('claimant')}{state}) "
            "registered the same content first, in the registry's order (the registry's word)"
        )
    _check_external_anchors(parsed, external_chains or {}, check, pins)
    return check


def _pinned(result: bool | Unchecked, pinned: bool, option: str) -> bool | Unchecked:
    """A chain check's result, as far as it proves anything: one that passed against a contract
    the checker did not pin is :class:`Unchecked`."""
    if result is True and not pinned:
        return Unchecked(source=option, reason=_NOT_PINNED)
    return result


def _check_registration_time(parsed: _Parsed, claim: object, check: BundleCheck) -> None:
    """The registration time the bundle shows is the one its claim commits to (the claim's is
    in the leaf; the bundle's ``registration.registered_at`` is covered by nothing else)."""
    shown = parsed.registration.get("registered_at")
    committed = getattr(claim, "registered_at", None)
    try:
        same = _unix(str(shown)) == _unix(str(committed))
    except ValueError:
        same = False
    check.results["registered_at"] = same
    if not same:
        check.notes.append(
            f"登记时间与登记声明不符 / registration.registered_at {shown} is not the claim's "
            f"registered_at {committed}"
        )


def _check_external_anchors(
    parsed: _Parsed, nodes: Mapping[str, Web3], check: BundleCheck, pins: Pins | None
) -> None:
    if not nodes and not parsed.external_anchors:
        return  # the common case: nothing to check or to note
    carried = {str(entry["chain"]) for entry in parsed.external_anchors}
    for name in sorted(set(nodes) - carried):
        check.notes.append(
            f"external:{name}: 证明包没有在 {name} 上的锚定 / "
            f"the bundle carries no anchoring on {name}"
        )
    for entry in parsed.external_anchors:
        name = str(entry["chain"])
        w3 = nodes.get(name)
        if w3 is None:
            check.notes.append(
                f"external:{name}: 未核验 not checked (chain id {entry['chain_id']}, block "
                f"{entry['block_number']}); give a node with --rpc-for {name}=URL"
            )
            continue
        pin = None if pins is None else pins.external.get(name)
        check.results[f"external:{name}"] = _pinned(
            _check_external(parsed.root, entry, w3, check, pin),
            pins is None or pin is not None,
            f"--anchor-for {name}=ADDRESS",
        )


def _check_external(
    root: bytes, entry: Mapping[str, object], w3: Web3, check: BundleCheck, pin: str | None
) -> bool | Unchecked:
    """Whether the external chain's contract (``pin``, else the one the entry names) holds
    ``root`` in the block the entry states, and that block has the stated hash;
    :class:`Unchecked` when its node does not answer."""
    name = f"external:{entry['chain']}"
    if pin is not None and pin.lower() != str(entry["contract"]).lower():
        check.notes.append(
            f"{name}: 证明包所称合约不是登记处公布的合约 / the bundle names {entry['contract']}, "
            f"not the published {pin}"
        )
        return False
    client = RegistryAnchorClient(w3, str(entry["contract"]))
    number = entry["block_number"]
    try:
        if client.chain_id() != entry["chain_id"]:
            check.notes.append(
                f"{name}: 节点所在链与证明包不符 / "
                "the node serves another chain than the bundle names"
            )
            return False
        if not client.has_expected_code():
            check.notes.append(
                f"{name}: 该地址没有 RegistryAnchor 合约 / no RegistryAnchor at {client.address}"
            )
            return False
        record = client.root_record(root)
        if record is None:
            check.notes.append(f"{name}: 合约中没有此根 / the contract does not know this root")
            return False
        if record.block_number != number:
            check.notes.append(
                f"{name}: 根锚定的区块不符 / "
                f"the root was anchored in block {record.block_number}, not {number}"
            )
            return False
        actual = client.block_hash(record.block_number)
        if actual is None or actual.lower() != str(entry["block_hash"]).lower():
            check.notes.append(
                f"{name}: block {number} has hash {actual}, not the bundle's {entry['block_hash']}"
            )
            return False
        if record.revoked:
            check.notes.append(
                f"{name}: 该链的监管机构已撤销此根 / that chain's regulator revoked this root"
            )
            return False
    except ChainUnavailable as exc:
        return Unchecked(source=f"{name} {_rpc_name(client)}", reason=str(exc))
    except ChainError as exc:
        check.notes.append(f"{name}: {exc}")
        return False
    return True


def _taken_down(
    parsed: _Parsed, chain: RegistryAnchorClient, check: BundleCheck, pins: Pins | None
) -> bool | None:
    """Whether the ``Moderation`` contract (pinned, else the one the bundle names) has the work
    frozen now; None when no contract is known or it cannot be read (noted)."""
    named = parsed.anchor.get("moderation_contract")
    pinned = None if pins is None else pins.moderation
    address = pinned or (named if isinstance(named, str) else None)
    if address is None:
        if pins is not None:
            check.notes.append(
                "未核验下架状态 / takedown state not checked: no Moderation contract known "
                "(give --moderation-contract)"
            )
        return None
    if pins is not None and pinned is None:
        check.notes.append(
            "下架状态读自证明包所称合约（未锁定） / takedown state read from the Moderation "
            "contract the bundle names, not pinned (give --moderation-contract)"
        )
    try:
        frozen = ModerationClient(chain.w3, address).is_frozen(parsed.leaf)
    except (ChainError, ValueError) as exc:
        check.notes.append(f"未能读取下架状态 takedown state not read: {exc}")
        return None
    if frozen:
        check.notes.append("已下架 / taken down: the Moderation contract has this work frozen")
    return frozen


@dataclass(frozen=True)
class _Parsed:
    registration: dict[str, object]
    revoked: dict[str, object] | None
    taken_down: dict[str, object] | None
    # The first registration of the content, when the bundle says its own came later.
    first_claim: dict[str, object] | None
    claim: object
    signature: object
    leaf: bytes
    proof: list[bytes]
    root: bytes
    anchor: dict[str, object]
    timestamp: dict[str, object] | None = None
    timestamp_warning: str | None = None
    controller: str | None = None
    external_anchors: tuple[Mapping[str, object], ...] = ()


def _check_timestamp(
    stamp: dict[str, object], leaf: bytes, tsa_certificate: bytes | None, check: BundleCheck
) -> bool:
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
    result = verify_token(token, leaf, tsa_certificate)
    check.notes.extend(f"timestamp: {problem}" for problem in result.problems)
    if result.gen_time is not None and result.gen_time != stated:
        check.notes.append("时间戳时间不符 / timestamp: gen_time is not the token's genTime")
        return False
    if result.ok:
        check.notes.append(
            f"timestamp: {result.gen_time.isoformat() if result.gen_time else '?'} "
            f"by {result.signer}"
            + (f" ({result.algorithm})" if result.algorithm else "")
            + ("" if result.pinned else " (the token's own certificate; no TSA certificate given)")
        )
    return result.ok


def _check_signature(
    claim: object, message: bytes, signature_text: object, check: BundleCheck
) -> bool | None:
    """The claim's signature, checked over ``message``: the claim's canonical bytes."""
    if not isinstance(claim, ClaimV2):
        if signature_text is not None:
            check.notes.append("第 1 版登记声明不带签名 / a version 1 claim carries no signature")
            return False
        if getattr(claim, "registrant", None) is not None:
            # Unsigned, it would name a registrant nobody can hold to it: the registry never
            # writes one, so a bundle that does is made up.
            check.notes.append(
                "未签名的登记声明不能指明登记人 / an unsigned banquan.claim/1 claim cannot name a "
                "registrant"
            )
            return False
        check.notes.append("未签名的登记声明 / unsigned claim (banquan.claim/1)")
        return None
    if not isinstance(signature_text, str):
        check.notes.append(
            "banquan.claim/2 登记声明必须带签名 / a banquan.claim/2 claim must carry its signature"
        )
        return False
    try:
        return verify(claim.registrant, message, Signature.from_text(signature_text))
    except CryptoError as exc:
        check.notes.append(f"signature: {exc}")
        return False


def _check_chain(
    parsed: _Parsed, chain: RegistryAnchorClient, check: BundleCheck, pin: str | None
) -> bool | Unchecked:
    anchor = parsed.anchor
    if pin is not None and pin.lower() != str(anchor.get("contract", "")).lower():
        check.notes.append(
            f"证明包所称合约不是登记处公布的合约 / the bundle names {anchor.get('contract')}, "
            f"not the registry's published {pin}"
        )
        return False
    try:
        if chain.chain_id() != anchor.get("chain_id"):
            check.notes.append(
                "节点所在链与证明包不符 / the node serves another chain than the bundle names"
            )
            return False
        if chain.address.lower() != str(anchor.get("contract", "")).lower():
            check.notes.append(
                "所连合约与证明包不符 / "
                "the client is bound to another contract than the bundle names"
            )
            return False
        info = chain.root_info(parsed.root)
        if info is None:
            check.notes.append("合约中没有此根 / the contract does not know this root")
            return False
        if info.block_number != anchor.get("block_number"):
            check.notes.append(
                "根锚定的区块与证明包不符 / "
                "the root was anchored in another block than the bundle says"
            )
            return False
        stated = _unix(str(anchor["anchored_at"]))
        if info.anchored_at != stated:
            check.notes.append(
                f"锚定时间与链上不符 / the chain anchored the root at {info.anchored_at} (Unix), "
                f"not at the bundle's {anchor['anchored_at']}"
            )
            return False
        anchoring = chain.find_anchoring(parsed.root)
        if anchoring is None or anchoring.tx_hash.lower() != str(anchor.get("tx_hash")).lower():
            check.notes.append(
                "锚定交易与证明包不符 / the bundle's tx_hash is not a transaction to this "
                "contract in that block"
            )
            return False
        status = chain.entry_status(
            parsed.leaf, parsed.proof, parsed.root, controller=parsed.controller
        )
    except ChainUnavailable as exc:
        return Unchecked(source=_rpc_name(chain), reason=str(exc))
    except ChainError as exc:
        check.notes.append(f"chain: {exc}")
        return False
    if status is RegistrationStatus.REVOKED:
        check.notes.append("已撤销 / the regulator revoked this registration or its batch root")
    return status is RegistrationStatus.VALID


def _unix(moment: str) -> int:
    """Seconds since the epoch of an ISO 8601 time (one without an offset is UTC)."""
    parsed = datetime.fromisoformat(moment)
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())


def _rpc_name(chain: RegistryAnchorClient) -> str:
    endpoint = getattr(chain.w3.provider, "endpoint_uri", None)
    return "chain RPC" if endpoint is None else f"chain RPC {endpoint}"


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
        registration = bundle["registration"]
        if not isinstance(registration, dict):
            raise TypeError("registration must be an object")
        revoked = bundle.get("revoked")
        if revoked is not None and not isinstance(revoked, dict):
            raise TypeError("revoked must be an object")
        taken_down = bundle.get("taken_down")
        if taken_down is not None and not isinstance(taken_down, dict):
            raise TypeError("taken_down must be an object")
        priority = bundle.get("priority")
        first = priority.get("first") if isinstance(priority, dict) else None
        if priority is not None and not isinstance(first, dict):
            raise TypeError("priority must be an object naming the first registration")
        later = isinstance(priority, dict) and priority.get("is_first") is False
        datetime.fromisoformat(str(anchor["anchored_at"]))
        timestamp = bundle.get("timestamp")
        if timestamp is not None and not isinstance(timestamp, dict):
            raise TypeError("timestamp must be an object")
        warning = bundle.get("timestamp_warning")
        controller = bundle.get("controller")
        if controller is not None and not (
            isinstance(controller, str) and _ADDRESS.fullmatch(controller)
        ):
            raise ValueError(f"controller must be a 0x-prefixed address, got {controller!r}")
        return _Parsed(
            registration=registration,
            revoked=revoked,
            taken_down=taken_down,
            first_claim=first if later else None,
            claim=bundle["claim"],
            signature=bundle["signature"],
            leaf=leaf,
            proof=[_hash32(step) for step in steps],
            root=root,
            anchor=anchor,
            timestamp=timestamp,
            timestamp_warning=None if warning is None else str(warning),
            controller=controller,
            external_anchors=_external_anchors(bundle.get("external_anchors")),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidProofBundle(f"malformed bundle field: {exc}") from exc


_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_HASH = re.compile(r"0x[0-9a-fA-F]{64}")


def _external_anchors(value: object) -> tuple[Mapping[str, object], ...]:
    """The bundle's ``external_anchors``, each checked to have its fields of the right kind."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise TypeError("external_anchors must be a list")
    seen: set[str] = set()
    for entry in value:
        if not isinstance(entry, dict):
            raise TypeError("each external anchor must be an object")
        chain = entry["chain"]
        if not isinstance(chain, str) or not chain or chain in seen:
            raise ValueError(f"external anchor: chain must be a name of its own, got {chain!r}")
        seen.add(chain)
        for key in ("chain_id", "block_number"):
            if not isinstance(entry[key], int) or isinstance(entry[key], bool):
                raise TypeError(f"external anchor {chain}: {key} must be an integer")
        if not (isinstance(entry["contract"], str) and _ADDRESS.fullmatch(entry["contract"])):
            raise ValueError(f"external anchor {chain}: contract must be an address")
        for key in ("tx_hash", "block_hash"):
            if not (isinstance(entry[key], str) and _HASH.fullmatch(entry[key])):
                raise ValueError(f"external anchor {chain}: {key} must be 0x and 32 bytes of hex")
        datetime.fromisoformat(str(entry["anchored_at"]))
    return tuple(value)


def _hash32(value: object) -> bytes:
    raw = bytes.fromhex(value) if isinstance(value, str) else b""
    if len(raw) != 32:
        raise ValueError(f"expected 32 bytes of hex, got {value!r}")
    return raw
