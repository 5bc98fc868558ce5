"""The verifier ``banquan verify`` builds: the same proofs service as the runtime's, the chain
read without web3.py, with the same answers."""

from __future__ import annotations

import io
from pathlib import Path

from cli.launcher import AnvilProcess
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime
from registry.platform.verifier import anchor_reader, build_verifier
from tests.conftest import make_settings


def register(runtime: Runtime, text: str) -> str:
    view = runtime.registrar.register(io.BytesIO(text.encode()), WorkMetadata(title=text))
    return view.number


def test_the_verifier_answers_what_the_runtime_answers(runtime: Runtime) -> None:
    anchored = register(runtime, "白日依山尽")
    runtime.anchor_client()  # deploys the suite and remembers it in the data directory
    assert runtime.new_batcher().run_once().anchored == 1
    pending = register(runtime, "黄河入海流")
    verifier = build_verifier(runtime.settings)
    try:
        for number in (anchored, pending):
            ours = verifier.proofs.checked([verifier.proofs.registration(number)])
            theirs = runtime.proofs.checked([runtime.proofs.registration(number)])
            assert ours == theirs
        with io.BytesIO("白日依山尽".encode()) as content:
            [(view, check)] = verifier.proofs.checked(verifier.proofs.find_by_file(content))
        assert view.number == anchored
        assert check.chain_confirms is True
        assert check.ok
    finally:
        verifier.close()


def test_the_anchor_read_is_the_configured_or_remembered_one(
    runtime: Runtime, tmp_path: Path, database_url: str, anvil: AnvilProcess
) -> None:
    fresh = make_settings(tmp_path / "fresh", database_url, anvil.rpc_url)
    assert anchor_reader(fresh) is None  # nothing configured, nothing deployed: never deploys
    remembered = runtime.anchor_client().address
    reader = anchor_reader(runtime.settings)
    assert reader is not None
    assert (reader.rpc_url, reader.address) == (anvil.rpc_url, remembered)
    configured = make_settings(
        tmp_path / "configured", database_url, anvil.rpc_url, anchor_address=remembered
    )
    reader = anchor_reader(configured)
    assert reader is not None
    assert reader.address == remembered
