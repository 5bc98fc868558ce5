"""``banquan edition``: numbered editions (数字藏书) of registered works, signed with your own key.

The key stays with the user: it is read from the user's keystore (``banquan keys new
--algorithm secp256k1``) and signs here; the editions service runs its checks and sends through
a :class:`TransactionSender` for that account. Exit status 2 and the error code on any refusal;
``--json`` for scripts.
"""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.deferred_help import DeferredHelp
from cli.keys import PasswordFile, ethereum_account
from cli.output import AsJson, refused, show_fields
from cli.runtime import registry_runtime
from registry.core.errors import InvalidInput

if TYPE_CHECKING:
    from chain_client.editions import EditionTerms
    from chain_client.transactions import TransactionSender
    from registry.platform import Runtime

edition_app = typer.Typer(
    help="数字藏书 Numbered editions of registered works, signed with your own key."
)

Key = Annotated[
    Path,
    typer.Option(
        "--key", help="你的 secp256k1 密钥库 Your secp256k1 keystore (the acting account)",
        exists=True, dir_okay=False,
    ),
]  # fmt: skip
EditionId = Annotated[int, typer.Argument(help="版本编号 The edition's id")]
CopyNumber = Annotated[int, typer.Argument(help="藏书编号 Copy number")]
DAY = 24 * 3600
# An edition's terms, as `create` sets them and `amend` replaces them.
Cover = Annotated[str, typer.Option(help="封面/元数据 CID Cover/metadata CID")]
Size = Annotated[int, typer.Option(help="份数 Number of copies N")]
LockAfterIssueDays = Annotated[float, typer.Option(help="发行后锁定天数 Lock-up after issue")]
LockAfterGiftDays = Annotated[float, typer.Option(help="受赠后锁定天数 Lock-up after a gift")]
DailyGiftLimit = Annotated[int, typer.Option(help="每日赠送上限 Gifts per holder per day")]
Territory = Annotated[int, typer.Option(help="地域 ISO 3166-1 numeric")]
Sole = Annotated[bool, typer.Option(help="该作品唯一版本 The work's only edition")]
Price = Annotated[str | None, typer.Option(help="展示价格（元，仅链下）Price in CNY, off chain")]


def _sender(runtime: Runtime, key: Path, password_file: Path | None) -> TransactionSender:
    from chain_client.transactions import TransactionSender

    return TransactionSender(runtime.w3, ethereum_account(key, password_file))


def _terms(
    size: int,
    territory: int,
    lock_after_issue_days: float,
    lock_after_gift_days: float,
    daily_gift_limit: int,
    sole: bool,
) -> EditionTerms:
    from chain_client.editions import EditionTerms

    return EditionTerms(
        size=size, territory=territory, lock_after_issue=int(lock_after_issue_days * DAY),
        lock_after_gift=int(lock_after_gift_days * DAY), daily_gift_limit=daily_gift_limit,
        sole=sole,
    )  # fmt: skip


@edition_app.command(name="create", cls=DeferredHelp)
def create_command(
    number: Annotated[str, typer.Argument(help="登记号 Registration number (BQ-…)")],
    key: Key,
    title: Annotated[str, typer.Option(help="书名 Title of the edition")],
    cover: Cover,
    size: Size,
    lock_after_issue_days: LockAfterIssueDays = 180,
    lock_after_gift_days: LockAfterGiftDays = 730,
    daily_gift_limit: DailyGiftLimit = 1,
    territory: Territory = 156,
    sole: Sole = False,
    price: Price = None,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """创建数字藏书版本 Create a numbered edition of a registered work; your key (the owner of the
    work's rights asset, or a licensee of its information-network right) publishes it."""
    with registry_runtime(as_json=as_json) as runtime:
        terms = _terms(
            size, territory, lock_after_issue_days, lock_after_gift_days, daily_gift_limit, sole
        )
        view = runtime.editions.create(
            _sender(runtime, key, password_file), number, title=title, metadata_cid=cover,
            terms=terms, price_fen=_price(price),
        )  # fmt: skip
        show_fields(as_json, asdict(view))


@edition_app.command(name="amend", cls=DeferredHelp)
def amend_command(
    edition_id: EditionId,
    key: Key,
    cover: Cover,
    size: Size,
    lock_after_issue_days: LockAfterIssueDays = 180,
    lock_after_gift_days: LockAfterGiftDays = 730,
    daily_gift_limit: DailyGiftLimit = 1,
    territory: Territory = 156,
    sole: Sole = False,
    price: Price = None,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """修改版本条款 Replace an edition's terms (its publisher), only before the first copy is
    issued: after that they are fixed (edition_terms_locked)."""
    with registry_runtime(as_json=as_json) as runtime:
        terms = _terms(
            size, territory, lock_after_issue_days, lock_after_gift_days, daily_gift_limit, sole
        )
        view = runtime.editions.amend_terms(
            _sender(runtime, key, password_file), edition_id, metadata_cid=cover, terms=terms,
            price_fen=_price(price),
        )  # fmt: skip
        show_fields(as_json, asdict(view))


def _price(price: str | None) -> int | None:
    from registry.editions import price_fen

    return price_fen(price, field="--price")


def _catalogue_file(purpose: str) -> Any:
    """The CSV argument of a catalogue of readers and copy numbers, ``purpose`` naming it."""
    return typer.Argument(
        help=f"{purpose} CSV: reader (party id or address), copy_number",
        exists=True,
        dir_okay=False,
    )


def _catalogue(path: Path, as_json: bool) -> list[tuple[str, int]]:
    rows: list[tuple[str, int]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, record in enumerate(csv.reader(handle), start=1):
            if not record or record[0].strip() in ("", "reader"):
                continue
            try:
                rows.append((record[0].strip(), int(record[1])))
            except (IndexError, ValueError):
                raise refused(
                    InvalidInput(
                        f"清单第 {line} 行无效 catalogue line {line} is not reader,copy_number"
                    ),
                    as_json=as_json,
                ) from None
    return rows


@edition_app.command(name="allow-list", cls=DeferredHelp)
def allow_list_command(
    edition_id: EditionId,
    catalogue: Annotated[Path, _catalogue_file("预约清单")],
    key: Key,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """发布领取名单 Reserve the next copies for readers, who claim them (checked then)."""
    rows = _catalogue(catalogue, as_json)
    with registry_runtime(as_json=as_json) as runtime:
        batch = runtime.editions.post_allow_list(
            _sender(runtime, key, password_file), edition_id, rows
        )
        show_fields(as_json, {"edition_id": edition_id, "copies": len(rows), "batch": batch})


@edition_app.command(name="claim", cls=DeferredHelp)
def claim_command(
    edition_id: EditionId,
    copy: CopyNumber,
    key: Key,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """领取藏书 Claim the copy reserved for you (you must be a verified adult)."""
    with registry_runtime(as_json=as_json) as runtime:
        view = runtime.editions.claim(_sender(runtime, key, password_file), edition_id, copy)
        show_fields(as_json, asdict(view))


@edition_app.command(name="issue", cls=DeferredHelp)
def issue_command(
    edition_id: EditionId,
    catalogue: Annotated[Path, _catalogue_file("发行清单")],
    key: Key,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """发行藏书 Issue copies to verified adult readers: one Merkle root per batch of copies."""
    rows = _catalogue(catalogue, as_json)
    with registry_runtime(as_json=as_json) as runtime:
        batches = runtime.editions.issue(_sender(runtime, key, password_file), edition_id, rows)
        show_fields(as_json, {"edition_id": edition_id, "copies": len(rows), "batches": batches})


@edition_app.command(name="show", cls=DeferredHelp)
def show_command(
    edition_id: EditionId,
    copy: Annotated[int | None, typer.Option(help="藏书编号 Show this copy (its page)")] = None,
    as_json: AsJson = False,
) -> None:
    """查看版本或藏书 Show an edition, or one copy: 第 n 份，共 N 份, holder, gifts."""
    with registry_runtime(as_json=as_json) as runtime:
        if copy is None:
            show_fields(as_json, asdict(runtime.editions.show(edition_id)))
            return
        view = runtime.editions.copy(edition_id, copy)
        show_fields(
            as_json,
            {
                "label": f"第 {view.copy_number} 份，共 {view.size} 份 "
                f"copy {view.copy_number} of {view.size}",
                **asdict(view),
            },
        )


@edition_app.command(name="certificate", cls=DeferredHelp)
def certificate_command(
    edition_id: EditionId,
    copy: CopyNumber,
    output: Annotated[
        Path, typer.Option("--out", "-o", help="写入 PDF Write the PDF here", dir_okay=False)
    ],
    as_json: AsJson = False,
) -> None:
    """藏书证书 Write a copy's certificate (PDF): 第 n 份，共 N 份, holder, terms, gifts."""
    with registry_runtime(as_json=as_json) as runtime:
        pdf = runtime.editions.certificate(edition_id, copy)
    output.write_bytes(pdf)
    show_fields(
        as_json,
        {"edition_id": edition_id, "copy": copy, "written": str(output), "bytes": len(pdf)},
    )


@edition_app.command(name="gift", cls=DeferredHelp)
def gift_command(
    edition_id: EditionId,
    copy: CopyNumber,
    to: Annotated[str, typer.Argument(help="受赠人 Receiver: party id or address")],
    key: Key,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """赠送藏书 Give your copy to a verified adult reader (a gift: no price, no sale)."""
    with registry_runtime(as_json=as_json) as runtime:
        gift = runtime.editions.gift(_sender(runtime, key, password_file), edition_id, copy, to)
        show_fields(as_json, asdict(gift))


@edition_app.command(name="holders", cls=DeferredHelp)
def holders_command(
    edition_id: EditionId,
    reader: Annotated[str, typer.Argument(help="读者 Party id or address")],
    as_json: AsJson = False,
) -> None:
    """读者持有哪些藏书 Which copies of the edition a reader holds now (checked on chain)."""
    with registry_runtime(as_json=as_json) as runtime:
        held = runtime.editions.holding(edition_id, reader)
        show_fields(
            as_json, {"edition_id": edition_id, "reader": held.reader, "copies": list(held.copies)}
        )


@edition_app.command(name="bind-reader", cls=DeferredHelp)
def bind_reader_command(
    party: Annotated[str, typer.Argument(help="当事人 Party id of a verified person")],
    as_json: AsJson = False,
) -> None:
    """登记读者 Bind a verified person's address on chain as a reader (full-age flag only; sent
    by the registry's account)."""
    with registry_runtime(as_json=as_json) as runtime:
        address, adult = runtime.editions.bind_reader(party)
        show_fields(as_json, {"party": party, "address": address, "adult": adult})
