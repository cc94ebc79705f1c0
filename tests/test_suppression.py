"""`# fixlabels: ignore[...]` and `# noqa: ...`: a silenced finding is neither reported nor
rewritten, and its call sites are left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from codemod.cli import app
from codemod.suppression import ALL, suppressions

runner = CliRunner()
CLASS_LINE = "class MyTransformer(nn.Module):"
FORWARD_LINE = "    def forward(self, input_ids, attention_mask, labels):"
CALL_LINE = "    loss = model(input_ids, attention_mask, labels)"


def _mark(seed: Path, line: str, comment: str) -> bytes:
    text = (seed / "train.py").read_text()
    start = text.index(line)
    end = text.index("\n", start)
    # Replace any comment already on the line, keep the code.
    code = text[start:end].split("  #")[0]
    marked = text[:start] + f"{code}  {comment}" + text[end:]
    (seed / "train.py").write_text(marked)
    return marked.encode()


@pytest.mark.parametrize(
    "line, comment",
    [
        (CLASS_LINE, "# fixlabels: ignore[FL001]"),
        (FORWARD_LINE, "# fixlabels: ignore[FL001]"),
        (FORWARD_LINE, "# noqa: FL001"),
        (CLASS_LINE, "# fixlabels: ignore"),
        (CLASS_LINE, "# noqa"),
        (FORWARD_LINE, "# NOQA: E501, FL001"),
    ],
)
def test_a_silenced_class_is_neither_reported_nor_rewritten(seed: Path, line: str, comment: str) -> None:
    before = _mark(seed, line, comment)
    check = runner.invoke(app, ["."])
    assert check.exit_code == 0, check.output
    assert check.stdout == ""
    write = runner.invoke(app, ["--write", "--no-verify", "."])
    assert write.exit_code == 0
    assert (seed / "train.py").read_bytes() == before  # the call sites too


@pytest.mark.parametrize("comment", ["# noqa: E501", "# fixlabels: ignore[FL002]", "# noqa:FL0011"])
def test_a_comment_for_other_codes_does_not_silence(seed: Path, comment: str) -> None:
    _mark(seed, CLASS_LINE, comment)
    assert " FL001 " in runner.invoke(app, ["."]).stdout


def test_a_silenced_call_site_refuses_the_class_rewrite(seed: Path) -> None:
    before = _mark(seed, CALL_LINE, "# fixlabels: ignore[FL001]")
    result = runner.invoke(app, ["--write", "--no-verify", "."])
    assert result.exit_code == 1
    assert "not rewritten: the call at train.py:39 is marked to be ignored for FL001" in result.stdout
    assert (seed / "train.py").read_bytes() == before


def test_a_silenced_call_is_not_reported_for_fl002(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    source = Path(__file__).resolve().parent.parent / "golden" / "fl002_labels_keyword" / "before"
    shutil.copytree(source, tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    lines = (tmp_path / "t" / "train.py").read_text().splitlines(keepends=True)
    assert "labels=" in lines[34]
    lines[34] = lines[34].rstrip("\n") + "  # noqa: FL002\n"
    (tmp_path / "t" / "train.py").write_text("".join(lines))
    result = runner.invoke(app, ["."])
    assert result.exit_code == 0, result.output


def test_comments_are_read_from_comment_tokens_not_strings() -> None:
    text = 'x = "# noqa: FL001"\ny = 1  # fixlabels: ignore[fl001, FL002]\nz = 2  # noqa\n'
    assert suppressions(text) == {2: frozenset({"FL001", "FL002"}), 3: ALL}


def test_noqa_in_prose_is_not_a_directive() -> None:
    text = "a = 1  # do not add a noqa here\nb = 2  # type: ignore # noqa: FL001\nc = 3  # see fixlabels: ignore docs\n"
    assert suppressions(text) == {2: frozenset({"FL001"})}
