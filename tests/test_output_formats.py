"""--output-format text|json|github|sarif, the coloured diff, and the progress bar."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from codemod.cli import app
from codemod.registry import documentation
from codemod.report.diff import colorize
from tests.sarif_schema import SARIF_2_1_0_SUBSET

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
runner = CliRunner()
JSON_KEYS = {"code", "message", "path", "cell", "line", "column", "end_line", "end_column", "fixable", "fix_applied", "refusal"}


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_text_is_path_line_col_code_message(seed: Path) -> None:
    assert re.fullmatch(r"train\.py:22:5: FL001 `MyTransformer\.forward` takes .*\n", invoke("--output-format", "text", ".").stdout)


def test_json_lists_the_documented_fields(seed: Path) -> None:
    result = invoke("--output-format", "json", ".")
    assert result.exit_code == 1
    records = json.loads(result.stdout)
    assert records == [
        {
            "code": "FL001",
            "message": "`MyTransformer.forward` takes `labels` and computes the loss inside the model",
            "path": "train.py",
            "cell": None,
            "line": 22,
            "column": 5,
            "end_line": 22,
            "end_column": 5,
            "fixable": True,
            "fix_applied": False,
            "refusal": None,
        }
    ]


def test_a_refused_fix_carries_its_reason_as_data_in_json_and_sarif(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "refuse_deep_supervision_loss" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    records = json.loads(invoke("--output-format", "json", ".").stdout)
    refused = [r for r in records if r["refusal"] is not None]
    assert refused, records
    for record in refused:
        assert record["message"].endswith(f"; not rewritten: {record['refusal']}")
        assert not record["fixable"]
    sarif = json.loads(invoke("--output-format", "sarif", ".").stdout)
    reasons = [r["properties"].get("refusal") for r in sarif["runs"][0]["results"]]
    assert reasons == [r["refusal"] for r in records]


def test_json_after_write_says_the_fix_was_applied_and_lists_errors(seed: Path) -> None:
    (seed / "broken.py").write_text("def f(:\n")
    result = invoke("--write", "--no-verify", "--output-format", "json", ".")
    assert result.exit_code == 2
    records = json.loads(result.stdout)
    assert records and all(set(r) == JSON_KEYS for r in records)
    by_code = {r["code"]: r for r in records}
    assert by_code["FL001"]["fix_applied"] is True
    assert by_code["E999"]["path"] == "broken.py" and by_code["E999"]["fixable"] is False


def test_json_names_the_notebook_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "notebook_class_and_loop_in_cells" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    records = json.loads(invoke("--output-format", "json", ".").stdout)
    assert records and records[0]["path"] == "train.ipynb" and isinstance(records[0]["cell"], int)


def test_github_emits_one_workflow_annotation_per_finding(seed: Path) -> None:
    result = invoke("--output-format", "github", ".")
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=train.py,line=22,col=5,title=fixlabels FL001::"
        "FL001 `MyTransformer.forward` takes `labels` and computes the loss inside the model\n"
    )


def test_github_escapes_what_would_end_a_workflow_command() -> None:
    from codemod.report.formats import github
    from codemod.results import Finding

    line = github([Finding("a,b:c.py", 1, 1, "FL002", "50% of\nit")])
    assert line == "::error file=a%2Cb%3Ac.py,line=1,col=1,title=fixlabels FL002::FL002 50%25 of%0Ait\n"


def test_sarif_is_valid_sarif_2_1_0(seed: Path) -> None:
    (seed / "broken.py").write_text("def f(:\n")
    result = invoke("--output-format", "sarif", ".")
    log = json.loads(result.stdout)
    jsonschema.validate(log, SARIF_2_1_0_SUBSET)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {"FL001", "FL002", "FL101", "E999"}
    import codemod.rules.fl001_loss_in_forward as fl001

    assert next(r for r in rules if r["id"] == "FL001")["help"]["text"] == documentation("FL001")
    assert documentation("FL001").startswith((fl001.__doc__ or "").strip())
    results = {r["ruleId"]: r for r in run["results"]}
    assert rules[results["FL001"]["ruleIndex"]]["id"] == "FL001"
    location = results["FL001"]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "train.py", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 22, "startColumn": 5}}
    assert results["E999"]["level"] == "error"


def test_the_sarif_subset_schema_rejects_what_sarif_rejects() -> None:
    """The schema the test above relies on can fail: a result without a message, an invented
    property, a column of 0."""
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}}]}]}
    jsonschema.validate(good, SARIF_2_1_0_SUBSET)
    for bad in (
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "A"}]}]},
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "colour": 1}}}]},
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"}, "region": {"startColumn": 0}}}]}]}]},
        {"version": "2.0.0", "runs": []},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SARIF_2_1_0_SUBSET)


def test_an_unknown_output_format_is_a_usage_error(seed: Path) -> None:
    result = invoke("--output-format", "xml", ".")
    assert result.exit_code == 2
    assert "--output-format must be one of text, json, github, sarif" in result.stderr


def test_colorize_marks_removed_added_and_hunk_lines() -> None:
    patch = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-old\n+new\n context\n"
    colored = colorize(patch)
    assert "\x1b[31m-old\x1b[0m\n" in colored and "\x1b[32m+new\x1b[0m\n" in colored
    assert "\x1b[36m@@ -1 +1 @@\x1b[0m\n" in colored and " context\n" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == patch


def _run_on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[bytes, bytes]:
    """Run the CLI with stdout and stderr each on its own pseudo-terminal."""
    out_master, out_slave = pty.openpty()
    err_master, err_slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "codemod", *args], cwd=cwd, stdout=out_slave, stderr=err_slave, stdin=subprocess.DEVNULL, env=env
    )
    os.close(out_slave)
    os.close(err_slave)
    received = {out_master: b"", err_master: b""}
    open_fds = set(received)
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], 60)
        if not ready:
            break
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other end closed (EIO on Linux)
                chunk = b""
            if chunk:
                received[fd] += chunk
            else:
                open_fds.discard(fd)
    process.wait(timeout=120)
    os.close(out_master)
    os.close(err_master)
    return received[out_master], received[err_master]


@pytest.mark.parametrize("no_color_env, flag, colored", [(None, None, True), ("1", None, False), (None, "--no-color", False)])
def test_diff_is_coloured_on_a_terminal_unless_told_not_to(
    seed: Path, no_color_env: str | None, flag: str | None, colored: bool
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color_env:
        env["NO_COLOR"] = no_color_env
    out, _ = _run_on_a_terminal(["--diff", *([flag] if flag else []), "."], seed, env)
    assert b"+++ b/train.py" in out
    assert (b"\x1b[32m" in out) is colored


def test_diff_to_a_pipe_is_plain(seed: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "codemod", "--diff", "."], cwd=seed, capture_output=True)
    assert b"+++ b/train.py" in result.stdout and b"\x1b[" not in result.stdout


def test_a_progress_bar_shows_on_a_terminal_for_a_long_run_only(tmp_path: Path) -> None:
    for i in range(250):
        (tmp_path / f"m{i}.py").write_text(f"VALUE = {i}\n")
    _, err = _run_on_a_terminal(["-j", "1", "."], tmp_path, dict(os.environ))
    assert b"250/250 files" in err and b"\r\x1b[K" in err
    piped = subprocess.run([sys.executable, "-m", "codemod", "-j", "1", "."], cwd=tmp_path, capture_output=True)
    assert b"files\r" not in piped.stderr and b"/250" not in piped.stderr
    small = tmp_path / "small"
    small.mkdir()
    (small / "a.py").write_text("A = 1\n")
    _, err = _run_on_a_terminal(["."], small, dict(os.environ))
    assert b"1/1 files" not in err


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_machine_output_on_stderr_with_diff_is_one_json_document(seed: Path, output_format: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codemod", "--diff", "--output-format", output_format, "."], cwd=seed, capture_output=True, text=True
    )
    assert result.stdout.startswith("--- a/train.py")
    json.loads(result.stderr)  # no summary line after the document


def test_notebook_findings_name_the_cell_not_a_line_of_the_json_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "notebook_class_and_loop_in_cells" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    annotation = invoke("--output-format", "github", ".").stdout.splitlines()[0]
    assert annotation.startswith("::error file=train.ipynb,title=fixlabels FL001::") and "line=" not in annotation
    assert re.search(r"\(cell \d+, line \d+, column \d+\)$", annotation)
    log = json.loads(invoke("--output-format", "sarif", ".").stdout)
    jsonschema.validate(log, SARIF_2_1_0_SUBSET)
    result = log["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "train.ipynb", "uriBaseId": "%SRCROOT%"}}
    assert isinstance(result["properties"]["cell"], int) and "notebook cell" in result["message"]["text"]


def test_sarif_names_a_file_outside_the_working_directory_by_absolute_uri(seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (seed / "elsewhere").mkdir()
    monkeypatch.chdir(seed / "elsewhere")
    log = json.loads(invoke("--output-format", "sarif", "../train.py").stdout)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (seed / "train.py").resolve().as_uri()}


def test_colorize_tells_removed_dashes_from_a_file_header() -> None:
    patch = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n--- old\n+++ new\n"
    colored = colorize(patch)
    assert "\x1b[31m--- old\x1b[0m\n" in colored and "\x1b[32m+++ new\x1b[0m\n" in colored
    assert colored.startswith("\x1b[1m--- a/x.py\x1b[0m\n\x1b[1m+++ b/x.py\x1b[0m\n")
