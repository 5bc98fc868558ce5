"""Use case step: take a work's bytes in one pass — digests, CID, ISCC codes, stored blocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from iscc_core.code_data import DataHasherV0
from iscc_core.code_instance import InstanceHasherV0
from multiformats import CID

from crypto.digests import ContentDigests, DigestAccumulator
from crypto.stream import StreamEncryptor
from crypto.symmetric import Cipher
from registry.content_store import BlockWriter, ContentStore
from registry.errors import EmptyFile, UploadTooLarge
from registry.unixfs import CHUNK_SIZE, UnixFSFileBuilder, cid_text


class ByteStream(Protocol):
    """Anything with ``read(size)``: an open file, an upload, a decrypting reader."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class ContentEncryption:
    """How a private work is stored: its own content key, under SM4-GCM or AES-256-GCM."""

    cipher: Cipher
    key: bytes


@dataclass(frozen=True)
class IngestedContent:
    """What one pass over a work's bytes established.

    ``cid`` identifies the plaintext (what ``ipfs add`` of the file gives, what the claim names);
    ``stored_cid`` is what the content store holds — the same CID for a published work, the CID of
    the ``banquan.enc/1`` ciphertext for a private one.
    """

    digests: ContentDigests
    cid: str
    stored_cid: str
    iscc_data: str
    iscc_instance: str

    @property
    def size(self) -> int:
        return self.digests.size

    @property
    def encrypted(self) -> bool:
        return self.stored_cid != self.cid


class _DiscardingWriter:
    def put(self, cid: CID, block: bytes) -> None:
        pass

    def commit(self, root: CID) -> None:
        pass

    def abort(self) -> None:
        pass


def describe(stream: ByteStream, *, max_bytes: int = 2**53 - 1) -> IngestedContent:
    """What :func:`ingest` would establish about these bytes, storing nothing.

    A registrant computes this before signing its claim; the registry checks the same values.
    """
    return _one_pass(stream, _DiscardingWriter(), max_bytes=max_bytes, encryption=None)


def ingest(
    stream: ByteStream,
    store: ContentStore,
    *,
    max_bytes: int,
    encryption: ContentEncryption | None = None,
) -> IngestedContent:
    """Read ``stream`` once in 256 KiB chunks: SHA-256, SM3, the IPFS CID (Kubo-identical),
    ISCC Data-Code and Instance-Code, and the blocks written to ``store`` — encrypted on the way
    with ``encryption`` (digests, CID and ISCC codes are always of the plaintext).

    Raises :class:`EmptyFile` or :class:`UploadTooLarge` (as soon as the limit is passed); a
    refused or failed ingest leaves no block behind.
    """
    return _one_pass(stream, store.writer(), max_bytes=max_bytes, encryption=encryption)


def _one_pass(
    stream: ByteStream,
    writer: BlockWriter,
    *,
    max_bytes: int,
    encryption: ContentEncryption | None,
) -> IngestedContent:
    try:
        digests = DigestAccumulator()
        data_code = DataHasherV0()
        instance_code = InstanceHasherV0()
        if encryption is None:
            plain = stored = UnixFSFileBuilder(writer.put)
            encryptor = None
        else:
            plain = UnixFSFileBuilder(_discard)
            stored = UnixFSFileBuilder(writer.put)
            encryptor = StreamEncryptor(encryption.cipher, encryption.key)
        while chunk := stream.read(CHUNK_SIZE):
            if digests.size + len(chunk) > max_bytes:
                raise UploadTooLarge(
                    f"upload exceeds the limit of {max_bytes} bytes",
                    details={"max_bytes": max_bytes},
                )
            digests.update(chunk)
            plain.update(chunk)
            if encryptor is not None:
                stored.update(encryptor.update(chunk))
            data_code.push(chunk)
            instance_code.push(chunk)
        if digests.size == 0:
            raise EmptyFile("the file is empty")
        cid = plain.finish()
        if encryptor is not None:
            stored.update(encryptor.finish())
            stored_cid = stored.finish()
        else:
            stored_cid = cid
        writer.commit(stored_cid)
    except BaseException:
        writer.abort()
        raise
    return IngestedContent(
        digests=digests.finish(),
        cid=cid_text(cid),
        stored_cid=cid_text(stored_cid),
        iscc_data=f"ISCC:{data_code.code(64)}",
        iscc_instance=f"ISCC:{instance_code.code(64)}",
    )


def _discard(_cid: CID, _block: bytes) -> None:
    pass
