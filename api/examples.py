"""Examples in the OpenAPI schema: one registration, taken from a real run of banquan (the
embedded chain, a text file of 138 bytes), and the answers that follow from it. A test checks that
every example matches its schema."""

from __future__ import annotations

import json
from typing import Any

REGISTRATION: dict[str, Any] = {
    "number": "BQ-2026-00000001",
    "status": "anchored",
    "title": "三体",
    "metadata": {
        "title": "三体",
        "authors": ["刘慈欣"],
        "isbn": "9787536692930",
        "language": "zh",
        "rights": [
            "adaptation",
            "alteration",
            "authorship",
            "broadcasting",
            "cinematography",
            "compilation",
            "distribution",
            "exhibition",
            "information_network",
            "integrity",
            "other",
            "performance",
            "publication",
            "rental",
            "reproduction",
            "screening",
            "translation",
        ],
    },
    "sha256": "4541093fcc8ebb539ca6a966a42fad51684d01b3b1b49e5180c86e4b17b05ca3",
    "sm3": "5c135f2cc01ef4f5d7bb0caaa740a5729a441398be5f4f5c3892f273e316d0ef",
    "size": 138,
    "cid": "bafkreicfieet7teoxnjzzjvjm2sc7lkrnbgqdm5rwspfdaginzfrpmc4um",
    "iscc_data": "ISCC:GAA6KQKMK34FZLQD",
    "iscc_instance": "ISCC:IAA23DUCSR2PXLXM",
    "iscc_content": "ISCC:EAASME7NPBIWJOKN",
    "published_at": None,
    "registered_at": "2026-11-27T10:44:12Z",
    "leaf": "063bc3445ef95bfa4e93077f0f59fcc20ece8d2982421a7dddc4636852d6ac0f",
    "claim": {
        "content": {
            "cid": "bafkreicfieet7teoxnjzzjvjm2sc7lkrnbgqdm5rwspfdaginzfrpmc4um",
            "sha256": "4541093fcc8ebb539ca6a966a42fad51684d01b3b1b49e5180c86e4b17b05ca3",
            "size": 138,
            "sm3": "5c135f2cc01ef4f5d7bb0caaa740a5729a441398be5f4f5c3892f273e316d0ef",
        },
        "metadata_digest": "a9cecb533fbb9e8c4ee18ebd74f421ca557d44ee21bf77c637cbc6c9b2b8329d",
        "nonce": "3dfb798327af83eb31f64b8efb1a2112",
        "registered_at": "2026-11-27T10:44:12Z",
        "v": "banquan.claim/1",
    },
    "signing_mode": "unsigned",
    "signature": None,
    "registrant": None,
    "party": {"party_id": "party_5f0c2a9e4b7d1c33", "public_name": "四川人民出版社"},
    "proof": [],
    "anchor": {
        "root": "072e1614ed976f53a08375e7a57846abfbd3a6e2acb81e5e73e9393107915404",
        "chain_id": 31337,
        "contract_address": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "tx_hash": "0x8edaaf846171afbf8682dae747faf52523b422e20070fa1da2e1990f797ebfea",
        "block_number": 8,
        "anchored_at": "2026-11-27T10:44:13Z",
        "confirmed": True,
    },
    "takedown": None,
}

# What POST /v1/works answers: the same registration before its batch is anchored.
REGISTRATION_PENDING: dict[str, Any] = {
    **REGISTRATION,
    "status": "pending",
    "proof": None,
    "anchor": None,
}

PROOF_BUNDLE: dict[str, Any] = {
    "v": "banquan.proof/1",
    "registration": {"number": "BQ-2026-00000001", "registered_at": "2026-11-27T10:44:12+00:00"},
    "claim": REGISTRATION["claim"],
    "signature": None,
    "leaf": REGISTRATION["leaf"],
    "proof": [],
    "root": REGISTRATION["anchor"]["root"],
    "anchor": {
        "chain_id": 31337,
        "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "tx_hash": "0x8edaaf846171afbf8682dae747faf52523b422e20070fa1da2e1990f797ebfea",
        "block_number": 8,
        "anchored_at": "2026-11-27T10:44:13+00:00",
    },
}

HEALTH: dict[str, Any] = {
    "database": True,
    "chain": True,
    "content_store": True,
    "pending_registrations": 3,
    "batch_lag_seconds": 1.8,
}

API_KEY_CREATED: dict[str, Any] = {
    "key_id": "64903c03f2aeb09c",
    "name": "某数字阅读平台 verification",
    "scopes": ["platform"],
    "key": "bq_64903c03f2aeb09c_nr3HXdY_Lrjz8VOPF2mjSTpHwa1xFYbROYvSZIpZiIQ",
    "party": "party_5f0c2a9e4b7d1c33",
}

AUDIT_ENTRY: dict[str, Any] = {
    "key_id": "98c8c749e0e3403c",
    "method": "POST",
    "path": "/v1/works",
    "status": 201,
    "at": "2026-11-27T10:44:12.770854Z",
}

SUBSCRIPTION: dict[str, Any] = {
    "id": 1,
    "url": "https://platform.example/banquan-hook",
    "event_types": [
        "registered",
        "anchored",
        "confirmed",
        "transferred",
        "licensed",
        "pledged",
        "released",
        "enforced",
        "frozen",
        "restored",
        "review_decided",
    ],
    "algorithm": "hmac-sha256",
    "active": True,
    "created_at": "2026-11-27T10:44:13.490468Z",
    "pending": 0,
    "failed": 0,
    "first_failed_event": None,
    "party": None,
}

SUBSCRIPTION_CREATED: dict[str, Any] = {
    **SUBSCRIPTION,
    "secret": "whsec_6rKrJSC_ey5zBvhfWAxqr1RObjiyKfNEO8anJ_p31n4",
    "warnings": [],
}

TAKEDOWN: dict[str, Any] = {
    "id": 1,
    "registration": "BQ-2026-00000001",
    "target": "063bc3445ef95bfa4e93077f0f59fcc20ece8d2982421a7dddc4636852d6ac0f",
    "authority": "moderator",
    "reason": "court order (2026)京0491民初123号",
    "reason_digest": "6a2b58df038f7bc67a1f205ef66a960e520f359fb10a2366c8ad3224b8bfef92",
    "frozen_by": "1cfc66fb5d30b621",
    "freeze_tx": "0xc57c23de24ca0e67faa28ab034fdfe5519a61584bcb5bf1294d085d88276b7b0",
    "frozen_at": "2026-11-27T10:44:13.745085Z",
    "restored_by": None,
    "restore_reason": None,
    "restore_tx": None,
    "restored_at": None,
}
REVOCATION: dict[str, Any] = {
    "registration": "BQ-2026-00000001",
    "leaf": TAKEDOWN["target"],
    "authority": "regulator",
    "reason": "登记材料系伪造，见 (2026)京0491民初123号判决 forged, per the judgment",
    "reason_digest": "9d0c5c1a7e2b3f4d6a8b0c2e4f6a8b0d2c4e6f8a0b2d4f6a8c0e2b4d6f8a0c2e",
    "revoked_by": "1cfc66fb5d30b621",
    "tx_hash": "0x5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c",
    "revoked_at": "2026-12-05T13:20:00Z",
}
VERIFICATION: dict[str, Any] = {"registered": True, "registrations": [REGISTRATION]}

BULK_VERIFICATION: dict[str, Any] = {
    "algorithm": "sha256",
    "registered": 1,
    "results": [
        {"digest": REGISTRATION["sha256"], "registered": True, "registrations": [REGISTRATION]},
        {"digest": "0" * 64, "registered": False, "registrations": []},
    ],
}

ANCHOR: dict[str, Any] = REGISTRATION["anchor"]

REVIEW_ITEM: dict[str, Any] = {
    "id": 7,
    "kind": "complaint",
    "status": "open",
    "registration": REGISTRATION["number"],
    "registration_status": "anchored",
    "related_registration": "BQ-2025-00004711",
    "appeal_of_item": None,
    "appeal_of_takedown": None,
    "hook_results": [],
    "submitted_by": "98c8c749e0e3403c",
    "statement": "本社享有该作品的专有出版权（合同编号 2019-031），请求下架。",
    "claimed_by": None,
    "decided_by": None,
    "decision_reason": None,
    "decided_at": None,
    "created_at": "2026-11-27T10:44:13.612400Z",
}

BLOCKLIST_ENTRY: dict[str, Any] = {
    "id": 3,
    "algorithm": "sha256",
    "value": "ab" * 32,
    "reason": "known pirated copy (notice 2026-114)",
    "added_by": "1cfc66fb5d30b621",
    "added_at": "2026-11-27T10:44:13.801220Z",
}

AUDIT_VERIFICATION: dict[str, Any] = {
    "entries": 42,
    "valid": True,
    "first_bad_id": None,
    "problem": None,
    "head_digest": "9f2c4e1d0b8a7c6e5f4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d",
}

ERROR: dict[str, Any] = {
    "code": "digest_not_registered",
    "message": "no registration of content with this digest",
    "details": {"sha256": "0" * 64},
}


# Rights assets: the registration above tokenized, pledged to a lender, licensed exclusively.
OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
LENDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
LICENSEE = "0x394a4D229fc1F06Db494a52585f19cC9D36B25E4"

TOKENIZED: dict[str, Any] = {
    "asset_id": REGISTRATION["leaf"],
    "owner": OWNER,
    "rights": 131056,  # the 13 property rights, bits 4–16
    "territory": 156,
    "term_end": 3352665600,
    "registered_at": 1795776252,
    "tx_hash": "0x1d0a4c6f9e8b7a5d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c",
    "block_number": 12,
    "controller": None,
}


def to_sign(typed_data: dict[str, Any]) -> dict[str, Any]:
    """The deadline, digest and typed data an EIP-712 request's answer shows
    (``api.schemas.to_sign``), for the example of that answer."""
    return {"deadline": 1798765200, "digest": "0x" + "ab" * 32, "typed_data": typed_data}


MINT_AUTHORIZATION: dict[str, Any] = {
    "registration": "BQ-2026-00000001",
    "controller": OWNER,
    **to_sign(
        {
            "types": {"EIP712Domain": [], "MintAuthorization": []},
            "primaryType": "MintAuthorization",
            "domain": {"name": "banquan RightsAsset", "version": "1"},
            "message": {"leaf": "0x" + REGISTRATION["leaf"], "to": OWNER, "deadline": "1798765200"},
        }
    ),
}

LIEN: dict[str, Any] = {
    "lien_id": 1,
    "rank": 0,
    "lender": LENDER,
    "amount": "50000000",
    "currency": "CNY",
    "maturity": 1830297600,
    "status": "active",
    "licensing_consent": False,
}

EXCLUSIVE_LICENCE: dict[str, Any] = {
    "licence_id": 3,
    "licensee": LICENSEE,
    "rights": 512,
    "territory": 156,
    "start": 1798761600,
    "end": 1830297600,
}

ENCUMBRANCES: dict[str, Any] = {
    "asset_id": REGISTRATION["leaf"],
    "block": "latest",
    "owner": OWNER,
    "clear": False,
    "revoked": False,
    "liens": [LIEN],
    "frozen_by": None,
    "frozen_at": None,
    "exclusive_licences": [EXCLUSIVE_LICENCE],
}

ASSET: dict[str, Any] = {
    "asset_id": REGISTRATION["leaf"],
    "registration": REGISTRATION["number"],
    "owner": OWNER,
    "owner_party": {"party_id": "party_5f0c2a9e4b7d1c33", "public_name": "四川人民出版社"},
    "rights": ["reproduction", "distribution", "information_network"],
    "territory": 156,
    "term_end": 3352665600,
    "registered_at": 1796371200,
    "revoked": False,
    "frozen_by": None,
    "pledged": True,
    "liens": [{key: LIEN[key] for key in LIEN if key != "status"} | {"rank": 1}],
    "licences": [
        {
            "licence_id": 3,
            "licensee": LICENSEE,
            "licensee_party": None,
            "rights": ["information_network"],
            "territory": 156,
            "start": 1798761600,
            "end": 1830297600,
            "exclusive": True,
            "revocable": False,
            "state": "in_force",
        }
    ],
    "block": 1204,
    "at": 1798765200,
}

# A licensed platform's request for a private work's content key, and the key wrapped to it.
CONTENT_KEY_REQUEST: dict[str, Any] = {
    "licensee": LICENSEE,
    "right": "information_network",
    "recipient_key": {
        "algorithm": "sm2",
        "public_key": (
            "04da87280bc001c6a6a256111ed1c502a600d43d767d2a32199ba8ea62e47e39"
            "708978ec0b4b641163e114d096435d79138ff3a8a3d7c31ad4121b14f4103ee5"
            "99"
        ),
        "sm2_id": "1234567812345678",
    },
    "signature": (
        "0x7e735b12626248925841480fff1617ab59345293e1528a2922c18e997e3324"
        "2f080fe9f51ac1352dff4e7fce5dd528b927c64dd7a55aa1fe44ff8906f11097"
        "901b"
    ),
}

WRAPPED_KEY: dict[str, Any] = {
    "method": "sm2",
    "data": (
        "04985bf4701d926de16c0408690a99aabc81ea0b21128aa3b923ee36a9e88689"
        "7e7fa56413fde9b41ffb7557a311f4acd471a20d9a518c9c0cfe0f88d4becd23"
        "f585a56a1d590b30633ca8ef4999b70dc341878913db7bdbf9e7bddcab76abb0"
        "159e003636afa62590f3abbe464a87e387"
    ),
}


# The registered file (UTF-8 text, 138 bytes).
CONTENT = (
    "三体\n\n文化大革命如火如荼进行的同时，军方探寻外星文明的绝秘计划“红岸工程”取得了突破性进展。\n"
).encode()
METADATA: dict[str, Any] = {
    key: REGISTRATION["metadata"][key] for key in ("title", "authors", "isbn", "language")
}

# The same work registered with a claim its registrant signed with an SM2 key (banquan.claim/2),
# sent as the `claim` and `signature` form fields.
SIGNED_CLAIM_JSON: dict[str, Any] = {
    "v": "banquan.claim/2",
    "content": {key: REGISTRATION[key] for key in ("sha256", "sm3", "size", "cid")},
    "metadata_digest": REGISTRATION["claim"]["metadata_digest"],
    "rights": REGISTRATION["metadata"]["rights"],
    "registrant": {
        "algorithm": "sm2",
        "public_key": (
            "0469deebcf8124d8a5049cdaa35a01f723a73c9f581658a6d928c7372a5abb61a9"
            "ac059d91a536a472ec94399f023502fc867a8c52f80f7a0422de2c05306f661e"
        ),
        "sm2_id": "1234567812345678",
    },
    "registered_at": "2026-11-27T10:44:12Z",
    "nonce": "a6435ce4bf64646fd2f827189760dc97",
}
SIGNED_CLAIM = json.dumps(SIGNED_CLAIM_JSON, ensure_ascii=False, separators=(",", ":"))
SIGNED_CLAIM_SIGNATURE = "sm2:" + (
    "5915388c66a20c5736044ebf46acaee41edbcfbe4f0515d9d8bd2aa89b215ff8"
    "0f7868f393c3fae4e504aabb320b102e2e775cb86797096a7acd2317c1c7e726"
)

LENDER_ROLE_GRANTED: dict[str, Any] = {
    "address": LENDER,
    "lender": True,
    "changed": True,
    "tx_hash": "0x4b7d0e51a3c92f6d8e1b5a7c9d3f2e4a6b8c0d1e2f3a4b5c6d7e8f9a0b1c2d3e",
    "block_number": 57,
}

PARTY: dict[str, Any] = {
    "party_id": "party_5f0c2a9e4b7d1c33",
    "kind": "organisation",
    "public_name": "四川人民出版社",
    "created_at": "2026-12-04T02:00:00Z",
    "revoked_at": None,
    "addresses": ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
    "keys": [
        {
            "kind": "address",
            "identifier": "address:0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "fingerprint": "9c1d2e3f4a5b6c7d",
            "added_at": "2026-12-04T02:00:00Z",
            "revoked_at": None,
        }
    ],
}

# A real banquan.attestation/1, signed by an example attestor key (its signature verifies).
ATTESTOR = (
    "sm2:042af8e661ee97b69bdbefc70c70c7f5ef7085c55b7f956470bd03fefe1a18c446"
    "55200dbc09355b999f4888e2659ad5b0ea0d13dedf2bf6fe9421ebd6344330be"
)
ATTESTATION_STATEMENT: dict[str, Any] = {
    "type": "banquan.attestation/1",
    "party": "party_5f0c2a9e4b7d1c33",
    "kind": "organisation",
    "commitment": "99d42d0e3a2877388b0934b442f9f4a1a903275b4135130cb0c2fc3ec32cce07",
    "issued_at": "2026-12-04T02:00:00Z",
    "expires_at": "2027-12-04T02:00:00Z",
    "attestor": ATTESTOR,
}
IDENTITY_VALUE: dict[str, Any] = {
    "kind": "organisation",
    "id_number": "91510000MA6CL1234D",
    "legal_name": "四川人民出版社有限公司",
}
ATTESTATION_IN: dict[str, Any] = {
    "attestation": ATTESTATION_STATEMENT,
    "signature": "sm2:2fe7ad25a64339f1afbd064f5a120001138562adca1ea3962539b711360afd82"
    "3ba624bea95e502d5f7b9c633689078524ddb0eba1f5ca4872e75fbc5cc15eaf",
    "identity": IDENTITY_VALUE,
    "salt": "3f" * 32,
}
PARTY_VERIFICATION: dict[str, Any] = {
    "status": "verified",
    "label": "已实名认证 verified",
    "kind": "organisation",
    "commitment": ATTESTATION_STATEMENT["commitment"],
    "issued_at": "2026-12-04T02:00:00Z",
    "expires_at": "2027-12-04T02:00:00Z",
    "attestor": ATTESTOR,
    "revoked_at": None,
    "chain_tx": "0x7e1d5a9c3b2f4e6d8a0c1b3d5f7e9a2c4b6d8f0e1a3c5b7d9f2e4a6c8b0d1f3e",
    "revoke_tx": None,
}
PARTY["verification"] = PARTY_VERIFICATION
PARTY_IDENTITY: dict[str, Any] = {
    "party_id": "party_5f0c2a9e4b7d1c33",
    "identity": IDENTITY_VALUE,
    "salt": ATTESTATION_IN["salt"],
    "attestation": ATTESTATION_STATEMENT,
    "signature": ATTESTATION_IN["signature"],
    "verification": PARTY_VERIFICATION,
}
_KEY_LINK_STATEMENT = {
    "type": "banquan.key-link/1",
    "purpose": "link-key",
    "party": "party_5f0c2a9e4b7d1c33",
    "key": "address:0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "nonce": "3b0f6c2d9a8e4f1b7c5d2e9a0b4f6c8d",
    "issued_at": "2026-12-05T13:00:00Z",
    "expires_at": "2026-12-05T13:05:00Z",
}
KEY_LINK_CHALLENGE: dict[str, Any] = {
    "statement": _KEY_LINK_STATEMENT,
    "message": json.dumps(_KEY_LINK_STATEMENT, sort_keys=True, separators=(",", ":")),
}
# A registration's metadata exported (registry.proofs.metadata_export), and the fuller
# 作品登记 metadata a publisher may send (docs/metadata.md).
METADATA_V2: dict[str, Any] = {
    **{key: REGISTRATION["metadata"][key] for key in ("title", "authors", "isbn", "language")},
    "work_type": "written",
    "owners": [{"name": "刘慈欣", "share": "70"}, {"name": "重庆出版社", "share": "30"}],
    "acquisition": "created",
    "holding": "joint",
    "created_on": "2006-05-01",
    "first_published_on": "2008-01-01",
    "first_published_place": "重庆",
    "series": "地球往事三部曲",
    "series_number": "1",
    "publisher": "重庆出版社",
    "edition": "第1版",
    "contributors": [{"name": "Ken Liu", "role": "B06"}],
}
WORK_JSONLD: dict[str, Any] = {
    "@context": "https://schema.org",
    "@type": "Book",
    "name": "三体",
    "author": [{"@type": "Person", "name": "刘慈欣"}],
    "isbn": "9787536692930",
    "inLanguage": "zh",
    "identifier": [
        {
            "@type": "PropertyValue",
            "propertyID": "banquan:registration",
            "value": REGISTRATION["number"],
        },
        {"@type": "PropertyValue", "propertyID": "sha256", "value": REGISTRATION["sha256"]},
        {"@type": "PropertyValue", "propertyID": "sm3", "value": REGISTRATION["sm3"]},
        {"@type": "PropertyValue", "propertyID": "cid", "value": REGISTRATION["cid"]},
    ],
    "dateModified": REGISTRATION["registered_at"],
}
WORK_ONIX = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<ONIXMessage xmlns="http://ns.editeur.org/onix/3.0/reference" release="3.0">\n'
    "  <Header><Sender><SenderName>banquan</SenderName></Sender>"
    "<SentDateTime>20261127T104412Z</SentDateTime></Header>\n"
    "  <Product>\n"
    f"    <RecordReference>{REGISTRATION['number']}</RecordReference>\n"
    "    <NotificationType>03</NotificationType>\n"
    "    <ProductIdentifier><ProductIDType>15</ProductIDType>"
    "<IDValue>9787536692930</IDValue></ProductIdentifier>\n"
    "    <DescriptiveDetail>…<TitleDetail><TitleType>01</TitleType><TitleElement>"
    "<TitleElementLevel>01</TitleElementLevel><TitleText>三体</TitleText></TitleElement>"
    "</TitleDetail><Contributor><SequenceNumber>1</SequenceNumber>"
    "<ContributorRole>A01</ContributorRole><PersonName>刘慈欣</PersonName></Contributor>…"
    "</DescriptiveDetail>\n"
    "  </Product>\n"
    "</ONIXMessage>\n"
)

# A work as a search finds it (GET /v1/works/search): the public summary, nothing private.
WORK_SUMMARY: dict[str, Any] = {
    "number": "BQ-2026-00000001",
    "title": "三体",
    "authors": ["刘慈欣"],
    "isbn": "9787536692930",
    "dci": None,
    "party": {"party_id": "party_5f0c2a9e4b7d1c33", "public_name": "四川人民出版社"},
    "registered_at": "2026-11-27T10:44:12Z",
    "anchored_at": "2026-11-27T10:44:13Z",
    "status": "anchored",
    "taken_down": False,
    "revoked": False,
}

WORK_SEARCH: dict[str, Any] = {
    "kind": "author",
    "query": "刘慈",
    "works": [WORK_SUMMARY],
    "next_after": None,
}
