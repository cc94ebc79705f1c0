"""The command line as a user and CI see it: output formats, exit codes, what gets written."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codemod import __version__
from codemod.cli import app

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_check_prints_findings_as_path_line_col_code_and_exits_1(seed: Path) -> None:
    result = invoke(".")
    assert result.exit_code == 1
    assert result.stdout == (
        "train.py:22:5: FL001 `MyTransformer.forward` takes `labels` and computes the loss inside the model\n"
    )
    assert "Found 1 finding(s)" in result.stderr


def test_check_of_a_clean_tree_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "neg_hf_style_optional_labels" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    result = invoke()
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_diff_prints_a_unified_diff_and_writes_nothing(seed: Path) -> None:
    before = (seed / "train.py").read_bytes()
    result = invoke("--diff", ".")
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/train.py\n+++ b/train.py\n@@ ")
    assert "+    logits = model(input_ids, attention_mask)" in result.stdout
    assert (seed / "train.py").read_bytes() == before


def test_diff_of_a_clean_tree_exits_0(seed: Path) -> None:
    assert invoke("--write", "--no-verify", ".").exit_code == 0  # the import check would run torch
    result = invoke("--diff", ".")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_write_applies_the_fix_and_keeps_the_file_mode(seed: Path) -> None:
    os.chmod(seed / "train.py", 0o640)
    result = invoke("--write", "--no-verify", ".")
    assert result.exit_code == 0, result.output
    text = (seed / "train.py").read_text()
    assert "def forward(self, input_ids, attention_mask):" in text
    assert "loss = criterion(logits, labels)" in text
    assert stat.S_IMODE((seed / "train.py").stat().st_mode) == 0o640
    assert "Fixed 1 finding(s), wrote 1 file(s); 0 remaining." in result.stderr


@pytest.mark.parametrize("mode", [[], ["--diff"], ["--write"]], ids=["check", "diff", "write"])
def test_check_diff_and_write_agree_on_exit_1_when_only_unfixable_findings_remain(
    mode: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(GOLDEN / "refuse_deep_supervision_loss" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    assert invoke(*mode, ".").exit_code == 1


def test_write_exits_1_when_unfixable_findings_remain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "refuse_deep_supervision_loss" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    result = invoke("--write", ".")
    assert result.exit_code == 1
    assert "not rewritten: the loss combines several forward values" in result.stdout


def test_a_path_that_does_not_exist_exits_2_without_a_traceback(seed: Path) -> None:
    result = invoke("no/such/dir")
    assert result.exit_code == 2
    assert "no/such/dir:1:1: E902 no such file or directory" in result.stderr
    assert "Traceback" not in result.output


def test_diff_and_write_together_is_a_usage_error(seed: Path) -> None:
    result = invoke("--diff", "--write", ".")
    assert result.exit_code == 2
    assert "cannot be used together" in result.stderr


def test_a_criterion_that_is_not_an_expression_is_a_usage_error(seed: Path) -> None:
    result = invoke("--criterion", "nn.CrossEntropyLoss(", ".")
    assert result.exit_code == 2
    assert "--criterion" in result.stderr


def test_criterion_option_is_used_for_fl002(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "fl002_labels_keyword" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    result = invoke("--diff", "--criterion", "nn.NLLLoss()", ".")
    assert "+criterion = nn.NLLLoss()" in result.stdout


def test_version(seed: Path) -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"fixlabels {__version__}\n"


def test_help_teaches_rules_exit_codes_and_verification() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for text in ("FL001", "FL002", "Exit codes", "--diff", "--write", "--criterion", "--no-verify", "subprocess"):
        assert text in result.stdout


def test_a_file_that_does_not_parse_is_reported_and_the_rest_still_fixed(seed: Path) -> None:
    (seed / "broken.py").write_text("def f(:\n")
    result = invoke("--write", "--no-verify", ".")
    assert result.exit_code == 2
    assert "broken.py:1:7: E999 SyntaxError" in result.stderr
    assert "loss = criterion(logits, labels)" in (seed / "train.py").read_text()
    assert (seed / "broken.py").read_text() == "def f(:\n"


def test_write_keeps_crlf_line_endings_and_bom(seed: Path) -> None:
    text = (seed / "train.py").read_text()
    (seed / "train.py").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = invoke("--write", "--no-verify", ".")
    assert result.exit_code == 0, result.output
    data = (seed / "train.py").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"criterion = nn.CrossEntropyLoss()\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


def _break_every_rewrite(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every rewritten module fail at import, as a buggy transform would."""
    from codemod.pipeline import plan

    real = plan.apply_edits

    def broken(module, edits, holding=None):  # type: ignore[no-untyped-def]
        updated = real(module, edits, holding)
        return updated.with_changes(body=[*updated.body, *__import__("libcst").parse_module("import no_such_module_xyz\n").body])

    monkeypatch.setattr(plan, "apply_edits", broken)


@pytest.mark.execution  # the import check imports the case, torch and all, in a subprocess
def test_write_rolls_back_a_rewrite_whose_module_no_longer_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(GOLDEN / "tuple_index_reader" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    before = (tmp_path / "t" / "train.py").read_bytes()
    _break_every_rewrite(monkeypatch)
    result = invoke("--write", ".")
    assert result.exit_code == 1
    assert "no longer imports: ModuleNotFoundError" in result.stdout
    assert (tmp_path / "t" / "train.py").read_bytes() == before


def test_no_verify_skips_the_import_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "tuple_index_reader" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    _break_every_rewrite(monkeypatch)
    result = invoke("--write", "--no-verify", ".")
    assert result.exit_code == 0
    assert "import no_such_module_xyz" in (tmp_path / "t" / "train.py").read_text()


def test_symlinks_inside_a_tree_are_neither_followed_nor_written_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(GOLDEN / "seed_example" / "before", outside)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "linked.py").symlink_to(outside / "train.py")
    (tree / "loop").symlink_to(tree, target_is_directory=True)
    before = (outside / "train.py").read_bytes()
    monkeypatch.chdir(tree)
    result = invoke("--write", "--no-verify", ".")
    assert result.exit_code == 0, result.output
    assert (outside / "train.py").read_bytes() == before
    assert (tree / "linked.py").is_symlink()


def test_bad_files_are_reported_by_line_and_the_rest_still_fixed(seed: Path) -> None:
    (seed / "binary.py").write_bytes(b"\xff\xfe\x00bad")
    (seed / "latin1_without_cookie.py").write_bytes(b'x = 1\ny = "\xe9"\n')
    (seed / "latin1_with_cookie.py").write_bytes(b'# -*- coding: latin-1 -*-\ny = "\xe9"\n')
    (seed / "python2.py").write_text('print "hello"\n')
    (seed / "empty.py").write_text("")
    (seed / "directory.py").mkdir()
    untouched = {p.name: p.read_bytes() for p in seed.iterdir() if p.is_file() and p.name != "train.py"}
    result = invoke("--write", "--no-verify", ".")
    assert result.exit_code == 2
    assert "binary.py:1:1: E902 not a text file" in result.stderr
    assert "latin1_without_cookie.py:2:1: E902 not valid utf-8" in result.stderr
    assert "python2.py:1:1: E999 SyntaxError: Missing parentheses" in result.stderr
    assert "latin1_with_cookie" not in result.stderr and "empty.py" not in result.stderr
    assert "loss = criterion(logits, labels)" in (seed / "train.py").read_text()
    assert {p.name: p.read_bytes() for p in seed.iterdir() if p.is_file() and p.name != "train.py"} == untouched


def test_a_rewritten_latin1_file_stays_latin1(seed: Path) -> None:
    text = "# -*- coding: latin-1 -*-\n# entraîné sur des données jouets\n" + (seed / "train.py").read_text()
    (seed / "train.py").write_bytes(text.encode("latin-1"))
    result = invoke("--write", "--no-verify", ".")
    assert result.exit_code == 0, result.output
    data = (seed / "train.py").read_bytes()
    assert "entraîné".encode("latin-1") in data
    assert "loss = criterion(logits, labels)" in data.decode("latin-1")


def test_a_bug_while_planning_one_call_refuses_that_rewrite_and_writes_nothing(
    seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codemod.transforms.callsite import FileSitePlanner

    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("unforeseen shape")

    monkeypatch.setattr(FileSitePlanner, "plan_site", explode)
    before = (seed / "train.py").read_bytes()
    result = invoke("--write", ".")
    assert result.exit_code == 1
    assert "not rewritten: internal error at train.py:39:12 (RuntimeError: unforeseen shape)" in result.stdout
    assert (seed / "train.py").read_bytes() == before


def test_two_trainers_in_one_file_get_two_differently_named_subclasses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "train.py").write_text(
        """import torch.nn as nn
import torch.nn.functional as F
from transformers import Trainer, TrainingArguments


class Plain(nn.Module):
    def forward(self, x):
        return self.fc(x)


class Lossy(nn.Module):
    def forward(self, x, labels):
        logits = self.fc(x)
        return F.nll_loss(logits, labels), logits


def main(data):
    args = TrainingArguments(output_dir="out")
    Trainer(model=Plain(), args=args, train_dataset=data).train()
    Trainer(model=Lossy(), args=args, train_dataset=data).train()
"""
    )
    monkeypatch.chdir(tmp_path)
    result = invoke("--diff", ".")
    assert "+class CriterionTrainer(Trainer):" in result.stdout
    assert "+class CriterionTrainer_2(Trainer):" in result.stdout
    assert "+        loss = F.nll_loss(logits, labels)" in result.stdout
    assert "+        loss = nn.CrossEntropyLoss()(logits, labels)" in result.stdout


def test_an_inserted_criterion_never_shadows_a_name_the_module_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = """import torch
from transformers import Trainer, TrainingArguments

nn = "not torch.nn"


class Plain(torch.nn.Module):
    def forward(self, x):
        return self.fc(x)


def main(data):
    args = TrainingArguments(output_dir="out")
    Trainer(model=Plain(), args=args, train_dataset=data).train()
"""
    (tmp_path / "train.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    result = invoke("--write", "--no-verify", ".")
    assert result.exit_code == 1
    assert "not rewritten: `nn` is already used for something else here" in result.stdout
    assert (tmp_path / "train.py").read_text() == source


def test_opt_in_rules_run_only_when_selected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "neg_hf_style_optional_labels" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    assert invoke().stdout == ""
    for selection in (["--select", "FL101"], ["--select", "fl1"], ["--select", "ALL"], ["--select", "FL001,FL101"]):
        result = invoke(*selection)
        assert result.exit_code == 1, selection
        assert " FL101 " in result.stdout, selection
    assert invoke("--select", "ALL", "--ignore", "FL1").stdout == ""


def test_ignore_turns_a_default_rule_off(seed: Path) -> None:
    assert invoke("--ignore", "FL001").exit_code == 0
    assert invoke("--select", "FL0", "--ignore", "FL002,FL003").exit_code == 1


def test_an_unknown_rule_code_is_a_usage_error(seed: Path) -> None:
    for option in ("--select", "--ignore"):
        result = invoke(option, "FL9")
        assert result.exit_code == 2
        assert "unknown rule code or prefix `FL9`" in result.stderr
