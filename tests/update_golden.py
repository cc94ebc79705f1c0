"""Regenerate ``after/`` and ``expected.txt`` of golden cases from the current tool.

    python tests/update_golden.py [CASE ...]

Review the result with ``git diff golden/`` before committing: the golden data is the spec."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.golden_cases import cases, check_findings, rewrite, tree_bytes  # noqa: E402


def main(names: list[str]) -> None:
    for case in cases():
        if names and case.name not in names:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            findings = check_findings(case, Path(tmp))
            tree, result = rewrite(case, Path(tmp))
            (case.path / "expected.txt").write_text("".join(line + "\n" for line in findings), encoding="utf-8")
            if case.after.exists():
                shutil.rmtree(case.after)
            if tree_bytes(tree) != tree_bytes(case.before):
                shutil.copytree(tree, case.after, ignore=shutil.ignore_patterns("__pycache__"))
            state = "rewritten" if case.after.exists() else "unchanged"
            print(f"{case.name}: {state}, {len(findings)} finding(s)")


if __name__ == "__main__":
    main(sys.argv[1:])
