"""Use case step: take a work's bytes in one pass — digests, CID, ISCC codes, stored blocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from iscc_core.code_data import DataHasherV0
from iscc_core.code_instance import InstanceHasherV0
from multiformats import CID

from crypto.digests import ContentDigests, DigestAccumulator
from registry.content_store import BlockWriter, ContentStore
from registry.errors import EmptyFile, UploadTooLarge
from registry.unixfs import CHUNK_SIZE, UnixFSFileBuilder


@dataclass(frozen=True)
class IngestedContent:
    """What one pass over a work's bytes established."""

    digests: ContentDigests
    cid: str
    iscc_data: str
    iscc_instance: str

    @property
    def size(self) -> int:
        return self.digests.size


class _DiscardingWriter:
    def put(self, cid: CID, block: bytes) -> None:
        pass

    def commit(self, root: CID) -> None:
        pass

    def abort(self) -> None:
        pass


def describe(stream: BinaryIO, *, max_bytes: int = 2**53 - 1) -> IngestedContent:
    """What :func:`ingest` would establish about these bytes, storing nothing.

    A registrant computes this before signing its claim; the registry checks the same values.
    """
    return _one_pass(stream, _DiscardingWriter(), max_bytes=max_bytes)


def ingest(stream: BinaryIO, store: ContentStore, *, max_bytes: int) -> IngestedContent:
    """Read ``stream`` once in 256 KiB chunks: SHA-256, SM3, the IPFS CID (Kubo-identical),
    ISCC Data-Code and Instance-Code, and the blocks written to ``store``.

    Raises :class:`EmptyFile` or :class:`UploadTooLarge` (as soon as the limit is passed); a
    refused or failed ingest leaves no block behind.
    """
    return _one_pass(stream, store.writer(), max_bytes=max_bytes)


def _one_pass(stream: BinaryIO, writer: BlockWriter, *, max_bytes: int) -> IngestedContent:
    try:
        digests = DigestAccumulator()
        data_code = DataHasherV0()
        instance_code = InstanceHasherV0()
        dag = UnixFSFileBuilder(writer.put)
        while chunk := stream.read(CHUNK_SIZE):
            if digests.size + len(chunk) > max_bytes:
                raise UploadTooLarge(
                    f"upload exceeds the limit of {max_bytes} bytes",
                    details={"max_bytes": max_bytes},
                )
            digests.update(chunk)
            dag.update(chunk)
            data_code.push(chunk)
            instance_code.push(chunk)
        if digests.size == 0:
            raise EmptyFile("the file is empty")
        root = dag.finish()
        writer.commit(root)
    except BaseException:
        writer.abort()
        raise
    return IngestedContent(
        digests=digests.finish(),
        cid=str(root),
        iscc_data=f"ISCC:{data_code.code(64)}",
        iscc_instance=f"ISCC:{instance_code.code(64)}",
    )
