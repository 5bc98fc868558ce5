"""One pass over the bytes gives what each reference implementation gives separately."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import iscc_core
import pytest

from registry.content.ingest import ingest
from registry.content.store import LocalBlockstore
from registry.content.unixfs import cid_v1_rawleaves_256k
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
