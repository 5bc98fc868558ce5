"""The lender walkthrough of docs/assets-api.md, command by command, on a chain that charges
nothing for gas (the embedded Anvil of ``make run``): new owner and lender accounts that never
hold ether, the admin's grant of the lender role, consent, pledge, encumbrances, release."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from chain_client.roles import LENDER_ROLE
from cli.launcher import AnvilProcess
from cli.main import app
from registry.core.database import migrate
from registry.platform.runtime import Runtime, build_runtime
from tests.conftest import bearer, free_port, make_settings

runner = CliRunner()
PASSWORD = "correct horse"
AMOUNT = "50000000"


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    """A node started as ``banquan run`` starts it: gas costs nothing."""
    workdir = tmp_path_factory.mktemp("free-gas-anvil")
    with AnvilProcess(port=free_port(), workdir=workdir, free_gas=True) as node:
        yield node


@pytest.fixture
def runtime(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    """The runtime the commands build from the environment (same data directory and suite)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)
    monkeypatch.setenv("BANQUAN_KEYSTORE_PASSWORD", PASSWORD)
    built = build_runtime(make_settings(tmp_path / "data", database_url, anvil.rpc_url))
    migrate(built.engine)
    yield built
    built.close()


def banquan(*args: str, expect: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == expect, result.output
    return result.output


def as_json(*args: str) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(banquan(*args, "--json"))
    return answer


def test_a_lender_without_ether_pledges_and_releases(runtime: Runtime, tmp_path: Path) -> None:
    w3 = runtime.w3
    assert w3.eth.get_block("latest")["baseFeePerGas"] == 0
    assert w3.eth.gas_price == 0

    # 0. The owner: a key, a registered work, tokenized to the owner's address.
    banquan("keys", "new", "owner.json", "--algorithm", "secp256k1")
    owner = as_json("keys", "show", "owner.json")["address"]
    book = tmp_path / "book.epub"
    book.write_bytes(f"三体 {time.time_ns()}".encode())
    number = as_json("register", str(book), "--title", "三体", "--author", "刘慈欣")["number"]
    assert runtime.new_batcher().run_once().error is None  # what `banquan worker` does
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as api:
        tokenized = api.post(
            f"/v1/works/{number}/tokenize", json={"owner": owner}, headers=bearer(runtime, "admin")
        )
    assert tokenized.status_code == 201, tokenized.text

    # 1. The lender's key: a new account, no ether.
    banquan("keys", "new", "bank.json", "--algorithm", "secp256k1")
    lender = as_json("keys", "show", "bank.json")["address"]
    assert w3.eth.get_balance(lender) == 0
    assert w3.eth.get_balance(owner) == 0

    maturity = str(int(w3.eth.get_block("latest")["timestamp"]) + 365 * 24 * 3600)
    terms = ["--amount", AMOUNT, "--currency", "CNY", "--maturity", maturity]

    # Before the grant even the owner's consent to this lender is refused.
    refused = json.loads(
        banquan(
            "pledge", "consent", number, "--key", "owner.json", "--lender", lender, *terms,
            "--json", expect=2,
        )
    )  # fmt: skip
    assert refused["error"] == "lender_not_authorized"

    # 2. The administrator grants the lender role.
    assert "holds the lender role" in banquan("admin", "grant-lender", lender)
    assert runtime.suite().pledges.has_role(LENDER_ROLE, lender)

    # 3. The owner signs the consent.
    consent = as_json(
        "pledge", "consent", number, "--key", "owner.json", "--lender", lender, *terms
    )
    assert (consent["owner"], consent["lender"]) == (owner, lender)

    # 4. The lender records the pledge.
    recorded = as_json(
        "pledge", "record", number, "--key", "bank.json", *terms,
        "--deadline", str(consent["deadline"]), "--signature", consent["signature"],
    )  # fmt: skip
    assert (recorded["owner"], recorded["lender"], recorded["rank"]) == (owner, lender, 1)
    lien_id = recorded["lien_id"]

    # 5. The encumbrances.
    shown = as_json("pledge", "show", number)
    assert shown["clear"] is False
    assert [(lien["lien_id"], lien["lender"], lien["amount"]) for lien in shown["liens"]] == [
        (lien_id, lender, AMOUNT)
    ]
    assert shown["owner"] == owner
    assert f"质押 lien {lien_id} 顺位 rank 1" in banquan("pledge", "show", number)

    # 6. The lender releases it.
    assert as_json("pledge", "release", str(lien_id), "--key", "bank.json")["lien_id"] == lien_id
    assert as_json("pledge", "show", number)["clear"] is True

    assert w3.eth.get_transaction_count(lender) == 2  # the pledge and the release
    assert w3.eth.get_balance(lender) == 0
    assert w3.eth.get_balance(owner) == 0
