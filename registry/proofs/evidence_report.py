"""The 存证报告 (evidence report) of an evidence package: one A4 page, Chinese with English beside,
set in the certificate's embedded font, with two QR codes: the verification page of the
registration number, and the transaction that anchored its root."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib.pagesizes import A4

from registry.proofs.certificate import (
    MONO_FONT,
    QR_SIZE,
    SIGNING_WORDS,
    TEXT_FONT,
    _draw_qr,
    _Page,
    beijing_and_utc,
    mm,
    priority_rows,
)

if TYPE_CHECKING:
    from registry.proofs.evidence import _Facts

TITLE = "电子数据存证报告"
TITLE_EN = "Evidence Report of Electronic Data"
DISCLAIMER = "本报告由区块链存证平台出具，不是国家版权登记证书；可按包内说明独立核验"
DISCLAIMER_EN = (
    "Issued by a blockchain deposit platform, not an official copyright registration; "
    "anyone can check it as the package explains"
)


def anchor_qr_text(facts: _Facts) -> str:
    """What the second QR code holds: the registry chain's id and the root's transaction."""
    first = facts.anchorings[0] if facts.anchorings else {}
    return f"chain:{first.get('chain_id')} tx:{first.get('tx_hash')}"


def render_report(facts: _Facts) -> bytes:
    """The report as PDF bytes."""
    view = facts.view
    left = 20 * mm
    page = _Page.new(f"{TITLE} {TITLE_EN} {view.number}", author=facts.operator, margin=left)
    canvas = page.canvas
    y = page.centred(
        A4[1] - 20 * mm,
        [(TITLE, 21, 8), (TITLE_EN, 11, 6.5), (DISCLAIMER, 8, 4), (DISCLAIMER_EN, 8, 7)],
    )

    y = page.row(y, "存证编号 Registration No.", view.number, size=12)
    y = page.row(y, "作品名称 Title", view.title, max_lines=1)
    y = page.row(y, "出具方 Operator", facts.operator, max_lines=1)
    y = page.row(y, "记录系统 System", facts.system, max_lines=1)
    y = page.row(y, "导出时间 Exported", beijing_and_utc(facts.created_at), size=9)

    y = page.section(y, "作品与指纹 Work and digests")
    y = page.row(y, "存证时间 Registered", beijing_and_utc(view.registered_at), size=9)
    for label, prior in priority_rows(view):  # as the certificate names the prior registration
        y = page.row(y, label, prior, size=9, max_lines=2)
    for label, value in (("SHA-256", view.sha256), ("SM3", view.sm3), ("IPFS CID", view.cid)):
        y = page.row(y, label, value or "—", font=MONO_FONT, size=7.5)
    included = (
        f"包含 included: work/{view.number}.bin ({view.size} bytes)"
        if facts.content_included
        else f"仅摘要 digests only — {facts.withheld}"
    )
    y = page.row(y, "作品文件 The file", included, size=9, max_lines=2)

    y = page.section(y, "登记人 Registrant")
    party = facts.registrant.get("party")
    if isinstance(party, dict):
        name = f"{party['public_name']}（{party['party_id']}）"
        y = page.row(y, "登记人 Party", name, size=9, max_lines=1)
    key = facts.registrant.get("registrant_key")
    if key:
        y = page.row(y, "签名密钥 Signing key", str(key), font=MONO_FONT, size=7, max_lines=2)
    signing = SIGNING_WORDS.get(view.signing_mode, view.signing_mode)
    y = page.row(y, "签名方式 Signature", signing, size=9, max_lines=1)
    attestation = facts.registrant.get("identity_attestation")
    commitment = attestation.get("commitment") if isinstance(attestation, dict) else None
    status = attestation.get("status") if isinstance(attestation, dict) else None
    y = page.row(
        y, "实名承诺 Identity", f"{status or '—'}  {commitment or ''}", font=MONO_FONT, size=7.5
    )

    y = page.section(y, "区块链存证 Anchoring")
    y = page.row(y, "默克尔根 Merkle root", str(facts.bundle.get("root")), font=MONO_FONT, size=7.5)
    for chain in facts.anchorings:
        chain_name = chain.get("chain")
        label = "本链 Registry chain" if chain_name == "registry" else f"外部链 {chain_name}"
        where = (
            f"chain id {chain.get('chain_id')} · 区块 block {chain.get('block_number')} · "
            f"{chain.get('anchored_at')}"
        )
        y = page.row(y, label, where, size=8.5, max_lines=1)
        y = page.row(y, "  交易 Transaction", str(chain.get("tx_hash")), font=MONO_FONT, size=7.5)
        block_hash = str(chain.get("block_hash") or "—")
        y = page.row(y, "  区块哈希 Block hash", block_hash, font=MONO_FONT, size=7.5)
    stamp = facts.bundle.get("timestamp")
    stamped = (
        f"{stamp.get('gen_time')}  {stamp.get('tsa')}" if isinstance(stamp, dict) else "无 none"
    )
    y = page.row(y, "时间戳 RFC 3161", stamped, size=8.5, max_lines=2)

    y = page.section(y, "导出时状态 State at export")
    read_at = facts.state.get("read_at")
    if isinstance(read_at, dict):
        y = page.row(
            y,
            "读取区块 Block read",
            f"{read_at.get('block_number')}  {read_at.get('block_hash')}",
            font=MONO_FONT,
            size=7.5,
        )
    takedown = facts.state.get("takedown")
    in_db = takedown.get("database") if isinstance(takedown, dict) else None
    if isinstance(in_db, dict) and in_db.get("kind") == "revocation":
        y = page.row(
            y, "撤销 Revoked", "监管机构已撤销，永久 revoked by a regulator, for good", size=9
        )
    else:
        y = page.row(y, "下架 Takedown", "有 in force" if in_db else "无 none", size=9)
    asset = facts.state.get("asset")
    if isinstance(asset, dict) and isinstance(asset.get("chain"), dict):
        chain_state = asset["chain"]
        encumbered = (
            f"质押 liens {len(chain_state.get('liens') or [])}，独占许可 exclusive licences "
            f"{len(chain_state.get('exclusive_licences') or [])}"
        )
    elif facts.state.get("read_at") is None:
        encumbered = "未能读取链上状态 chain not read: 许可与质押未知 licences and liens unknown"
    else:
        encumbered = "未通证化 not tokenized: 无许可、无质押 no licence, no lien"
    y = page.row(y, "许可与质押 Licences, liens", encumbered, size=9)

    qr_y = 16 * mm
    _draw_qr(canvas, facts.verification_url, x=left, y=qr_y)
    _draw_qr(canvas, anchor_qr_text(facts), x=left + QR_SIZE + 12 * mm, y=qr_y)
    canvas.setFont(TEXT_FONT, 7.5)
    canvas.drawString(left, qr_y - 4 * mm, "核验页 Verification page")
    canvas.drawString(left + QR_SIZE + 12 * mm, qr_y - 4 * mm, "上链交易 Root's transaction")
    text_x = left + 2 * QR_SIZE + 22 * mm
    canvas.setFont(TEXT_FONT, 8)
    for offset, line in enumerate(
        (
            "核验 How to check:",
            f"banquan verify-proof {view.number}-evidence.zip",
            "manifest.json: 每个文件的 SHA-256 与 SM3",
            "manifest.sig: 出具方 SM2 签名 operator's SM2",
            "详见 statement.txt 与 docs/evidence.md",
        )
    ):
        canvas.drawString(text_x, qr_y + QR_SIZE - 4 * mm - offset * 5 * mm, line)
    return page.finish()
