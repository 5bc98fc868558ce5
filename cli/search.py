"""``banquan search``: registered works by ISBN, DCI, title or author (prefix)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from cli.output import AsJson, takedown_mark
from cli.runtime import registry_runtime

if TYPE_CHECKING:
    from registry.registration.search import SearchPage

console = Console(soft_wrap=True)


def search(
    isbn: Annotated[
        str | None, typer.Option("--isbn", help="ISBN-10 or ISBN-13, hyphens allowed (exact)")
    ] = None,
    dci: Annotated[str | None, typer.Option("--dci", help="DCI code (exact)")] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="The title starts with this (any case)")
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="An author's name starts with this (any case)")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most works (1–100)")] = 20,
    after: Annotated[int, typer.Option(help="Continue after this cursor (next_after)")] = 0,
    as_json: AsJson = False,
) -> None:
    """查询登记作品 / Find registered works by exactly one of --isbn, --dci, --title, --author
    (title and author: prefix), oldest first. A taken-down work is shown as such.

    Exit status: 0 some found, 1 none, 2 a bad query.
    """
    from registry.registration.search import search_works

    with registry_runtime(as_json=as_json) as runtime:
        page = search_works(
            runtime.sessions,
            isbn=isbn,
            dci=dci,
            title=title,
            author=author,
            limit=limit,
            after=after,
        )
    _show(page, as_json=as_json)
    if not page.works:
        raise typer.Exit(code=1)


def _show(page: SearchPage, *, as_json: bool) -> None:
    from registry.core.states import REGISTRATION_STATUS_WORDS

    words = {str(status): text for status, text in REGISTRATION_STATUS_WORDS.items()}
    if as_json:
        print(json.dumps(page.to_json(), ensure_ascii=False))
        return
    if not page.works:
        console.print(f"未找到 / no registered work for {page.kind} {escape(page.query)}")
        return
    for work in page.works:
        parts = [work.number, f"《{work.title}》", "、".join(work.authors) or "-"]
        if work.isbn:
            parts.append(f"ISBN {work.isbn}")
        if work.dci:
            parts.append(f"DCI {work.dci}")
        parts.append(f"登记人 {work.party.public_name if work.party is not None else '-'}")
        parts.append(f"登记于 registered {work.registered_at.isoformat(timespec='seconds')}")
        parts.append(words.get(work.status, work.status))
        if work.priority is not None and not work.priority.is_first:
            parts.append(f"后登记 later claim, first {work.priority.first.number}")
        line = escape("  ".join(parts))
        console.print(line + takedown_mark(work.taken_down, work.revoked, lead="  "))
    if page.next_after is not None:
        console.print(f"更多 / more: --after {page.next_after}")
