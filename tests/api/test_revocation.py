"""Revoking one registration through the API: a regulator's decision carried out on
``RegistryAnchor.revokeRegistration``; every face then says revoked, on the real chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from registry.core.models import Event, ModerationAuditEntry, Registration
from registry.platform.runtime import Runtime
from registry.proofs import check_bundle
from tests.api.test_assets import OWNER, register
from tests.conftest import bearer

REASON = "登记材料系伪造 forged registration, (2026)京0491民初123号"


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def leaf_of(runtime: Runtime, number: str) -> bytes:
    with runtime.sessions() as session:
        leaf = session.scalar(select(Registration.leaf).where(Registration.number == number))
    assert leaf is not None
    return bytes.fromhex(leaf)


def revoke(client: TestClient, headers: dict[str, str], number: str) -> object:
    return client.post(
        "/v1/moderation/revocations",
        json={"registration": number, "reason": REASON},
        headers=headers,
    )


def test_only_a_regulator_revokes_and_then_every_face_says_revoked(
    client: TestClient, runtime: Runtime
) -> None:
    publisher = bearer(runtime, "publisher")
    fraud = register(client, runtime, b"a forged registration", publisher)
    innocent = register(client, runtime, b"its batch sibling", publisher)
    assert runtime.new_batcher().run_once().error is None
    anchor = runtime.anchor_client()

    # Not entitled, each first: the registrant, a moderator alone, a regulator's read-only key.
    for headers, status, code in (
        (publisher, 403, "missing_scope"),
        (bearer(runtime, "moderator"), 403, "authority_too_low"),
        (bearer(runtime, "regulator"), 403, "missing_scope"),
    ):
        refused = revoke(client, headers, fraud)
        assert refused.status_code == status, refused.text  # type: ignore[attr-defined]
        assert refused.json()["code"] == code  # type: ignore[attr-defined]
    assert not anchor.is_registration_revoked(leaf_of(runtime, fraud))
    assert client.get(f"/v1/works/{fraud}").json()["takedown"] is None

    regulator = bearer(runtime, "moderator", "regulator")
    revoked = revoke(client, regulator, fraud)
    assert revoked.status_code == 201, revoked.text  # type: ignore[attr-defined]
    body = revoked.json()  # type: ignore[attr-defined]
    assert body["authority"] == "regulator"
    assert body["reason_digest"] == hashlib.sha256(REASON.encode()).hexdigest()
    assert body["tx_hash"].startswith("0x")

    # The chain: this leaf revoked, its batch sibling not.
    assert anchor.is_registration_revoked(leaf_of(runtime, fraud))
    assert not anchor.is_registration_revoked(leaf_of(runtime, innocent))

    # Tokenizing is refused; the sibling is tokenized.
    refused = client.post(f"/v1/works/{fraud}/tokenize", json={"owner": OWNER}, headers=publisher)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "revoked"
    minted = client.post(f"/v1/works/{innocent}/tokenize", json={"owner": OWNER}, headers=publisher)
    assert minted.status_code == 201, minted.text

    # Verification answers say revoked, with the decision's reference.
    (found,) = client.get("/v1/verify", params={"number": fraud}).json()["registrations"]
    assert found["revoked"] is True
    assert found["takedown"]["kind"] == "revocation"
    assert found["takedown"]["tx_hash"] == body["tx_hash"]
    (sibling,) = client.get("/v1/verify", params={"number": innocent}).json()["registrations"]
    assert sibling["revoked"] is False
    # Its claim to the content is told revoked (not merely taken down), and so is its search
    # entry; the sibling's is neither.
    assert found["priority"]["first"]["revoked"] is True
    assert found["priority"]["first"]["taken_down"] is True
    assert sibling["priority"]["first"]["revoked"] is False
    listed = client.get("/v1/works/search", params={"title": "资产"}).json()["works"]
    assert {(w["number"], w["taken_down"], w["revoked"]) for w in listed} == {
        (fraud, True, True),
        (innocent, False, False),
    }
    (registration,) = client.get("/v1/verify", params={"number": fraud}).json()["registrations"]
    near = client.get(
        "/v1/similar",
        params={"iscc": registration["iscc_data"], "max_distance": 0},
        headers=bearer(runtime, "platform"),
    ).json()["matches"]
    assert [(m["number"], m["taken_down"], m["revoked"]) for m in near] == [(fraud, True, True)]

    # The certificate is withheld, saying why.
    certificate = client.get(f"/v1/works/{fraud}/certificate.pdf", headers=publisher)
    assert certificate.status_code == 451
    assert certificate.json()["details"]["revoked"] is True
    assert "revoked" in certificate.json()["message"]

    # The proof bundle still proves what was registered, and says what became of it: offline
    # too (the bundle), and on chain (verify-proof --rpc).
    bundle = client.get(f"/v1/works/{fraud}/proof", headers=publisher)
    assert bundle.status_code == 200, bundle.text
    revoked = bundle.json()["revoked"]
    assert (revoked["authority"], revoked["reason"]) == ("regulator", REASON)
    offline = check_bundle(bundle.json())
    assert (offline.results["merkle_path"], offline.results["not_revoked"]) == (True, False)
    checked = check_bundle(bundle.json(), chain=anchor)
    assert checked.results["merkle_path"] is True
    assert checked.results["on_chain"] is False
    assert any("revoked" in note for note in checked.notes)

    # For good: no second revocation, no takedown or restore changes it.
    for path, code in (
        ("/v1/moderation/revocations", "registration_revoked"),
        ("/v1/moderation/takedowns", "registration_revoked"),
        ("/v1/moderation/restores", "registration_revoked"),
    ):
        again = client.post(path, json={"registration": fraud, "reason": "x"}, headers=regulator)
        assert again.status_code == 409, (path, again.text)
        assert again.json()["code"] == code

    # Audited, and told to webhooks once the follower reads the chain.
    with runtime.sessions() as session:
        audit = session.scalars(
            select(ModerationAuditEntry).where(
                ModerationAuditEntry.action == "registration_revoked"
            )
        ).all()
    assert [entry.subject for entry in audit] == [f"registration:{fraud}"]
    runtime.follow_chain()
    with runtime.sessions() as session:
        events = [
            json.loads(payload)
            for payload in session.scalars(
                select(Event.payload_json).where(Event.type == "registration_revoked")
            )
        ]
    assert [(e["number"], e["authority"]) for e in events] == [(fraud, "regulator")]
    assert events[0]["reason_digest"] == body["reason_digest"]


def test_an_unknown_registration_and_an_empty_reason_change_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    regulator = bearer(runtime, "moderator", "regulator")
    unknown = revoke(client, regulator, "BQ-2026-99999999")
    assert unknown.status_code == 404  # type: ignore[attr-defined]
    assert unknown.json()["code"] == "registration_not_found"  # type: ignore[attr-defined]
    number = register(client, runtime, b"a work", bearer(runtime, "publisher"))
    empty = client.post(
        "/v1/moderation/revocations",
        json={"registration": number, "reason": ""},
        headers=regulator,
    )
    assert empty.status_code == 422
    assert not runtime.anchor_client().is_registration_revoked(leaf_of(runtime, number))


def test_the_command_line_revokes_as_the_regulator_decided(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    number = register(client, runtime, b"revoked from the command line")
    settings = runtime.settings
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", settings.chain_rpc_url)
    runner = CliRunner()
    missing = runner.invoke(app, ["admin", "revoke-registration", number])
    assert missing.exit_code == 2  # the reason is required
    done = runner.invoke(
        app, ["admin", "revoke-registration", number, "--reason", REASON, "--json"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["registration"] == number
    assert runtime.anchor_client().is_registration_revoked(leaf_of(runtime, number))
    shown = runner.invoke(app, ["verify", "--number", number])
    assert "已撤销 revoked" in shown.output, shown.output
    again = runner.invoke(app, ["admin", "revoke-registration", number, "--reason", REASON])
    assert again.exit_code == 2
    assert "registration_revoked" in again.output
