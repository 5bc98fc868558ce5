"""RFC 3161 tokens over a claim leaf, from a real OpenSSL TSA: obtained once, checked offline by
banquan and by ``openssl ts -verify``; tampered tokens, other leaves and other TSAs fail."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import rfc3161ng  # type: ignore[import-untyped]

from registry.core.errors import TimestampUnavailable
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime
from registry.proofs.timestamps import (
    Timestamper,
    TimestampToken,
    TokenStore,
    leaf_imprint,
    request_token,
    timestamper_for,
    verify_token,
)
from registry.registration.registrar import Registrar
from tests.conftest import free_port
from tests.registry.proofs.tsa import (
    LocalAuthority,
    make_authority_files,
    openssl_verify,
    serve_authority,
)

LEAF = hashlib.sha256(b"a claim leaf").digest()


@pytest.fixture(scope="module")
def tsa() -> Iterator[LocalAuthority]:
    with serve_authority() as authority:
        yield authority


@pytest.fixture(scope="module")
def other_tsa_certificate() -> Iterator[bytes]:
    """The certificate of another TSA (and CA) that signed nothing here."""
    with tempfile.TemporaryDirectory() as directory:
        _, tsa_pem = make_authority_files(Path(directory))
        yield tsa_pem.read_bytes()


@pytest.fixture
def token(tsa: LocalAuthority) -> TimestampToken:
    return request_token(tsa.url, LEAF, certificate=tsa.tsa_certificate)


@pytest.fixture
def registered_leaf(runtime: Runtime) -> str:
    """The leaf of a real registration (tokens are kept by registration leaf)."""
    view = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now).register(
        io.BytesIO(b"a registered work"), WorkMetadata(title="timestamped")
    )
    return view.leaf


def flip_gen_time(token: bytes) -> bytes:
    """The token with one digit of its genTime (GeneralizedTime, tag 0x18) changed."""
    at = token.index(b"\x18\x0f")
    tampered = bytearray(token)
    tampered[at + 5] ^= 0x01
    return bytes(tampered)


def test_token_over_the_leaf_checks_with_banquan_and_openssl(
    tsa: LocalAuthority, token: TimestampToken
) -> None:
    check = verify_token(token.token, LEAF, tsa.tsa_certificate)
    assert check.ok, check.problems
    assert check.pinned
    assert check.gen_time == token.gen_time
    assert check.signer is not None
    assert "banquan test TSA" in check.signer
    assert rfc3161ng.check_timestamp(
        token.token, certificate=tsa.tsa_certificate, digest=leaf_imprint(LEAF), hashname="sha256"
    )
    assert openssl_verify(tsa.directory, token.token, leaf_imprint(LEAF).hex(), tsa.ca_pem)


def test_the_request_carries_sha256_of_the_leaf_a_nonce_and_cert_req(
    tsa: LocalAuthority, token: TimestampToken
) -> None:
    request = rfc3161ng.decode_timestamp_request(tsa.requests[-1])
    assert request["messageImprint"]["hashAlgorithm"][0] == rfc3161ng.id_sha256
    assert bytes(request["messageImprint"]["hashedMessage"]) == leaf_imprint(LEAF)
    assert request["nonce"].isValue
    assert bool(request["certReq"])
    assert token.tsa == tsa.url


def test_a_token_is_obtained_once_and_kept(
    tsa: LocalAuthority, runtime: Runtime, registered_leaf: str
) -> None:
    timestamper = Timestamper(tsa.url, TokenStore(runtime.sessions), tsa.tsa_certificate)
    before = len(tsa.requests)
    first = timestamper.token_for(registered_leaf)
    assert verify_token(first.token, bytes.fromhex(registered_leaf), tsa.tsa_certificate).ok
    again = timestamper.token_for(registered_leaf)
    assert again == first
    assert len(tsa.requests) == before + 1
    reopened = Timestamper(tsa.url, TokenStore(runtime.sessions))
    assert reopened.token_for(registered_leaf) == first
    assert len(tsa.requests) == before + 1


def test_the_first_token_stored_is_the_one_kept(
    tsa: LocalAuthority, runtime: Runtime, registered_leaf: str
) -> None:
    store = TokenStore(runtime.sessions)
    leaf = bytes.fromhex(registered_leaf)
    first = request_token(tsa.url, leaf)
    later = request_token(tsa.url, leaf)
    assert later.token != first.token  # another nonce, serial and signature
    assert store.put(registered_leaf, first) == first
    assert store.put(registered_leaf, later) == first


def test_the_token_checks_against_the_issuing_ca_and_its_own_certificate(
    tsa: LocalAuthority, token: TimestampToken
) -> None:
    by_ca = verify_token(token.token, LEAF, tsa.ca_pem.read_bytes())
    assert by_ca.ok, by_ca.problems
    embedded = verify_token(token.token, LEAF)
    assert embedded.ok, embedded.problems
    assert not embedded.pinned


def test_a_token_over_another_leaf_fails(tsa: LocalAuthority, token: TimestampToken) -> None:
    other = hashlib.sha256(b"another claim").digest()
    check = verify_token(token.token, other, tsa.tsa_certificate)
    assert not check.ok
    assert any("imprint" in problem for problem in check.problems)
    assert not openssl_verify(tsa.directory, token.token, leaf_imprint(other).hex(), tsa.ca_pem)


def test_a_tampered_token_fails_with_banquan_and_openssl(
    tsa: LocalAuthority, token: TimestampToken
) -> None:
    tampered = flip_gen_time(token.token)
    assert not verify_token(tampered, LEAF, tsa.tsa_certificate).ok
    assert not verify_token(tampered, LEAF).ok
    assert not openssl_verify(tsa.directory, tampered, leaf_imprint(LEAF).hex(), tsa.ca_pem)


@pytest.mark.parametrize("garbage", [b"", b"\x30\x03\x02\x01\x01", os.urandom(64)])
def test_garbage_is_not_a_token(garbage: bytes) -> None:
    check = verify_token(garbage, LEAF)
    assert not check.ok
    assert check.problems


def test_a_token_signed_by_another_tsa_fails(
    token: TimestampToken, other_tsa_certificate: bytes
) -> None:
    check = verify_token(token.token, LEAF, other_tsa_certificate)
    assert not check.ok
    assert any("signature" in problem for problem in check.problems)


def test_a_certificate_that_cannot_be_read_fails_the_check(token: TimestampToken) -> None:
    check = verify_token(token.token, LEAF, b"not a certificate")
    assert not check.ok


def test_an_unreachable_tsa_gives_no_token_and_stores_nothing(
    runtime: Runtime, registered_leaf: str
) -> None:
    store = TokenStore(runtime.sessions)
    down = Timestamper(f"http://127.0.0.1:{free_port()}/tsa", store, timeout=2)
    with pytest.raises(TimestampUnavailable, match="could not be reached"):
        down.token_for(registered_leaf)
    assert store.get(registered_leaf) is None


def test_a_token_not_from_the_configured_tsa_is_refused_on_receipt(
    tsa: LocalAuthority, runtime: Runtime, registered_leaf: str, other_tsa_certificate: bytes
) -> None:
    store = TokenStore(runtime.sessions)
    pinned_elsewhere = Timestamper(tsa.url, store, other_tsa_certificate)
    with pytest.raises(TimestampUnavailable, match="does not check"):
        pinned_elsewhere.token_for(registered_leaf)
    assert store.get(registered_leaf) is None


def test_settings_without_a_tsa_give_no_timestamper(runtime: Runtime) -> None:
    assert runtime.settings.tsa_url is None
    assert timestamper_for(runtime.settings, runtime.sessions) is None


def test_settings_name_the_tsa_and_its_certificate_file(
    tsa: LocalAuthority, runtime: Runtime, registered_leaf: str
) -> None:
    settings = runtime.settings.model_copy(
        update={"tsa_url": tsa.url, "tsa_certificate": str(tsa.ca_pem)}
    )
    configured = timestamper_for(settings, runtime.sessions, runtime.now)
    assert configured is not None
    token = configured.token_for(registered_leaf)
    assert verify_token(token.token, bytes.fromhex(registered_leaf), tsa.ca_pem.read_bytes()).ok


def test_a_missing_certificate_file_gives_no_token(
    tsa: LocalAuthority, runtime: Runtime, registered_leaf: str, tmp_path: Path
) -> None:
    settings = runtime.settings.model_copy(
        update={"tsa_url": tsa.url, "tsa_certificate": str(tmp_path / "none.pem")}
    )
    configured = timestamper_for(settings, runtime.sessions)
    assert configured is not None
    with pytest.raises(TimestampUnavailable, match="cannot be read"):
        configured.token_for(registered_leaf)
    assert configured.store.get(registered_leaf) is None
