"""The Alembic migrations build exactly the tables of registry.core.models, on SQLite and
PostgreSQL."""

from __future__ import annotations

from importlib import resources

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from registry.core.database import create_database_engine, migrate
from registry.core.models import Base


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    before = sorted(inspect(engine).get_table_names())
    migrate(engine)
    assert sorted(inspect(engine).get_table_names()) == before
    assert {"works", "registrations", "batches", "alembic_version"} <= set(before)
    engine.dispose()


def test_the_migrations_have_one_head() -> None:
    """Branches developed side by side are joined by a merge revision before they land."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_existing_keys_get_a_party_and_keep_their_registrations(database_url: str) -> None:
    """Revision 0019: every API key gets a party of its own, named after it, and the
    registrations it submitted belong to that party; the command line's stay without one."""
    engine = create_database_engine(database_url)
    migrate(engine, "0018")
    at = "2026-11-30 08:00:00+00:00"
    with engine.begin() as connection:
        for key_id, name in [("k1", "上海某出版社"), ("k2", "某平台")]:
            connection.execute(
                text(
                    "INSERT INTO api_keys (key_id, name, secret_sha256, scopes, created_at) "
                    "VALUES (:key_id, :name, :digest, 'publisher', :at)"
                ),
                {"key_id": key_id, "name": name, "digest": "0" * 64, "at": at},
            )
        connection.execute(
            text(
                "INSERT INTO works (sha256, sm3, size, title, metadata_json, cid, created_at) "
                "VALUES (:d, :d, 1, 't', '{}', 'bafy', :at)"
            ),
            {"d": "a" * 64, "at": at},
        )
        for number, submitted_by in [("BQ-2026-00000001", "k1"), ("BQ-2026-00000002", None)]:
            connection.execute(
                text(
                    "INSERT INTO registrations (number, work_id, claim_json, leaf, signing_mode, "
                    "status, submitted_by, created_at) VALUES (:number, 1, '{}', :leaf, "
                    "'unsigned', 'pending', :submitted_by, :at)"
                ),
                {"number": number, "leaf": number[-1] * 64, "submitted_by": submitted_by, "at": at},
            )
    migrate(engine)
    with engine.connect() as connection:
        parties: dict[str, str] = dict(
            connection.execute(
                text(
                    "SELECT api_keys.key_id, parties.public_name FROM api_keys "
                    "JOIN parties ON parties.id = api_keys.party_id"
                )
            ).all()
        )
        owners: dict[str, str | None] = dict(
            connection.execute(
                text(
                    "SELECT registrations.number, parties.public_name FROM registrations "
                    "LEFT JOIN parties ON parties.id = registrations.party_id"
                )
            ).all()
        )
    engine.dispose()
    assert parties == {"k1": "上海某出版社", "k2": "某平台"}
    assert owners == {"BQ-2026-00000001": "上海某出版社", "BQ-2026-00000002": None}


def test_revoked_keys_subscriptions_stop(database_url: str) -> None:
    """Revision 0027: a key revoked before it loses its webhook subscriptions; others keep
    theirs."""
    engine = create_database_engine(database_url)
    migrate(engine, "0026")
    at = "2026-12-01 08:00:00+00:00"
    with engine.begin() as connection:
        for key_id, revoked in [("gone", at), ("kept", None)]:
            connection.execute(
                text(
                    "INSERT INTO api_keys (key_id, name, secret_sha256, scopes, created_at, "
                    "revoked_at) VALUES (:key_id, :key_id, :digest, 'platform', :at, :revoked)"
                ),
                {"key_id": key_id, "digest": "0" * 64, "at": at, "revoked": revoked},
            )
            connection.execute(
                text(
                    "INSERT INTO webhook_subscriptions (key_id, url, event_types, secret, "
                    "algorithm, active, after_event_id, created_at) VALUES (:key_id, "
                    "'https://example.com/hook', 'registered', 's', 'hmac-sha256', true, 0, :at)"
                ),
                {"key_id": key_id, "at": at},
            )
    migrate(engine)
    with engine.connect() as connection:
        active: dict[str, object] = dict(
            connection.execute(text("SELECT key_id, active FROM webhook_subscriptions")).all()
        )
    engine.dispose()
    assert {key: bool(flag) for key, flag in active.items()} == {"gone": False, "kept": True}


def test_keys_revoked_before_are_marked_to_be_unbound(database_url: str) -> None:
    """Revision 0029: every key revoked before that stands for a chain address (a linked address,
    a secp256k1 key) is marked for unbinding; an SM2 key or an active one is not."""
    engine = create_database_engine(database_url)
    migrate(engine, "0028")
    at = "2026-12-01 08:00:00+00:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO parties (id, party_id, kind, public_name, created_at) "
                "VALUES (1, 'party_a', 'person', '读者', :at)"
            ),
            {"at": at},
        )
        for kind, identifier, revoked in [
            ("address", "address:0x01", at),
            ("secp256k1", "secp256k1:04aa", at),
            ("sm2", "sm2:04bb", at),
            ("address", "address:0x02", None),
        ]:
            connection.execute(
                text(
                    "INSERT INTO party_keys (party_id, kind, identifier, fingerprint, added_at, "
                    "revoked_at) VALUES (1, :kind, :identifier, :identifier, :at, :revoked)"
                ),
                {"kind": kind, "identifier": identifier, "at": at, "revoked": revoked},
            )
    migrate(engine)
    with engine.connect() as connection:
        pending: dict[str, object] = dict(
            connection.execute(text("SELECT identifier, unbind_pending FROM party_keys")).all()
        )
    engine.dispose()
    assert {key: bool(flag) for key, flag in pending.items()} == {
        "address:0x01": True,
        "secp256k1:04aa": True,
        "sm2:04bb": False,
        "address:0x02": False,
    }


def test_works_of_withheld_registrations_are_no_longer_published(database_url: str) -> None:
    """Revision 0030: a work registered with publish=true that moderation held or rejected was
    recorded as published; it is not any more. Accepted ones and private ones are unchanged."""
    engine = create_database_engine(database_url)
    migrate(engine, "0029")
    at = "2026-12-01 08:00:00+00:00"
    rows = [("held", at), ("rejected", at), ("pending", at), ("anchored", at), ("held", None)]
    with engine.begin() as connection:
        for n, (status, published_at) in enumerate(rows, start=1):
            connection.execute(
                text(
                    "INSERT INTO works (id, sha256, sm3, size, title, metadata_json, cid, "
                    "stored_cid, published_at, created_at) VALUES (:n, :d, :d, 1, 't', '{}', "
                    "'bafy', 'bafy', :published_at, :at)"
                ),
                {"n": n, "d": str(n) * 64, "published_at": published_at, "at": at},
            )
            connection.execute(
                text(
                    "INSERT INTO registrations (number, work_id, claim_json, leaf, signing_mode, "
                    "status, created_at) VALUES (:number, :n, '{}', :leaf, 'unsigned', :status, "
                    ":at)"
                ),
                {"number": f"BQ-2026-{n:08d}", "n": n, "leaf": str(n) * 64, "status": status,
                 "at": at},
            )  # fmt: skip
    migrate(engine)
    with engine.connect() as connection:
        published = [
            published_at is not None
            for (published_at,) in connection.execute(
                text("SELECT published_at FROM works ORDER BY id")
            )
        ]
    engine.dispose()
    assert published == [False, False, True, True, False]
