"""Benchmark of banquan's cryptography against the bare library calls, in the same run.

    python bench/crypto.py            # small: about half a minute
    python bench/crypto.py --large    # more operations, more rounds, bigger buffers

Each figure runs banquan's call and its baseline (the same work through the library alone:
OpenSSL through ctypes for SM2, coincurve for secp256k1, hashlib for digests) in alternating
rounds after a warm-up; the ratio is the median of the per-round ratios banquan / baseline,
so drift of a shared machine cancels out. Target: every ratio >= 0.90. Writes
bench/results/crypto.json and prints a table. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    # Run as a script, this file's folder is first on sys.path and "crypto" would be this
    # very file; banquan's crypto package lives in the repository root.
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import coincurve  # noqa: E402
from eth_hash.auto import keccak  # noqa: E402

from crypto import _openssl, digests, secp256k1  # noqa: E402
from crypto.signing import KeySigner, verify  # noqa: E402
from crypto.sm2 import SM2PrivateKey  # noqa: E402

TARGET = 0.90
CLOCK = time.thread_time
"""Both sides are timed by the CPU time of this thread, not the wall clock: on a shared
two-core machine a wall clock also counts the time other processes hold the CPU."""
RESULTS = ROOT / "bench" / "results" / "crypto.json"
MESSAGE = "《三体》 banquan.claim/2 canonical bytes, about one claim long. ".encode() * 6


@dataclass
class Figure:
    name: str
    unit: str
    banquan: str
    baseline: str
    banquan_rates: list[float]
    baseline_rates: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(
            a / b for a, b in zip(self.banquan_rates, self.baseline_rates, strict=True)
        )

    def to_json(self) -> dict[str, object]:
        def summary(rates: list[float]) -> dict[str, float]:
            return {
                "median": round(statistics.median(rates), 1),
                "min": round(min(rates), 1),
                "max": round(max(rates), 1),
            }

        return {
            "name": self.name,
            "unit": self.unit,
            "banquan": {"call": self.banquan, **summary(self.banquan_rates)},
            "baseline": {"call": self.baseline, **summary(self.baseline_rates)},
            "ratio": round(self.ratio, 3),
            "ratio_per_round": [
                round(a / b, 3)
                for a, b in zip(self.banquan_rates, self.baseline_rates, strict=True)
            ],
            "target": TARGET,
            "meets_target": self.ratio >= TARGET,
        }


def rate(function: Callable[[], object], count: int) -> float:
    """Calls per second of ``function`` over ``count`` calls."""
    start = CLOCK()
    for _ in range(count):
        function()
    return count / (CLOCK() - start)


def compare(
    name: str,
    unit: str,
    banquan: tuple[str, Callable[[], object]],
    baseline: tuple[str, Callable[[], object]],
    *,
    count: int,
    rounds: int,
    block: int,
    scale: float = 1.0,
) -> Figure:
    """``rounds`` rounds of ``count`` calls of each side after a warm-up.

    Within a round the two sides alternate in blocks of ``block`` calls, each block timed on
    its own, so that both sides see the same machine load; a round's rate is its calls over
    the sum of its blocks' times.
    """
    rate(banquan[1], max(1, count // 4))
    rate(baseline[1], max(1, count // 4))
    ours: list[float] = []
    theirs: list[float] = []
    for round_number in range(rounds):
        elapsed = {"banquan": 0.0, "baseline": 0.0}
        sides = [("banquan", banquan[1]), ("baseline", baseline[1])]
        if round_number % 2:
            sides.reverse()
        for _ in range(count // block):
            for side, function in sides:
                start = CLOCK()
                for _ in range(block):
                    function()
                elapsed[side] += CLOCK() - start
        calls = (count // block) * block
        ours.append(calls / elapsed["banquan"] * scale)
        theirs.append(calls / elapsed["baseline"] * scale)
    figure = Figure(name, unit, banquan[0], baseline[0], ours, theirs)
    print(
        f"{name:24} {statistics.median(ours):>12,.0f} {statistics.median(theirs):>12,.0f}"
        f" {unit:6} ratio {figure.ratio:.3f} {'ok' if figure.ratio >= TARGET else 'BELOW TARGET'}",
        flush=True,
    )
    return figure


def bare_sm2(
    pkey: int, distid: bytes
) -> tuple[Callable[[bytes], bytes], Callable[[bytes, bytes], int]]:
    """SM2 sign and verify as a caller of OpenSSL alone would write them."""
    lib = _openssl.libcrypto()
    buffer = ctypes.create_string_buffer(128)

    def sign(message: bytes) -> bytes:
        md = lib.EVP_MD_CTX_new()
        pctx = lib.EVP_PKEY_CTX_new(pkey, None)
        lib.EVP_PKEY_CTX_set1_id(pctx, distid, len(distid))
        lib.EVP_MD_CTX_set_pkey_ctx(md, pctx)
        lib.EVP_DigestSignInit(md, None, lib.sm3, None, pkey)
        length = ctypes.c_size_t(128)
        lib.EVP_DigestSign(md, buffer, ctypes.byref(length), message, len(message))
        lib.EVP_MD_CTX_free(md)
        lib.EVP_PKEY_CTX_free(pctx)
        return buffer.raw[: length.value]

    def verify_der(message: bytes, signature: bytes) -> int:
        md = lib.EVP_MD_CTX_new()
        pctx = lib.EVP_PKEY_CTX_new(pkey, None)
        lib.EVP_PKEY_CTX_set1_id(pctx, distid, len(distid))
        lib.EVP_MD_CTX_set_pkey_ctx(md, pctx)
        lib.EVP_DigestVerifyInit(md, None, lib.sm3, None, pkey)
        result: int = lib.EVP_DigestVerify(md, signature, len(signature), message, len(message))
        lib.EVP_MD_CTX_free(md)
        lib.EVP_PKEY_CTX_free(pctx)
        return result

    return sign, verify_der


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="more operations and rounds")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--wall-clock", action="store_true", help="time with the wall clock, not thread CPU time"
    )
    arguments = parser.parse_args()
    if arguments.wall_clock:
        global CLOCK
        CLOCK = time.perf_counter
    rounds = 11 if arguments.large else 7
    factor = 5 if arguments.large else 1
    sm2_count, k1_count = 600 * factor, 6000 * factor
    buffer_size = 1 << 20
    hash_megabytes = 128 if arguments.large else 16
    data = os.urandom(buffer_size)

    print(f"{'figure':24} {'banquan':>12} {'baseline':>12}")
    figures: list[Figure] = []

    # SM2: the same EVP_PKEY, the same message and ID.
    sm2_key = SM2PrivateKey.generate()
    sm2_signer = KeySigner(sm2_key)
    pkey = sm2_key._pkey
    bare_sign, bare_verify = bare_sm2(pkey, sm2_key.public_key.distid)
    sm2_signature = sm2_signer.sign(MESSAGE)
    sm2_der = sm2_key.sign_der(MESSAGE)
    assert verify(sm2_key.public_key, MESSAGE, sm2_signature)
    assert bare_verify(MESSAGE, sm2_der) == 1
    figures.append(compare(
        "sm2_sign", "ops/s",
        ("KeySigner(SM2PrivateKey).sign(message) -> Signature (raw r||s)",
         lambda: sm2_signer.sign(MESSAGE)),
        ("OpenSSL EVP_DigestSign (SM3, ID) via ctypes -> DER", lambda: bare_sign(MESSAGE)),
        count=sm2_count, rounds=rounds, block=20,
    ))  # fmt: skip
    figures.append(compare(
        "sm2_verify", "ops/s",
        ("crypto.signing.verify(public_key, message, Signature)",
         lambda: verify(sm2_key.public_key, MESSAGE, sm2_signature)),
        ("OpenSSL EVP_DigestVerify (SM3, ID) via ctypes on DER",
         lambda: bare_verify(MESSAGE, sm2_der)),
        count=sm2_count, rounds=rounds, block=20,
    ))  # fmt: skip

    # secp256k1: EIP-191 personal message, keccak256 through eth-hash on both sides.
    k1_key = secp256k1.Secp256k1PrivateKey.generate()
    k1_signer = KeySigner(k1_key)
    raw_key = coincurve.PrivateKey(k1_key.to_bytes())
    expected = raw_key.public_key.format(compressed=False)

    def eip191_keccak(message: bytes) -> bytes:
        return keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)

    k1_signature = k1_signer.sign(MESSAGE)
    recoverable = k1_signature.value[:64] + bytes([k1_signature.value[64] - 27])

    def bare_k1_verify() -> bool:
        recovered = coincurve.PublicKey.from_signature_and_message(
            recoverable, eip191_keccak(MESSAGE), hasher=None
        )
        return bool(recovered.format(compressed=False) == expected)

    assert bare_k1_verify()
    assert verify(k1_key.public_key, MESSAGE, k1_signature)
    figures.append(compare(
        "secp256k1_sign", "ops/s",
        ("KeySigner(Secp256k1PrivateKey).sign(message) -> Signature (EIP-191, r||s||v)",
         lambda: k1_signer.sign(MESSAGE)),
        ("keccak(EIP-191 prefix + message); coincurve sign_recoverable",
         lambda: raw_key.sign_recoverable(eip191_keccak(MESSAGE), hasher=None)),
        count=k1_count, rounds=rounds, block=200,
    ))  # fmt: skip
    figures.append(compare(
        "secp256k1_verify", "ops/s",
        ("crypto.signing.verify(public_key, message, Signature) (recover and compare)",
         lambda: verify(k1_key.public_key, MESSAGE, k1_signature)),
        ("keccak(EIP-191 prefix + message); coincurve recover; compare", bare_k1_verify),
        count=k1_count, rounds=rounds, block=200,
    ))  # fmt: skip
    figures.append(compare(
        "secp256k1_recover", "ops/s",
        ("crypto.secp256k1.recover_message(message, signature)",
         lambda: secp256k1.recover_message(MESSAGE, k1_signature.value)),
        ("keccak(EIP-191 prefix + message); coincurve from_signature_and_message",
         lambda: coincurve.PublicKey.from_signature_and_message(
             recoverable, eip191_keccak(MESSAGE), hasher=None)),
        count=k1_count, rounds=rounds, block=200,
    ))  # fmt: skip

    # Digests: MB/s over 1 MiB buffers, the size of the ingest's chunks.
    per_round = hash_megabytes
    megabytes = buffer_size / 1e6
    figures.append(compare(
        "sm3", "MB/s",
        ("crypto.digests.sm3(1 MiB)", lambda: digests.sm3(data)),
        ("hashlib.new('sm3', 1 MiB).digest()", lambda: hashlib.new("sm3", data).digest()),
        count=per_round, rounds=rounds, block=1, scale=megabytes,
    ))  # fmt: skip
    figures.append(compare(
        "sha256", "MB/s",
        ("crypto.digests.sha256(1 MiB)", lambda: digests.sha256(data)),
        ("hashlib.sha256(1 MiB).digest()", lambda: hashlib.sha256(data).digest()),
        count=per_round * 4, rounds=rounds, block=1, scale=megabytes,
    ))  # fmt: skip

    def bare_both() -> None:
        sha, sm3 = hashlib.sha256(), hashlib.new("sm3")
        sha.update(data)
        sm3.update(data)
        sha.digest()
        sm3.digest()

    def accumulate() -> None:
        accumulator = digests.DigestAccumulator()
        accumulator.update(data)
        accumulator.finish()

    figures.append(compare(
        "sha256_and_sm3_one_pass", "MB/s",
        ("crypto.digests.DigestAccumulator (update 1 MiB, finish)", accumulate),
        ("hashlib.sha256 + hashlib.new('sm3'), update 1 MiB each", bare_both),
        count=per_round, rounds=rounds, block=1, scale=megabytes,
    ))  # fmt: skip

    versions = {
        name: metadata.version(name)
        for name in ("coincurve", "cryptography", "eth-hash", "pycryptodome", "eth-account")
    }
    lib = _openssl.libcrypto()
    versions["libcrypto (SM2)"] = f"{lib.path} {lib.version_number:#x}"
    versions["python hashlib OpenSSL"] = __import__("ssl").OPENSSL_VERSION
    versions["python"] = platform.python_version()
    report = {
        "benchmark": "crypto",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "settings": {
            "size": "large" if arguments.large else "small",
            "rounds": rounds,
            "warmup": "one quarter of a round, each side",
            "clock": "wall (perf_counter)" if arguments.wall_clock else "thread CPU time",
            "interleaving": "sides alternate in blocks: 20 SM2, 200 secp256k1 or 1 hash call",
            "message_bytes": len(MESSAGE),
            "sm2_ops_per_round": sm2_count,
            "secp256k1_ops_per_round": k1_count,
            "hash_buffer_bytes": buffer_size,
            "hash_mib_per_round": per_round,
        },
        "versions": versions,
        "target": f"every ratio (banquan / baseline, median of per-round ratios) >= {TARGET}",
        "figures": [figure.to_json() for figure in figures],
        "all_meet_target": all(figure.ratio >= TARGET for figure in figures),
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {arguments.output}")
    if not report["all_meet_target"]:
        print("some figures are below the target; see the JSON for the rounds")


if __name__ == "__main__":
    main()
