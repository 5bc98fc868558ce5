"""RFC 3161 trusted timestamps over a registration's claim leaf.

The token's message imprint is ``SHA-256(leaf)`` (the 32 raw bytes of the leaf): the leaf is the
hash of the canonical claim, so the token binds the claim itself (content digests, metadata,
registrant), whatever batch, Merkle path or chain it was later anchored in. A registration's token
is obtained once, when its proof bundle is first asked for after anchoring, and kept in the
``timestamp_tokens`` table; the first token stored is the one kept.

Checking is offline (``verify_token``): the imprint, the TSA's CMS signature over the TSTInfo
(``rfc3161ng.check_timestamp``, or :mod:`registry.proofs.timestamps_sm2` for a token signed
with SM2-with-SM3 as Chinese TSAs issue them), and the signer certificate: the pinned TSA
certificate, or one issued by a pinned CA, or (nothing pinned) the certificate the token carries;
it must carry the critical ``timeStamping`` extended key usage and be valid at the token's
``genTime``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc3161ng  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyasn1.codec.der import decoder, encoder  # type: ignore[import-untyped]
from pyasn1.error import PyAsn1Error  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from registry.core.errors import TimestampUnavailable
from registry.core.models import TimestampTokenRecord
from registry.core.settings import Settings
from registry.core.views import view_of
from registry.proofs import timestamps_sm2

HASHED = "leaf"  # what the imprint is the SHA-256 of
HASH_NAME = "sha256"
DEFAULT_TIMEOUT_SECONDS = 10.0
_GRANTED = (0, 1)  # granted, grantedWithMods


@dataclass(frozen=True)
class TimestampToken:
    """A DER ``TimeStampToken`` over ``SHA-256(leaf)`` and where it came from."""

    tsa: str
    token: bytes
    gen_time: datetime

    def to_json(self) -> dict[str, object]:
        return {
            "tsa": self.tsa,
            "token": base64.b64encode(self.token).decode("ascii"),
            "hashed": HASHED,
            "gen_time": self.gen_time.isoformat(),
        }


@dataclass
class TokenCheck:
    """The offline check of a token: ``ok``, when it was made, by whom, and what failed."""

    ok: bool = False
    gen_time: datetime | None = None
    signer: str | None = None
    pinned: bool = False
    algorithm: str | None = None  # SM2-with-SM3 for a token signed with SM2
    problems: list[str] = field(default_factory=list)


def leaf_imprint(leaf: bytes) -> bytes:
    return hashlib.sha256(leaf).digest()


def load_certificate(data: bytes) -> x509.Certificate:
    """A PEM or DER X.509 certificate; ``ValueError`` otherwise."""
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def _is_timestamping(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return False
    return usage.critical and ExtendedKeyUsageOID.TIME_STAMPING in usage.value


def _decode_token(token: bytes) -> Any:
    decoded, rest = decoder.decode(token, asn1Spec=rfc3161ng.TimeStampToken())
    if rest:
        raise ValueError("bytes after the token")
    return decoded


def _embedded_certificate(decoded: Any) -> x509.Certificate | None:
    try:
        first = decoded.content["certificates"][0][0]
    except (KeyError, IndexError, TypeError, PyAsn1Error):
        return None
    return x509.load_der_x509_certificate(encoder.encode(first))


def verify_token(
    token: bytes,
    leaf: bytes,
    certificate: bytes | None = None,
    *,
    nonce: int | None = None,
    sm2_id: bytes = timestamps_sm2.DEFAULT_ID,
) -> TokenCheck:
    """Check ``token`` over ``SHA-256(leaf)`` offline, against ``certificate`` (the TSA's, or its
    issuing CA's; PEM or DER) when given, else against the certificate the token carries. A token
    signed with SM2 is checked with the distinguishing ID ``sm2_id`` (the GB/T 35276 default)."""
    check = TokenCheck()
    try:
        decoded = _decode_token(token)
        info = decoded.tst_info
        imprint = info.message_imprint
        algorithm = imprint.hash_algorithm[0]
        hashed = bytes(imprint.hashed_message)
        token_nonce = info["nonce"]
        gen_time = rfc3161ng.get_timestamp(decoded, naive=False).astimezone(UTC)
        embedded = _embedded_certificate(decoded)
    except (PyAsn1Error, ValueError, TypeError, KeyError, AttributeError) as exc:
        check.problems.append(f"not an RFC 3161 TimeStampToken ({exc})")
        return check
    check.gen_time = gen_time
    if algorithm != rfc3161ng.id_sha256 or hashed != leaf_imprint(leaf):
        check.problems.append("the token's message imprint is not SHA-256 of the leaf")
    if nonce is not None and (not token_nonce.isValue or int(token_nonce) != nonce):
        check.problems.append("the token does not carry the request's nonce")
    try:
        _check_signer(decoded, leaf, certificate, embedded, gen_time, sm2_id, check)
    except ValueError as exc:  # cryptography reads a certificate's fields when first asked
        check.problems.append(f"a certificate of the token cannot be read ({exc})")
    check.ok = not check.problems
    return check


def _check_signer(
    decoded: Any,
    leaf: bytes,
    certificate: bytes | None,
    embedded: x509.Certificate | None,
    gen_time: datetime,
    sm2_id: bytes,
    check: TokenCheck,
) -> None:
    """The signer's certificate (pinned, issued by the pinned CA, or the token's own), its
    usage and validity, then the TSA's signature over the TSTInfo."""
    signer = _signer(embedded, certificate, check)
    if signer is None:
        return
    check.signer = signer.subject.rfc4514_string()
    if not _is_timestamping(signer):
        check.problems.append(
            "the signer's certificate lacks critical extendedKeyUsage timeStamping"
        )
    if not signer.not_valid_before_utc <= gen_time <= signer.not_valid_after_utc:
        check.problems.append("the signer's certificate was not valid at the token's genTime")
    sm2 = timestamps_sm2.is_sm2_token(decoded)
    if sm2:
        check.algorithm = timestamps_sm2.ALGORITHM_NAME
    if not check.problems:
        try:
            if sm2:
                timestamps_sm2.check_signature(decoded, signer, sm2_id)
            else:
                rfc3161ng.check_timestamp(
                    decoded,
                    certificate=signer.public_bytes(Encoding.DER),
                    digest=leaf_imprint(leaf),
                    hashname=HASH_NAME,
                )
        except (
            InvalidSignature,
            UnsupportedAlgorithm,
            ValueError,
            TypeError,
            PyAsn1Error,
            AttributeError,
        ) as exc:
            check.problems.append(f"the TSA's signature does not verify ({exc or 'bad signature'})")


def _signer(
    embedded: x509.Certificate | None, pinned: bytes | None, check: TokenCheck
) -> x509.Certificate | None:
    if pinned is None:
        if embedded is None:
            check.problems.append("the token carries no certificate and none was given")
        return embedded
    try:
        given = load_certificate(pinned)
    except ValueError as exc:
        check.problems.append(f"the given TSA certificate cannot be read ({exc})")
        return None
    check.pinned = True
    if _is_timestamping(given):
        return given
    # The given certificate is an issuer: the token's own certificate must be issued by it.
    if embedded is None:
        check.problems.append("the token carries no certificate to check against the given CA")
        return None
    if timestamps_sm2.sm2_key(given) is not None:
        if timestamps_sm2.issued_by(embedded, given):
            return embedded
        check.problems.append("the token's certificate is not issued by the given certificate")
        return None
    try:
        embedded.verify_directly_issued_by(given)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        check.problems.append("the token's certificate is not issued by the given certificate")
        return None
    return embedded


class TokenStore:
    """Tokens by leaf in ``timestamp_tokens``; the first one stored is the one kept."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sessions = sessions
        self.now = now

    def get(self, leaf_hex: str) -> TimestampToken | None:
        with self.sessions() as session:
            row = session.scalar(
                select(TimestampTokenRecord).where(TimestampTokenRecord.leaf == leaf_hex)
            )
            if row is None:
                return None
            return view_of(TimestampToken, row)

    def put(self, leaf_hex: str, token: TimestampToken) -> TimestampToken:
        """Store ``token`` unless one is stored already; returns the one kept."""
        try:
            with self.sessions.begin() as session:
                session.add(
                    TimestampTokenRecord(
                        leaf=leaf_hex,
                        tsa=token.tsa,
                        token=token.token,
                        gen_time=token.gen_time,
                        obtained_at=self.now(),
                    )
                )
        except IntegrityError:
            pass  # another request stored one first: that one is kept
        kept = self.get(leaf_hex)
        if kept is None:
            raise TimestampUnavailable(
                "the timestamp token could not be stored", details={"leaf": leaf_hex}
            )
        return kept


@dataclass(frozen=True)
class Timestamper:
    """Obtains (once) and keeps the token of a leaf from one TSA."""

    url: str
    store: TokenStore
    certificate: bytes | Path | None = None  # the TSA's or its CA's (PEM or DER), or a file
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    def token_for(self, leaf_hex: str) -> TimestampToken:
        """The kept token of ``leaf_hex``, obtained from the TSA first if there is none yet;
        :class:`TimestampUnavailable` when the TSA cannot give one that checks."""
        kept = self.store.get(leaf_hex)
        if kept is not None:
            return kept
        try:
            pinned = (
                self.certificate.read_bytes()
                if isinstance(self.certificate, Path)
                else self.certificate
            )
        except OSError as exc:
            raise TimestampUnavailable(
                f"the TSA certificate cannot be read: {exc}", details={"tsa": self.url}
            ) from exc
        token = request_token(
            self.url, bytes.fromhex(leaf_hex), certificate=pinned, timeout=self.timeout
        )
        return self.store.put(leaf_hex, token)


def request_token(
    url: str,
    leaf: bytes,
    *,
    certificate: bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> TimestampToken:
    """Ask the TSA at ``url`` for a token over ``SHA-256(leaf)`` (with a nonce and certReq) and
    check it (against ``certificate`` when given) before it is trusted."""
    nonce = secrets.randbits(63)
    remote = rfc3161ng.RemoteTimestamper(
        url, hashname=HASH_NAME, include_tsa_certificate=True, timeout=timeout
    )
    try:
        response = remote(digest=leaf_imprint(leaf), nonce=nonce, return_tsr=True)
        status = int(response.status["status"])
        token = encoder.encode(response.time_stamp_token) if status in _GRANTED else None
    except (rfc3161ng.TimestampingError, PyAsn1Error, ValueError, TypeError) as exc:
        raise TimestampUnavailable(
            f"the time-stamping authority could not be reached or answered badly: {exc}",
            details={"tsa": url},
        ) from exc
    if token is None:
        raise TimestampUnavailable(
            f"the time-stamping authority refused the request (PKIStatus {status})",
            details={"tsa": url, "status": status},
        )
    check = verify_token(token, leaf, certificate, nonce=nonce)
    if not check.ok or check.gen_time is None:
        raise TimestampUnavailable(
            "the time-stamping authority's token does not check: " + "; ".join(check.problems),
            details={"tsa": url},
        )
    return TimestampToken(tsa=url, token=token, gen_time=check.gen_time)


def timestamper_for(
    settings: Settings, sessions: sessionmaker[Session], now: Callable[[], datetime] | None = None
) -> Timestamper | None:
    """The configured TSA (``BANQUAN_TSA_URL``), or None: then bundles carry no timestamp."""
    if not settings.tsa_url:
        return None
    return Timestamper(
        url=settings.tsa_url,
        store=TokenStore(sessions) if now is None else TokenStore(sessions, now),
        certificate=certificate_setting(settings.tsa_certificate),
    )


def certificate_setting(value: str | None) -> bytes | Path | None:
    """``BANQUAN_TSA_CERTIFICATE``: a PEM text, or the path of a PEM or DER file (read when a
    token is checked, so a missing file gives a warning in the bundle, not a failed request)."""
    if not value:
        return None
    if "-----BEGIN" in value:
        return value.encode("ascii")
    return Path(value)
