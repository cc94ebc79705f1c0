"""FL101 where ``forward`` keeps returning its labels-absent result: calls without labels stay as
they are (whatever their receiver), and calls with labels rebuild what they got from it and the
loss. The golden cases execute the common shapes; these hold the pieces and the edges."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Optional

import pytest

from codemod.analysis.kept_result import dataclass_fields, stored_parameters
from codemod.engine import run
from codemod.lazy_libcst import cst
from codemod.results import Mode, Options, RunResult
from codemod.rules.common import find_class, find_method
from codemod.vocabulary import KeptResult, LossPlace, ResultKind


def _tuple(at: int, replaced: bool = False, size: Optional[int] = None, fixed_after: int = 0) -> KeptResult:
    return KeptResult(ResultKind.TUPLE, at, replaced, (("logits", 0),), sequence=True, fixed_after=fixed_after, size=size)


def test_items_after_an_inserted_loss_are_read_one_place_earlier() -> None:
    kept = _tuple(0)  # (loss, *outputs) from outputs
    assert kept.translate(0) == (True, 0)
    assert kept.translate(1) == (False, 0)
    assert kept.translate(3) == (False, 2)
    assert kept.translate(-1) is None, "the length is not known and nothing after the loss is fixed"
    assert kept.translate("loss") is None
    middle = _tuple(1, size=3)  # (logits, loss, hidden) from (logits, hidden)
    assert [middle.translate(k) for k in (0, 1, 2, -1, -3)] == [(False, 0), (True, 1), (False, 1), (False, 1), (False, 0)]


def test_a_placeholder_slot_keeps_every_place() -> None:
    kept = _tuple(0, replaced=True, size=2)  # (loss, x) from (None, x)
    assert [kept.translate(k) for k in (0, 1, -1, -2)] == [(True, 0), (False, 1), (False, 1), (True, 0)]


def test_items_counted_from_the_end_are_known_when_the_tail_is_fixed() -> None:
    kept = _tuple(0, fixed_after=2)  # (loss, *rest, a, b)
    assert kept.translate(-1) == (False, -1)
    assert kept.translate(-2) == (False, -2)
    assert kept.translate(-3) is None


def test_keys_and_attributes_read_themselves_but_the_loss() -> None:
    as_dict = KeptResult(ResultKind.DICT, "loss", False, (("logits", "logits"),))
    assert as_dict.translate("loss") == (True, "loss")
    assert as_dict.translate("hidden") == (False, "hidden")
    assert as_dict.translate(0) is None
    assert as_dict.translate(".loss") is None, "a dict's attribute is not its key"
    as_object = KeptResult(ResultKind.OBJECT, "loss", True, (("logits", ".logits"),), fields=("loss", "logits", "hidden"))
    assert as_object.translate(".loss") == (True, ".loss")
    assert as_object.translate(".hidden") == (False, ".hidden")
    assert as_object.translate(".total") is None, "a method or property may read the loss"
    assert as_object.translate("loss") is None
    assert as_object.translate(0) is None


def _fields(source: str) -> object:
    tree = cst.parse_module(textwrap.dedent(source))
    found = find_method(tree, "Out", "__init__")
    assert found is not None
    return stored_parameters(*found)


def test_an_init_that_only_stores_its_parameters_names_each_attribute() -> None:
    source = '''
    class Out:
        """What the model gives."""

        def __init__(self, logits, loss=None):
            super().__init__()
            self.logits = logits
            self.score = loss

        def describe(self):
            return "out"
    '''
    assert _fields(source) == (("logits", "logits"), ("loss", "score"))


@pytest.mark.parametrize(
    "body",
    [
        "def __init__(self, logits, loss=None):\n        self.logits = logits\n        self.loss = loss.detach()",
        "def __init__(self, logits, loss=None):\n        self.logits = logits",
        "def __init__(self, *parts):\n        self.parts = parts",
        "def __init__(self, logits, loss=None):\n        self.logits = logits\n        self.loss = loss\n\n    @property\n    def loss(self):\n        return 0",
        "def __init__(self, logits, loss=None):\n        self.logits = logits\n        self.loss = loss\n\n    def __getattr__(self, name):\n        return 0",
    ],
    ids=["computes", "drops_a_parameter", "star_args", "property_of_the_same_name", "getattr_hook"],
)
def test_any_other_init_leaves_the_attributes_unknown(body: str) -> None:
    assert _fields(f"class Out:\n    {body}\n") is None


def test_a_subclass_or_dataclass_leaves_the_attributes_unknown() -> None:
    init = "    def __init__(self, logits, loss=None):\n        self.logits = logits\n        self.loss = loss\n"
    assert _fields("class Out(Base):\n" + init) is None
    assert _fields("@dataclass\nclass Out:\n" + init) is None
    assert _fields("class Out(object):\n" + init) == (("logits", "logits"), ("loss", "loss"))


def _dataclass(body: str, decorator: str = "@dataclass") -> object:
    tree = cst.parse_module(f"{decorator}\nclass Out:\n{textwrap.indent(textwrap.dedent(body), '    ')}")
    cls = find_class(tree, "Out")
    assert cls is not None
    return dataclass_fields(cls)


def test_a_plain_dataclass_sets_its_fields_in_order() -> None:
    body = """
    loss: Optional[torch.Tensor] = None
    logits: torch.Tensor = None

    def describe(self):
        return "out"
    """
    assert _dataclass(body) == (("loss", "loss"), ("logits", "logits"))
    assert _dataclass(body, "@dataclasses.dataclass(frozen=True)") == (("loss", "loss"), ("logits", "logits"))


@pytest.mark.parametrize(
    "body, decorator",
    [
        ("loss: torch.Tensor = field(default=None, init=False)\nlogits: torch.Tensor = None", "@dataclass"),
        ("scale: ClassVar[float] = 1.0\nlogits: torch.Tensor = None", "@dataclass"),
        ("logits: torch.Tensor = None\n\ndef __post_init__(self):\n    self.logits = 0", "@dataclass"),
        ("logits: torch.Tensor = None", "@dataclass(init=False)"),
        ("logits: torch.Tensor = None", "@attr.s"),
    ],
    ids=["field_out_of_init", "class_variable", "post_init", "no_init", "not_a_dataclass"],
)
def test_a_dataclass_that_builds_otherwise_leaves_the_fields_unknown(body: str, decorator: str) -> None:
    assert _dataclass(body, decorator) is None


MODEL = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels=None):
        hidden = self.fc(x)
        logits = hidden.relu()
        outputs = (logits, hidden)
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
            outputs = (loss,) + outputs
        return outputs
"""


def _run(root: Path, files: dict[str, str], rules: frozenset[str] = frozenset({"FL101"})) -> RunResult:
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    previous = Path.cwd()
    os.chdir(root)
    try:
        return run([Path(".")], Mode.DIFF, Options(rules=rules))
    finally:
        os.chdir(previous)


def test_a_call_without_labels_through_a_receiver_nobody_traces_stays_as_it_is(tmp_path: Path) -> None:
    serve = """
    import pickle

    def serve(blob, x):
        model = pickle.loads(blob)
        return model(x)[1]
    """
    train = """
    import torch
    from model import Net

    model = Net()
    x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
    out = model(x, labels=y)
    out[0].backward()
    print(out[1].sum().item(), out[2].sum().item())
    """
    result = _run(tmp_path / "p", {"model.py": MODEL, "serve.py": serve, "train.py": train})
    assert [f.fixed for f in result.findings] == [True]
    assert "forward keeps returning `(logits, hidden)`" in result.findings[0].message
    assert sorted(c.display_path for c in result.changes) == ["model.py", "train.py"], "serve.py stays as it is"
    new_train = next(c.new_text for c in result.changes if c.display_path == "train.py")
    assert "out = model(x)\n" in new_train
    assert "nn.functional.cross_entropy(out[0], y).backward()" in new_train
    assert "print(out[0].sum().item(), out[1].sum().item())" in new_train


def test_a_call_with_labels_through_a_receiver_nobody_traces_still_refuses(tmp_path: Path) -> None:
    serve = """
    import pickle

    def score(blob, x, y):
        model = pickle.loads(blob)
        return model(x, labels=y)[0]
    """
    train = """
    import torch
    from model import Net

    model = Net()
    x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
    loss, logits, hidden = model(x, labels=y)
    loss.backward()
    """
    result = _run(tmp_path / "p", {"model.py": MODEL, "serve.py": serve, "train.py": train})
    assert result.changes == ()
    refusal = result.findings[0].refusal
    assert refusal is not None and "serve.py:6" in refusal and "could be a `Net`" in refusal


def test_a_result_read_by_a_slice_is_rebuilt_whole(tmp_path: Path) -> None:
    train = """
    import torch
    from model import Net

    model = Net()
    x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
    out = model(x, labels=y)
    loss, rest = out[0], out[1:]
    loss.backward()
    print(len(rest))
    """
    result = _run(tmp_path / "p", {"model.py": MODEL, "train.py": train})
    assert [f.fixed for f in result.findings] == [True]
    new_train = next(c.new_text for c in result.changes if c.display_path == "train.py")
    assert "out = model(x)\nout = (nn.functional.cross_entropy(out[0], y), *out)\n" in new_train


def test_a_result_never_read_is_only_the_call(tmp_path: Path) -> None:
    train = """
    import torch
    from model import Net

    model = Net()
    x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
    out = model(x, labels=y)
    print(model(x)[0].sum().item())
    """
    serve = """
    import pickle

    def serve(blob, x):
        return pickle.loads(blob)(x)[1]
    """
    result = _run(tmp_path / "p", {"model.py": MODEL, "serve.py": serve, "train.py": train})
    assert [f.fixed for f in result.findings] == [True]
    new_train = next(c.new_text for c in result.changes if c.display_path == "train.py")
    assert "out = model(x)\nprint(model(x)[0].sum().item())\n" in new_train


# ---------------------------------------------------------------------------------------------
# A result returned less the loss: one path, more than the loss and one prediction


def test_a_model_output_less_its_loss_is_read_by_key_and_by_position() -> None:
    """A ModelOutput is a dict of its fields that are set, and indexes them in declaration
    order: with ``loss`` first among them, every later position moves one place earlier."""
    fields = ("loss", "logits", "hidden_states", "attentions")
    first = KeptResult(ResultKind.OBJECT, "loss", False, (("logits", ".logits"),), model_output=True, fields=fields)
    assert first.translate("loss") == (True, "loss")
    assert first.translate("hidden_states") == (False, "hidden_states")
    assert [first.translate(k) for k in (0, 1, 2)] == [(True, 0), (False, 0), (False, 1)]
    assert first.translate(-1) is None, "from the end, which fields are set decides"
    assert first.translate(".to_tuple") is None and first.translate(".keys") is None, "a method reads every field"
    placeholder = KeptResult(ResultKind.OBJECT, "loss", True, (("logits", ".logits"),), model_output=True, fields=fields)
    assert placeholder.translate(1) is None, "a placeholder kept there may be set (0) or not (None)"
    later = KeptResult(ResultKind.OBJECT, "loss", False, (("logits", ".logits"),), model_output=True, placed=LossPlace.LAST, fields=fields)
    assert later.translate(1) is None, "where the loss sat among the fields that are set is not known"
    plain = KeptResult(ResultKind.OBJECT, "loss", True, (("logits", ".logits"),), fields=fields)
    assert plain.translate("loss") is None and plain.translate(0) is None, "a class of the project is read by attribute only"


LESS_MODEL = """
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.body = nn.Linear(4, 4)

    def forward(self, x, labels):
        hidden = self.body(x)
        logits = self.fc(hidden)
        loss = F.cross_entropy(logits, labels)
        return loss, logits, hidden
"""


def _run_all(root: Path, files: dict[str, str]) -> RunResult:
    return _run(root, files, frozenset({"FL001", "FL101"}))


def test_a_result_of_three_values_is_returned_less_the_loss(tmp_path: Path) -> None:
    train = """
    import torch
    from model import Net

    model = Net()
    x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
    loss, logits, hidden = model(x, y)
    loss.backward()
    print(model(x, y)[2].sum().item())
    """
    result = _run_all(tmp_path / "p", {"model.py": LESS_MODEL, "train.py": train})
    assert [f.fixed for f in result.findings] == [True]
    texts = {c.display_path: c.new_text for c in result.changes}
    assert "        return logits, hidden\n" in texts["model.py"]
    assert "logits, hidden = model(x)\nloss = F.cross_entropy(logits, y)\n" in texts["train.py"]
    assert "outputs = model(x)\nprint(outputs[1].sum().item())" in texts["train.py"], "the hidden state, one place earlier"


@pytest.mark.parametrize("manager, rebuilt", [("torch.no_grad()", False), ("open('log.txt')", True)])
def test_a_binding_inside_a_torch_context_hides_the_earlier_one(tmp_path: Path, manager: str, rebuilt: bool) -> None:
    """``out`` bound again inside ``with torch.no_grad():`` is that binding's after the block:
    torch's context managers swallow no exception, so the body runs to its end. Any other
    manager might, and the first ``out`` may reach the last line: its result is rebuilt whole."""
    train = f"""
    import torch
    from model import Net

    model = Net()
    x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
    out = model(x, y)
    out[0].backward()
    with {manager}:
        out = model(x, y)
    print(out[1].sum().item())
    """
    result = _run_all(tmp_path / "p", {"model.py": LESS_MODEL, "train.py": train})
    assert [f.fixed for f in result.findings] == [True]
    new_train = next(c.new_text for c in result.changes if c.display_path == "train.py")
    whole = "out = model(x)\nout = (F.cross_entropy(out[0], y), *out)\n"
    assert (whole in new_train) is rebuilt, new_train


def test_a_loss_computed_without_labels_is_refused_where_a_call_passes_none(tmp_path: Path) -> None:
    optional = LESS_MODEL.replace("def forward(self, x, labels):", "def forward(self, x, labels=None):")
    train = """
    import torch
    from model import Net

    model = Net()
    x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
    loss, logits, hidden = model(x, labels=y)
    print(model(x)[1])
    """
    result = _run_all(tmp_path / "p", {"model.py": optional, "train.py": train})
    assert result.changes == ()
    refusal = result.findings[0].refusal
    assert refusal is not None and refusal.startswith("forward computes the loss even when its labels are None") and "train.py:8" in refusal
    labelled_only = train.replace("print(model(x)[1])", "print(model(x, labels=y)[1])")
    result = _run_all(tmp_path / "q", {"model.py": optional, "train.py": labelled_only})
    assert [f.fixed for f in result.findings] == [True]


HF_LESS_MODEL = """
import torch.nn.functional as F
from torch import nn
from transformers.modeling_outputs import SequenceClassifierOutput


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = F.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=(x,))
"""


def test_a_model_output_used_whole_is_rebuilt_by_its_class_imported_where_needed(tmp_path: Path) -> None:
    train = """
    import torch
    from model import Net

    model = Net()
    x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
    out = model(x, y)
    print(out)
    """
    result = _run_all(tmp_path / "p", {"model.py": HF_LESS_MODEL, "train.py": train})
    assert [f.fixed for f in result.findings] == [True]
    texts = {c.display_path: c.new_text for c in result.changes}
    assert "        return SequenceClassifierOutput(logits=logits, hidden_states=(x,))\n" in texts["model.py"]
    assert "from transformers.modeling_outputs import SequenceClassifierOutput\n" in texts["train.py"]
    assert "out = model(x)\nout = SequenceClassifierOutput(loss=F.cross_entropy(out.logits, y), **out)\n" in texts["train.py"]
