"""End to end over HTTP: register through the API, anchor on Anvil, verify against the chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from cli.launcher import AnvilProcess
from crypto.merkle import verify_proof
from registry.core.database import migrate
from registry.platform.runtime import build_runtime
from tests.conftest import free_port, make_settings
from tests.e2e.conftest import serving, wait_until

BOOKS = {
    "shiji.txt": "太史公曰：余述历黄帝以来至太初而讫，百三十篇。".encode(),
    "lunyu.txt": "学而时习之，不亦说乎？".encode(),
    "moby.txt": b"Call me Ishmael. Some years ago...",
}


def register(api: str, auth: dict[str, str], name: str, content: bytes) -> dict[str, Any]:
    metadata = {"title": name.removesuffix(".txt"), "language": "zh"}
    response = httpx.post(
        f"{api}/v1/works",
        files={"file": (name, content)},
        data={"metadata": json.dumps(metadata)},
        headers=auth,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def fetch(api: str, number: object) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{api}/v1/works/{number}", timeout=10).json()
    return body


@pytest.mark.slow
def test_three_files_registered_over_http_are_anchored_and_proven_on_chain(
    tmp_path: Path, database_url: str, anvil: AnvilProcess
) -> None:
    runtime = build_runtime(make_settings(tmp_path, database_url, anvil.rpc_url))
    migrate(runtime.engine)
    with serving(runtime) as (api, auth):
        numbers = [register(api, auth, name, content)["number"] for name, content in BOOKS.items()]
        wait_until(lambda: all(fetch(api, n)["status"] == "anchored" for n in numbers))
        records = [fetch(api, n) for n in numbers]
    runtime.close()

    chain = RegistryAnchorClient(
        connect(anvil.rpc_url), str(records[0]["anchor"]["contract_address"])
    )
    for record, content in zip(records, BOOKS.values(), strict=True):
        anchor = record["anchor"]
        assert isinstance(anchor, dict)
        leaf = bytes.fromhex(str(record["leaf"]))
        proof = [bytes.fromhex(step) for step in record["proof"]]
        root = bytes.fromhex(anchor["root"])
        assert verify_proof(leaf, proof, root)
        assert chain.verify_registration(leaf, proof, root)
        info = chain.root_info(root)
        assert info is not None
        assert info.block_number == anchor["block_number"]
        assert record["claim"]["content"]["size"] == len(content)


@pytest.mark.slow
def test_registrations_made_while_the_chain_is_down_are_anchored_when_it_returns(
    tmp_path: Path, database_url: str
) -> None:
    node = AnvilProcess(
        port=free_port(), state_file=tmp_path / "anvil-state.json", workdir=tmp_path / "anvil"
    )
    node.start()
    runtime = build_runtime(make_settings(tmp_path / "data", database_url, node.rpc_url))
    migrate(runtime.engine)
    try:
        with serving(runtime) as (api, auth):
            first = register(api, auth, "before.txt", b"registered while the chain is up")
            wait_until(lambda: fetch(api, first["number"])["status"] == "anchored")

            node.stop()  # SIGTERM: Anvil writes its state file
            during = register(api, auth, "during.txt", b"registered while the chain is down")
            assert during["status"] == "pending"
            assert httpx.get(f"{api}/health").json()["chain"] is False
            assert fetch(api, during["number"])["status"] == "pending"

            node.start()
            wait_until(lambda: fetch(api, during["number"])["status"] == "anchored")
            assert fetch(api, first["number"])["anchor"] == first_anchor(api, first)
    finally:
        runtime.close()
        node.stop()


def first_anchor(api: str, record: dict[str, Any]) -> object:
    """The first registration keeps the anchoring it had: the restarted chain kept its state."""
    return fetch(api, record["number"])["anchor"]


@pytest.mark.slow
def test_a_reset_chain_gets_a_new_contract_and_every_batch_anchored_again(
    tmp_path: Path, database_url: str
) -> None:
    node = AnvilProcess(port=free_port(), workdir=tmp_path / "anvil")  # no state: a reset loses all
    node.start()
    runtime = build_runtime(make_settings(tmp_path / "data", database_url, node.rpc_url))
    migrate(runtime.engine)
    try:
        with serving(runtime) as (api, auth):
            record = register(api, auth, "a.txt", b"anchored before the reset")
            wait_until(lambda: fetch(api, record["number"])["status"] == "anchored")
            before = fetch(api, record["number"])["anchor"]
            assert isinstance(before, dict)
            root = bytes.fromhex(before["root"])

            node.stop()
            node.start()  # a fresh, empty chain on the same URL: contract and roots are gone
            w3 = connect(node.rpc_url)

            def reanchored() -> bool:
                anchor = fetch(api, record["number"])["anchor"]
                if not isinstance(anchor, dict):
                    return False
                chain = RegistryAnchorClient(w3, anchor["contract_address"])
                return chain.has_expected_code() and chain.root_info(root) is not None

            wait_until(reanchored)
            anchored = fetch(api, record["number"])
            chain = RegistryAnchorClient(w3, anchored["anchor"]["contract_address"])
            proof = [bytes.fromhex(p) for p in anchored["proof"]]
            assert chain.verify_registration(bytes.fromhex(str(anchored["leaf"])), proof, root)
    finally:
        runtime.close()
        node.stop()
