"""GET /v1/works/{number}/evidence: the package for anyone, with the work itself for its
registrant's key or an admin's (or anyone once published), checked offline."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.app import create_app
from registry.platform.runtime import Runtime
from registry.proofs.evidence import check_package
from registry.proofs.proof_bundle import Verdict
from tests.api.test_attestations import CREDIT_CODE, attestation, key_of
from tests.conftest import bearer

META = json.dumps({"title": "呐喊", "authors": ["鲁迅"]})


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def names(data: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return set(archive.namelist())


def test_the_package_carries_the_work_only_for_who_may_have_it(
    client: TestClient, runtime: Runtime
) -> None:
    owner = bearer(runtime, "publisher")
    number = client.post(
        "/v1/works",
        files={"file": ("n.txt", "我家门前有两棵树".encode())},
        data={"metadata": META},
        headers=owner,
    ).json()["number"]
    pending = client.get(f"/v1/works/{number}/evidence")
    assert (pending.status_code, pending.json()["code"]) == (409, "not_anchored_yet")
    assert runtime.new_batcher().run_once().anchored == 1

    anyone = client.get(f"/v1/works/{number}/evidence")
    assert anyone.status_code == 200
    assert anyone.headers["content-type"] == "application/zip"
    assert f'filename="{number}-evidence.zip"' in anyone.headers["content-disposition"]
    assert f"work/{number}.bin" not in names(anyone.content)
    assert check_package(anyone.content).verdict is Verdict.VALID

    other = client.get(f"/v1/works/{number}/evidence", headers=bearer(runtime, "publisher"))
    assert f"work/{number}.bin" not in names(other.content)
    for key in (owner, bearer(runtime, "admin")):
        full = client.get(f"/v1/works/{number}/evidence", headers=key)
        assert f"work/{number}.bin" in names(full.content)
        check = check_package(full.content)
        assert check.verdict is Verdict.VALID, (check.results, check.notes)
        assert check.results["file"] is True

    assert client.post(f"/v1/works/{number}/publish", headers=owner).status_code == 200
    published = client.get(f"/v1/works/{number}/evidence")
    assert f"work/{number}.bin" in names(published.content)


def test_unknown_number_and_a_bad_key_are_refused(client: TestClient) -> None:
    missing = client.get("/v1/works/BQ-2026-99999999/evidence")
    assert (missing.status_code, missing.json()["code"]) == (404, "registration_not_found")
    bad_key = client.get(
        "/v1/works/BQ-2026-99999999/evidence", headers={"Authorization": "Bearer nope"}
    )
    assert bad_key.status_code == 401


def test_the_registrant_is_named_by_its_identity_commitment_never_its_identity(
    client: TestClient, runtime: Runtime
) -> None:
    admin = bearer(runtime, "admin")
    party_id = client.post(
        "/v1/admin/parties", json={"public_name": "四川人民出版社"}, headers=admin
    ).json()["party_id"]
    attested = client.post(
        f"/v1/admin/parties/{party_id}/attestations",
        json=attestation(runtime, party_id),
        headers=admin,
    )
    assert attested.status_code == 201, attested.text
    own = key_of(client, admin, party_id, "publisher")
    number = client.post(
        "/v1/works", files={"file": ("s.txt", "蜀道难".encode())}, data={"metadata": META},
        headers=own,
    ).json()["number"]  # fmt: skip
    assert runtime.new_batcher().run_once().anchored == 1

    package = client.get(f"/v1/works/{number}/evidence", headers=own).content
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    registrant = json.loads(files["registrant.json"])
    assert registrant["party"] == {"party_id": party_id, "public_name": "四川人民出版社"}
    commitment = client.get(f"/v1/parties/{party_id}").json()["verification"]["commitment"]
    assert registrant["identity_attestation"]["commitment"] == commitment
    assert registrant["identity_attestation"]["status"] == "verified"
    assert registrant["identity_attestation"]["chain_tx"].startswith("0x")
    report = PdfReader(io.BytesIO(files["report.pdf"])).pages[0].extract_text()
    assert commitment in report.replace("\n", "")
    readable = [*files.values(), report.encode()]
    for secret in (CREDIT_CODE, "四川人民出版社有限公司"):
        assert not any(secret.encode() in data for data in readable)
