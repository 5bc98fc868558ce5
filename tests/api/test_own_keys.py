"""A party links its own keys through the API by proof of possession, and revokes them.

Each refusal is tried first by the party that is not entitled (another party, a proof of the
wrong key, a used or expired proof) and leaves the parties and keys as they were.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from crypto.signing import KeySigner, generate_private_key
from registry.access import create_api_key, create_party
from registry.access.parties import key_identifier
from registry.core.models import PartyKey
from registry.platform.runtime import Runtime
from tests.api.test_parties import counts


@dataclasses.dataclass
class Acting:
    party_id: str
    headers: dict[str, str]


def acting_party(runtime: Runtime, name: str, scope: str = "publisher") -> Acting:
    party = create_party(runtime.sessions, public_name=name, now=runtime.now).party_id
    issued = create_api_key(
        runtime.sessions, name=name, scopes=[scope], party=party, now=runtime.now
    )
    return Acting(party, {"Authorization": f"Bearer {issued.secret}"})


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def challenge(client: TestClient, who: Acting, key: object) -> dict[str, object]:
    answer = client.post("/v1/parties/me/keys/challenge", json={"key": key}, headers=who.headers)
    assert answer.status_code == 200, answer.text
    document: dict[str, object] = answer.json()
    return document


def proof(document: dict[str, object], signer: KeySigner) -> dict[str, object]:
    message = str(document["message"]).encode()
    return {"statement": document["statement"], "signature": signer.sign(message).to_text()}


def identifier(signer: KeySigner) -> str:
    return key_identifier(signer.public_key)


def test_another_party_cannot_link_a_key_it_does_not_hold(
    runtime: Runtime, client: TestClient
) -> None:
    holder, intruder = acting_party(runtime, "甲出版社"), acting_party(runtime, "乙出版社")
    wanted = KeySigner(generate_private_key("sm2"))
    own = KeySigner(generate_private_key("sm2"))
    before = counts(runtime)

    # The intruder asks to link the holder's key and signs with a key of its own.
    document = challenge(client, intruder, identifier(wanted))
    forged = client.post("/v1/parties/me/keys", json=proof(document, own), headers=intruder.headers)
    assert forged.status_code == 422, forged.text
    assert forged.json()["code"] == "invalid_key_proof_signature"

    # The holder's genuine proof, for the holder's party, presented by the intruder.
    genuine = proof(challenge(client, holder, identifier(wanted)), wanted)
    stolen = client.post("/v1/parties/me/keys", json=genuine, headers=intruder.headers)
    assert stolen.status_code == 422, stolen.text
    assert stolen.json()["code"] == "invalid_key_proof"

    # A statement rewritten to name the intruder no longer matches its signature.
    rewritten = {**genuine, "statement": {**genuine["statement"], "party": intruder.party_id}}  # type: ignore[dict-item]
    altered = client.post("/v1/parties/me/keys", json=rewritten, headers=intruder.headers)
    assert altered.status_code == 422
    assert altered.json()["code"] == "invalid_key_proof_signature"
    assert counts(runtime) == before

    linked = client.post("/v1/parties/me/keys", json=genuine, headers=holder.headers)
    assert linked.status_code == 201, linked.text
    assert [k["identifier"] for k in linked.json()["keys"]] == [identifier(wanted)]


def test_a_key_of_another_party_is_refused(runtime: Runtime, client: TestClient) -> None:
    owner, other = acting_party(runtime, "甲出版社"), acting_party(runtime, "乙出版社")
    shared = KeySigner(generate_private_key("secp256k1"))
    linked = client.post(
        "/v1/parties/me/keys",
        json=proof(challenge(client, owner, identifier(shared)), shared),
        headers=owner.headers,
    )
    assert linked.status_code == 201, linked.text
    before = counts(runtime)

    asked = client.post(
        "/v1/parties/me/keys/challenge", json={"key": identifier(shared)}, headers=other.headers
    )
    assert asked.status_code == 409
    assert asked.json()["code"] == "party_key_taken"

    # Even signed by the key's holder, a statement naming the other party links nothing.
    statement = {**linked.json()["keys"][0]}  # the key as the owner's party shows it
    assert statement["identifier"] == identifier(shared)
    from registry.access import KeyLinkStatement

    made = KeyLinkStatement(
        other.party_id,
        identifier(shared),
        "ab" * 16,
        runtime.now().replace(microsecond=0),
        runtime.now().replace(microsecond=0) + timedelta(minutes=5),
    )
    signed = {"statement": made.to_json(), "signature": shared.sign(made.message()).to_text()}
    taken = client.post("/v1/parties/me/keys", json=signed, headers=other.headers)
    assert taken.status_code == 409, taken.text
    assert taken.json()["code"] == "party_key_taken"
    assert counts(runtime) == before


def test_a_used_proof_is_refused_even_after_the_key_is_revoked(
    runtime: Runtime, client: TestClient
) -> None:
    party = acting_party(runtime, "甲出版社")
    key = KeySigner(generate_private_key("sm2"))
    signed = proof(challenge(client, party, identifier(key)), key)
    first = client.post("/v1/parties/me/keys", json=signed, headers=party.headers)
    assert first.status_code == 201, first.text
    fingerprint = first.json()["keys"][0]["fingerprint"]

    replayed = client.post("/v1/parties/me/keys", json=signed, headers=party.headers)
    assert replayed.status_code == 409
    assert replayed.json()["code"] == "key_proof_used"

    revoked = client.delete(f"/v1/parties/me/keys/{fingerprint}", headers=party.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["keys"][0]["revoked_at"] is not None
    before = counts(runtime)
    again = client.post("/v1/parties/me/keys", json=signed, headers=party.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "key_proof_used"
    assert counts(runtime) == before


def test_an_expired_proof_is_refused(runtime: Runtime, client: TestClient) -> None:
    party = acting_party(runtime, "甲出版社")
    key = KeySigner(generate_private_key("secp256k1"))
    signed = proof(challenge(client, party, identifier(key)), key)
    before = counts(runtime)
    started = runtime.now()
    runtime.now = lambda: started + timedelta(minutes=6)
    late = client.post("/v1/parties/me/keys", json=signed, headers=party.headers)
    assert late.status_code == 422, late.text
    assert late.json()["code"] == "key_proof_expired"

    # Nor can the signer stretch its own statement past 5 minutes.
    from registry.access import KeyLinkStatement

    now = runtime.now().replace(microsecond=0)
    long_lived = KeyLinkStatement(
        party.party_id, identifier(key), "cd" * 16, now, now + timedelta(hours=1)
    )
    stretched = client.post(
        "/v1/parties/me/keys",
        json={
            "statement": long_lived.to_json(),
            "signature": key.sign(long_lived.message()).to_text(),
        },
        headers=party.headers,
    )
    assert stretched.status_code == 422
    assert stretched.json()["code"] == "key_proof_expired"
    assert counts(runtime) == before


def test_an_address_is_linked_by_a_signature_that_recovers_to_it(
    runtime: Runtime, client: TestClient
) -> None:
    party = acting_party(runtime, "某商业银行", scope="lender")
    account = Account.create()
    document = challenge(client, party, account.address)
    assert document["statement"]["key"] == f"address:{account.address}"  # type: ignore[index]
    stranger = KeySigner(generate_private_key("secp256k1"))
    wrong = client.post(
        "/v1/parties/me/keys", json=proof(document, stranger), headers=party.headers
    )
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "invalid_key_proof_signature"

    from crypto.secp256k1 import Secp256k1PrivateKey

    holder = KeySigner(Secp256k1PrivateKey.from_bytes(bytes(account.key)))
    linked = client.post("/v1/parties/me/keys", json=proof(document, holder), headers=party.headers)
    assert linked.status_code == 201, linked.text
    assert linked.json()["addresses"] == [account.address]


def test_a_party_revokes_only_its_own_keys(runtime: Runtime, client: TestClient) -> None:
    owner, other = acting_party(runtime, "甲出版社"), acting_party(runtime, "乙出版社")
    key = KeySigner(generate_private_key("sm2"))
    linked = client.post(
        "/v1/parties/me/keys",
        json=proof(challenge(client, owner, identifier(key)), key),
        headers=owner.headers,
    ).json()
    fingerprint = linked["keys"][0]["fingerprint"]
    mine = client.get("/v1/parties/me", headers=owner.headers).json()
    assert mine["party_id"] == owner.party_id
    assert [k["fingerprint"] for k in mine["keys"]] == [fingerprint]

    refused = client.delete(f"/v1/parties/me/keys/{fingerprint}", headers=other.headers)
    assert refused.status_code == 404
    assert refused.json()["code"] == "party_key_not_found"
    with runtime.sessions() as session:
        row = session.scalar(select(PartyKey).where(PartyKey.fingerprint == fingerprint))
        assert row is not None
        assert row.revoked_at is None

    regulator = acting_party(runtime, "监管", scope="regulator")
    assert (
        client.delete(f"/v1/parties/me/keys/{fingerprint}", headers=regulator.headers).status_code
        == 403
    )
    assert (
        client.delete(f"/v1/parties/me/keys/{fingerprint}", headers=owner.headers).status_code
        == 200
    )


def test_a_revoked_party_links_nothing(runtime: Runtime, client: TestClient) -> None:
    from registry.access import link_own_key, revoke_party
    from registry.access.parties import party_pk
    from registry.core.errors import PartyRevoked

    party = acting_party(runtime, "甲出版社")
    key = KeySigner(generate_private_key("sm2"))
    signed = proof(challenge(client, party, identifier(key)), key)
    revoke_party(runtime.sessions, party.party_id, now=runtime.now)
    before = counts(runtime)
    assert client.post("/v1/parties/me/keys", json=signed, headers=party.headers).status_code == 401
    with runtime.sessions() as session:
        row = party_pk(session, party.party_id)
    with pytest.raises(PartyRevoked):
        link_own_key(
            runtime.sessions,
            row,
            signed["statement"],
            str(signed["signature"]),
            now=runtime.now,
        )
    assert counts(runtime) == before


def test_the_signed_message_is_the_canonical_statement(
    runtime: Runtime, client: TestClient
) -> None:
    from crypto.canonical import canonical_json

    party = acting_party(runtime, "甲出版社")
    key = KeySigner(generate_private_key("sm2"))
    document = challenge(client, party, identifier(key))
    assert str(document["message"]).encode() == canonical_json(document["statement"])
    statement = document["statement"]
    assert isinstance(statement, dict)
    assert statement["party"] == party.party_id
    assert statement["purpose"] == "link-key"
    assert statement["key"] == identifier(key)
