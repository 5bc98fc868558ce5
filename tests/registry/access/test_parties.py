"""Parties: one subject behind API keys, signing keys and addresses, whichever face it uses."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from crypto.secp256k1 import Secp256k1PrivateKey, Secp256k1PublicKey
from crypto.signing import KeySigner, generate_private_key
from registry.access import (
    create_api_key,
    create_party,
    describe_party,
    link_key,
    revoke_api_key,
    revoke_key,
    revoke_party,
)
from registry.access.parties import (
    check_asset_owner,
    fingerprint,
    holder_of_address,
    key_identifier,
    party_address,
)
from registry.core.errors import (
    InvalidAddress,
    InvalidInput,
    OwnerNotOfParty,
    PartyKeyTaken,
    PartyNotFound,
    PartyRevoked,
    SignerOfAnotherParty,
)
from registry.core.metadata import WorkMetadata
from registry.core.models import ApiKey, Party, Registration, WebhookSubscription
from registry.core.views import PartyRef
from registry.platform.runtime import Runtime
from registry.platform.webhooks import create_subscription
from registry.proofs.verification import get_registration
from registry.registration.own_works import Caller, list_own_registrations, require_own
from registry.registration.registrar import Registrar

ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER_ADDRESS = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def registrar(runtime: Runtime, signer: KeySigner | None = None) -> Registrar:
    return Registrar(
        runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now
    ).signing_with(signer)


def register(
    runtime: Runtime, text: str, *, signer: KeySigner | None = None, submitted_by: str | None = None
) -> str:
    return (
        registrar(runtime, signer)
        .register(
            io.BytesIO(text.encode()),
            WorkMetadata.from_mapping({"title": text}),
            submitted_by=submitted_by,
        )
        .number
    )


def registrations(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Registration)) or 0


def test_a_key_belongs_to_one_party_for_good(runtime: Runtime) -> None:
    signer = KeySigner(generate_private_key("sm2"))
    press = create_party(
        runtime.sessions, public_name="四川人民出版社", keys=[key_identifier(signer.public_key)],
        now=runtime.now,
    )  # fmt: skip
    rival = create_party(runtime.sessions, public_name="另一家出版社", now=runtime.now)
    with pytest.raises(PartyKeyTaken):
        link_key(
            runtime.sessions, rival.party_id, key_identifier(signer.public_key), now=runtime.now
        )
    fingerprint = press.keys[0].fingerprint
    revoke_key(runtime.sessions, press.party_id, fingerprint, now=runtime.now)
    with pytest.raises(PartyKeyTaken):  # revoked: still never linked elsewhere
        link_key(
            runtime.sessions, rival.party_id, key_identifier(signer.public_key), now=runtime.now
        )
    assert describe_party(runtime.sessions, rival.party_id).keys == ()


def test_addresses_come_from_linked_addresses_and_secp256k1_keys(runtime: Runtime) -> None:
    chain_key = generate_private_key("secp256k1")
    party = create_party(
        runtime.sessions, public_name="出版社", kind="organisation",
        keys=[ADDRESS.lower(), key_identifier(chain_key.public_key)], now=runtime.now,
    )  # fmt: skip
    assert party.addresses == (ADDRESS, chain_key.public_key.address)  # type: ignore[union-attr]
    assert {k.kind for k in party.keys} == {"address", "secp256k1"}


def test_an_address_is_told_as_the_partys_only_while_its_link_stands(runtime: Runtime) -> None:
    chain_key = generate_private_key("secp256k1")
    key_address = chain_key.public_key.address  # type: ignore[union-attr]
    party = create_party(
        runtime.sessions, public_name="持有人", kind="organisation",
        keys=[ADDRESS, key_identifier(chain_key.public_key)], now=runtime.now,
    )  # fmt: skip
    other = create_party(runtime.sessions, public_name="他人", kind="person", now=runtime.now)
    with runtime.sessions() as session:
        assert holder_of_address(session, ADDRESS) == PartyRef(party.party_id, "持有人")
        assert holder_of_address(session, key_address) == PartyRef(party.party_id, "持有人")
        assert holder_of_address(session, OTHER_ADDRESS) is None  # proved by nobody
    revoke_key(runtime.sessions, party.party_id, fingerprint(f"address:{ADDRESS}"), now=runtime.now)
    revoke_party(runtime.sessions, other.party_id, now=runtime.now)
    with runtime.sessions() as session:
        assert holder_of_address(session, ADDRESS) is None
        assert holder_of_address(session, key_address) == PartyRef(party.party_id, "持有人")
    revoke_party(runtime.sessions, party.party_id, now=runtime.now)
    with runtime.sessions() as session:
        assert holder_of_address(session, key_address) is None


def test_linking_a_key_makes_the_registrations_it_signed_before_the_partys(
    runtime: Runtime,
) -> None:
    """A registrant signs a claim from the command line with a key of no party, then links the
    key to its new party and registers the same bytes again: both are the party's, and the
    party holds the prior claim (it is not told another party came first)."""
    signer = KeySigner(generate_private_key("sm2"))
    before = register(runtime, "先用密钥登记的作品", signer=signer)
    assert get_registration(runtime.sessions, before).party is None
    party = create_party(runtime.sessions, public_name="后建的出版社", now=runtime.now)
    link_key(runtime.sessions, party.party_id, key_identifier(signer.public_key), now=runtime.now)
    again = register(runtime, "先用密钥登记的作品", signer=signer)

    for number in (before, again):
        view = get_registration(runtime.sessions, number)
        assert view.party is not None
        assert view.party.party_id == party.party_id
        assert view.priority is not None
        assert view.priority.first.number == before
        assert view.priority.later == ()
        assert view.priority.is_first


@pytest.mark.parametrize(
    ("key", "error"),
    [
        ("0x1234", InvalidAddress),
        ("sm2:04abcd", InvalidInput),
        ("rsa:00", InvalidInput),
        ({"algorithm": "sm2"}, InvalidInput),
    ],
)
def test_a_malformed_key_is_refused_and_links_nothing(
    runtime: Runtime, key: object, error: type[Exception]
) -> None:
    party = create_party(runtime.sessions, public_name="出版社", now=runtime.now)
    with pytest.raises(error):
        link_key(runtime.sessions, party.party_id, key, now=runtime.now)
    assert describe_party(runtime.sessions, party.party_id).keys == ()


def test_unknown_party_and_bad_kind_are_refused(runtime: Runtime) -> None:
    with pytest.raises(PartyNotFound):
        link_key(runtime.sessions, "party_0000000000000000", ADDRESS, now=runtime.now)
    with pytest.raises(InvalidInput):
        create_party(runtime.sessions, public_name="某人", kind="robot", now=runtime.now)


def test_command_line_and_api_act_as_the_same_party(runtime: Runtime) -> None:
    signer = KeySigner(generate_private_key("sm2"))
    press = create_party(
        runtime.sessions, public_name="四川人民出版社", keys=[key_identifier(signer.public_key)],
        now=runtime.now,
    )  # fmt: skip
    api_key = create_api_key(
        runtime.sessions, name="press web", scopes=["publisher"], now=runtime.now,
        party=press.party_id,
    )  # fmt: skip
    other = create_api_key(runtime.sessions, name="other", scopes=["publisher"], now=runtime.now)
    from_cli = register(runtime, "命令行登记的书", signer=signer)  # no API key at all
    from_api = register(runtime, "接口登记的书", submitted_by=api_key.key_id)

    with runtime.sessions() as session:
        party_row = session.scalar(
            select(Registration.party_id).where(Registration.number == from_cli)
        )
    press_caller = Caller(api_key.key_id, party=party_row)
    listed = list_own_registrations(runtime.sessions, press_caller).registrations
    assert {view.number for view in listed} == {from_cli, from_api}
    require_own(runtime.sessions, press_caller, from_cli)

    # Another party's key reaches neither.
    with runtime.sessions() as session:
        other_row = session.scalar(
            select(func.min(Registration.party_id)).where(Registration.party_id != party_row)
        )
    outsider = Caller(other.key_id, party=other_row)
    assert list_own_registrations(runtime.sessions, outsider).registrations == []


def test_a_claim_signed_by_another_partys_key_is_refused(runtime: Runtime) -> None:
    victim_key = KeySigner(generate_private_key("sm2"))
    victim = key_identifier(victim_key.public_key)
    create_party(runtime.sessions, public_name="被冒用的出版社", keys=[victim], now=runtime.now)
    intruder = create_api_key(
        runtime.sessions, name="intruder", scopes=["publisher"], now=runtime.now
    )
    with pytest.raises(SignerOfAnotherParty):
        register(runtime, "冒名登记", signer=victim_key, submitted_by=intruder.key_id)
    assert registrations(runtime) == 0


def test_a_revoked_key_signs_nothing_more(runtime: Runtime) -> None:
    signer = KeySigner(generate_private_key("secp256k1"))
    party = create_party(
        runtime.sessions, public_name="出版社", keys=[key_identifier(signer.public_key)],
        now=runtime.now,
    )  # fmt: skip
    register(runtime, "撤销之前", signer=signer)
    revoke_key(runtime.sessions, party.party_id, party.keys[0].fingerprint, now=runtime.now)
    with pytest.raises(PartyRevoked):
        register(runtime, "撤销之后", signer=signer)
    assert registrations(runtime) == 1


def test_a_revoked_party_loses_its_api_keys(runtime: Runtime) -> None:
    party = create_party(runtime.sessions, public_name="出版社", now=runtime.now)
    issued = create_api_key(
        runtime.sessions, name="k", scopes=["publisher"], now=runtime.now, party=party.party_id
    )
    headers = {"Authorization": f"Bearer {issued.secret}"}
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        assert client.get("/v1/works", headers=headers).status_code == 200
        revoke_party(runtime.sessions, party.party_id, now=runtime.now)
        refused = client.get("/v1/works", headers=headers)
    assert refused.status_code == 401
    with pytest.raises(PartyRevoked):
        create_api_key(
            runtime.sessions, name="again", scopes=["publisher"], now=runtime.now,
            party=party.party_id,
        )  # fmt: skip


@pytest.mark.parametrize("linked_as", ["key", "address"])
def test_revoking_a_signing_key_revokes_the_api_keys_it_signs_for_and_stops_their_webhooks(
    runtime: Runtime, linked_as: str
) -> None:
    """A leaked request-signing key is revoked: the API keys bound to it are revoked with it,
    and the webhooks a thief subscribed with them hear nothing more. The party's other API keys
    keep working."""
    leaked = KeySigner(generate_private_key("secp256k1"))
    assert isinstance(leaked.public_key, Secp256k1PublicKey)
    spelling = (
        key_identifier(leaked.public_key)
        if linked_as == "key"
        else f"address:{leaked.public_key.address}"
    )
    party = create_party(runtime.sessions, public_name="甲出版社", keys=[spelling], now=runtime.now)
    integration = create_api_key(
        runtime.sessions, name="integration", scopes=["publisher"], now=runtime.now,
        signing_key=leaked.public_key, party=party.party_id,
    )  # fmt: skip
    other = create_api_key(
        runtime.sessions, name="ops", scopes=["publisher"], now=runtime.now, party=party.party_id
    )
    for key_id in (integration.key_id, other.key_id):
        create_subscription(
            runtime.sessions, key_id=key_id, url=f"https://receiver.example/{key_id}",
            event_types=None, algorithm="hmac-sha256", now=runtime.now,
            allow_private_targets=True,
        )  # fmt: skip
    revoke_key(runtime.sessions, party.party_id, party.keys[0].fingerprint, now=runtime.now)
    with runtime.sessions() as session:
        revoked = dict(session.execute(select(ApiKey.key_id, ApiKey.revoked_at.is_not(None))).all())
        active = dict(
            session.execute(select(WebhookSubscription.key_id, WebhookSubscription.active)).all()
        )
    assert revoked == {integration.key_id: True, other.key_id: False}
    assert active == {integration.key_id: False, other.key_id: True}


def test_an_asset_goes_only_to_an_address_of_the_registering_party(runtime: Runtime) -> None:
    party = create_party(runtime.sessions, public_name="出版社", keys=[ADDRESS], now=runtime.now)
    issued = create_api_key(
        runtime.sessions, name="k", scopes=["publisher"], now=runtime.now, party=party.party_id
    )
    number = register(runtime, "一本书", submitted_by=issued.key_id)
    with pytest.raises(OwnerNotOfParty):
        check_asset_owner(runtime.sessions, number, OTHER_ADDRESS)
    check_asset_owner(runtime.sessions, number, ADDRESS)


def test_minting_to_an_address_links_it_to_no_party(runtime: Runtime) -> None:
    # A party without an address mints where it chooses; an address it names becomes nobody's,
    # so it cannot claim another's address (that takes a proof of possession, or an admin).
    issued = create_api_key(
        runtime.sessions, name="新出版社", scopes=["publisher"], now=runtime.now
    )
    number = register(runtime, "第一本书", submitted_by=issued.key_id)
    check_asset_owner(runtime.sessions, number, ADDRESS)
    check_asset_owner(runtime.sessions, number, OTHER_ADDRESS)
    assert describe_party(runtime.sessions, issued.party).addresses == ()
    holder = create_party(runtime.sessions, public_name="持有人", keys=[ADDRESS], now=runtime.now)
    assert holder.addresses == (ADDRESS,)


def test_an_sm2_signed_claim_binds_the_registration_to_its_partys_address(
    runtime: Runtime,
) -> None:
    """The chain cannot check SM2, so the party's chain address stands for its SM2 key: only that
    address can then authorize minting the asset (registry.registration.claims.controller_for)."""
    from registry.content.ingest import describe
    from registry.registration.claims import ClientSignedClaim, claim_for

    def signed_by(signer: KeySigner, text: str) -> str:
        metadata = WorkMetadata.from_mapping({"title": text})
        claim = claim_for(
            describe(io.BytesIO(text.encode())), metadata, signer.public_key,
            registered_at=runtime.now(),
        )  # fmt: skip
        sent = ClientSignedClaim(claim=claim.to_json(), signature=claim.sign(signer).to_text())
        return (
            registrar(runtime)
            .register(io.BytesIO(text.encode()), metadata, client_signed=sent)
            .number
        )

    bound_key, unbound_key = (KeySigner(generate_private_key("sm2")) for _ in range(2))
    create_party(
        runtime.sessions, public_name="有地址的出版社",
        keys=[key_identifier(bound_key.public_key), ADDRESS], now=runtime.now,
    )  # fmt: skip
    unbound_id = key_identifier(unbound_key.public_key)
    create_party(runtime.sessions, public_name="无地址的出版社", keys=[unbound_id], now=runtime.now)
    bound = signed_by(bound_key, "绑定地址的书")
    unbound = signed_by(unbound_key, "未绑定地址的书")
    custodial = register(runtime, "托管登记的书", submitted_by=None)
    with runtime.sessions() as session:
        controllers = dict(
            session.execute(
                select(Registration.number, Registration.controller).where(
                    Registration.number.in_([bound, unbound, custodial])
                )
            ).all()
        )
    assert controllers == {bound: ADDRESS, unbound: None, custodial: None}


def test_party_address_is_the_first_of_the_party_addresses(runtime: Runtime) -> None:
    # A registration's controller comes from party_address: one column read, which must agree
    # with the party's view as keys are linked and revoked.
    sm2 = generate_private_key("sm2").public_key
    secp = generate_private_key("secp256k1").public_key
    party = create_party(
        runtime.sessions, public_name="测试出版社", keys=[key_identifier(sm2)], now=runtime.now
    )

    def first() -> str | None:
        with runtime.sessions() as session:
            row = session.scalar(select(Party.id).where(Party.party_id == party.party_id))
            return party_address(session, row)

    def expected() -> str | None:
        addresses = describe_party(runtime.sessions, party.party_id).addresses
        return addresses[0] if addresses else None

    assert first() is None  # an SM2 key has no chain address
    assert expected() is None
    link_key(runtime.sessions, party.party_id, f"address:{ADDRESS}", now=runtime.now)
    link_key(runtime.sessions, party.party_id, key_identifier(secp), now=runtime.now)
    assert first() == expected() == ADDRESS
    view = describe_party(runtime.sessions, party.party_id)
    revoke_key(runtime.sessions, party.party_id, view.keys[1].fingerprint, now=runtime.now)
    assert first() == expected() == Secp256k1PublicKey.from_bytes(secp.to_bytes()).address
    with runtime.sessions() as session:
        assert party_address(session, None) is None


def test_a_revoked_address_is_not_linked_again_as_its_secp256k1_key(runtime: Runtime) -> None:
    # A leaked account key: its address was linked, then revoked. Neither the thief (a new
    # party) nor anyone brings the account back under the other spelling, its public key.
    leaked = Secp256k1PrivateKey.generate()
    account = f"address:{leaked.public_key.address.lower()}"
    press = create_party(runtime.sessions, public_name="出版社", keys=[account], now=runtime.now)
    revoke_key(runtime.sessions, press.party_id, press.keys[0].fingerprint, now=runtime.now)
    thief = create_party(runtime.sessions, public_name="冒名者", now=runtime.now)
    for party in (thief.party_id, press.party_id):
        with pytest.raises(PartyKeyTaken) as taken:
            link_key(runtime.sessions, party, key_identifier(leaked.public_key), now=runtime.now)
        assert str(taken.value.details["address"]).lower() == leaked.public_key.address.lower()
    with pytest.raises(PartyKeyTaken):  # nor as a new party's key
        create_party(
            runtime.sessions, public_name="又一个", keys=[key_identifier(leaked.public_key)],
            now=runtime.now,
        )  # fmt: skip
    assert describe_party(runtime.sessions, thief.party_id).keys == ()


def test_a_linked_secp256k1_key_takes_its_address_too(runtime: Runtime) -> None:
    key = Secp256k1PrivateKey.generate()
    create_party(
        runtime.sessions, public_name="出版社", keys=[key_identifier(key.public_key)],
        now=runtime.now,
    )  # fmt: skip
    rival = create_party(runtime.sessions, public_name="另一家", now=runtime.now)
    with pytest.raises(PartyKeyTaken):
        link_key(runtime.sessions, rival.party_id, key.public_key.address, now=runtime.now)
    assert describe_party(runtime.sessions, rival.party_id).keys == ()


def test_a_revoked_api_key_or_party_registers_nothing_more(runtime: Runtime) -> None:
    # A catalogue job staged before a revocation and processed after it goes through the same
    # check as a live request: whose API key submitted it, and is that key still in force.
    party = create_party(runtime.sessions, public_name="出版社", now=runtime.now)
    first = create_api_key(
        runtime.sessions, name="k1", scopes=["publisher"], now=runtime.now, party=party.party_id
    )
    second = create_api_key(
        runtime.sessions, name="k2", scopes=["publisher"], now=runtime.now, party=party.party_id
    )
    register(runtime, "撤销之前", submitted_by=first.key_id)
    revoke_api_key(runtime.sessions, first.key_id, now=runtime.now)
    with pytest.raises(PartyRevoked) as refused:
        register(runtime, "密钥撤销之后", submitted_by=first.key_id)
    assert refused.value.details["key_id"] == first.key_id
    register(runtime, "另一把密钥", submitted_by=second.key_id)
    revoke_party(runtime.sessions, party.party_id, now=runtime.now)
    with pytest.raises(PartyRevoked):
        register(runtime, "机构撤销之后", submitted_by=second.key_id)
    assert registrations(runtime) == 2
