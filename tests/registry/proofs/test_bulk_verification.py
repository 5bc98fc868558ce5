"""Bulk verification: thousands of digests answered in order, in a few queries."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from registry.core.errors import InvalidDigest
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime
from registry.proofs.bulk_verification import MAX_BULK_DIGESTS, verify_digests
from registry.registration.registrar import Registrar


def test_thousands_of_digests_are_answered_in_order(runtime: Runtime) -> None:
    contents = [f"catalogue item {n}".encode() for n in range(3)]
    numbers = [
        Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
        .register(io.BytesIO(c), WorkMetadata(title="t"))
        .number
        for c in contents
    ]
    unknown = [os.urandom(32).hex() for _ in range(1200)]
    registered = [hashlib.new("sm3", c).hexdigest() for c in contents]
    asked = [*unknown[:600], registered[0].upper(), *unknown[600:], *registered[1:]]
    result = verify_digests(runtime.sessions, "sm3", asked)
    assert [digest for digest, _views in result.items] == asked
    assert result.registered == 3
    found = dict(result.items)
    assert [v.number for v in found[registered[0].upper()]] == [numbers[0]]
    assert [v.number for v in found[registered[2]]] == [numbers[2]]
    assert found[unknown[0]] == []


def test_a_malformed_digest_is_answered_on_its_own(runtime: Runtime) -> None:
    result = verify_digests(runtime.sessions, "sha256", ["00" * 32, "not hex", "11" * 32])
    assert [digest for digest, _views in result.items] == ["00" * 32, "not hex", "11" * 32]
    assert list(result.errors) == [1]
    assert result.errors[1].code == "invalid_digest"
    assert result.errors[1].details["position"] == 1
    assert result.registered == 0


@pytest.mark.parametrize("count", [0, MAX_BULK_DIGESTS + 1])
def test_empty_or_oversized_requests_are_refused(runtime: Runtime, count: int) -> None:
    with pytest.raises(InvalidDigest):
        verify_digests(runtime.sessions, "sha256", ["00" * 32] * count)
