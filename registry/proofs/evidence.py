"""Evidence packages (存证报告): one ZIP that a court or a counter-party checks without banquan.

A package holds, each as a file listed with its SHA-256 and SM3 in ``manifest.json``:

* ``work/<number>.bin`` — the work itself, when the requester may have it (published content,
  or its registrant, or the operator); otherwise only its digests;
* ``digests.json`` — SHA-256, SM3, CID and size of the work;
* ``claim.json`` — the canonical claim, its signature and its leaf;
* ``proof-bundle.json`` — the proof bundle exactly as the registry gives it (Merkle path, the
  anchoring on the registry's chain and on every external chain it carries, the timestamp);
* ``timestamp.tsr`` — the RFC 3161 ``TimeStampToken`` (DER) of the bundle, when it has one;
* ``anchoring.json`` — every chain the root is anchored on: transaction, block number, block
  hash, time;
* ``registrant.json`` — the registering party and its attested identity: the commitment only;
* ``state.json`` — takedown, licences and liens at export, from the chain (at the block
  number and hash read) and from the database;
* ``statement.txt`` — the statement of process, Chinese with English beside, from real values;
* ``report.pdf`` — the 存证报告 summarising the package, with QR codes;
* ``operator-key.pem`` — the operator's SM2 public key.

``manifest.sig`` is the operator's SM2-with-SM3 signature (DER, distinguishing ID
``1234567812345678``) over the bytes of ``manifest.json``: ``openssl pkeyutl -verify -rawin
-digest sm3`` checks it. The ZIP itself is canonical (stored, fixed times and attributes, files in
manifest order then the manifest and signature), so :func:`check_package` also notices a byte
changed outside the files.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from crypto.errors import CryptoError
from crypto.sm2 import DEFAULT_ID, SM2PrivateKey, SM2PublicKey
from registry.access import verification_of
from registry.core.errors import (
    ContentIsPrivate,
    ContentNotFound,
    InvalidProofBundle,
    NotOwnRegistration,
    TakenDown,
)
from registry.core.record_json import json_of
from registry.core.views import RegistrationView, as_utc
from registry.proofs.certificate import priority_rows
from registry.proofs.proof_bundle import BundleCheck, check_bundle
from registry.proofs.service import Proofs
from registry.registration import Caller, Registrar

EVIDENCE_VERSION = "banquan.evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
OPERATOR_KEY = "operator-key.pem"
BUNDLE = "proof-bundle.json"
TIMESTAMP = "timestamp.tsr"
SIGNATURE_ALGORITHM = "SM2-with-SM3"
_EPOCH = (1980, 1, 1, 0, 0, 0)  # every member's time: the package is byte-for-byte reproducible
_MEMBER_MODE = 0o100644 << 16

RightsState = Callable[[RegistrationView], dict[str, object]]
"""Takedown, licences and liens of a registration now: from the chain (naming the block read)
and from the database. Given by the runtime, which reads them through the assets services."""


def system_version() -> str:
    """``banquan <version>`` of the running code."""
    try:
        return f"banquan {version('banquan')}"
    except PackageNotFoundError:
        return "banquan (unknown version)"


@dataclass(frozen=True)
class EvidencePackage:
    """A package's bytes and the name to save it under."""

    number: str
    filename: str
    data: bytes
    content_included: bool


@dataclass(frozen=True)
class Evidence:
    """Builds evidence packages; built once by the runtime (``Runtime.evidence``)."""

    sessions: sessionmaker[Session]
    proofs: Proofs
    registrar: Registrar
    rights_state: RightsState
    operator_key: Callable[[], SM2PrivateKey]
    now: Callable[[], datetime]

    def package(self, number: str, reader: Caller | None) -> EvidencePackage:
        """The evidence package of anchored registration ``number``; :class:`NotAnchoredYet`
        while it is pending. The work itself is in it when ``reader`` may have it: its
        registrant (or a caller acting for anyone, such as the operator's command line), or
        anyone (``reader`` None) once it is published; otherwise its digests only."""
        view = self.proofs.registration(number)
        bundle = self.proofs.bundle(number)  # NotAnchoredYet before anything else is read
        key = self.operator_key()
        created_at = self.now().astimezone(UTC)
        content, withheld = self._content(number, reader)
        files: list[tuple[str, bytes]] = []
        work_path = f"work/{number}.bin"
        if content is not None:
            files.append((work_path, content))
        files.append(
            ("digests.json", _json(_digests(view, work_path if content else None, withheld)))
        )
        files.append(
            (
                "claim.json",
                _json(
                    {
                        "claim": view.claim,
                        "signature": view.signature,
                        "signing_mode": view.signing_mode,
                        "registrant_key": view.registrant,
                        "leaf": view.leaf,
                    }
                ),
            )
        )
        files.append((BUNDLE, _json(bundle)))
        token = _token_of(bundle)
        if token is not None:
            files.append((TIMESTAMP, token))
        priority = None if view.priority is None else json_of(view.priority)
        state = {**self.rights_state(view), "priority": priority}
        anchorings = _anchorings(bundle)
        if anchorings and not anchorings[0].get("block_hash"):
            # The registry chain's block hash, read now from the chain (the bundle has none).
            anchorings[0]["block_hash"] = state.get("anchored_block_hash")
        files.append(("anchoring.json", _json({"root": bundle.get("root"), "chains": anchorings})))
        registrant = self._registrant(view)
        files.append(("registrant.json", _json(registrant)))
        files.append(("state.json", _json(state)))
        facts = _Facts(
            view=view,
            bundle=bundle,
            anchorings=anchorings,
            registrant=registrant,
            state=state,
            created_at=created_at,
            operator=self.proofs.operator_name,
            system=system_version(),
            content_included=content is not None,
            withheld=withheld,
            verification_url=_verification_url(self.proofs.public_base_url, number),
        )
        files.append(("statement.txt", statement(facts).encode("utf-8")))
        # ReportLab is imported when a report is drawn, not by every process using proofs.
        from registry.proofs.evidence_report import render_report

        files.append(("report.pdf", render_report(facts)))
        files.append((OPERATOR_KEY, key.public_key.to_pem().encode("ascii")))
        manifest = _json(
            {
                "v": EVIDENCE_VERSION,
                "number": number,
                "created_at": created_at.isoformat(),
                "system": facts.system,
                "operator": {
                    "name": self.proofs.operator_name,
                    "public_key": f"sm2:{key.public_key.to_bytes().hex()}",
                    "distinguishing_id": DEFAULT_ID.decode("ascii"),
                },
                "signature": {"file": SIGNATURE, "algorithm": SIGNATURE_ALGORITHM},
                "files": [_listed(path, data) for path, data in files],
            }
        )
        signature = key.sign_der(manifest)
        data = _zip([*files, (MANIFEST, manifest), (SIGNATURE, signature)])
        return EvidencePackage(
            number=number,
            filename=f"{number}-evidence.zip",
            data=data,
            content_included=content is not None,
        )

    def _content(self, number: str, reader: Caller | None) -> tuple[bytes | None, str | None]:
        """The work's bytes when ``reader`` may have them, else None and why not."""
        if reader is not None:
            try:
                return _read(self.registrar.content(number, reader)), None
            except NotOwnRegistration:
                pass
            except ContentNotFound as exc:
                return None, f"内容未存储 content not stored ({exc.message})"
        try:
            return _read(self.registrar.published_content(number)), None
        except ContentIsPrivate:
            return None, "未公开，仅登记人可获取 not published: only its registrant may have it"
        except TakenDown:
            return None, "已下架 taken down: the content is withheld"
        except ContentNotFound as exc:
            return None, f"内容未存储 content not stored ({exc.message})"

    def _registrant(self, view: RegistrationView) -> dict[str, object]:
        if view.party is None:
            return {"party": None, "registrant_key": view.registrant}
        verification = verification_of(self.sessions, view.party.party_id, now=self.now)
        return {
            "party": {"party_id": view.party.party_id, "public_name": view.party.public_name},
            "registrant_key": view.registrant,
            "identity_attestation": {
                "status": str(verification.status),
                "kind": verification.kind,
                "commitment": verification.commitment,
                "commitment_is": "SM3(salt ‖ identity): the identity itself is not disclosed",
                "attestor": verification.attestor,
                "issued_at": _iso(verification.issued_at),
                "expires_at": _iso(verification.expires_at),
                "revoked_at": _iso(verification.revoked_at),
                "chain_tx": verification.chain_tx,
                "revoke_tx": verification.revoke_tx,
            },
        }


def _read(chunks: Iterator[bytes]) -> bytes:
    return b"".join(chunks)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def _json(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _digests(view: RegistrationView, path: str | None, withheld: str | None) -> dict[str, object]:
    return {
        "sha256": view.sha256,
        "sm3": view.sm3,
        "cid": view.cid,
        "size": view.size,
        "file": path,
        "file_withheld": withheld,
    }


def _token_of(bundle: dict[str, object]) -> bytes | None:
    stamp = bundle.get("timestamp")
    if not isinstance(stamp, dict):
        return None
    try:
        return base64.b64decode(str(stamp.get("token")), validate=True)
    except (binascii.Error, ValueError):
        return None


def _anchorings(bundle: dict[str, object]) -> list[dict[str, object]]:
    """Each chain the root is anchored on, as the bundle says: the registry's, then every
    external one the bundle carries."""
    anchor = bundle.get("anchor")
    chains: list[dict[str, object]] = []
    if isinstance(anchor, dict):
        chains.append(
            {
                "chain": "registry",
                "chain_id": anchor.get("chain_id"),
                "contract": anchor.get("contract"),
                "tx_hash": anchor.get("tx_hash"),
                "block_number": anchor.get("block_number"),
                "block_hash": anchor.get("block_hash"),
                "anchored_at": anchor.get("anchored_at"),
            }
        )
    external = bundle.get("external_anchors")
    if isinstance(external, list):
        for entry in external:
            if isinstance(entry, dict):
                chains.append({"chain": entry.get("chain"), **entry})
    return chains


def _listed(path: str, data: bytes) -> dict[str, object]:
    return {
        "path": path,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "sm3": hashlib.new("sm3", data).hexdigest(),
    }


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for path, data in members:
            info = zipfile.ZipInfo(path, date_time=_EPOCH)
            info.external_attr = _MEMBER_MODE
            info.create_system = 3
            archive.writestr(info, data)
    return out.getvalue()


def _verification_url(public_base_url: str, number: str) -> str:
    from urllib.parse import quote

    return f"{public_base_url.rstrip('/')}/?number={quote(number)}"


# ------------------------------------------------------------------------ statement of process


@dataclass(frozen=True)
class _Facts:
    """What the statement and the report say, all read from the records."""

    view: RegistrationView
    bundle: dict[str, object]
    anchorings: list[dict[str, object]]
    registrant: dict[str, object]
    state: dict[str, object]
    created_at: datetime
    operator: str
    system: str
    content_included: bool
    withheld: str | None
    verification_url: str


def statement(facts: _Facts) -> str:
    """The statement of process (存证过程说明), Chinese first with English beside."""
    view, bundle = facts.view, facts.bundle
    party = facts.registrant.get("party")
    who = (
        f"{party['public_name']}（{party['party_id']}）"
        if isinstance(party, dict)
        else str(view.registrant or "—")
    )
    attestation = facts.registrant.get("identity_attestation")
    commitment = attestation.get("commitment") if isinstance(attestation, dict) else None
    lines = [
        "存证过程说明 Statement of process",
        "",
        f"存证编号 Registration No.: {view.number}",
        f"出具方 Operator: {facts.operator}",
        f"记录系统 Recorded by: {facts.system}",
        f"导出时间 Package created: {facts.created_at.isoformat()}",
        "",
        "一、电子数据的生成与收集 How the data was received",
        f"  {as_utc(view.registered_at).isoformat()} 收到作品《{view.title}》（{view.size} 字节），"
        "在读取时一次计算 SHA-256、SM3 与 IPFS CID。",
        f"  At {as_utc(view.registered_at).isoformat()} the work ({view.size} bytes, "
        f"'{view.title}') was received; SHA-256, SM3 and the IPFS CID were computed as it was "
        "read, in one pass.",
        f"  SHA-256 {view.sha256}",
        f"  SM3     {view.sm3}",
        f"  CID     {view.cid or '—'}",
        f"  登记人 Registrant: {who}",
        f"  身份承诺 Identity commitment: {commitment or '—'}",
        "  （仅承诺值 SM3(salt ‖ identity)，不含身份信息 the commitment only, not the identity）",
        "",
        "二、存证声明与签名 The claim and its signature",
        f"  声明按 RFC 8785 规范化，叶子 leaf = {view.leaf}；签名方式 signing: {view.signing_mode}"
        + (f"，签名 signature {view.signature}" if view.signature else "（未签名 unsigned）"),
        "",
        "三、上链存证 Anchoring",
        "  声明叶子与同批其他登记组成默克尔树，树根写入区块链合约；证明路径见 proof-bundle.json。",
        "  The leaf entered a Merkle tree with the other registrations of its batch; the root was "
        "written to the chain's contract. The path is in proof-bundle.json.",
        f"  默克尔根 Merkle root: {bundle.get('root')}",
    ]
    for chain in facts.anchorings:
        lines.append(
            f"  [{chain.get('chain')}] chain id {chain.get('chain_id')}, 合约 contract "
            f"{chain.get('contract')}, 交易 tx {chain.get('tx_hash')}, 区块 block "
            f"{chain.get('block_number')}"
            + (f" ({chain.get('block_hash')})" if chain.get("block_hash") else "")
            + f", 时间 time {chain.get('anchored_at')}"
        )
    stamp = bundle.get("timestamp")
    lines.append("")
    lines.append("四、可信时间戳 Trusted timestamp (RFC 3161)")
    if isinstance(stamp, dict):
        lines.append(
            f"  时间戳机构 TSA {stamp.get('tsa')} 于 {stamp.get('gen_time')} 对 SHA-256(leaf) "
            "签发时间戳（timestamp.tsr）。"
            f"The TSA signed SHA-256 of the leaf at {stamp.get('gen_time')}."
        )
    else:
        warning = bundle.get("timestamp_warning")
        lines.append(
            "  无时间戳 none"
            + (f"：{warning}" if warning else "（未配置时间戳机构 no TSA configured）")
        )
    lines += [
        "",
        "五、导出时的状态 State at export",
        *_priority_lines(view),
        *_state_lines(facts.state),
        "",
        "六、本包内容 This package",
        "  "
        + (
            f"包含作品文件 work/{view.number}.bin。The work itself is included."
            if facts.content_included
            else f"不含作品文件，仅含其摘要 digests only: {facts.withheld}"
        ),
        "  manifest.json 列出每个文件的 SHA-256 与 SM3；manifest.sig 为出具方以 SM2-with-SM3"
        "（ID 1234567812345678）对 manifest.json 的签名，公钥见 operator-key.pem。",
        "  manifest.json lists every file with its SHA-256 and SM3; manifest.sig is the operator's "
        "SM2-with-SM3 signature (ID 1234567812345678) over manifest.json; the public key is "
        "operator-key.pem.",
        f"  核验 Verify: banquan verify-proof {view.number}-evidence.zip；{facts.verification_url}",
        "",
    ]
    return "\n".join(lines)


def _priority_lines(view: RegistrationView) -> list[str]:
    """Who registered the same content first, as the certificate says it (and, for the first,
    that it is)."""
    if view.priority is not None and view.priority.is_first:
        lines = ["  登记先后 Priority: 本登记属首次登记 this registration holds the prior claim"]
    else:
        lines = []
    return lines + [f"  {label}: {text}" for label, text in priority_rows(view)]


def _state_lines(state: dict[str, object]) -> list[str]:
    read_at = state.get("read_at")
    lines = []
    if isinstance(read_at, dict):
        lines.append(
            f"  读取链上状态于区块 Chain state read at block {read_at.get('block_number')} "
            f"({read_at.get('block_hash')}), {read_at.get('block_time')}"
        )
    elif state.get("chain_error"):
        lines.append(f"  链上状态未能读取 chain state not read: {state.get('chain_error')}")
    takedown = state.get("takedown")
    in_db = takedown.get("database") if isinstance(takedown, dict) else None
    if isinstance(in_db, dict) and in_db.get("kind") == "revocation":
        lines.append(
            "  撤销 Revoked: 监管机构已在链上撤销此登记，永久有效 a regulator revoked this "
            f"registration on chain, for good (tx {in_db.get('tx_hash')}, reason digest "
            f"{in_db.get('reason_digest')})"
        )
    elif isinstance(takedown, dict):
        on_chain = takedown.get("chain")
        lines.append(
            "  下架 Takedown: "
            + ("有 in force" if in_db else "无 none")
            + " (数据库 database)"
            + (
                f"; 链上 chain: {'冻结 frozen' if on_chain.get('frozen') else '未冻结 not frozen'}"
                if isinstance(on_chain, dict)
                else ""
            )
        )
    asset = state.get("asset")
    if isinstance(asset, dict):
        chain = asset.get("chain")
        if isinstance(chain, dict):
            lines.append(
                f"  权利资产 Asset {asset.get('asset_id')}: 所有人 owner {asset.get('owner')}; "
                f"质押 liens {len(chain.get('liens') or [])}; 独占许可 exclusive licences "
                f"{len(chain.get('exclusive_licences') or [])}"
            )
    elif state.get("read_at") is None:
        lines.append("  权利资产未能读取 asset not read：许可与质押未知 licences and liens unknown")
    else:
        lines.append("  未通证化：无许可、无质押 not tokenized: no licence, no lien")
    return lines


# --------------------------------------------------------------------------------- the check


def check_package(
    data: bytes,
    *,
    operator_key: bytes | None = None,
    chain_for: Callable[[str], Any] | None = None,
    content: BinaryIO | None = None,
    **bundle_options: Any,
) -> BundleCheck:
    """Check an evidence package offline: the ZIP is the canonical one of its files, every file
    the manifest lists is there with its SHA-256 and SM3 (``manifest_digest:<path>``,
    ``manifest_file:<path>``) and nothing else is, the operator's SM2 signature over the
    manifest (``operator_signature``; against ``operator_key`` — PEM, or ``sm2:04…`` — when
    given, else the key the package carries), then the proof bundle as
    :func:`~registry.proofs.proof_bundle.check_bundle` does, with the work when included (or
    ``content``, a copy of the work the checker holds, when given). ``chain_for`` makes the
    chain client for the bundle's contract (with ``--rpc``)."""
    check = BundleCheck()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [(info, _raw_member(data, info)) for info in archive.infolist()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        check.results["package"] = False
        check.notes.append(f"package: not a readable ZIP ({exc})")
        return check
    files = {info.filename: raw for info, raw in members}
    damaged = [info.filename for info, raw in members if zlib.crc32(raw) != info.CRC]
    canonical = _zip([(info.filename, raw) for info, raw in members]) == data
    if MANIFEST not in files:
        check.results["manifest"] = False
        check.notes.append(f"manifest: the package has no {MANIFEST}")
        return check
    try:
        manifest = json.loads(files[MANIFEST])
        listed = {str(entry["path"]): entry for entry in manifest["files"]}
        if manifest.get("v") != EVIDENCE_VERSION:
            raise ValueError(f"not a {EVIDENCE_VERSION} manifest")
    except (ValueError, KeyError, TypeError) as exc:
        check.results["manifest"] = False
        check.notes.append(f"manifest: {exc}")
        return check
    check.results["manifest"] = True
    for path, entry in listed.items():
        raw = files.get(path)
        if raw is None:
            check.results[f"manifest_file:{path}"] = False
            check.notes.append(f"manifest: {path} is listed but missing from the package")
            continue
        ok = (
            hashlib.sha256(raw).hexdigest() == entry.get("sha256")
            and hashlib.new("sm3", raw).hexdigest() == entry.get("sm3")
            and len(raw) == entry.get("size")
        )
        check.results[f"manifest_digest:{path}"] = ok
        if not ok:
            check.notes.append(f"manifest: {path} does not match its SHA-256/SM3 in the manifest")
    unlisted = sorted(set(files) - set(listed) - {MANIFEST, SIGNATURE})
    package_ok = canonical and not damaged and not unlisted
    check.results["package"] = package_ok
    if unlisted:
        check.notes.append(f"package: files not in the manifest: {', '.join(unlisted)}")
    if damaged:
        check.notes.append(f"package: ZIP CRC does not match for {', '.join(damaged)}")
    if not canonical and not damaged and not unlisted:
        check.notes.append(
            "package: the ZIP is not the canonical one of its files (a byte changed)"
        )
    check.results["operator_signature"] = _check_operator(manifest, files, operator_key, check)
    try:
        bundle = json.loads(files.get(BUNDLE, b""))
    except ValueError as exc:
        check.results["bundle"] = False
        check.notes.append(f"bundle: {exc}")
        return check
    token = files.get(TIMESTAMP)
    if token is not None:
        check.results["timestamp_file"] = (
            token == _token_of(bundle) if isinstance(bundle, dict) else False
        )
    chain = None
    if (
        chain_for is not None
        and isinstance(bundle, dict)
        and isinstance(bundle.get("anchor"), dict)
    ):
        chain = chain_for(str(bundle["anchor"].get("contract")))
    work = files.get(f"work/{manifest.get('number')}.bin")
    if content is None and work is not None:
        content = io.BytesIO(work)
    try:
        inner = check_bundle(
            bundle,
            content=content,
            chain=chain,
            **bundle_options,
        )
    except InvalidProofBundle as exc:
        check.results["bundle"] = False
        check.notes.append(f"bundle: {exc.message}")
        return check
    check.results.update(inner.results)
    check.notes.extend(inner.notes)
    check.taken_down = inner.taken_down
    return check


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A stored member's bytes as they are in the file (no CRC check: the manifest's digests
    name which file changed)."""
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"{info.filename} is compressed; evidence packages store their files")
    offset = info.header_offset
    header = data[offset : offset + 30]
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise ValueError(f"bad local header for {info.filename}")
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    start = offset + 30 + name_length + extra_length
    end = start + info.compress_size
    if end > len(data):
        raise ValueError(f"{info.filename} is truncated")
    return data[start:end]


def _check_operator(
    manifest: dict[str, Any], files: dict[str, bytes], given: bytes | None, check: BundleCheck
) -> bool:
    signature = files.get(SIGNATURE)
    if signature is None:
        check.notes.append(f"operator signature: the package has no {SIGNATURE}")
        return False
    try:
        if given is not None:
            text = given.decode("ascii", "replace").strip()
            key = (
                SM2PublicKey.from_bytes(bytes.fromhex(text.removeprefix("sm2:")))
                if text.startswith("sm2:")
                else SM2PublicKey.from_pem(given)
            )
        else:
            key = SM2PublicKey.from_bytes(
                bytes.fromhex(str(manifest["operator"]["public_key"]).removeprefix("sm2:"))
            )
    except (CryptoError, ValueError, KeyError, TypeError) as exc:
        check.notes.append(f"operator signature: the operator key cannot be read ({exc})")
        return False
    ok = key.verify_der(files[MANIFEST], signature)
    if not ok:
        check.notes.append("operator signature: does not verify over manifest.json")
    elif given is None:
        check.notes.append(
            "operator signature: checked against the key the package carries (no --operator-key "
            "given); compare it with the key the operator publishes"
        )
    else:
        check.notes.append("operator signature: verifies with the given operator key")
    return ok


__all__ = [
    "BUNDLE",
    "EVIDENCE_VERSION",
    "MANIFEST",
    "SIGNATURE",
    "Evidence",
    "EvidencePackage",
    "RightsState",
    "check_package",
    "statement",
    "system_version",
]
