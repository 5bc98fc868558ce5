"""A copy's public page (数字藏书证书): copy n of N, the holder by verified name or anonymised,
its gifts, the edition's terms and where to check it on chain — Chinese first, English beside.
Rendered on the server, no script; the only style is inline and allowed by its hash."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response

from api.routes.editions import CopyNumber, EditionId
from registry.editions import CopyView, Editions, EditionView

STYLE = (
    "body{font-family:system-ui,'PingFang SC','Noto Sans CJK SC',sans-serif;max-width:44rem;"
    "margin:2rem auto;padding:0 1rem;color:#222}h1{font-size:1.5rem}.n{font-size:2.2rem;"
    "font-weight:700}.en{color:#666;font-size:.9em}table{border-collapse:collapse;width:100%}"
    "td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}.frozen{color:#b00}"
    "code{word-break:break-all}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
HEADERS = {
    "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _days(seconds: int) -> str:
    return f"{seconds / 86400:g} 天 days"


def render_copy_page(
    edition: EditionView, copy: CopyView, names: dict[str, str], contract: str
) -> str:
    """The page of ``copy``; ``names`` shows each address of its history (verified name or
    anonymised)."""
    gifts = "".join(
        f"<tr><td>{escape(_day(g.gifted_at))}</td><td>{escape(names[g.from_address])}</td>"
        f"<td>{escape(names[g.to_address])}</td><td><code>{escape(g.tx_hash)}</code></td></tr>"
        for g in copy.gifts
    )
    history = (
        "<table><tr><th>时间 <span class=en>when</span></th><th>赠与人 <span class=en>from</span>"
        "</th><th>受赠人 <span class=en>to</span></th><th>交易 <span class=en>transaction</span>"
        f"</th></tr>{gifts}</table>"
        if gifts
        else "<p>尚无转赠 <span class=en>no gift yet</span></p>"
    )
    if edition.revoked:
        frozen = (
            "<p class=frozen>该作品的登记已被监管机构撤销，本版本永久冻结：不可发行、不可转赠、"
            "不可阅读。<span class=en>The work's registration was revoked by a regulator: the "
            "edition is frozen for good.</span></p>"
        )
    elif edition.frozen:
        frozen = (
            "<p class=frozen>该作品已下架，本版本已冻结：不可发行、不可转赠。"
            "<span class=en>The work is taken down: the edition is frozen.</span></p>"
        )
    else:
        frozen = ""
    title = escape(edition.title)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>《{title}》第 {copy.copy_number} 份，共 {copy.size} 份 —
copy {copy.copy_number} of {copy.size}</title>
<style>{STYLE}</style></head><body>
<h1>《{title}》数字藏书 <span class=en>numbered edition</span></h1>
<p class=n>第 {copy.copy_number} 份，共 {copy.size} 份</p>
<p class=en>copy {copy.copy_number} of {copy.size}</p>
{frozen}
<table>
<tr><th>持有人 <span class=en>holder</span></th><td>{escape(copy.holder_display)}</td></tr>
<tr><th>持有起 <span class=en>held since</span></th><td>{escape(_day(copy.received_at))}</td></tr>
<tr><th>作品登记号 <span class=en>registration</span></th><td>{escape(copy.number)}</td></tr>
<tr><th>发行方 <span class=en>publisher</span></th>
<td><code>{escape(edition.publisher)}</code></td></tr>
<tr><th>转赠规则 <span class=en>gift rules</span></th><td>仅可转赠，不可买卖；发行后锁定
{escape(_days(edition.lock_after_issue))}，受赠后锁定 {escape(_days(edition.lock_after_gift))}，
每人每日至多转赠 {edition.daily_gift_limit} 次
<span class=en>gifts only, no sale; lock-up after issue and after a gift; daily gift limit</span>
</td></tr>
<tr><th>链上核验 <span class=en>check on chain</span></th>
<td>Editions <code>{escape(contract)}</code>,
版本 <span class=en>edition</span> {edition.edition_id},
<code>holds({edition.edition_id}, {copy.copy_number}, holder, …)</code></td></tr>
</table>
<h2>转赠记录 <span class=en>gifts</span></h2>
{history}
<p><a href="{copy.copy_number}/certificate.pdf">数字藏书证书 (PDF)
<span class=en>certificate</span></a></p>
</body></html>
"""


def install_edition_pages(app: FastAPI, editions: Editions) -> None:
    """Serve a copy's page at ``/editions/{edition_id}/copies/{copy_number}`` and its certificate
    at ``…/certificate.pdf``."""

    @app.get(
        "/editions/{edition_id}/copies/{copy_number}",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def copy_page(edition_id: EditionId, copy_number: CopyNumber) -> HTMLResponse:
        edition = editions.show(edition_id)
        copy = editions.copy(edition_id, copy_number)
        addresses = {g.from_address for g in copy.gifts} | {g.to_address for g in copy.gifts}
        names = {address: editions.display(address) for address in addresses}
        page = render_copy_page(edition, copy, names, editions.contract_address())
        return HTMLResponse(page, headers=HEADERS)

    @app.get(
        "/editions/{edition_id}/copies/{copy_number}/certificate.pdf",
        response_class=Response,
        include_in_schema=False,
    )
    def copy_certificate(edition_id: EditionId, copy_number: CopyNumber) -> Response:
        pdf = editions.certificate(edition_id, copy_number)
        return Response(pdf, media_type="application/pdf")
