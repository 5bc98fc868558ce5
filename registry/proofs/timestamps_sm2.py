"""RFC 3161 tokens signed with SM2, as Chinese time-stamping authorities issue them.

The token is the usual CMS ``SignedData`` over a ``TSTInfo``; its signer uses the digest SM3
(``1.2.156.10197.1.401``) and the signature algorithm SM2-with-SM3 (``1.2.156.10197.1.501``, or
the bare ``sm2sign`` ``1.2.156.10197.1.301.1`` some authorities write), the signature being DER
``SEQUENCE { r, s }``. ``cryptography`` knows neither the curve nor the algorithm, so the check is
made here with banquan's own SM2 code (:mod:`crypto.sm2`): the signed attributes must carry the
``TSTInfo`` content type and its SM3 (or SHA-256) digest, the signer identifier must name the
given certificate, and the SM2 signature over the DER ``SET OF`` signed attributes must verify
with the certificate's key and the distinguishing ID — ``1234567812345678`` (GB/T 35276,
RFC 8998) unless the caller gives another.

A certificate issued by an SM2 CA is checked the same way: names, then the CA's SM2 signature
over the ``tbsCertificate``, with the default ID or, failing that, the empty ID OpenSSL 3.0 signs
certificates with when no ID is set.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

import rfc3161ng  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyasn1.codec.der import decoder, encoder  # type: ignore[import-untyped]
from pyasn1.error import PyAsn1Error  # type: ignore[import-untyped]
from pyasn1.type import univ  # type: ignore[import-untyped]
from pyasn1_modules import rfc5280  # type: ignore[import-untyped]

from crypto.errors import CryptoError
from crypto.sm2 import DEFAULT_ID, SM2PublicKey

__all__ = [
    "ALGORITHM_NAME",
    "DEFAULT_ID",
    "SIGNATURE_ALGORITHMS",
    "check_signature",
    "is_sm2_token",
    "issued_by",
    "signer_algorithm",
    "sm2_key",
]

SM2_WITH_SM3: Final = "1.2.156.10197.1.501"
SM2_SIGN: Final = "1.2.156.10197.1.301.1"
SM3: Final = "1.2.156.10197.1.401"
SHA256: Final = "2.16.840.1.101.3.4.2.1"
SIGNATURE_ALGORITHMS: Final = frozenset({SM2_WITH_SM3, SM2_SIGN})
ALGORITHM_NAME: Final = "SM2-with-SM3"

_CONTENT_TYPE: Final = "1.2.840.113549.1.9.3"
_MESSAGE_DIGEST: Final = "1.2.840.113549.1.9.4"
_DIGESTS: Final = {SM3: "sm3", SHA256: "sha256"}


def signer_algorithm(decoded: Any) -> str | None:
    """The signature algorithm OID of the token's (first) signer, or None."""
    try:
        return str(decoded.content["signerInfos"][0]["digestEncryptionAlgorithm"]["algorithm"])
    except (KeyError, IndexError, TypeError, PyAsn1Error):
        return None


def is_sm2_token(decoded: Any) -> bool:
    """Whether the token's signer signed with SM2."""
    return signer_algorithm(decoded) in SIGNATURE_ALGORITHMS


def sm2_key(certificate: x509.Certificate, distid: bytes = DEFAULT_ID) -> SM2PublicKey | None:
    """The certificate's SM2 public key, or None when its key is not on the SM2 curve."""
    try:
        parsed, _ = decoder.decode(
            certificate.public_bytes(Encoding.DER), asn1Spec=rfc5280.Certificate()
        )
        spki = encoder.encode(parsed["tbsCertificate"]["subjectPublicKeyInfo"])
        return SM2PublicKey.from_der(spki, distid)
    except (CryptoError, PyAsn1Error, ValueError):
        return None


def check_signature(
    decoded: Any, certificate: x509.Certificate, distid: bytes = DEFAULT_ID
) -> None:
    """Check the SM2 signature of a decoded ``TimeStampToken`` by ``certificate``; raises
    :class:`ValueError` naming what does not hold."""
    key = sm2_key(certificate, distid)
    if key is None:
        raise ValueError("the token is signed with SM2 but the certificate's key is not SM2")
    signed_data = decoded.content
    if signed_data["contentInfo"]["contentType"] != rfc3161ng.id_ct_TSTInfo:
        raise ValueError("the signed content is not a TSTInfo")
    if not len(signed_data["signerInfos"]):
        raise ValueError("the token has no signer")
    signer = signed_data["signerInfos"][0]
    _check_signer_names(signer, certificate)
    digest_oid = str(signer["digestAlgorithm"]["algorithm"])
    if digest_oid not in _DIGESTS:
        raise ValueError(f"SM2 signer digest {digest_oid} is neither SM3 nor SHA-256")
    content, _ = decoder.decode(
        bytes(signed_data["contentInfo"]["content"]), asn1Spec=univ.OctetString()
    )
    attributes = signer["authenticatedAttributes"]
    if not len(attributes):
        raise ValueError("the SM2 signer has no signed attributes")
    found = {str(attribute[0]): bytes(attribute[1][0]) for attribute in attributes}
    if _MESSAGE_DIGEST not in found or _CONTENT_TYPE not in found:
        raise ValueError("the signed attributes lack the content type or the message digest")
    content_type, _ = decoder.decode(found[_CONTENT_TYPE], asn1Spec=univ.ObjectIdentifier())
    if content_type != rfc3161ng.id_ct_TSTInfo:
        raise ValueError("the signed content type is not TSTInfo")
    signed_digest, _ = decoder.decode(found[_MESSAGE_DIGEST], asn1Spec=univ.OctetString())
    if bytes(signed_digest) != hashlib.new(_DIGESTS[digest_oid], bytes(content)).digest():
        raise ValueError("the TSTInfo's digest is not the signed message digest")
    signed = univ.SetOf()
    for position, attribute in enumerate(attributes):
        signed.setComponentByPosition(position, attribute)
    if not key.verify_der(encoder.encode(signed), bytes(signer["encryptedDigest"])):
        raise ValueError(
            f"the SM2 signature does not verify (distinguishing ID {distid.decode('latin-1')})"
        )


def _check_signer_names(signer: Any, certificate: x509.Certificate) -> None:
    identifier = signer["issuerAndSerialNumber"]
    issuer = encoder.encode(identifier["issuer"])
    if int(identifier["serialNumber"]) != certificate.serial_number or issuer != (
        certificate.issuer.public_bytes()
    ):
        raise ValueError("the token's signer is not the certificate checked against")


def issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether SM2 CA ``issuer`` issued ``certificate`` (names and SM2 signature)."""
    if certificate.issuer != issuer.subject:
        return False
    if certificate.signature_algorithm_oid.dotted_string not in SIGNATURE_ALGORITHMS:
        return False
    key = sm2_key(issuer)
    if key is None:
        return False
    tbs, signature = certificate.tbs_certificate_bytes, certificate.signature
    return key.verify_der(tbs, signature) or key.with_id(b"").verify_der(tbs, signature)
