"""The text of a work, for its ISCC Content-Code (similarity of the text itself, so a re-typeset
or re-encoded copy of a book is found). Plain text (UTF-8, GB18030), EPUB and PDF.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from html.parser import HTMLParser
from typing import IO, Literal

from defusedxml import ElementTree

from registry.core.errors import UnreadableDocument

TextKind = Literal["text", "epub", "pdf"]

# A printable share below this means "binary", not text.
MIN_PRINTABLE_SHARE = 0.95
EPUB_MIMETYPE = b"application/epub+zip"
# An EPUB's inflated members (container, package document, spine) are read at most this far
# in all; a zip bomb is refused by the sizes its directory declares, before anything is inflated.
MAX_EPUB_TEXT_BYTES = 64 << 20
# Markup deflates about tenfold; a member over 1 MiB inflating more than this is a bomb.
MAX_EPUB_COMPRESSION_RATIO = 200
RATIO_CHECKED_ABOVE = 1 << 20


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
        return read_text(kind, source)
    except UnreadableDocument:
        return None


def read_text(kind: TextKind, source: IO[bytes]) -> str | None:
    """The text of the file, ``None`` when it has none to speak of.

    Raises :class:`UnreadableDocument` for an EPUB or PDF that cannot be read: truncated,
    corrupt, or inflating past the extraction limits.
    """
    if kind == "text":
        return _decode_text(source.read(), partial=False)
    try:
        return _pdf_text(source) if kind == "pdf" else _epub_text(source)
    except UnreadableDocument:
        raise
    except Exception as exc:
        # Parsers of untrusted documents fail in many ways (their own errors, but also
        # KeyError, RecursionError, zlib errors...): each one means the file cannot be read.
        raise UnreadableDocument(
            f"the {kind.upper()} cannot be read: {type(exc).__name__}",
            details={"kind": kind},
        ) from exc


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

    reader = PdfReader(source)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
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
        budget = _InflateBudget(book, MAX_EPUB_TEXT_BYTES)
        container = ElementTree.fromstring(budget.read("META-INF/container.xml"))
        rootfile = next(e for e in container.iter() if e.tag.endswith("rootfile"))
        opf_path = rootfile.attrib["full-path"]
        opf = ElementTree.fromstring(budget.read(opf_path))
        manifest = {
            item.attrib["id"]: item.attrib["href"]
            for item in opf.iter()
            if item.tag.endswith("item") and "id" in item.attrib
        }
        spine = [ref.attrib["idref"] for ref in opf.iter() if ref.tag.endswith("itemref")]
        base = posixpath.dirname(opf_path)
        parts = []
        for idref in spine:
            parser = _TextOf()
            parser.feed(budget.read(posixpath.join(base, manifest[idref])).decode("utf-8"))
            parts.append("".join(parser.parts))
    text = "\n".join(parts)
    return text if text.strip() else None


class _InflateBudget:
    """Reads members of a zip within one budget of inflated bytes, refusing a member by its
    declared sizes (too large, or too highly compressed) before inflating it. A member whose
    directory entry understates its size is inflated only that far, and fails its CRC."""

    def __init__(self, book: zipfile.ZipFile, budget: int) -> None:
        self._book = book
        self._left = budget

    def read(self, name: str) -> bytes:
        info = self._book.getinfo(name)
        if info.file_size > self._left:
            raise UnreadableDocument(
                "the EPUB inflates past the extraction limit",
                details={"kind": "epub", "limit_bytes": MAX_EPUB_TEXT_BYTES},
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECKED_ABOVE and ratio > MAX_EPUB_COMPRESSION_RATIO:
            raise UnreadableDocument(
                "an EPUB member is compressed beyond any text (a zip bomb)",
                details={"kind": "epub", "member": name, "ratio": round(ratio)},
            )
        self._left -= info.file_size
        # read(size) inflates at most ``size`` bytes; ZipFile.read() would inflate everything
        # the compressed member holds before cutting it to the declared size.
        with self._book.open(info) as member:
            return member.read(info.file_size)


def text_of_bytes(data: bytes) -> str | None:
    """Detect and extract in one call (for small inputs and tests)."""
    kind = detect_text_kind(data[:1024])
    return extract_text(kind, io.BytesIO(data)) if kind else None
