"""The hook chain's configuration and policy, the lexicon, and the near-duplicate index."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from registry.core.database import create_database_engine, migrate, session_factory
from registry.core.errors import InvalidLexicon, ModerationMisconfigured
from registry.core.models import SimilarityCode, Work
from registry.core.settings import Settings
from registry.moderation.builtin import Lexicon
from registry.moderation.catalog import build_hook_chain
from registry.moderation.hooks import ChainPolicy, HookChain, HookResult, Verdict
from registry.moderation.similarity import (
    linear_near_codes,
    near_codes,
    neighbours,
    segments,
    signed,
)


def test_unknown_hook_name_is_a_start_up_error_naming_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, moderation_hooks=["blocklist", "virus-scan"])
    with pytest.raises(ModerationMisconfigured) as raised:
        build_hook_chain(settings)
    assert "'virus-scan'" in raised.value.message
    assert raised.value.details["hook"] == "virus-scan"


def test_malformed_lexicon_is_a_clear_error(tmp_path: Path) -> None:
    lexicon = tmp_path / "words.txt"
    lexicon.write_text("good\nbad\tcategory\textra\n", encoding="utf-8")
    settings = Settings(
        data_dir=tmp_path, moderation_hooks=["lexicon"], moderation_lexicon_files=[lexicon]
    )
    with pytest.raises(InvalidLexicon) as raised:
        build_hook_chain(settings)
    assert raised.value.details == {"file": str(lexicon), "line": 2}
    lexicon.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(InvalidLexicon):
        build_hook_chain(settings)
    with pytest.raises(InvalidLexicon):
        Lexicon.load([tmp_path / "missing.txt"])


def test_lexicon_matches_chinese_and_english_with_positions(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("赌博\tgambling\nCASINO\n", encoding="utf-8")
    lexicon = Lexicon.load([tmp_path / "a.txt"])
    assert lexicon.matches("网上赌博 casino", "content") == [
        {"term": "赌博", "category": "gambling", "field": "content", "start": 2, "end": 4},
        {"term": "CASINO", "category": "sensitive", "field": "content", "start": 5, "end": 11},
    ]


class Fixed:
    def __init__(self, name: str, verdict: Verdict, score: float = 0.0) -> None:
        self.name, self.verdict, self.score = name, verdict, score
        self.calls = 0

    def check(self, subject: object, context: object) -> HookResult:
        self.calls += 1
        return HookResult(self.name, self.verdict, self.score)


def test_chain_policy_first_reject_wins_holds_collect_and_scores_add_up() -> None:
    reject, later = Fixed("r", Verdict.REJECT, 1), Fixed("later", Verdict.ACCEPT)
    chain = HookChain((reject, later), ChainPolicy(stop_on_reject=True))
    assert chain.verdict_of([HookResult("a", Verdict.HOLD), HookResult("b", Verdict.REJECT)]) == (
        Verdict.REJECT
    )
    scored = HookChain((), ChainPolicy(hold_score=0.8, reject_score=1.5))
    assert scored.verdict_of([HookResult("a", Verdict.ACCEPT, 0.5)]) is Verdict.ACCEPT
    assert scored.verdict_of([HookResult("a", Verdict.ACCEPT, 0.5)] * 2) is Verdict.HOLD
    assert scored.verdict_of([HookResult("a", Verdict.ACCEPT, 0.5)] * 3) is Verdict.REJECT


def test_neighbours_are_every_value_within_the_radius() -> None:
    assert len(neighbours(0, 0)) == 1
    assert len(neighbours(0xABCD, 1)) == 17
    assert len(set(neighbours(0xABCD, 2))) == 1 + 16 + 120
    assert all((v ^ 0xABCD).bit_count() <= 2 for v in neighbours(0xABCD, 2))


@pytest.mark.parametrize("max_distance", [0, 3, 6, 9])
def test_index_finds_exactly_what_a_linear_scan_finds(database_url: str, max_distance: int) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    sessions = session_factory(engine)
    rng = random.Random(max_distance)
    query = rng.getrandbits(64)
    codes = [rng.getrandbits(64) for _ in range(300)]
    for n in range(60):  # plant codes at every distance up to 12
        flips = rng.sample(range(64), n % 13)
        codes.append(query ^ sum(1 << bit for bit in flips))
    with sessions() as session, session.begin():
        session.execute(
            insert(Work),
            [
                {
                    "sha256": "0" * 64,
                    "sm3": "0" * 64,
                    "size": 1,
                    "title": "t",
                    "metadata_json": "{}",
                    "created_at": datetime(2026, 1, 1, tzinfo=UTC),
                }
                for _ in codes
            ],
        )
        rows = []
        for work_id, code in enumerate(codes, start=1):
            s0, s1, s2, s3 = segments(code)
            rows.append(
                {
                    "work_id": work_id,
                    "kind": "data",
                    "code": signed(code),
                    "seg0": s0,
                    "seg1": s1,
                    "seg2": s2,
                    "seg3": s3,
                }
            )
        session.execute(insert(SimilarityCode), rows)
    with sessions() as session:
        found = {
            (m.work_id, m.distance)
            for m in near_codes(session, "data", query, max_distance, limit=10_000)
        }
    expected = set(linear_near_codes(enumerate(codes, start=1), query, max_distance))
    assert found == expected
    assert found
    engine.dispose()


def test_third_party_hook_from_an_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "banquan_sample_hooks.py").write_text(
        "from registry.moderation.hooks import HookResult, Verdict\n"
        "class AlwaysHold:\n"
        "    name = 'always_hold'\n"
        "    def check(self, subject, context):\n"
        "        return HookResult(self.name, Verdict.HOLD, 1.0, ('sample',))\n"
        "def make(settings):\n"
        "    return AlwaysHold()\n",
        encoding="utf-8",
    )
    info = tmp_path / "banquan_sample_hooks-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: banquan-sample-hooks\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[banquan.moderation_hooks]\nalways_hold = banquan_sample_hooks:make\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    chain = build_hook_chain(
        Settings(data_dir=tmp_path, moderation_hooks=["blocklist", "always_hold"])
    )
    assert [hook.name for hook in chain.hooks] == ["blocklist", "always_hold"]
    assert chain.verdict_of([chain.hooks[1].check(None, None)]) is Verdict.HOLD  # type: ignore[arg-type]
