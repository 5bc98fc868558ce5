"""bench/performance_report.py on the committed results: one row per figure with the verdict of
the run that measured it, a row for a benchmark without results, and a real PNG."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


def load_report() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "performance_report", ROOT / "bench" / "performance_report.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def table(markdown: str) -> list[list[str]]:
    rows = [line.strip("|").split(" | ") for line in markdown.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row] for row in rows if len(row) == 7][1:]


def test_every_figure_of_the_committed_results_has_its_verdict(tmp_path: Path) -> None:
    report = load_report()
    report.main(["--output", str(tmp_path / "p.md"), "--plot", str(tmp_path / "p.png")])
    rows = table((tmp_path / "p.md").read_text(encoding="utf-8"))
    verdicts = {(row[0], row[1]): row[6] for row in rows}

    crypto = json.loads((RESULTS / "crypto.json").read_text(encoding="utf-8"))
    for figure in crypto["figures"]:
        expected = "yes" if figure["meets_target"] else "**no**"
        assert verdicts[("crypto", f"{figure['name']} ({figure['unit']})")] == expected

    scale = json.loads((RESULTS / "scale.json").read_text(encoding="utf-8"))
    largest = scale["settings"]["sizes"][-1]
    for lookup in ("digest", "isbn"):
        name = f"p99 ms of lookup by {lookup} at {largest:,} (PostgreSQL)"
        expected = "yes" if scale["ratio"][lookup] <= 1.5 else "**no**"
        assert verdicts[("scale", name)] == expected

    startup = json.loads((RESULTS / "cli_startup.json").read_text(encoding="utf-8"))
    for figure in startup["figures"]:
        expected = "yes" if figure["meets_target"] else "**no**"
        assert verdicts[("cli-startup", f"{figure['name']}, median wall s (CPU)")] == expected

    register = json.loads((RESULTS / "register_api.json").read_text(encoding="utf-8"))
    (upload_row,) = [row for row in rows if row[0] == "register-api"]
    assert upload_row[4] == str(register["ratios"]["banquan_vs_baseline"])
    assert upload_row[6] == ("yes" if register["meets_target"] else "**no**")

    ingest = json.loads((RESULTS / "ingest.json").read_text(encoding="utf-8"))
    ingest_rows = [row for row in rows if row[0] == "ingest"]
    assert [row[5] for row in ingest_rows] == [f"≥ {f['target']:g}" for f in ingest["figures"]]
    assert [row[6] for row in ingest_rows] == [
        "yes" if f["met"] else "**no**" for f in ingest["figures"]
    ]

    gas = [row for row in rows if row[0] == "gas" and "batch of 1,000" in row[1]]
    assert len(gas) == 1
    assert gas[0][5] == "≤ 60"
    assert gas[0][6] == ("yes" if float(gas[0][2]) <= 60 else "**no**")

    png = (tmp_path / "p.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 20_000


def test_a_benchmark_without_results_is_listed_as_such(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    shutil.copy(RESULTS / "crypto.json", results)
    report = load_report()
    rows, sources = report.collect(results, tmp_path / "no-gas.md")
    missing = {row.benchmark for row in rows if row.figure == "no results yet"}
    assert missing == {
        "anchor",
        "register-api",
        "ingest",
        "iscc",
        "verify-api",
        "proof",
        "scale",
        "near-duplicates",
    }
    assert [source for source, _ in sources] == ["bench/results/crypto.json"]
    assert all(row.met is not None for row in rows if row.benchmark == "crypto")
