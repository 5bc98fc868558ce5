"""The text of a work, for its ISCC Content-Code (similarity of the text itself, so a re-typeset
or re-encoded copy of a book is found). Plain text (UTF-8, GB18030), EPUB and PDF.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from html.parser import HTMLParser
from typing import IO, Literal
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree

TextKind = Literal["text", "epub", "pdf"]

# A printable share below this means "binary", not text.
MIN_PRINTABLE_SHARE = 0.95
EPUB_MIMETYPE = b"application/epub+zip"
# An EPUB's inflated text is read at most this far (a zip bomb stops here).
MAX_EPUB_TEXT_BYTES = 64 << 20


def detect_text_kind(head: bytes) -> TextKind | None:
    """What kind of text-bearing file starts with ``head`` (the first KiB or so), if any."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") and EPUB_MIMETYPE in head[:100]:
        return "epub"
    return "text" if _decode_text(head, partial=True) is not None else None


def extract_text(kind: TextKind, source: IO[bytes]) -> str | None:
    """The text of the file (``None`` when there is none to speak of or it cannot be read)."""
    try:
        if kind == "pdf":
            return _pdf_text(source)
        if kind == "epub":
            return _epub_text(source)
        return _decode_text(source.read(), partial=False)
    except (ValueError, KeyError, StopIteration, zipfile.BadZipFile, ParseError, OSError):
        return None


def _decode_text(data: bytes, *, partial: bool) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of a partial read is still text.
            if partial and exc.start >= len(data) - 3:
                text = data[: exc.start].decode(encoding, errors="strict")
            else:
                continue
        if not text:
            return None
        printable = sum(1 for c in text if c.isprintable() or c in "\r\n\t")
        if printable / len(text) >= MIN_PRINTABLE_SHARE:
            return text
    return None


def _pdf_text(source: IO[bytes]) -> str | None:
    from pypdf import PdfReader  # imported here: only PDFs need it
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(source)
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except PyPdfError:
        return None
    return text if text.strip() else None


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _epub_text(source: IO[bytes]) -> str | None:
    with zipfile.ZipFile(source) as book:
        container = ElementTree.fromstring(book.read("META-INF/container.xml"))
        rootfile = next(e for e in container.iter() if e.tag.endswith("rootfile"))
        opf_path = rootfile.attrib["full-path"]
        opf = ElementTree.fromstring(book.read(opf_path))
        manifest = {
            item.attrib["id"]: item.attrib["href"]
            for item in opf.iter()
            if item.tag.endswith("item") and "id" in item.attrib
        }
        spine = [ref.attrib["idref"] for ref in opf.iter() if ref.tag.endswith("itemref")]
        base = posixpath.dirname(opf_path)
        parts = []
        budget = MAX_EPUB_TEXT_BYTES
        for idref in spine:
            name = posixpath.join(base, manifest[idref])
            budget -= book.getinfo(name).file_size
            if budget < 0:
                raise ValueError("EPUB text larger than the extraction limit")
            parser = _TextOf()
            parser.feed(book.read(name).decode("utf-8"))
            parts.append("".join(parser.parts))
    text = "\n".join(parts)
    return text if text.strip() else None


def text_of_bytes(data: bytes) -> str | None:
    """Detect and extract in one call (for small inputs and tests)."""
    kind = detect_text_kind(data[:1024])
    return extract_text(kind, io.BytesIO(data)) if kind else None
