"""The HTTP API over a real runtime (database, content store, Anvil)."""

from __future__ import annotations

import gc
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from api import schemas
from api.app import create_app
from api.routes.verify import BulkItemOut, BulkVerificationOut
from api.schemas import ErrorOut, RegistrationOut, VerificationOut, registration_json
from chain_client.registry_anchor import RegistryAnchorClient
from cli.launcher import AnvilProcess
from crypto.signing import KeySigner, generate_private_key
from registry.content.ingest import describe, ingest
from registry.content.unixfs import cid_v1_rawleaves_256k
from registry.core.database import migrate
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration
from registry.platform.runtime import Runtime, build_runtime
from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.proofs.proof_bundle import check_bundle
from registry.registration.claims import claim_for
from tests.conftest import bearer, make_settings, serve_asgi
from tests.registry.content.kubo_fake import FakeKubo

META = json.dumps({"title": "红楼梦", "authors": ["曹雪芹"], "isbn": "9787020002207"})


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(
        create_app(runtime=runtime, run_batcher=False), headers=bearer(runtime)
    ) as test_client:
        yield test_client


def registrations(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Registration)) or 0


def test_post_work_registers_and_get_returns_it(client: TestClient) -> None:
    response = client.post(
        "/v1/works", files={"file": ("book.txt", "满纸荒唐言".encode())}, data={"metadata": META}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending"
    assert body["sha256"] == hashlib.sha256("满纸荒唐言".encode()).hexdigest()
    fetched = client.get(f"/v1/works/{body['number']}")
    assert fetched.status_code == 200
    assert fetched.json()["leaf"] == body["leaf"]
    assert fetched.json()["title"] == "红楼梦"
    # It belongs to the key's party, named by its public name on every answer.
    party = fetched.json()["party"]
    assert party["public_name"] == "test"  # conftest's bearer() names the key (and party) so
    verified = client.get("/v1/verify", params={"sha256": body["sha256"]}).json()
    assert verified["registrations"][0]["party"] == party


def test_verify_by_sha256_and_sm3_finds_the_registration(client: TestClient) -> None:
    content = b"a digital book"
    number = client.post(
        "/v1/works", files={"file": ("b.txt", content)}, data={"metadata": META}
    ).json()["number"]
    for algorithm in ("sha256", "sm3"):
        digest = hashlib.new(algorithm, content).hexdigest().upper()
        response = client.get("/v1/verify", params={algorithm: digest})
        assert response.status_code == 200
        assert [r["number"] for r in response.json()["registrations"]] == [number]
    cid = str(cid_v1_rawleaves_256k(content))
    by_cid = client.get("/v1/verify", params={"cid": cid})
    assert [r["number"] for r in by_cid.json()["registrations"]] == [number]
    assert by_cid.json()["registrations"][0]["cid"] == cid


@pytest.mark.parametrize(
    ("files", "data", "status", "code"),
    [
        ({"file": ("e.txt", b"")}, {"metadata": META}, 400, "empty_file"),
        ({"file": ("a.txt", b"abc")}, {}, 422, "invalid_metadata"),
        ({"file": ("a.txt", b"abc")}, {"metadata": "{not json"}, 422, "invalid_metadata"),
        ({"file": ("a.txt", b"abc")}, {"metadata": '{"authors": []}'}, 422, "invalid_metadata"),
        (None, {"metadata": META}, 400, "missing_file"),
    ],
)
def test_bad_registration_gets_a_coded_4xx_and_stores_nothing(
    client: TestClient, runtime: Runtime, files: object, data: object, status: int, code: str
) -> None:
    response = client.post("/v1/works", files=files, data=data)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.json()["code"] == code
    assert set(response.json()) == {"code", "message", "details"}
    assert registrations(runtime) == 0


def test_upload_over_the_limit_gets_413_and_stores_nothing(
    runtime: Runtime,
) -> None:
    small = runtime.settings.model_copy(update={"max_upload_bytes": 1024})
    runtime.settings = small
    with TestClient(
        create_app(runtime=runtime, run_batcher=False), headers=bearer(runtime)
    ) as client:
        response = client.post(
            "/v1/works", files={"file": ("big.bin", b"x" * 4096)}, data={"metadata": META}
        )
    assert response.status_code == 413
    assert response.json()["code"] == "upload_too_large"
    assert registrations(runtime) == 0


def test_declared_body_over_the_limit_is_refused_before_reading(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"max_upload_bytes": 1024})
    with TestClient(
        create_app(runtime=runtime, run_batcher=False), headers=bearer(runtime)
    ) as client:
        response = client.post(
            "/v1/works",
            files={"file": ("big.bin", b"x" * (3 << 20))},
            data={"metadata": META},
        )
    assert response.status_code == 413
    assert response.json()["code"] == "upload_too_large"
    assert registrations(runtime) == 0


def test_streamed_body_over_the_limit_is_cut_off(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"max_upload_bytes": 1024})

    def chunks() -> Iterator[bytes]:
        yield b"--x\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\n"
        for _ in range(40):
            yield b"y" * 65536

    with TestClient(
        create_app(runtime=runtime, run_batcher=False), headers=bearer(runtime)
    ) as client:
        response = client.post(
            "/v1/works",
            content=chunks(),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
    assert response.status_code == 413
    assert response.json()["code"] == "upload_too_large"
    assert registrations(runtime) == 0


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"sha256": "00" * 32}, 404, "digest_not_registered"),
        ({"sha256": "xyz"}, 400, "invalid_digest"),
        ({"sm3": "ab" * 31}, 400, "invalid_digest"),
        ({}, 400, "invalid_digest"),
        ({"sha256": "00" * 32, "sm3": "00" * 32}, 400, "invalid_digest"),
        ({"cid": "not-a-cid"}, 400, "invalid_digest"),
        (
            {"cid": "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"},
            404,
            "digest_not_registered",
        ),
    ],
)
def test_bad_or_unknown_digest_gets_a_coded_error(
    client: TestClient, params: dict[str, str], status: int, code: str
) -> None:
    response = client.get("/v1/verify", params=params)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_unknown_registration_number_is_404(client: TestClient) -> None:
    response = client.get("/v1/works/BQ-2026-99999999")
    assert response.status_code == 404
    assert response.json()["code"] == "registration_not_found"


def test_openapi_and_pages_are_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/v1/works", "/v1/works/{number}", "/v1/verify", "/health"} <= set(schema["paths"])
    assert client.get("/docs").status_code == 200
    assert "banquan" in client.get("/").text


def test_health_reports_database_chain_content_store_and_backlog(client: TestClient) -> None:
    client.post("/v1/works", files={"file": ("a.txt", b"abc")}, data={"metadata": META})
    health = client.get("/health").json()
    assert health.pop("batch_lag_seconds") >= 0
    assert health == {
        "database": True,
        "chain": True,
        "content_store": True,
        "pending_registrations": 1,
    }


def test_idempotency_key_makes_a_retried_upload_return_the_first_registration(
    client: TestClient, runtime: Runtime
) -> None:
    def post(content: bytes) -> Response:
        return client.post(
            "/v1/works",
            files={"file": ("b.txt", content)},
            data={"metadata": META},
            headers={"Idempotency-Key": "batch-7/item-1"},
        )

    first, retry = post(b"retried upload"), post(b"retried upload")
    assert first.status_code == retry.status_code == 201
    assert retry.json()["number"] == first.json()["number"]
    conflict = post(b"different content")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_key_reused"
    assert registrations(runtime) == 1


def test_registrant_signed_claim_is_accepted_and_a_forged_one_refused(
    client: TestClient, runtime: Runtime
) -> None:
    content = "自己签名的作品".encode()
    metadata = WorkMetadata.from_mapping(json.loads(META))
    signer = KeySigner(generate_private_key("sm2"))
    claim = claim_for(
        describe(io.BytesIO(content)), metadata, signer.public_key, registered_at=datetime.now(UTC)
    )
    form = {"metadata": META, "claim": json.dumps(claim.to_json())}
    forged = client.post(
        "/v1/works",
        files={"file": ("w.txt", content)},
        data={**form, "signature": KeySigner(generate_private_key("sm2")).sign(b"x").to_text()},
    )
    assert forged.status_code == 422
    assert forged.json()["code"] == "invalid_signature"
    accepted = client.post(
        "/v1/works",
        files={"file": ("w.txt", content)},
        data={**form, "signature": claim.sign(signer).to_text()},
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["signing_mode"] == "client"
    assert registrations(runtime) == 1


def test_content_is_served_only_once_published(client: TestClient, runtime: Runtime) -> None:
    private = client.post(
        "/v1/works", files={"file": ("p.txt", b"private words")}, data={"metadata": META}
    ).json()
    assert private["published_at"] is None
    refused = client.get(f"/v1/works/{private['number']}/content")
    assert refused.status_code == 403
    assert refused.json()["code"] == "content_private"
    public = client.post(
        "/v1/works",
        files={"file": ("o.txt", b"open words")},
        data={"metadata": META, "publish": "true"},
    ).json()
    served = client.get(f"/v1/works/{public['number']}/content")
    assert served.status_code == 200
    assert served.content == b"open words"


def test_proof_bundle_is_served_once_anchored(
    client: TestClient, runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    number = client.post(
        "/v1/works", files={"file": ("b.txt", b"to be proven")}, data={"metadata": META}
    ).json()["number"]
    pending = client.get(f"/v1/works/{number}/proof")
    assert pending.status_code == 409
    assert pending.json()["code"] == "not_anchored_yet"
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    bundle = client.get(f"/v1/works/{number}/proof").json()
    assert bundle["v"] == "banquan.proof/1"
    assert check_bundle(bundle, content=io.BytesIO(b"to be proven")).ok


def test_certificate_is_a_pdf(client: TestClient) -> None:
    number = client.post(
        "/v1/works", files={"file": ("c.txt", b"certified")}, data={"metadata": META}
    ).json()["number"]
    response = client.get(f"/v1/works/{number}/certificate.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert client.get("/v1/works/BQ-2026-99999999/certificate.pdf").status_code == 404


def test_verify_by_registration_number(client: TestClient) -> None:
    registered = client.post(
        "/v1/works", files={"file": ("n.txt", b"looked up by number")}, data={"metadata": META}
    ).json()
    found = client.get("/v1/verify", params={"number": registered["number"]})
    assert found.status_code == 200, found.text
    assert [r["sha256"] for r in found.json()["registrations"]] == [registered["sha256"]]
    unknown = client.get("/v1/verify", params={"number": "BQ-2026-99999999"})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "registration_not_found"
    two = client.get("/v1/verify", params={"number": registered["number"], "sha256": "a" * 64})
    assert two.status_code == 400
    assert two.json()["code"] == "invalid_digest"


def test_bulk_and_file_verification(client: TestClient) -> None:
    client.post("/v1/works", files={"file": ("a.txt", b"bulk one")}, data={"metadata": META})
    asked = [hashlib.sha256(b"bulk one").hexdigest()] + ["ab" * 32] * 1000
    response = client.post("/v1/verify/bulk", json={"algorithm": "sha256", "digests": asked})
    assert response.status_code == 200
    body = response.json()
    assert body["registered"] == 1
    assert len(body["results"]) == 1001
    assert body["results"][0]["registered"] is True
    # A malformed digest is answered on its own; the others are looked up.
    mixed = client.post("/v1/verify/bulk", json={"digests": ["zz", asked[0]]})
    assert mixed.status_code == 200
    first, second = mixed.json()["results"]
    assert first["registered"] is False
    assert first["error"]["code"] == "invalid_digest"
    assert first["error"]["details"]["position"] == 0
    assert second["registered"] is True
    assert second["error"] is None
    too_many = client.post("/v1/verify/bulk", json={"digests": ["ab" * 32] * 5001})
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "invalid_request"
    found = client.post("/v1/verify/file", files={"file": ("x.txt", b"bulk one")})
    assert found.status_code == 200
    assert found.json()["registrations"][0]["sha256"] == asked[0]
    missing = client.post("/v1/verify/file", files={"file": ("y.txt", b"never")})
    assert missing.status_code == 404


def test_lookup_by_isbn_in_any_form(client: TestClient) -> None:
    number = client.post(
        "/v1/works", files={"file": ("i.txt", b"isbn lookup")}, data={"metadata": META}
    ).json()["number"]
    # ISBN-13 with or without hyphens, and the same book's ISBN-10 (check digit X)
    for form in ("9787020002207", "978-7-02-000220-7", "7-02-000220-X"):
        response = client.get("/v1/verify", params={"isbn": form})
        assert response.status_code == 200, form
        assert [r["number"] for r in response.json()["registrations"]] == [number]
    wrong = client.get("/v1/verify", params={"isbn": "7-02-000220-1"})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid_isbn"
    bad = client.post(
        "/v1/works",
        files={"file": ("j.txt", b"bad isbn")},
        data={"metadata": json.dumps({"title": "t", "isbn": "9787020002200"})},
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_metadata"


def test_values_the_database_cannot_hold_are_a_400(client: TestClient) -> None:
    # SQLite stores a NUL byte; PostgreSQL refuses it: either way the answer is a 4xx.
    response = client.get("/v1/works/BQ-%00")
    assert (response.status_code, response.json()["code"]) in (
        (400, "invalid_value"),
        (404, "registration_not_found"),
    )


def test_a_publisher_lists_reads_and_publishes_its_own_works(
    client: TestClient, runtime: Runtime
) -> None:
    mine = [
        client.post(
            "/v1/works", files={"file": (f"{i}.txt", f"稿件 {i}".encode())}, data={"metadata": META}
        ).json()["number"]
        for i in range(3)
    ]
    other_key = bearer(runtime, "publisher")
    theirs = client.post(
        "/v1/works",
        files={"file": ("x.txt", "别人的稿件".encode())},
        # not under META's ISBN: the conflict hook would hold it (held content answers 409)
        data={"metadata": json.dumps({"title": "别人的稿件"})},
        headers=other_key,
    ).json()["number"]

    first = client.get("/v1/works", params={"limit": 2}).json()
    second = client.get("/v1/works", params={"limit": 2, "after": first["next_after"]}).json()
    assert [r["number"] for r in first["registrations"] + second["registrations"]] == mine
    assert second["next_after"] is None
    everyone = client.get("/v1/works", headers=bearer(runtime, "admin")).json()
    assert [r["number"] for r in everyone["registrations"]] == [*mine, theirs]

    own = client.get(f"/v1/works/{mine[1]}/private-content")
    assert (own.status_code, own.content) == (200, "稿件 1".encode())
    refused = client.get(f"/v1/works/{theirs}/private-content")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_own_registration")
    assert client.post(f"/v1/works/{theirs}/publish").json()["code"] == "not_own_registration"

    published = client.post(f"/v1/works/{mine[0]}/publish")
    assert published.status_code == 200, published.json()
    assert published.json()["published_at"] is not None
    public = client.get(f"/v1/works/{mine[0]}/content", headers={"Authorization": ""})
    assert (public.status_code, public.content) == (200, "稿件 0".encode())
    still_private = client.get(f"/v1/works/{theirs}/content")
    assert still_private.json()["code"] == "content_private"


def test_unknown_registration_is_404_for_own_content_and_publishing(client: TestClient) -> None:
    for response in (
        client.get("/v1/works/BQ-2026-99999999/private-content"),
        client.post("/v1/works/BQ-2026-99999999/publish"),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "registration_not_found")


def test_register_by_the_cid_of_content_already_stored(
    client: TestClient, runtime: Runtime
) -> None:
    added = ingest(io.BytesIO("先放进 IPFS 的书稿".encode()), runtime.store, max_bytes=1 << 20)
    metadata = {"title": "先放进 IPFS 的书稿", "authors": ["某人"]}
    response = client.post(
        "/v1/works/by-cid",
        json={"cid": added.cid, "metadata": metadata},
        headers={"Idempotency-Key": "by-cid-1"},
    )
    assert response.status_code == 201, response.json()
    registered = response.json()
    assert (registered["cid"], registered["sha256"]) == (added.cid, added.digests.sha256_hex)
    again = client.post(
        "/v1/works/by-cid",
        json={"cid": added.cid, "metadata": metadata},
        headers={"Idempotency-Key": "by-cid-1"},
    )
    assert again.json()["number"] == registered["number"]
    served = client.get(f"/v1/works/{registered['number']}/content")
    assert served.content == "先放进 IPFS 的书稿".encode()

    before = registrations(runtime)
    unknown = client.post(
        "/v1/works/by-cid",
        json={"cid": str(cid_v1_rawleaves_256k(b"absent")), "metadata": metadata},
    )
    malformed = client.post("/v1/works/by-cid", json={"cid": "Qm!!", "metadata": metadata})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "content_not_found")
    assert (malformed.status_code, malformed.json()["code"]) == (400, "invalid_digest")
    assert registrations(runtime) == before


def test_verification_answers_are_the_models_json_byte_for_byte(
    client: TestClient, runtime: Runtime
) -> None:
    # The verification routes write their JSON from each registration's JSON made once per view;
    # the bytes must be those the response models give, whatever the digests asked.
    for text in (b"answer one", b"answer one", b"answer two"):
        client.post("/v1/works", files={"file": ("a.txt", text)}, data={"metadata": META})
    one, two = (hashlib.sha256(text).hexdigest() for text in (b"answer one", b"answer two"))
    asked = [one, "zz", 'a"\\\u00e9\u4e2d\u0007', two, "ab" * 32, one]
    for _ in range(2):  # made, then served from the views' JSON
        answer = client.post("/v1/verify/bulk", json={"algorithm": "sha256", "digests": asked})
        result = runtime.proofs.verify_digests("sha256", asked)
        expected = BulkVerificationOut(
            algorithm=result.algorithm,
            registered=result.registered,
            results=[
                BulkItemOut(
                    digest=digest,
                    registered=bool(views),
                    registrations=[RegistrationOut.of(v) for v in views],
                    error=None
                    if (error := result.errors.get(position)) is None
                    else ErrorOut(code=error.code, message=error.message, details=error.details),
                )
                for position, (digest, views) in enumerate(result.items)
            ],
        )
        assert answer.content == expected.model_dump_json(by_alias=True).encode()
        single = client.get("/v1/verify", params={"sha256": one})
        views = runtime.proofs.find(sha256=one)
        model = VerificationOut(
            registered=True, registrations=[RegistrationOut.of(v) for v in views]
        )
        assert single.content == model.model_dump_json(by_alias=True).encode()
    assert len(single.json()["registrations"]) == 2


def test_a_registrations_json_is_kept_only_while_its_view_lives(
    client: TestClient, runtime: Runtime
) -> None:
    client.post("/v1/works", files={"file": ("k.txt", b"kept json")}, data={"metadata": META})
    number = client.get("/v1/works").json()["registrations"][0]["number"]
    view = runtime.proofs.registration(number)  # a view of its own, not a shared one
    made = registration_json(view)
    assert registration_json(view) is made
    assert json.loads(made)["number"] == number
    kept = len(schemas._REGISTRATION_JSON)
    del view
    gc.collect()
    assert len(schemas._REGISTRATION_JSON) == kept - 1


@pytest.fixture
def moderated(tmp_path: Path, database_url: str, anvil: AnvilProcess) -> Iterator[Runtime]:
    """A runtime whose hooks are the blocklist and a lexicon (禁词 held)."""
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("禁词\tpolitics\n", encoding="utf-8")
    settings = make_settings(
        tmp_path / "moderated",
        database_url,
        anvil.rpc_url,
        moderation_hooks=["blocklist", "lexicon"],
        moderation_lexicon_files=[lexicon],
    )
    built = build_runtime(settings)
    migrate(built.engine)
    yield built
    built.close()


def test_a_rejected_or_held_upload_asked_to_be_published_is_served_to_no_one(
    moderated: Runtime,
) -> None:
    """The adversary's attempt: ``publish=true`` with blocklisted bytes, or text the lexicon
    holds. Both are recorded, and neither is published nor served: the content answers 409 (as
    publishing a private work would), to anyone, and no answer says it is published."""
    runtime = moderated
    moderator, publisher = bearer(runtime, "moderator"), bearer(runtime, "publisher")
    pirated, flagged = b"pirated copy of a bestseller", "这里有禁词。".encode()
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        listed = client.post(
            "/v1/moderation/blocklist",
            headers=moderator,
            json={"algorithm": "sha256", "value": hashlib.sha256(pirated).hexdigest(),
                  "reason": "盗版"},
        )  # fmt: skip
        assert listed.status_code == 201, listed.text
        numbers = {}
        for content, status, code in (
            (pirated, "rejected", "publication_rejected"),
            (flagged, "held", "publication_held"),
        ):
            posted = client.post(
                "/v1/works",
                files={"file": ("x.txt", content)},
                data={"metadata": json.dumps({"title": "x"}), "publish": "true"},
                headers=publisher,
            )
            assert posted.status_code == 201, posted.text
            body = posted.json()
            assert (body["status"], body["published_at"]) == (status, None)
            number = numbers[status] = body["number"]
            for headers in ({}, publisher, moderator):  # nobody gets it as published content
                served = client.get(f"/v1/works/{number}/content", headers=headers)
                assert (served.status_code, served.json()["code"]) == (409, code)
                assert content not in served.content
            assert client.get(f"/v1/works/{number}").json()["published_at"] is None
            (verified,) = client.get(
                "/v1/verify", params={"sha256": hashlib.sha256(content).hexdigest()}
            ).json()["registrations"]
            assert verified["published_at"] is None
            own = client.get(f"/v1/works/{number}/private-content", headers=publisher)
            assert (own.status_code, own.content) == (200, content)  # its registrant reads it

        # A moderator accepts the held one: it stays unpublished until its registrant publishes
        # it, and that publication goes through the hooks again.
        held = numbers["held"]
        (item,) = client.get(
            "/v1/moderation/review", params={"kind": "registration"}, headers=moderator
        ).json()
        decided = client.post(
            f"/v1/moderation/review/{item['id']}/decision",
            json={"decision": "accept", "reason": ""},
            headers=moderator,
        )
        assert decided.status_code == 200, decided.text
        private = client.get(f"/v1/works/{held}/content")
        assert (private.status_code, private.json()["code"]) == (403, "content_private")
        again = client.post(f"/v1/works/{held}/publish", headers=publisher)
        assert (again.status_code, again.json()["code"]) == (409, "publication_held")
        publication = again.json()["details"]["review_item"]
        assert (
            client.post(
                f"/v1/moderation/review/{publication}/decision",
                json={"decision": "accept", "reason": ""},
                headers=moderator,
            ).status_code
            == 200
        )
        published = client.post(f"/v1/works/{held}/publish", headers=publisher)
        assert published.status_code == 200, published.text
        assert published.json()["published_at"] is not None
        assert client.get(f"/v1/works/{held}/content").content == flagged
        # The rejected one stays refused.
        rejected = client.post(f"/v1/works/{numbers['rejected']}/publish", headers=publisher)
        assert (rejected.status_code, rejected.json()["code"]) == (409, "publication_rejected")


def test_held_and_rejected_registrations_answer_as_such_on_every_face(
    moderated: Runtime,
) -> None:
    """Moderation's verdict is the registry's word everywhere: a rejected registration is
    listed with its status but is not `registered` (single, bulk and file lookups alike); a
    held one is, and says it is held; neither gets a metadata export that vouches for it."""
    runtime = moderated
    moderator, publisher = bearer(runtime, "moderator"), bearer(runtime, "publisher")
    pirated, flagged = b"pirated copy, bulk and file", "又一处禁词。".encode()
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        client.post(
            "/v1/moderation/blocklist",
            headers=moderator,
            json={"algorithm": "sha256", "value": hashlib.sha256(pirated).hexdigest(),
                  "reason": "盗版"},
        )  # fmt: skip
        numbers = {}
        for content in (pirated, flagged):
            posted = client.post(
                "/v1/works",
                files={"file": ("x.txt", content)},
                data={"metadata": json.dumps({"title": "x"})},
                headers=publisher,
            )
            numbers[posted.json()["status"]] = posted.json()["number"]
        assert set(numbers) == {"rejected", "held"}
        for status, content in (("rejected", pirated), ("held", flagged)):
            number, counts = numbers[status], status == "held"
            for export in ("metadata.jsonld", "onix.xml"):
                refused = client.get(f"/v1/works/{number}/{export}")
                code = "registration_held" if counts else "registration_refused"
                assert (refused.status_code, refused.json()["code"]) == (409, code)
            digest = hashlib.sha256(content).hexdigest()
            single = client.get("/v1/verify", params={"sha256": digest}).json()
            assert single["registered"] is counts
            assert [r["status"] for r in single["registrations"]] == [status]
            upload = client.post("/v1/verify/file", files={"file": ("x.txt", content)}).json()
            assert (upload["registered"], upload["registrations"][0]["number"]) == (counts, number)
        bulk = client.post(
            "/v1/verify/bulk",
            json={"algorithm": "sha256",
                  "digests": [hashlib.sha256(c).hexdigest() for c in (pirated, flagged)]},
        ).json()  # fmt: skip
        assert bulk["registered"] == 1
        assert [item["registered"] for item in bulk["results"]] == [False, True]


def moderated_runtime(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, **extra: object
) -> Runtime:
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("禁词\tpolitics\n", encoding="utf-8")
    built = build_runtime(
        make_settings(
            tmp_path / "data",
            database_url,
            anvil.rpc_url,
            moderation_hooks=["blocklist", "conflict", "lexicon"],
            moderation_lexicon_files=[lexicon],
            **extra,
        )
    )
    migrate(built.engine)
    return built


def published_upload(client: TestClient, text: str, headers: dict[str, str]) -> dict[str, Any]:
    """The answer to an upload of ``text`` (repeated) asked to be published."""
    answer = client.post(
        "/v1/works", files={"file": ("a.txt", text.encode() * 50)},
        data={"metadata": json.dumps({"title": text[:8]}), "publish": "true"}, headers=headers,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_another_publisher_cannot_register_by_cid_a_work_taken_down(
    tmp_path: Path, database_url: str, anvil: AnvilProcess
) -> None:
    """The store holds the clear blocks of a published work taken down: read back for another
    publisher's by-CID registration, they would be served again as its work's content."""
    runtime = moderated_runtime(tmp_path, database_url, anvil)
    try:
        with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
            owner, other = bearer(runtime, "publisher"), bearer(runtime, "publisher")
            first = published_upload(client, "一部已发表、随后被下架的作品。", owner)
            cid = first["cid"]
            assert runtime.new_batcher().run_once().error is None
            taken = client.post(
                "/v1/moderation/takedowns",
                json={"registration": first["number"], "reason": "法院裁定"},
                headers=bearer(runtime, "moderator"),
            )
            assert taken.status_code == 201, taken.text
            assert client.get(f"/v1/works/{first['number']}/content").status_code == 451
            before = registrations(runtime)
            again = client.post(
                "/v1/works/by-cid", json={"cid": cid, "metadata": {"title": "x"}}, headers=other
            )
            assert again.status_code == 403, again.text
            assert again.json()["code"] == "content_private"
            assert again.json()["details"] == {"cid": cid}
            assert registrations(runtime) == before
            # Its own registrant holds the bytes anyway: its by-CID registration is read.
            own = client.post(
                "/v1/works/by-cid", json={"cid": cid, "metadata": {"title": "再版"}}, headers=owner
            )
            assert own.status_code == 201, own.text
    finally:
        runtime.close()


def test_another_publisher_cannot_register_by_cid_a_held_work_on_kubo(
    tmp_path: Path, database_url: str, anvil: AnvilProcess
) -> None:
    """A held upload asked to be published leaves its clear blocks in the Kubo node until its
    garbage collection: the registry never reads them for another publisher."""
    kubo = FakeKubo()
    with serve_asgi(kubo.app()) as kubo_url:
        runtime = moderated_runtime(
            tmp_path, database_url, anvil, content_backend="kubo", kubo_api_url=kubo_url
        )
        try:
            with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
                owner, other = bearer(runtime, "publisher"), bearer(runtime, "publisher")
                held = published_upload(client, "书稿含禁词，待审核，从未公开。", owner)
                assert held["status"] == "held", held
                assert client.get(f"/v1/works/{held['number']}/content").status_code == 409
                assert held["cid"] not in kubo.blocks  # the node never had the clear blocks
                before = registrations(runtime)
                again = client.post(
                    "/v1/works/by-cid", json={"cid": held["cid"], "metadata": {"title": "x"}},
                    headers=other,
                )  # fmt: skip
                assert again.status_code == 403, again.text
                assert again.json()["code"] == "content_private"
                assert registrations(runtime) == before
        finally:
            runtime.close()
