"""Registration certificates: a one-page PDF (A4) with everything needed to look the
registration up and check it, and a QR code to the public verification page.

Chinese text is drawn with ``STSong-Light``, one of the standard Adobe CJK fonts that PDF viewers
provide (not embedded: no font file needed; poppler needs poppler-data and a CJK font installed);
digests in Courier so they can be compared character by character.
"""

from __future__ import annotations

import io
from urllib.parse import quote

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm as _mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from registry.views import RegistrationView

CJK_FONT = "STSong-Light"
mm: float = float(_mm)  # reportlab is untyped; one millimetre in points
QR_SIZE = 38 * mm


def verification_url(public_base_url: str, number: str) -> str:
    """The public page that shows this registration's state."""
    return f"{public_base_url.rstrip('/')}/?number={quote(number)}"


def render_certificate(view: RegistrationView, *, public_base_url: str) -> bytes:
    """The certificate of ``view`` as PDF bytes."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    canvas.setTitle(f"banquan {view.number}")
    width, height = A4
    left, y = 22 * mm, height - 30 * mm

    canvas.setFont(CJK_FONT, 22)
    canvas.drawCentredString(width / 2, y, "作品著作权登记证书")
    y -= 9 * mm
    canvas.setFont("Helvetica", 11)
    canvas.drawCentredString(width / 2, y, "Certificate of Copyright Registration — banquan")
    y -= 16 * mm

    authors = view.metadata.get("authors")
    author_text = "、".join(map(str, authors)) if isinstance(authors, list) and authors else "—"
    rows: list[tuple[str, str, str]] = [
        ("登记号 Registration No.", view.number, "Helvetica-Bold"),
        ("作品名称 Title", view.title, CJK_FONT),
        ("作者 Authors", author_text, CJK_FONT),
        ("ISBN", str(view.metadata.get("isbn") or "—"), "Helvetica"),
        ("登记时间 Registered", view.registered_at.strftime("%Y-%m-%d %H:%M:%S UTC"), "Helvetica"),
        ("登记人 Registrant", _registrant(view), "Courier"),
        ("签名方式 Claim", view.signing_mode, "Helvetica"),
    ]
    for label, value, font in rows:
        y = _row(canvas, left, y, label, value, font)
    y -= 4 * mm
    y = _section(canvas, left, y, "作品指纹 Content digests")
    digests = (("SHA-256", view.sha256), ("SM3", view.sm3), ("IPFS CID", view.cid or "—"))
    for label, value in digests:
        y = _row(canvas, left, y, label, value, "Courier")
    y -= 4 * mm
    y = _section(canvas, left, y, "区块链存证 Anchoring")
    if view.anchor is None:
        y = _row(canvas, left, y, "状态 Status", "待上链 pending", CJK_FONT)
    else:
        anchor = view.anchor
        anchored_at = (
            anchor.anchored_at.strftime("%Y-%m-%d %H:%M:%S UTC") if anchor.anchored_at else "—"
        )
        for label, value in (
            ("链 Chain id", str(anchor.chain_id)),
            ("合约 Contract", anchor.contract_address or "—"),
            ("交易 Transaction", anchor.tx_hash or "—"),
            ("区块 Block", f"{anchor.block_number} ({anchored_at})"),
            ("默克尔根 Root", anchor.root),
        ):
            y = _row(canvas, left, y, label, value, "Courier")

    url = verification_url(public_base_url, view.number)
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, width - left - QR_SIZE, 22 * mm)
    canvas.setFont(CJK_FONT, 9)
    canvas.drawString(left, 34 * mm, "扫码或访问下列地址核验本登记 Scan or visit to verify:")
    canvas.setFont("Courier", 8)
    canvas.drawString(left, 29 * mm, url)
    canvas.setFont(CJK_FONT, 8)
    canvas.drawString(
        left,
        22 * mm,
        "核验无需信任登记机构：banquan verify-proof 可离线检查证明 (docs/proof-bundle.md)",
    )
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _registrant(view: RegistrationView) -> str:
    if view.registrant is None:
        return "—"
    algorithm, _, key = view.registrant.partition(":")
    return f"{algorithm} {key[:18]}…{key[-8:]}"


def _section(canvas: Canvas, left: float, y: float, title: str) -> float:
    canvas.setFont(CJK_FONT, 12)
    canvas.drawString(left, y, title)
    canvas.line(left, y - 2 * mm, A4[0] - left, y - 2 * mm)
    return y - 8 * mm


def _row(canvas: Canvas, left: float, y: float, label: str, value: str, font: str) -> float:
    canvas.setFont(CJK_FONT, 9)
    canvas.drawString(left, y, label)
    size = 8 if font == "Courier" else 11
    canvas.setFont(font, size)
    # Long identifiers (hashes, CIDs) wrap rather than run off the page.
    width = 66 if font == "Courier" else 40
    lines = [value[i : i + width] for i in range(0, len(value), width)] or [""]
    for line in lines:
        canvas.drawString(left + 48 * mm, y, line)
        y -= 5.5 * mm
    return y - 1 * mm
