"""The bad-input catalogue: every kind of bad request the API can get, each answered with its
documented 4xx and code, and each proven to have changed nothing (row counts of every table but
the audit logs, the content store's files, the nonces of every account that could send).

The table is the catalogue of docs/reliability.md ("Bad input"); a test keeps the two in step.
Each row runs over the real app, on SQLite and PostgreSQL, against the shared Anvil node.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, inspect, select, table

from api.app import create_app
from chain_client.pledges import LENDER_ROLE
from crypto.signing import KeySigner, generate_private_key, public_key_to_json
from crypto.sm2 import SM2PrivateKey
from registry.access.keys import create_api_key, request_signing_message, revoke_api_key
from registry.content.ingest import describe
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration
from registry.platform.runtime import Runtime
from registry.registration.claims import claim_for
from tests.chain_client.conftest import ROLE_KEYS
from tests.conftest import bearer
from tests.registry.content.test_text_extraction import unreadable_documents

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
MAX_UPLOAD = 1 << 20  # small, so an oversized body is cheap to send
OWNER = Account.from_key(ROLE_KEYS["owner"])
LENDER = Account.from_key(ROLE_KEYS["lender"])
LENDER2 = Account.from_key(ROLE_KEYS["lender2"])
BUYER = Account.from_key(ROLE_KEYS["buyer"])
# Tables a refused request may still write to: the audit logs record every write attempt.
AUDIT_TABLES = {"audit_log", "moderation_audit", "alembic_version"}
SQLISH = "'; DROP TABLE works;--"
TRAVERSAL = "../../etc/passwd"
ENCODED_TRAVERSAL = "%2e%2e%2f"
META = json.dumps({"title": "坏输入"})
TITLE_NFC = "Caf\u00e9 \u00e0 l'\u00e9tage"
TITLE_NFD = "Cafe\u0301 a\u0300 l'e\u0301tage"


@dataclass
class World:
    """The running app with the keys and fixtures a row may need."""

    runtime: Runtime
    client: TestClient
    keys: dict[str, dict[str, str]]  # an Authorization header per scope, made before any row
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def publisher(self) -> dict[str, str]:
        return self.keys["publisher"]

    @property
    def admin(self) -> dict[str, str]:
        return self.keys["admin"]

    def headers(self, scope: str) -> dict[str, str]:
        return self.keys[scope]

    def register(self, content: bytes, metadata: str = META, **headers: str) -> Response:
        return self.client.post(
            "/v1/works",
            files={"file": ("w.txt", content)},
            data={"metadata": metadata},
            headers={**self.publisher, **headers},
        )


@dataclass(frozen=True)
class Row:
    """One kind of bad input: what it is, an example, and the answer it must get."""

    id: str
    kind: str
    example: str
    status: int
    code: str
    send: Callable[[World], Response | list[Response]]
    setup: Callable[[World], None] | None = None
    without_code: str = "— (first registration returned)"  # what the doc says when code is ""


# ------------------------------------------------------------------------------- set-ups


def registered(world: World) -> None:
    """A pending registration (its number in values["number"])."""
    answer = world.register(f"registered {time.time_ns()}".encode())
    assert answer.status_code == 201, answer.text
    world.values["number"] = answer.json()["number"]


def tokenized(world: World) -> None:
    """An anchored registration tokenized to OWNER; LENDER and LENDER2 hold the lender role."""
    registered(world)
    runtime = world.runtime
    assert runtime.new_batcher().run_once().error is None
    number = world.values["number"]
    minted = world.client.post(
        f"/v1/works/{number}/tokenize", json={"owner": OWNER.address}, headers=world.publisher
    )
    assert minted.status_code == 201, minted.text
    pledges = runtime.suite().pledges
    for lender in (LENDER, LENDER2):
        pledges.grant_role(LENDER_ROLE, lender.address)


def pledge_body(world: World, lender: Any) -> dict[str, Any]:
    """A lender's pledge of the asset with the owner's signed consent."""
    number = world.values["number"]
    now = int(world.runtime.w3.eth.get_block("latest")["timestamp"])
    terms: dict[str, Any] = {
        "lender": lender.address,
        "amount": 5_000_000_00,
        "currency": "CNY",
        "maturity": now + 30 * 86400,
        "official_registration_no": "PLEDGE-2026-001",
        "deadline": now + 3600,
    }
    consent = world.client.post(
        f"/v1/assets/{number}/pledge-consent", json=terms, headers=world.publisher
    )
    assert consent.status_code == 200, consent.text
    signed = OWNER.sign_typed_data(full_message=consent.json()["typed_data"])
    return {"from": lender.address, **terms, "signature": "0x" + bytes(signed.signature).hex()}


def pledged(world: World) -> None:
    """The asset pledged to LENDER (prepared, signed by the lender, relayed)."""
    tokenized(world)
    number = world.values["number"]
    prepared = world.client.post(
        f"/v1/assets/{number}/pledge/prepare",
        json=pledge_body(world, LENDER),
        headers=world.headers("lender"),
    )
    assert prepared.status_code == 200, prepared.text
    raw = LENDER.sign_transaction(prepared.json()["transaction"]).raw_transaction
    relayed = world.client.post(
        "/v1/transactions",
        json={"raw_transaction": "0x" + bytes(raw).hex()},
        headers=world.headers("lender"),
    )
    assert relayed.status_code == 200, relayed.text


def frozen(world: World) -> None:
    """The asset taken down (frozen on chain) by a moderator."""
    tokenized(world)
    taken = world.client.post(
        "/v1/moderation/takedowns",
        json={"registration": world.values["number"], "reason": "court order 2026-17"},
        headers=world.headers("moderator"),
    )
    assert taken.status_code == 201, taken.text


def signing_key(algorithm: str = "sm2") -> Callable[[World], None]:
    """A publisher key bound to a signing key (values["key"], values["signer"])."""

    def setup(world: World) -> None:
        signer = KeySigner(generate_private_key(algorithm))
        world.values["signer"] = signer
        world.values["key"] = create_api_key(
            world.runtime.sessions, name="signed", scopes=["publisher"],
            now=world.runtime.now, signing_key=signer.public_key,
        ).secret  # fmt: skip

    return setup


def signed_and_sent_once(world: World) -> None:
    """A signed registration that succeeded, its nonce in values["nonce"]."""
    signing_key()(world)
    world.values["nonce"] = "nonce-" + secrets.token_hex(6)
    answer = signed_post(world, nonce=world.values["nonce"], content=b"signed once")
    assert answer.status_code == 201, answer.text


def revoked_key(world: World) -> None:
    issued = create_api_key(
        world.runtime.sessions, name="revoked", scopes=["publisher"], now=world.runtime.now
    )
    revoke_api_key(world.runtime.sessions, issued.key_id, now=world.runtime.now)
    world.values["revoked"] = issued.secret


def idempotent_first(world: World) -> None:
    answer = world.register(b"idempotent", **{"Idempotency-Key": "catalogue-0001"})
    assert answer.status_code == 201, answer.text


def nfc_registered(world: World) -> None:
    answer = world.register(
        b"one title, two spellings",
        json.dumps({"title": TITLE_NFC}),
        **{"Idempotency-Key": "title-nfc"},
    )
    assert answer.status_code == 201, answer.text
    world.values["number"] = answer.json()["number"]


# ------------------------------------------------------------------------------ requests


def signed_post(
    world: World,
    *,
    nonce: str | None = None,
    timestamp: int | None = None,
    signer: KeySigner | None = None,
    content: bytes = b"signed upload",
    headers: dict[str, str] | None = None,
) -> Response:
    """POST /v1/works signed with the key of values["key"] (or ``signer``, to forge)."""
    client = world.client
    draft = client.build_request(
        "POST", "/v1/works", files={"file": ("s.txt", content)}, data={"metadata": META}
    )
    body = draft.read()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or secrets.token_hex(12)
    message = request_signing_message("POST", "/v1/works", body, stamp, nonce)
    sent_headers = {
        "Content-Type": draft.headers["Content-Type"],
        "Authorization": f"Bearer {world.values['key']}",
        "X-Banquan-Timestamp": stamp,
        "X-Banquan-Nonce": nonce,
        "X-Banquan-Signature": (signer or world.values["signer"]).sign(message).to_text(),
    }
    sent_headers.update(headers or {})
    return client.send(
        client.build_request("POST", "/v1/works", content=body, headers=sent_headers)
    )


def with_wrong_sm2_id(world: World) -> Response:
    """Signed with the bound private key, but under another SM2 distinguishing ID."""
    bound = world.values["signer"].private_key
    assert isinstance(bound, SM2PrivateKey)
    other_id = KeySigner(SM2PrivateKey.from_bytes(bound.to_bytes(), b"another-id@banquan"))
    return signed_post(world, signer=other_id)


def multipart_with_raw_metadata(world: World, metadata: bytes) -> Response:
    """A registration whose metadata field carries exactly these bytes."""
    client = world.client
    draft = client.build_request(
        "POST", "/v1/works", files={"file": ("w.txt", b"raw")}, data={"metadata": "@@META@@"}
    )
    body = draft.read().replace(b"@@META@@", metadata)
    return client.post(
        "/v1/works",
        content=body,
        headers={**world.publisher, "Content-Type": draft.headers["Content-Type"]},
    )


def client_signed(world: World, *, sign_with: KeySigner | None = None) -> Response:
    """A registration with a banquan.claim/2 signed by the registrant (or by ``sign_with``)."""
    content = b"a client-signed work"
    metadata = WorkMetadata.from_mapping(json.loads(META))
    signer = KeySigner(generate_private_key("sm2"))
    claim = claim_for(describe_bytes(content), metadata, signer.public_key, registered_at=now())
    signature = (sign_with or signer).sign(claim.canonical_bytes())
    return world.client.post(
        "/v1/works",
        files={"file": ("w.txt", content)},
        data={
            "metadata": META,
            "claim": json.dumps(claim.to_json()),
            "signature": signature.to_text(),
        },
        headers=world.publisher,
    )


def client_signed_wrong_sm2_id(world: World) -> Response:
    """The claim names the registrant's key with one SM2 ID; the signature used another."""
    content = b"a client-signed work, wrong ID"
    metadata = WorkMetadata.from_mapping(json.loads(META))
    private = SM2PrivateKey.generate(b"registrant@banquan")
    claim = claim_for(describe_bytes(content), metadata, private.public_key, registered_at=now())
    other_id = KeySigner(SM2PrivateKey.from_bytes(private.to_bytes(), b"1234567812345678"))
    return world.client.post(
        "/v1/works",
        files={"file": ("w.txt", content)},
        data={
            "metadata": META,
            "claim": json.dumps(claim.to_json()),
            "signature": other_id.sign(claim.canonical_bytes()).to_text(),
        },
        headers=world.publisher,
    )


def describe_bytes(content: bytes) -> Any:
    import io

    return describe(io.BytesIO(content))


def now() -> datetime:
    return datetime.now(UTC)


def off_curve_key() -> dict[str, str]:
    """A well-formed uncompressed SM2 point, with y moved off the curve."""
    valid = public_key_to_json(generate_private_key("sm2").public_key)
    point = bytes.fromhex(valid["public_key"])
    moved = point[:-1] + bytes([point[-1] ^ 1])
    return {**valid, "public_key": moved.hex()}


def each(paths: list[str], world: World, method: str = "GET", **kwargs: Any) -> list[Response]:
    return [world.client.request(method, path, **kwargs) for path in paths]


def works_paths(reference: str) -> list[str]:
    segment = quote(reference, safe="")
    return [
        f"/v1/works/{segment}",
        f"/v1/works/{segment}/content",
        f"/v1/works/{segment}/proof",
        f"/v1/works/{segment}/certificate.pdf",
    ]


def unreadable(name: str) -> Callable[[World], Response]:
    return lambda world: world.register(unreadable_documents()[name])


ASSET_ID = "ab" * 32
SCOPES = ("publisher", "platform", "lender", "moderator", "admin")


ROWS: list[Row] = [
    # ------------------------------------------------------------------ the upload itself
    Row("empty-file", "empty file", "0 bytes", 400, "empty_file",
        lambda w: w.register(b"")),
    Row("missing-file", "no file part", "metadata only", 400, "missing_file",
        lambda w: w.client.post("/v1/works", data={"metadata": META}, headers=w.publisher)),
    Row("oversized-body", "body over the limit (declared)", "2 MiB body, limit 1 MiB + framing",
        413, "upload_too_large", lambda w: w.register(b"x" * (MAX_UPLOAD + (2 << 20)))),
    Row("oversized-file", "file over the limit (streamed)", "1 MiB + 1 byte file", 413,
        "upload_too_large", lambda w: w.register(b"x" * (MAX_UPLOAD + 1))),
    Row("wrong-content-type-json", "wrong content type", "application/json body", 400,
        "missing_file",
        lambda w: w.client.post("/v1/works", json={"metadata": {"title": "x"}},
                                headers=w.publisher)),
    Row("wrong-content-type-text", "wrong content type", "text/plain body", 400, "missing_file",
        lambda w: w.client.post("/v1/works", content=b"just text",
                                headers={**w.publisher, "Content-Type": "text/plain"})),
    Row("truncated-epub", "truncated EPUB", "first half of an EPUB", 422, "unreadable_document",
        unreadable("truncated-epub")),
    Row("corrupt-epub", "corrupt EPUB", "EPUB header, zeroed body", 422, "unreadable_document",
        unreadable("corrupt-epub")),
    Row("zip-bomb-epub", "zip bomb in an EPUB", "100 KiB inflating to 100 MiB", 422,
        "unreadable_document", unreadable("zip-bomb-epub")),
    Row("truncated-pdf", "truncated PDF", "first half of a PDF", 422, "unreadable_document",
        unreadable("truncated-pdf")),
    Row("corrupt-pdf", "corrupt PDF", "`%PDF-1.7` then noise", 422, "unreadable_document",
        unreadable("corrupt-pdf")),
    # ---------------------------------------------------------------------------- metadata
    Row("missing-metadata", "missing field", "no metadata part", 422, "invalid_metadata",
        lambda w: w.client.post("/v1/works", files={"file": ("a.txt", b"abc")},
                                headers=w.publisher)),
    Row("metadata-not-json", "metadata not JSON", "`{not json`", 422, "invalid_metadata",
        lambda w: w.register(b"abc", "{not json")),
    Row("metadata-not-object", "wrong JSON type", "`[\"title\"]`", 422, "invalid_metadata",
        lambda w: w.register(b"abc", '["title"]')),
    Row("title-missing", "missing field", "`{\"authors\": []}`", 422, "invalid_metadata",
        lambda w: w.register(b"abc", '{"authors": []}')),
    Row("title-wrong-type", "wrong JSON type", "`{\"title\": 42}`", 422, "invalid_metadata",
        lambda w: w.register(b"abc", '{"title": 42}')),
    Row("authors-wrong-type", "wrong JSON type", "`\"authors\": \"曹雪芹\"`", 422,
        "invalid_metadata", lambda w: w.register(b"abc", '{"title": "t", "authors": "曹雪芹"}')),
    Row("unknown-metadata-field", "unknown field", "`\"price\": 9`", 422, "invalid_metadata",
        lambda w: w.register(b"abc", '{"title": "t", "price": 9}')),
    Row("title-too-long", "over-long title", "501 characters", 422, "invalid_metadata",
        lambda w: w.register(b"abc", json.dumps({"title": "长" * 501}))),
    Row("author-too-long", "over-long author", "one name of 501 characters", 422,
        "invalid_metadata",
        lambda w: w.register(b"abc", json.dumps({"title": "t", "authors": ["名" * 501]}))),
    Row("too-many-authors", "over-long authors", "101 names", 422, "invalid_metadata",
        lambda w: w.register(b"abc", json.dumps({"title": "t", "authors": ["a"] * 101}))),
    Row("title-lone-surrogate", "invalid UTF-8 in title", "`\"\\ud800\"` (no UTF-8 form)",
        422, "invalid_metadata",
        lambda w: w.register(b"abc", '{"title": "\\ud800 lone"}')),
    Row("title-nul", "NUL in title", "`\"a\\u0000b\"`", 422, "invalid_metadata",
        lambda w: w.register(b"abc", '{"title": "a\\u0000b"}')),
    Row("metadata-invalid-utf8-json", "invalid UTF-8 in a JSON body", "`0xff 0xfe` in a name",
        400, "malformed_body",
        lambda w: w.client.post("/v1/admin/keys", content=b'{"name": "\xff\xfe", "scopes": []}',
                                headers={**w.admin, "Content-Type": "application/json"})),
    Row("title-nfd-same-as-nfc", "NFD title of an NFC-registered title",
        "`Cafe\\u0301` after `Caf\\u00e9`, same Idempotency-Key", 201, "",
        lambda w: w.register(b"one title, two spellings", json.dumps({"title": TITLE_NFD}),
                             **{"Idempotency-Key": "title-nfc"}),
        setup=nfc_registered),
    Row("bad-isbn-checksum", "bad ISBN checksum", "`9787536692931`", 422, "invalid_metadata",
        lambda w: w.register(b"abc", '{"title": "t", "isbn": "9787536692931"}')),
    Row("bad-isbn-lookup", "bad ISBN checksum", "`GET /v1/verify?isbn=9787536692931`", 400,
        "invalid_isbn", lambda w: w.client.get("/v1/verify", params={"isbn": "9787536692931"})),
    Row("unknown-right", "unknown right", "`\"rights\": [\"flying\"]`", 422, "invalid_metadata",
        lambda w: w.register(b"abc", '{"title": "t", "rights": ["flying"]}')),
    Row("idempotency-key-reused", "Idempotency-Key reused", "same key, other content", 409,
        "idempotency_key_reused",
        lambda w: w.register(b"something else", **{"Idempotency-Key": "catalogue-0001"}),
        setup=idempotent_first),
    # ---------------------------------------------------------------------- signed claims
    Row("claim-bad-signature", "bad claim signature", "claim signed by another key", 422,
        "invalid_signature",
        lambda w: client_signed(w, sign_with=KeySigner(generate_private_key("sm2")))),
    Row("claim-wrong-sm2-id", "wrong SM2 ID (claim)", "signed under the default ID", 422,
        "invalid_signature", client_signed_wrong_sm2_id),
    Row("claim-without-signature", "missing field", "`claim` without `signature`", 422,
        "invalid_claim",
        lambda w: w.client.post("/v1/works", files={"file": ("w.txt", b"c")},
                                data={"metadata": META, "claim": "{}"}, headers=w.publisher)),
    # ------------------------------------------------------------------ keys and requests
    Row("no-api-key", "no API key", "no Authorization", 401, "unauthenticated",
        lambda w: w.client.post("/v1/works", files={"file": ("a", b"a")},
                                data={"metadata": META})),
    Row("malformed-api-key", "malformed API key", "`Bearer " + SQLISH + "`", 401,
        "unauthenticated",
        lambda w: w.client.post("/v1/works", files={"file": ("a", b"a")},
                                data={"metadata": META},
                                headers={"Authorization": f"Bearer {SQLISH}"})),
    Row("revoked-key", "revoked key", "key revoked by an admin", 401, "unauthenticated",
        lambda w: w.client.post("/v1/works", files={"file": ("a", b"a")},
                                data={"metadata": META},
                                headers={"Authorization": f"Bearer {w.values['revoked']}"}),
        setup=revoked_key),
    Row("wrong-scope", "wrong scope", "platform key registers", 403, "missing_scope",
        lambda w: w.client.post("/v1/works", files={"file": ("a", b"a")},
                                data={"metadata": META}, headers=w.headers("platform"))),
    Row("moderation-decision-by-publisher", "unauthorised role for moderation",
        "publisher key decides a review item", 403, "missing_scope",
        lambda w: w.client.post("/v1/moderation/review/1/decision",
                                json={"decision": "accept"}, headers=w.publisher)),
    Row("takedown-by-platform", "unauthorised role for moderation", "platform key takes down",
        403, "missing_scope",
        lambda w: w.client.post("/v1/moderation/takedowns",
                                json={"registration": w.values["number"], "reason": "r"},
                                headers=w.headers("platform")),
        setup=registered),
    Row("request-bad-signature", "bad request signature", "signed by another key", 401,
        "invalid_request_signature",
        lambda w: signed_post(w, signer=KeySigner(generate_private_key("sm2"))),
        setup=signing_key()),
    Row("request-unsigned", "bad request signature", "bound key, no signature headers", 401,
        "invalid_request_signature",
        lambda w: w.client.post("/v1/works", files={"file": ("a", b"a")},
                                data={"metadata": META},
                                headers={"Authorization": f"Bearer {w.values['key']}"}),
        setup=signing_key()),
    Row("request-replayed", "replayed request signature", "nonce used by a 201 before", 401,
        "replayed_request", lambda w: signed_post(w, nonce=w.values["nonce"]),
        setup=signed_and_sent_once),
    Row("request-expired", "expired request signature", "timestamp an hour old", 401,
        "stale_request", lambda w: signed_post(w, timestamp=int(time.time()) - 3600),
        setup=signing_key("secp256k1")),
    Row("request-wrong-sm2-id", "wrong SM2 ID (request)", "signed under another ID", 401,
        "invalid_request_signature", with_wrong_sm2_id, setup=signing_key()),
    Row("request-sqlish-nonce", "SQL-ish header", "`X-Banquan-Nonce: " + SQLISH + "`", 401,
        "invalid_request_signature",
        lambda w: signed_post(w, headers={"X-Banquan-Nonce": SQLISH}), setup=signing_key()),
    Row("off-curve-signing-key", "off-curve public key", "API key bound to a point off SM2",
        400, "invalid_input",
        lambda w: w.client.post("/v1/admin/keys", headers=w.admin,
                                json={"name": "k", "scopes": ["publisher"],
                                      "signing_key": off_curve_key()})),
    Row("unknown-scope", "unknown scope", "`scopes: [\"" + SQLISH + "\"]`", 400, "invalid_input",
        lambda w: w.client.post("/v1/admin/keys", headers=w.admin,
                                json={"name": "k", "scopes": [SQLISH]})),
    Row("bad-ip-allowlist", "bad client network", "`ip_allowlist: [\"" + TRAVERSAL + "\"]`",
        400, "invalid_input",
        lambda w: w.client.post("/v1/admin/keys", headers=w.admin,
                                json={"name": "k", "scopes": ["publisher"],
                                      "ip_allowlist": [TRAVERSAL]})),
    Row("key-name-wrong-type", "wrong JSON type", "`name: 7, scopes: \"publisher\"`", 422,
        "invalid_request",
        lambda w: w.client.post("/v1/admin/keys", headers=w.admin,
                                json={"name": 7, "scopes": "publisher"})),
    Row("revoke-unknown-key", "unknown key id", "`DELETE /v1/admin/keys/" + SQLISH + "`", 404,
        "api_key_not_found",
        lambda w: w.client.delete(f"/v1/admin/keys/{quote(SQLISH, safe='')}", headers=w.admin)),
    # ------------------------------------------------------------------ lookups by digest
    Row("digest-wrong-length", "bad digest (length)", "63 hex digits", 400, "invalid_digest",
        lambda w: w.client.get("/v1/verify", params={"sha256": "a" * 63})),
    Row("digest-not-hex", "bad digest (not hex)", "64 × `z`", 400, "invalid_digest",
        lambda w: w.client.get("/v1/verify", params={"sm3": "z" * 64})),
    Row("digest-two-at-once", "bad digest (two kinds)", "`sha256` and `sm3`", 400,
        "invalid_digest",
        lambda w: w.client.get("/v1/verify", params={"sha256": "a" * 64, "sm3": "b" * 64})),
    Row("bulk-digests-wrong-type", "wrong JSON type", "`digests: \"abc\"`", 422,
        "invalid_request", lambda w: w.client.post("/v1/verify/bulk", json={"digests": "abc"})),
    Row("bulk-digest-sqlish", "SQL-ish digest", "`digests: [\"" + SQLISH + "\"]`", 200, "",
        lambda w: w.client.post("/v1/verify/bulk", json={"digests": [SQLISH]}),
        without_code="— (`invalid_digest` in its item; the others are answered)"),
    Row("cid-traversal", "path traversal in a query", "`cid=" + TRAVERSAL + "`", 400,
        "invalid_digest", lambda w: w.client.get("/v1/verify", params={"cid": TRAVERSAL})),
    Row("isbn-sqlish", "SQL-ish query", "`isbn=" + SQLISH + "`", 400, "invalid_isbn",
        lambda w: w.client.get("/v1/verify", params={"isbn": SQLISH})),
    # ------------------------------------------------------------ path parameters, hostile
    Row("unknown-registration", "unknown registration number", "`BQ-2026-99999999`", 404,
        "registration_not_found", lambda w: each(works_paths("BQ-2026-99999999"), w)),
    Row("sqlish-registration-number", "SQL-ish path parameter",
        "`/v1/works/" + SQLISH + "` (+ /content, /proof, /certificate.pdf)", 404,
        "registration_not_found", lambda w: each(works_paths(SQLISH), w)),
    Row("encoded-traversal-registration-number", "path traversal (encoded)",
        "`/v1/works/%252e%252e%252f` (+ /content, /proof, /certificate.pdf)", 404,
        "not_found", lambda w: each(works_paths(ENCODED_TRAVERSAL), w)),
    Row("traversal-registration-number", "path traversal", "`/v1/works/..%2F..%2Fetc%2Fpasswd`",
        404, "not_found", lambda w: each(works_paths(TRAVERSAL), w)),
    Row("sqlish-asset-reference", "SQL-ish path parameter",
        "`/v1/assets/" + SQLISH + "/encumbrances`", 404, "registration_not_found",
        lambda w: w.client.get(f"/v1/assets/{quote(SQLISH, safe='')}/encumbrances",
                               headers=w.headers("lender"))),
    Row("sqlish-review-item", "SQL-ish path parameter",
        "`/v1/moderation/review/" + SQLISH + "`", 422, "invalid_request",
        lambda w: w.client.get(f"/v1/moderation/review/{quote(SQLISH, safe='')}",
                               headers=w.headers("moderator"))),
    Row("sqlish-webhook-id", "SQL-ish path parameter", "`DELETE /v1/webhooks/" + SQLISH + "`",
        422, "invalid_request",
        lambda w: w.client.delete(f"/v1/webhooks/{quote(SQLISH, safe='')}",
                                  headers=w.headers("platform"))),
    Row("webhook-url-traversal", "path traversal in a body", "`url: " + TRAVERSAL + "`", 400,
        "invalid_webhook",
        lambda w: w.client.post("/v1/webhooks", json={"url": TRAVERSAL},
                                headers=w.headers("platform"))),
    Row("takedown-sqlish-registration", "SQL-ish body field", "`registration: " + SQLISH + "`",
        404, "registration_not_found",
        lambda w: w.client.post("/v1/moderation/takedowns",
                                json={"registration": SQLISH, "reason": "r"},
                                headers=w.headers("moderator"))),
    # ------------------------------------------------------------------------------ assets
    Row("unknown-asset-id", "unknown asset id", "64 hex never minted", 404, "asset_not_found",
        lambda w: w.client.get(f"/v1/assets/{ASSET_ID}/encumbrances",
                               headers=w.headers("lender"))),
    Row("tokenize-bad-owner", "bad address", "`owner: " + SQLISH + "`", 400, "invalid_address",
        lambda w: w.client.post(f"/v1/works/{w.values['number']}/tokenize",
                                json={"owner": SQLISH}, headers=w.publisher),
        setup=registered),
    Row("tokenize-pending", "not anchored yet", "tokenize a pending registration", 409,
        "not_anchored",
        lambda w: w.client.post(f"/v1/works/{w.values['number']}/tokenize",
                                json={"owner": OWNER.address}, headers=w.publisher),
        setup=registered),
    Row("content-key-off-curve", "off-curve public key", "`recipient_key` off SM2", 400,
        "invalid_input",
        lambda w: w.client.post(f"/v1/works/{w.values['number']}/content-key",
                                json={"licensee": OWNER.address, "right": "reproduction",
                                      "recipient_key": off_curve_key(), "signature": "00"},
                                headers=w.headers("platform")),
        setup=registered),
    Row("transfer-frozen", "transfer of a frozen asset", "asset taken down", 409, "frozen",
        lambda w: w.client.post(f"/v1/assets/{w.values['number']}/transfer/prepare",
                                json={"from": OWNER.address, "to": BUYER.address},
                                headers=w.publisher),
        setup=frozen),
    Row("transfer-pledged", "transfer of a pledged asset", "asset with an active lien", 409,
        "encumbered",
        lambda w: w.client.post(f"/v1/assets/{w.values['number']}/transfer/prepare",
                                json={"from": OWNER.address, "to": BUYER.address},
                                headers=w.publisher),
        setup=pledged),
    Row("double-pledge", "double pledge", "second lender, junior liens refused", 409,
        "already_pledged",
        lambda w: w.client.post(f"/v1/assets/{w.values['number']}/pledge/prepare",
                                json=pledge_body(w, LENDER2), headers=w.headers("lender")),
        setup=pledged),
]  # fmt: skip


# ---------------------------------------------------------------------- state snapshots


def snapshot(world: World) -> dict[str, object]:
    """Everything a request could change: row counts, stored files, account nonces."""
    runtime = world.runtime
    with runtime.engine.connect() as connection:
        tables = sorted(set(inspect(connection).get_table_names()) - AUDIT_TABLES)
        counts = {
            name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in tables
        }
    store = runtime.settings.content_dir
    files = sorted(str(p.relative_to(store)) for p in store.rglob("*") if p.is_file())
    accounts = (runtime.sender.address, OWNER.address, LENDER.address, LENDER2.address)
    nonces = {a: runtime.w3.eth.get_transaction_count(a) for a in accounts}  # type: ignore[arg-type]
    return {"rows": counts, "files": files, "nonces": nonces}


@pytest.fixture
def world(runtime: Runtime) -> Iterator[World]:
    runtime.settings = runtime.settings.model_copy(update={"max_upload_bytes": MAX_UPLOAD})
    # Dev mode deploys the contracts, grants the registrar its moderation role, and funds and
    # grants the moderator account its own, on first need: before any row, not inside one.
    runtime.moderation_client()
    runtime.moderation_client("moderator")
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        yield World(runtime, client, {scope: bearer(runtime, scope) for scope in SCOPES})


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input_is_refused_with_its_code_and_changes_nothing(world: World, row: Row) -> None:
    if row.setup is not None:
        row.setup(world)
    before = snapshot(world)
    sent = row.send(world)
    answers = sent if isinstance(sent, list) else [sent]
    for answer in answers:
        assert answer.status_code == row.status, (answer.request.url, answer.text)
        if row.code:
            body = answer.json()
            assert body["code"] == row.code, body
            assert set(body) == {"code", "message", "details"}
    assert snapshot(world) == before


def example_body(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    """A JSON body for ``operation`` from the examples its schema documents (None: no JSON)."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = content["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    body: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        if prop.get("examples"):
            body[name] = prop["examples"][0]
        elif "example" in prop:
            body[name] = prop["example"]
    return body


@pytest.mark.parametrize("hostile", [SQLISH, TRAVERSAL, ENCODED_TRAVERSAL])
def test_hostile_strings_in_every_path_parameter_are_refused_and_change_nothing(
    world: World, hostile: str
) -> None:
    """Every operation of the live schema with a path parameter, sent by an admin key (every
    scope) with its documented example body and ``hostile`` in each parameter: a coded 4xx,
    never a 5xx, and nothing changed."""
    spec = world.client.app.openapi()  # type: ignore[attr-defined]
    before = snapshot(world)
    sent = 0
    for template, operations in spec["paths"].items():
        if "{" not in template:
            continue
        path = template
        for name in (part[1:-1] for part in template.split("/") if part.startswith("{")):
            path = path.replace("{" + name + "}", quote(hostile, safe=""))
        for method, operation in operations.items():
            body = example_body(spec, operation)
            answer = world.client.request(method.upper(), path, json=body, headers=world.admin)
            sent += 1
            assert 400 <= answer.status_code < 500, (method, path, answer.text)
            assert answer.json()["code"], (method, path, answer.text)
    assert sent >= 25
    assert snapshot(world) == before


def test_hostile_strings_in_free_text_fields_are_stored_verbatim(world: World) -> None:
    """Where any text is allowed (title, authors, language, a key's name), SQL-ish and
    path-like strings are data: stored and returned as sent, and every table is still there."""
    for hostile in (SQLISH, TRAVERSAL, ENCODED_TRAVERSAL):
        metadata = {"title": hostile, "authors": [hostile], "language": hostile}
        answer = world.register(hostile.encode() + b" content", json.dumps(metadata))
        assert answer.status_code == 201, answer.text
        fetched = world.client.get(f"/v1/works/{answer.json()['number']}").json()
        assert fetched["title"] == hostile
        assert fetched["metadata"]["authors"] == [hostile]
        key = world.client.post(
            "/v1/admin/keys", json={"name": hostile, "scopes": ["publisher"]}, headers=world.admin
        )
        assert key.status_code == 201, key.text
        assert key.json()["name"] == hostile
    with world.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Registration)) == 3


def test_nfd_and_nfc_titles_are_one_title(world: World) -> None:
    nfc_registered(world)
    nfd = world.register(b"the same title, decomposed", json.dumps({"title": TITLE_NFD}))
    assert nfd.status_code == 201, nfd.text
    assert nfd.json()["title"] == TITLE_NFC
    original = world.client.get(f"/v1/works/{world.values['number']}").json()
    assert original["metadata"] == nfd.json()["metadata"]


def markdown_table() -> str:
    """The catalogue as docs/reliability.md shows it."""
    lines = ["| kind | example | status | code | test id |", "|---|---|---|---|---|"]
    for row in ROWS:
        code = f"`{row.code}`" if row.code else row.without_code
        lines.append(f"| {row.kind} | {row.example} | {row.status} | {code} | `{row.id}` |")
    return "\n".join(lines)


def test_every_row_is_in_the_reliability_doc() -> None:
    doc = DOC.read_text(encoding="utf-8")
    section = doc.split("## Bad input", 1)[1].split("## Fuzzing", 1)[0]
    missing = [row.id for row in ROWS if f"| `{row.id}` |" not in section]
    assert not missing, f"regenerate the table (markdown_table()): {missing}"
    assert markdown_table() in section
    assert len({row.id for row in ROWS}) == len(ROWS) >= 30
