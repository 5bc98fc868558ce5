"""Benchmark of issuing a numbered edition (数字藏书) at scale, against one ERC-721 mint per
transaction, in the same run on the embedded Anvil.

    python bench/editions.py                          # 10,000 copies, 10,000 baseline mints
    python bench/editions.py --baseline-copies 1000   # the baseline on the first 1,000 only

Set-up (not timed): a registered, anchored, tokenized work; N readers, each a party (person)
with its own address, attested and bound on chain as a verified adult (two transactions each,
sent back to back by the registry's account); an edition of N copies.

Figures:

- ``editions``: ``Editions.issue`` through the registry's service (``registry.editions``), end
  to end: a catalogue of (reader party, copy number) rows resolved to addresses, every reader
  checked on chain by the contract, one Merkle root per batch of 2,000 copies, the copies
  recorded in the database. Gas per copy is the receipts' ``gasUsed`` (21,000 per transaction
  included) over N.
- ``baseline``: a plain OpenZeppelin ERC-721 ``mint(to, id)`` per copy, one transaction each,
  sent and waited for one after the other (``contracts/test/EditionBaseline.sol``); with
  ``--baseline-copies`` below N its time is extrapolated linearly to N (its gas per copy is the
  same for every copy).

Targets (the editions issue): ≤ 10,000 gas per copy and ≤ 60 s end to end for 10,000 copies.
Writes bench/results/editions.json and prints a table. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import platform
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from eth_account import Account  # noqa: E402
from eth_account.signers.local import LocalAccount  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from web3 import Web3  # noqa: E402

from chain_client.editions import EditionTerms  # noqa: E402
from chain_client.identity_attestations import party_key  # noqa: E402
from chain_client.transactions import TransactionSender  # noqa: E402
from cli.launcher import AnvilProcess  # noqa: E402
from registry.assets.rights_assets import tokenize  # noqa: E402
from registry.core.database import migrate  # noqa: E402
from registry.core.metadata import WorkMetadata  # noqa: E402
from registry.core.models import Party, PartyKey  # noqa: E402
from registry.core.settings import Settings  # noqa: E402
from registry.platform.runtime import Runtime, build_runtime  # noqa: E402
from registry.registration.registrar import Registrar  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "editions.json"
BASELINE_ARTIFACT = (
    ROOT / "artifacts" / "contracts" / "test" / "EditionBaseline.sol" / "EditionBaselineERC721.json"
)
# Anvil's development account 1: the publisher (account 0 is the registry's).
PUBLISHER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
TARGET_GAS_PER_COPY = 10_000
TARGET_SECONDS = 60.0
COVER = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


def _rpc_batch(rpc_url: str, calls: list[tuple[str, list[Any]]]) -> list[Any]:
    """One JSON-RPC batch request (web3.py sends no transaction in a batch); the results."""
    body = json.dumps(
        [{"jsonrpc": "2.0", "id": n, "method": m, "params": p} for n, (m, p) in enumerate(calls)]
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the local node's http URL
        rpc_url, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        answers = sorted(json.loads(response.read()), key=lambda a: a["id"])
    failed = [a["error"] for a in answers if "error" in a]
    if failed:
        raise RuntimeError(f"set-up transactions refused: {failed[:3]}")
    return [a["result"] for a in answers]


def send_back_to_back(
    sender: TransactionSender, rpc_url: str, calls: list[tuple[str, bytes]], gas: int
) -> int:
    """Sign ``calls`` (to, data) with consecutive nonces, send them in JSON-RPC batches with the
    node's automine off, mine blocks until all are in, and turn automine back on (Anvil's
    ``evm_setAutomine``: set-up only); the gas all of them used."""
    w3 = sender.w3
    account: LocalAccount = sender.account
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    chain_id = w3.eth.chain_id
    fees = {"maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9}
    raws = [
        account.sign_transaction(
            {"to": to, "data": data, "gas": gas, "nonce": nonce + offset, "value": 0,
             "chainId": chain_id, **fees}
        ).raw_transaction
        for offset, (to, data) in enumerate(calls)
    ]  # fmt: skip
    provider = w3.provider
    provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        hashes = []
        for start in range(0, len(raws), 500):
            chunk = _rpc_batch(
                rpc_url,
                [
                    ("eth_sendRawTransaction", ["0x" + bytes(r).hex()])
                    for r in raws[start : start + 500]
                ],
            )
            hashes += chunk
            # Mine this chunk before sending the next (a short pending pool stays fast).
            while _rpc_batch(rpc_url, [("eth_getTransactionReceipt", [chunk[-1]])])[0] is None:
                provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    finally:
        provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    used = 0
    for start in range(0, len(hashes), 500):
        receipts = _rpc_batch(
            rpc_url, [("eth_getTransactionReceipt", [h]) for h in hashes[start : start + 500]]
        )
        for receipt in receipts:
            if int(receipt["status"], 16) != 1:
                raise RuntimeError(f"set-up transaction {receipt['transactionHash']} reverted")
            used += int(receipt["gasUsed"], 16)
    sender.forget_nonce()
    return used


def set_up(runtime: Runtime, copies: int) -> tuple[str, list[str], list[str]]:
    """A tokenized work, ``copies`` readers bound on chain as verified adults; the work's number,
    the readers' party ids and addresses."""
    registrar = Registrar(
        runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now,
        protection=runtime.protection,
    )  # fmt: skip
    number = registrar.register(
        io.BytesIO(f"数字藏书 基准 {time.time_ns()}".encode()), WorkMetadata(title="数字藏书")
    ).number
    assert runtime.new_batcher().run_once().error is None
    suite = runtime.suite()
    tokenize(runtime.sessions, suite, number, Account.from_key(PUBLISHER_KEY).address)

    accounts = [Account.create().address for _ in range(copies)]
    parties = [f"reader_{n:06d}" for n in range(copies)]
    now = runtime.now()
    with runtime.sessions.begin() as session:
        session.execute(
            insert(Party),
            [
                {"party_id": p, "kind": "person", "public_name": "读者", "created_at": now}
                for p in parties
            ],
        )
        rows = dict(session.execute(select(Party.party_id, Party.id)).all())
        session.execute(
            insert(PartyKey),
            [
                {
                    "party_id": rows[p],
                    "kind": "address",
                    "identifier": f"address:{a}",
                    "fingerprint": f"{n:016x}",
                    "added_at": now,
                }
                for n, (p, a) in enumerate(zip(parties, accounts, strict=True))
            ],
        )
    identity = suite.identity_attestations
    assert identity is not None
    contract = identity.contract
    expires = int(time.time()) + 365 * 24 * 3600
    calls: list[tuple[str, bytes]] = []
    for n, (party, address) in enumerate(zip(parties, accounts, strict=True)):
        key = party_key(party)
        commitment = Web3.keccak(text=f"commitment {party} {n}")
        calls.append(
            (identity.address, contract.encode_abi("attest", [key, commitment, expires, b"\x01"]))
        )
        calls.append(
            (identity.address, contract.encode_abi("bindPersonAccount", [key, address, True]))
        )
    send_back_to_back(
        runtime.sender,
        runtime.settings.chain_rpc_url,
        [(t, bytes.fromhex(d[2:])) for t, d in calls],
        200_000,
    )
    assert identity.is_verified_adult(accounts[-1])
    return number, parties, accounts


def baseline(runtime: Runtime, publisher: TransactionSender, holders: list[str]) -> dict[str, Any]:
    artifact = json.loads(BASELINE_ARTIFACT.read_text(encoding="utf-8"))
    w3 = runtime.w3
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    data = factory.constructor().build_transaction(
        {"from": publisher.address, "gas": 0, "gasPrice": 0, "nonce": 0, "chainId": 0}
    )["data"]
    address = publisher.send({"data": data})["contractAddress"]
    nft = w3.eth.contract(address=address, abi=artifact["abi"])
    gas = 0
    started = time.perf_counter()
    for copy, holder in enumerate(holders, start=1):
        receipt = publisher.send(
            {"to": address, "data": nft.encode_abi("mint", [holder, copy])}  # type: ignore[typeddict-item]
        )
        gas += int(receipt["gasUsed"])
    seconds = time.perf_counter() - started
    return {"copies": len(holders), "gas": gas, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--copies", type=int, default=10_000)
    parser.add_argument("--baseline-copies", type=int, default=None)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    copies = args.copies
    baseline_copies = min(args.baseline_copies or copies, copies)

    with (
        tempfile.TemporaryDirectory() as tmp,
        AnvilProcess(port=_free_port(), workdir=Path(tmp) / "anvil") as node,
    ):
        settings = Settings(
            data_dir=Path(tmp) / "data",
            database_url=f"sqlite:///{tmp}/bench.db",
            chain_rpc_url=node.rpc_url,
        )
        runtime = build_runtime(settings)
        migrate(runtime.engine)
        try:
            print(f"set-up: {copies:,} readers bound on chain …", flush=True)
            started = time.perf_counter()
            number, parties, accounts = set_up(runtime, copies)
            print(f"set-up done in {time.perf_counter() - started:.1f} s", flush=True)
            publisher = TransactionSender(runtime.w3, Account.from_key(PUBLISHER_KEY))
            terms = EditionTerms(
                size=copies, territory=156, lock_after_issue=180 * 24 * 3600,
                lock_after_gift=2 * 365 * 24 * 3600, daily_gift_limit=1,
            )  # fmt: skip
            editions = runtime.editions
            edition = editions.create(
                publisher, number, title="基准 数字藏书", metadata_cid=COVER, terms=terms
            )
            catalogue = [(party, n) for n, party in enumerate(parties, start=1)]
            started = time.perf_counter()
            batches = editions.issue(publisher, edition.edition_id, catalogue)
            seconds = time.perf_counter() - started
            gas = sum(
                int(runtime.w3.eth.get_transaction_receipt(b.tx_hash)["gasUsed"])  # type: ignore[arg-type]
                for b in batches
            )
            assert editions.show(edition.edition_id).issued == copies
            held = editions.holding(edition.edition_id, parties[-1]).copies
            assert held == (copies,), held
            print(f"editions: {copies:,} copies in {seconds:.1f} s, {gas / copies:,.0f} gas each")

            measured = baseline(runtime, publisher, accounts[:baseline_copies])
        finally:
            runtime.close()

    per_copy_gas = gas / copies
    base_gas = measured["gas"] / measured["copies"]
    base_seconds = measured["seconds"] / measured["copies"] * copies
    result = {
        "benchmark": "editions",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "settings": {
            "copies": copies,
            "baseline_copies": measured["copies"],
            "batch": 2_000,
            "batches": len(batches),
            "database": "sqlite",
        },
        "editions": {"gas_per_copy": per_copy_gas, "seconds": seconds, "gas": gas},
        "baseline": {
            "gas_per_copy": base_gas,
            "seconds_measured": measured["seconds"],
            "seconds_for_all_copies": base_seconds,
            "extrapolated": measured["copies"] < copies,
        },
        "ratio": {"gas": base_gas / per_copy_gas, "time": base_seconds / seconds},
        "targets": {
            "gas_per_copy": TARGET_GAS_PER_COPY,
            "seconds": TARGET_SECONDS,
            "met": per_copy_gas <= TARGET_GAS_PER_COPY and seconds <= TARGET_SECONDS,
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    note = " (extrapolated)" if measured["copies"] < copies else ""
    print(f"{'':28} {'gas/copy':>10} {'seconds':>10}")
    print(f"{'editions (Merkle batches)':28} {per_copy_gas:>10,.0f} {seconds:>10.1f}")
    print(f"{'baseline (mint per tx)':28} {base_gas:>10,.0f} {base_seconds:>10.1f}{note}")
    print(
        f"ratio baseline/editions: gas {result['ratio']['gas']:.1f}x, "
        f"time {result['ratio']['time']:.1f}x; targets met: {result['targets']['met']}"
    )
    return 0


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
