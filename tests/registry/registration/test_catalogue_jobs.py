"""Catalogue jobs: items, staged files, processing that survives interruptions and refusals."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
from importlib import resources
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from multiformats import CID
from sqlalchemy import func, inspect, select

from registry.content.kubo import KuboContentStore
from registry.content.store import LocalBlockstore
from registry.core.database import create_database_engine, migrate
from registry.core.errors import (
    CatalogueJobNotFound,
    ContentStoreUnavailable,
    InvalidDigest,
    InvalidInput,
    InvalidIsbn,
    InvalidManifest,
    InvalidMetadata,
    UnknownCatalogueFile,
)
from registry.core.metadata import WorkMetadata
from registry.core.models import CatalogueJob, CatalogueJobItem, Registration, Work
from registry.moderation.builtin import Lexicon, LexiconHook
from registry.moderation.hooks import HookChain, HookContext, HookResult, Subject, Verdict
from registry.moderation.review import ModerationGate
from registry.platform.runtime import Runtime
from registry.registration.catalogue import ManifestRow, parse_manifest, validate_row
from registry.registration.catalogue_jobs import (
    WORKERS,
    Upload,
    attach_files,
    create_job,
    get_job,
    in_parallel,
    list_jobs,
    process_job,
    staged_file,
)
from registry.registration.registrar import Registrar
from tests.conftest import free_port

OWNER = "key-1"


def manifest(count: int) -> str:
    return json.dumps([{"file": f"v{n}.txt", "title": f"卷{n}"} for n in range(count)])


def uploads(*numbers: int, text: str = "正文") -> list[Upload]:
    return [Upload(f"v{n}.txt", io.BytesIO(f"{text} 卷{n}".encode() * 50)) for n in numbers]


def registrations(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Registration)) or 0


def new_job(runtime: Runtime, count: int) -> str:
    job = create_job(
        runtime.sessions, owner=OWNER, manifest=manifest(count), kind="json", now=runtime.now
    )
    return job.id


def test_rows_are_checked_for_form_and_values_apart() -> None:
    rows = parse_manifest(
        "file,title,isbn,territory,sha256\n"
        "a.txt,甲,,156,\n"
        "b.txt,乙,123,,\n"
        f"c.txt,丙,,,{'AB' * 32}\n",
        kind="csv",
    )
    assert [r.file for r in rows] == ["a.txt", "b.txt", "c.txt"]
    assert validate_row(rows[0]).territory == 156
    with pytest.raises(InvalidMetadata):
        validate_row(ManifestRow(2, "x", {"title": "t", "territory": "1000"}))
    with pytest.raises(InvalidIsbn):  # its own code, not invalid_metadata
        validate_row(rows[1])
    assert validate_row(rows[2]).expected_sha256 == "ab" * 32
    with pytest.raises(InvalidDigest):
        validate_row(ManifestRow(2, "x", {"title": "t", "sha256": "zz"}))
    wrapped = parse_manifest(json.dumps({"items": [{"file": "a.txt", "title": "t"}]}), kind="json")
    assert wrapped == [ManifestRow(1, "a.txt", {"title": "t"})]
    for bad in ("[]", '{"items": 1}', "[1]", '[{"file": "a", "title": "t"}, {"file": "a"}]'):
        with pytest.raises(InvalidManifest):
            parse_manifest(bad, kind="json")


def test_work_in_parallel_comes_back_in_order_and_a_failure_stops_what_has_not_begun() -> None:
    def square(n: int) -> int:
        threading.Event().wait(0.001 * (n % 3))  # finish out of order
        return n * n

    assert list(in_parallel(square, range(9), workers=3)) == [n * n for n in range(9)]
    begun: list[int] = []

    def first_fails(n: int) -> int:
        begun.append(n)
        if n == 0:
            raise InvalidInput("the first")
        threading.Event().wait(0.5)  # both workers stay busy while the failure is seen
        return n

    with pytest.raises(InvalidInput):
        list(in_parallel(first_fails, range(12), workers=2))
    # What had begun has finished (nothing is left half done); the rest was never begun.
    assert {0, 1} <= set(begun) <= {0, 1, 2}


def test_a_job_larger_than_its_workers_registers_each_item_once_and_reports_in_order(
    runtime: Runtime,
) -> None:
    count = 2 * WORKERS + 3
    job_id = new_job(runtime, count)
    receipts = attach_files(runtime.registrar, job_id, uploads(*range(count)), owner=OWNER)
    positions = [item.position for item in get_job(runtime.sessions, job_id, owner=OWNER).items]
    assert [r.position for r in receipts] == positions
    assert {r.outcome for r in receipts} == {"staged"}
    reported: list[int] = []
    job = process_job(runtime.registrar, job_id, owner=OWNER, after_item=reported.append)
    assert reported == positions
    assert [item.state for item in job.items] == ["registered"] * count
    assert job.counts == {
        "total": count, "pending": 0, "uploaded": 0, "registered": count, "refused": 0
    }  # fmt: skip
    assert job.state == "completed"
    numbers = {item.registration_number for item in job.items}
    assert len(numbers) == count == registrations(runtime)
    with runtime.sessions() as session:
        rows = session.execute(select(Registration.number, Work.title).join(Registration.work))
        titles = {row.number: row.title for row in rows}
    assert [titles[str(item.registration_number)] for item in job.items] == [
        f"卷{n}" for n in range(count)
    ]
    # Run again: nothing is left to do, and nothing is registered twice.
    assert process_job(runtime.registrar, job_id, owner=OWNER).counts == job.counts
    assert registrations(runtime) == count


def test_the_job_counts_follow_every_item_as_it_moves(runtime: Runtime) -> None:
    # Each move counts in the job's row without reading the other items: the counts read at
    # any moment equal a recount of the items' states.
    def counts_and_recount(job_id: str) -> tuple[dict[str, int], dict[str, int], str]:
        job = get_job(runtime.sessions, job_id, owner=OWNER)
        recount = {"total": len(job.items)} | {
            state: sum(1 for item in job.items if item.state == state)
            for state in ("pending", "uploaded", "registered", "refused")
        }
        return job.counts, recount, job.state

    count = WORKERS + 2
    job_id = new_job(runtime, count + 1)  # the last file never comes
    attach_files(runtime.registrar, job_id, uploads(*range(count - 1)), owner=OWNER)
    too_large = Upload(f"v{count - 1}.txt", io.BytesIO(b"x" * (runtime.registrar.max_bytes + 1)))
    attach_files(runtime.registrar, job_id, [too_large], owner=OWNER)
    counts, recount, state = counts_and_recount(job_id)
    assert counts == recount == {
        "total": count + 1, "pending": 1, "uploaded": count - 1, "registered": 0, "refused": 1
    }  # fmt: skip
    assert state == "open"
    seen: list[tuple[dict[str, int], dict[str, int], str]] = []
    process_job(
        runtime.registrar, job_id, owner=OWNER,
        after_item=lambda _position: seen.append(counts_and_recount(job_id)),
    )  # fmt: skip
    assert len(seen) == count - 1
    for counts, recount, state in seen:
        assert counts == recount
        assert state == ("running" if counts["uploaded"] else "open")
    assert seen[-1][0] == {
        "total": count + 1, "pending": 1, "uploaded": 0, "registered": count - 1, "refused": 1
    }  # fmt: skip


def test_an_item_processed_by_another_run_meanwhile_is_registered_and_counted_once(
    runtime: Runtime,
) -> None:
    """Two runs of one job (two API processes, say) on the same item: the second run finishes
    the item while the first registers it. The first gets the same registration back and
    records its attempt on the item as the other left it, without counting it twice."""
    job_id = new_job(runtime, 2)

    class OtherRunFirst:
        """A hook during which another run processes the whole job (once)."""

        name = "other-run"
        done = False

        def check(self, subject: Subject, context: HookContext) -> HookResult:
            if not OtherRunFirst.done:
                OtherRunFirst.done = True
                process_job(runtime.registrar, job_id, owner=OWNER)
            return HookResult(self.name, Verdict.ACCEPT)

    gate = ModerationGate(HookChain((OtherRunFirst(),)), OWNER)
    registrar = dataclasses.replace(runtime.registrar, moderation=lambda _owner: gate)
    attach_files(registrar, job_id, uploads(0), owner=OWNER)
    job = process_job(registrar, job_id, owner=OWNER)
    assert OtherRunFirst.done
    assert [(item.state, item.attempts) for item in job.items] == [
        ("registered", 2), ("pending", 0)
    ]  # fmt: skip
    assert job.counts == {
        "total": 2, "pending": 1, "uploaded": 0, "registered": 1, "refused": 0
    }  # fmt: skip
    assert registrations(runtime) == 1
    with runtime.sessions() as session:
        assert session.scalar(select(Registration.number)) == job.items[0].registration_number
        assert session.scalar(select(CatalogueJobItem.staged_cid)) is None


def test_files_with_the_same_name_in_two_folders_are_refused(runtime: Runtime) -> None:
    twice = json.dumps([{"file": "a/x.txt", "title": "t"}, {"file": "b/x.txt", "title": "u"}])
    with pytest.raises(InvalidManifest):
        create_job(runtime.sessions, owner=OWNER, manifest=twice, kind="json", now=runtime.now)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CatalogueJob)) == 0


def test_an_item_registered_but_not_recorded_gets_its_first_registration_back(
    runtime: Runtime,
) -> None:
    """A process that dies between registering an item and recording the result on it."""
    registrar = runtime.registrar
    job_id = new_job(runtime, 2)
    attach_files(registrar, job_id, uploads(0, 1), owner=OWNER)
    assert get_job(runtime.sessions, job_id, owner=OWNER).counts["uploaded"] == 2
    # The same call process_job makes, done before it (and "lost"):
    metadata = WorkMetadata.from_mapping({"title": "卷0"})
    with runtime.sessions() as session:
        staged_roots = list(session.scalars(select(CatalogueJobItem.staged_cid)))
    with staged_file(registrar, job_id, 1) as content:
        first_view = registrar.register(
            content, metadata, submitted_by=OWNER, idempotency_key=f"catalogue-job:{job_id}:1"
        )
    assert registrations(runtime) == 1
    job = process_job(registrar, job_id, owner=OWNER)
    assert job.state == "completed"
    assert job.items[0].registration_number == first_view.number
    assert registrations(runtime) == 2
    # The staged files are released from the content store once their items are registered.
    with runtime.sessions() as session:
        assert list(session.scalars(select(CatalogueJobItem.staged_cid))) == [None, None]
    assert isinstance(runtime.store, LocalBlockstore)
    assert len(staged_roots) == 2
    assert not any(runtime.store.is_pinned(CID.decode(str(root))) for root in staged_roots)


def test_a_file_staged_in_the_clear_stays_pinned_as_the_registered_content(
    runtime: Runtime,
) -> None:
    """Without content protection a staged file and the registered work are the same blocks
    under the same root: releasing the staged file must not unpin the registered content."""
    registrar = dataclasses.replace(runtime.registrar, protection=None)
    job_id = new_job(runtime, 1)
    attach_files(registrar, job_id, uploads(0), owner=OWNER)
    with runtime.sessions() as session:
        staged_root = session.scalar(select(CatalogueJobItem.staged_cid))
    job = process_job(registrar, job_id, owner=OWNER)
    assert [item.state for item in job.items] == ["registered"]
    with runtime.sessions() as session:
        stored = session.scalar(select(Work.stored_cid))
    assert stored == staged_root
    assert isinstance(runtime.store, LocalBlockstore)
    assert runtime.store.is_pinned(CID.decode(str(stored)))


def test_an_unreachable_content_store_leaves_items_to_resume(runtime: Runtime) -> None:
    registrar = runtime.registrar
    down = KuboContentStore.connect(f"http://127.0.0.1:{free_port()}", timeout=2)
    job_id = new_job(runtime, 3)
    failing = dataclasses.replace(registrar, store=down)
    # Files wait in the content store: while it is down, none is accepted and nothing changes.
    with pytest.raises(ContentStoreUnavailable):
        attach_files(failing, job_id, uploads(0, 1), owner=OWNER)
    assert get_job(runtime.sessions, job_id, owner=OWNER).counts["pending"] == 3
    attach_files(registrar, job_id, uploads(0, 1), owner=OWNER)
    job = process_job(failing, job_id, owner=OWNER)
    down.close()
    assert job.state == "open"
    assert [(i.state, i.error_code) for i in job.items[:2]] == [
        ("uploaded", "content_store_unavailable"),
    ] * 2
    assert registrations(runtime) == 0
    resumed = process_job(registrar, job_id, owner=OWNER)
    assert [i.state for i in resumed.items] == ["registered", "registered", "pending"]
    assert [i.attempts for i in resumed.items] == [2, 2, 0]
    assert resumed.items[0].error_code is None
    assert registrations(runtime) == 2


def test_moderation_holds_one_item_and_rejects_another_and_the_rest_go_on(
    runtime: Runtime, tmp_path: Path
) -> None:
    (tmp_path / "hold.txt").write_text("机密\n", encoding="utf-8")
    (tmp_path / "reject.txt").write_text("禁书\n", encoding="utf-8")
    chain = HookChain(
        (
            LexiconHook(Lexicon.load([tmp_path / "hold.txt"]), Verdict.HOLD),
            LexiconHook(Lexicon.load([tmp_path / "reject.txt"]), Verdict.REJECT),
        )
    )
    registrar: Registrar = dataclasses.replace(
        runtime.registrar, moderation=lambda owner: ModerationGate(chain, owner)
    )
    job_id = new_job(runtime, 3)
    sent = [*uploads(0), *uploads(1, text="机密"), *uploads(2, text="禁书")]
    attach_files(registrar, job_id, sent, owner=OWNER)
    job = process_job(registrar, job_id, owner=OWNER)
    outcomes = [(i.state, i.registration_status, i.error_code) for i in job.items]
    assert outcomes == [
        ("registered", "pending", None),
        ("registered", "held", None),
        ("refused", "rejected", "registration_refused"),
    ]
    assert job.state == "partly"
    again = attach_files(registrar, job_id, uploads(2), owner=OWNER)
    assert [r.outcome for r in again] == ["refused"]  # refused for good: not retried


def test_files_are_matched_by_name_and_jobs_belong_to_their_owner(runtime: Runtime) -> None:
    registrar = runtime.registrar
    job_id = new_job(runtime, 2)
    with pytest.raises(UnknownCatalogueFile):
        attach_files(
            registrar, job_id, [*uploads(0), Upload("v9.txt", io.BytesIO(b"x"))], owner=OWNER
        )
    with pytest.raises(UnknownCatalogueFile):
        attach_files(registrar, job_id, [*uploads(0), *uploads(0)], owner=OWNER)
    assert get_job(runtime.sessions, job_id, owner=OWNER).counts["uploaded"] == 0
    with pytest.raises(CatalogueJobNotFound):
        attach_files(registrar, job_id, uploads(0), owner="someone-else")
    with pytest.raises(CatalogueJobNotFound):
        get_job(runtime.sessions, job_id, owner="someone-else")
    assert list_jobs(runtime.sessions, owner="someone-else") == []
    assert [j.id for j in list_jobs(runtime.sessions, owner=None)] == [job_id]
    attach_files(
        registrar, job_id, [Upload("some/folder/v1.txt", io.BytesIO(b"bytes"))], owner=OWNER
    )
    assert get_job(runtime.sessions, job_id, owner=OWNER).items[1].state == "uploaded"


def test_migration_0015_upgrades_and_downgrades(database_url: str) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    tables = {"catalogue_jobs", "catalogue_job_items"}
    assert tables <= set(inspect(engine).get_table_names())
    with resources.as_file(resources.files("migrations")) as script_location:
        config = Config()
        config.set_main_option("script_location", str(script_location))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0014")
    assert not tables & set(inspect(engine).get_table_names())
    assert "works" in inspect(engine).get_table_names()
    migrate(engine)
    assert tables <= set(inspect(engine).get_table_names())
    engine.dispose()
