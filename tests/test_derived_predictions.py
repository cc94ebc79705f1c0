"""forward returns a value computed from what its loss reads (issue 12, §2.5): forward returns the
loss's input, and each call computes what it read. Each rewrite here is executed before and
after, and the printed numbers compared."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codemod.engine import run
from codemod.registry import select_rules
from codemod.results import Mode, Options

FL001 = Options(verify=False)
FL101 = Options(verify=False, rules=select_rules(["FL101"], []))

TRAIN = """
    import torch
    from model import Net

    torch.manual_seed(0)
    net = Net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    x, y = torch.randn(8, 3), torch.tensor([0, 1, 0, 1, 1, 0, 0, 1])
    for step in range(3):
        loss, out = net(x, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        print(f"loss {loss.item():.6f} {out[0, 0].item():.6f}")
    """


def write_net(root: Path, forward: str, imports: str = "import torch.nn as nn", init: str = "", train: str = TRAIN) -> None:
    """``model.py`` with a ``Net`` of one linear layer and the given ``forward``, and ``train.py``."""
    model = f"""
{textwrap.dedent(imports).strip()}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
{textwrap.indent(textwrap.dedent(init).strip(), " " * 8) if init.strip() else ""}
{textwrap.indent(textwrap.dedent(forward).strip(), " " * 4)}
"""
    (root / "model.py").write_text(model)
    (root / "train.py").write_text(textwrap.dedent(train))


def execute(root: Path) -> str:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run([sys.executable, "train.py"], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def rewrite_and_compare(root: Path, options: Options) -> str:
    before = execute(root)
    assert "loss" in before
    result = run([root], Mode.WRITE, options)
    assert not result.errors
    assert result.findings and all(f.fixed for f in result.findings), [f.render() for f in result.findings]
    assert result.changes
    assert execute(root) == before
    return (root / "model.py").read_text() + (root / "train.py").read_text()


@pytest.mark.execution  # rewrite_and_compare runs the program before and after
def test_a_prediction_reassigned_after_the_loss_read_it_is_computed_at_the_call(tmp_path: Path) -> None:
    # The loss reads the logits; the same name then holds probabilities, which forward returns.
    write_net(tmp_path, """
        def forward(self, x, labels):
            logits = self.fc(x)
            loss = F.cross_entropy(logits, labels)
            logits = logits.softmax(dim=-1)
            return loss, logits
        """, imports="import torch.nn as nn\nimport torch.nn.functional as F")
    text = rewrite_and_compare(tmp_path, FL001)
    assert "out = logits.softmax(dim=-1)" in text, text


@pytest.mark.execution  # rewrite_and_compare runs the program before and after
def test_a_loss_reassigned_in_steps_moves_whole(tmp_path: Path) -> None:
    # `loss = ...` then `loss = -loss.mean()`: two versions of one name, both part of the loss.
    write_net(tmp_path, """
        def forward(self, x, labels=None):
            logits = self.fc(x)
            prob = torch.sigmoid(logits)
            if labels is not None:
                labels = labels.float()
                loss = torch.log(prob[:, 0] + 1e-10) * labels
                loss = -loss.mean()
                return loss, prob
            return prob
        """, imports="import torch\nimport torch.nn as nn")
    text = rewrite_and_compare(tmp_path, FL101)
    assert "loss = -(torch.log(out[:, 0] + 1e-10) * y.float()).mean()" in text, text


@pytest.mark.execution  # rewrite_and_compare runs the program before and after
def test_a_derived_value_the_loss_reads_twice_is_returned_as_the_loss_read_it(tmp_path: Path) -> None:
    # Computed at the call for each use, `sigmoid(logits)` would be two nodes of the autograd
    # graph: forward returns it, and the loss reads that one tensor twice, as it did.
    write_net(tmp_path, """
        def forward(self, x, labels=None):
            logits = self.fc(x)
            prob = torch.sigmoid(logits)
            if labels is not None:
                loss = -(torch.log(prob[:, 0]) * labels + torch.log(1 - prob[:, 0]) * (1 - labels)).mean()
                return loss, prob
            return logits
        """, imports="import torch\nimport torch.nn as nn")
    text = rewrite_and_compare(tmp_path, FL101)
    assert "prob = torch.sigmoid(logits)\n        return prob\n" in text
    assert "out = net(x)\n    loss = -(torch.log(out[:, 0]) * y + torch.log(1 - out[:, 0]) * (1 - y)).mean()" in text


def test_a_derived_value_read_twice_and_assigned_again_keeps_calls_with_labels_untouched(tmp_path: Path) -> None:
    # forward cannot return `prob` as the loss read it: computed at the call it would be twice.
    write_net(tmp_path, """
        def forward(self, x, labels=None):
            logits = self.fc(x)
            prob = torch.sigmoid(logits)
            if labels is not None:
                loss = -(torch.log(prob[:, 0]) * labels + torch.log(1 - prob[:, 0]) * (1 - labels)).mean()
                prob = prob.detach()
                return loss, logits
            return logits
        """, imports="import torch\nimport torch.nn as nn")
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    result = run([tmp_path], Mode.WRITE, FL101)
    assert result.changes == ()
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before
    (finding,) = result.findings
    assert "the loss reads `prob` more than once, and forward computed it from `logits`" in finding.render()
    assert "train.py:10" in finding.render()


@pytest.mark.execution  # rewrite_and_compare runs the program before and after
def test_a_prediction_computed_with_dropout_stays_in_forward_with_the_loss_input_beside_it(tmp_path: Path) -> None:
    # At the call site the dropout would draw other random numbers than inside forward: it
    # stays there, and forward returns the logits the loss read beside its prediction.
    write_net(tmp_path, """
        def forward(self, x, labels):
            logits = self.fc(x)
            noisy = self.dropout(logits)
            loss = nn.functional.cross_entropy(logits, labels)
            return loss, noisy
        """, init="self.dropout = nn.Dropout(0.5)")
    text = rewrite_and_compare(tmp_path, FL001)
    assert "noisy = self.dropout(logits)\n        return noisy, logits" in text
    assert "out, logits = net(x)" in text


@pytest.mark.execution  # rewrite_and_compare runs the program before and after
def test_calls_without_labels_reading_a_packed_derived_prediction_compute_it_once(tmp_path: Path) -> None:
    write_net(tmp_path, """
        def forward(self, x, labels=None):
            logits = self.fc(x)
            probs = F.softmax(logits, dim=-1)
            if labels is not None:
                return {"loss": F.cross_entropy(logits, labels), "probs": probs}
            return {"probs": probs}
        """, imports="import torch.nn as nn\nimport torch.nn.functional as F", train=TRAIN.replace(
        "loss, out = net(x, y)", "loss = net(x, y)[\"loss\"]\n        out = net(x)\n        top = out[\"probs\"].max()"
    ).replace("{out[0, 0].item():.6f}", "{out['probs'][0, 0].item():.6f} {top.item():.6f}"))
    text = rewrite_and_compare(tmp_path, FL101)
    assert "out = F.softmax(net(x), dim=-1)" in text, text
    assert "top = out.max()" in text, text


@pytest.mark.execution  # rewrite_and_compare runs the program before and after
def test_a_prediction_bound_by_tuple_unpacking_is_returned_bare_to_calls_without_labels(tmp_path: Path) -> None:
    # `emissions, _ = self.rnn(x)` has no line of its own: it is the value forward returns.
    write_net(tmp_path, """
        def forward(self, x, labels=None):
            out, _ = self.rnn(x)
            if labels is not None:
                return F.cross_entropy(out[:, -1], labels), out
            return None, out
        """, imports="import torch.nn as nn\nimport torch.nn.functional as F", init="self.rnn = nn.GRU(3, 2, batch_first=True)",
        train=TRAIN.replace("torch.randn(8, 3)", "torch.randn(8, 4, 3)").replace(
            "{out[0, 0].item():.6f}", "{out[0, 0, 0].item():.6f} {net(x)[1].sum().item():.6f}"
        ))
    text = rewrite_and_compare(tmp_path, FL101)
    assert "net(x).sum()" in text, text


@pytest.mark.execution  # rewrite_and_compare runs the program before and after
def test_a_forward_taking_label_and_returning_the_loss_alone_returns_the_prediction(tmp_path: Path) -> None:
    # Read as two paths (`label` renamed `labels`), both the same: what it returns "without
    # labels" is the loss itself, never a prediction to keep.
    write_net(tmp_path, """
        def forward(self, x, label):
            logits = self.fc(x)
            loss = nn.functional.cross_entropy(logits, label)
            return loss
        """, train="""
        import torch
        from model import Net

        torch.manual_seed(0)
        net = Net()
        x, y = torch.randn(8, 3), torch.tensor([0, 1, 0, 1, 1, 0, 0, 1])
        loss = net(x, label=y)
        loss.backward()
        print(f"loss {loss.item():.6f}")
        """)
    text = rewrite_and_compare(tmp_path, FL001)
    assert "        logits = self.fc(x)\n        return logits\n" in text
    assert "logits = net(x)\nloss = nn.functional.cross_entropy(logits, y)" in text
