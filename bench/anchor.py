"""Benchmark of end-to-end registration throughput, batched anchoring against one transaction
per work, in the same run on the embedded Anvil.

    python bench/anchor.py            # 300 registrations: about a minute
    python bench/anchor.py --large    # 3,000

Each registration carries a client-signed claim (SM2 and secp256k1 alternating, signed before
the clock starts, as a client would): banquan verifies the signature against the upload, stores
the content and the registration, and the worker seals, anchors and confirms it. Figures:

- ``batched``: all registrations, then worker cycles until every one is anchored (batches of up
  to 1,000: one transaction per batch);
- ``baseline``: the same registrations with a batch size of 1 — one anchoring transaction each;
- ``signatures``: the claim signature checks alone, same mix (the floor of the pipeline's cost).

Targets (BENCHMARKS.md): batched >= 20x baseline, and >= 50 % of the signature-only rate.
Writes bench/results/anchor.json and prints a table. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from chain_client.registry_anchor import RegistryAnchorClient  # noqa: E402
from cli.launcher import AnvilProcess  # noqa: E402
from crypto.claims_v2 import ClaimV2  # noqa: E402
from crypto.signing import KeySigner, Signature, generate_private_key  # noqa: E402
from registry.content.ingest import describe  # noqa: E402
from registry.core.database import migrate  # noqa: E402
from registry.core.metadata import WorkMetadata  # noqa: E402
from registry.core.settings import Settings  # noqa: E402
from registry.platform.runtime import Runtime, build_runtime  # noqa: E402
from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle  # noqa: E402
from registry.registration.claims import ClientSignedClaim, claim_for  # noqa: E402
from registry.registration.registrar import Registrar  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "anchor.json"
METADATA = WorkMetadata(title="基准测试作品")


@dataclass(frozen=True)
class Prepared:
    content: bytes
    signed: ClientSignedClaim


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(count: int, tag: str) -> list[Prepared]:
    signers = [KeySigner(generate_private_key("sm2")), KeySigner(generate_private_key("secp256k1"))]
    now = datetime.datetime.now(datetime.UTC)
    prepared = []
    for n in range(count):
        content = f"{tag} work {n} {os.urandom(8).hex()}".encode()
        signer = signers[n % 2]
        claim = claim_for(
            describe(io.BytesIO(content)), METADATA, signer.public_key, registered_at=now
        )
        prepared.append(
            Prepared(content, ClientSignedClaim(claim.to_json(), claim.sign(signer).to_text()))
        )
    return prepared


def pipeline_rate(
    runtime: Runtime, client: RegistryAnchorClient, works: list[Prepared], batch: int
) -> float:
    policy = AnchoringPolicy(max_size=batch)
    start = time.perf_counter()
    # Plain registration: no content encryption, no moderation hooks (what the baseline does).
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
    for work in works:
        registrar.register(io.BytesIO(work.content), METADATA, client_signed=work.signed)
    while True:
        cycle = run_anchoring_cycle(runtime.sessions, client, policy=policy, now=runtime.now)
        if cycle.error:
            raise RuntimeError(cycle.error)
        if cycle.sealed == cycle.submitted == cycle.anchored == 0:
            break
    return len(works) / (time.perf_counter() - start)


def signature_rate(works: list[Prepared]) -> float:
    parsed = [
        (ClaimV2.from_json(w.signed.claim), Signature.from_text(w.signed.signature)) for w in works
    ]
    start = time.perf_counter()
    for claim, signature in parsed:
        assert claim.verify_signature(signature)
    return len(works) / (time.perf_counter() - start)


def runtime_for(directory: Path, rpc_url: str, anchor: str) -> Runtime:
    settings = Settings(data_dir=directory, chain_rpc_url=rpc_url, anchor_address=anchor)
    runtime = build_runtime(settings)
    migrate(runtime.engine)
    return runtime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="3,000 registrations instead of 300")
    args = parser.parse_args()
    count = 3000 if args.large else 300
    with tempfile.TemporaryDirectory(prefix="banquan-bench-") as tmp:
        work = Path(tmp)
        with AnvilProcess(port=free_port(), workdir=work / "anvil") as node:
            runtime = runtime_for(work / "warm", node.rpc_url, "0x" + "00" * 20)
            client = RegistryAnchorClient.deploy(runtime.sender)
            runtime.close()
            batched_rt = runtime_for(work / "batched", node.rpc_url, client.address)
            baseline_rt = runtime_for(work / "baseline", node.rpc_url, client.address)
            pipeline_rate(batched_rt, client, prepare(10, "warm-up"), 1000)  # warm caches
            batched = pipeline_rate(batched_rt, client, prepare(count, "batched"), 1000)
            baseline = pipeline_rate(baseline_rt, client, prepare(count, "baseline"), 1)
            signatures = signature_rate(prepare(count, "signatures"))
            batched_rt.close()
            baseline_rt.close()
    result = {
        "benchmark": "anchor",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "registrations": count,
        "rates_per_s": {
            "batched": round(batched, 1),
            "baseline_one_tx_each": round(baseline, 1),
            "signature_checks_alone": round(signatures, 1),
        },
        "ratios": {
            "batched_vs_baseline": round(batched / baseline, 2),
            "batched_vs_signatures": round(batched / signatures, 3),
        },
        "targets": {"batched_vs_baseline": 20, "batched_vs_signatures": 0.5},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{count} registrations, client-signed (SM2 / secp256k1), SQLite, embedded Anvil")
    for name, rate in result["rates_per_s"].items():  # type: ignore[union-attr]
        print(f"  {name:<24} {rate:>8} /s")
    for name, ratio in result["ratios"].items():  # type: ignore[union-attr]
        print(f"  {name:<24} {ratio:>8}")


if __name__ == "__main__":
    main()
