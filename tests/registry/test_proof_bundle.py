"""Offline proof bundles: valid ones check everywhere, every tampered field is caught."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from typing import Any

import pytest

from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from crypto.signing import KeySigner, generate_private_key
from registry.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.claims import ClientSignedClaim, claim_for
from registry.errors import InvalidProofBundle, NotAnchoredYet
from registry.ingest import describe
from registry.metadata import WorkMetadata
from registry.proof_bundle import check_bundle, proof_bundle
from registry.registration import register_work
from registry.runtime import Runtime
from registry.verification import get_registration

BOOK = "《孙子兵法》始计第一：兵者，国之大事。".encode() * 40
META = WorkMetadata(title="孙子兵法", authors=("孙武",))


def register(runtime: Runtime, content: bytes = BOOK) -> str:
    signer = KeySigner(generate_private_key("sm2"))
    claim = claim_for(
        describe(io.BytesIO(content)), META, signer.public_key, registered_at=runtime.now()
    )
    view = register_work(
        runtime.sessions,
        runtime.store,
        io.BytesIO(content),
        META,
        max_bytes=1 << 20,
        now=runtime.now,
        client_signed=ClientSignedClaim(claim.to_json(), claim.sign(signer).to_text()),
    )
    return view.number


@pytest.fixture
def bundle(runtime: Runtime, anchor_client: RegistryAnchorClient) -> dict[str, Any]:
    number = register(runtime)
    register(runtime, b"a second work in the same batch")
    register(runtime, b"a third one")
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    return proof_bundle(get_registration(runtime.sessions, number))


def chain_for(bundle: dict[str, Any], anchor_client: RegistryAnchorClient) -> RegistryAnchorClient:
    rpc = anchor_client.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    return RegistryAnchorClient(connect(rpc), bundle["anchor"]["contract"])


def test_valid_bundle_checks_offline_with_the_file_and_on_chain(
    bundle: dict[str, Any], anchor_client: RegistryAnchorClient
) -> None:
    check = check_bundle(bundle, content=io.BytesIO(BOOK), chain=chain_for(bundle, anchor_client))
    assert check.results == {
        "claim": True,
        "leaf": True,
        "signature": True,
        "merkle_path": True,
        "file": True,
        "on_chain": True,
    }
    assert check.ok


def test_pending_registration_has_no_bundle_yet(runtime: Runtime) -> None:
    number = register(runtime)
    with pytest.raises(NotAnchoredYet):
        proof_bundle(get_registration(runtime.sessions, number))


def flip_hex(value: str) -> str:
    return ("1" if value[0] != "1" else "2") + value[1:]


TAMPERINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "claim size": lambda b: b["claim"]["content"].update(size=b["claim"]["content"]["size"] + 1),
    "claim metadata": lambda b: b["claim"].update(metadata_digest="00" * 32),
    "signature": lambda b: b.update(signature=b["signature"][:-2] + "00"),
    "leaf": lambda b: b.update(leaf=flip_hex(b["leaf"])),
    "proof step": lambda b: b["proof"].__setitem__(0, flip_hex(b["proof"][0])),
    "root": lambda b: b.update(root=flip_hex(b["root"])),
    "block number": lambda b: b["anchor"].update(block_number=b["anchor"]["block_number"] + 1),
    "chain id": lambda b: b["anchor"].update(chain_id=b["anchor"]["chain_id"] + 1),
}


@pytest.mark.parametrize("tampering", TAMPERINGS, ids=list(TAMPERINGS))
def test_every_tampered_field_fails_the_check(
    bundle: dict[str, Any], anchor_client: RegistryAnchorClient, tampering: str
) -> None:
    tampered = copy.deepcopy(bundle)
    TAMPERINGS[tampering](tampered)
    assert not check_bundle(tampered, chain=chain_for(bundle, anchor_client)).ok


def test_another_file_fails_the_file_check(bundle: dict[str, Any]) -> None:
    check = check_bundle(bundle, content=io.BytesIO(b"some other book"))
    assert check.results["file"] is False
    assert not check.ok


@pytest.mark.parametrize(
    "broken",
    [None, [], {"v": "banquan.proof/0"}, {"v": "banquan.proof/1"}],
)
def test_malformed_bundle_is_refused(broken: object) -> None:
    with pytest.raises(InvalidProofBundle):
        check_bundle(broken)


def test_bundle_with_a_short_hash_is_refused(bundle: dict[str, Any]) -> None:
    broken = copy.deepcopy(bundle)
    broken["proof"].append("abcd")
    with pytest.raises(InvalidProofBundle):
        check_bundle(broken)
