"""Offline proof bundles: valid ones check everywhere, every tampered field is caught."""

from __future__ import annotations

import base64
import copy
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.transactions import TransactionSender
from cli.main import app as cli_app
from crypto.merkle import entry_hash
from crypto.signing import KeySigner, generate_private_key
from registry.content.ingest import describe
from registry.core.errors import InvalidProofBundle, NotAnchoredYet
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime
from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.proofs.proof_bundle import (
    BundleCheck,
    Pins,
    Unchecked,
    Verdict,
    check_bundle,
    proof_bundle,
)
from registry.proofs.timestamps import Timestamper, TokenStore, request_token
from registry.proofs.verification import get_registration
from registry.registration.claims import ClientSignedClaim, claim_for, claim_leaf
from registry.registration.registrar import Registrar
from tests.chain_client.conftest import ROLE_KEYS
from tests.conftest import free_port
from tests.registry.proofs.tsa import LocalAuthority, serve_authority

BOOK = "《孙子兵法》始计第一：兵者，国之大事。".encode() * 40
META = WorkMetadata(title="孙子兵法", authors=("孙武",))


def register(runtime: Runtime, content: bytes = BOOK, algorithm: str = "sm2") -> str:
    signer = KeySigner(generate_private_key(algorithm))
    claim = claim_for(
        describe(io.BytesIO(content)), META, signer.public_key, registered_at=runtime.now()
    )
    view = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now).register(
        io.BytesIO(content),
        META,
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
        "registered_at": True,
        "on_chain": True,
    }
    assert check.ok
    assert check.verdict is Verdict.VALID


@pytest.fixture
def bound_bundle(runtime: Runtime, anchor_client: RegistryAnchorClient) -> dict[str, Any]:
    """The bundle of a registration signed with the registrant's own secp256k1 key, anchored in
    one batch with custodial ones."""
    number = register(runtime, algorithm="secp256k1")
    register(runtime, b"a second work in the same batch")
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    return proof_bundle(get_registration(runtime.sessions, number))


def test_a_bound_bundle_carries_its_controller_and_checks_with_it(
    bound_bundle: dict[str, Any], anchor_client: RegistryAnchorClient
) -> None:
    controller = bound_bundle["controller"]
    assert isinstance(controller, str)
    assert controller.startswith("0x")
    assert len(controller) == 42
    check = check_bundle(
        bound_bundle, content=io.BytesIO(BOOK), chain=chain_for(bound_bundle, anchor_client)
    )
    assert check.results == {
        "claim": True,
        "leaf": True,
        "signature": True,
        "merkle_path": True,
        "file": True,
        "registered_at": True,
        "on_chain": True,
    }
    assert check.ok


@pytest.mark.parametrize("change", ["drop", "other", "malformed"])
def test_a_bound_bundle_without_its_own_controller_fails(
    bound_bundle: dict[str, Any], anchor_client: RegistryAnchorClient, change: str
) -> None:
    tampered = copy.deepcopy(bound_bundle)
    if change == "drop":
        del tampered["controller"]
    elif change == "other":
        tampered["controller"] = "0x" + "11" * 20
    else:
        tampered["controller"] = "0x1234"
        with pytest.raises(InvalidProofBundle):
            check_bundle(tampered)
        return
    check = check_bundle(tampered, chain=chain_for(bound_bundle, anchor_client))
    assert check.results["merkle_path"] is False
    assert check.results["on_chain"] is False


def test_a_custodial_bundle_has_no_controller(bundle: dict[str, Any]) -> None:
    assert "controller" not in bundle
    tampered = copy.deepcopy(bundle)
    tampered["controller"] = "0x" + "11" * 20
    assert check_bundle(tampered).results["merkle_path"] is False


def test_a_bundle_checked_on_chain_tells_whether_the_work_is_taken_down(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    """The proof stays valid; the Moderation contract the bundle names says the work is taken
    down, and no longer once restored."""
    number = register(runtime, b"a work that will be taken down")
    assert runtime.new_batcher().run_once().error is None  # the dev suite, Moderation included
    bundle = runtime.proofs.bundle(number)
    anchor = bundle["anchor"]
    assert isinstance(anchor, dict)
    assert anchor["moderation_contract"] == runtime.suite().moderation.address
    chain = chain_for(bundle, anchor_client)
    assert check_bundle(bundle, chain=chain).taken_down is False

    runtime.moderation.take_down(number, reason="侵权", actor="mod-key", authority="moderator")
    taken = check_bundle(bundle, chain=chain)
    assert taken.taken_down is True
    assert taken.verdict is Verdict.VALID  # a takedown is the work's state, not a forged proof
    assert "已下架 / taken down: the Moderation contract has this work frozen" in taken.notes
    runtime.moderation.restore(number, reason="撤回", actor="mod-key", authority="moderator")
    assert check_bundle(bundle, chain=chain).taken_down is False
    assert check_bundle(bundle).taken_down is None  # offline: not asked


def test_pending_registration_has_no_bundle_yet(runtime: Runtime) -> None:
    number = register(runtime)
    with pytest.raises(NotAnchoredYet):
        proof_bundle(get_registration(runtime.sessions, number))


def flip_hex(value: str) -> str:
    return ("1" if value[0] != "1" else "2") + value[1:]


@dataclass(frozen=True)
class Tampering:
    """A change to a bundle, the checks it must fail (in the order check_bundle makes them) and
    what check_bundle must say about it (each expected note is part of the note at its place)."""

    apply: Callable[[dict[str, Any]], None]
    failed: tuple[str, ...]
    notes: tuple[str, ...] = ()


def failed_checks(check: BundleCheck) -> tuple[str, ...]:
    return tuple(name for name, passed in check.results.items() if passed is False)


def assert_caught(check: BundleCheck, tampering: Tampering) -> None:
    assert failed_checks(check) == tampering.failed, check.results
    assert len(check.notes) == len(tampering.notes), check.notes
    for note, expected in zip(check.notes, tampering.notes, strict=True):
        assert expected in note
    assert not check.ok


def bump_size(b: dict[str, Any]) -> None:
    b["claim"]["content"].update(size=b["claim"]["content"]["size"] + 1)


TAMPERINGS: dict[str, Tampering] = {
    # The claim is what the leaf hashes and what the registrant signed.
    "claim size": Tampering(bump_size, ("leaf", "signature")),
    "claim metadata": Tampering(
        lambda b: b["claim"].update(metadata_digest="00" * 32), ("leaf", "signature")
    ),
    "signature": Tampering(
        lambda b: b.update(signature=b["signature"][:-1] + flip_hex(b["signature"][-1])),
        ("signature",),
    ),
    # The chain is asked about the leaf, path and root as stated, so it refuses them as well.
    "leaf": Tampering(
        lambda b: b.update(leaf=flip_hex(b["leaf"])), ("leaf", "merkle_path", "on_chain")
    ),
    "proof step": Tampering(
        lambda b: b["proof"].__setitem__(0, flip_hex(b["proof"][0])), ("merkle_path", "on_chain")
    ),
    "root": Tampering(
        lambda b: b.update(root=flip_hex(b["root"])),
        ("merkle_path", "on_chain"),
        ("the contract does not know this root",),
    ),
    "block number": Tampering(
        lambda b: b["anchor"].update(block_number=b["anchor"]["block_number"] + 1),
        ("on_chain",),
        ("the root was anchored in another block than the bundle says",),
    ),
    "chain id": Tampering(
        lambda b: b["anchor"].update(chain_id=b["anchor"]["chain_id"] + 1),
        ("on_chain",),
        ("the node serves another chain than the bundle names",),
    ),
    # Fields no signature covers: checked against what does (the claim, the chain).
    "registration time": Tampering(
        lambda b: b["registration"].update(registered_at="2020-01-01T00:00:00+00:00"),
        ("registered_at",),
        ("is not the claim's registered_at",),
    ),
    "anchoring time": Tampering(
        lambda b: b["anchor"].update(anchored_at="2020-01-01T00:00:00+00:00"),
        ("on_chain",),
        ("the chain anchored the root at",),
    ),
    "anchoring transaction": Tampering(
        lambda b: b["anchor"].update(tx_hash="0x" + "ab" * 32),
        ("on_chain",),
        ("the bundle's tx_hash is not a transaction to this contract",),
    ),
}


@pytest.mark.parametrize("tampering", TAMPERINGS, ids=list(TAMPERINGS))
def test_every_tampered_field_fails_the_check(
    bundle: dict[str, Any], anchor_client: RegistryAnchorClient, tampering: str
) -> None:
    tampered = copy.deepcopy(bundle)
    TAMPERINGS[tampering].apply(tampered)
    check = check_bundle(tampered, chain=chain_for(bundle, anchor_client))
    assert_caught(check, TAMPERINGS[tampering])


def unreachable_chain(bundle: dict[str, Any]) -> tuple[str, RegistryAnchorClient]:
    """A JSON-RPC URL on a free port (nothing answers there) and a client bound to it."""
    rpc = f"http://127.0.0.1:{free_port()}"
    return rpc, RegistryAnchorClient(connect(rpc), bundle["anchor"]["contract"])


def test_an_unreachable_node_leaves_the_chain_check_unchecked(bundle: dict[str, Any]) -> None:
    rpc, chain = unreachable_chain(bundle)
    check = check_bundle(bundle, content=io.BytesIO(BOOK), chain=chain)
    on_chain = check.results["on_chain"]
    assert isinstance(on_chain, Unchecked), check.results
    assert on_chain.source == f"chain RPC {rpc}"
    assert "unreachable" in on_chain.reason
    # Neither passed nor failed: nothing failed, and yet the bundle is not valid.
    assert failed_checks(check) == ()
    assert check.unchecked == {"on_chain": on_chain}
    assert check.verdict is Verdict.UNCHECKED
    assert not check.ok


def test_a_tampered_bundle_is_invalid_even_when_the_node_is_unreachable(
    bundle: dict[str, Any],
) -> None:
    tampered = copy.deepcopy(bundle)
    tampered["leaf"] = flip_hex(tampered["leaf"])
    check = check_bundle(tampered, chain=unreachable_chain(bundle)[1])
    assert failed_checks(check) == ("leaf", "merkle_path")
    assert isinstance(check.results["on_chain"], Unchecked)
    assert check.verdict is Verdict.INVALID
    assert not check.ok


def test_another_file_fails_the_file_check(bundle: dict[str, Any]) -> None:
    check = check_bundle(bundle, content=io.BytesIO(b"some other book"))
    assert check.results["file"] is False
    assert failed_checks(check) == ("file",)
    assert not check.ok
    assert check.verdict is Verdict.INVALID


NOT_A_BUNDLE = "not a banquan.proof/1 or banquan.proof/2 document"


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (None, NOT_A_BUNDLE),
        ([], NOT_A_BUNDLE),
        ({"v": "banquan.proof/0"}, NOT_A_BUNDLE),
        ({"v": "banquan.proof/1"}, "the bundle lacks fields"),
    ],
)
def test_malformed_bundle_is_refused(broken: object, reason: str) -> None:
    with pytest.raises(InvalidProofBundle) as refused:
        check_bundle(broken)
    assert refused.value.message == reason


def test_bundle_with_a_short_hash_is_refused(bundle: dict[str, Any]) -> None:
    broken = copy.deepcopy(bundle)
    broken["proof"].append("abcd")
    with pytest.raises(InvalidProofBundle) as refused:
        check_bundle(broken)
    assert refused.value.message == "malformed bundle field: expected 32 bytes of hex, got 'abcd'"


@pytest.mark.parametrize("priority", ["first", {"is_first": False}, {"first": "BQ-1"}])
def test_a_bundle_whose_priority_names_no_first_registration_is_refused(
    bundle: dict[str, Any], priority: object
) -> None:
    broken = {**bundle, "priority": priority}
    with pytest.raises(InvalidProofBundle) as refused:
        check_bundle(broken)
    assert refused.value.message == (
        "malformed bundle field: priority must be an object naming the first registration"
    )


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


def tamper_token_and_gen_time(b: dict[str, Any]) -> None:
    """Move the token's genTime by a second and state the same time in the bundle: only the
    TSA's signature tells."""
    raw = bytearray(base64.b64decode(b["timestamp"]["token"]))
    at = raw.index(b"\x18\x0f") + 2  # the 15 characters of the genTime, YYYYMMDDHHMMSSZ
    raw[at + 13] ^= 0x01  # the seconds' last digit, still a digit
    moved = datetime.strptime(raw[at : at + 15].decode(), "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
    b["timestamp"]["token"] = base64.b64encode(bytes(raw)).decode()
    b["timestamp"]["gen_time"] = moved.isoformat()


GEN_TIME_DIFFERS = "时间戳时间不符 / timestamp: gen_time is not the token's genTime"
TIMESTAMP_TAMPERINGS: dict[str, Tampering] = {
    # tamper_token moves the year, past the end of the TSA certificate's validity.
    "token": Tampering(
        tamper_token,
        ("timestamp",),
        (
            "timestamp: the signer's certificate was not valid at the token's genTime",
            GEN_TIME_DIFFERS,
        ),
    ),
    "token and gen_time": Tampering(
        tamper_token_and_gen_time,
        ("timestamp",),
        ("timestamp: the TSA's signature does not verify",),
    ),
    "gen_time": Tampering(
        lambda b: b["timestamp"].update(gen_time="2020-01-01T00:00:00+00:00"),
        ("timestamp",),
        (GEN_TIME_DIFFERS,),
    ),
    "hashed": Tampering(
        lambda b: b["timestamp"].update(hashed="root"),
        ("timestamp",),
        ("timestamp: only tokens over the leaf are known, not 'root'",),
    ),
    "token not base64": Tampering(
        lambda b: b["timestamp"].update(token="***"),
        ("timestamp",),
        ("timestamp: Only base64 data is allowed",),
    ),
    "leaf": Tampering(
        lambda b: b.update(leaf=flip_hex(b["leaf"])),
        ("leaf", "merkle_path", "timestamp"),
        ("timestamp: the token's message imprint is not SHA-256 of the leaf",),
    ),
}


@pytest.mark.parametrize("tampering", TIMESTAMP_TAMPERINGS, ids=list(TIMESTAMP_TAMPERINGS))
def test_every_tampered_timestamp_field_fails_the_check(
    stamped: dict[str, Any], tsa: LocalAuthority, tampering: str
) -> None:
    tampered = copy.deepcopy(stamped)
    TIMESTAMP_TAMPERINGS[tampering].apply(tampered)
    check = check_bundle(tampered, tsa_certificate=tsa.tsa_certificate)
    assert check.results["timestamp"] is False
    assert_caught(check, TIMESTAMP_TAMPERINGS[tampering])


def test_a_token_over_another_leaf_fails_the_imprint_check(
    stamped: dict[str, Any], tsa: LocalAuthority
) -> None:
    other = request_token(tsa.url, bytes.fromhex(flip_hex(stamped["leaf"])))
    tampered = copy.deepcopy(stamped)
    tampered["timestamp"].update(other.to_json())
    check = check_bundle(tampered, tsa_certificate=tsa.tsa_certificate)
    assert check.results["timestamp"] is False
    assert any("imprint" in note for note in check.notes)
    assert failed_checks(check) == ("timestamp",)


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
    with pytest.raises(InvalidProofBundle) as refused:
        check_bundle(downgraded)
    assert refused.value.message == "a banquan.proof/1 bundle carries no timestamp"


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
    report = json.loads(failed.output)
    assert report["ok"] is False
    assert [name for name, passed in report.items() if passed is False] == ["ok", "timestamp"]
    assert report["notes"] == [
        "timestamp: the signer's certificate was not valid at the token's genTime",
        "时间戳时间不符 / timestamp: gen_time is not the token's genTime",
        "未核验撤销与下架 / revocation and takedown not checked: offline a bundle cannot show "
        "them (give a node with --rpc)",
    ]


def test_external_anchors_are_optional_and_checked_for_their_shape(
    bundle: dict[str, Any], anchor_client: RegistryAnchorClient
) -> None:
    assert "external_anchors" not in bundle  # none configured: the bundle is as before
    # A root anchored "elsewhere": here the same node stands for the other chain.
    info = anchor_client.root_info(bytes.fromhex(bundle["root"]))
    assert info is not None
    entry = {
        "chain": "elsewhere",
        "chain_id": anchor_client.chain_id(),
        "contract": anchor_client.address,
        "tx_hash": bundle["anchor"]["tx_hash"],
        "block_number": info.block_number,
        "block_hash": anchor_client.block_hash(info.block_number),
        "anchored_at": bundle["anchor"]["anchored_at"],
    }
    carried = dict(bundle, external_anchors=[entry])
    nodes = {"elsewhere": anchor_client.w3, "unknown": anchor_client.w3}
    check = check_bundle(carried, external_chains=nodes)
    assert check.results["external:elsewhere"] is True
    assert check.ok
    assert (
        "external:unknown: 证明包没有在 unknown 上的锚定 / "
        "the bundle carries no anchoring on unknown" in check.notes
    )
    offline = check_bundle(carried)
    assert "external:elsewhere" not in offline.results
    assert offline.ok
    assert any(note.startswith("external:elsewhere: 未核验 not checked") for note in offline.notes)
    for broken in (
        {"block_hash": "0x12"},
        {"block_number": "7"},
        {"contract": "nowhere"},
        {"chain": ""},
        {"anchored_at": "yesterday"},
    ):
        with pytest.raises(InvalidProofBundle):
            check_bundle(dict(bundle, external_anchors=[{**entry, **broken}]))
    with pytest.raises(InvalidProofBundle):
        check_bundle(dict(bundle, external_anchors=[entry, entry]))  # one entry per chain
    with pytest.raises(InvalidProofBundle):
        check_bundle(dict(bundle, external_anchors={"elsewhere": entry}))


def test_an_unsigned_claim_naming_a_registrant_fails(bundle: dict[str, Any]) -> None:
    """banquan.claim/1 claims are unsigned and the registry writes none naming a registrant: one
    that does is made up to attribute a work to whoever it names."""
    made_up = {
        "v": "banquan.claim/1",
        "content": {"sha256": "00" * 32, "sm3": "11" * 32, "size": 7},
        "metadata_digest": "22" * 32,
        "registered_at": "2019-01-01T00:00:00Z",
        "nonce": "33" * 16,
        "registrant": "sm2:04" + "44" * 64,  # the victim's key, say
    }
    leaf = claim_leaf(made_up)
    forged = dict(
        bundle,
        claim=made_up,
        signature=None,
        leaf=leaf.hex(),
        proof=[],
        root=entry_hash(leaf).hex(),
    )
    forged["registration"] = {
        "number": "BQ-2019-00000001",
        "registered_at": "2019-01-01T00:00:00+00:00",
    }
    check = check_bundle(forged)
    assert check.results["signature"] is False
    assert check.results["merkle_path"] is True  # a tree of one, as anyone can make
    assert any("cannot name a registrant" in note for note in check.notes)
    assert not check.ok


def test_the_contracts_pinned_decide_and_unpinned_prove_nothing(
    runtime: Runtime, bundle: dict[str, Any], anchor_client: RegistryAnchorClient
) -> None:
    """Anyone can deploy a RegistryAnchor and anchor a root in it: checked against the contract a
    bundle names, the chain check passes for any bundle. Pinned, it fails; unpinned, unchecked."""
    registrar = Account.from_key(ROLE_KEYS["buyer"])
    rogue = RegistryAnchorClient.deploy(TransactionSender(runtime.w3, registrar))
    forged = copy.deepcopy(bundle)
    receipt = rogue.anchor(bytes.fromhex(forged["root"]), 1)
    forged["anchor"].update(
        contract=rogue.address,
        tx_hash=receipt.tx_hash,
        block_number=receipt.block_number,
        anchored_at=datetime.fromtimestamp(receipt.anchored_at, UTC).isoformat(),
    )
    at_rogue = RegistryAnchorClient(runtime.w3, rogue.address)
    assert check_bundle(forged, chain=at_rogue).ok  # the caller vouched for the contract

    unpinned = check_bundle(forged, chain=at_rogue, pins=Pins())
    assert isinstance(unpinned.results["on_chain"], Unchecked)
    assert unpinned.verdict is Verdict.UNCHECKED
    published = Pins(registry_anchor=anchor_client.address)
    pinned = check_bundle(forged, chain=chain_for(bundle, anchor_client), pins=published)
    assert pinned.results["on_chain"] is False
    assert any("not the registry's published" in note for note in pinned.notes)
    genuine = check_bundle(bundle, chain=chain_for(bundle, anchor_client), pins=published)
    assert genuine.results["on_chain"] is True
