"""The QBFT genesis ``extraData`` for a set of validators.

Prints what ``besu rlp encode --type=QBFT_EXTRA_DATA`` prints for the same validators:
``RLP([32 bytes of vanity, [validator addresses], no vote, round 0, no seals])``. Use it when the
validator keys were made elsewhere (an HSM, existing nodes) instead of by
``besu operator generate-blockchain-config``, which writes ``extraData`` itself.

    python deploy/besu/qbft_extra_data.py 0xADDRESS1 0xADDRESS2 0xADDRESS3 0xADDRESS4
    python deploy/besu/qbft_extra_data.py --genesis deploy/besu/genesis.template.json \\
        0xADDRESS1 … > genesis.json

Addresses are sorted ascending, as Besu's documentation asks.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import rlp  # type: ignore[import-untyped]

VANITY = bytes(32)


def encode_extra_data(validators: Sequence[str]) -> str:
    """``extraData`` (0x-hex) naming ``validators`` in the given order."""
    addresses = []
    for text in validators:
        raw = bytes.fromhex(text.removeprefix("0x"))
        if len(raw) != 20:
            raise ValueError(f"not a 20-byte address: {text}")
        addresses.append(raw)
    # [vanity, validators, vote (none: empty list), round (0), seals (none)]
    encoded: bytes = rlp.encode([VANITY, addresses, [], 0, []])
    return "0x" + encoded.hex()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("validators", nargs="+", help="validator addresses (0x…)")
    parser.add_argument("--genesis", type=Path, help="print this genesis with extraData set")
    args = parser.parse_args(argv)
    extra_data = encode_extra_data(sorted(a.lower() for a in args.validators))
    if args.genesis is None:
        print(extra_data)
        return 0
    genesis = json.loads(args.genesis.read_text(encoding="utf-8"))
    genesis["extraData"] = extra_data
    json.dump(genesis, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
