"""Priority between claimants of the same content, as the verification API answers it: party B
registers the file party A registered earlier; B is accepted and anchored, but every answer says
A was first, and A's answers list B as a later claimant."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.app import create_app
from cli.launcher import AnvilProcess
from crypto.signing import KeySigner, generate_private_key
from registry.access.keys import create_api_key
from registry.content.ingest import describe
from registry.core.database import migrate
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration
from registry.platform.runtime import Runtime, build_runtime
from registry.proofs.proof_bundle import check_bundle
from registry.registration.claims import claim_for
from tests.conftest import make_settings
from tests.registry.core.test_priority import registered_payloads

BOOK = "第一章 天下大势，分久必合，合久必分。".encode() * 200
DIGEST = hashlib.sha256(BOOK).hexdigest()


@pytest.fixture
def runtime(tmp_path: Path, database_url: str, anvil: AnvilProcess) -> Iterator[Runtime]:
    settings = make_settings(
        tmp_path / "data", database_url, anvil.rpc_url, moderation_hooks=["blocklist", "conflict"]
    )
    built = build_runtime(settings)
    migrate(built.engine)
    yield built
    built.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def key_of(runtime: Runtime, name: str, party: str | None = None) -> tuple[dict[str, str], str]:
    issued = create_api_key(
        runtime.sessions, name=name, scopes=("publisher",), now=runtime.now, party=party
    )
    return {"Authorization": f"Bearer {issued.secret}"}, issued.party


def register(client: TestClient, headers: dict[str, str], content: bytes = BOOK) -> str:
    response = client.post(
        "/v1/works",
        files={"file": ("book.txt", content)},
        data={"metadata": json.dumps({"title": "三国演义"}), "publish": "true"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    number: str = response.json()["number"]
    return number


def by_number(client: TestClient) -> dict[str, dict[str, Any]]:
    response = client.get("/v1/verify", params={"sha256": DIGEST})
    assert response.status_code == 200, response.text
    return {r["number"]: r for r in response.json()["registrations"]}


def test_a_later_claimant_is_accepted_and_every_answer_says_who_was_first(
    client: TestClient, runtime: Runtime
) -> None:
    headers_a, party_a = key_of(runtime, "四川人民出版社")
    first = register(client, headers_a)
    assert runtime.new_batcher().run_once().error is None
    headers_b, party_b = key_of(runtime, "Copycat Press")
    later = register(client, headers_b)
    assert runtime.new_batcher().run_once().error is None

    answers = by_number(client)
    assert answers[later]["status"] == "anchored"  # accepted and anchored: its time is evidence
    for number in (first, later):
        priority = answers[number]["priority"]
        assert priority["first"]["number"] == first
        assert priority["first"]["claimant"] == "四川人民出版社"
        assert priority["first"]["party"] == party_a
        assert priority["first"]["anchored_at"] is not None
        assert priority["first"]["registered_at"].endswith("Z")
        assert [c["number"] for c in priority["later"]] == [later]
        assert priority["later"][0]["claimant"] == "Copycat Press"
        assert priority["later"][0]["party"] == party_b
        assert priority["later"][0]["taken_down"] is False
    assert answers[first]["priority"]["is_first"] is True
    assert answers[later]["priority"]["is_first"] is False

    one = client.get("/v1/verify", params={"number": later}).json()["registrations"]
    assert one[0]["priority"]["first"]["number"] == first
    assert one[0]["priority"]["is_first"] is False
    work = client.get(f"/v1/works/{first}").json()
    assert [c["number"] for c in work["priority"]["later"]] == [later]
    by_file = client.post("/v1/verify/file", files={"file": ("b.txt", BOOK)}).json()
    assert {r["priority"]["first"]["number"] for r in by_file["registrations"]} == {first}
    bulk = client.post("/v1/verify/bulk", json={"digests": [DIGEST]}).json()
    (item,) = bulk["results"]
    assert [r["priority"]["is_first"] for r in item["registrations"]] == [True, False]


def test_the_registering_answer_its_retry_and_the_list_say_who_was_first(
    client: TestClient, runtime: Runtime
) -> None:
    """A later claimant learns it from the answer to its own upload, as its subscribers learn
    it from the ``registered`` event; a retry with the same Idempotency-Key answers the same,
    and so does the list of its works."""
    headers_a, _party_a = key_of(runtime, "四川人民出版社")
    first = register(client, headers_a)
    headers_b, _party_b = key_of(runtime, "Copycat Press")

    def upload() -> dict[str, Any]:
        response = client.post(
            "/v1/works",
            files={"file": ("book.txt", BOOK)},
            data={"metadata": json.dumps({"title": "三国演义"}), "publish": "true"},
            headers={**headers_b, "Idempotency-Key": "copy-1"},
        )
        assert response.status_code in (200, 201), response.text
        answer: dict[str, Any] = response.json()
        return answer

    answer = upload()
    assert (answer["priority"]["first"]["number"], answer["priority"]["is_first"]) == (
        first, False,
    )  # fmt: skip
    assert upload()["priority"] == answer["priority"]
    (listed,) = client.get("/v1/works", headers=headers_b).json()["registrations"]
    assert listed["priority"] == answer["priority"]
    own = client.get("/v1/works", headers=headers_a).json()["registrations"]
    assert own[0]["priority"]["is_first"] is True


def test_a_party_counts_once_whichever_key_registered(client: TestClient, runtime: Runtime) -> None:
    headers_a, party_a = key_of(runtime, "四川人民出版社")
    first = register(client, headers_a)
    headers_b, _ = key_of(runtime, "Copycat Press")
    later = register(client, headers_b)
    other_key_of_a, _ = key_of(runtime, "四川人民出版社 (编辑部)", party=party_a)
    again = register(client, other_key_of_a)
    answers = by_number(client)
    assert answers[again]["priority"]["is_first"] is True
    assert answers[again]["priority"]["first"]["number"] == first
    assert [c["number"] for c in answers[again]["priority"]["later"]] == [later]


def test_a_rejected_registration_is_no_claimant(client: TestClient, runtime: Runtime) -> None:
    headers_a, _ = key_of(runtime, "四川人民出版社")
    first = register(client, headers_a)
    headers_b, _ = key_of(runtime, "Copycat Press")
    with runtime.sessions.begin() as session:
        session.execute(
            update(Registration).where(Registration.number == first).values(status="rejected")
        )
    later = register(client, headers_b)
    priority = by_number(client)[later]["priority"]
    assert (priority["first"]["number"], priority["later"], priority["is_first"]) == (
        later,
        [],
        True,
    )
    assert by_number(client)[first]["priority"]["is_first"] is False


def test_the_registered_event_of_a_later_claimant_names_the_first_registration(
    client: TestClient, runtime: Runtime
) -> None:
    headers_a, party_a = key_of(runtime, "四川人民出版社")
    first = register(client, headers_a)
    headers_b, _ = key_of(runtime, "Copycat Press")
    later = register(client, headers_b)
    other_key_of_a, _ = key_of(runtime, "四川人民出版社 (编辑部)", party=party_a)
    again = register(client, other_key_of_a)
    payloads = registered_payloads(runtime)
    assert "first_registration" not in payloads[first]
    assert "first_registration" not in payloads[again]
    assert payloads[later]["first_registration"]["number"] == first
    assert payloads[later]["first_registration"]["claimant"] == "四川人民出版社"


def test_a_later_party_dating_its_signed_claim_back_is_a_later_claimant_on_every_face(
    client: TestClient, runtime: Runtime
) -> None:
    """Party B registers A's file after A, with a claim it signed itself dated 14 minutes back
    (within the clock tolerance, so accepted): B's claim keeps its time, yet every answer says A
    was first, since priority is the order the registry recorded the registrations in."""
    headers_a, party_a = key_of(runtime, "四川人民出版社")
    first = register(client, headers_a)
    headers_b, _party_b = key_of(runtime, "Copycat Press")
    signer = KeySigner(generate_private_key("secp256k1"))
    metadata = WorkMetadata.from_mapping({"title": "三国演义"})
    dated = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=14)
    claim = claim_for(describe(io.BytesIO(BOOK)), metadata, signer.public_key, registered_at=dated)
    response = client.post(
        "/v1/works",
        files={"file": ("book.txt", BOOK)},
        data={
            "metadata": json.dumps(metadata.to_json()),
            "claim": json.dumps(claim.to_json()),
            "signature": claim.sign(signer).to_text(),
        },
        headers=headers_b,
    )
    assert response.status_code == 201, response.text
    answer = response.json()
    later: str = answer["number"]
    assert datetime.fromisoformat(answer["registered_at"]) == dated  # as signed
    assert answer["claim"]["registered_at"] == dated.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (answer["priority"]["first"]["number"], answer["priority"]["is_first"]) == (
        first, False,
    )  # fmt: skip
    assert runtime.new_batcher().run_once().error is None

    answers = by_number(client)
    assert datetime.fromisoformat(answers[later]["registered_at"]) < datetime.fromisoformat(
        answers[first]["registered_at"]
    )
    for number in (first, later):
        priority = answers[number]["priority"]
        assert priority["first"]["number"] == first
        assert priority["first"]["party"] == party_a
        assert [c["number"] for c in priority["later"]] == [later]
    assert answers[first]["priority"]["is_first"] is True
    assert answers[later]["priority"]["is_first"] is False
    for number in (first, later):
        work = client.get(f"/v1/works/{number}").json()
        assert work["priority"]["first"]["number"] == first
        (one,) = client.get("/v1/verify", params={"number": number}).json()["registrations"]
        assert one["priority"]["first"]["number"] == first
    by_file = client.post("/v1/verify/file", files={"file": ("b.txt", BOOK)}).json()
    assert {r["priority"]["first"]["number"] for r in by_file["registrations"]} == {first}
    (item,) = client.post("/v1/verify/bulk", json={"digests": [DIGEST]}).json()["results"]
    assert {r["number"]: r["priority"]["is_first"] for r in item["registrations"]} == {
        first: True,
        later: False,
    }
    payloads = registered_payloads(runtime)
    assert payloads[later]["first_registration"]["number"] == first
    assert "first_registration" not in payloads[first]
    evidence = client.get(f"/v1/works/{later}/evidence")
    assert evidence.status_code == 200, evidence.text
    with zipfile.ZipFile(io.BytesIO(evidence.content)) as archive:
        state = json.loads(archive.read("state.json"))
    assert (state["priority"]["first"]["number"], state["priority"]["is_first"]) == (first, False)
    # Its proof bundle still binds the time it signed, and checks; offline too it says who was
    # first, so the earlier time it carries does not pass for priority.
    bundle = client.get(f"/v1/works/{later}/proof").json()
    assert datetime.fromisoformat(bundle["registration"]["registered_at"]) == dated
    assert check_bundle(bundle, content=io.BytesIO(BOOK)).ok
    assert bundle["priority"]["is_first"] is False
    assert (bundle["priority"]["first"]["number"], bundle["priority"]["first"]["party"]) == (
        first,
        party_a,
    )
    assert bundle["priority"]["first"]["claimant"] == "四川人民出版社"
    notes = check_bundle(bundle).notes
    assert [n for n in notes if "a later claim" in n] == [
        f"后登记 / a later claim: {first} (四川人民出版社) registered the same content first, "
        "in the registry's order (the registry's word)"
    ]
    first_bundle = client.get(f"/v1/works/{first}/proof").json()
    assert first_bundle["priority"]["is_first"] is True
    assert first_bundle["priority"]["first"]["number"] == first
    assert not [n for n in check_bundle(first_bundle).notes if "a later claim" in n]


def test_a_taken_down_registrations_bundle_says_so_until_it_is_restored(
    client: TestClient, runtime: Runtime
) -> None:
    """The bundle stays available (the proof of what was registered is still true) and says
    what became of the work, as every other face does; offline its check notes it."""
    headers, _party = key_of(runtime, "四川人民出版社")
    number = register(client, headers)
    assert runtime.new_batcher().run_once().error is None
    runtime.moderation.take_down(
        number, reason="侵权 infringing", actor="审核员", authority="moderator"
    )
    bundle = client.get(f"/v1/works/{number}/proof").json()
    assert bundle["taken_down"]["authority"] == "moderator"
    assert bundle["taken_down"]["reason"] == "侵权 infringing"
    assert "revoked" not in bundle
    check = check_bundle(bundle, content=io.BytesIO(BOOK))
    assert check.ok  # a state of the work, not a flaw of the proof
    assert [n for n in check.notes if n.startswith("已下架")] == [
        f"已下架 / taken down when this bundle was made ({bundle['taken_down']['taken_down_at']}, "
        "moderator): a node (--rpc) tells whether it still is"
    ]
    runtime.moderation.restore(number, reason="误判 cleared", actor="审核员", authority="moderator")
    restored = client.get(f"/v1/works/{number}/proof").json()
    assert "taken_down" not in restored
    assert not [n for n in check_bundle(restored).notes if n.startswith("已下架")]


def test_a_later_claims_bundle_says_what_became_of_the_first(
    client: TestClient, runtime: Runtime
) -> None:
    headers_a, _party_a = key_of(runtime, "四川人民出版社")
    first = register(client, headers_a)
    headers_b, _party_b = key_of(runtime, "Copycat Press")
    later = register(client, headers_b)
    assert runtime.new_batcher().run_once().error is None
    runtime.moderation.take_down(
        first, reason="冒名 impersonation", actor="审核员", authority="moderator"
    )
    bundle = client.get(f"/v1/works/{later}/proof").json()
    work = client.get(f"/v1/works/{later}").json()
    for key in ("number", "status", "taken_down", "revoked"):
        assert bundle["priority"]["first"][key] == work["priority"]["first"][key], key
    assert bundle["priority"]["first"]["taken_down"] is True
    first_bundle = client.get(f"/v1/works/{first}/proof").json()
    assert first_bundle["priority"]["later_claimants"] == 1
    notes = [n for n in check_bundle(bundle).notes if n.startswith("后登记")]
    assert notes == [
        f"后登记 / a later claim: {first} (四川人民出版社, 已下架 taken down) registered the same "
        "content first, in the registry's order (the registry's word)"
    ]
