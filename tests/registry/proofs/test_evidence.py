"""Evidence packages: a signed ZIP of the work (or its digests), claim, proof bundle, timestamp
token, registrant, state and report that checks offline; every byte changed or file missing is
named by the check, and the operator's signature verifies with ``openssl pkeyutl``."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from chain_client.connection import connect
from chain_client.registry_anchor import RegistryAnchorClient
from crypto.sm2 import SM2PrivateKey
from registry.assets.rights_assets import grant_licence, tokenize
from registry.core.errors import NotAnchoredYet
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime, build_runtime
from registry.proofs.evidence import EvidencePackage, check_package
from registry.proofs.proof_bundle import Verdict
from registry.registration import Caller
from tests.conftest import free_port
from tests.registry.assets.test_rights_assets import OWNER, licence_terms, sender_of
from tests.registry.proofs.test_proof_bundle import BOOK, register
from tests.registry.proofs.tsa import LocalAuthority, serve_authority

OPERATOR = Caller(key_id="operator", acts_for_anyone=True)


@pytest.fixture(scope="module")
def sm2_tsa() -> Iterator[LocalAuthority]:
    with serve_authority(sm2=True) as authority:
        yield authority


@pytest.fixture
def anchored(runtime: Runtime, sm2_tsa: LocalAuthority) -> str:
    """An anchored registration of BOOK, the registry's TSA an SM2 one."""
    runtime.settings = runtime.settings.model_copy(
        update={"tsa_url": sm2_tsa.url, "tsa_certificate": str(sm2_tsa.ca_pem)}
    )
    number = register(runtime)
    register(runtime, b"another work in the batch")
    assert runtime.new_batcher().run_once().anchored == 1  # one batch of both
    return number


@pytest.fixture
def package(runtime: Runtime, anchored: str) -> EvidencePackage:
    return runtime.evidence.package(anchored, OPERATOR)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def chain_of(runtime: Runtime) -> Any:
    rpc = runtime.settings.chain_rpc_url
    return lambda contract: RegistryAnchorClient(connect(rpc), contract)


def test_the_package_holds_every_part_and_checks_offline_and_on_chain(
    runtime: Runtime, anchored: str, package: EvidencePackage, sm2_tsa: LocalAuthority
) -> None:
    files = members(package.data)
    work = f"work/{anchored}.bin"
    assert set(files) == {
        work, "digests.json", "claim.json", "proof-bundle.json", "timestamp.tsr",
        "anchoring.json", "registrant.json", "state.json", "statement.txt", "report.pdf",
        "operator-key.pem", "manifest.json", "manifest.sig",
    }  # fmt: skip
    assert files[work] == BOOK
    assert package.content_included
    digests = json.loads(files["digests.json"])
    assert digests["sha256"] == hashlib.sha256(BOOK).hexdigest()
    assert digests["sm3"] == hashlib.new("sm3", BOOK).hexdigest()
    assert digests["cid"].startswith("bafk")
    bundle = json.loads(files["proof-bundle.json"])
    assert bundle == runtime.proofs.bundle(anchored)  # the bundle as the registry gives it
    manifest = json.loads(files["manifest.json"])
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json", "manifest.sig"}
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[path]).hexdigest()
        assert entry["sm3"] == hashlib.new("sm3", files[path]).hexdigest()
    check = check_package(
        package.data, chain_for=chain_of(runtime), tsa_certificate=sm2_tsa.ca_pem.read_bytes()
    )
    assert check.verdict is Verdict.VALID, (check.results, check.notes)
    for name in ("package", "manifest", "operator_signature", "file", "timestamp", "on_chain"):
        assert check.results[name] is True, name
    assert check.results[f"manifest_digest:{work}"] is True
    assert any("SM2-with-SM3" in note for note in check.notes)


def test_the_anchoring_and_the_state_name_blocks_read_from_the_chain(
    runtime: Runtime, anchored: str, package: EvidencePackage
) -> None:
    files = members(package.data)
    view = runtime.proofs.registration(anchored)
    assert view.anchor is not None
    [registry_chain] = json.loads(files["anchoring.json"])["chains"]
    assert registry_chain["tx_hash"] == view.anchor.tx_hash
    assert registry_chain["block_number"] == view.anchor.block_number
    assert view.anchor.block_number is not None
    anchored_block = runtime.w3.eth.get_block(view.anchor.block_number)
    assert registry_chain["block_hash"] == "0x" + bytes(anchored_block["hash"]).hex()
    state = json.loads(files["state.json"])
    w3 = runtime.w3
    read_at = state["read_at"]
    assert read_at["block_number"] >= view.anchor.block_number
    block = w3.eth.get_block(read_at["block_number"])
    assert read_at["block_hash"] == "0x" + bytes(block["hash"]).hex()
    assert state["takedown"]["database"] is None
    assert state["takedown"]["chain"]["frozen"] is False
    assert state["asset"] is None  # not tokenized: no licence, no lien


def test_the_statement_and_the_report_are_made_of_the_real_values(
    runtime: Runtime, anchored: str, package: EvidencePackage
) -> None:
    files = members(package.data)
    view = runtime.proofs.registration(anchored)
    assert view.anchor is not None
    statement = files["statement.txt"].decode("utf-8")
    assert view.anchor.tx_hash is not None
    for value in (anchored, view.sha256, view.sm3, view.leaf, view.anchor.tx_hash, "banquan 0"):
        assert value in statement
    assert "存证过程说明" in statement
    text = PdfReader(io.BytesIO(files["report.pdf"])).pages[0].extract_text()
    assert "电子数据存证报告" in text
    assert anchored in text
    assert view.sha256 in text.replace("\n", "")


def test_a_later_claimants_package_names_the_prior_registration(
    runtime: Runtime, anchored: str
) -> None:
    """Priority between claimants, as the certificate tells it: a later claimant's package
    names the prior registration (statement, report, state), the first's says it is first."""
    later = register(runtime)  # the same book, signed by another registrant's key
    assert runtime.new_batcher().run_once().anchored == 1
    files = members(runtime.evidence.package(later, OPERATOR).data)
    statement = files["statement.txt"].decode("utf-8")
    assert f"在先登记 Prior registration: {anchored} " in statement
    assert "本登记属首次登记" not in statement
    state = json.loads(files["state.json"])
    assert (state["priority"]["first"]["number"], state["priority"]["is_first"]) == (
        anchored,
        False,
    )
    report = PdfReader(io.BytesIO(files["report.pdf"])).pages[0].extract_text()
    assert "在先登记" in report
    assert anchored in report
    first = members(runtime.evidence.package(anchored, OPERATOR).data)
    assert "本登记属首次登记" in first["statement.txt"].decode("utf-8")
    assert json.loads(first["state.json"])["priority"]["is_first"] is True


def test_the_operator_signature_verifies_with_openssl(
    package: EvidencePackage, tmp_path: Path
) -> None:
    files = members(package.data)
    for name in ("manifest.json", "manifest.sig", "operator-key.pem"):
        (tmp_path / name).write_bytes(files[name])
    command = [
        "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "operator-key.pem"),
        "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678",
        "-in", str(tmp_path / "manifest.json"), "-sigfile", str(tmp_path / "manifest.sig"),
    ]  # fmt: skip
    verified = subprocess.run(command, capture_output=True, check=False)
    assert verified.returncode == 0, verified.stderr
    assert b"Signature Verified Successfully" in verified.stdout
    (tmp_path / "manifest.json").write_bytes(files["manifest.json"].replace(b"BQ-", b"BX-", 1))
    assert subprocess.run(command, capture_output=True, check=False).returncode != 0


def test_any_byte_changed_is_named(package: EvidencePackage) -> None:
    data = package.data
    # A stride through the files and their headers, a finer one through the central directory
    # (names, sizes, CRCs, offsets, times, attributes) and every byte of its end record.
    directory = data.index(b"PK\x01\x02")
    end = data.index(b"PK\x05\x06")
    positions = sorted(
        {*range(0, directory, 251), *range(directory, end, 7), *range(end, len(data))}
    )
    for position in positions:
        tampered = bytearray(data)
        tampered[position] ^= 0x01
        check = check_package(bytes(tampered))
        assert check.verdict is Verdict.INVALID, position
        assert check.failed, position


@pytest.mark.parametrize(
    "path", ["statement.txt", "proof-bundle.json", "report.pdf", "state.json", "work"]
)
def test_a_changed_file_fails_its_manifest_digest(
    package: EvidencePackage, anchored: str, path: str
) -> None:
    path = f"work/{anchored}.bin" if path == "work" else path
    files = members(package.data)
    data = package.data
    at = data.index(files[path]) + len(files[path]) // 2
    tampered = bytearray(data)
    tampered[at] ^= 0x20
    check = check_package(bytes(tampered))
    assert check.results[f"manifest_digest:{path}"] is False
    assert check.results["operator_signature"] is True  # the manifest itself is intact


def test_a_changed_manifest_or_signature_fails_the_operator_signature(
    package: EvidencePackage,
) -> None:
    files = members(package.data)
    manifest = json.loads(files["manifest.json"])
    manifest["operator"]["name"] = "someone else"
    changed = dict(files, **{"manifest.json": json.dumps(manifest).encode()})
    assert check_package(rezip(changed)).results["operator_signature"] is False
    signature = bytearray(files["manifest.sig"])
    signature[-3] ^= 0x01
    resigned = dict(files, **{"manifest.sig": bytes(signature)})
    assert check_package(rezip(resigned)).results["operator_signature"] is False


def test_another_operator_key_fails_and_the_right_one_passes(package: EvidencePackage) -> None:
    files = members(package.data)
    other = SM2PrivateKey.generate().public_key.to_pem().encode()
    assert check_package(package.data, operator_key=other).results["operator_signature"] is False
    right = files["operator-key.pem"]
    assert check_package(package.data, operator_key=right).results["operator_signature"] is True


def test_a_missing_file_is_named(package: EvidencePackage) -> None:
    files = members(package.data)
    del files["statement.txt"]
    check = check_package(rezip(files))
    assert check.results["manifest_file:statement.txt"] is False
    assert any("statement.txt is listed but missing" in note for note in check.notes)
    del files["manifest.json"]
    assert check_package(rezip(files)).results["manifest"] is False


def test_an_added_file_fails_the_package_check(package: EvidencePackage) -> None:
    files = dict(members(package.data), **{"extra.txt": b"not listed"})
    check = check_package(rezip(files))
    assert check.results["package"] is False
    assert any("extra.txt" in note for note in check.notes)


def test_not_a_zip_is_named(package: EvidencePackage) -> None:
    check = check_package(package.data[: len(package.data) // 2])
    assert check.results["package"] is False


def test_a_reader_who_may_not_have_the_work_gets_its_digests_only(runtime: Runtime) -> None:
    private = runtime.registrar.register(
        io.BytesIO(b"private words"), WorkMetadata(title="private"), submitted_by="key-1"
    )
    assert runtime.new_batcher().run_once().anchored == 1
    anchored = private.number
    package = runtime.evidence.package(anchored, None)  # anyone: the work is not published
    files = members(package.data)
    assert not package.content_included
    assert f"work/{anchored}.bin" not in files
    digests = json.loads(files["digests.json"])
    assert digests["file"] is None
    assert "not published" in digests["file_withheld"]
    check = check_package(package.data)
    assert check.verdict is Verdict.VALID, (check.results, check.notes)
    assert "file" not in check.results
    another = Caller(key_id="key-2")
    assert not runtime.evidence.package(anchored, another).content_included
    registrant = runtime.evidence.package(anchored, Caller(key_id="key-1"))
    assert members(registrant.data)[f"work/{anchored}.bin"] == b"private words"


def test_a_pending_registration_has_no_package(runtime: Runtime) -> None:
    number = register(runtime, b"still pending")
    with pytest.raises(NotAnchoredYet):
        runtime.evidence.package(number, OPERATOR)


def test_the_state_names_the_asset_its_licence_and_the_takedown_at_export(
    runtime: Runtime, anchored: str
) -> None:
    suite = runtime.suite()
    asset = tokenize(runtime.sessions, suite, anchored, OWNER.address)
    granted = grant_licence(suite, sender_of(runtime.w3, OWNER), licence_terms(runtime.w3, asset))
    runtime.follow_chain()
    runtime.moderation.take_down(
        anchored, reason="权利人投诉 complaint", actor="mod-key", authority="moderator"
    )
    package = runtime.evidence.package(anchored, None)  # anyone: the work is taken down
    files = members(package.data)
    assert not package.content_included
    assert "taken down" in json.loads(files["digests.json"])["file_withheld"]
    state = json.loads(files["state.json"])
    assert state["takedown"]["database"] is not None
    assert state["takedown"]["chain"]["frozen"] is True
    assert state["asset"]["asset_id"] == f"0x{asset.asset_id:064x}"
    assert state["asset"]["owner"] == OWNER.address
    [licence] = state["asset"]["chain"]["exclusive_licences"]
    assert licence["licence_id"] == granted.licence_id
    assert state["asset"]["chain"]["liens"] == []
    assert state["asset"]["database"]["owner"] == OWNER.address
    assert state["asset"]["database"]["exclusive_licence_ids"] == [granted.licence_id]
    statement = files["statement.txt"].decode("utf-8")
    assert "冻结 frozen" in statement
    assert "独占许可 exclusive licences 1" in statement
    assert check_package(package.data).verdict is Verdict.VALID


def test_with_the_chain_down_the_package_says_the_state_was_not_read(
    runtime: Runtime, anchored: str
) -> None:
    dead = {"chain_rpc_url": f"http://127.0.0.1:{free_port()}"}
    addresses = runtime.suite().addresses
    configured = {  # a suite given by address: nothing is asked of the node before the state
        "anchor_address": addresses.registry_anchor,
        "moderation_address": addresses.moderation,
        "rights_asset_address": addresses.rights_asset,
        "pledges_address": addresses.pledges,
        "licences_address": addresses.licences,
        "encumbrances_address": addresses.encumbrances,
    }
    for update in (dead, dead | configured):
        down = build_runtime(runtime.settings.model_copy(update=update))
        try:
            package = down.evidence.package(anchored, OPERATOR)
        finally:
            down.close()
        files = members(package.data)
        state = json.loads(files["state.json"])
        assert "read_at" not in state
        assert state["chain_error"]
        statement = files["statement.txt"].decode("utf-8")
        assert "链上状态未能读取 chain state not read" in statement
        # Unknown, not "none": the asset may well be tokenized, licensed and pledged.
        assert "许可与质押未知 licences and liens unknown" in statement
        assert "未通证化" not in statement
        assert check_package(package.data).verdict is Verdict.VALID


def test_a_revoked_registration_s_package_says_revoked(runtime: Runtime, anchored: str) -> None:
    view = runtime.moderation.revoke_registration(
        anchored, reason="伪造 forged", actor="reg-key", authority="regulator"
    )
    package = runtime.evidence.package(anchored, None)  # withheld content, as for a takedown
    files = members(package.data)
    state = json.loads(files["state.json"])
    assert state["takedown"]["database"]["kind"] == "revocation"
    statement = files["statement.txt"].decode("utf-8")
    assert "撤销 Revoked" in statement
    assert view.tx_hash is not None
    assert view.tx_hash in statement
    assert "下架 Takedown" not in statement
