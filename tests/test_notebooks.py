"""Notebooks in every mode: findings and diffs name the cell, the JSON keeps every byte that
is not a rewritten cell, bad notebooks are reported, and magics survive."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codemod.cli import app
from codemod.engine import run
from codemod.notebooks import read_notebook
from codemod.registry import RULES
from codemod.results import Mode, Options
from tests.golden_cases import GOLDEN

CASE = Path(__file__).resolve().parent.parent / "golden" / "notebook_class_and_loop_in_cells"
runner = CliRunner()


@pytest.fixture
def notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(CASE / "before" / "train.ipynb", tmp_path / "train.ipynb")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "train.ipynb"


def test_findings_name_the_cell_and_the_line_within_it(notebook: Path) -> None:
    result = runner.invoke(app, ["train.ipynb"])
    assert result.exit_code == 1
    assert result.stdout.startswith("train.ipynb:cell 3:6:5: FL001 ")


def test_the_diff_shows_each_changed_cell_in_its_own_lines(notebook: Path) -> None:
    result = runner.invoke(app, ["--diff", "train.ipynb"])
    assert result.exit_code == 1
    headers = [line for line in result.stdout.splitlines() if line.startswith("--- ")]
    assert headers == ["--- a/train.ipynb:cell 3", "--- a/train.ipynb:cell 5", "--- a/train.ipynb:cell 6"]
    assert "+    logits = model(features)\n" in result.stdout
    assert '"source"' not in result.stdout  # cell text, not JSON


def test_write_changes_only_the_sources_of_rewritten_cells(notebook: Path) -> None:
    before = json.loads(notebook.read_text(encoding="utf-8"))
    result = runner.invoke(app, ["--write", "train.ipynb"])
    assert result.exit_code == 0, result.output
    after = json.loads(notebook.read_text(encoding="utf-8"))
    changed = [i for i, (old, new) in enumerate(zip(before["cells"], after["cells"])) if old != new]
    assert changed == [2, 4, 5]
    for index in changed:
        assert {k: v for k, v in before["cells"][index].items() if k != "source"} == {
            k: v for k, v in after["cells"][index].items() if k != "source"
        }
    assert after["metadata"] == before["metadata"]
    assert after["cells"][1]["source"][0] == "%matplotlib inline\n"
    assert after["cells"][5]["source"][0] == "!nvidia-smi\n"
    assert notebook.read_text(encoding="utf-8").endswith("}\n")


def test_a_notebook_that_is_not_json_is_reported_with_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken.ipynb").write_text('{\n "cells": [\n  {"cell_type": "code",\n')
    shutil.copy(CASE / "before" / "train.ipynb", tmp_path / "train.ipynb")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--write", "."])
    assert result.exit_code == 2
    assert "broken.ipynb:4:1: E902 not a valid notebook (invalid JSON" in result.stderr
    assert (tmp_path / "broken.ipynb").read_text() == '{\n "cells": [\n  {"cell_type": "code",\n'
    assert "loss = criterion(logits, labels)" in (tmp_path / "train.ipynb").read_text()


def test_a_syntax_error_in_a_cell_names_the_cell(tmp_path: Path) -> None:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "x = 1"},
             {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "y = 2\ndef f(:\n"}]
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1))
    result = run([tmp_path], Mode.CHECK)
    assert [e.render().split(tmp_path.as_posix() + "/")[-1] for e in result.errors] == ["nb.ipynb:cell 2:2:7: E999 SyntaxError: invalid syntax"]


def test_a_notebook_whose_json_layout_cannot_be_reproduced_is_not_written(notebook: Path) -> None:
    data = json.loads(notebook.read_text(encoding="utf-8"))
    odd = json.dumps(data, indent=3, sort_keys=False)  # no layout Jupyter writes
    notebook.write_text(odd)
    result = run([notebook], Mode.WRITE, Options(verify=False))
    assert notebook.read_text() == odd
    assert "not the one Jupyter writes" in result.findings[0].text


def test_magics_and_shell_lines_are_masked_and_restored_exactly() -> None:
    source = "%%time\nx = 1\n"
    cells = [
        {"cell_type": "code", "source": ["%load_ext autoreload\n", "  !ls\n", "model?\n", "y = 2"]},
        {"cell_type": "code", "source": source},
    ]
    text = json.dumps({"cells": cells, "metadata": {}}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    notebook = read_notebook(text)
    compile(notebook.text, "nb", "exec")
    code = [line for line in notebook.text.splitlines() if not line.startswith("# %% fixlabels-cell-")]
    assert not [line for line in code if set(line) & set("%!?")]
    assert notebook.split(notebook.text) == {1: "%load_ext autoreload\n  !ls\nmodel?\ny = 2", 2: source}
    assert notebook.encode(notebook.text).decode() == text


def test_python_continuation_lines_and_marker_look_alikes_are_not_taken_for_ipython() -> None:
    cells = [
        {"cell_type": "code", "source": "total = (a\n    % b)\nok = (\n    a\n    != b\n)\n"},
        {"cell_type": "code", "source": "x = 1\n# %% fixlabels-cell 1\n# fixlabels-magic 0\ny = 2\n"},
        {"cell_type": "code", "source": "%time run()"},
    ]
    text = json.dumps({"cells": cells, "metadata": {}}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    notebook = read_notebook(text)
    compile(notebook.text, "nb", "exec")
    assert "total = (a\n    % b)" in notebook.text and "    != b" in notebook.text
    assert notebook.magics == ("%time run()",)
    rewritten = notebook.text.replace("x = 1", "x = 10")
    assert json.loads(notebook.encode(rewritten))["cells"][1]["source"] == cells[1]["source"].replace("x = 1", "x = 10")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ('{"cells": [], "metadata": null}', []),  # no cells: nothing to read, nothing wrong
        ('{"cells": [{"cell_type": "code", "source": [null]}]}', ["E902"]),
        ('{"cells": 3}', ["E902"]),
    ],
)
def test_a_malformed_notebook_is_reported_not_crashed_on(tmp_path: Path, body: str, errors: list[str]) -> None:
    (tmp_path / "odd.ipynb").write_text(body)
    result = run([tmp_path], Mode.CHECK)
    assert [e.code for e in result.errors] == errors and result.findings == ()


def test_automagics_typed_without_percent_are_masked_and_python_look_alikes_are_not() -> None:
    """Seen in real notebooks: `cd data` and `pip install x` run because IPython's automagic
    is on; one such line used to make the whole notebook a syntax error and hide its findings."""
    source = "cd ../data\npip install transformers==4.30\nls = [1, 2]\ncd = ls\ntime.sleep(0)\nx = 1\n"
    text = json.dumps({"cells": [{"cell_type": "code", "source": source}], "metadata": {}}, indent=1) + "\n"
    notebook = read_notebook(text)
    compile(notebook.text, "nb", "exec")
    assert notebook.magics == ("cd ../data", "pip install transformers==4.30")
    assert "ls = [1, 2]\ncd = ls\ntime.sleep(0)" in notebook.text
    assert notebook.encode(notebook.text).decode() == text


CLASS_CELL = (
    "import torch\nimport torch.nn as nn\n\n\nclass Classifier(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.net = nn.Linear(6, 3)\n\n    def forward(self, features, labels):\n        logits = self.net(features)\n"
    "        loss = nn.CrossEntropyLoss()(logits, labels)\n        return loss, logits"
)
LOOP_CELL = (
    "model = Classifier()\nfeatures = torch.randn(8, 6)\nlabels = torch.randint(0, 3, (8,))\nfor step in range(2):\n"
    "    loss, logits = model(features, labels)\n    loss.backward()"
)


def _notebook(folder: Path, *sources: str, name: str = "nb.ipynb") -> Path:
    """A notebook laid out the way Jupyter writes one (so it can be written back)."""
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s} for s in sources]
    path = folder / name
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1, ensure_ascii=False) + "\n")
    return path


def _sources(path: Path) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in json.loads(path.read_text())["cells"]]


def test_a_multi_line_call_assigned_to_history_is_python_not_the_history_magic(tmp_path: Path) -> None:
    """`history` is an IPython magic's name; `history = model.fit(` opening a call over several
    lines used to be taken for it, making the notebook a syntax error and hiding its findings."""
    loop = "history = model(\n    features,\n    labels,\n)\nprint(history[0].item())"
    path = _notebook(tmp_path, CLASS_CELL, LOOP_CELL.split("for step")[0] + loop)
    result = run([path], Mode.CHECK)
    assert result.errors == ()
    assert [(f.code, f.cell, f.line) for f in result.findings] == [("FL001", 1, 10)]


def test_a_shell_line_alone_under_except_keeps_its_block_and_its_bytes(tmp_path: Path) -> None:
    install = "try:\n    import peft\nexcept ImportError:\n    !pip install peft\n"
    path = _notebook(tmp_path, install, CLASS_CELL, LOOP_CELL)
    result = run([path], Mode.WRITE, Options(verify=False))
    assert result.errors == () and [f.fixed for f in result.findings] == [True]
    after = _sources(path)
    assert after[0] == install
    assert "    loss = criterion(logits, labels)\n" in after[2]


def test_a_training_loop_under_time_is_rewritten_and_the_magic_line_kept(tmp_path: Path) -> None:
    """`%%time` runs its cell's body as the notebook's Python: a call there is the model's."""
    path = _notebook(tmp_path, CLASS_CELL, "%%time\n" + LOOP_CELL)
    result = run([path], Mode.WRITE, Options(verify=False))
    assert result.errors == () and [f.fixed for f in result.findings] == [True]
    loop = _sources(path)[1]
    assert loop.startswith("%%time\nmodel = Classifier()\n")
    assert "    logits = model(features)\n    loss = criterion(logits, labels)\n" in loop


def test_findings_after_a_shell_line_continued_over_lines_name_their_own_line(tmp_path: Path) -> None:
    path = _notebook(tmp_path, "!pip install torch \\\n    transformers\n%time x = 1\n" + CLASS_CELL, LOOP_CELL)
    result = run([path], Mode.CHECK)
    assert [(f.code, f.cell, f.line, f.column) for f in result.findings] == [("FL001", 1, 13, 5)]


def test_a_cell_indented_as_a_whole_is_checked_but_not_rewritten(tmp_path: Path) -> None:
    """Jupyter runs a cell indented as a whole (IPython strips the indentation); fixlabels reads
    it so, but a rewrite could not be put back as written: it is refused, the notebook kept."""
    indented = "\n".join("  " + line for line in LOOP_CELL.split("\n"))
    path = _notebook(tmp_path, CLASS_CELL, indented)
    before = path.read_bytes()
    result = run([path], Mode.WRITE, Options(verify=False))
    assert result.errors == ()
    assert [f.code for f in result.findings] == ["FL001"]
    assert "cell 2 is read the way IPython cleans it up" in (result.findings[0].refusal or "")
    assert path.read_bytes() == before


def test_a_notebook_that_awaits_at_the_top_of_a_cell_is_rewritten(tmp_path: Path) -> None:
    """Jupyter runs `await` at a cell's top level (IPython's autoawait): the rewritten notebook
    is compiled the same way, not refused as code that would not compile."""
    path = _notebook(tmp_path, "import asyncio\nawait asyncio.sleep(0)", CLASS_CELL, LOOP_CELL)
    result = run([path], Mode.WRITE, Options(verify=False))
    assert result.errors == () and [(f.fixed, f.refusal) for f in result.findings] == [(True, None)]
    assert _sources(path)[0] == "import asyncio\nawait asyncio.sleep(0)"


def test_notebooks_read_without_ipython_say_so_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codemod import cells

    monkeypatch.setattr(cells, "ipython_missing", lambda: "IPython is not installed")
    _notebook(tmp_path, CLASS_CELL, LOOP_CELL, name="one.ipynb")
    _notebook(tmp_path, "!ls\nx = 1", name="two.ipynb")
    monkeypatch.chdir(tmp_path)
    for attempt in ("analysed", "answered from the cache"):
        result = runner.invoke(app, ["."])
        assert result.exit_code == 1, attempt
        notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
        assert notes == [
            "note: notebooks were read without IPython (IPython is not installed): fixlabels' own reader recognised their "
            "%magics and !shell lines, and may take a cell Jupyter runs for a syntax error; install IPython to read them as Jupyter does"
        ], attempt
    assert run([tmp_path / "two.ipynb"], Mode.CHECK).notes != ()
    monkeypatch.undo()
    assert run([tmp_path / "one.ipynb"], Mode.CHECK).notes == ()


PROBE = """
import sys
from codemod.cli import main
sys.argv = ["fixlabels", "--no-cache", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("IPython loaded:", any(name.split(".")[0] == "IPython" for name in sys.modules), file=sys.stderr)
"""


def test_ipython_is_imported_only_when_a_notebook_is_read(tmp_path: Path) -> None:
    scripts, notebooks = tmp_path / "scripts", tmp_path / "notebooks"
    shutil.copytree(GOLDEN / "seed_example" / "before", scripts)
    _notebook(scripts, "x = 1", name="nb.ipynb.txt")  # not a notebook by its name
    notebooks.mkdir()
    shutil.copy(CASE / "before" / "train.ipynb", notebooks / "train.ipynb")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}  # this checkout's fixlabels

    def probe(where: Path, *args: str) -> str:
        done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=where, capture_output=True, text=True, timeout=300, env=env)
        return done.stderr.splitlines()[-1]

    assert probe(scripts, ".") == "IPython loaded: False"
    assert probe(scripts, "--help") == "IPython loaded: False"
    assert probe(notebooks, ".") == "IPython loaded: True"


@pytest.mark.parametrize(
    "runner, reaches",
    [("", False), ("%run tools/plugins.py", True), ("import importlib\nimportlib.import_module('tools.plugins')", True), ("from tools import plugins", True)],
)
def test_a_script_the_notebook_does_not_import_cannot_be_handed_its_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner: str, reaches: bool) -> None:
    """Nothing imports a notebook: a call through a receiver nothing traces, in a script the
    notebook neither imports nor runs, cannot be the notebook's model. Imported by name, or run
    by `%run`/`import_module`, it may be: the call without labels then refuses the fix."""
    case = GOLDEN / "notebook_model_beside_a_script_with_dynamic_calls" / "before"
    shutil.copytree(case, tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    book = tmp_path / "p" / "probe.ipynb"
    data = json.loads(book.read_text())
    if runner:
        data["cells"].append({"cell_type": "code", "execution_count": None, "id": "runner", "metadata": {}, "outputs": [], "source": runner})
    book.write_text(json.dumps(data, indent=1) + "\n")
    result = run([Path(".")], Mode.DIFF, Options(rules=frozenset(RULES)))
    assert result.errors == ()
    [finding] = result.findings
    assert finding.fixed is not reaches, finding.refusal
    if reaches:
        assert finding.refusal is not None and "tools/plugins.py:7" in finding.refusal


def _probe_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "p"
    shutil.copytree(GOLDEN / "notebook_model_beside_a_script_with_dynamic_calls" / "before", root)
    monkeypatch.chdir(root)
    return root


def test_a_notebook_another_notebook_runs_may_hand_its_model_to_any_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`%run probe.ipynb` in a driver notebook puts the model in the driver's namespace, and the
    driver may pass it anywhere: the scripts' untraced calls count again."""
    root = _probe_project(tmp_path, monkeypatch)
    _notebook(root, "%run probe.ipynb", name="driver.ipynb")
    result = run([Path(".")], Mode.DIFF, Options(rules=frozenset(RULES)))
    [finding] = [f for f in result.findings if f.code == "FL101"]
    assert not finding.fixed and finding.refusal is not None and "tools/plugins.py:7" in finding.refusal


def test_a_module_the_notebook_imports_that_loads_code_by_name_may_hand_its_model_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _probe_project(tmp_path, monkeypatch)
    (root / "tools" / "runner.py").write_text("import importlib\n\n\ndef run(name, model):\n    return importlib.import_module(name).apply(model)\n")
    book = root / "probe.ipynb"
    data = json.loads(book.read_text())
    data["cells"].append({"cell_type": "code", "execution_count": None, "id": "runner", "metadata": {}, "outputs": [], "source": "from tools.runner import run"})
    book.write_text(json.dumps(data, indent=1) + "\n")
    result = run([Path(".")], Mode.DIFF, Options(rules=frozenset(RULES)))
    [finding] = [f for f in result.findings if f.code == "FL101"]
    assert not finding.fixed and finding.refusal is not None and "tools/plugins.py:7" in finding.refusal
