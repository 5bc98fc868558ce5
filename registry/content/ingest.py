"""Use case step: take a work's bytes in one pass — digests, CID, ISCC codes, stored blocks."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from typing import IO, Protocol

# iscc-lib (Rust, ISO 24138) gives the same codes as the reference iscc-core, ~100× faster for
# the Data-Code; tests/registry/content/test_ingest.py proves them equal against iscc-core.
import iscc_lib
from multiformats import CID

from crypto.digests import ContentDigests, new_sm3
from crypto.stream import StreamEncryptor
from crypto.symmetric import Cipher
from registry.content.fanout import ChunkFanout, Consumer
from registry.content.store import BlockWriter, ContentStore
from registry.content.text_extraction import TextKind, detect_text_kind, read_text
from registry.content.unixfs import CHUNK_SIZE, UnixFSFileBuilder, cid_text
from registry.core.errors import EmptyFile, UploadTooLarge

# The first bytes decide whether an upload is text-bearing; larger sources get no Content-Code.
HEAD_SIZE = 1024
MAX_TEXT_SOURCE = 32 << 20
SPOOL_IN_MEMORY = 4 << 20


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
    iscc_content: str | None = None

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
    return _one_pass(stream, _DiscardingWriter(), max_bytes=max_bytes, encryption=None)[0]


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

    Raises :class:`EmptyFile`, :class:`UploadTooLarge` (as soon as the limit is passed) or
    :class:`UnreadableDocument` (an EPUB or PDF of at most ``MAX_TEXT_SOURCE`` bytes that cannot
    be read); a refused or failed ingest leaves no block behind.
    """
    staged = stage(stream, store, max_bytes=max_bytes, encryption=encryption)
    staged.commit()
    return staged.content


@dataclass(frozen=True)
class KeptBytes:
    """Bytes kept in the content store for a while (see :func:`keep`)."""

    root: str  # of the blocks stored (the ciphertext when encrypted)
    sha256_hex: str  # of the bytes given
    size: int


def keep(
    stream: ByteStream,
    store: ContentStore,
    *,
    max_bytes: int,
    encryption: ContentEncryption | None = None,
) -> KeptBytes:
    """Store ``stream`` as UnixFS blocks (encrypted with ``encryption``), committed and pinned,
    with none of the registration pass (no CID of the plaintext, no ISCC): for bytes that wait in
    the store until they are registered, such as a catalogue item's file. An empty stream is
    kept too. Raises :class:`UploadTooLarge` past ``max_bytes``, keeping nothing."""
    writer = store.writer()
    try:
        digest = hashlib.sha256()
        blocks = UnixFSFileBuilder(writer.put)
        if encryption is None:
            lanes: list[list[Consumer]] = [[digest.update], [blocks.update]]
            encryptor = None
        else:
            encryptor = StreamEncryptor(encryption.cipher, encryption.key)
            lanes = [[digest.update], [_encrypting(encryptor, blocks.update)]]
        size = _read_through(stream, lanes, max_bytes=max_bytes)
        if encryptor is not None:
            blocks.update(encryptor.finish())
        root = blocks.finish()
        writer.commit(root)
    except BaseException:
        writer.abort()
        raise
    return KeptBytes(cid_text(root), digest.hexdigest(), size)


@dataclass(frozen=True)
class StagedContent:
    """An ingest whose blocks wait for :meth:`commit` (durable, root pinned) or :meth:`abort`
    (gone): a caller with checks of its own after the ingest keeps nothing of a refusal."""

    content: IngestedContent
    root: CID
    writer: BlockWriter

    def commit(self) -> None:
        try:
            self.writer.commit(self.root)
        except BaseException:
            self.writer.abort()
            raise

    def abort(self) -> None:
        self.writer.abort()


def stage(
    stream: ByteStream,
    store: ContentStore,
    *,
    max_bytes: int,
    encryption: ContentEncryption | None = None,
) -> StagedContent:
    """:func:`ingest` without its commit: the caller commits or aborts the blocks."""
    writer = store.writer()
    content, root = _one_pass(stream, writer, max_bytes=max_bytes, encryption=encryption)
    return StagedContent(content, root, writer)


def _one_pass(
    stream: ByteStream,
    writer: BlockWriter,
    *,
    max_bytes: int,
    encryption: ContentEncryption | None,
) -> tuple[IngestedContent, CID]:
    """The content and its stored root; the blocks are put, not committed (aborted on error).

    The stages run side by side (:mod:`registry.content.fanout`), SM3 — the slowest digest —
    in a thread of its own, so the pass takes about as long as SM3 alone on two cores.
    """
    text_source = _TextSource()
    try:
        sha256, sm3 = hashlib.sha256(), new_sm3()
        data_code = iscc_lib.DataHasher()
        instance_code = iscc_lib.InstanceHasher()
        fingerprints: list[Consumer] = [
            sha256.update,
            data_code.update,
            instance_code.update,
            text_source.update,
        ]
        if encryption is None:
            plain = UnixFSFileBuilder(writer.put)
            size = _read_through(
                stream, [[sm3.update], fingerprints, [plain.update]], max_bytes=max_bytes
            )
            _check_not_empty(size)
            cid = stored_cid = plain.finish()
        else:
            plain = UnixFSFileBuilder(_discard)
            stored = UnixFSFileBuilder(writer.put)
            encryptor = StreamEncryptor(encryption.cipher, encryption.key)
            # The cipher is the slowest stage (SM4 has no x86 instructions): its output is
            # built into blocks and written by a lane of its own.
            with ChunkFanout([[stored.update]], name="ingest-stored") as ciphertext:
                encrypt = _encrypting(encryptor, ciphertext.feed)
                size = _read_through(
                    stream,
                    [[sm3.update], fingerprints, [plain.update], [encrypt]],
                    max_bytes=max_bytes,
                )
                _check_not_empty(size)
                ciphertext.feed(encryptor.finish())
            cid = plain.finish()
            stored_cid = stored.finish()
        content_code = text_source.content_code()  # an unreadable EPUB or PDF raises here
    except BaseException:
        writer.abort()
        raise
    finally:
        text_source.close()
    return IngestedContent(
        digests=ContentDigests(sha256=sha256.digest(), sm3=sm3.digest(), size=size),
        cid=cid_text(cid),
        stored_cid=cid_text(stored_cid),
        iscc_data=str(data_code.finalize(64)["iscc"]),
        iscc_instance=str(instance_code.finalize(64)["iscc"]),
        iscc_content=content_code,
    ), stored_cid


def _read_through(stream: ByteStream, lanes: list[list[Consumer]], *, max_bytes: int) -> int:
    """Read ``stream`` to its end in ``CHUNK_SIZE`` reads, giving every chunk to every lane's
    consumers in order; the number of bytes read. Raises :class:`UploadTooLarge` as soon as
    ``max_bytes`` is passed, before that chunk reaches any consumer."""
    size = 0

    def next_chunk() -> bytes:
        nonlocal size
        chunk = stream.read(CHUNK_SIZE)
        size += len(chunk)
        if size > max_bytes:
            raise UploadTooLarge(
                f"upload exceeds the limit of {max_bytes} bytes",
                details={"max_bytes": max_bytes},
            )
        return chunk

    with ChunkFanout(lanes) as fanout:  # one chunk (most uploads) is consumed in this thread
        while chunk := next_chunk():
            fanout.feed(chunk)
    return size


def _check_not_empty(size: int) -> None:
    if size == 0:
        raise EmptyFile("the file is empty")


def _encrypting(encryptor: StreamEncryptor, ciphertext: Consumer) -> Consumer:
    """A consumer that encrypts each chunk on to ``ciphertext`` (finished by the caller)."""

    def encrypt(chunk: bytes) -> None:
        ciphertext(encryptor.update(chunk))

    return encrypt


class _TextSource:
    """Keeps the bytes of a text-bearing upload (TXT, EPUB, PDF) up to ``MAX_TEXT_SOURCE``, in a
    spooled temporary file, for its ISCC Content-Code; anything else is not kept at all."""

    def __init__(self) -> None:
        self._head = b""
        self._kind: TextKind | None = None
        self._decided = False
        self._spool: IO[bytes] | None = None
        self._size = 0

    def update(self, chunk: bytes) -> None:
        if not self._decided:
            # Decide once the head is full (or, for a short file, in content_code).
            self._head += chunk[: HEAD_SIZE - len(self._head)]
            self._decide_if_ready(final=False)
        if self._spool is not None:
            self._size += len(chunk)
            if self._size > MAX_TEXT_SOURCE:
                self.close()  # too large for a Content-Code; the other codes still apply
                self._kind = None
            else:
                self._spool.write(chunk)

    def _decide_if_ready(self, *, final: bool) -> None:
        if self._decided or (len(self._head) < HEAD_SIZE and not final):
            return
        self._decided = True
        self._kind = detect_text_kind(self._head)
        if self._kind is not None:
            self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115

    def content_code(self) -> str | None:
        if not self._decided:
            # A file shorter than the head: decide now, keeping all of it.
            self._decide_if_ready(final=True)
            if self._spool is not None:
                self._spool.write(self._head)
        if self._spool is None or self._kind is None:
            return None
        self._spool.seek(0)
        text = read_text(self._kind, self._spool)
        if not text or not text.strip():
            return None
        return str(iscc_lib.gen_text_code_v0(text)["iscc"])

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None


def _discard(_cid: CID, _block: bytes) -> None:
    pass
