"""Regenerate the table and tally of ``golden/reports/README.md`` from the cases.

    python tests/update_reports_readme.py

The text above the tally is kept; tests/test_reports.py holds the tally and the table to the
cases."""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.golden_cases import GOLDEN  # noqa: E402
from tests.test_reports import REPORTS, Outcome, outcome  # noqa: E402

README = GOLDEN / "reports" / "README.md"
TALLY_MARK = "Tally: "


def main() -> None:
    text = README.read_text(encoding="utf-8")
    intro = text[: text.index(TALLY_MARK)]
    rows, refusals = [], []
    for case in REPORTS:
        config = tomllib.loads((case.path / "case.toml").read_text(encoding="utf-8"))
        name = case.name.removeprefix("reports/")
        message = (case.fails_with or "").replace("\\", "").replace("|", "/")
        message = message if len(message) <= 70 else message[:67] + "..."
        rows.append(f"| `{name}` | {config['source']} | `{message}` | {outcome(case).value} |")
        if outcome(case) is Outcome.REFUSED:
            refusals.append(f"- `{name}`: {case.expected_findings[0].split('; not rewritten: ', 1)[1].replace('|', '/')}")
    tally = Counter(outcome(case) for case in REPORTS)
    README.write_text(
        intro
        + f"{TALLY_MARK}**{tally[Outcome.FIXED]} fixed**, {tally[Outcome.REFUSED]} refused, {tally[Outcome.MISSED]} missed, "
        + f"of {len(REPORTS)} (tests/test_reports.py holds this line and the table to the cases).\n\n"
        + "| case | report | `before/` fails with (transformers 5) | outcome |\n| --- | --- | --- | --- |\n"
        + "\n".join(rows)
        + "\n\nRefusals, as the tool gives them:\n\n"
        + "\n".join(refusals)
        + "\n",
        encoding="utf-8",
    )
    print(dict(tally))


if __name__ == "__main__":
    main()
