"""Near-duplicate search over real registrations on SQLite and PostgreSQL: a lightly edited text
is found with its distances, a different text is not; bad codes and ranges are refused."""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

import iscc_core
import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from cli.main import app as cli_app
from crypto.signing import KeySigner, generate_private_key
from registry.core.errors import DistanceOutOfRange, InvalidIscc
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration, Work
from registry.core.views import RegistrationView
from registry.moderation.similar_works import (
    SimilarWorks,
    find_similar_works,
    find_works_similar_to_file,
    parse_iscc,
)
from registry.platform.runtime import Runtime
from registry.registration.registrar import Registrar

_rng = random.Random(7)
_WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "river", "mountain"]
ORIGINAL = " ".join(_rng.choice(_WORDS) for _ in range(3000)).encode()
EDITED = ORIGINAL.decode().replace("river", "rivers", 3).encode()  # a few words changed
_OTHER = ["copyright", "registry", "chain", "anchor", "merkle", "proof", "ledger", "batch"]
DIFFERENT = " ".join(_rng.choice(_OTHER) for _ in range(3000)).encode()


@dataclass(frozen=True)
class Corpus:
    original: RegistrationView
    edited: RegistrationView
    different: RegistrationView


def register(runtime: Runtime, content: bytes, title: str) -> RegistrationView:
    return Registrar(
        runtime.sessions,
        runtime.store,
        max_bytes=1 << 20,
        now=runtime.now,
        signer=KeySigner(generate_private_key("sm2")),
    ).register(io.BytesIO(content), WorkMetadata(title=title, authors=("佚名",)))


@pytest.fixture
def corpus(runtime: Runtime) -> Corpus:
    return Corpus(
        original=register(runtime, ORIGINAL, "原作"),
        edited=register(runtime, EDITED, "改写"),
        different=register(runtime, DIFFERENT, "另一部"),
    )


def numbers(found: SimilarWorks) -> list[str]:
    return [match.number for match in found.matches]


def bits_apart(a: str | None, b: str | None) -> int:
    assert a is not None
    assert b is not None
    return (parse_iscc(a).bits.popitem()[1] ^ parse_iscc(b).bits.popitem()[1]).bit_count()


def test_the_edited_text_is_found_by_its_content_code_and_the_different_one_is_not(
    runtime: Runtime, corpus: Corpus
) -> None:
    assert corpus.original.iscc_content is not None
    found = find_similar_works(runtime.sessions, corpus.original.iscc_content, max_distance=6)
    by_number = {match.number: match for match in found.matches}
    assert set(by_number) == {corpus.original.number, corpus.edited.number}
    assert numbers(found)[0] == corpus.original.number  # nearest first
    edited = by_number[corpus.edited.number]
    content = bits_apart(corpus.original.iscc_content, corpus.edited.iscc_content)
    assert content <= 6
    assert edited.distance == {"data": None, "content": content}  # the query has no Data-Code
    assert edited.title == "改写"
    assert edited.registrant == corpus.edited.registrant
    assert edited.status == "pending"
    assert not edited.taken_down


def test_an_iscc_code_reports_both_distances(runtime: Runtime, corpus: Corpus) -> None:
    original = corpus.original
    code = iscc_core.gen_iscc_code_v0(
        [original.iscc_content, original.iscc_data, original.iscc_instance]
    )["iscc"]
    found = find_similar_works(runtime.sessions, code, max_distance=6)
    assert found.query.codes == {"data": original.iscc_data, "content": original.iscc_content}
    by_number = {match.number: match for match in found.matches}
    assert corpus.different.number not in by_number
    assert by_number[original.number].distance == {"data": 0, "content": 0}
    assert by_number[corpus.edited.number].distance == {
        "data": bits_apart(original.iscc_data, corpus.edited.iscc_data),
        "content": bits_apart(original.iscc_content, corpus.edited.iscc_content),
    }


def test_max_distance_bounds_the_data_code_search(runtime: Runtime, corpus: Corpus) -> None:
    assert corpus.original.iscc_data is not None
    assert corpus.edited.iscc_data is not None
    distance = bits_apart(corpus.original.iscc_data, corpus.edited.iscc_data)
    assert 0 < distance <= 12
    near = find_similar_works(runtime.sessions, corpus.original.iscc_data, max_distance=distance)
    assert corpus.edited.number in numbers(near)
    closer = find_similar_works(
        runtime.sessions, corpus.original.iscc_data, max_distance=distance - 1
    )
    assert numbers(closer) == [corpus.original.number]


def test_a_taken_down_work_is_reported_with_its_flag(runtime: Runtime, corpus: Corpus) -> None:
    with runtime.sessions.begin() as session:
        session.execute(
            update(Registration)
            .where(Registration.number == corpus.edited.number)
            .values(takedown_json='{"authority": "moderator", "reason_digest": "00"}')
        )
    assert corpus.original.iscc_content is not None
    found = find_similar_works(runtime.sessions, corpus.original.iscc_content)
    flags = {match.number: match.taken_down for match in found.matches}
    assert flags == {corpus.original.number: False, corpus.edited.number: True}


@pytest.mark.parametrize("status", ["held", "rejected"])
def test_held_and_rejected_registrations_are_not_reported(
    runtime: Runtime, corpus: Corpus, status: str
) -> None:
    with runtime.sessions.begin() as session:
        session.execute(
            update(Registration)
            .where(Registration.number == corpus.edited.number)
            .values(status=status)
        )
    assert corpus.original.iscc_content is not None
    found = find_similar_works(runtime.sessions, corpus.original.iscc_content)
    assert numbers(found) == [corpus.original.number]


def test_limit_keeps_the_nearest(runtime: Runtime, corpus: Corpus) -> None:
    code = iscc_core.gen_iscc_code_v0(
        [corpus.original.iscc_content, corpus.original.iscc_data, corpus.original.iscc_instance]
    )["iscc"]
    assert numbers(find_similar_works(runtime.sessions, code, limit=1)) == [corpus.original.number]


def test_a_file_is_searched_by_its_codes_and_not_stored(runtime: Runtime, corpus: Corpus) -> None:
    with runtime.sessions() as session:
        works_before = session.scalar(select(func.count()).select_from(Work))
    found = find_works_similar_to_file(runtime.sessions, io.BytesIO(EDITED), max_bytes=1 << 20)
    by_number = {match.number: match for match in found.matches}
    assert by_number[corpus.edited.number].distance == {"data": 0, "content": 0}
    assert by_number[corpus.original.number].distance["content"] == bits_apart(
        corpus.original.iscc_content, corpus.edited.iscc_content
    )
    assert corpus.different.number not in by_number
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Work)) == works_before


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "ISCC:",
        "ISCC:XYZ",
        "not an iscc",
        "ISCC:IAA23DUCSR2PXLXM",  # an Instance-Code: not a similarity code
        "ISCC:GAA6KQKMK34FZLQ",  # one character short
        "uGAA6+KQ/K34FZLQD",  # not the canonical base32 form
        "ISCC:GAA6KQKMK34FZLQD\x00",
    ],
)
def test_a_bad_iscc_is_refused(runtime: Runtime, bad: str) -> None:
    with pytest.raises(InvalidIscc):
        find_similar_works(runtime.sessions, bad)


@pytest.mark.parametrize("max_distance", [-1, 13, 64])
def test_max_distance_beyond_the_bound_is_refused(runtime: Runtime, max_distance: int) -> None:
    with pytest.raises(DistanceOutOfRange):
        find_similar_works(runtime.sessions, "ISCC:GAA6KQKMK34FZLQD", max_distance=max_distance)


def test_banquan_similar_prints_the_matches(
    runtime: Runtime, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", runtime.settings.resolved_database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", runtime.settings.chain_rpc_url)
    assert corpus.original.iscc_content is not None
    runner = CliRunner()
    found = runner.invoke(cli_app, ["similar", corpus.original.iscc_content, "--json"])
    assert found.exit_code == 0, found.output
    matches = json.loads(found.output)["matches"]
    assert {m["number"] for m in matches} == {corpus.original.number, corpus.edited.number}
    by_file = runner.invoke(cli_app, ["similar", "--file", str(write(runtime, DIFFERENT))])
    assert by_file.exit_code == 0, by_file.output
    assert corpus.different.number in by_file.output
    assert corpus.original.number not in by_file.output
    bad = runner.invoke(cli_app, ["similar", "ISCC:XYZ"])
    assert bad.exit_code == 2
    assert "invalid_iscc" in bad.output


def write(runtime: Runtime, content: bytes) -> Path:
    path = runtime.settings.data_dir / "query.txt"
    path.write_bytes(content)
    return path


def test_the_prefix_and_case_do_not_matter() -> None:
    expected = {"data": "ISCC:GAA6KQKMK34FZLQD"}
    assert parse_iscc(" iscc:gaa6kqkmk34fzlqd ").codes == expected
    assert parse_iscc("GAA6KQKMK34FZLQD").codes == expected
