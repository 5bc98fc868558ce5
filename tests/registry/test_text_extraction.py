"""Text for ISCC Content-Codes: plain text in UTF-8 and GB18030, EPUB, PDF — and not binaries."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import iscc_core
import pytest
from reportlab.pdfgen.canvas import Canvas

from registry.content_store import LocalBlockstore
from registry.ingest import ingest
from registry.text_extraction import detect_text_kind, text_of_bytes

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
