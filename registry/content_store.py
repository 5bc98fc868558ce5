"""Where the bytes of works are kept. The embedded store keeps one file per distinct content."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from crypto.digests import ContentDigests, DigestAccumulator
from registry.errors import EmptyFile, UploadTooLarge

CHUNK_SIZE = 1 << 20


@dataclass(frozen=True)
class StoredContent:
    """Digests of what was stored, and the reference to fetch it again."""

    digests: ContentDigests
    ref: str


class LocalContentStore:
    """Content-addressed files under one directory (``sha256/ab/abcdef…``).

    Bytes are hashed while they are written, in one pass and fixed-size chunks, so a large upload
    never sits in memory. A partial upload (too large, or a failure mid-stream) leaves nothing.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def ingest(self, stream: BinaryIO, *, max_bytes: int) -> StoredContent:
        self.root.mkdir(parents=True, exist_ok=True)
        accumulator = DigestAccumulator()
        fd, temporary_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        temporary = Path(temporary_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK_SIZE):
                    if accumulator.size + len(chunk) > max_bytes:
                        raise UploadTooLarge(
                            f"upload exceeds the limit of {max_bytes} bytes",
                            details={"max_bytes": max_bytes},
                        )
                    accumulator.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            digests = accumulator.finish()
            if digests.size == 0:
                raise EmptyFile("the file is empty")
            final = self.path_of(digests.sha256_hex)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
        return StoredContent(digests=digests, ref=f"sha256:{digests.sha256_hex}")

    def path_of(self, sha256_hex: str) -> Path:
        return self.root / "sha256" / sha256_hex[:2] / sha256_hex
