"""Where the bytes of works are kept: IPFS blocks behind one interface.

Two backends give the same CIDs: the embedded ``LocalBlockstore`` (the default, under the data
directory) and ``KuboContentStore`` (``registry.content.kubo``, Kubo's HTTP RPC). Blocks of an
ingest are
written through a ``BlockWriter`` that either commits them all (and pins the root) or leaves
nothing behind.
"""

from __future__ import annotations

import fcntl
import os
import queue
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from multiformats import CID

from registry.content.unixfs import cid_text, decode_node_links
from registry.core.errors import ContentNotFound


class BlockWriter(Protocol):
    def put(self, cid: CID, block: bytes) -> None: ...

    def commit(self, root: CID) -> None:
        """Make every block put so far durable and pin ``root``."""
        ...

    def abort(self) -> None:
        """Forget the blocks put so far (a refused or failed upload)."""
        ...


class ContentStore(Protocol):
    def writer(self) -> BlockWriter: ...

    def get_block(self, cid: CID) -> bytes: ...

    def has_block(self, cid: CID) -> bool: ...

    def unpin(self, root: CID) -> None: ...

    def is_available(self) -> bool:
        """Can content be stored now? (For health checks: never raises.)"""
        ...

    def close(self) -> None: ...


def read_content(store: ContentStore, root: CID) -> Iterator[bytes]:
    """The file under ``root``, leaf by leaf, depth first (never whole in memory)."""
    block = store.get_block(root)
    if root.codec.name == "raw":
        yield block
        return
    for child in decode_node_links(block):
        yield from read_content(store, child)


def dag_blocks(store: ContentStore, root: CID) -> Iterator[tuple[CID, bytes]]:
    """Every block of the DAG under ``root``, depth first, root first (the CAR order)."""
    block = store.get_block(root)
    yield root, block
    if root.codec.name == "dag-pb":
        for child in decode_node_links(block):
            yield from dag_blocks(store, child)


def export_car(store: ContentStore, root: CID, out: BinaryIO) -> None:
    """Write the DAG under ``root`` as a CARv1 file (what ``ipfs dag export`` writes)."""
    out.write(car_header(root))
    for cid, block in dag_blocks(store, root):
        section = bytes(cid) + block
        out.write(_uvarint(len(section)) + section)


def car_header(root: CID) -> bytes:
    """``{"roots": [root], "version": 1}`` in DAG-CBOR, length-prefixed."""
    link = b"\x00" + bytes(root)  # CBOR tag 42 holds the binary CID behind a 0x00 prefix
    encoded_link = b"\xd8\x2a" + _cbor_bytes_head(len(link)) + link
    header = b"\xa2" + b"\x65roots" + b"\x81" + encoded_link + b"\x67version" + b"\x01"
    return _uvarint(len(header)) + header


def _cbor_bytes_head(length: int) -> bytes:
    if length < 24:
        return bytes([0x40 + length])
    if length < 256:
        return bytes([0x58, length])
    return bytes([0x59]) + length.to_bytes(2, "big")


def _uvarint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def fsync_directory(directory: Path) -> None:
    """Make the entries of ``directory`` (files created or renamed into it) durable."""
    _fsync(directory, os.O_RDONLY | os.O_DIRECTORY)


def _fsync(path: Path, flags: int = os.O_RDONLY) -> None:
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class LocalBlockstore:
    """Blocks as files under ``root/blocks/<last 2 chars of the CID>/<CID>``, pins as files.

    An ingest writes into its own staging directory; ``commit`` renames the blocks into place
    (a block already present is simply kept), ``abort`` deletes the directory.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blocks = root / "blocks"
        self.pins = root / "pins"
        self.staging = root / "staging"

    def close(self) -> None:
        """Nothing to release: files are opened per block."""

    def writer(self) -> LocalBlockWriter:
        return LocalBlockWriter(self)

    def path_of(self, cid: CID) -> Path:
        name = cid_text(cid)
        return self.blocks / name[-3:-1] / name

    def get_block(self, cid: CID) -> bytes:
        try:
            return self.path_of(cid).read_bytes()
        except FileNotFoundError:
            raise ContentNotFound(f"no block {cid}", details={"cid": str(cid)}) from None

    def has_block(self, cid: CID) -> bool:
        return self.path_of(cid).is_file()

    def pin(self, root: CID) -> None:
        self.pins.mkdir(parents=True, exist_ok=True)
        (self.pins / cid_text(root)).touch()

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Held while blocks are renamed into place and their root pinned: many ingests at
        once, from any process on this machine, but never during a garbage collection."""
        with self._locked(fcntl.LOCK_SH):
            yield

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held by a garbage collection (``registry.content.garbage``): no ingest commits."""
        with self._locked(fcntl.LOCK_EX):
            yield

    @contextmanager
    def _locked(self, mode: int) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "gc.lock").open("a") as handle:
            fcntl.flock(handle, mode)  # released when the file is closed
            yield

    def unpin(self, root: CID) -> None:
        (self.pins / cid_text(root)).unlink(missing_ok=True)

    def is_pinned(self, root: CID) -> bool:
        return (self.pins / cid_text(root)).is_file()

    def is_available(self) -> bool:
        # Write and remove a probe where ingests stage their blocks: a missing, read-only or
        # misconfigured directory fails here just as an ingest would.
        try:
            self.staging.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.staging) as probe:
                probe.write(b"ok")
        except OSError:
            return False
        return True


class _Syncer:
    """Makes files durable (``fsync``) in a thread of its own, so that an ingest's waits for the
    disk overlap its hashing instead of adding to it; a single file is synced in the caller's
    thread at :meth:`wait`, as a thread would cost more than it saves."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._pending: list[Path] = []
        self._queue: queue.Queue[Path | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: OSError | None = None

    def add(self, path: Path) -> None:
        self._pending.append(path)
        if self._queue is None:
            if len(self._pending) < 2:
                return
            self._queue = queue.Queue()
            self._thread = threading.Thread(
                target=self._run, args=(self._queue,), name=self._name, daemon=True
            )
            self._thread.start()
        for pending in self._pending:
            self._queue.put(pending)
        self._pending = []

    def _run(self, paths: queue.Queue[Path | None]) -> None:
        while (path := paths.get()) is not None:
            if self._error is None:
                try:
                    _fsync(path)
                except OSError as exc:  # raised by wait(), in the writer's thread
                    self._error = exc

    def wait(self) -> None:
        """Return once every file added is durable; raise the first error met."""
        pending, self._pending = self._pending, []
        self.stop()
        if self._error is not None:
            raise self._error
        for path in pending:
            _fsync(path)

    def stop(self) -> None:
        """End the thread once it has synced what it was given (nothing is left running)."""
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = self._thread = None


class LocalBlockWriter:
    def __init__(self, store: LocalBlockstore) -> None:
        self.store = store
        self.directory = store.staging / uuid.uuid4().hex
        self.directory.mkdir(parents=True)
        self.staged: dict[str, CID] = {}
        self._syncer = _Syncer(f"blocks-{self.directory.name[:8]}")

    def put(self, cid: CID, block: bytes) -> None:
        name = cid_text(cid)
        if name in self.staged:
            return  # a repeated chunk (e.g. runs of zeros) is one block
        path = self.directory / name
        with path.open("wb") as out:
            out.write(block)
        self._syncer.add(path)
        self.staged[name] = cid

    def commit(self, root: CID) -> None:
        self._syncer.wait()  # every block durable before its name is
        moved_into: set[Path] = set()
        # Shared lock: a collection, which holds it exclusively, cannot compute its live set
        # before these renames and the pin, and then remove the blocks renamed in.
        with self.store.shared():
            for cid in self.staged.values():
                final = self.store.path_of(cid)
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.directory / cid_text(cid), final)
                moved_into.add(final.parent)
            self.store.pin(root)
        # A rename is durable once its directory is: without these a power cut after the
        # registration's acknowledgement could lose the blocks' (and the pin's) names.
        for directory in sorted(moved_into | {self.store.pins}):
            fsync_directory(directory)
        shutil.rmtree(self.directory, ignore_errors=True)

    def abort(self) -> None:
        self._syncer.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
