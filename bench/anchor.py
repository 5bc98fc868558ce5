"""Benchmark of end-to-end registration throughput, batched anchoring against one transaction
per work, in the same run on the embedded Anvil.

    python bench/anchor.py            # 300 registrations a round, 3 rounds: about 2 minutes
    python bench/anchor.py --large    # 3,000 a round, 5 rounds

Each registration carries a client-signed claim (SM2 and secp256k1 alternating, signed before
the clock starts, as a client would): banquan verifies the signature against the upload, stores
the content and the registration, and the worker seals, anchors and confirms it. ``--clients``
(8) register at once, through the runtime's group commit, as concurrent API requests do; both
sides alike. Figures:

- ``batched``: all registrations, then worker cycles until every one is anchored (batches of up
  to 1,000: one transaction per batch);
- ``baseline``: the same registrations with a batch size of 1 — one anchoring transaction each;
- ``signatures``: the claim signature checks alone, same mix (the floor of the pipeline's cost);
- ``catalogue_job``: small works/s of a catalogue job from the command line (each file registered
  straight from disk under its idempotency key, eight side by side, until every item is
  registered; anchoring not included: it is the ``batched`` figure's).

Both sides are warmed the same way, then each round runs both (alternating which goes first)
with new works; rates are medians of the rounds, ratios medians of per-round ratios.
Targets (BENCHMARKS.md): batched >= 20x baseline, and catalogue jobs >= 500 small works/s; the
signature-only rate is a floor, shown beside (the 50 % target is register-api's).
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
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
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
from registry.registration.catalogue import CatalogueItem  # noqa: E402
from registry.registration.catalogue_jobs import register_catalogue  # noqa: E402
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
    runtime: Runtime, client: RegistryAnchorClient, works: list[Prepared], batch: int, clients: int
) -> float:
    """Registrations/s from the first upload until every one is anchored in batches of
    ``batch``, ``clients`` registering at once (as concurrent API requests do)."""
    policy = AnchoringPolicy(max_size=batch)
    # Plain registration: no content encryption, no moderation hooks (what the baseline does);
    # the runtime's group commit, as every face registers through.
    registrar = Registrar(
        runtime.sessions,
        runtime.store,
        max_bytes=1 << 20,
        now=runtime.now,
        committer=runtime.committer,
    )

    def register(work: Prepared) -> None:
        registrar.register(io.BytesIO(work.content), METADATA, client_signed=work.signed)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(register, works))
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


def catalogue_rate(runtime: Runtime, directory: Path, count: int) -> float:
    """Small works/s of a catalogue job from the command line: each file registered from disk
    under its idempotency key, until the job reports every item registered."""
    directory.mkdir(parents=True)
    items = []
    for n in range(count):
        path = directory / f"work-{n}.txt"
        path.write_bytes(f"catalogue work {n} {os.urandom(8).hex()}".encode())
        items.append(CatalogueItem(path, WorkMetadata(title=f"目录作品 {n}"), n + 2))
    registrar = Registrar(
        runtime.sessions,
        runtime.store,
        max_bytes=1 << 20,
        now=runtime.now,
        committer=runtime.committer,
    )
    start = time.perf_counter()
    results = register_catalogue(registrar, directory / "manifest.csv", items)
    elapsed = time.perf_counter() - start
    if {result.outcome for result in results} != {"registered"}:
        raise RuntimeError("a catalogue item was not registered")
    return count / elapsed


def runtime_for(directory: Path, rpc_url: str, anchor: str) -> Runtime:
    settings = Settings(data_dir=directory, chain_rpc_url=rpc_url, anchor_address=anchor)
    runtime = build_runtime(settings)
    migrate(runtime.engine)
    return runtime


def spread(values: list[float], digits: int = 1) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="3,000 registrations instead of 300")
    parser.add_argument("--rounds", type=int, help="rounds, each side once a round (default 3)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent registering clients")
    args = parser.parse_args()
    count = 3000 if args.large else 300
    rounds = args.rounds or (5 if args.large else 3)
    runs: dict[str, list[float]] = {"batched": [], "baseline": [], "signatures": []}
    catalogue: list[float] = []
    with tempfile.TemporaryDirectory(prefix="banquan-bench-") as tmp:
        work = Path(tmp)
        with AnvilProcess(port=free_port(), workdir=work / "anvil") as node:
            runtime = runtime_for(work / "warm", node.rpc_url, "0x" + "00" * 20)
            client = RegistryAnchorClient.deploy(runtime.sender)
            runtime.close()
            sides = {
                "batched": (runtime_for(work / "batched", node.rpc_url, client.address), 1000),
                "baseline": (runtime_for(work / "baseline", node.rpc_url, client.address), 1),
            }
            for side, (side_runtime, batch) in sides.items():  # warm both the same way
                pipeline_rate(side_runtime, client, prepare(20, f"warm-up {side}"), batch, 4)
            signature_rate(prepare(20, "warm-up signatures"))
            catalogue_rate(sides["batched"][0], work / "catalogue-warm-up", 20)
            for round_number in range(rounds):
                order = list(sides) if round_number % 2 == 0 else list(reversed(sides))
                for side in order:
                    side_runtime, batch = sides[side]
                    works = prepare(count, f"{side} round {round_number}")
                    runs[side].append(
                        pipeline_rate(side_runtime, client, works, batch, args.clients)
                    )
                runs["signatures"].append(
                    signature_rate(prepare(count, f"signatures {round_number}"))
                )
                catalogue.append(
                    catalogue_rate(sides["batched"][0], work / f"catalogue-{round_number}", count)
                )
                print(
                    f"round {round_number + 1}: batched {runs['batched'][-1]:,.1f}/s, "
                    f"one tx each {runs['baseline'][-1]:,.1f}/s, "
                    f"signatures {runs['signatures'][-1]:,.0f}/s, catalogue {catalogue[-1]:,.1f}/s",
                    flush=True,
                )
            for side_runtime, _batch in sides.values():
                side_runtime.close()
    versus_baseline = [a / b for a, b in zip(runs["batched"], runs["baseline"], strict=True)]
    versus_signatures = [a / b for a, b in zip(runs["batched"], runs["signatures"], strict=True)]
    result = {
        "benchmark": "anchor",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "registrations": count,
        "rounds": rounds,
        "clients": args.clients,
        "rates_per_s": {
            "batched": round(statistics.median(runs["batched"]), 1),
            "baseline_one_tx_each": round(statistics.median(runs["baseline"]), 1),
            "signature_checks_alone": round(statistics.median(runs["signatures"]), 1),
            "catalogue_job": round(statistics.median(catalogue), 1),
        },
        "spread_per_s": {
            "batched": spread(runs["batched"]),
            "baseline_one_tx_each": spread(runs["baseline"]),
            "signature_checks_alone": spread(runs["signatures"]),
            "catalogue_job": spread(catalogue),
        },
        "ratios": {
            "batched_vs_baseline": round(statistics.median(versus_baseline), 2),
            "batched_vs_signatures": round(statistics.median(versus_signatures), 3),
        },
        "ratios_per_round": {
            "batched_vs_baseline": [round(r, 2) for r in versus_baseline],
            "batched_vs_signatures": [round(r, 3) for r in versus_signatures],
        },
        "targets": {
            "batched_vs_baseline": 20,
            "catalogue_job_per_s": 500,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"{count} registrations, client-signed (SM2 / secp256k1), {args.clients} clients, "
        f"SQLite, embedded Anvil; medians of {rounds} rounds"
    )
    for name, rate in result["rates_per_s"].items():  # type: ignore[union-attr]
        print(f"  {name:<24} {rate:>8} /s")
    for name, ratio in result["ratios"].items():  # type: ignore[union-attr]
        print(f"  {name:<24} {ratio:>8}")


if __name__ == "__main__":
    main()
