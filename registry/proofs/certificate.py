"""Deposit certificates: a one-page PDF (A4) with everything needed to look a registration up and
check it, and a QR code to the public verification page.

banquan is a private registry, so the certificate is called what it is, 数字作品存证证书
(Certificate of Digital Work Deposit), and says under its heading that it is not the national
copyright registration certificate, whose title a private registry must not use.

All text is set in WenQuanYi Micro Hei (Apache-2.0; the TrueType collection shipped by the
``paperang-p2-fonts-cjk`` package), embedded as subsets of the glyphs the page uses, so the
certificate reads the same on a machine without any CJK font (or any font at all); digests are in
its monospaced face so they can be compared character by character. Times are in Beijing time
(UTC+8, no daylight saving) with UTC beside.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from importlib.resources import as_file, files
from urllib.parse import quote

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm as _mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from registry.core.rights import right_words
from registry.core.states import RegistrationStatus
from registry.core.views import RegistrationView, as_utc

FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_FILE = "fonts/wqy-microhei.ttc"
TEXT_FONT = "WenQuanYiMicroHei"  # subfont 0 of the collection
MONO_FONT = "WenQuanYiMicroHeiMono"  # subfont 1
mm: float = float(_mm)  # reportlab is untyped; one millimetre in points
QR_SIZE = 32 * mm
BEIJING = timezone(timedelta(hours=8))
LINE = 4.6 * mm
VALUE_INDENT = 46 * mm
CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"  # CJK scripts, punctuation, full-width forms
BREAKABLE = re.compile(f"[{CJK}]|[^\\s{CJK}]+\\s*|\\s+")  # a line may break after each

TITLE = "数字作品存证证书"
TITLE_EN = "Certificate of Digital Work Deposit"
DISCLAIMER = "本证书为区块链存证凭证，不是国家版权登记证书"
DISCLAIMER_EN = (
    "This is a blockchain deposit record, not an official copyright registration certificate"
)

SIGNING_WORDS = {
    "client": "存证人自行签名 signed by the registrant",
    "custodial": "托管签名 signed by the registry with a key held for the registrant",
    "unsigned": "未签名 unsigned",
}


def verification_url(public_base_url: str, number: str) -> str:
    """The public page that shows this registration's state."""
    return f"{public_base_url.rstrip('/')}/?number={quote(number)}"


def registrant_name(view: RegistrationView) -> str:
    """Who the certificate names as registrant: the public name of the party the registration
    belongs to, else the identifier of the key that signed the claim
    (``<algorithm>:<public key hex>``), ``—`` for neither."""
    if view.party is not None:
        return view.party.public_name
    return view.registrant or "—"


def rights_in_words(view: RegistrationView) -> list[str]:
    """The rights the registration claims, in art. 10 order, in Chinese with English beside."""
    claimed = view.metadata.get("rights")
    if not isinstance(claimed, list):
        return []
    return right_words(str(name) for name in claimed)


def beijing_and_utc(moment: datetime) -> str:
    """``moment`` in Beijing time, labelled, with UTC beside."""
    utc = as_utc(moment)
    beijing = utc.astimezone(BEIJING)
    return f"{beijing:%Y-%m-%d %H:%M:%S} 北京时间 (UTC+8)    {utc:%Y-%m-%d %H:%M:%S} UTC"


def priority_rows(view: RegistrationView) -> list[tuple[str, str]]:
    """The row naming the prior registration of the same content (and whether it is taken down
    or revoked) when ``view``'s party was not first to register it; the count of later
    claimants when it was and others followed."""
    priority = view.priority
    if priority is None:
        return []
    if not priority.is_first:
        first = priority.first
        # As every other face says it: a revocation is also a takedown, told as the stronger.
        # A prior claim moderation still holds is told as such: it may yet be rejected.
        state = (
            "（已撤销 revoked）"
            if first.revoked
            else "（已下架 taken down）"
            if first.taken_down
            else "（待审核 held for review）"
            if first.status == RegistrationStatus.HELD
            else ""
        )
        return [
            (
                "在先登记 Prior registration",
                f"{first.number} {first.claimant or '—'}，"
                f"{beijing_and_utc(first.registered_at)}{state}",
            )
        ]
    if priority.later:
        count = len(priority.later)
        return [
            (
                "后续登记 Later claimants",
                f"另有 {count} 个当事人在后登记相同内容 {count} other "
                f"part{'y' if count == 1 else 'ies'} registered the same content later",
            )
        ]
    return []


def render_certificate(view: RegistrationView, *, public_base_url: str, issuer: str) -> bytes:
    """The certificate of ``view`` as PDF bytes; ``issuer`` is the operator who issues it."""
    width, height = A4
    left = 22 * mm
    page = _Page.new(f"{TITLE} {TITLE_EN} {view.number}", author=issuer, margin=left)
    canvas = page.canvas
    y = page.centred(
        height - 24 * mm,
        [(TITLE, 24, 9), (TITLE_EN, 12, 8), (DISCLAIMER, 9, 4.5), (DISCLAIMER_EN, 8.5, 10)],
    )

    y = page.row(y, "存证编号 Registration No.", view.number, size=13)
    y = page.row(y, "出具方 Issued by", issuer, max_lines=1)

    y = page.work_rows(y, view)
    rights = rights_in_words(view)
    # Never cut short: all 17 rights fit in six lines at this size.
    y = page.items_row(
        y, "主张的权利 Rights claimed", rights or ["—"], separator="、", size=9, max_lines=17
    )

    y = page.section(y, "存证人与时间 Registrant and times")
    if view.party is not None:
        y = page.row(y, "存证人 Registrant", f"{view.party.public_name}（{view.party.party_id}）")
        if view.registrant:
            y = page.row(y, "签名密钥 Signing key", view.registrant, font=MONO_FONT, size=8)
    else:
        y = page.row(y, "存证人 Registrant", registrant_name(view), font=MONO_FONT, size=8)
    signing = SIGNING_WORDS.get(view.signing_mode, view.signing_mode)
    y = page.row(y, "签名方式 Signature", signing)
    y = page.row(y, "存证时间 Registered", beijing_and_utc(view.registered_at))
    anchored_at = view.anchor.anchored_at if view.anchor is not None else None
    anchored = beijing_and_utc(anchored_at) if anchored_at is not None else "待上链 pending"
    y = page.row(y, "上链时间 Anchored", anchored)
    for label, text in priority_rows(view):
        y = page.row(y, label, text, max_lines=2)

    y = page.section(y, "作品指纹 Content digests")
    for label, value in (("SHA-256", view.sha256), ("SM3", view.sm3), ("IPFS CID", view.cid)):
        y = page.row(y, label, value or "—", font=MONO_FONT, size=8)

    y = page.section(y, "区块链存证 Anchoring")
    if view.anchor is None:
        page.row(y, "状态 Status", "待上链 pending")
    else:
        anchor = view.anchor
        confirmed = "已确认 confirmed" if anchor.confirmed else "待确认 awaiting confirmations"
        block = f"{anchor.block_number} ({confirmed})" if anchor.block_number is not None else "—"
        for label, value, font in (
            ("链 Chain id", str(anchor.chain_id or "—"), MONO_FONT),
            ("合约 Contract", anchor.contract_address or "—", MONO_FONT),
            ("交易 Transaction", anchor.tx_hash or "—", MONO_FONT),
            ("区块 Block", block, TEXT_FONT),
            ("默克尔根 Merkle root", anchor.root, MONO_FONT),
        ):
            y = page.row(y, label, value, font=font, size=8 if font == MONO_FONT else 10)

    url = verification_url(public_base_url, view.number)
    _draw_qr(canvas, url, x=width - left - QR_SIZE, y=18 * mm)
    canvas.setFont(TEXT_FONT, 9)
    canvas.drawString(left, 30 * mm, "扫码或访问下列地址核验本存证 Scan or visit to verify:")
    canvas.setFont(MONO_FONT, 8)
    canvas.drawString(left, 25 * mm, url)
    canvas.setFont(TEXT_FONT, 8)
    canvas.drawString(
        left,
        18 * mm,
        "核验无需信任出具方：banquan verify-proof 可离线检查证明 (docs/proof-bundle.md)",
    )
    return page.finish()


def _register_fonts() -> None:
    """Register the fonts with ReportLab once: TrueType faces, which it embeds as subsets of the
    glyphs used."""
    if MONO_FONT in pdfmetrics.getRegisteredFontNames():
        return
    with as_file(files(FONT_PACKAGE).joinpath(FONT_FILE)) as path:
        for index, name in enumerate((TEXT_FONT, MONO_FONT)):
            pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))


def _draw_qr(canvas: Canvas, url: str, *, x: float, y: float) -> None:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0]
    )
    drawing.initialFontName = TEXT_FONT  # not the default Helvetica, which is not embedded
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


class _Page:
    """One A4 page: centred headings, labelled rows and sections, top to bottom; each call
    returns the next baseline."""

    def __init__(self, canvas: Canvas, out: io.BytesIO, *, left: float, right: float) -> None:
        self.canvas = canvas
        self.out = out
        self.left = left
        self.right = right

    @classmethod
    def new(cls, title: str, *, author: str, margin: float) -> _Page:
        """A page in the embedded fonts, ``margin`` from either side."""
        _register_fonts()
        out = io.BytesIO()
        canvas = Canvas(out, pagesize=A4, invariant=True, initialFontName=TEXT_FONT)
        canvas.setTitle(title)
        canvas.setAuthor(author)
        return cls(canvas, out, left=margin, right=A4[0] - margin)

    def work_rows(self, y: float, view: RegistrationView) -> float:
        """The section on the registered work: its title, authors and ISBN."""
        y = self.section(y, "作品 Work")
        authors = view.metadata.get("authors")
        author_text = "、".join(map(str, authors)) if isinstance(authors, list) and authors else "—"
        y = self.row(y, "作品名称 Title", view.title, max_lines=2)
        y = self.row(y, "作者 Authors", author_text, max_lines=2)
        return self.row(y, "ISBN", str(view.metadata.get("isbn") or "—"))

    def finish(self) -> bytes:
        """The document, as PDF bytes."""
        self.canvas.showPage()
        self.canvas.save()
        return self.out.getvalue()

    def centred(self, y: float, lines: Sequence[tuple[str, float, float]]) -> float:
        """Each of ``lines`` (text, font size, millimetres down to the next) centred on the
        page."""
        size_set = None
        for text, size, down in lines:
            if size != size_set:
                self.canvas.setFont(TEXT_FONT, size)
                size_set = size
            self.canvas.drawCentredString(A4[0] / 2, y, text)
            y -= down * mm
        return y

    def section(self, y: float, title: str) -> float:
        y -= 2 * mm
        self.canvas.setFont(TEXT_FONT, 11)
        self.canvas.drawString(self.left, y, title)
        self.canvas.line(self.left, y - 1.8 * mm, self.right, y - 1.8 * mm)
        return y - 6.5 * mm

    def row(
        self,
        y: float,
        label: str,
        value: str,
        *,
        font: str = TEXT_FONT,
        size: float = 10,
        max_lines: int = 3,
    ) -> float:
        return self.items_row(y, label, _tokens(value), font=font, size=size, max_lines=max_lines)

    def items_row(
        self,
        y: float,
        label: str,
        items: Sequence[str],
        *,
        separator: str = "",
        font: str = TEXT_FONT,
        size: float = 10,
        max_lines: int = 6,
    ) -> float:
        """A row whose value is ``items`` joined by ``separator``, wrapped between items (and
        inside an item only when it is wider than the line)."""
        self.canvas.setFont(TEXT_FONT, 9)
        self.canvas.drawString(self.left, y, label)
        self.canvas.setFont(font, size)
        pieces = [item + separator for item in items[:-1]] + list(items[-1:])
        width = self.right - self.left - VALUE_INDENT
        for line in _wrap(pieces, font, size, width, max_lines):
            self.canvas.drawString(self.left + VALUE_INDENT, y, line)
            y -= LINE
        return y - 0.8 * mm


def _tokens(text: str) -> list[str]:
    """Break points of ``text``: each CJK character, each word with the spaces after it."""
    return BREAKABLE.findall(text)


def _wrap(pieces: Sequence[str], font: str, size: float, width: float, max_lines: int) -> list[str]:
    """``pieces`` laid greedily into lines no wider than ``width``; a piece wider than a line is
    broken anywhere (digests, CIDs); past ``max_lines`` the last line ends in an ellipsis."""

    def fits(text: str) -> bool:
        return float(pdfmetrics.stringWidth(text, font, size)) <= width

    lines: list[str] = []
    line = ""
    for piece in pieces:
        for part in [piece] if fits(piece) else list(piece):
            if line and not fits(line + part.rstrip()):
                lines.append(line.rstrip())
                line = part.lstrip()
            else:
                line += part
    lines.append(line.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and not fits(last + "…"):
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines
