"""Proof of possession for a party's own keys (registry.access.key_links): the statement's form,
its time window, and the signature of exactly the key it links."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crypto.signing import KeySigner, generate_private_key
from crypto.sm2 import SM2PrivateKey
from registry.access import (
    KeyLinkStatement,
    create_party,
    key_link_statement,
    link_own_key,
)
from registry.access.parties import key_identifier, party_pk
from registry.core.errors import (
    InvalidKeyProof,
    KeyProofExpired,
    KeyProofSignatureInvalid,
    KeyWithoutParty,
)
from registry.platform.runtime import Runtime


def party_row(runtime: Runtime, name: str = "甲出版社") -> int:
    party_id = create_party(runtime.sessions, public_name=name, now=runtime.now).party_id
    with runtime.sessions() as session:
        return party_pk(session, party_id)


def signed(statement: KeyLinkStatement, signer: KeySigner) -> tuple[dict[str, str], str]:
    return statement.to_json(), signer.sign(statement.message()).to_text()


def test_an_sm2_key_proves_possession_with_the_default_id(runtime: Runtime) -> None:
    row = party_row(runtime)
    own_id = SM2PrivateKey.generate(b"ALICE123@YAHOO.COM")
    statement = key_link_statement(
        runtime.sessions, row, key_identifier(own_id.public_key), now=runtime.now
    )
    # Signed under another distinguishing ID, Z_A differs: not the statement's check.
    with pytest.raises(KeyProofSignatureInvalid):
        link_own_key(runtime.sessions, row, *signed(statement, KeySigner(own_id)), now=runtime.now)
    default = KeySigner(SM2PrivateKey.from_bytes(own_id.to_bytes()))
    view = link_own_key(runtime.sessions, row, *signed(statement, default), now=runtime.now)
    assert [k.identifier for k in view.keys] == [key_identifier(own_id.public_key)]


def test_malformed_or_future_statements_are_refused(runtime: Runtime) -> None:
    row = party_row(runtime)
    key = KeySigner(generate_private_key("secp256k1"))
    statement = key_link_statement(
        runtime.sessions, row, key_identifier(key.public_key), now=runtime.now
    )
    document, signature = signed(statement, key)
    for broken in (
        {**document, "purpose": "login"},
        {**document, "type": "banquan.claim/2"},
        {**document, "nonce": "xyz"},
        {**document, "extra": "1"},
        {**document, "issued_at": "yesterday"},
    ):
        with pytest.raises(InvalidKeyProof):
            link_own_key(runtime.sessions, row, broken, signature, now=runtime.now)
    future = KeyLinkStatement(
        statement.party,
        statement.key,
        "ef" * 16,
        statement.issued_at + timedelta(minutes=3),
        statement.issued_at + timedelta(minutes=4),
    )
    with pytest.raises(KeyProofExpired):
        link_own_key(runtime.sessions, row, *signed(future, key), now=runtime.now)
    with pytest.raises(KeyWithoutParty):
        link_own_key(runtime.sessions, None, document, signature, now=runtime.now)
    assert describe_keys(runtime, statement.party) == []


def describe_keys(runtime: Runtime, party_id: str) -> list[str]:
    from registry.access import describe_party

    return [k.identifier for k in describe_party(runtime.sessions, party_id).keys]
