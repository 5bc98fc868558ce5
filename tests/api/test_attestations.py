"""Identity attestations through the API: an admin records an attestor's signed attestation;
anyone sees the status, never the identity; the party itself or a regulator reads it, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from crypto.signing import KeySigner
from crypto.sm2 import SM2PrivateKey
from registry.access.attestation import Identity, sign_attestation
from registry.core.models import AuditEntry, PartyAttestation
from registry.platform.runtime import Runtime
from tests.conftest import bearer

CREDIT_CODE = "91350100M000100Y43"


def attestation(
    runtime: Runtime,
    party_id: str,
    *,
    signer: KeySigner | None = None,
    expires_in: timedelta = timedelta(days=365),
) -> dict[str, Any]:
    signer = signer or runtime.attestors.dev_signer  # type: ignore[assignment]
    assert signer is not None
    now = datetime.now(UTC)
    identity = Identity.parse("organisation", CREDIT_CODE, "四川人民出版社有限公司")
    issued = min(now, now + expires_in - timedelta(days=1))
    return sign_attestation(
        signer, party_id, identity, issued_at=issued, expires_at=now + expires_in
    ).to_json()


def recorded(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(PartyAttestation)) or 0


def key_of(
    client: TestClient, admin: dict[str, str], party_id: str, *scopes: str
) -> dict[str, str]:
    issued = client.post(
        "/v1/admin/keys",
        json={"name": "社内系统", "scopes": list(scopes), "party": party_id},
        headers=admin,
    ).json()
    return {"Authorization": f"Bearer {issued['key']}"}


def test_attest_read_status_and_identity_then_revoke(runtime: Runtime) -> None:
    admin = bearer(runtime, "admin")
    regulator = bearer(runtime, "regulator")
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        party = client.post(
            "/v1/admin/parties", json={"public_name": "四川人民出版社"}, headers=admin
        ).json()
        party_id = party["party_id"]
        assert party["verification"]["status"] == "none"
        path = f"/v1/admin/parties/{party_id}/attestations"

        publisher = bearer(runtime, "publisher")
        refused = client.post(path, json=attestation(runtime, party_id), headers=publisher)
        assert refused.json()["code"] == "missing_scope"

        created = client.post(path, json=attestation(runtime, party_id), headers=admin)
        assert created.status_code == 201, created.text
        assert created.json()["status"] == "verified"
        assert created.json()["label"] == "已实名认证 verified"

        public = client.get(f"/v1/parties/{party_id}").json()
        assert public["verification"]["status"] == "verified"
        # Recorded on chain by the registry's account, with the same commitment.
        assert created.json()["chain_tx"].startswith("0x")
        ledger = runtime.suite().identity_attestations
        assert ledger is not None
        assert ledger.is_verified(party_id)
        on_chain = ledger.attestation_of(party_id)
        assert on_chain.commitment.hex() == public["verification"]["commitment"]
        assert public["verification"]["attestor"] == runtime.attestors.dev_identifier
        assert CREDIT_CODE not in str(public)
        assert "四川人民出版社有限公司" not in str(public)

        own = key_of(client, admin, party_id, "publisher")
        read = client.get(f"/v1/parties/{party_id}/identity", headers=own)
        assert read.status_code == 200, read.text
        assert read.json()["identity"]["id_number"] == CREDIT_CODE
        commitment = Identity.parse(**read.json()["identity"]).commitment(
            bytes.fromhex(read.json()["salt"])
        )
        assert commitment.hex() == public["verification"]["commitment"]
        assert client.get(f"/v1/parties/{party_id}/identity", headers=regulator).status_code == 200

        revoked = client.delete(
            f"{path}/current", params={"reason": "营业执照已吊销"}, headers=admin
        )
        assert revoked.json()["status"] == "revoked"
        assert revoked.json()["revoke_tx"].startswith("0x")
        assert not ledger.is_verified(party_id)
        assert ledger.attestation_of(party_id).revoked
        assert client.get(f"/v1/parties/{party_id}").json()["verification"]["status"] == "revoked"
        again = client.delete(f"{path}/current", headers=admin)
        assert again.status_code == 409
        assert again.json()["code"] == "attestation_revoked"
    with runtime.sessions() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.method == "READ")).all()
    assert [(e.path, e.status) for e in reads] == [(f"/v1/parties/{party_id}/identity", 200)] * 2


def test_forged_unknown_expired_and_replayed_attestations_change_nothing(
    runtime: Runtime,
) -> None:
    admin = bearer(runtime, "admin")
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        party_id = client.post(
            "/v1/admin/parties", json={"public_name": "四川人民出版社"}, headers=admin
        ).json()["party_id"]
        path = f"/v1/admin/parties/{party_id}/attestations"
        impostor = KeySigner(SM2PrivateKey.generate())

        unknown = client.post(
            path, json=attestation(runtime, party_id, signer=impostor), headers=admin
        )
        assert (unknown.status_code, unknown.json()["code"]) == (403, "unknown_attestor")

        forged = attestation(runtime, party_id, signer=impostor)
        forged["attestation"]["attestor"] = runtime.attestors.dev_identifier
        answer = client.post(path, json=forged, headers=admin)
        assert (answer.status_code, answer.json()["code"]) == (422, "invalid_attestation_signature")

        expired = attestation(runtime, party_id, expires_in=timedelta(days=-1))
        answer = client.post(path, json=expired, headers=admin)
        assert (answer.status_code, answer.json()["code"]) == (422, "attestation_expired")

        mismatch = attestation(runtime, party_id)
        mismatch["identity"]["legal_name"] = "冒名公司"
        answer = client.post(path, json=mismatch, headers=admin)
        assert (answer.status_code, answer.json()["code"]) == (422, "commitment_mismatch")

        bad_digit = attestation(runtime, party_id)
        bad_digit["identity"]["id_number"] = "91350100M000100Y44"
        answer = client.post(path, json=bad_digit, headers=admin)
        assert (answer.status_code, answer.json()["code"]) == (400, "invalid_identity_number")
        assert recorded(runtime) == 0

        good = attestation(runtime, party_id)
        assert client.post(path, json=good, headers=admin).status_code == 201
        client.delete(f"{path}/current", headers=admin)
        replayed = client.post(path, json=good, headers=admin)
        assert (replayed.status_code, replayed.json()["code"]) == (409, "attestation_revoked")
        assert client.get(f"/v1/parties/{party_id}").json()["verification"]["status"] == "revoked"


def test_another_party_a_publisher_or_an_admin_key_reads_no_identity(runtime: Runtime) -> None:
    admin = bearer(runtime, "admin")
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        party_id = client.post(
            "/v1/admin/parties", json={"public_name": "甲"}, headers=admin
        ).json()["party_id"]
        other_id = client.post(
            "/v1/admin/parties", json={"public_name": "乙"}, headers=admin
        ).json()["party_id"]
        path = f"/v1/admin/parties/{party_id}/attestations"
        assert (
            client.post(path, json=attestation(runtime, party_id), headers=admin).status_code == 201
        )
        for headers in (
            key_of(client, admin, other_id, "publisher"),
            bearer(runtime, "publisher"),
            bearer(runtime, "moderator", "lender", "platform"),
            admin,
        ):
            answer = client.get(f"/v1/parties/{party_id}/identity", headers=headers)
            assert (answer.status_code, answer.json()["code"]) == (403, "identity_not_readable")
            assert "四川" not in answer.text
        assert client.get(f"/v1/parties/{party_id}/identity").status_code == 401
    with runtime.sessions() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.method == "READ")).all()
    assert [e.status for e in reads] == [403] * 4
