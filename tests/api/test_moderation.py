"""Moderation end to end through the API: the hook chain at registration (blocklist, conflicts,
lexicon, external hooks on a real local HTTP server), the review queue, takedown and restore on
the real chain, complaints, appeals, and the hash-chained audit log."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.app import create_app
from cli.launcher import AnvilProcess
from registry.access.keys import create_api_key
from registry.core.database import migrate
from registry.core.hook_config import ExternalHookConfig
from registry.core.models import (
    ApiKey,
    Event,
    ModerationAuditEntry,
    Party,
    Registration,
    ReviewItem,
    Takedown,
)
from registry.moderation.events import ModerationEvent
from registry.platform.runtime import Runtime, build_runtime
from tests.conftest import bearer, make_settings, serve_asgi

SECRET = "hook-secret"
BOOK = " ".join(
    f"第{n}章 风起云涌，天下大势分久必合合久必分。The river flows east {n}." for n in range(400)
).encode()
# A near-duplicate of BOOK (ISCC), which the conflict hook holds when another party registers it.
EDITED = BOOK.replace("第7章".encode(), "第七章".encode())


# ------------------------------------------------------------------ a real external hook server


async def _signed(request: Request) -> bytes:
    body = await request.body()
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert request.headers["x-banquan-signature"] == expected
    return body


async def accept(request: Request) -> JSONResponse:
    await _signed(request)
    return JSONResponse({"verdict": "accept", "score": 0.1, "reasons": []})


async def reject(request: Request) -> JSONResponse:
    body = json.loads(await _signed(request))
    return JSONResponse({"verdict": "reject", "score": 1, "reasons": [body["subject"]["title"]]})


async def hang(request: Request) -> JSONResponse:
    await asyncio.sleep(1.5)
    return JSONResponse({"verdict": "accept"})


async def crash(request: Request) -> JSONResponse:
    raise RuntimeError("the hook crashed")


HOOK_SERVER = Starlette(
    routes=[Route(f"/{f.__name__}", f, methods=["POST"]) for f in (accept, reject, hang, crash)]
)


@pytest.fixture(scope="module")
def hook_url() -> Iterator[str]:
    with serve_asgi(HOOK_SERVER) as url:
        yield url


# ---------------------------------------------------------------------------------- the setup


def moderated_runtime(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, **overrides: object
) -> Runtime:
    settings = make_settings(tmp_path / "data", database_url, anvil.rpc_url, **overrides)
    built = build_runtime(settings)
    migrate(built.engine)
    return built


@pytest.fixture
def lexicon_file(tmp_path: Path) -> Path:
    path = tmp_path / "lexicon.txt"
    path.write_text("# 测试词表\n禁词\tpolitics\nForbidden Word\n", encoding="utf-8")
    return path


@pytest.fixture
def runtime(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, lexicon_file: Path
) -> Iterator[Runtime]:
    built = moderated_runtime(
        tmp_path,
        database_url,
        anvil,
        moderation_hooks=["blocklist", "conflict", "lexicon"],
        moderation_lexicon_files=[lexicon_file],
    )
    yield built
    built.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def register(
    client: TestClient, headers: dict[str, str], content: bytes, title: str = "作品"
) -> dict[str, Any]:
    response = client.post(
        "/v1/works",
        files={"file": ("book.txt", content)},
        data={"metadata": json.dumps({"title": title}), "publish": "true"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def iscc_body(code: str) -> int:
    """The 64-bit body of an ISCC unit (``ISCC:`` + base32 of 2 header and 8 body bytes)."""
    text = code.removeprefix("ISCC:")
    return int.from_bytes(base64.b32decode(text + "=" * (-len(text) % 8))[2:], "big")


def status_of(runtime: Runtime, number: object) -> str:
    with runtime.sessions() as session:
        return str(session.scalar(select(Registration.status).where(Registration.number == number)))


def queue(client: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    response = client.get("/v1/moderation/review", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def decide(
    client: TestClient, headers: dict[str, str], item: object, decision: str, reason: str = ""
) -> dict[str, Any]:
    response = client.post(
        f"/v1/moderation/review/{item}/decision",
        json={"decision": decision, "reason": reason},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def key_id(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ").split("_")[1]


def colleague(runtime: Runtime, headers: dict[str, str], *scopes: str) -> dict[str, str]:
    """A new key of the party of ``headers``' key, holding ``scopes``."""
    with runtime.sessions() as session:
        party = session.scalar(
            select(Party.party_id)
            .join(ApiKey, ApiKey.party_id == Party.id)
            .where(ApiKey.key_id == key_id(headers))
        )
    issued = create_api_key(
        runtime.sessions, name="colleague", scopes=scopes, now=runtime.now, party=party
    )
    return {"Authorization": f"Bearer {issued.secret}"}


def moderation_state(runtime: Runtime) -> tuple[object, ...]:
    """What a moderation request may change: the review items, takedowns, registrations, the
    audit log, the events, and the chain (its height: every transaction is a block on Anvil)."""
    with runtime.sessions() as session:
        return (
            session.execute(
                select(ReviewItem.id, ReviewItem.status, ReviewItem.claimed_by,
                       ReviewItem.decided_by).order_by(ReviewItem.id)
            ).all(),
            session.execute(
                select(Takedown.id, Takedown.restored_at).order_by(Takedown.id)
            ).all(),
            session.execute(
                select(Registration.number, Registration.status, Registration.takedown_json)
                .order_by(Registration.id)
            ).all(),
            session.scalar(select(func.count()).select_from(ModerationAuditEntry)),
            session.scalar(select(func.count()).select_from(Event)),
            runtime.w3.eth.block_number,
        )  # fmt: skip


@contextmanager
def changes_nothing(runtime: Runtime) -> Iterator[None]:
    """The refused requests inside leave no row, no transaction on chain and no event."""
    told: list[ModerationEvent] = []
    runtime.moderation_events.subscribe(told.append)
    before = moderation_state(runtime)
    yield
    assert moderation_state(runtime) == before
    assert told == []


def refused(response: Any, status: int, code: str) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


# -------------------------------------------------------------------------------------- hooks


def test_blocklisted_file_is_rejected_and_never_anchored(
    client: TestClient, runtime: Runtime
) -> None:
    moderator = bearer(runtime, "moderator")
    digest = hashlib.sha256(b"pirated copy").hexdigest()
    added = client.post(
        "/v1/moderation/blocklist",
        json={"algorithm": "sha256", "value": digest.upper(), "reason": "盗版"},
        headers=moderator,
    )
    assert added.status_code == 201
    assert added.json()["value"] == digest
    registered = register(client, bearer(runtime, "publisher"), b"pirated copy")
    assert registered["status"] == "rejected"
    assert runtime.new_batcher().run_once().error is None
    assert status_of(runtime, registered["number"]) == "rejected"
    (record,) = queue(client, moderator, status="rejected")
    assert record["decided_by"] == "hooks"
    assert record["hook_results"][0]["hook"] == "blocklist"
    bad = client.post(
        "/v1/moderation/blocklist",
        json={"algorithm": "sm3", "value": "xyz", "reason": "x"},
        headers=moderator,
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_digest"


def test_exact_duplicate_by_another_party_is_accepted_as_a_later_claim(
    client: TestClient, runtime: Runtime
) -> None:
    first = register(client, bearer(runtime, "publisher"), BOOK)
    assert first["status"] == "pending"
    again = register(client, bearer(runtime, "publisher"), BOOK)
    assert again["status"] == "pending"
    moderator = bearer(runtime, "moderator")
    assert queue(client, moderator) == []
    (item,) = queue(client, moderator, status="accepted", registration=again["number"])
    conflict = item["hook_results"][1]
    assert conflict["verdict"] == "accept"
    assert conflict["details"]["later_claimant"] is True
    assert conflict["details"]["exact"][0]["number"] == first["number"]
    assert runtime.new_batcher().run_once().error is None
    assert status_of(runtime, again["number"]) == "anchored"


def test_held_registration_is_claimed_then_accepted_once(
    client: TestClient, runtime: Runtime
) -> None:
    register(client, bearer(runtime, "publisher"), BOOK)
    held = register(client, bearer(runtime, "publisher"), EDITED)
    assert held["status"] == "held"
    moderator = bearer(runtime, "moderator")
    (item,) = queue(client, moderator)
    assert runtime.new_batcher().run_once().error is None
    assert status_of(runtime, held["number"]) == "held"
    claimed = client.post(f"/v1/moderation/review/{item['id']}/claim", headers=moderator)
    assert claimed.json()["status"] == "claimed"
    other = client.post(
        f"/v1/moderation/review/{item['id']}/claim", headers=bearer(runtime, "moderator")
    )
    assert other.status_code == 409
    assert other.json()["code"] == "review_item_claimed"
    decided = decide(client, moderator, item["id"], "accept", "licensed reprint")
    assert decided["registration_status"] == "pending"
    twice = client.post(
        f"/v1/moderation/review/{item['id']}/decision",
        json={"decision": "reject", "reason": "changed my mind"},
        headers=moderator,
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "review_item_closed"
    assert runtime.new_batcher().run_once().error is None
    assert status_of(runtime, held["number"]) == "anchored"


def test_near_duplicate_is_held_with_distances_then_rejected(
    client: TestClient, runtime: Runtime
) -> None:
    original = register(client, bearer(runtime, "publisher"), BOOK)
    publisher = bearer(runtime, "publisher")
    edited = register(client, publisher, BOOK.replace("第7章".encode(), "第七章".encode()))
    assert edited["status"] == "held"
    moderator = bearer(runtime, "moderator")
    (item,) = queue(client, moderator)
    near = item["hook_results"][1]["details"]["near"]
    assert {(m["number"], m["kind"]) for m in near} == {
        (original["number"], "data"),
        (original["number"], "content"),
    }
    assert all(0 <= m["distance"] <= 6 for m in near)
    missing_reason = client.post(
        f"/v1/moderation/review/{item['id']}/decision",
        json={"decision": "reject"},
        headers=moderator,
    )
    assert missing_reason.status_code == 400
    decided = decide(client, moderator, item["id"], "reject", "copy of an existing book")
    assert decided["registration_status"] == "rejected"
    seen = client.get(f"/v1/moderation/registrations/{edited['number']}", headers=publisher)
    assert seen.status_code == 200
    assert [(i["kind"], i["status"], i["decision_reason"]) for i in seen.json()] == [
        ("registration", "rejected", "copy of an existing book")
    ]
    other = client.get(
        f"/v1/moderation/registrations/{edited['number']}", headers=bearer(runtime, "publisher")
    )
    assert other.status_code == 403
    assert runtime.new_batcher().run_once().error is None
    assert status_of(runtime, edited["number"]) == "rejected"


def test_lexicon_hit_is_held_with_positions(client: TestClient, runtime: Runtime) -> None:
    held = register(
        client,
        bearer(runtime, "publisher"),
        "开头，这里有禁词。".encode(),
        title="A forbidden word",
    )
    assert held["status"] == "held"
    (item,) = queue(client, bearer(runtime, "moderator"))
    matches = item["hook_results"][2]["details"]["matches"]
    assert {
        "term": "Forbidden Word",
        "category": "sensitive",
        "field": "title",
        "start": 2,
        "end": 16,
    } in matches
    assert {
        "term": "禁词",
        "category": "politics",
        "field": "content",
        "start": 6,
        "end": 8,
    } in matches
    assert register(client, bearer(runtime, "publisher"), b"clean text")["status"] == "pending"


@pytest.mark.parametrize(
    ("path", "fail_open", "expected"),
    [
        ("accept", False, "pending"),
        ("reject", True, "rejected"),
        ("hang", True, "pending"),
        ("hang", False, "rejected"),
        ("crash", True, "pending"),
        ("crash", False, "rejected"),
    ],
)
def test_external_hook_answers_and_failure_policies(
    tmp_path: Path,
    database_url: str,
    anvil: AnvilProcess,
    hook_url: str,
    path: str,
    fail_open: bool,
    expected: str,
) -> None:
    hook = ExternalHookConfig(
        name="scanner",
        url=f"{hook_url}/{path}",
        secret=SECRET,
        timeout_seconds=0.3,
        retries=1,
        fail_open=fail_open,
    )
    built = moderated_runtime(
        tmp_path,
        database_url,
        anvil,
        moderation_hooks=["scanner"],
        moderation_external_hooks=[hook],
    )
    try:
        with TestClient(create_app(runtime=built, run_batcher=False)) as client:
            registered = register(client, bearer(built, "publisher"), b"external", title="外部")
            assert registered["status"] == expected
            (item,) = queue(client, bearer(built, "moderator"), status="all")
            (result,) = item["hook_results"]
            if path in ("hang", "crash"):
                assert result["details"]["attempts"] == 2
                assert result["details"]["failed"] == ("open" if fail_open else "closed")
            if path == "reject":
                assert result["reasons"] == ["外部"]
    finally:
        built.close()


# ---------------------------------------------------------------- takedown, restore, appeals


def test_takedown_is_on_chain_and_in_verify_then_appealed_and_restored(
    client: TestClient, runtime: Runtime
) -> None:
    publisher = bearer(runtime, "publisher")
    registered = register(client, publisher, b"a work to take down")
    number = registered["number"]
    assert runtime.new_batcher().run_once().error is None
    moderator = bearer(runtime, "moderator")
    taken = client.post(
        "/v1/moderation/takedowns",
        json={"registration": number, "reason": "侵权通知 #7"},
        headers=moderator,
    )
    assert taken.status_code == 201, taken.text
    leaf = bytes.fromhex(str(registered["leaf"]))
    suite = runtime.suite()
    assert suite.moderation.is_frozen(leaf)
    assert taken.json()["reason_digest"] == hashlib.sha256("侵权通知 #7".encode()).hexdigest()
    verified = client.get("/v1/verify", params={"sha256": registered["sha256"]}).json()
    assert verified["registrations"][0]["takedown"]["reason"] == "侵权通知 #7"
    assert client.get(f"/v1/works/{number}").json()["takedown"]["authority"] == "moderator"
    again = client.post(
        "/v1/moderation/takedowns", json={"registration": number, "reason": "x"}, headers=moderator
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_taken_down"

    stranger = client.post(
        "/v1/moderation/appeals",
        json={"registration": number, "statement": "not mine"},
        headers=bearer(runtime, "publisher"),
    )
    assert stranger.status_code == 403
    assert stranger.json()["code"] == "not_registrant"
    appeal = client.post(
        "/v1/moderation/appeals",
        json={"registration": number, "statement": "我们持有授权"},
        headers=publisher,
    )
    assert appeal.status_code == 201, appeal.text
    second = client.post(
        "/v1/moderation/appeals",
        json={"registration": number, "statement": "again"},
        headers=publisher,
    )
    assert second.status_code == 409
    assert second.json()["code"] == "appeal_not_allowed"
    same = client.post(
        f"/v1/moderation/review/{appeal.json()['id']}/decision",
        json={"decision": "accept"},
        headers=moderator,
    )
    assert same.status_code == 403
    assert same.json()["code"] == "same_moderator"
    decide(client, bearer(runtime, "moderator"), appeal.json()["id"], "accept", "licence shown")
    assert not suite.moderation.is_frozen(leaf)
    assert client.get(f"/v1/works/{number}").json()["takedown"] is None

    # The webhook events say who decided as what: a moderator's takedown is the moderator's,
    # though the registry's account (a regulator on chain) sent it; each names the work.
    runtime.follow_chain()
    with runtime.sessions() as session:
        told = {
            kind: json.loads(payload)
            for kind, payload in session.execute(
                select(Event.type, Event.payload_json).where(
                    Event.type.in_(("frozen", "restored", "review_decided"))
                )
            )
        }
    assert (told["frozen"]["authority"], told["frozen"]["number"]) == ("moderator", number)
    assert told["restored"]["number"] == number
    assert (told["review_decided"]["kind"], told["review_decided"]["decision"]) == (
        "appeal",
        "granted",
    )


def test_a_takedown_withholds_content_and_certificate_until_restored(
    client: TestClient, runtime: Runtime
) -> None:
    """Every HTTP face tells the same truth: taken down, the content and the certificate are
    withheld (451 with the takedown's reference) and verification shows it; restored, they
    are served again."""
    content = b"a published work, then taken down"
    registered = register(client, bearer(runtime, "publisher"), content)
    number = registered["number"]
    assert runtime.new_batcher().run_once().error is None
    assert client.get(f"/v1/works/{number}/content").content == content
    assert client.get(f"/v1/works/{number}/certificate.pdf").status_code == 200

    moderator = bearer(runtime, "moderator")
    taken = client.post(
        "/v1/moderation/takedowns",
        json={"registration": number, "reason": "法院裁定 (2026) 川01民初1号"},
        headers=moderator,
    )
    assert taken.status_code == 201, taken.text
    for face in ("content", "certificate.pdf"):
        withheld = client.get(f"/v1/works/{number}/{face}")
        assert withheld.status_code == 451, face
        body = withheld.json()
        assert body["code"] == "taken_down"
        assert body["details"]["number"] == number
        assert body["details"]["takedown"]["tx_hash"] == taken.json()["freeze_tx"]
        assert body["details"]["takedown"]["reason_digest"] == taken.json()["reason_digest"]
    verified = client.get("/v1/verify", params={"sha256": registered["sha256"]}).json()
    assert verified["registrations"][0]["takedown"]["authority"] == "moderator"

    restored = client.post(
        "/v1/moderation/restores",
        json={"registration": number, "reason": "裁定撤销"},
        headers=moderator,
    )
    assert restored.status_code == 200, restored.text
    assert client.get(f"/v1/works/{number}/content").content == content
    assert client.get(f"/v1/works/{number}/certificate.pdf").status_code == 200
    verified = client.get("/v1/verify", params={"sha256": registered["sha256"]}).json()
    assert verified["registrations"][0]["takedown"] is None


def test_held_and_rejected_registrations_get_no_certificate_or_proof(
    client: TestClient, runtime: Runtime
) -> None:
    """A certificate and a proof vouch for a registration: none while a moderator has yet to
    decide on it (409 registration_held), none once moderation rejected it (409
    registration_refused); accepted and anchored, both are issued."""
    moderator = bearer(runtime, "moderator")
    client.post(
        "/v1/moderation/blocklist",
        json={"algorithm": "sha256", "value": hashlib.sha256(b"pirated").hexdigest(),
              "reason": "盗版"},
        headers=moderator,
    )  # fmt: skip
    rejected = register(client, bearer(runtime, "publisher"), b"pirated")
    held = register(client, bearer(runtime, "publisher"), "这里有禁词。".encode())
    assert (rejected["status"], held["status"]) == ("rejected", "held")
    assert runtime.new_batcher().run_once().error is None
    for registered, code in ((rejected, "registration_refused"), (held, "registration_held")):
        for face in ("certificate.pdf", "proof"):
            refused = client.get(f"/v1/works/{registered['number']}/{face}")
            assert (refused.status_code, refused.json()["code"]) == (409, code), face
            assert refused.json()["message"].startswith("登记 ")

    (item,) = queue(client, moderator)
    decide(client, moderator, item["id"], "accept", "词语用于引文 a quotation")
    assert runtime.new_batcher().run_once().error is None
    assert client.get(f"/v1/works/{held['number']}/certificate.pdf").status_code == 200
    assert client.get(f"/v1/works/{held['number']}/proof").status_code == 200


def test_regulator_takedown_restored_only_by_a_regulator(
    client: TestClient, runtime: Runtime
) -> None:
    number = register(client, bearer(runtime, "publisher"), b"regulated")["number"]
    read_only = client.post(
        "/v1/moderation/takedowns",
        json={"registration": number, "reason": "监管"},
        headers=bearer(runtime, "regulator"),
    )
    assert (read_only.status_code, read_only.json()["code"]) == (403, "missing_scope")
    # A moderator's key that also holds the regulator scope acts with the regulator's authority.
    regulator = bearer(runtime, "moderator", "regulator")
    taken = client.post(
        "/v1/moderation/takedowns",
        json={"registration": number, "reason": "监管"},
        headers=regulator,
    )
    assert taken.json()["authority"] == "regulator"
    by_moderator = client.post(
        "/v1/moderation/restores",
        json={"registration": number, "reason": "restore"},
        headers=bearer(runtime, "moderator"),
    )
    assert by_moderator.status_code == 403
    assert by_moderator.json()["code"] == "authority_too_low"
    restored = client.post(
        "/v1/moderation/restores",
        json={"registration": number, "reason": "整改完成"},
        headers=regulator,
    )
    assert restored.status_code == 200
    assert restored.json()["restore_reason"] == "整改完成"
    registered_leaf = client.get(f"/v1/works/{number}").json()["leaf"]
    assert not runtime.suite().moderation.is_frozen(bytes.fromhex(registered_leaf))
    none = client.post(
        "/v1/moderation/restores", json={"registration": number, "reason": "x"}, headers=regulator
    )
    assert none.status_code == 404
    assert none.json()["code"] == "takedown_not_found"


def test_complaint_links_both_works_and_accepting_it_takes_the_work_down(
    client: TestClient, runtime: Runtime
) -> None:
    owner = bearer(runtime, "publisher")
    original = register(client, owner, b"the original")
    copy = register(client, bearer(runtime, "publisher"), b"the infringing copy")
    mine, theirs = original["number"], copy["number"]
    complaint = client.post(
        "/v1/moderation/complaints",
        json={"registration": theirs, "complainant_work": mine, "statement": "抄袭"},
        headers=owner,
    )
    assert complaint.status_code == 201, complaint.text
    item = complaint.json()
    assert (item["kind"], item["registration"], item["related_registration"]) == (
        "complaint",
        theirs,
        mine,
    )
    # The moderator sees how alike the two are: ISCC Data-Code distance, computed here from the
    # codes each registration shows.
    [evidence] = item["hook_results"]
    assert evidence["hook"] == "similarity"
    assert evidence["details"]["identical"] is False
    expected = (iscc_body(original["iscc_data"]) ^ iscc_body(copy["iscc_data"])).bit_count()
    assert evidence["details"]["distance"]["data"] == expected
    decide(client, bearer(runtime, "moderator"), item["id"], "accept", "substantially similar")
    assert client.get(f"/v1/works/{theirs}").json()["takedown"] is not None


def test_rejection_is_appealed_once_and_decided_by_another_moderator(
    client: TestClient, runtime: Runtime
) -> None:
    publisher = bearer(runtime, "publisher")
    register(client, bearer(runtime, "publisher"), BOOK)
    held = register(client, publisher, EDITED)
    first_moderator = bearer(runtime, "moderator")
    (item,) = queue(client, first_moderator)
    decide(client, first_moderator, item["id"], "reject", "duplicate")
    appeal = client.post(
        "/v1/moderation/appeals",
        json={"registration": held["number"], "statement": "we are the publisher"},
        headers=publisher,
    ).json()
    assert appeal["appeal_of_item"] == item["id"]
    refused = client.post(f"/v1/moderation/review/{appeal['id']}/claim", headers=first_moderator)
    assert refused.status_code == 403
    decided = decide(client, bearer(runtime, "moderator"), appeal["id"], "accept", "proof given")
    assert decided["registration_status"] == "pending"
    assert runtime.new_batcher().run_once().error is None
    assert status_of(runtime, held["number"]) == "anchored"
    # The registrant is told of both decisions (review_decided), by role and never by name.
    with runtime.sessions() as session:
        told = [
            json.loads(payload)
            for payload in session.scalars(
                select(Event.payload_json).where(Event.type == "review_decided").order_by(Event.id)
            )
        ]
    assert [(e["number"], e["kind"], e["decision"], e["reason"]) for e in told] == [
        (held["number"], "registration", "rejected", "duplicate"),
        (held["number"], "appeal", "granted", "proof given"),
    ]
    assert {e["decided_by_role"] for e in told} == {"moderator"}
    assert told[1]["summary"] == {
        "zh-CN": "申诉成立，原决定撤销",
        "en": "The appeal was granted: the earlier decision is reversed",
    }


def test_decision_without_moderator_scope_is_403_and_changes_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    register(client, bearer(runtime, "publisher"), BOOK)
    held = register(client, bearer(runtime, "publisher"), EDITED)
    (item,) = queue(client, bearer(runtime, "moderator"))
    with runtime.sessions() as session:
        audit_before = len(list(session.scalars(select(ModerationAuditEntry))))
    for scope in ("publisher", "platform", "regulator"):
        response = client.post(
            f"/v1/moderation/review/{item['id']}/decision",
            json={"decision": "accept", "reason": ""},
            headers=bearer(runtime, scope),
        )
        assert response.status_code == 403
        assert response.json()["code"] == "missing_scope"
    assert status_of(runtime, held["number"]) == "held"
    (unchanged,) = queue(client, bearer(runtime, "moderator"))
    assert unchanged["status"] == "open"
    with runtime.sessions() as session:
        assert len(list(session.scalars(select(ModerationAuditEntry)))) == audit_before


# ------------------------------------------------------- who decides what, and on what grounds


def post(client: TestClient, headers: dict[str, str], path: str, **body: object) -> Any:
    return client.post(f"/v1/moderation/{path}", json=body, headers=headers)


def created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def is_frozen(client: TestClient, runtime: Runtime, number: str) -> bool:
    leaf = bytes.fromhex(client.get(f"/v1/works/{number}").json()["leaf"])
    return runtime.suite().moderation.is_frozen(leaf)


def test_an_appeal_of_a_takedown_lifted_since_lifts_no_later_takedown(
    client: TestClient, runtime: Runtime
) -> None:
    publisher = bearer(runtime, "publisher")
    number = register(client, publisher, b"a work taken down twice")["number"]
    first_moderator, second_moderator = bearer(runtime, "moderator"), bearer(runtime, "moderator")
    third_moderator = bearer(runtime, "moderator")
    first = created(post(client, first_moderator, "takedowns", registration=number, reason="一"))
    appeal = created(post(client, publisher, "appeals", registration=number, statement="授权"))
    assert appeal["appeal_of_takedown"] == first["id"]
    created(post(client, first_moderator, "restores", registration=number, reason="通知撤回"))
    second = created(post(client, second_moderator, "takedowns", registration=number, reason="二"))

    # Granting the old appeal would lift the second takedown, which nobody appealed: refused,
    # whoever grants it (the second takedown's own moderator included).
    with changes_nothing(runtime):
        for moderator in (second_moderator, third_moderator):
            grant = post(client, moderator, f"review/{appeal['id']}/decision",
                         decision="accept", reason="licence shown")  # fmt: skip
            refused(grant, 409, "appeal_outdated")
            assert grant.json()["message"].startswith("申诉所针对的下架已不再生效 / ")
    assert is_frozen(client, runtime, number)

    # The outdated appeal is closed by denying it; the second takedown is appealed on its own,
    # and granting that appeal lifts the second takedown, leaving the first one's record be.
    decide(client, third_moderator, appeal["id"], "reject", "所申诉的下架已解除")
    again = created(post(client, publisher, "appeals", registration=number, statement="授权"))
    assert again["appeal_of_takedown"] == second["id"]
    decide(client, first_moderator, again["id"], "accept", "licence shown")
    assert not is_frozen(client, runtime, number)
    listed = client.get(
        "/v1/moderation/takedowns", params={"registration": number}, headers=first_moderator
    ).json()
    assert [(t["id"], t["restore_reason"]) for t in listed] == [
        (first["id"], "通知撤回"),
        (second["id"], f"review item {again['id']}: licence shown"),
    ]


def test_a_moderator_decides_nothing_its_key_or_its_party_is_party_to(
    client: TestClient, runtime: Runtime
) -> None:
    rival_publisher = bearer(runtime, "publisher")
    rival = register(client, rival_publisher, b"a rival's book")["number"]
    # One key with both scopes complains about a rival's work.
    dual = bearer(runtime, "publisher", "moderator")
    complaint = created(post(client, dual, "complaints", registration=rival, statement="抄袭"))
    # A party's near-duplicate is held, and the party has a moderator key of its own.
    register(client, bearer(runtime, "publisher"), BOOK)
    publisher = bearer(runtime, "publisher")
    held = register(client, publisher, EDITED)
    (held_item,) = queue(client, bearer(runtime, "moderator"), kind="registration")

    conflicted = [
        (dual, complaint["id"]),  # the complainant's own key
        (colleague(runtime, dual, "moderator"), complaint["id"]),  # the complainant's party
        (colleague(runtime, rival_publisher, "moderator"), complaint["id"]),  # the accused's
        (colleague(runtime, publisher, "moderator"), held_item["id"]),  # the registrant's
    ]
    with changes_nothing(runtime):
        for moderator, item in conflicted:
            refused(post(client, moderator, f"review/{item}/claim"), 403, "conflict_of_interest")
            decision = post(client, moderator, f"review/{item}/decision",
                            decision="accept", reason="upheld")  # fmt: skip
            refused(decision, 403, "conflict_of_interest")
    assert status_of(runtime, held["number"]) == "held"
    assert client.get(f"/v1/works/{rival}").json()["takedown"] is None

    # The registrant appeals a rejection: its party's moderator does not decide that either.
    outsider = bearer(runtime, "moderator")
    decide(client, outsider, held_item["id"], "reject", "近似 near-duplicate")
    appeal = created(post(client, publisher, "appeals", registration=held["number"],
                          statement="本社作品"))  # fmt: skip
    own_moderator = colleague(runtime, publisher, "moderator")
    with changes_nothing(runtime):
        grant = post(client, own_moderator, f"review/{appeal['id']}/decision",
                     decision="accept", reason="本社作品")  # fmt: skip
        refused(grant, 403, "conflict_of_interest")

    # Moderators of no party to them decide both.
    decide(client, outsider, complaint["id"], "reject", "证据不足 no evidence")
    decided = decide(client, bearer(runtime, "moderator"), appeal["id"], "accept", "授权证明")
    assert decided["registration_status"] == "pending"


def test_the_complainant_upheld_does_not_decide_the_appeal_of_the_takedown(
    client: TestClient, runtime: Runtime
) -> None:
    """A complaint is upheld and the work taken down; the registrant appeals the takedown. A
    moderator of the complainant's party is party to that appeal too: it neither claims nor
    decides it."""
    publisher = bearer(runtime, "publisher")
    number = register(client, publisher, b"complained about, appealed")["number"]
    complainant = bearer(runtime, "platform")
    complaint = created(post(client, complainant, "complaints", registration=number,
                             statement="盗版"))  # fmt: skip
    decide(client, bearer(runtime, "moderator"), complaint["id"], "accept", "substantially similar")
    appeal = created(post(client, publisher, "appeals", registration=number, statement="授权"))
    complainants_moderator = colleague(runtime, complainant, "moderator")
    with changes_nothing(runtime):
        refused(post(client, complainants_moderator, f"review/{appeal['id']}/claim"), 403,
                "conflict_of_interest")  # fmt: skip
        denial = post(client, complainants_moderator, f"review/{appeal['id']}/decision",
                      decision="reject", reason="维持")  # fmt: skip
        refused(denial, 403, "conflict_of_interest")
    granted = decide(client, bearer(runtime, "moderator"), appeal["id"], "accept", "授权证明")
    assert granted["status"] == "accepted"
    assert not is_frozen(client, runtime, number)


def test_a_complaint_cites_only_the_complainants_own_work_and_not_the_accused_one(
    client: TestClient, runtime: Runtime
) -> None:
    victim_publisher = bearer(runtime, "publisher")
    victim = register(client, victim_publisher, b"the true original")["number"]
    accused_publisher = bearer(runtime, "publisher")
    accused = register(client, accused_publisher, b"the true original")["number"]
    stranger = bearer(runtime, "publisher")  # registered neither
    with changes_nothing(runtime):
        for headers in (stranger, bearer(runtime, "platform"), accused_publisher):
            claim_of_another = post(client, headers, "complaints", registration=accused,
                                    complainant_work=victim, statement="our work")  # fmt: skip
            refused(claim_of_another, 403, "not_own_registration")
            assert claim_of_another.json()["details"]["field"] == "complainant_work"
        self_pair = post(client, accused_publisher, "complaints", registration=accused,
                         complainant_work=accused, statement="x")  # fmt: skip
        refused(self_pair, 400, "invalid_input")
        assert self_pair.json()["details"]["field"] == "complainant_work"

    # Any key of the work's party cites it.
    for headers in (victim_publisher, colleague(runtime, victim_publisher, "platform")):
        filed = created(post(client, headers, "complaints", registration=accused,
                             complainant_work=victim, statement="抄袭"))  # fmt: skip
        assert (filed["registration"], filed["related_registration"]) == (accused, victim)


def test_a_decision_acting_on_chain_needs_a_reason(client: TestClient, runtime: Runtime) -> None:
    publisher = bearer(runtime, "publisher")
    number = register(client, publisher, b"complained about")["number"]
    complaint = created(post(client, bearer(runtime, "platform"), "complaints",
                             registration=number, statement="盗版"))  # fmt: skip
    moderator = bearer(runtime, "moderator")
    with changes_nothing(runtime):
        for body in ({"decision": "accept"}, {"decision": "accept", "reason": "  "}):
            upheld = post(client, moderator, f"review/{complaint['id']}/decision", **body)
            refused(upheld, 400, "invalid_input")
            assert upheld.json()["details"] == {"field": "reason"}
    assert not is_frozen(client, runtime, number)

    decide(client, moderator, complaint["id"], "accept", "substantially similar")
    assert client.get(f"/v1/works/{number}").json()["takedown"]["reason"] == (
        f"review item {complaint['id']}: substantially similar"
    )
    appeal = created(post(client, publisher, "appeals", registration=number, statement="授权"))
    with changes_nothing(runtime):
        granted = post(client, bearer(runtime, "moderator"), f"review/{appeal['id']}/decision",
                       decision="accept")  # fmt: skip
        refused(granted, 400, "invalid_input")
    assert is_frozen(client, runtime, number)


def test_a_revoked_registration_is_not_appealed(client: TestClient, runtime: Runtime) -> None:
    publisher = bearer(runtime, "publisher")
    number = register(client, publisher, b"revoked for good")["number"]
    assert runtime.new_batcher().run_once().error is None
    created(post(client, bearer(runtime, "moderator"), "takedowns", registration=number,
                 reason="侵权通知"))  # fmt: skip
    regulator = bearer(runtime, "moderator", "regulator")
    created(post(client, regulator, "revocations", registration=number, reason="材料伪造"))
    with changes_nothing(runtime):
        for headers in (publisher, colleague(runtime, publisher, "publisher")):
            appeal = post(client, headers, "appeals", registration=number, statement="please")
            refused(appeal, 409, "registration_revoked")
        # Not the registrant: refused as such first, as before.
        stranger = post(client, bearer(runtime, "publisher"), "appeals", registration=number,
                        statement="please")  # fmt: skip
        refused(stranger, 403, "not_registrant")


def test_the_registrant_reads_each_decision_but_not_which_moderator_made_it(
    client: TestClient, runtime: Runtime
) -> None:
    register(client, bearer(runtime, "publisher"), BOOK)
    publisher = bearer(runtime, "publisher")
    held = register(client, publisher, EDITED)
    moderator = bearer(runtime, "moderator")
    (item,) = queue(client, moderator)
    created(post(client, moderator, f"review/{item['id']}/claim"))
    decide(client, moderator, item["id"], "reject", "copy")
    path = f"/v1/moderation/registrations/{held['number']}"
    response = client.get(path, headers=publisher)
    assert response.status_code == 200, response.text
    assert [
        (i["status"], i["decision_reason"], i["claimed_by"], i["decided_by"])
        for i in response.json()
    ] == [("rejected", "copy", None, None)]
    assert key_id(moderator) not in response.text
    # Moderators and regulators see who decided.
    for staff in (moderator, bearer(runtime, "regulator")):
        (seen,) = client.get(path, headers=staff).json()
        assert (seen["claimed_by"], seen["decided_by"]) == (key_id(moderator),) * 2


# ---------------------------------------------------------------------------------- audit log


def test_audit_log_is_hash_chained_and_a_tampered_entry_is_detected(
    client: TestClient, runtime: Runtime
) -> None:
    register(client, bearer(runtime, "publisher"), BOOK)
    register(client, bearer(runtime, "publisher"), EDITED)
    (item,) = queue(client, bearer(runtime, "moderator"))
    decide(client, bearer(runtime, "moderator"), item["id"], "accept", "ok")
    regulator = bearer(runtime, "regulator")
    lines = client.get("/v1/moderation/audit.jsonl", headers=regulator).text.splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["action"] for e in entries][-2:] == ["review.claimed", "review.decided"]
    assert all(b["prev_digest"] == a["digest"] for a, b in itertools.pairwise(entries))
    verification = client.get("/v1/moderation/audit/verification", headers=regulator).json()
    assert verification["valid"] is True
    assert verification["entries"] == len(entries)
    with runtime.sessions() as session, session.begin():
        session.execute(
            update(ModerationAuditEntry)
            .where(ModerationAuditEntry.id == entries[2]["id"])
            .values(payload_json='{"accept": false}')
        )
    tampered = client.get("/v1/moderation/audit/verification", headers=regulator).json()
    assert tampered["valid"] is False
    assert tampered["first_bad_id"] == entries[2]["id"]
    assert (
        client.get("/v1/moderation/audit.jsonl", headers=bearer(runtime, "moderator")).status_code
        == 403
    )
