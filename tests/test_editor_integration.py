"""fixlabels inside other tools: an editor's unsaved buffer on stdin, `fixlabels explain`, and
the hosted pre-commit hooks. The README's recipes themselves are run in test_readme_recipes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codemod.registry import RULES
from tests.test_readme_recipes import vscode_task

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "golden"


def fixlabels(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "codemod", *args], cwd=cwd, input=stdin, capture_output=True, timeout=300)


def test_stdin_buffer_comes_back_fixed_on_stdout(tmp_path: Path) -> None:
    shutil.copytree(GOLDEN / "seed_example" / "before", tmp_path / "t")
    buffer = (tmp_path / "t" / "train.py").read_bytes()
    (tmp_path / "t" / "train.py").write_text("# the saved version is older\n")
    result = fixlabels("--stdin-filename", "train.py", "-", cwd=tmp_path / "t", stdin=buffer)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (GOLDEN / "seed_example" / "after" / "train.py").read_bytes()
    assert (tmp_path / "t" / "train.py").read_text() == "# the saved version is older\n"  # nothing written


def test_stdin_uses_the_project_around_the_file_for_context(tmp_path: Path) -> None:
    """The batches' keys come from a collate function in another file of the project."""
    shutil.copytree(GOLDEN / "fl002_collate_function" / "before", tmp_path / "t")
    (tmp_path / "t" / "pyproject.toml").write_text('[project]\nname = "t"\n')
    buffer = (tmp_path / "t" / "train.py").read_bytes()
    alone = tmp_path / "alone"
    alone.mkdir()
    result = fixlabels("--stdin-filename", "train.py", "-", cwd=alone, stdin=buffer)
    assert result.stdout == buffer  # without data.py the labels in the batch are not known
    result = fixlabels("--stdin-filename", "train.py", "-", cwd=tmp_path / "t", stdin=buffer)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (GOLDEN / "fl002_collate_function" / "after" / "train.py").read_bytes()


def test_stdin_refuses_a_fix_that_would_change_other_files(tmp_path: Path) -> None:
    """The class's fix would change its call sites in train.py and evaluate.py."""
    shutil.copytree(GOLDEN / "multi_file_repo" / "before", tmp_path / "t")
    buffer = (tmp_path / "t" / "models" / "net.py").read_bytes()
    result = fixlabels("--stdin-filename", "models/net.py", "-", cwd=tmp_path / "t", stdin=buffer)
    assert result.stdout == buffer
    assert result.returncode == 1
    assert result.stderr.decode().startswith("models/net.py:13:5: FL001 ")
    assert "not rewritten: the fix also changes evaluate.py; run `fixlabels --write` on the project" in result.stderr.decode()



def test_stdin_on_a_calling_file_reports_what_file_mode_reports_for_it(tmp_path: Path) -> None:
    """train.py calls a model whose forward lives in models/net.py: `fixlabels train.py` reports
    the class's finding (its fix changes train.py) and exits 1; the buffer of train.py does too."""
    shutil.copytree(GOLDEN / "multi_file_repo" / "before", tmp_path / "t")
    buffer = (tmp_path / "t" / "train.py").read_bytes()
    by_file = fixlabels("--no-cache", "train.py", cwd=tmp_path / "t")
    by_stdin = fixlabels("--stdin-filename", "train.py", "-", cwd=tmp_path / "t", stdin=buffer)
    assert by_file.returncode == by_stdin.returncode == 1
    assert by_stdin.stdout == buffer  # the fix changes other files: the buffer comes back as it was
    assert by_file.stdout.decode().startswith("models/net.py:13:5: FL001 ")
    assert by_stdin.stderr.decode().startswith("models/net.py:13:5: FL001 ")
    assert "the fix also changes evaluate.py; run `fixlabels --write` on the project" in by_stdin.stderr.decode()
    unrelated = fixlabels("--stdin-filename", "main.py", "-", cwd=tmp_path / "t", stdin=(tmp_path / "t" / "main.py").read_bytes())
    assert unrelated.returncode == 0 and unrelated.stderr == b""


def test_stdin_findings_go_to_stderr_in_the_chosen_format(tmp_path: Path) -> None:
    shutil.copytree(GOLDEN / "multi_file_repo" / "before", tmp_path / "t")
    buffer = (tmp_path / "t" / "models" / "net.py").read_bytes()
    result = fixlabels("--stdin-filename", "models/net.py", "--output-format", "json", "-", cwd=tmp_path / "t", stdin=buffer)
    records = json.loads(result.stderr)
    assert [(r["path"], r["line"], r["code"], r["fixable"]) for r in records] == [("models/net.py", 13, "FL001", False)]


def test_stdin_diff_prints_the_diff_of_the_buffer_not_the_buffer(tmp_path: Path) -> None:
    shutil.copytree(GOLDEN / "seed_example" / "before", tmp_path / "t")
    buffer = (tmp_path / "t" / "train.py").read_bytes()
    result = fixlabels("--diff", "--stdin-filename", "train.py", "-", cwd=tmp_path / "t", stdin=buffer)
    assert result.returncode == 1, result.stderr
    expected = subprocess.run(
        [sys.executable, "-m", "codemod", "--diff", "train.py"], cwd=tmp_path / "t", capture_output=True, timeout=300
    ).stdout
    assert result.stdout.startswith(b"--- a/train.py\n+++ b/train.py\n@@ ")
    assert result.stdout == expected
    clean = fixlabels("--diff", "--stdin-filename", "train.py", "-", cwd=tmp_path / "t", stdin=(GOLDEN / "seed_example" / "after" / "train.py").read_bytes())
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, b"", b"")


def test_stdin_reports_the_findings_it_fixed(tmp_path: Path) -> None:
    shutil.copytree(GOLDEN / "seed_example" / "before", tmp_path / "t")
    buffer = (tmp_path / "t" / "train.py").read_bytes()
    text = fixlabels("--stdin-filename", "train.py", "-", cwd=tmp_path / "t", stdin=buffer)
    assert text.returncode == 0
    lines = text.stderr.decode().splitlines()
    assert lines[0].startswith("Fixed FL001 at train.py:22:5 (`MyTransformer.forward` takes `labels`")
    assert lines[1:] == ["Fixed 1 finding(s); 0 remaining."]
    # A fixed finding is not a problem: the README's VS Code matcher must not pick it up.
    matcher = re.compile(vscode_task()["problemMatcher"]["pattern"]["regexp"])
    assert not any(matcher.match(line) for line in lines)
    records = json.loads(fixlabels("--stdin-filename", "train.py", "--output-format", "json", "-", cwd=tmp_path / "t", stdin=buffer).stderr)
    assert [(r["path"], r["line"], r["code"], r["fixable"], r["fix_applied"]) for r in records] == [("train.py", 22, "FL001", True, True)]


@pytest.mark.parametrize("args", [["-"], ["--stdin-filename", "x.py"], ["--stdin-filename", "x.py", "-", "other.py"]])
def test_stdin_needs_both_the_filename_and_the_dash(tmp_path: Path, args: list[str]) -> None:
    result = fixlabels(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert b"--stdin-filename PATH -" in result.stderr


def test_explain_prints_the_rule_documentation_from_its_module(tmp_path: Path) -> None:
    import codemod.rules.fl002_labels_passed as fl002

    result = fixlabels("explain", "fl002", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.decode().startswith("FL002 (labels-to-forward-without-labels); fix: repair (")
    assert result.stdout.decode().endswith(f"\n\n{(fl002.__doc__ or '').strip()}\n")
    assert "When it refuses\n" in result.stdout.decode()
    listing = fixlabels("explain", cwd=tmp_path).stdout.decode()
    assert [line.split()[0] for line in listing.splitlines()] == list(RULES)
    unknown = fixlabels("explain", "FL404", cwd=tmp_path)
    assert unknown.returncode == 2 and b"unknown rule `FL404`" in unknown.stderr


def test_a_path_named_explain_is_still_reachable(tmp_path: Path) -> None:
    (tmp_path / "explain").mkdir()
    shutil.copy(GOLDEN / "seed_example" / "before" / "train.py", tmp_path / "explain" / "train.py")
    result = fixlabels("./explain", cwd=tmp_path)
    assert result.returncode == 1 and b"FL001" in result.stdout


def test_pre_commit_hooks_file_is_valid() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = clientlib.load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    by_id = {hook["id"]: hook for hook in hooks}
    assert set(by_id) == {"fixlabels", "fixlabels-fix"}
    assert by_id["fixlabels-fix"]["entry"] == "fixlabels --write"
    assert all(not hook["pass_filenames"] and hook["args"] == ["."] for hook in hooks)


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_hooks_on_a_repository(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    shutil.copytree(GOLDEN / "seed_example" / "before", project)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=project, check=True)
    env = {**dict(__import__("os").environ), "PRE_COMMIT_HOME": str(tmp_path / "cache")}

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook, "--all-files", "--verbose"],
            cwd=project, capture_output=True, text=True, timeout=900, env=env,
        )

    check = try_repo("fixlabels")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "train.py:22:5: FL001" in check.stdout
    fix = try_repo("fixlabels-fix")
    assert fix.returncode == 1, fix.stdout + fix.stderr  # pre-commit fails a hook that changed files
    assert (project / "train.py").read_bytes() == (GOLDEN / "seed_example" / "after" / "train.py").read_bytes()
