"""One pass over the bytes gives what each reference implementation gives separately."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import iscc_core
import iscc_lib
import pytest

from crypto.stream import decrypt_stream
from crypto.symmetric import Cipher, new_key
from registry.content.ingest import ContentEncryption, ingest, keep
from registry.content.store import LocalBlockstore, read_content
from registry.content.unixfs import CHUNK_SIZE, cid_v1_rawleaves_256k, parse_cid
from registry.core.errors import EmptyFile, UploadTooLarge

TEXT = ("滚滚长江东逝水，浪花淘尽英雄。是非成败转头空。" * 4000).encode()


def test_one_pass_matches_the_separate_reference_computations(tmp_path: Path) -> None:
    result = ingest(io.BytesIO(TEXT), LocalBlockstore(tmp_path), max_bytes=1 << 30)
    assert result.digests.sha256_hex == hashlib.sha256(TEXT).hexdigest()
    assert result.digests.sm3_hex == hashlib.new("sm3", TEXT).hexdigest()
    assert result.size == len(TEXT)
    assert result.cid == str(cid_v1_rawleaves_256k(TEXT))
    assert result.iscc_data == iscc_core.gen_data_code_v0(io.BytesIO(TEXT))["iscc"]
    assert result.iscc_instance == iscc_core.gen_instance_code_v0(io.BytesIO(TEXT))["iscc"]


@pytest.mark.parametrize(
    "size", [1, 63, 64, 1000, 65_536, 262_144, 262_145, 3 * 262_144 + 7, 2_000_003]
)
def test_the_iscc_codes_are_those_of_the_reference_iscc_core(tmp_path: Path, size: int) -> None:
    """The fast ISCC implementation in the ingest pass gives what iscc-core (the reference of
    ISO 24138) gives, on chunk boundaries and around them."""
    data = bytes((n * 7919 + (n >> 8) * 104729) % 251 for n in range(size))
    result = ingest(io.BytesIO(data), LocalBlockstore(tmp_path), max_bytes=1 << 30)
    assert result.iscc_data == iscc_core.gen_data_code_v0(io.BytesIO(data))["iscc"]
    assert result.iscc_instance == iscc_core.gen_instance_code_v0(io.BytesIO(data))["iscc"]


def test_refusals_leave_no_blocks(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    with pytest.raises(EmptyFile):
        ingest(io.BytesIO(b""), store, max_bytes=100)
    with pytest.raises(UploadTooLarge):
        ingest(io.BytesIO(TEXT), store, max_bytes=len(TEXT) - 1)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


class ShortReads(io.RawIOBase):
    """A stream that never returns the size asked for (a network upload), and can fail."""

    def __init__(self, data: bytes, *, fail_at: int | None = None) -> None:
        self._data = memoryview(data)
        self._offset = 0
        self._fail_at = fail_at

    def read(self, size: int = -1, /) -> bytes:
        if self._fail_at is not None and self._offset >= self._fail_at:
            raise ConnectionResetError("the client went away")
        size = max(1, min(size, 100_003 + self._offset % 7))
        chunk = self._data[self._offset : self._offset + size].tobytes()
        self._offset += len(chunk)
        return chunk


def lane_threads() -> list[threading.Thread]:
    """The fan-out's threads still alive (its lanes are named after the ingest)."""
    return [t for t in threading.enumerate() if t.name.startswith("ingest")]


def reference_iscc(data: bytes) -> tuple[str, str]:
    data_code, instance_code = iscc_lib.DataHasher(), iscc_lib.InstanceHasher()
    data_code.update(data)
    instance_code.update(data)
    return str(data_code.finalize(64)["iscc"]), str(instance_code.finalize(64)["iscc"])


@pytest.mark.parametrize("size", [CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 5 * CHUNK_SIZE + 12_345])
@pytest.mark.parametrize("short_reads", [False, True])
def test_the_threaded_pass_gives_what_each_computation_gives_alone(
    tmp_path: Path, size: int, short_reads: bool
) -> None:
    data = os.urandom(size)
    stream = ShortReads(data) if short_reads else io.BytesIO(data)
    store = LocalBlockstore(tmp_path)
    result = ingest(stream, store, max_bytes=size)
    assert result.digests.sha256 == hashlib.sha256(data).digest()
    assert result.digests.sm3 == hashlib.new("sm3", data).digest()
    assert result.size == size
    assert result.cid == result.stored_cid == str(cid_v1_rawleaves_256k(data))
    assert (result.iscc_data, result.iscc_instance) == reference_iscc(data)
    assert b"".join(read_content(store, parse_cid(result.cid))) == data


@pytest.mark.parametrize("cipher", list(Cipher))
@pytest.mark.parametrize("size", [1000, 3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 1])
def test_a_private_work_is_stored_encrypted_with_the_codes_of_its_plaintext(
    tmp_path: Path, cipher: Cipher, size: int
) -> None:
    data = os.urandom(size)
    store = LocalBlockstore(tmp_path)
    public = ingest(io.BytesIO(data), store, max_bytes=size)
    encryption = ContentEncryption(cipher, new_key(cipher))
    private = ingest(io.BytesIO(data), store, max_bytes=size, encryption=encryption)
    assert (private.digests, private.cid) == (public.digests, public.cid)
    assert (private.iscc_data, private.iscc_instance) == (public.iscc_data, public.iscc_instance)
    ciphertext = b"".join(read_content(store, parse_cid(private.stored_cid)))
    assert private.stored_cid == str(cid_v1_rawleaves_256k(ciphertext))
    assert b"".join(decrypt_stream(encryption.key, [ciphertext])) == data


@pytest.mark.parametrize("encrypted", [False, True])
def test_a_stream_failing_midway_leaves_no_block_and_no_thread(
    tmp_path: Path, encrypted: bool
) -> None:
    encryption = ContentEncryption(Cipher.SM4_GCM, new_key(Cipher.SM4_GCM)) if encrypted else None
    stream = ShortReads(os.urandom(3 << 20), fail_at=2 << 20)
    with pytest.raises(ConnectionResetError):
        ingest(stream, LocalBlockstore(tmp_path), max_bytes=1 << 30, encryption=encryption)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert lane_threads() == []


@pytest.mark.parametrize("encrypted", [False, True])
def test_kept_bytes_read_back(tmp_path: Path, encrypted: bool) -> None:
    data = os.urandom(2 * CHUNK_SIZE + 5)
    store = LocalBlockstore(tmp_path)
    encryption = ContentEncryption(Cipher.SM4_GCM, new_key(Cipher.SM4_GCM)) if encrypted else None
    kept = keep(ShortReads(data), store, max_bytes=len(data), encryption=encryption)
    assert (kept.sha256_hex, kept.size) == (hashlib.sha256(data).hexdigest(), len(data))
    stored = b"".join(read_content(store, parse_cid(kept.root)))
    if encryption is not None:
        stored = b"".join(decrypt_stream(encryption.key, [stored]))
    assert stored == data


PEAK_RSS = """
import io, json, resource, sys
from pathlib import Path
from registry.content.store import LocalBlockstore
from registry.content.ingest import ingest

class Generated(io.RawIOBase):
    def __init__(self, size):
        self.left = size
        self.block = bytes(range(256)) * 4096
    def readable(self):
        return True
    def readinto(self, buffer):
        n = min(len(buffer), self.left, len(self.block))
        buffer[:n] = self.block[:n]
        self.left -= n
        return n

size = int(sys.argv[1])
store = LocalBlockstore(Path(sys.argv[2]))
result = ingest(io.BufferedReader(Generated(size)), store, max_bytes=size)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"size": result.size, "peak_kib": peak}))
"""


def peak_rss_kib(size: int, directory: Path) -> int:
    completed = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(size), str(directory)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    report = json.loads(completed.stdout)
    assert report["size"] == size
    return int(report["peak_kib"])


@pytest.mark.slow
def test_memory_stays_flat_for_a_200_mib_file(tmp_path: Path) -> None:
    small = peak_rss_kib(20 << 20, tmp_path / "small")
    large = peak_rss_kib(200 << 20, tmp_path / "large")
    # Ten times the bytes may not cost more than a few MiB more memory (it would be 180 MiB).
    assert large - small < 16 * 1024, (small, large)
