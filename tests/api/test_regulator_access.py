"""A regulator's key reads everything a regulator oversees and writes nothing.

Every write route of the app (POST, PUT, PATCH, DELETE, found by walking ``app.routes``) refuses a
key holding only the ``regulator`` scope with ``403 missing_scope``, before reading its body, and
nothing changes in the database (but the audit log's line for the refusal) or on chain. The reads
a regulator needs answer 200: every registration with its metadata (not a private work's
content), every lien, both audit logs, review items and takedowns.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import pytest
from eth_account import Account
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.auth import READ_ONLY_POSTS
from chain_client.transactions import TransactionSender
from registry.assets import OwnerConsent, pledge, pledge_terms
from registry.core.models import AuditEntry, Base
from registry.platform.runtime import Runtime
from tests.chain_client.conftest import ROLE_KEYS
from tests.conftest import bearer

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
OWNER = Account.from_key(ROLE_KEYS["owner"])
LENDER = Account.from_key(ROLE_KEYS["lender"])


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def app_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path) of every API route, included routers' too."""
    found = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if isinstance(route, APIRoute) and context.path is not None:
            found += [(method, context.path) for method in sorted(route.methods or ())]
    return found


def register(client: TestClient, publisher: dict[str, str], title: str) -> str:
    answer = client.post(
        "/v1/works",
        files={"file": ("w.txt", io.BytesIO(f"{title} {id(client)}".encode()))},
        data={"metadata": json.dumps({"title": title, "authors": ["某作者"]})},
        headers=publisher,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["number"])


@pytest.fixture
def oversight(client: TestClient, runtime: Runtime) -> dict[str, object]:
    """Something of everything a regulator reads: a private registration (another publisher's),
    an asset with a lien, a complaint, a takedown, a blocklist entry, audit lines."""
    publisher = bearer(runtime, "publisher")
    number = register(client, publisher, "私有作品")
    other = register(client, bearer(runtime, "publisher"), "被投诉作品")
    assert runtime.new_batcher().run_once().error is None
    runtime.assets.tokenize(number, OWNER.address, caller=None)
    runtime.assets.grant_lender(LENDER.address)
    maturity = int(runtime.w3.eth.get_block("latest")["timestamp"]) + 30 * 24 * 3600
    terms = pledge_terms(runtime.assets.asset_id(number), LENDER.address, 1000, "CNY", maturity)
    deadline = maturity - 3600
    offer = OwnerConsent(
        deadline, runtime.suite().pledges.sign_offer(LENDER, terms, deadline=deadline)
    )
    lien = pledge(runtime.suite(), TransactionSender(runtime.w3, OWNER), terms, offer).lien_id

    moderator = bearer(runtime, "moderator")
    complaint = client.post(
        "/v1/moderation/complaints",
        json={"registration": other, "statement": "盗版"},
        headers=bearer(runtime, "platform"),
    )
    assert complaint.status_code == 201, complaint.text
    taken = client.post(
        "/v1/moderation/takedowns",
        json={"registration": other, "reason": "侵权"},
        headers=moderator,
    )
    assert taken.status_code == 201, taken.text
    blocked = client.post(
        "/v1/moderation/blocklist",
        json={"algorithm": "sha256", "value": "ab" * 32, "reason": "known pirate copy"},
        headers=moderator,
    )
    assert blocked.status_code == 201, blocked.text
    return {
        "number": number,
        "other": other,
        "lien": lien,
        "item": complaint.json()["id"],
        "key_id": publisher["Authorization"].split("_")[1],
    }


def state(runtime: Runtime) -> dict[str, int]:
    """Row counts of every table but the audit log, and the chain accounts' nonces."""
    counts: dict[str, int] = {}
    with runtime.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name != AuditEntry.__tablename__:
                counts[table.name] = session.scalar(select(func.count()).select_from(table)) or 0
    for account in (runtime.sender.account.address, OWNER.address, LENDER.address):
        counts[account] = runtime.w3.eth.get_transaction_count(account)
    return counts


def test_a_regulator_key_writes_nothing(
    client: TestClient, runtime: Runtime, oversight: dict[str, object]
) -> None:
    regulator = bearer(runtime, "regulator")
    values = {
        "number": oversight["number"],
        "reference": oversight["number"],
        "key_id": oversight["key_id"],
        "address": LENDER.address,
        "lien_id": oversight["lien"],
        "item_id": oversight["item"],
    }
    writes = [
        (method, path)
        for method, path in app_routes(client)
        if method in WRITE_METHODS and path not in READ_ONLY_POSTS
    ]
    assert len(writes) > 30  # the walk found the included routers' routes
    before = state(runtime)
    allowed = []
    for method, path in writes:
        url = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)
        answer = client.request(method, url, json={}, headers=regulator)
        if (answer.status_code, answer.json().get("code")) != (403, "missing_scope"):
            allowed.append((method, path, answer.status_code, answer.text[:120]))
    assert allowed == []
    assert state(runtime) == before


def test_a_regulator_key_reads_what_it_oversees(
    client: TestClient, runtime: Runtime, oversight: dict[str, object]
) -> None:
    regulator = bearer(runtime, "regulator")
    number, other = oversight["number"], oversight["other"]

    def read(url: str) -> object:
        answer = client.get(url, headers=regulator)
        assert answer.status_code == 200, (url, answer.text)
        json_body = answer.headers["content-type"].startswith("application/json")
        return answer.json() if json_body else answer.text

    works = read("/v1/works?limit=500")
    listed = {w["number"]: w for w in works["registrations"]}  # type: ignore[index]
    assert {number, other} <= set(listed)  # registered by two other publishers
    assert listed[number]["metadata"]["title"] == "私有作品"
    assert listed[number]["published_at"] is None  # private: stored encrypted
    assert listed[other]["takedown"] is not None
    content = client.get(f"/v1/works/{number}/private-content", headers=regulator)
    assert (content.status_code, content.json()["code"]) == (403, "missing_scope")

    report = read(f"/v1/assets/{number}/encumbrances")
    assert [lien["lien_id"] for lien in report["liens"]] == [oversight["lien"]]  # type: ignore[index]
    assert read(f"/v1/admin/lenders/{LENDER.address}")["lender"] is True  # type: ignore[index]

    assert read("/v1/admin/audit")  # the API's writes
    lines = str(read("/v1/moderation/audit.jsonl")).splitlines()
    assert any("takedown" in line for line in lines)
    assert read("/v1/moderation/audit/verification")["valid"] is True  # type: ignore[index]

    items = read("/v1/moderation/review?status=all")
    assert oversight["item"] in [item["id"] for item in items]  # type: ignore[attr-defined]
    assert read(f"/v1/moderation/review/{oversight['item']}")["kind"] == "complaint"  # type: ignore[index]
    assert read(f"/v1/moderation/registrations/{other}")
    assert read("/v1/moderation/blocklist")
    assert read("/v1/moderation/takedowns?in_force=true") == read("/v1/moderation/takedowns")
    takedowns = read("/v1/moderation/takedowns")
    assert [t["registration"] for t in takedowns] == [other]  # type: ignore[attr-defined]
