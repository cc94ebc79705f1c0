"""One table of exit codes, the same for a check, --diff, --write and an editor's buffer on
stdin: the README's table is the CLI's, and every row is reached the way the table says."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codemod.cli import EXIT_CODES, app
from tests.conftest import deny_write

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "golden"
runner = CliRunner()

# What each kind of tree exits with, per mode. A stdin run is a --write of the buffer (its fixed
# text is the output), and a --diff with --diff.
MODES = ("check", "diff", "write", "stdin", "stdin-diff")
TABLE = {
    # tree: (golden case whose before/ it is, file handed over on stdin, exit code per mode)
    "clean": ("neg_hf_style_optional_labels", None, (0, 0, 0, 0, 0)),
    "fixable": ("seed_example", "train.py", (1, 1, 0, 0, 1)),
    "only-unfixable": ("refuse_deep_supervision_loss", None, (1, 1, 1, 1, 1)),
}


def _tree(case: str, tmp_path: Path) -> Path:
    tree = tmp_path / "t"
    shutil.copytree(GOLDEN / case / "before", tree)
    (tree / "pyproject.toml").write_text('[project]\nname = "t"\n')
    return tree


def _buffer_file(tree: Path, given: str | None) -> Path:
    if given is not None:
        return tree / given
    return next(p for p in sorted(tree.rglob("*.py")) if "forward" in p.read_text() or "labels" in p.read_text())


def _invoke(mode: str, tree: Path, buffer_file: Path):  # type: ignore[no-untyped-def]
    flags = {"check": [], "diff": ["--diff"], "write": ["--write", "--no-verify"], "stdin": [], "stdin-diff": ["--diff"]}[mode]
    if mode.startswith("stdin"):
        name = str(buffer_file.relative_to(tree))
        return runner.invoke(app, [*flags, "--stdin-filename", name, "-"], input=buffer_file.read_bytes())
    return runner.invoke(app, [*flags, "."])


def _readme_table() -> list[tuple[int, str]]:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### Exit codes") :]
    section = section[: section.index("\n### ", 1)]
    return [(int(code), meaning) for code, meaning in re.findall(r"^\| (\d+) \| (.+?) \|$", section, re.MULTILINE)]


def test_the_readme_table_is_the_one_the_cli_prints() -> None:
    assert _readme_table() == [(code, meaning) for code, meaning in EXIT_CODES]
    help_text = " ".join(runner.invoke(app, ["--help"]).stdout.split())
    for code, meaning in EXIT_CODES:
        assert f"{code} {meaning}" in help_text


@pytest.mark.parametrize("tree_kind", sorted(TABLE))
@pytest.mark.parametrize("mode", MODES)
def test_exit_code_of_each_mode_on_each_kind_of_tree(
    tree_kind: str, mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, given, codes = TABLE[tree_kind]
    tree = _tree(case, tmp_path)
    monkeypatch.chdir(tree)
    result = _invoke(mode, tree, _buffer_file(tree, given))
    assert result.exit_code == codes[MODES.index(mode)], result.output


@pytest.mark.parametrize("mode", MODES)
def test_a_file_that_does_not_parse_exits_2_in_every_mode(mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree("seed_example", tmp_path)
    (tree / "broken.py").write_text("def f(:\n")
    monkeypatch.chdir(tree)
    result = _invoke(mode, tree, tree / "broken.py")
    assert result.exit_code == 2, result.output
    assert "broken.py:1:7: E999" in result.output


@pytest.mark.parametrize("mode", MODES)
def test_a_usage_error_exits_2_in_every_mode(mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree("seed_example", tmp_path)
    monkeypatch.chdir(tree)
    flags = ["--stdin-filename", "train.py", "-"] if mode.startswith("stdin") else ["."]
    mode_flags = {"diff": ["--diff"], "write": ["--write"], "stdin-diff": ["--diff"]}.get(mode, [])
    result = runner.invoke(app, [*mode_flags, "--select", "FL999", *flags], input=b"")
    assert result.exit_code == 2, result.output
    assert "FL999" in result.output


def test_a_file_write_may_not_replace_exits_2_and_its_fix_is_not_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, who may write anything: the permission check is made to fail."""
    tree = _tree("multi_file_repo", tmp_path)
    before = {p: p.read_bytes() for p in tree.rglob("*.py")}
    read_only = (tree / "train.py").resolve()
    deny_write(monkeypatch, read_only)
    monkeypatch.chdir(tree)
    result = runner.invoke(app, ["--write", "--no-verify", "."])
    assert result.exit_code == 2, result.output
    assert "train.py:1:1: E902 cannot write: permission denied; no file of the fix it is part of was written" in result.stderr
    assert "not rewritten: cannot write train.py (permission denied)" in result.stdout
    assert {p: p.read_bytes() for p in tree.rglob("*.py")} == before
