"""Offline proof bundles: valid ones check everywhere, every tampered field is caught."""

from __future__ import annotations

import base64
import copy
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from cli.main import app as cli_app
from crypto.signing import KeySigner, generate_private_key
from registry.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.claims import ClientSignedClaim, claim_for
from registry.errors import InvalidProofBundle, NotAnchoredYet
from registry.ingest import describe
from registry.metadata import WorkMetadata
from registry.proof_bundle import check_bundle, proof_bundle
from registry.registration import register_work
from registry.runtime import Runtime
from registry.timestamps import Timestamper, TokenStore, request_token
from registry.verification import get_registration
from tests.conftest import free_port
from tests.registry.tsa import LocalAuthority, serve_authority

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


# ------------------------------------------------------------------------ RFC 3161 timestamps


@pytest.fixture(scope="module")
def tsa() -> Iterator[LocalAuthority]:
    with serve_authority() as authority:
        yield authority


@pytest.fixture
def timestamper(tsa: LocalAuthority, runtime: Runtime) -> Timestamper:
    return Timestamper(tsa.url, TokenStore(runtime.sessions), tsa.tsa_certificate)


@pytest.fixture
def stamped(
    runtime: Runtime, anchor_client: RegistryAnchorClient, timestamper: Timestamper
) -> dict[str, Any]:
    number = register(runtime)
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    return proof_bundle(get_registration(runtime.sessions, number), timestamper=timestamper)


def test_timestamped_bundle_is_version_2_and_checks_against_the_tsa_certificate(
    stamped: dict[str, Any], tsa: LocalAuthority, anchor_client: RegistryAnchorClient
) -> None:
    assert stamped["v"] == "banquan.proof/2"
    assert set(stamped["timestamp"]) == {"tsa", "token", "hashed", "gen_time"}
    assert stamped["timestamp"]["hashed"] == "leaf"
    assert stamped["timestamp"]["tsa"] == tsa.url
    assert "timestamp_warning" not in stamped
    check = check_bundle(
        stamped,
        content=io.BytesIO(BOOK),
        chain=chain_for(stamped, anchor_client),
        tsa_certificate=tsa.tsa_certificate,
    )
    assert check.results["timestamp"] is True
    assert check.ok, check.notes
    assert any(stamped["timestamp"]["gen_time"] in note for note in check.notes)
    by_ca = check_bundle(stamped, tsa_certificate=tsa.ca_pem.read_bytes())
    assert by_ca.results["timestamp"] is True


def test_the_token_is_obtained_once_for_a_registration(
    runtime: Runtime, stamped: dict[str, Any], tsa: LocalAuthority, timestamper: Timestamper
) -> None:
    asked = len(tsa.requests)
    again = proof_bundle(
        get_registration(runtime.sessions, stamped["registration"]["number"]),
        timestamper=timestamper,
    )
    assert again["timestamp"] == stamped["timestamp"]
    assert len(tsa.requests) == asked


def tamper_token(b: dict[str, Any]) -> None:
    raw = bytearray(base64.b64decode(b["timestamp"]["token"]))
    at = raw.index(b"\x18\x0f")  # the genTime inside the signed TSTInfo
    raw[at + 5] ^= 0x01
    b["timestamp"]["token"] = base64.b64encode(bytes(raw)).decode()


TIMESTAMP_TAMPERINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "token": tamper_token,
    "gen_time": lambda b: b["timestamp"].update(gen_time="2020-01-01T00:00:00+00:00"),
    "hashed": lambda b: b["timestamp"].update(hashed="root"),
    "token not base64": lambda b: b["timestamp"].update(token="***"),
    "leaf": lambda b: b.update(leaf=flip_hex(b["leaf"])),
}


@pytest.mark.parametrize("tampering", TIMESTAMP_TAMPERINGS, ids=list(TIMESTAMP_TAMPERINGS))
def test_every_tampered_timestamp_field_fails_the_check(
    stamped: dict[str, Any], tsa: LocalAuthority, tampering: str
) -> None:
    tampered = copy.deepcopy(stamped)
    TIMESTAMP_TAMPERINGS[tampering](tampered)
    check = check_bundle(tampered, tsa_certificate=tsa.tsa_certificate)
    assert check.results["timestamp"] is False
    assert not check.ok


def test_a_token_over_another_leaf_fails_the_imprint_check(
    stamped: dict[str, Any], tsa: LocalAuthority
) -> None:
    other = request_token(tsa.url, bytes.fromhex(flip_hex(stamped["leaf"])))
    tampered = copy.deepcopy(stamped)
    tampered["timestamp"].update(other.to_json())
    check = check_bundle(tampered, tsa_certificate=tsa.tsa_certificate)
    assert check.results["timestamp"] is False
    assert any("imprint" in note for note in check.notes)


def test_tsa_outage_gives_a_bundle_with_a_warning_and_no_token(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    number = register(runtime)
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    down = Timestamper(f"http://127.0.0.1:{free_port()}/tsa", TokenStore(runtime.sessions))
    bundle = proof_bundle(get_registration(runtime.sessions, number), timestamper=down)
    assert bundle["v"] == "banquan.proof/2"
    assert "timestamp" not in bundle
    assert "could not be reached" in str(bundle["timestamp_warning"])
    check = check_bundle(bundle, chain=chain_for(bundle, anchor_client))
    assert "timestamp" not in check.results
    assert check.ok


def test_without_a_tsa_the_bundle_stays_version_1(bundle: dict[str, Any]) -> None:
    assert bundle["v"] == "banquan.proof/1"
    assert "timestamp" not in bundle
    assert "timestamp_warning" not in bundle


def test_a_version_1_bundle_with_a_timestamp_is_refused(stamped: dict[str, Any]) -> None:
    downgraded = copy.deepcopy(stamped)
    downgraded["v"] = "banquan.proof/1"
    with pytest.raises(InvalidProofBundle):
        check_bundle(downgraded)


def test_the_proof_route_carries_the_timestamp_and_survives_an_outage(
    runtime: Runtime, anchor_client: RegistryAnchorClient, tsa: LocalAuthority
) -> None:
    number = register(runtime)
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    settings = runtime.settings
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        runtime.settings = settings.model_copy(
            update={"tsa_url": f"http://127.0.0.1:{free_port()}/tsa"}
        )
        down = client.get(f"/v1/works/{number}/proof")
        assert down.status_code == 200
        assert "timestamp_warning" in down.json()
        runtime.settings = settings.model_copy(
            update={"tsa_url": tsa.url, "tsa_certificate": str(tsa.ca_pem)}
        )
        up = client.get(f"/v1/works/{number}/proof")
        assert up.status_code == 200
        assert up.json()["timestamp"]["hashed"] == "leaf"
    check = check_bundle(up.json(), tsa_certificate=tsa.tsa_certificate)
    assert check.results["timestamp"] is True


def test_verify_proof_checks_the_timestamp_against_the_given_certificate(
    stamped: dict[str, Any], tsa: LocalAuthority, tmp_path: Path
) -> None:
    bundle_file = tmp_path / "proof.json"
    bundle_file.write_text(json.dumps(stamped))
    runner = CliRunner()
    command = ["verify-proof", str(bundle_file), "--tsa-cert", str(tsa.tsa_pem), "--json"]
    passed = runner.invoke(cli_app, command)
    assert passed.exit_code == 0, passed.output
    assert json.loads(passed.output)["timestamp"] is True
    tampered = copy.deepcopy(stamped)
    tamper_token(tampered)
    bundle_file.write_text(json.dumps(tampered))
    failed = runner.invoke(cli_app, command)
    assert failed.exit_code == 3, failed.output
