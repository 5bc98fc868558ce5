#!/usr/bin/env python3
"""Dependency audit (``make audit``): known vulnerabilities in what the lockfiles pin.

* Python: ``uv export --frozen --no-hashes`` turns uv.lock into a requirements file, which
  ``pip-audit`` checks (pinned versions only, nothing installed or resolved).
* npm: ``npm audit`` over package-lock.json (every package is a devDependency of the contract
  toolchain, so the whole tree is audited; ``--omit=dev`` would audit nothing).

An advisory accepted after review goes in scripts/audit-allowlist.toml with its reason.

Exit status: 0 when nothing unaccepted was found, or when an advisory service cannot be reached
(reported as "skipped", so an offline machine is not a failure); 1 when a vulnerability not in
the allowlist is found; 2 when a tool is missing or the allowlist is malformed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWLIST = ROOT / "scripts" / "audit-allowlist.toml"
TIMEOUT_SECONDS = 300
# What the tools print when the advisory service is out of reach (DNS, refused, proxy answers).
UNREACHABLE_SIGNS = (
    "ConnectionError",
    "Name or service not known",
    "Temporary failure in name resolution",
    "Max retries exceeded",
    "ENOTFOUND",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "EAI_AGAIN",
    "audit endpoint returned an error",
    "Method Not Allowed",
)


class ToolMissing(Exception):
    pass


@dataclass(frozen=True)
class Finding:
    ecosystem: str
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...] = ()
    detail: str = ""

    @property
    def ids(self) -> set[str]:
        return {self.advisory, *self.aliases}


@dataclass
class Outcome:
    ecosystem: str
    audited: int = 0
    skipped: str | None = None  # why the audit could not run
    findings: list[Finding] = field(default_factory=list)


def tool(name: str, *candidates: Path) -> str:
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(f"{name} not found (run `make install`)")
    return found


def unreachable(text: str) -> bool:
    return any(sign in text for sign in UNREACHABLE_SIGNS)


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    # The commands are this script's own, with paths it found itself: no untrusted input.
    return subprocess.run(  # noqa: S603
        command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )


def audit_python() -> Outcome:
    outcome = Outcome("python")
    uv = tool("uv", ROOT / ".tools" / "uv" / "bin" / "uv")
    pip_audit = tool("pip-audit", ROOT / ".venv" / "bin" / "pip-audit")
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / "requirements.txt"
        exported = run(
            [uv, "export", "--frozen", "--no-hashes", "--no-emit-project",
             "--format", "requirements-txt", "--output-file", str(requirements)]
        )  # fmt: skip
        if exported.returncode != 0:
            raise ToolMissing(f"uv export failed: {exported.stderr.strip()}")
        report_file = Path(scratch) / "report.json"
        try:
            audited = run(
                [pip_audit, "--requirement", str(requirements), "--no-deps", "--disable-pip",
                 "--format", "json", "--output", str(report_file), "--progress-spinner", "off"]
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            outcome.skipped = f"pip-audit got no answer within {TIMEOUT_SECONDS} s"
            return outcome
        if not report_file.exists():
            if unreachable(audited.stderr):
                outcome.skipped = "the vulnerability service cannot be reached"
                return outcome
            raise ToolMissing(f"pip-audit failed: {audited.stderr.strip()[-2000:]}")
        report = json.loads(report_file.read_text(encoding="utf-8"))
    dependencies = report.get("dependencies", [])
    looked_up = [d for d in dependencies if "skip_reason" not in d]
    outcome.audited = len(looked_up)
    if dependencies and not looked_up:
        # pip-audit's PyPI service reports every package "not found" when it gets no answer.
        outcome.skipped = "the vulnerability service answered for none of the packages"
        return outcome
    for dependency in looked_up:
        for vulnerability in dependency.get("vulns", []):
            fixes = ", ".join(vulnerability.get("fix_versions", [])) or "no fix yet"
            outcome.findings.append(
                Finding(
                    "python",
                    dependency["name"],
                    dependency["version"],
                    vulnerability["id"],
                    tuple(vulnerability.get("aliases", [])),
                    f"fixed in {fixes}",
                )
            )
    return outcome


def audit_npm() -> Outcome:
    outcome = Outcome("npm")
    npm = tool("npm")
    try:
        audited = run([npm, "audit", "--json"])
    except subprocess.TimeoutExpired:
        outcome.skipped = f"npm audit got no answer within {TIMEOUT_SECONDS} s"
        return outcome
    try:
        report = json.loads(audited.stdout or "{}")
    except json.JSONDecodeError:
        report = {}
    if "vulnerabilities" not in report:
        message = f"{report.get('message', '')} {audited.stderr}"
        if unreachable(message) or "statusCode" in report:
            outcome.skipped = "the npm advisory service cannot be reached"
            return outcome
        raise ToolMissing(f"npm audit failed: {message.strip()[-2000:]}")
    outcome.audited = int(report.get("metadata", {}).get("dependencies", {}).get("total", 0))
    for name, entry in report["vulnerabilities"].items():
        for via in entry.get("via", []):
            if not isinstance(via, dict):
                continue  # "via another vulnerable package": reported under that package
            url = str(via.get("url", ""))
            advisory = url.rsplit("/", 1)[-1] if url else str(via.get("source", "?"))
            outcome.findings.append(
                Finding(
                    "npm",
                    name,
                    str(via.get("range", entry.get("range", ""))),
                    advisory,
                    (str(via.get("source", "")),),
                    f"{via.get('severity', entry.get('severity', '?'))}: {via.get('title', '')}",
                )
            )
    return outcome


def load_allowlist(path: Path = ALLOWLIST) -> dict[str, str]:
    """Accepted advisory ids and why: ``[[accepted]]`` tables with ``id`` and ``reason``."""
    if not path.exists():
        return {}
    accepted: dict[str, str] = {}
    for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("accepted", []):
        advisory, reason = str(entry.get("id", "")).strip(), str(entry.get("reason", "")).strip()
        if not advisory or not reason:
            raise ToolMissing(f"{path.name}: every accepted advisory needs an id and a reason")
        accepted[advisory] = reason
    return accepted


def main() -> int:
    try:
        accepted = load_allowlist()
        outcomes = [audit_python(), audit_npm()]
    except ToolMissing as exc:
        print(f"audit: error: {exc}", file=sys.stderr)
        return 2
    failing = 0
    for outcome in outcomes:
        if outcome.skipped:
            print(f"{outcome.ecosystem}: skipped ({outcome.skipped})")
            continue
        open_findings = [f for f in outcome.findings if not f.ids & accepted.keys()]
        allowed = len(outcome.findings) - len(open_findings)
        print(
            f"{outcome.ecosystem}: {outcome.audited} packages audited, "
            f"{len(open_findings)} vulnerabilities, {allowed} accepted in {ALLOWLIST.name}"
        )
        for finding in outcome.findings:
            reason = next((accepted[i] for i in sorted(finding.ids) if i in accepted), None)
            mark = f"accepted: {reason}" if reason else "OPEN"
            print(
                f"  {finding.package} {finding.version}: {finding.advisory} "
                f"({finding.detail}) [{mark}]"
            )
        failing += len(open_findings)
    if all(outcome.skipped for outcome in outcomes):
        print("audit: skipped (no advisory service reachable)")
        return 0
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
