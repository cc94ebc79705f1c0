"""The reports suite (``golden/reports/``): public reports of the labels TypeError and of its
transformers-5 messages, each rebuilt as a tiny program beside the fix its answer gave.

The golden suite holds each case to its ``after/`` and runs it (a rewrite must print the hand
fix's numbers; ``before/`` must fail as the report says). This file holds the suite to what it
claims: every case says where it comes from and what the hand fix is, and the tally of outcomes
in ``golden/reports/README.md`` is the one the cases give."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from enum import Enum

import pytest

from tests.golden_cases import GOLDEN, Case, cases

REPORTS = [case for case in cases() if case.name.startswith("reports/")]


class Outcome(str, Enum):
    FIXED = "fixed"
    """Rewritten; the execution tier holds its output to the hand fix's."""
    REFUSED = "refused"
    """Reported, nothing written, with the reason."""
    MISSED = "missed"
    """No finding: the cause is out of the tool's sight."""


def outcome(case: Case) -> Outcome:
    if case.after.exists():
        return Outcome.FIXED
    findings = case.expected_findings
    return Outcome.REFUSED if findings and all("; not rewritten: " in line for line in findings) else Outcome.MISSED


def test_the_suite_rebuilds_at_least_25_reports() -> None:
    assert len(REPORTS) >= 25


@pytest.mark.parametrize("case", REPORTS, ids=[c.name for c in REPORTS])
def test_a_report_says_its_source_its_story_and_its_hand_fix_and_fails_as_reported(case: Case) -> None:
    config = tomllib.loads((case.path / "case.toml").read_text(encoding="utf-8"))
    assert re.match(r"https?://", config.get("source", "")), "the report's address"
    assert len(config.get("report", "")) > 40, "what was reported, in our own words"
    assert len(config.get("hand_fix", "")) > 20, "the fix the answer gave"
    assert case.reference.is_dir(), "the hand fix, as a program"
    assert case.fails_with, "the message before/ fails with"
    assert config.get("args") == ["--select", "ALL"], "run as the reports were measured: every rule"


@pytest.mark.parametrize("case", REPORTS, ids=[c.name for c in REPORTS])
def test_a_report_left_alone_is_refused_with_a_reason_or_missed_never_half_done(case: Case) -> None:
    if outcome(case) is Outcome.FIXED:  # what fixed it is reported (a refactor beside it may refuse)
        assert any("; not rewritten: " not in line for line in case.expected_findings)
    else:
        assert not (case.path / "after").exists()


def test_the_tally_in_the_suites_readme_is_the_cases_own() -> None:
    tally = Counter(outcome(case) for case in REPORTS)
    readme = (GOLDEN / "reports" / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"\*\*(\d+) fixed\*\*, (\d+) refused, (\d+) missed, of (\d+)", readme)
    assert stated is not None, "the README states the tally"
    assert tuple(map(int, stated.groups())) == (tally[Outcome.FIXED], tally[Outcome.REFUSED], tally[Outcome.MISSED], len(REPORTS))
    for case in REPORTS:
        row = re.search(rf"^\| `{re.escape(case.name.removeprefix('reports/'))}` \|[^\n]*\| (\w+) \|$", readme, re.MULTILINE)
        assert row is not None and row.group(1) == outcome(case).value, case.name
