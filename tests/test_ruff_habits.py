"""What Ruff users type works here too: `check`, `--fix`, `--exit-zero`, `--statistics`,
`--show-fixes`, `-q`, `per-file-ignores`, and a summary that counts the files with findings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codemod import cache
from codemod.cli import app

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
FINDING = "train.py:22:5: FL001 `MyTransformer.forward` takes `labels` and computes the loss inside the model\n"
runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def multi_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A model in models/net.py, called from train.py and evaluate.py: one finding, three files changed."""
    tree = tmp_path / "repo"
    shutil.copytree(GOLDEN / "multi_file_repo" / "before", tree)
    monkeypatch.chdir(tree)
    return tree


def test_check_subcommand_is_the_default_command(seed: Path) -> None:
    checked = subprocess.run([sys.executable, "-m", "codemod", "check", "--no-cache", "."], capture_output=True, text=True)
    plain = subprocess.run([sys.executable, "-m", "codemod", "--no-cache", "."], capture_output=True, text=True)
    assert checked.returncode == plain.returncode == 1
    assert checked.stdout == plain.stdout == FINDING
    assert "E902" not in checked.stderr and "check" not in checked.stdout


def test_a_file_named_check_is_still_reachable_as_dot_slash_check(seed: Path) -> None:
    (seed / "check").write_text("x = 1\n")
    result = subprocess.run([sys.executable, "-m", "codemod", "--no-cache", "./check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "E902" not in result.stderr


def test_fix_is_write(seed: Path) -> None:
    result = invoke("--fix", "--no-verify", ".")
    assert result.exit_code == 0, result.output
    assert (GOLDEN / "seed_example" / "after" / "train.py").read_text() == (seed / "train.py").read_text()
    assert "Fixed 1 finding(s), wrote 1 file(s)" in result.stderr


def test_exit_zero_exits_0_with_findings_and_still_2_on_an_unreadable_file(seed: Path) -> None:
    result = invoke("--exit-zero", "--no-cache", ".")
    assert result.exit_code == 0
    assert result.stdout == FINDING  # the findings are still printed
    (seed / "broken.py").write_text("def (:\n")
    result = invoke("--exit-zero", "--no-cache", ".")
    assert result.exit_code == 2
    assert "broken.py:1" in result.stderr and "E999" in result.stderr


def test_exit_zero_applies_to_diff_and_stdin(seed: Path) -> None:
    assert invoke("--diff", "--exit-zero", ".").exit_code == 0
    text = (seed / "train.py").read_text()
    result = runner.invoke(app, ["--stdin-filename", "train.py", "--exit-zero", "-"], input=text)
    assert result.exit_code == 0 and "criterion" in result.stdout


def test_statistics_prints_a_count_per_rule_instead_of_each_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "t"
    shutil.copytree(GOLDEN / "seed_example" / "before", tree)
    shutil.copy(tree / "train.py", tree / "train2.py")
    monkeypatch.chdir(tree)
    result = invoke("--statistics", "--no-cache", ".")
    assert result.exit_code == 1
    assert result.stdout == "    2\tFL001\t[*] loss-in-forward\n"
    assert "Found 2 finding(s) in 2 file(s)" in result.stderr


def test_statistics_marks_a_rule_whose_finding_cannot_be_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = multi_file(tmp_path, monkeypatch)
    _pyproject(tree, '[tool.fixlabels.per-file-ignores]\n"train.py" = ["FL001"]')  # refuses the fix
    result = invoke("--statistics", "--no-cache", ".")
    assert result.stdout == "    1\tFL001\t[ ] loss-in-forward\n"


def test_statistics_with_a_machine_format_is_a_usage_error(seed: Path) -> None:
    result = invoke("--statistics", "--output-format", "json", ".")
    assert result.exit_code == 2 and "--statistics" in result.stderr


def test_show_fixes_lists_what_was_fixed_would_be_fixed_or_can_be_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    multi_file(tmp_path, monkeypatch)
    line = "models/net.py:13:5 (`Classifier.forward` takes `labels` and computes the loss inside the model)"
    check = invoke("--show-fixes", "--no-cache", ".")
    assert f"Fixable FL001 at {line}" in check.stderr
    diff = invoke("--show-fixes", "--diff", ".")
    assert f"Would fix FL001 at {line}" in diff.stderr
    write = invoke("--show-fixes", "--write", "--no-verify", ".")
    assert write.exit_code == 0, write.output
    assert f"Fixed FL001 at {line}" in write.stderr
    # Worded so that no problem matcher (path:line:col: at a line's start) takes it for a problem.
    assert not any(l.startswith("models/net.py:") for l in write.stderr.splitlines())


def test_without_show_fixes_a_write_lists_no_fixed_finding(seed: Path) -> None:
    result = invoke("--write", "--no-verify", ".")
    assert "Fixed FL001 at" not in result.stderr


def test_quiet_prints_findings_and_nothing_else(seed: Path) -> None:
    result = invoke("-q", "--no-cache", ".")
    assert result.exit_code == 1
    assert result.stdout == FINDING
    assert result.stderr == ""
    loud = invoke("--quiet", "--write", "--no-verify", ".")
    assert loud.exit_code == 0 and loud.stderr == "" and loud.stdout == ""


def test_the_summary_counts_files_with_findings_not_files_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    multi_file(tmp_path, monkeypatch)
    result = invoke("--no-cache", ".")
    assert "Found 1 finding(s) in 1 file(s); 5 file(s) checked (1 fixable with --write)." in result.stderr


def _pyproject(tree: Path, table: str) -> None:
    (tree / "pyproject.toml").write_text(f"[tool.fixlabels]\n{table}\n")


def test_per_file_ignores_silences_a_rule_in_the_files_a_pattern_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = multi_file(tmp_path, monkeypatch)
    _pyproject(tree, '[tool.fixlabels.per-file-ignores]\n"models/" = ["FL0"]')
    result = invoke("--no-cache", ".")
    assert result.exit_code == 0 and result.stdout == ""
    diff = invoke("--diff", ".")
    assert diff.exit_code == 0 and diff.stdout == ""  # silenced: nothing rewritten either
    _pyproject(tree, '[tool.fixlabels.per-file-ignores]\n"models/" = ["FL002"]')
    assert invoke("--no-cache", ".").exit_code == 1  # another rule's code silences nothing of FL001


def test_per_file_ignores_on_a_file_with_a_call_refuses_the_fix_as_a_comment_there_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = multi_file(tmp_path, monkeypatch)
    _pyproject(tree, '[tool.fixlabels.per-file-ignores]\n"train.py" = ["FL001"]')
    result = invoke("--diff", ".")
    assert result.exit_code == 1 and result.stdout == ""
    assert "the call at train.py:5 is in a file per-file-ignores excludes from FL001" in result.stderr


def test_per_file_ignores_patterns_are_relative_to_the_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = multi_file(tmp_path, monkeypatch)
    _pyproject(tree, '[tool.fixlabels.per-file-ignores]\n"/net.py" = ["FL001"]')  # anchored: the top folder only
    assert invoke("--no-cache", ".").exit_code == 1
    _pyproject(tree, '[tool.fixlabels.per-file-ignores]\n"net.py" = ["FL001"]')  # unanchored: any folder
    monkeypatch.chdir(tree / "models")
    assert invoke("--no-cache", str(tree)).exit_code == 0


def test_an_empty_per_file_ignores_list_silences_nothing(seed: Path) -> None:
    _pyproject(seed, '[tool.fixlabels.per-file-ignores]\n"train.py" = []')
    assert invoke("--no-cache", ".").exit_code == 1


@pytest.mark.parametrize(
    "table, message",
    [
        ('per-file-ignores = ["FL001"]', "must be a table"),
        ('per-file-ignores = {"x.py" = "FL001"}', "must be a table"),
        ('per-file-ignores = {"x.py" = ["FL999"]}', "unknown rule code or prefix `FL999`"),
    ],
    ids=["a list", "a string of codes", "an unknown code"],
)
def test_a_wrong_per_file_ignores_is_an_error_naming_the_file_and_line(seed: Path, table: str, message: str) -> None:
    _pyproject(seed, table)
    result = invoke("--no-cache", ".")
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr and message in result.stderr


def test_help_teaches_each_habit() -> None:
    text = invoke("--help").stdout
    for flag in ("--fix", "--exit-zero", "--statistics", "--show-fixes", "--quiet", "-q", "--python", "per-file-ignores", "fixlabels check"):
        assert flag in text, flag


def test_per_file_ignores_hold_when_the_project_is_named_through_a_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = multi_file(tmp_path, monkeypatch)
    _pyproject(tree, '[tool.fixlabels.per-file-ignores]\n"models/" = ["FL001"]')
    (tmp_path / "link").symlink_to(tree)
    monkeypatch.chdir(tmp_path)
    assert invoke("--no-cache", "link").exit_code == 0


def test_per_file_ignores_match_a_file_whose_name_starts_with_two_dots(seed: Path) -> None:
    (seed / "train.py").rename(seed / "..train.py")
    _pyproject(seed, '[tool.fixlabels.per-file-ignores]\n"*.py" = ["FL001"]')
    assert invoke("--no-cache", ".").exit_code == 0


def test_a_pattern_gitignore_cannot_read_is_an_error_at_its_line(seed: Path) -> None:
    for table in ('[tool.fixlabels.per-file-ignores]\n"train\\\\" = ["FL001"]', 'exclude = ["train\\\\"]'):
        _pyproject(seed, table)
        result = invoke("--no-cache", ".")
        assert result.exit_code == 2, result.output
        assert "pyproject.toml:" in result.stderr and "not gitignore-style" in result.stderr and "internal error" not in result.stderr


def test_statistics_in_stdin_mode_still_prints_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--statistics", "--stdin-filename", "new.py", "-"], input="def f(:\n")
    assert result.exit_code == 2
    assert "new.py:1" in result.stderr and "E999" in result.stderr


def test_per_file_ignores_give_one_cache_entry_whatever_the_hash_seed(seed: Path) -> None:
    _pyproject(seed, '[tool.fixlabels.per-file-ignores]\n"other.py" = ["FL005", "FL004", "FL001"]')
    for hash_seed in ("1", "2", "3"):
        subprocess.run([sys.executable, "-m", "codemod", "."], capture_output=True, env={**__import__("os").environ, "PYTHONHASHSEED": hash_seed})
    assert len([p for p in (seed / ".fixlabels_cache").glob("*.json") if cache._ENTRY.fullmatch(p.name)]) == 1
    stores = set()
    for hash_seed in ("1", "2", "3"):  # the per-file facts too: their sets are written sorted
        shutil.rmtree(seed / ".fixlabels_cache")
        subprocess.run([sys.executable, "-m", "codemod", "."], capture_output=True, env={**__import__("os").environ, "PYTHONHASHSEED": hash_seed})
        stores.add((seed / ".fixlabels_cache" / "facts.json").read_bytes())
    assert len(stores) == 1


def test_exclude_holds_when_the_project_is_named_through_a_link(seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (seed / "sub").mkdir()
    shutil.copy(seed / "train.py", seed / "sub" / "train.py")
    _pyproject(seed, 'exclude = ["sub/"]')
    (tmp_path / "link").symlink_to(seed)
    monkeypatch.chdir(tmp_path)
    for named in ("link", "link/sub/.."):
        result = invoke("--no-cache", named)
        assert "Found 1 finding(s) in 1 file(s)" in result.stderr, (named, result.output)
