"""Benchmark of offline proof-bundle checking against the claim signature check alone, in the
same run, on the same claims.

    python bench/proof.py            # 1,024 bundles, 7 rounds: about half a minute
    python bench/proof.py --large    # 4,096 bundles, 11 rounds

The bundles are real ``banquan.proof/1`` documents: client-signed ``banquan.claim/2`` claims
(SM2 and secp256k1 alternating, as in bench/anchor.py) sealed into one Merkle tree per
``--batch`` leaves, each bundle made by ``registry.proofs.proof_bundle.proof_bundle`` and passed
through
JSON as a bundle file would be. Figures, verifications per second:

- ``bundle``: ``registry.proofs.proof_bundle.check_bundle(bundle)`` without a chain client — parse
the
  document, validate the claim, claim → leaf digest, the claim signature, the Merkle path to the
  root (no file, no RPC);
- ``baseline``: ``crypto.signing.verify(registrant, claim bytes, signature)`` alone for the
  same claims, the key, bytes and signature already parsed: the floor of any bundle check.

Both sides are timed with this thread's CPU time, alternating in blocks of 64 bundles (and which
side goes first) after a warm-up; the ratio is the median of the per-round ratios.
Target (BENCHMARKS.md): bundle >= 70 % of the baseline. Writes bench/results/proof.json and
prints a table. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from crypto.claims_v2 import ClaimV2  # noqa: E402
from crypto.merkle import MerkleTree  # noqa: E402
from crypto.signing import KeySigner, Signature, generate_private_key, verify  # noqa: E402
from registry.content.ingest import describe  # noqa: E402
from registry.core.metadata import WorkMetadata  # noqa: E402
from registry.core.views import AnchorView, RegistrationView  # noqa: E402
from registry.proofs.proof_bundle import check_bundle, proof_bundle  # noqa: E402
from registry.registration.claims import claim_for, claim_leaf  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "proof.json"
TARGET = 0.70
BLOCK = 64
CLOCK = time.thread_time
METADATA = WorkMetadata(title="基准测试作品", authors=("刘慈欣",), isbn="9787536692930")


def make_bundles(count: int, batch: int) -> list[dict[str, object]]:
    """``count`` bundles of client-signed claims, ``batch`` leaves per Merkle tree."""
    signers = [KeySigner(generate_private_key("sm2")), KeySigner(generate_private_key("secp256k1"))]
    now = datetime.datetime.now(datetime.UTC)
    records = []
    for n in range(count):
        content = f"proof bundle work {n} {os.urandom(8).hex()}".encode()
        signer = signers[n % 2]
        claim = claim_for(describe(io.BytesIO(content)), METADATA, signer.public_key,
                          registered_at=now)  # fmt: skip
        records.append((claim, claim.sign(signer).to_text(), claim_leaf(claim.to_json())))
    bundles: list[dict[str, object]] = []
    for start in range(0, count, batch):
        part = records[start : start + batch]
        tree = MerkleTree.of([leaf for _, _, leaf in part])
        anchor = AnchorView(
            root=tree.root.hex(),
            chain_id=31337,
            contract_address="0x" + "42" * 20,
            tx_hash="0x" + os.urandom(32).hex(),
            block_number=1000 + start // batch,
            anchored_at=now,
            confirmed=True,
        )
        for offset, (claim, signature, leaf) in enumerate(part):
            view = RegistrationView(
                number=f"BQ-2026-{start + offset:08d}",
                status="confirmed",
                title=METADATA.title,
                metadata=METADATA.to_json(),
                sha256=claim.sha256,
                sm3=claim.sm3,
                size=claim.size,
                cid=None,
                iscc_data=None,
                iscc_instance=None,
                iscc_content=None,
                published_at=None,
                registered_at=now,
                leaf=leaf.hex(),
                claim=claim.to_json(),
                signing_mode="client",
                signature=signature,
                registrant=None,
                proof=[step.hex() for step in tree.proof(leaf)],
                anchor=anchor,
            )
            # Through JSON, as a bundle file is read back.
            bundles.append(json.loads(json.dumps(proof_bundle(view))))
    return bundles


def check_all(bundles: list[dict[str, object]]) -> None:
    for bundle in bundles:
        check = check_bundle(bundle)
        if not check.ok:
            raise AssertionError(f"bundle did not check: {check.results} {check.notes}")


def cost_breakdown(bundles: list[dict[str, object]]) -> dict[str, object]:
    """CPU microseconds per bundle of each step ``check_bundle`` takes, timed one step at a time
    over all bundles (median of 3 passes): where a bundle check spends beyond the signature."""
    from crypto.claims_v2 import parse_claim
    from crypto.merkle import verify_proof
    from crypto.signing import public_key_from_json

    claims = [bundle["claim"] for bundle in bundles]
    parsed = [parse_claim(claim) for claim in claims]
    signatures = [Signature.from_text(str(bundle["signature"])) for bundle in bundles]
    messages = [claim.canonical_bytes() for claim in parsed]
    paths = [
        (bytes.fromhex(str(b["leaf"])), [bytes.fromhex(p) for p in b["proof"]],  # type: ignore[attr-defined]
         bytes.fromhex(str(b["root"])))
        for b in bundles
    ]  # fmt: skip
    steps = {
        "parse and validate the claim (parse_claim)": lambda: [parse_claim(c) for c in claims],
        "  of which: load the registrant's public key": lambda: [
            public_key_from_json(c["registrant"])
            for c in claims  # type: ignore[index]
        ],
        "canonical bytes (RFC 8785)": lambda: [c.canonical_bytes() for c in parsed],
        "claim leaf (canonical bytes + keccak)": lambda: [c.leaf() for c in parsed],  # type: ignore[union-attr]
        "signature check (canonical bytes + verify)": lambda: [
            c.verify_signature(s)  # type: ignore[union-attr]
            for c, s in zip(parsed, signatures, strict=True)
        ],
        "  of which: verify alone (the baseline)": lambda: [
            verify(c.registrant, m, s)  # type: ignore[union-attr]
            for c, m, s in zip(parsed, messages, signatures, strict=True)
        ],
        "Merkle path (keccak per step)": lambda: [verify_proof(*path) for path in paths],
        "check_bundle (everything)": lambda: check_all(bundles),
    }
    result = {}
    for name, step in steps.items():
        passes = []
        for _ in range(3):
            t0 = CLOCK()
            step()
            passes.append((CLOCK() - t0) / len(bundles) * 1e6)
        result[name] = round(statistics.median(passes), 1)
    return {"unit": "CPU microseconds per bundle", "steps": result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="4,096 bundles, 11 rounds")
    parser.add_argument("--batch", type=int, default=1000, help="leaves per Merkle tree")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    count = 4096 if args.large else 1024
    rounds = 11 if args.large else 7

    started = time.perf_counter()
    bundles = make_bundles(count, args.batch)
    prepared = []
    for bundle in bundles:
        claim = ClaimV2.from_json(bundle["claim"])
        prepared.append((claim.registrant, claim.canonical_bytes(),
                         Signature.from_text(str(bundle["signature"]))))  # fmt: skip
    print(f"{count} bundles made in {time.perf_counter() - started:.1f} s", flush=True)

    def bundle_side(part: list[dict[str, object]], _: list[object]) -> None:
        check_all(part)

    def baseline_side(_: list[dict[str, object]], part: list[object]) -> None:
        for key, message, signature in part:  # type: ignore[misc]
            if not verify(key, message, signature):
                raise AssertionError("signature did not verify")

    sides = {"bundle": bundle_side, "baseline": baseline_side}
    warm = max(BLOCK, count // 8)
    for function in sides.values():  # warm-up
        function(bundles[:warm], prepared[:warm])  # type: ignore[arg-type]

    per_round: dict[str, list[float]] = {"bundle": [], "baseline": []}
    for round_number in range(rounds):
        elapsed = {"bundle": 0.0, "baseline": 0.0}
        order = ["bundle", "baseline"] if round_number % 2 == 0 else ["baseline", "bundle"]
        for start in range(0, count, BLOCK):
            for name in order:
                t0 = CLOCK()
                sides[name](bundles[start : start + BLOCK], prepared[start : start + BLOCK])  # type: ignore[arg-type]
                elapsed[name] += CLOCK() - t0
        for name in per_round:
            per_round[name].append(count / elapsed[name])
        print(
            f"round {round_number + 1}: bundle {per_round['bundle'][-1]:,.0f}/s"
            f"  baseline {per_round['baseline'][-1]:,.0f}/s",
            flush=True,
        )
    breakdown = cost_breakdown(bundles)
    ratios = [a / b for a, b in zip(per_round["bundle"], per_round["baseline"], strict=True)]
    ratio = statistics.median(ratios)

    def summary(rates: list[float]) -> dict[str, float]:
        return {
            "median": round(statistics.median(rates), 1),
            "min": round(min(rates), 1),
            "max": round(max(rates), 1),
        }

    result = {
        "benchmark": "proof",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "settings": {
            "size": "large" if args.large else "small",
            "bundles": count,
            "leaves_per_tree": args.batch,
            "proof_steps": len(bundles[0]["proof"]),  # type: ignore[arg-type]
            "signatures": "SM2 and secp256k1 alternating (client-signed banquan.claim/2)",
            "rounds": rounds,
            "warmup": f"{warm} bundles each side",
            "clock": "thread CPU time",
            "interleaving": f"sides alternate in blocks of {BLOCK} bundles",
        },
        "versions": {
            "python": platform.python_version(),
            **{name: metadata.version(name) for name in ("coincurve", "cryptography", "eth-hash")},
        },
        "figures": [
            {
                "name": "bundle_check",
                "unit": "verifications/s",
                "banquan": {
                    "call": "registry.proofs.proof_bundle.check_bundle(bundle) (offline)",
                    **summary(per_round["bundle"]),
                },
                "baseline": {
                    "call": "crypto.signing.verify(registrant, claim bytes, signature)",
                    **summary(per_round["baseline"]),
                },
                "ratio": round(ratio, 3),
                "ratio_per_round": [round(r, 3) for r in ratios],
                "target": TARGET,
                "meets_target": ratio >= TARGET,
            }
        ],
        "cost_breakdown": breakdown,
        "target": f"bundle checks >= {TARGET} x signature checks alone",
        "all_meet_target": ratio >= TARGET,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"{'figure':16} {'banquan':>10} {'baseline':>10}  ratio  target")
    print(
        f"{'bundle_check':16} {statistics.median(per_round['bundle']):>10,.0f}"
        f" {statistics.median(per_round['baseline']):>10,.0f}  {ratio:.3f}  >= {TARGET}"
        f" {'ok' if ratio >= TARGET else 'BELOW TARGET'}"
    )
    print(breakdown["unit"])
    for name, value in breakdown["steps"].items():  # type: ignore[attr-defined]
        print(f"  {name:46} {value:8.1f}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
