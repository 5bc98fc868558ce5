"""Text for ISCC Content-Codes: plain text in UTF-8 and GB18030, EPUB, PDF — and not binaries."""

from __future__ import annotations

import functools
import io
import os
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import iscc_core
import pytest
from reportlab.pdfgen.canvas import Canvas

from registry.content.ingest import ingest
from registry.content.store import LocalBlockstore
from registry.content.text_extraction import detect_text_kind, read_text, text_of_bytes
from registry.core.errors import UnreadableDocument

CHAPTER = (
    "话说天下大势，分久必合，合久必分。周末七国分争，并入于秦。及秦灭之后，楚、汉分争，又并入于汉。"
)


def epub(chapters: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        items = "".join(
            f'<item id="c{n}" href="c{n}.xhtml" media-type="application/xhtml+xml"/>'
            for n in range(len(chapters))
        )
        spine = "".join(f'<itemref idref="c{n}"/>' for n in range(len(chapters)))
        book.writestr(
            "OEBPS/content.opf",
            f'<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            f"<manifest>{items}</manifest><spine>{spine}</spine></package>",
        )
        for n, text in enumerate(chapters):
            book.writestr(
                f"OEBPS/c{n}.xhtml",
                f"<html><head><title>第{n}回</title><style>p{{}}</style></head>"
                f"<body><p>{text}</p></body></html>",
            )
    return out.getvalue()


def pdf(text: str) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out)
    for n, start in enumerate(range(0, len(text), 80)):
        canvas.drawString(40, 800 - 14 * n, text[start : start + 80])
    canvas.save()
    return out.getvalue()


def test_plain_text_in_utf8_and_gb18030() -> None:
    assert text_of_bytes(CHAPTER.encode("utf-8")) == CHAPTER
    assert text_of_bytes(CHAPTER.encode("gb18030")) == CHAPTER


def test_epub_text_follows_the_spine_without_markup() -> None:
    text = text_of_bytes(epub([CHAPTER, "第二回 " + CHAPTER]))
    assert text is not None
    assert CHAPTER in text
    assert text.index(CHAPTER) < text.index("第二回")
    assert "<p>" not in text
    assert "p{}" not in text


def test_pdf_text_is_extracted() -> None:
    english = "It was the best of times, it was the worst of times, it was the age of wisdom. " * 4
    text = text_of_bytes(pdf(english))
    assert text is not None
    assert "the age of wisdom" in text


@pytest.mark.parametrize("data", [os.urandom(4096), bytes(4096), b"PK\x03\x04not an epub"])
def test_binary_data_has_no_text(data: bytes) -> None:
    assert detect_text_kind(data[:1024]) is None or text_of_bytes(data) is None


def test_ingest_gives_the_content_code_of_the_text(tmp_path: Path) -> None:
    book = (CHAPTER * 40).encode()
    result = ingest(io.BytesIO(book), LocalBlockstore(tmp_path / "s"), max_bytes=1 << 24)
    assert result.iscc_content == iscc_core.gen_text_code_v0(CHAPTER * 40)["iscc"]
    as_epub = ingest(
        io.BytesIO(epub([CHAPTER * 40])), LocalBlockstore(tmp_path / "e"), max_bytes=1 << 24
    )
    # The same text in another container: the same (or a near) Content-Code.
    assert as_epub.iscc_content is not None
    distance = iscc_core.iscc_distance(result.iscc_content, as_epub.iscc_content)
    assert distance <= 4
    binary = ingest(
        io.BytesIO(os.urandom(5000)), LocalBlockstore(tmp_path / "b"), max_bytes=1 << 24
    )
    assert binary.iscc_content is None


def zip_bomb_epub(inflated: int = 200 << 20, *, declared: int | None = None) -> bytes:
    """A valid-looking EPUB whose one chapter inflates to ``inflated`` bytes of spaces (about a
    thousandth of that compressed); ``declared`` makes its headers lie about that size."""
    book = epub(["placeholder"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w") as bomb:
        for info in source.infolist():
            if info.filename != "OEBPS/c0.xhtml":
                bomb.writestr(info, source.read(info.filename))
                continue
            member = zipfile.ZipInfo(info.filename)
            member.compress_type = zipfile.ZIP_DEFLATED
            # Streamed: the bomb is never whole in memory here either.
            with bomb.open(member, "w", force_zip64=True) as chapter:
                chapter.write(b"<html><body><p>")
                block = b" " * (1 << 20)
                for _ in range(inflated >> 20):
                    chapter.write(block)
    data = bytearray(out.getvalue())
    if declared is not None:
        # Rewrite the chapter's sizes in its local header and the central directory.
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as check:
            entry = check.getinfo("OEBPS/c0.xhtml")
        data = _understate(data, entry, declared)
    return bytes(data)


def _understate(data: bytearray, entry: zipfile.ZipInfo, declared: int) -> bytearray:
    """Make the central directory state ``declared`` as the entry's inflated size."""
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length, extra_length = struct.unpack_from("<HH", data, central + 28)
        if data[central + 46 : central + 46 + name_length] == entry.filename.encode():
            break
        central = data.find(b"PK\x01\x02", central + 4)
    assert central != -1
    struct.pack_into("<I", data, central + 24, min(declared, 0xFFFFFFFE))
    extra_start = central + 46 + name_length
    offset = extra_start
    while offset < extra_start + extra_length:
        tag, size = struct.unpack_from("<HH", data, offset)
        if tag == 1:  # zip64: the real sizes, the inflated one first
            struct.pack_into("<Q", data, offset + 4, declared)
        offset += 4 + size
    return data


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    bomb = zip_bomb_epub(200 << 20)
    assert len(bomb) < 1 << 20
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(UnreadableDocument) as refused:
            read_text("epub", io.BytesIO(bomb))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "unreadable_document"
    assert elapsed < 1.0
    assert peak < 16 << 20


def test_a_zip_bomb_under_the_size_limit_is_refused_by_its_ratio() -> None:
    bomb = zip_bomb_epub(32 << 20)  # under the 64 MiB budget, but ~1000:1
    with pytest.raises(UnreadableDocument, match="zip bomb"):
        read_text("epub", io.BytesIO(bomb))


def test_a_zip_bomb_understating_its_size_stops_at_the_declared_size() -> None:
    bomb = zip_bomb_epub(32 << 20, declared=4096)
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableDocument):
            read_text("epub", io.BytesIO(bomb))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


@functools.cache
def unreadable_documents() -> dict[str, bytes]:
    book = epub([CHAPTER])
    document = pdf("It was the best of times, it was the worst of times. " * 20)
    return {
        "truncated-epub": book[: len(book) // 2],
        "corrupt-epub": book[:60] + bytes(len(book) - 60),
        "truncated-pdf": document[: len(document) // 2],
        "corrupt-pdf": b"%PDF-1.7\n" + bytes(range(256)) * 8,
        "zip-bomb-epub": zip_bomb_epub(100 << 20),
    }


@pytest.mark.parametrize("name", sorted(unreadable_documents()))
def test_an_unreadable_document_is_refused_by_ingest_and_leaves_no_block(
    name: str, tmp_path: Path
) -> None:
    data = unreadable_documents()[name]
    kind = detect_text_kind(data[:1024])
    assert kind in ("epub", "pdf")
    assert text_of_bytes(data) is None  # the lenient reading (moderation hooks) gives no text
    store = LocalBlockstore(tmp_path / "store")
    with pytest.raises(UnreadableDocument):
        ingest(io.BytesIO(data), store, max_bytes=1 << 30)
    assert [p for p in (tmp_path / "store").rglob("*") if p.is_file()] == []
