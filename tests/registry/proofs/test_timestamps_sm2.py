"""RFC 3161 tokens signed with SM2-with-SM3 (SM3 digest), from a local SM2 TSA whose signature
OpenSSL makes: received and kept by the registry, checked offline with banquan's SM2 code against
the TSA's certificate, its SM2 CA or the token's own certificate; tampered tokens, another TSA
and another distinguishing ID fail the named check."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import rfc3161ng  # type: ignore[import-untyped]
from pyasn1.codec.der import decoder  # type: ignore[import-untyped]

from registry.platform.runtime import Runtime
from registry.proofs.timestamps import (
    Timestamper,
    TimestampToken,
    TokenStore,
    request_token,
    verify_token,
)
from registry.proofs.timestamps_sm2 import SM2_WITH_SM3, SM3, is_sm2_token
from tests.registry.proofs.test_timestamps import LEAF, registered_leaf
from tests.registry.proofs.tsa import LocalAuthority, make_authority_files, serve_authority
from tests.registry.proofs.tsa_sm2 import make_sm2_authority_files

__all__ = ["registered_leaf"]  # the fixture, shared with the RSA tests


@pytest.fixture(scope="module")
def sm2_tsa() -> Iterator[LocalAuthority]:
    with serve_authority(sm2=True) as authority:
        yield authority


@pytest.fixture(scope="module")
def other_sm2_tsa_certificate() -> Iterator[bytes]:
    with tempfile.TemporaryDirectory() as directory:
        _, tsa_pem = make_sm2_authority_files(Path(directory))
        yield tsa_pem.read_bytes()


@pytest.fixture(scope="module")
def rsa_tsa_certificate() -> Iterator[bytes]:
    with tempfile.TemporaryDirectory() as directory:
        _, tsa_pem = make_authority_files(Path(directory))
        yield tsa_pem.read_bytes()


@pytest.fixture
def sm2_token(sm2_tsa: LocalAuthority) -> TimestampToken:
    return request_token(sm2_tsa.url, LEAF, certificate=sm2_tsa.tsa_certificate)


def test_the_token_is_signed_with_sm2_with_sm3(sm2_token: TimestampToken) -> None:
    decoded, _ = decoder.decode(sm2_token.token, asn1Spec=rfc3161ng.TimeStampToken())
    signer = decoded.content["signerInfos"][0]
    assert str(signer["digestAlgorithm"]["algorithm"]) == SM3
    assert str(signer["digestEncryptionAlgorithm"]["algorithm"]) == SM2_WITH_SM3
    assert is_sm2_token(decoded)


def test_an_sm2_token_checks_against_the_tsa_certificate(
    sm2_tsa: LocalAuthority, sm2_token: TimestampToken
) -> None:
    check = verify_token(sm2_token.token, LEAF, sm2_tsa.tsa_certificate)
    assert check.ok, check.problems
    assert check.pinned
    assert check.algorithm == "SM2-with-SM3"
    assert check.signer is not None
    assert "banquan test SM2 TSA" in check.signer
    assert check.gen_time == sm2_token.gen_time


def test_an_sm2_token_checks_against_its_sm2_ca_and_its_own_certificate(
    sm2_tsa: LocalAuthority, sm2_token: TimestampToken
) -> None:
    by_ca = verify_token(sm2_token.token, LEAF, sm2_tsa.ca_pem.read_bytes())
    assert by_ca.ok, by_ca.problems
    embedded = verify_token(sm2_token.token, LEAF)
    assert embedded.ok, embedded.problems
    assert not embedded.pinned


def test_the_registry_obtains_and_keeps_an_sm2_token(
    sm2_tsa: LocalAuthority, runtime: Runtime, registered_leaf: str
) -> None:
    timestamper = Timestamper(sm2_tsa.url, TokenStore(runtime.sessions), sm2_tsa.ca_pem)
    kept = timestamper.token_for(registered_leaf)
    assert verify_token(kept.token, bytes.fromhex(registered_leaf), sm2_tsa.tsa_certificate).ok
    assert TokenStore(runtime.sessions).get(registered_leaf) == kept


def test_a_tampered_sm2_token_fails_the_signature_check(
    sm2_tsa: LocalAuthority, sm2_token: TimestampToken
) -> None:
    # genTime a minute later: still inside the TSA certificate's validity, whose notBefore may
    # be the token's very second, so only the signature can fail
    at = sm2_token.token.index(b"\x18\x0f") + 2
    gen_time = datetime.strptime(sm2_token.token[at : at + 15].decode(), "%Y%m%d%H%M%SZ")
    later = (gen_time + timedelta(minutes=1)).strftime("%Y%m%d%H%M%SZ").encode()
    tampered = sm2_token.token[:at] + later + sm2_token.token[at + 15 :]
    check = verify_token(tampered, LEAF, sm2_tsa.tsa_certificate)
    assert not check.ok
    assert any("does not verify" in problem for problem in check.problems), check.problems
    assert any("digest" in problem for problem in check.problems), check.problems


def test_a_flipped_signature_bit_fails(sm2_tsa: LocalAuthority, sm2_token: TimestampToken) -> None:
    tampered = bytearray(sm2_token.token)
    tampered[-5] ^= 0x01  # inside the signature's s, the token's last field
    check = verify_token(bytes(tampered), LEAF, sm2_tsa.tsa_certificate)
    assert not check.ok
    assert any("SM2 signature does not verify" in problem for problem in check.problems)


def test_another_sm2_tsa_or_an_rsa_tsa_certificate_fails(
    sm2_token: TimestampToken, other_sm2_tsa_certificate: bytes, rsa_tsa_certificate: bytes
) -> None:
    for certificate in (other_sm2_tsa_certificate, rsa_tsa_certificate):
        check = verify_token(sm2_token.token, LEAF, certificate)
        assert not check.ok
        assert any("does not verify" in problem for problem in check.problems), check.problems


def test_another_distinguishing_id_fails(
    sm2_tsa: LocalAuthority, sm2_token: TimestampToken
) -> None:
    check = verify_token(
        sm2_token.token, LEAF, sm2_tsa.tsa_certificate, sm2_id=b"ALICE123@YAHOO.COM"
    )
    assert not check.ok
    assert any("ALICE123@YAHOO.COM" in problem for problem in check.problems)


def test_a_token_over_another_leaf_fails(
    sm2_tsa: LocalAuthority, sm2_token: TimestampToken
) -> None:
    check = verify_token(sm2_token.token, hashlib.sha256(b"x").digest(), sm2_tsa.tsa_certificate)
    assert not check.ok
    assert any("imprint" in problem for problem in check.problems)


def test_a_token_whose_certificate_cannot_be_read_fails_without_raising(
    sm2_token: TimestampToken,
) -> None:
    at = sm2_token.token.index(b"banquan test SM2 TSA")  # the TSA certificate's subject CN
    tampered = bytearray(sm2_token.token)
    tampered[at - 2] = 0x05  # the UTF8String becomes a NULL with content: not DER
    check = verify_token(bytes(tampered), LEAF)
    assert not check.ok
    assert check.problems
