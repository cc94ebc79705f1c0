"""The two readers of notebook cells held to each other: IPython's input transformers (used
whenever IPython is installed) and fixlabels' own reader (the fallback without it). Every cell
of the golden notebooks, and cells with each kind of IPython syntax, are read by both; where
both should read a cell alike they must, and no cell Jupyter runs is a syntax error."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from codemod.cells import MAGIC, PYTHON, CellReading, python_text, read_cell_fallback, read_cell_ipython
from codemod.engine import run
from codemod.notebooks import read_notebook
from codemod.results import Mode
from tests.golden_cases import GOLDEN

inputtransformer2 = pytest.importorskip("IPython.core.inputtransformer2")

BOTH_READ_ALIKE = [
    "%time x = model(features)\n",
    "%timeit -n 1 -r 1 sum(range(3))",
    "%%capture\nlogits = model(features)\n",
    "%%capture out\nfor step in range(3):\n    loss = model(features, labels)\n    !echo step\n",
    "%%time\nfor step in range(3):\n    loss = model(features, labels)\n",
    "!nvidia-smi\nimport torch",
    "  !ls",
    "files = !ls data\nprint(files)",
    "result = %timeit -o sum(range(3))",
    "%matplotlib inline\nimport matplotlib.pyplot as plt",
    "%load_ext autoreload\n%autoreload 2",
    "?model",
    "model??",
    "model.forward?",
    "x = 1\nmodel?\ny = 2",
    "history = model.fit(\n    features,\n    labels,\n)\nprint(history)",
    "history = 3\nls = [1, 2]\ncd = ls",
    "try:\n    import peft\nexcept ImportError:\n    !pip install peft\n    import peft",
    "if not installed:\n    !pip install -q transformers\nimport transformers",
    "for name in names:\n    !echo {name}\n",
    "!pip install torch \\\n    transformers\nimport torch",
    "%%bash\necho hi\nfor x in 1 2; do echo $x; done\n",
    "%%writefile train.py\nimport torch\nprint(1)\n",
    "%%html\n<b>hi</b>",
    "\n\n%%time\nx = 1",
    "total = (a\n    % b)\nok = (\n    a\n    != b\n)\n",
    "x = 1 \\\n    % 2",
    "pip install transformers==4.40",
    "cd data",
    "time model(features)",
    "pip install -q torch\ncd .",  # automagics among other lines: Jupyter stops at them today
    "!!ls",
    "d = {'%': 1,\n     '!': 2}\n",
    "",
    "\n",
    "x = 1\r\n!ls\r\ny = 2\r\n",
]
"""Cells both readers must read line for line alike."""

ONLY_IPYTHON_READS_RIGHT = {
    's = """\n!not a shell line\n"""\n': "a string spanning lines: the fallback counts brackets, not strings",
    "text = '''\n%not a magic\n'''": "the same, with a %",
    "    x = 1\n    y = 2\n": "a cell indented as a whole: IPython strips the indentation",
    ">>> x = 1\n>>> print(x)\n": "pasted with prompts: IPython strips them",
    "In [1]: x = 1\n": "an IPython prompt",
}
"""Cells the fallback reads otherwise, and why (each must really be read otherwise)."""

SINGLE_LINE_AUTOMAGICS = {"pip install transformers==4.40", "cd data", "time model(features)"}
"""Cells IPython runs as magics only at run time (automagic, single-line cells)."""

LEGACY_AUTOMAGICS = {"pip install -q torch\ncd ."}
"""Automagics among other lines: IPython 7 and later stop at them; fixlabels still reads them
as magics so older notebooks keep their findings (golden fl101_notebook_with_automagics)."""


def _golden_cells() -> list[str]:
    cells = []
    for notebook in sorted(GOLDEN.rglob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                source = cell["source"]
                cells.append("".join(source) if isinstance(source, list) else source)
    return cells


GOLDEN_CELLS = _golden_cells()


def _parses(reading: CellReading) -> bool:
    try:
        ast.parse(python_text(reading))
    except SyntaxError:
        return False
    return True


def test_the_golden_notebooks_have_cells_to_compare() -> None:
    assert len(GOLDEN_CELLS) >= 20
    assert any("!" in cell or "%" in cell for cell in GOLDEN_CELLS)


def test_every_synthetic_cell_runs_in_jupyter() -> None:
    """The oracle: what IPython's transformers make of the cell is Python (cells IPython runs
    as automagics are taken on its word: the transform leaves them to the running shell)."""
    manager = inputtransformer2.TransformerManager()
    checked = [c for c in BOTH_READ_ALIKE + list(ONLY_IPYTHON_READS_RIGHT) if c not in SINGLE_LINE_AUTOMAGICS | LEGACY_AUTOMAGICS]
    assert len(checked) > 30
    for cell in checked:
        ast.parse(manager.transform_cell(cell))


@pytest.mark.parametrize("cell", GOLDEN_CELLS + BOTH_READ_ALIKE)
def test_the_fallback_reads_a_cell_as_ipython_does(cell: str) -> None:
    assert read_cell_fallback(cell) == read_cell_ipython(cell)


@pytest.mark.parametrize("cell", list(ONLY_IPYTHON_READS_RIGHT))
def test_the_fallback_reads_otherwise_only_where_it_is_known_to(cell: str) -> None:
    assert read_cell_fallback(cell) != read_cell_ipython(cell), ONLY_IPYTHON_READS_RIGHT[cell]


@pytest.mark.parametrize("cell", GOLDEN_CELLS + BOTH_READ_ALIKE + list(ONLY_IPYTHON_READS_RIGHT))
def test_no_cell_jupyter_runs_is_a_syntax_error(cell: str) -> None:
    reading = read_cell_ipython(cell)
    assert len(reading.lines) == len(cell.split("\n"))
    assert _parses(reading), python_text(reading)


def test_a_notebook_of_every_cell_is_read_without_an_error_and_written_back_exactly(tmp_path: Path) -> None:
    sources = GOLDEN_CELLS + BOTH_READ_ALIKE + list(ONLY_IPYTHON_READS_RIGHT)
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s} for s in sources]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
    (tmp_path / "all.ipynb").write_text(text, encoding="utf-8")
    result = run([tmp_path / "all.ipynb"], Mode.CHECK)
    assert result.errors == ()
    notebook = read_notebook(text)
    assert notebook.split(notebook.text) == {number: source for number, source in enumerate(sources, start=1)}
    assert notebook.encode(notebook.text).decode() == text


def test_ipython_lines_are_masked_and_python_lines_kept() -> None:
    reading = read_cell_ipython("try:\n    import peft\nexcept ImportError:\n    !pip install peft\n")
    assert [kind for kind, _ in reading.lines] == [PYTHON, PYTHON, PYTHON, MAGIC, PYTHON]
    assert python_text(reading).split("\n")[3] == "    pass  #"
    history = read_cell_ipython("history = model.fit(\n    x)\n")
    assert {kind for kind, _ in history.lines} == {PYTHON}


def test_an_automagic_among_other_lines_is_read_as_a_magic() -> None:
    reading = read_cell_ipython("pip install -q torch\ncd .")
    assert [kind for kind, _ in reading.lines] == [MAGIC, MAGIC]
    python_look_alike = read_cell_ipython("time.sleep(0)\ntime = 3\ncd(1)")
    assert {kind for kind, _ in python_look_alike.lines} == {PYTHON}


def test_a_cell_ipython_refuses_is_reported_as_a_syntax_error_not_crashed_on(tmp_path: Path) -> None:
    """IPython's tokenizer raises on an unindent that matches no block (Jupyter shows the error)."""
    cell = "try:\n        x = 1\n    except ValueError:\n        pass\n"
    with pytest.raises(SyntaxError):
        inputtransformer2.TransformerManager().transform_cell(cell)
    assert read_cell_ipython(cell) == read_cell_fallback(cell)
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": cell}], "metadata": {}}))
    assert [(e.code, e.cell, e.line) for e in run([tmp_path], Mode.CHECK).errors] == [("E999", 1, 3)]


PLAIN_PYTHON = [
    "def evaluate():\n    model.eval()\n    return [model(x) for x in batches]\n",
    "\n\n# leading blank lines\nx = 1\n",
    "x = 1\n  # an indented comment\ny = {'a': 1,\n     'b': 2}\n",
    "class Net(nn.Module):\n    def forward(self, x, labels):\n        return self.loss(x, labels)\n",
]


def test_a_cell_with_nothing_ipython_acts_on_is_left_as_written_by_ipython_too() -> None:
    """Such a cell is read without asking IPython (tokenizing every cell twice to learn that
    nothing changes would double the time a notebook takes): IPython must indeed leave it."""
    from codemod.cells import _MAY_BE_IPYTHON

    manager = inputtransformer2.TransformerManager()
    plain = [cell for cell in GOLDEN_CELLS + BOTH_READ_ALIKE + PLAIN_PYTHON if not _MAY_BE_IPYTHON.search(cell)]
    assert len(plain) >= 20
    for cell in plain:
        assert manager.transform_cell(cell).strip() == cell.strip()  # IPython drops leading blank lines only
        if _parses(CellReading(tuple((PYTHON, line) for line in cell.split("\n")))):  # no automagic line
            assert read_cell_ipython(cell).lines == tuple((PYTHON, line) for line in cell.split("\n"))
