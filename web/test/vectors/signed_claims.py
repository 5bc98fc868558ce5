"""Writes signed_claims.json: banquan.claim/2 claims signed by the registry's Python code (one
SM2 key with its ID, one secp256k1 key), for the page's signature check to be tested against.

    .venv/bin/python web/test/vectors/signed_claims.py > web/test/vectors/signed_claims.json

SM2 signatures are randomised: running it again gives other valid signatures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from crypto.claims_v2 import ClaimV2
from crypto.secp256k1 import Secp256k1PrivateKey
from crypto.signing import KeySigner, PrivateKey
from crypto.sm2 import SM2PrivateKey


def signed(name: str, key: PrivateKey) -> dict[str, object]:
    claim = ClaimV2(
        sha256="ab" * 32,
        sm3="cd" * 32,
        size=1234,
        metadata_digest="ef" * 32,
        rights=("distribution", "reproduction"),
        registrant=key.public_key,
        registered_at="2026-12-07T08:00:00Z",
        nonce="00" * 16,
    )
    return {
        "name": name,
        "claim": claim.to_json(),
        "signature": claim.sign(KeySigner(key)).to_text(),
    }


if __name__ == "__main__":
    # GB/T 32918's example private key, with the default ID and with the standard's own ID.
    d = int("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8", 16)
    vectors = [
        signed("sm2", SM2PrivateKey.from_int(d)),
        signed("sm2 with its own ID", SM2PrivateKey.from_int(d, b"ALICE123@YAHOO.COM")),
        signed("secp256k1", Secp256k1PrivateKey.from_bytes(bytes.fromhex("11" * 32))),
    ]
    print(json.dumps({"vectors": vectors}, ensure_ascii=False, indent=2))
