"""Bulk verification: thousands of digests answered in order, in a few queries."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from registry.bulk_verification import MAX_BULK_DIGESTS, verify_digests
from registry.errors import InvalidDigest
from registry.metadata import WorkMetadata
from registry.registration import register_work
from registry.runtime import Runtime


def test_thousands_of_digests_are_answered_in_order(runtime: Runtime) -> None:
    contents = [f"catalogue item {n}".encode() for n in range(3)]
    numbers = [
        register_work(
            runtime.sessions,
            runtime.store,
            io.BytesIO(c),
            WorkMetadata(title="t"),
            max_bytes=1 << 20,
            now=runtime.now,
        ).number
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


def test_one_malformed_digest_refuses_the_request_and_names_it(runtime: Runtime) -> None:
    with pytest.raises(InvalidDigest) as caught:
        verify_digests(runtime.sessions, "sha256", ["00" * 32, "not hex", "11" * 32])
    assert caught.value.details["position"] == 1


@pytest.mark.parametrize("count", [0, MAX_BULK_DIGESTS + 1])
def test_empty_or_oversized_requests_are_refused(runtime: Runtime, count: int) -> None:
    with pytest.raises(InvalidDigest):
        verify_digests(runtime.sessions, "sha256", ["00" * 32] * count)
