"""A copy's certificate (数字藏书证书): one A4 page saying which copy of which edition it is
(第 n 份，共 N 份), of which work, held by whom (verified display name or anonymised, as the
copy's page shows), issued and given when (Beijing time with UTC beside), under which terms, and
where to check it on chain, with a QR code to the copy's public page.

It is set with the deposit certificate's building blocks (:mod:`registry.proofs.certificate`):
the same embedded subsets of WenQuanYi Micro Hei, digests in its monospaced face, Chinese first
with English beside. Like that certificate it says what it is not: holding a copy is not holding
the work's copyright, and it is no official registration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.pagesizes import A4

from registry.core.models import Edition
from registry.core.views import RegistrationView
from registry.proofs.certificate import (
    MONO_FONT,
    QR_SIZE,
    TEXT_FONT,
    _draw_qr,
    _Page,
    beijing_and_utc,
    mm,
)

TITLE = "数字藏书证书"
TITLE_EN = "Certificate of a Numbered Copy"
DISCLAIMER = (
    "本证书证明数字藏书的编号与持有人；持有藏书不等于享有作品著作权，本证书亦非国家版权登记证书"
)
DISCLAIMER_EN = (
    "It records a numbered copy and its holder; holding a copy confers no copyright in the work, "
    "and this is no official copyright registration"
)
#: ISO 3166 numeric codes of the territories named in words.
TERRITORIES = {156: "中国 China", 344: "中国香港 Hong Kong, China", 446: "中国澳门 Macao, China"}
#: Gifts listed on the page, the latest ones (earlier ones are counted).
GIFTS_SHOWN = 6


@dataclass(frozen=True)
class CopyGiftLine:
    """One gift as the certificate lists it: when, from whom, to whom (as shown), which
    transaction."""

    at: datetime
    giver: str
    receiver: str
    tx_hash: str


@dataclass(frozen=True)
class CopyCertificateFacts:
    """Everything a copy's certificate shows (the editions service gathers it)."""

    edition_id: int
    copy_number: int
    size: int
    edition_title: str
    work: RegistrationView
    holder_display: str
    held_since: datetime
    issued_at: datetime
    issue_tx: str
    allow_list: bool
    terms: Sequence[tuple[str, str]]
    gifts: Sequence[CopyGiftLine]
    frozen: bool
    chain_id: int
    contract_address: str
    create_tx: str
    publisher: str
    issuer: str
    page_url: str


def copy_label(copy_number: int, size: int) -> str:
    """``第 n 份，共 N 份 copy n of N``."""
    return f"第 {copy_number} 份，共 {size} 份 copy {copy_number} of {size}"


def render_copy_certificate(facts: CopyCertificateFacts) -> bytes:
    """The certificate of one copy as PDF bytes."""
    width, height = A4
    left = 20 * mm
    page = _Page.new(
        f"{TITLE} {TITLE_EN} {facts.edition_id}-{facts.copy_number}",
        author=facts.issuer,
        margin=left,
    )
    canvas = page.canvas
    y = page.centred(
        height - 20 * mm,
        [(TITLE, 22, 8), (TITLE_EN, 11, 6.5), (DISCLAIMER, 7.5, 4), (DISCLAIMER_EN, 7, 9)],
    )
    canvas.setFont(TEXT_FONT, 16)
    canvas.drawCentredString(width / 2, y, f"第 {facts.copy_number} 份，共 {facts.size} 份")
    y -= 5.5 * mm
    canvas.setFont(TEXT_FONT, 10)
    canvas.drawCentredString(width / 2, y, f"copy {facts.copy_number} of {facts.size}")
    y -= 8 * mm

    state = (
        "已冻结 frozen：作品已撤销或不再存在，不可发行、不可转赠 the work is revoked or gone; "
        "no issue, no gift"
        if facts.frozen
        else "有效 in force"
    )
    y = page.row(y, "状态 Status", state, max_lines=2)
    y = page.row(y, "版本 Edition", f"{facts.edition_title}（编号 id {facts.edition_id}）")
    y = page.row(y, "出具方 Issued by", facts.issuer, max_lines=1)

    y = page.work_rows(y, facts.work)
    y = page.row(y, "存证编号 Registration No.", facts.work.number)

    y = page.section(y, "持有 Holding")
    y = page.row(y, "持有人 Holder", facts.holder_display, max_lines=2)
    y = page.row(y, "持有起 Held since", beijing_and_utc(facts.held_since), size=9)

    y = page.section(y, "版本条款 Terms (fixed on chain)")
    for label, value in facts.terms:
        y = page.row(y, label, value, size=9, max_lines=2)

    y = page.section(y, "发行与转赠 Issue and gifts")
    how = (
        "白名单预留，读者自行领取 reserved on an allow-list, claimed by the reader"
        if facts.allow_list
        else "发行方直接发行 issued by the publisher"
    )
    y = page.row(y, "发行方式 How", how, size=9)
    y = page.row(y, "发行时间 Issued", beijing_and_utc(facts.issued_at), size=9)
    y = _gift_rows(page, y, facts.gifts)

    y = page.section(y, "链上核验 Check on chain")
    for label, value in (
        ("链 Chain id", str(facts.chain_id)),
        ("合约 Editions", facts.contract_address),
        ("发行方 Publisher", facts.publisher),
        ("创建交易 Created in", facts.create_tx),
        ("发行交易 Issued in", facts.issue_tx),
    ):
        y = page.row(y, label, value, font=MONO_FONT, size=7.5)
    page.row(
        y,
        "查询 Query",
        f"holds({facts.edition_id}, {facts.copy_number}, holder, batch, proof)",
        font=MONO_FONT,
        size=7.5,
    )

    _draw_qr(canvas, facts.page_url, x=width - left - QR_SIZE, y=14 * mm)
    canvas.setFont(TEXT_FONT, 8.5)
    canvas.drawString(left, 26 * mm, "扫码或访问下列地址查看本藏书 Scan or visit to see this copy:")
    canvas.setFont(MONO_FONT, 7.5)
    canvas.drawString(left, 21.5 * mm, facts.page_url)
    return page.finish()


def _gift_rows(page: _Page, y: float, gifts: Sequence[CopyGiftLine]) -> float:
    if not gifts:
        return page.row(y, "转赠 Gifts", "尚无转赠 no gift yet")
    shown = gifts[-GIFTS_SHOWN:]
    if len(gifts) > len(shown):
        earlier = len(gifts) - len(shown)
        y = page.row(y, "转赠 Gifts", f"另有 {earlier} 次更早的转赠 {earlier} earlier gifts")
    for gift in shown:
        y = page.row(
            y,
            "转赠 Gift",
            f"{beijing_and_utc(gift.at)}  {gift.giver} → {gift.receiver}",
            size=8.5,
            max_lines=2,
        )
        y = page.row(y, "", gift.tx_hash, font=MONO_FONT, size=7)
    return y


def terms_lines(edition: Edition, price_cny: str | None) -> list[tuple[str, str]]:
    """An edition's terms as the certificate's rows, Chinese first."""
    size = edition.size
    issue, gift, daily = edition.lock_after_issue, edition.lock_after_gift, edition.daily_gift_limit
    return [
        (
            "份数 Size",
            f"共 {size} 份 {size} copies" + ("，唯一版本 sole edition" if edition.sole else ""),
        ),
        ("转赠 Transfers", "仅可赠与，不可买卖 gifts only, no sale"),
        (
            "锁定期 Lock-ups",
            f"发行后 {_days(issue)}，受赠后 {_days(gift)} "
            f"after issue {_days_en(issue)}, after a gift {_days_en(gift)}",
        ),
        ("每日转赠 Daily gifts", f"每人每日至多 {daily} 次 at most {daily}"),
        (
            "地域 Territory",
            f"{edition.territory} {TERRITORIES.get(edition.territory, '')}".strip(),
        ),
        ("标价 Price", f"{price_cny}（仅链下展示 shown off chain）" if price_cny else "—"),
        ("封面与元数据 Cover", edition.metadata_cid),
    ]


def _days(seconds: int) -> str:
    return f"{seconds / 86400:g} 天"


def _days_en(seconds: int) -> str:
    return f"{seconds / 86400:g} days"


def gift_lines(
    gifts: Sequence[tuple[datetime, str, str, str]], names: Mapping[str, str]
) -> list[CopyGiftLine]:
    """Gifts (when, from, to, transaction) with each address as the page shows it."""
    return [
        CopyGiftLine(at, names.get(giver, giver), names.get(receiver, receiver), tx)
        for at, giver, receiver, tx in gifts
    ]
