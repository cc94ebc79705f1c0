"""The suite's two tiers: CI runs the README's test command, which is the whole suite, and a
plain ``pytest`` leaves out exactly the tests marked for the later tiers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command_and_it_is_the_whole_suite() -> None:
    readme_command = re.search(r"^pip install torch==2\.13\.0 && .*? && (python -m pytest .*)$", (REPO / "README.md").read_text(), re.MULTILINE)
    assert readme_command, "the README's first block has no test command"
    ci_commands = [line for line in (REPO / ".ci" / "run").read_text().splitlines() if "pytest" in line and not line.startswith("#")]
    assert ci_commands == [readme_command.group(1)]
    assert "--full" in readme_command.group(1).split()


def _collected(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider", *args, "tests/test_golden.py", "tests/test_corpus.py"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return {line for line in done.stdout.splitlines() if "::" in line}


def test_the_fast_tier_leaves_out_exactly_the_execution_and_slow_tests() -> None:
    everything = _collected("--full")
    fast = _collected()
    later = _collected("--full", "-m", "execution or slow")
    assert fast and later and fast | later == everything and not fast & later
    assert any("test_rewrite_is_byte_exact_and_idempotent" in t for t in fast)
    assert any("test_rewrite_verified_as_users_run_it_prints_the_same_losses" in t for t in later)
