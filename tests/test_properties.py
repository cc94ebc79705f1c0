"""Properties that hold for any module, checked on generated ones: a second run changes
nothing, a file without a finding comes out byte for byte, and every rewrite compiles.

The generator combines the shapes fixlabels reads (forward signatures, loss expressions,
result packings, call sites and readers) with unrelated code around them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemod.engine import run
from codemod.registry import select_rules
from codemod.results import Mode, Options

LOSSES = [
    "F.cross_entropy(logits, labels)",
    "nn.CrossEntropyLoss()(logits, labels)",
    "F.mse_loss(logits.squeeze(-1), labels.float())",
    "self.loss_fct(logits.view(-1, 3), labels.view(-1))",
    "F.cross_entropy(logits, labels) + 0.1 * logits.pow(2).mean()",
    "F.nll_loss(torch.log_softmax(logits, -1), labels, reduction='sum')",
    "-(F.one_hot(labels, 3) * torch.log_softmax(logits, -1)).sum(-1).mean()",
]
RETURNS = ["loss", "loss, logits", "logits, loss", '{"loss": loss, "logits": logits}', "(loss, logits)"]
LABELS_PARAMS = ["labels", "labels=None", "*, labels", "label", ""]
CALLS = [
    "out = {model}(x, {labels})",
    "out = {model}(x, labels={labels})",
    "out = {model}(x)",
    "out = {model}.forward(x, {labels})",
    "loss = {model}(x, {labels})[0]",
    "print({model}(x, {labels}))",
]
READERS = ["", "print(out)", "print(out[0])", 'print(out["loss"])', "out.backward()", "loss, logits = out"]
UNRELATED = [
    "",
    "labels = ['cat', 'dog']\n",
    "def plot(labels):\n    return len(labels)\n",
    "class Plain:\n    def forward(self, x, labels):\n        return x\n",
    "CONFIG = {'labels': 3, 'loss': 'ce'}\n",
]

modules = st.builds(
    lambda loss, ret, param, guarded, calls, reader, unrelated, name, labels_name: _module(
        loss, ret, param, guarded, calls, reader, unrelated, name, labels_name
    ),
    st.sampled_from(LOSSES),
    st.sampled_from(RETURNS),
    st.sampled_from(LABELS_PARAMS),
    st.booleans(),
    st.lists(st.sampled_from(CALLS), min_size=0, max_size=3),
    st.sampled_from(READERS),
    st.sampled_from(UNRELATED),
    st.sampled_from(["model", "net", "self.model", "classifier"]),
    st.sampled_from(["y", "batch['labels']", "targets.long()"]),
)


def _module(loss: str, ret: str, param: str, guarded: bool, calls: list[str], reader: str, unrelated: str, name: str, labels_name: str) -> str:
    params = "self, x" + (f", {param}" if param else "")
    body = "        logits = self.fc(x)\n"
    if guarded and "None" in param:
        body += f"        if labels is not None:\n            loss = {loss}\n            return {ret}\n        return logits\n"
    elif "labels" in param:
        body += f"        loss = {loss}\n        return {ret}\n"
    else:
        body += "        return logits\n"
    owner = "self.model = Net()\n        " if name == "self.model" else ""
    receiver = name
    call_lines = "".join(
        "        " + c.format(model=receiver, labels=labels_name) + "\n" + (f"        {reader}\n" if reader else "") for c in calls
    ) or "        pass\n"
    return (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n"
        f"{unrelated}\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 3)\n"
        "        self.loss_fct = nn.CrossEntropyLoss()\n\n"
        f"    def forward({params}):\n{body}\n\n"
        "class Loop:\n"
        f"    def __init__(self):\n        {owner}self.ready = True\n\n"
        f"    def step(self, x, y, batch, targets, {name if name != 'self.model' else 'unused'}=None):\n"
        + ("" if name == "self.model" else f"        {name} = Net()\n")
        + call_lines
    )


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(source=modules, select_all=st.booleans())
def test_rewrites_compile_and_a_second_run_changes_nothing(source: str, select_all: bool) -> None:
    compile(source, "train.py", "exec")
    options = Options(verify=False, rules=select_rules(["ALL"] if select_all else [], []))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.py"
        path.write_text(source)
        first = run([Path(tmp)], Mode.WRITE, options)
        assert not first.errors, first.errors
        text = path.read_text()
        compile(text, "train.py", "exec")
        if not any(f.fixed for f in first.findings):
            assert text == source  # no fix, no byte changed
        second = run([Path(tmp)], Mode.WRITE, options)
        assert second.written == ()
        assert path.read_text() == text
        assert not any(f.fixed for f in second.findings)


@SETTINGS
@given(unrelated=st.lists(st.sampled_from(UNRELATED), max_size=4), extra=st.text(alphabet="abc_xyz =\n()#'", max_size=60))
def test_a_module_without_a_finding_comes_out_byte_for_byte(unrelated: list[str], extra: str) -> None:
    source = "import torch.nn as nn\n\n" + "\n".join(unrelated) + "\n# " + extra.replace("\n", "\n# ") + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.py"
        path.write_bytes(source.encode())
        result = run([Path(tmp)], Mode.WRITE, Options(verify=False, rules=select_rules(["ALL"], [])))
        assert result.findings == () and result.errors == () and result.written == ()  # a crash is an error, not silence
        assert path.read_bytes() == source.encode()


@given(text=st.text(alphabet="ab\n", max_size=200), picks=st.lists(st.integers(min_value=0, max_value=200), max_size=20))
def test_line_numbers_in_one_pass_are_those_counted_from_the_start(text: str, picks: list[int]) -> None:
    """The index counts lines of many offsets in one pass (counting each from the start was
    quadratic in a 50,000-line file); it must give what counting from the start gives."""
    from codemod.analysis.index import _line_numbers

    offsets = sorted(min(p, len(text)) for p in picks)
    assert list(_line_numbers(text, offsets, offset=2)) == [text.count("\n", 0, o) + 2 for o in offsets]
