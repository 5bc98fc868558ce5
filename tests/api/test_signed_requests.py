"""Keys bound to a signing key: every request signed (SM2 or secp256k1), stale timestamps and
replayed nonces refused, and nothing changes when refused."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from crypto.secp256k1 import Secp256k1PrivateKey
from crypto.signing import KeySigner, generate_private_key, public_key_to_json
from registry.access import create_party, revoke_key
from registry.access.keys import create_api_key, request_signing_message
from registry.access.parties import key_identifier
from registry.core.errors import PartyRevoked, SignerOfAnotherParty
from registry.core.models import Registration
from registry.platform.runtime import Runtime

META = json.dumps({"title": "签名请求"})


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def registrations(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Registration)) or 0


def signed_post(
    client: TestClient,
    key: str,
    signer: KeySigner,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
    tamper: bool = False,
) -> tuple[int, str]:
    draft = client.build_request(
        "POST", "/v1/works", files={"file": ("s.txt", b"signed upload")}, data={"metadata": META}
    )
    body = draft.read()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or secrets.token_hex(12)
    signed = body + (b"x" if tamper else b"")
    message = request_signing_message("POST", "/v1/works", signed, stamp, nonce)
    request = client.build_request(
        "POST",
        "/v1/works",
        content=body,
        headers={
            "Content-Type": draft.headers["Content-Type"],
            "Authorization": f"Bearer {key}",
            "X-Banquan-Timestamp": stamp,
            "X-Banquan-Nonce": nonce,
            "X-Banquan-Signature": signer.sign(message).to_text(),
        },
    )
    response = client.send(request)
    return response.status_code, response.json().get("code", "")


@pytest.mark.parametrize("algorithm", ["sm2", "secp256k1"])
def test_signed_requests_pass_and_replays_or_forgeries_do_not(
    client: TestClient, runtime: Runtime, algorithm: str
) -> None:
    signer = KeySigner(generate_private_key(algorithm))
    key = create_api_key(
        runtime.sessions, name="signed", scopes=["publisher"], now=runtime.now,
        signing_key=signer.public_key,
    ).secret  # fmt: skip
    assert signed_post(client, key, signer, nonce="nonce-0001") == (201, "")
    assert signed_post(client, key, signer, nonce="nonce-0001") == (401, "replayed_request")
    assert signed_post(client, key, signer, timestamp=int(time.time()) - 3600) == (
        401,
        "stale_request",
    )
    assert signed_post(client, key, signer, tamper=True) == (401, "invalid_request_signature")
    other = KeySigner(generate_private_key(algorithm))
    assert signed_post(client, key, other) == (401, "invalid_request_signature")
    unsigned = client.post(
        "/v1/works", files={"file": ("u.txt", b"unsigned")}, data={"metadata": META},
        headers={"Authorization": f"Bearer {key}"},
    )  # fmt: skip
    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "invalid_request_signature"
    assert registrations(runtime) == 1


def test_admin_binds_a_signing_key_to_a_new_key(client: TestClient, runtime: Runtime) -> None:
    admin = create_api_key(runtime.sessions, name="admin", scopes=["admin"], now=runtime.now)
    signer = KeySigner(generate_private_key("sm2"))
    created = client.post(
        "/v1/admin/keys",
        json={"name": "签名出版社", "scopes": ["publisher"],
              "signing_key": public_key_to_json(signer.public_key)},
        headers={"Authorization": f"Bearer {admin.secret}"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert signed_post(client, created.json()["key"], signer) == (201, "")
    bad = client.post(
        "/v1/admin/keys",
        json={
            "name": "x",
            "scopes": ["publisher"],
            "signing_key": {"algorithm": "sm2", "public_key": "04"},
        },
        headers={"Authorization": f"Bearer {admin.secret}"},
    )
    assert bad.status_code == 400


def test_the_signature_covers_the_query_string(client: TestClient, runtime: Runtime) -> None:
    """A signed request's parameters cannot be changed on its way: the query string is signed
    with the path, and one changed after signing (or left out of what was signed) is refused."""
    signer = KeySigner(generate_private_key("sm2"))
    key = create_api_key(
        runtime.sessions, name="signed", scopes=["publisher"], now=runtime.now,
        signing_key=signer.public_key,
    ).secret  # fmt: skip

    def get(sent: str, signed: str) -> int:
        stamp, nonce = str(int(time.time())), secrets.token_hex(12)
        message = request_signing_message("GET", signed, b"", stamp, nonce)
        headers = {
            "Authorization": f"Bearer {key}",
            "X-Banquan-Timestamp": stamp,
            "X-Banquan-Nonce": nonce,
            "X-Banquan-Signature": signer.sign(message).to_text(),
        }
        return client.get(sent, headers=headers).status_code

    assert get("/v1/works?limit=5", "/v1/works?limit=5") == 200
    assert get("/v1/works", "/v1/works") == 200
    assert get("/v1/works?limit=500", "/v1/works?limit=5") == 401  # changed on the way
    assert get("/v1/works?limit=5", "/v1/works") == 401  # the query left out of the signature


def test_a_revoked_signing_key_signs_no_more_requests(client: TestClient, runtime: Runtime) -> None:
    signer = KeySigner(generate_private_key("sm2"))
    party = create_party(
        runtime.sessions, public_name="出版社", keys=[key_identifier(signer.public_key)],
        now=runtime.now,
    )  # fmt: skip
    key = create_api_key(
        runtime.sessions, name="signed", scopes=["publisher"], now=runtime.now,
        signing_key=signer.public_key, party=party.party_id,
    ).secret  # fmt: skip
    assert signed_post(client, key, signer) == (201, "")
    # The key leaked and its party revoked it: the API key it signs for authenticates no more.
    revoke_key(runtime.sessions, party.party_id, party.keys[0].fingerprint, now=runtime.now)
    assert signed_post(client, key, signer) == (401, "unauthenticated")
    assert registrations(runtime) == 1
    # Nor is a new API key bound to it, for its party or any other.
    with pytest.raises(PartyRevoked):
        create_api_key(
            runtime.sessions, name="again", scopes=["publisher"], now=runtime.now,
            signing_key=signer.public_key, party=party.party_id,
        )  # fmt: skip
    with pytest.raises(PartyRevoked):
        create_api_key(
            runtime.sessions, name="elsewhere", scopes=["publisher"], now=runtime.now,
            signing_key=signer.public_key,
        )  # fmt: skip


def test_an_api_key_is_not_bound_to_another_partys_signing_key(runtime: Runtime) -> None:
    account = Secp256k1PrivateKey.generate()
    signer = KeySigner(account)
    create_party(
        runtime.sessions, public_name="出版社", keys=[f"address:{account.public_key.address}"],
        now=runtime.now,
    )  # fmt: skip
    # Linked as its account's address: the key itself is the same account.
    with pytest.raises(SignerOfAnotherParty):
        create_api_key(
            runtime.sessions, name="intruder", scopes=["publisher"], now=runtime.now,
            signing_key=signer.public_key,
        )  # fmt: skip
