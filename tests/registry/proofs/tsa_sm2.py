"""An SM2 time-stamping authority for tests, as Chinese TSAs sign: SM3 digest, SM2-with-SM3.

OpenSSL 3.0's ``ts -reply`` cannot sign with an SM2 key (``PKCS7_SIGNER_INFO_set: signing not
supported for this key type``) and neither can ``cms -sign`` (it writes an empty signature), so
the reply is assembled here in DER — TSTInfo, signed attributes (content type, signing time, SM3
message digest, ESS signingCertificateV2), SignedData — and the signed attributes are signed by
OpenSSL itself: ``openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt
distid:1234567812345678``. The CA and TSA keys and certificates are made by the ``openssl``
command (``genpkey -algorithm SM2``, ``req``/``x509 -sm3 -sigopt distid:…``).
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import rfc3161ng  # type: ignore[import-untyped]
from cryptography import x509
from pyasn1.codec.der import decoder, encoder  # type: ignore[import-untyped]

from crypto import _der

DISTID = "1234567812345678"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
OID_SM3 = "1.2.156.10197.1.401"
OID_SM2_WITH_SM3 = "1.2.156.10197.1.501"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_TIME = "1.2.840.113549.1.9.5"
OID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
POLICY = "1.2.3.4.1"


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_sm2_authority_files(directory: Path) -> tuple[Path, Path]:
    """An SM2 CA and an SM2 TSA certificate it issued (critical timeStamping), signed with the
    default distinguishing ID; returns (ca.pem, tsa.pem)."""
    d = directory
    _openssl("genpkey", "-algorithm", "SM2", "-out", str(d / "ca.key"))
    _openssl("genpkey", "-algorithm", "SM2", "-out", str(d / "tsa.key"))
    _openssl(
        "req", "-new", "-x509", "-key", str(d / "ca.key"), "-sm3",
        "-sigopt", f"distid:{DISTID}", "-subj", "/O=banquan tests/CN=banquan test SM2 CA",
        "-days", "2", "-addext", "basicConstraints=critical,CA:true",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", str(d / "ca.pem"),
    )  # fmt: skip
    _openssl(
        "req", "-new", "-key", str(d / "tsa.key"), "-sm3", "-sigopt", f"distid:{DISTID}",
        "-subj", "/O=banquan tests/CN=banquan test SM2 TSA", "-out", str(d / "tsa.csr"),
    )  # fmt: skip
    (d / "tsa.ext").write_text(
        "basicConstraints=critical,CA:false\n"
        "keyUsage=critical,digitalSignature,nonRepudiation\n"
        "extendedKeyUsage=critical,timeStamping\n"
        "subjectKeyIdentifier=hash\n"
    )
    _openssl(
        "x509", "-req", "-in", str(d / "tsa.csr"), "-CA", str(d / "ca.pem"),
        "-CAkey", str(d / "ca.key"), "-sm3", "-sigopt", f"distid:{DISTID}",
        "-vfyopt", f"distid:{DISTID}", "-set_serial", "0x5a2", "-days", "2",
        "-extfile", str(d / "tsa.ext"), "-out", str(d / "tsa.pem"),
    )  # fmt: skip
    (d / "serial").write_text("1\n")
    return d / "ca.pem", d / "tsa.pem"


def _oid(dotted: str) -> bytes:
    numbers = [int(part) for part in dotted.split(".")]
    body = bytearray([40 * numbers[0] + numbers[1]])
    for number in numbers[2:]:
        chunk = [number & 0x7F]
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7F))
            number >>= 7
        body.extend(reversed(chunk))
    return _der.encode(_der.OBJECT_IDENTIFIER, bytes(body))


def _algorithm(dotted: str) -> bytes:
    return _der.encode_sequence(_oid(dotted))


def _attribute(dotted: str, value: bytes) -> bytes:
    return _der.encode_sequence(_oid(dotted), _der.encode(0x31, value))


def sm2_reply(directory: Path, query: bytes) -> bytes:
    """The granted ``TimeStampResp`` to a DER ``TimeStampReq``, signed with the SM2 TSA key."""
    request, _ = decoder.decode(query, asn1Spec=rfc3161ng.TimeStampReq())
    imprint = encoder.encode(request["messageImprint"])
    nonce = request["nonce"]
    serial_file = directory / "serial"
    serial = int(serial_file.read_text())
    serial_file.write_text(f"{serial + 1}\n")
    now = datetime.now(UTC)
    tst_info = _der.encode_sequence(
        _der.encode_integer(1),
        _oid(POLICY),
        imprint,
        _der.encode_integer(serial),
        _der.encode(0x18, now.strftime("%Y%m%d%H%M%SZ").encode("ascii")),
        _der.encode_sequence(_der.encode_integer(1)),  # accuracy: 1 s
        *([_der.encode_integer(int(nonce))] if nonce.isValue else []),
    )
    certificate_pem = (directory / "tsa.pem").read_bytes()
    certificate = x509.load_pem_x509_certificate(certificate_pem)
    certificate_der = subprocess.run(
        ["openssl", "x509", "-outform", "DER", "-in", str(directory / "tsa.pem")],
        check=True,
        capture_output=True,
    ).stdout
    ess = _der.encode_sequence(
        _der.encode_sequence(
            _der.encode_sequence(
                _der.encode(_der.OCTET_STRING, hashlib.sha256(certificate_der).digest())
            )
        )
    )
    attributes = sorted(
        [
            _attribute(OID_CONTENT_TYPE, _oid(OID_TST_INFO)),
            _attribute(OID_SIGNING_TIME, _der.encode(0x17, now.strftime("%y%m%d%H%M%SZ").encode())),
            _attribute(
                OID_MESSAGE_DIGEST,
                _der.encode(_der.OCTET_STRING, hashlib.new("sm3", tst_info).digest()),
            ),
            _attribute(OID_SIGNING_CERTIFICATE_V2, ess),
        ]
    )
    signed = _der.encode(0x31, b"".join(attributes))
    (directory / "attributes.der").write_bytes(signed)
    _openssl(
        "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", str(directory / "tsa.key"),
        "-pkeyopt", f"distid:{DISTID}", "-in", str(directory / "attributes.der"),
        "-out", str(directory / "attributes.sig"),
    )  # fmt: skip
    signature = (directory / "attributes.sig").read_bytes()
    signer_info = _der.encode_sequence(
        _der.encode_integer(1),
        _der.encode_sequence(
            certificate.issuer.public_bytes(), _der.encode_integer(certificate.serial_number)
        ),
        _algorithm(OID_SM3),
        b"\xa0" + signed[1:],  # [0] IMPLICIT signedAttrs
        _algorithm(OID_SM2_WITH_SM3),
        _der.encode(_der.OCTET_STRING, signature),
    )
    signed_data = _der.encode_sequence(
        _der.encode_integer(3),
        _der.encode(0x31, _algorithm(OID_SM3)),
        _der.encode_sequence(
            _oid(OID_TST_INFO), _der.encode(0xA0, _der.encode(_der.OCTET_STRING, tst_info))
        ),
        _der.encode(0xA0, certificate_der),
        _der.encode(0x31, signer_info),
    )
    token = _der.encode_sequence(_oid(OID_SIGNED_DATA), _der.encode(0xA0, signed_data))
    status = _der.encode_sequence(_der.encode_integer(0))
    return _der.encode_sequence(status, token)
