"""Print the Faults table of docs/reliability.md from a run's results.json.

BANQUAN_FAULTS=full pytest tests/faults && python -m tests.faults.report
"""

from __future__ import annotations

import json
import sys

from tests.faults.conftest import RESULTS_DIR

ORDER = [
    "test_kill_under_load",
    "test_chain_outage",
    "test_database_restart",
    "test_content_store",
    "test_disk_full",
    "test_webhook_outage",
]


def _rank(test: str) -> tuple[int, str]:
    module = test.split(".py", 1)[0]
    return (ORDER.index(module) if module in ORDER else len(ORDER), test)


def table(rows: dict[str, dict[str, object]]) -> str:
    lines = [
        "| fault | load | acknowledged | lost | duplicated | recovery | test |",
        "|---|---|---|---|---|---|---|",
    ]
    for test in sorted(rows, key=_rank):
        row = rows[test]
        recovery = row["recovery_seconds"]
        shown = "—" if recovery is None else f"{recovery} s"
        lines.append(
            f"| {row['fault']} | {row['load']} | {row['acknowledged']} | {row['lost']} "
            f"| {row['duplicated']} | {shown} | `tests/faults/{test}` |"
        )
    return "\n".join(lines)


def main() -> None:
    rows = json.loads((RESULTS_DIR / "results.json").read_text(encoding="utf-8"))
    sys.stdout.write(table(rows) + "\n")
    for test in sorted(rows, key=_rank):
        sys.stdout.write(f"\n- `{test}` ({rows[test]['strength']}): {rows[test]['notes']}\n")


if __name__ == "__main__":
    main()
