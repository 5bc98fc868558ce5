"""A real RFC 3161 time-stamping authority for tests: OpenSSL's ``ts -reply`` behind HTTP.

A CA and a TSA certificate (extendedKeyUsage critical timeStamping) are made with
``cryptography``; each ``application/timestamp-query`` POSTed to the server is answered by piping
it through ``openssl ts -reply`` with a ``[tsa]`` configuration section.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.registry.proofs.tsa_sm2 import make_sm2_authority_files, sm2_reply


@dataclass(frozen=True)
class LocalAuthority:
    """Where the TSA's files are and how it is reached."""

    url: str
    directory: Path
    ca_pem: Path
    tsa_pem: Path
    requests: list[bytes]

    @property
    def tsa_certificate(self) -> bytes:
        return self.tsa_pem.read_bytes()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "banquan tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name | None,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer or _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        ).add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def make_authority_files(directory: Path) -> tuple[Path, Path]:
    """CA and TSA keys and certificates plus an openssl.cnf ``[tsa]`` section in ``directory``;
    returns (ca.pem, tsa.pem)."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_cert = _certificate("banquan test CA", ca_key, None, ca_key, ca=True)
    tsa_cert = _certificate("banquan test TSA", tsa_key, ca_cert.subject, ca_key, ca=False)
    (directory / "ca.pem").write_bytes(_pem(ca_cert))
    (directory / "tsa.pem").write_bytes(_pem(tsa_cert))
    (directory / "tsa.key").write_bytes(
        tsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (directory / "serial").write_text("01\n")
    (directory / "openssl.cnf").write_text(
        f"""\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {directory}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
    )
    return directory / "ca.pem", directory / "tsa.pem"


@contextmanager
def serve_authority(*, sm2: bool = False) -> Iterator[LocalAuthority]:
    """Run the TSA on a free loopback port (a thread) until the block ends; with ``sm2`` an
    SM2 authority signing SM2-with-SM3 (:mod:`tests.registry.proofs.tsa_sm2`)."""
    with tempfile.TemporaryDirectory(prefix="banquan-tsa-") as temporary:
        directory = Path(temporary)
        make_files = make_sm2_authority_files if sm2 else make_authority_files
        ca_pem, tsa_pem = make_files(directory)
        answer = sm2_reply if sm2 else _reply
        received: list[bytes] = []
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                query = self.rfile.read(length)
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415)
                    return
                with lock:  # the serial file is read and rewritten by each reply
                    received.append(query)
                    reply = answer(directory, query)
                if reply is None:
                    self.send_error(500)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LocalAuthority(
                url=f"http://127.0.0.1:{server.server_address[1]}/tsa",
                directory=directory,
                ca_pem=ca_pem,
                tsa_pem=tsa_pem,
                requests=received,
            )
        finally:
            server.shutdown()
            server.server_close()
            thread.join(10)


def _reply(directory: Path, query: bytes) -> bytes | None:
    query_file = directory / "query.tsq"
    reply_file = directory / "reply.tsr"
    query_file.write_bytes(query)
    result = subprocess.run(
        [
            "openssl",
            "ts",
            "-reply",
            "-config",
            str(directory / "openssl.cnf"),
            "-queryfile",
            str(query_file),
            "-out",
            str(reply_file),
        ],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        return None
    return reply_file.read_bytes()


def openssl_verify(directory: Path, token_der: bytes, digest_hex: str, ca_pem: Path) -> bool:
    """``openssl ts -verify`` of a token (DER TimeStampToken) against a SHA-256 digest."""
    token_file = directory / "verify-token.der"
    token_file.write_bytes(token_der)
    result = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-digest",
            digest_hex,
            "-in",
            str(token_file),
            "-token_in",
            "-CAfile",
            str(ca_pem),
        ],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0 and b"Verification: OK" in result.stdout
