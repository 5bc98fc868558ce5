"""Streams over content kept as chunks (a DAG in the content store, decrypted or not)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from registry.content.unixfs import CHUNK_SIZE


class _ChunkStream(io.RawIOBase):
    """The chunks of ``open_chunks()`` as a readable stream that can rewind to its start (the
    moderation hooks read a work's text again from the start): each rewind opens them anew."""

    def __init__(self, open_chunks: Callable[[], Iterator[bytes]]) -> None:
        super().__init__()
        self._open = open_chunks
        self._rewind()

    def _rewind(self) -> None:
        self._chunks = self._open()
        self._pending = b""
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self._position += size
        return size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if (offset, whence) == (0, io.SEEK_SET):
            self._rewind()
        elif (offset, whence) != (0, io.SEEK_CUR):
            raise io.UnsupportedOperation("only a rewind to the start")
        return self._position

    def tell(self) -> int:
        return self._position


def chunk_stream(open_chunks: Callable[[], Iterator[bytes]]) -> BinaryIO:
    """A buffered, rewindable stream over the chunks ``open_chunks()`` yields."""
    return io.BufferedReader(_ChunkStream(open_chunks), CHUNK_SIZE)
