"""`[tool.fixlabels]` in pyproject.toml: found upward, overridden by flags, strict about keys."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codemod.cli import app

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def configure(directory: Path, body: str) -> None:
    (directory / "pyproject.toml").write_text(f'[project]\nname = "demo"\n\n[tool.fixlabels]\n{body}\n')


def test_ignore_in_pyproject_turns_a_rule_off(seed: Path) -> None:
    configure(seed, 'ignore = ["FL001"]')
    result = invoke(".")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_select_in_pyproject_turns_an_opt_in_rule_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "fl101_output_object" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    assert invoke(".").stdout == ""
    configure(tmp_path / "t", 'select = ["FL101"]')
    assert " FL101 " in invoke(".").stdout


def test_a_flag_overrides_the_pyproject_setting(seed: Path) -> None:
    configure(seed, 'ignore = ["FL001"]')
    result = invoke("--ignore", "FL002", ".")
    assert result.exit_code == 1
    assert " FL001 " in result.stdout


def test_the_nearest_pyproject_above_the_paths_is_used(seed: Path) -> None:
    (seed / "src").mkdir()
    shutil.move(str(seed / "train.py"), seed / "src" / "train.py")
    configure(seed, 'ignore = ["FL001"]')
    assert invoke("src").exit_code == 0
    # A nearer pyproject.toml without the table does not hide the one above.
    (seed / "src" / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    assert invoke("src").exit_code == 0


def test_an_unknown_key_is_an_error_naming_the_file_and_line(seed: Path) -> None:
    configure(seed, 'select = ["FL001"]\nselcet = ["FL002"]')
    result = invoke(".")
    assert result.exit_code == 2
    assert "pyproject.toml:6: unknown key `tool.fixlabels.selcet`" in result.stderr


def test_an_unknown_rule_code_in_pyproject_is_an_error(seed: Path) -> None:
    configure(seed, 'select = ["FL0", "FL909"]')
    result = invoke(".")
    assert result.exit_code == 2
    assert "pyproject.toml: unknown rule code or prefix `FL909`" in result.stderr


@pytest.mark.parametrize(
    "body, complaint",
    [
        ('select = "FL001"', "`tool.fixlabels.select` must be a list"),
        ("verify = 1", "`tool.fixlabels.verify` must be true or false"),
        ("criterion = 3", "`tool.fixlabels.criterion` must be a Python expression"),
        ("exclude = [1]", "`tool.fixlabels.exclude` must be a list"),
    ],
)
def test_a_value_of_the_wrong_type_is_an_error(seed: Path, body: str, complaint: str) -> None:
    configure(seed, body)
    result = invoke(".")
    assert result.exit_code == 2
    assert complaint in result.stderr


def test_invalid_toml_is_an_error_not_a_traceback(seed: Path) -> None:
    (seed / "pyproject.toml").write_text("[tool.fixlabels]\nselect = [\n")
    result = invoke(".")
    assert result.exit_code == 2
    assert "not valid TOML" in result.stderr


def test_exclude_patterns_are_gitignore_style_and_relative_to_the_pyproject(seed: Path) -> None:
    (seed / "legacy").mkdir()
    shutil.copy(seed / "train.py", seed / "legacy" / "old_train.py")
    configure(seed, 'exclude = ["legacy/", "train.py"]')
    result = invoke(".")
    assert result.exit_code == 0, result.output
    assert "in 0 file(s)" in result.stderr
    # A file named on the command line is still checked, as in Ruff.
    assert invoke("train.py").exit_code == 1


def test_criterion_from_pyproject_is_inserted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "fl002_labels_keyword" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    configure(tmp_path / "t", 'criterion = "nn.NLLLoss()"')
    assert "nn.NLLLoss()" in invoke("--diff", ".").stdout
    assert "nn.MSELoss()" in invoke("--diff", "--criterion", "nn.MSELoss()", ".").stdout


def test_verify_false_in_pyproject_skips_the_import_check(seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codemod.pipeline import import_check as verify

    checked: list[dict[str, str]] = []

    def record(root, modules, overlay, timeout, python=None):  # type: ignore[no-untyped-def]
        checked.append(modules)
        return []

    monkeypatch.setattr(verify, "check_imports", record)
    original = (seed / "train.py").read_text()
    configure(seed, "verify = false")
    assert invoke("--write", ".").exit_code == 0
    assert checked == []
    # --verify on the command line wins over the file.
    (seed / "train.py").write_text(original)
    assert invoke("--write", "--verify", ".").exit_code == 0
    assert checked == [{"train": str((seed / "train.py").resolve())}]


def test_select_on_the_command_line_is_not_undone_by_the_file_ignore(seed: Path) -> None:
    configure(seed, 'ignore = ["FL001"]')
    result = invoke("--select", "FL001", ".")
    assert result.exit_code == 1
    assert " FL001 " in result.stdout


def test_a_selection_that_leaves_no_rule_is_an_error(seed: Path) -> None:
    result = invoke("--select", "FL001", "--ignore", "FL0", ".")
    assert result.exit_code == 2
    assert "no rule is selected" in result.stderr


def test_an_unknown_dotted_key_is_reported_at_its_line(seed: Path) -> None:
    (seed / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool]\nfixlabels.selcet = ["FL001"]\n')
    result = invoke(".")
    assert result.exit_code == 2
    assert "pyproject.toml:5: unknown key `tool.fixlabels.selcet`" in result.stderr


def test_an_unknown_code_on_the_command_line_is_not_blamed_on_the_file(seed: Path) -> None:
    configure(seed, 'ignore = ["FL007"]')
    result = invoke("--select", "FL9", ".")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown rule code or prefix `FL9`")


def test_the_default_criterion_needs_no_check_because_it_passes_one() -> None:
    """``resolve`` skips checking the default (that would import LibCST on every run): it must
    be one the check accepts, and the engine's own default."""
    from codemod.config import DEFAULT_CRITERION
    from codemod.results import Options
    from codemod.rules.criterion import parse_criterion

    parse_criterion(DEFAULT_CRITERION)
    assert Options().criterion == DEFAULT_CRITERION
