"""Rule details that golden cases do not each need a runnable program for: how FL004 reads
the task, FL005's `label=`, FL003's refusal to overwrite a user's compute_loss."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from codemod.engine import run
from codemod.registry import select_rules
from codemod.results import Mode, Options
from codemod.rules.heads import head_class, head_exists, tasks_in
from tests.conftest import assert_nothing_crashed

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


@pytest.mark.parametrize(
    ("snippet", "family", "head"),
    [
        ("config = BertConfig(num_labels=3)", "Bert", "BertForSequenceClassification"),
        ("AutoModel.from_pretrained(name, num_labels=2)", "Auto", "AutoModelForSequenceClassification"),
        ("collator = DataCollatorForTokenClassification(tok)", "Roberta", "RobertaForTokenClassification"),
        ("collator = DataCollatorForLanguageModeling(tok, mlm=True)", "Bert", "BertForMaskedLM"),
        ("collator = DataCollatorForLanguageModeling(tok)", "Roberta", "RobertaForMaskedLM"),
        ("collator = DataCollatorForLanguageModeling(tok, mlm=False)", "Llama", "LlamaForCausalLM"),
        ("collator = DataCollatorForLanguageModeling(tokenizer=tok, mlm=False)", "GPT2", "GPT2LMHeadModel"),
        ("config = LoraConfig(task_type=TaskType.SEQ_CLS)", "Roberta", "RobertaForSequenceClassification"),
        ("config = LoraConfig(task_type=TaskType.CAUSAL_LM)", "Auto", "AutoModelForCausalLM"),
        ("config = LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM)", "Auto", "AutoModelForSeq2SeqLM"),
        ("x = 1  # nothing says the task", "Mistral", "MistralForCausalLM"),
        ("x = 1  # nothing says the task", "T5", "T5ForConditionalGeneration"),
    ],
)
def test_base_model_task_is_read_from_the_code(snippet: str, family: str, head: str) -> None:
    tasks = tasks_in(snippet, family)
    assert len(tasks) == 1
    assert head_class(family, tasks[0]) == head
    assert head_exists(family, head) is not False


def test_base_model_task_is_not_guessed_when_nothing_or_two_things_say_it() -> None:
    assert tasks_in("x = 1", "Bert") == []
    assert len(tasks_in("BertConfig(num_labels=2)\nDataCollatorForTokenClassification(tok)", "Bert")) == 2


def check(tmp_path: Path, source: str, mode: Mode = Mode.CHECK) -> list[str]:
    """The findings on ``source``, as train.py; a crash fails the test. A write is not import
    checked: that would run the snippet, torch and all (tests/test_import_check.py covers it)."""
    (tmp_path / "train.py").write_text(textwrap.dedent(source))
    result = run([tmp_path], mode, Options(verify=False))
    assert_nothing_crashed(result)
    return [f.render() for f in result.findings]


def test_label_keyword_to_a_transformers_model_becomes_labels(tmp_path: Path) -> None:
    findings = check(tmp_path, """
        from transformers import AutoModelForSequenceClassification

        def step(ids, y):
            model = AutoModelForSequenceClassification.from_pretrained("x", num_labels=2)
            return model(input_ids=ids, label=y)
        """, Mode.WRITE)
    assert [f.split(": ", 1)[1][:5] for f in findings] == ["FL005"]
    assert "return model(input_ids=ids, labels=y)" in (tmp_path / "train.py").read_text()


def test_label_keyword_to_a_custom_model_is_not_fl005(tmp_path: Path) -> None:
    assert not [f for f in check(tmp_path, """
        import torch.nn as nn

        class Net(nn.Module):
            def forward(self, x, label):
                return x

        out = Net()(x, label=y)
        """) if " FL005 " in f]


def test_a_trainer_subclass_with_its_own_compute_loss_is_reported_not_overwritten(tmp_path: Path) -> None:
    source = """
        import torch.nn as nn
        from transformers import Trainer, TrainingArguments

        class Net(nn.Module):
            def forward(self, input_ids):
                return input_ids.float()

        class MyTrainer(Trainer):
            def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
                return model(inputs["input_ids"]).sum()

        trainer = MyTrainer(model=Net(), args=TrainingArguments(output_dir="o"), train_dataset=data)
        """
    findings = check(tmp_path, source, Mode.WRITE)
    assert len(findings) == 1 and " FL003 " in findings[0]
    assert "already overrides compute_loss" in findings[0]
    assert (tmp_path / "train.py").read_text() == textwrap.dedent(source)


@pytest.mark.parametrize(
    ("setup", "trainer", "base"),
    [
        ("from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments as TrainingArguments", "Seq2SeqTrainer", "Seq2SeqTrainer"),
        ("from transformers import Trainer, TrainingArguments\n\nclass LoggingTrainer(Trainer):\n    def log(self, logs, *args):\n        super().log(logs, *args)", "LoggingTrainer", "LoggingTrainer"),
    ],
)
def test_trainer_subclasses_and_seq2seq_trainer_get_a_compute_loss(tmp_path: Path, setup: str, trainer: str, base: str) -> None:
    (tmp_path / "train.py").write_text(
        "import torch.nn as nn\n" + setup + "\n\n\nclass Net(nn.Module):\n    def forward(self, input_ids):\n        return input_ids.float()\n\n\n"
        f"def main(data):\n    args = TrainingArguments(output_dir='o')\n    {trainer}(model=Net(), args=args, train_dataset=data).train()\n"
    )
    result = run([tmp_path], Mode.DIFF)
    assert [f.code for f in result.findings if f.fixed] == ["FL003"]
    new = result.changes[0].new_text
    assert f"class CriterionTrainer({base}):" in new
    assert "CriterionTrainer(model=Net(), args=args, train_dataset=data).train()" in new
    assert "TrainingArguments(output_dir='o', label_names=[\"labels\"])" in new
    compile(new, "train.py", "exec")


def test_a_reader_inside_a_statement_that_goes_away_is_rewritten(tmp_path: Path) -> None:
    """`logits = out.logits` is removed and `out.logits` inside it is replaced: no conflict."""
    source = (GOLDEN / "fl002_logits_and_loss_readers" / "before" / "train.py").read_text()
    source = source.replace(
        "    loss = out[0]\n    acc = (out.logits.argmax(dim=-1) == y).float().mean()",
        "    logits = out.logits\n    loss = out[0]\n    acc = (logits.argmax(dim=-1) == y).float().mean()",
    )
    assert "logits = out.logits" in source
    (tmp_path / "train.py").write_text(source)
    result = run([tmp_path], Mode.DIFF)
    assert not result.errors and [f.fixed for f in result.findings] == [True]
    new = result.changes[0].new_text
    assert "logits = model(x)" in new and "out" not in new.split("for step")[1]
    compile(new, "train.py", "exec")


def test_fl101_refuses_a_call_whose_labels_may_be_none_at_run_time(tmp_path: Path) -> None:
    from codemod.registry import select_rules
    from codemod.results import Options

    (tmp_path / "train.py").write_text(textwrap.dedent("""
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def forward(self, x, labels=None):
                logits = self.fc(x)
                if labels is not None:
                    return F.cross_entropy(logits, labels), logits
                return logits

        def run_batch(model: Net, x, y=None):
            return model(x, labels=y)

        def step(model: Net, batch):
            return model(batch["x"], labels=batch.get("labels"))
        """))
    result = run([tmp_path], Mode.DIFF, Options(rules=select_rules(["FL101"], [])))
    assert result.changes == ()
    assert "may be None here" in result.findings[0].text


NET_WITH_LOSS = textwrap.dedent("""
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 2)

        def forward(self, x, labels):
            logits = self.linear(x)
            return nn.functional.cross_entropy(logits, labels)

    """)


@pytest.mark.parametrize(
    "use",
    [
        "print(Net()(x, y))",
        "nets = [Net()]\nnets.append(Net())\nprint(nets[0](x, y))",
        "class Factory:\n    def make(self):\n        return Net()\nclf = Factory().make()\nprint(clf(x, y))",
        "def build():\n    return [Net()]\nprint(build()[0](x, y))",
    ],
)
def test_a_class_built_where_its_calls_cannot_be_followed_is_not_rewritten(tmp_path: Path, use: str) -> None:
    """Rewriting forward while a call stays as it was would break the program: refuse."""
    source = NET_WITH_LOSS + use + "\n"
    findings = check(tmp_path, source, Mode.WRITE)
    assert len(findings) == 1 and " FL001 " in findings[0]
    assert re.search(r"not rewritten: an instance is built at \S*train\.py:\d+ where its calls cannot be followed", findings[0])
    assert (tmp_path / "train.py").read_text() == source


@pytest.mark.parametrize(
    "use",
    [
        "def build():\n    return Net()\nclf = build()\nprint(clf(x, y))",
        "def build():\n    net = Net()\n    return net, 'tokenizer'\nclf, tok = build()\nprint(clf(x, y))",
        "def main():\n    from_factory = build()\n    print(from_factory(x, y))\ndef build():\n    return Net().train()",
    ],
    ids=["returns-the-model", "returns-it-in-a-tuple", "called-before-defined"],
)
def test_a_model_from_a_factory_function_is_rewritten_at_its_callers(tmp_path: Path, use: str) -> None:
    source = NET_WITH_LOSS + use + "\n"
    findings = check(tmp_path, source, Mode.WRITE)
    assert len(findings) == 1 and "not rewritten" not in findings[0], findings
    text = (tmp_path / "train.py").read_text()
    assert "(x, y)" not in text and "nn.functional.cross_entropy(logits, y)" in text, text


FLAGGED_LOSS = textwrap.dedent("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)
            self.smooth = True

        def forward(self, x, labels=None):
            logits = self.fc(x)
            if labels is not None:
                if TEST:
                    loss = F.cross_entropy(logits, labels, label_smoothing=0.1)
                else:
                    loss = F.cross_entropy(logits, labels)
                return loss, logits
            return logits


    model = Net()
    loss, logits = model(torch.ones(1, 3), torch.tensor([1]))
    """)


def test_fl101_moves_a_loss_chosen_by_a_flag_to_the_call_as_a_conditional_expression(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(FLAGGED_LOSS.replace("TEST", "self.smooth"))
    result = run([tmp_path], Mode.WRITE, Options(rules=select_rules(["FL101"], [])))
    (finding,) = [f.render() for f in result.findings]
    assert "not rewritten" not in finding, finding
    text = (tmp_path / "train.py").read_text()
    assert "def forward(self, x):" in text, text
    assert (
        "loss = F.cross_entropy(logits, torch.tensor([1]), label_smoothing=0.1) if model.smooth "
        "else F.cross_entropy(logits, torch.tensor([1]))"
    ) in text, text


def test_fl101_names_the_branch_it_cannot_move_when_its_test_cannot_be_repeated_at_the_call(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(FLAGGED_LOSS.replace("TEST", "torch.rand(1).item() < 0.5"))
    result = run([tmp_path], Mode.WRITE, Options(rules=select_rules(["FL101"], [])))
    (finding,) = [f.render() for f in result.findings]
    assert finding.endswith(
        "not rewritten: forward chooses how to use labels under `if torch.rand(1).item() < 0.5:`, a branch that is not moved to calls"
    ), finding
    assert result.changes == ()


def test_a_model_from_a_method_that_returns_self_is_rewritten_at_its_callers(tmp_path: Path) -> None:
    source = NET_WITH_LOSS.replace(
        "    def forward(self, x, labels):",
        "    def get_model(self):\n        return self\n\n    def forward(self, x, labels):",
    ) + "clf = Net().get_model()\nprint(clf(x, y))\n"
    findings = check(tmp_path, source, Mode.WRITE)
    assert len(findings) == 1 and "not rewritten" not in findings[0], findings
    text = (tmp_path / "train.py").read_text()
    assert "logits = clf(x)" in text and "nn.functional.cross_entropy(logits, y)" in text, text


def test_a_trainer_given_compute_loss_func_is_refused_with_that_reason(tmp_path: Path) -> None:
    source = NET_WITH_LOSS + textwrap.dedent("""
        from transformers import Trainer, TrainingArguments

        def my_loss(outputs, labels, num_items_in_batch=None):
            return outputs.mean()

        trainer = Trainer(model=Net(), args=TrainingArguments("out"), compute_loss_func=my_loss)
        trainer.train()
        """)
    before = source
    findings = check(tmp_path, source, Mode.WRITE)
    assert len(findings) == 1, findings
    assert "Trainer computes the loss with `compute_loss_func`" in findings[0], findings
    assert (tmp_path / "train.py").read_text() == textwrap.dedent(before)


def test_a_forward_read_as_taking_labels_binds_the_keyword_calls_spell() -> None:
    """``forward(self, x, label)`` read as taking ``labels``: ``label=`` fills the labels
    parameter, ``labels=`` fills nothing (it was a TypeError before the rewrite, and stays one)."""
    from codemod.vocabulary import Param, Signature

    read = Signature((Param("x", True, False), Param("labels", True, False)), False, False, 1, 1, spelled="label")
    assert read.binds(1, ["label"], False) == {"x", "labels"}
    assert read.binds(1, ["labels"], False) is None
    assert read.binds(2, [], False) == {"x", "labels"}
    plain = Signature((Param("x", True, False), Param("labels", True, True)), False, False, 1, 1)
    assert plain.binds(1, ["labels"], False) == {"x", "labels"}
    assert plain.binds(1, ["label"], False) is None


def test_a_criterion_built_before_the_model_runs_does_not_stop_a_masked_loss_from_moving(tmp_path: Path) -> None:
    """What forward runs after the loss may change what the call reads again (``effects``);
    what it runs before the loss's first line does not: here the criterion comes first, then
    a module of the user's, then the loss on the mask."""
    (tmp_path / "train.py").write_text(textwrap.dedent("""
        import torch
        import torch.nn as nn


        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(4, 6)

            def forward(self, x):
                return torch.tanh(self.lin(x))


        class Net(nn.Module):
            def __init__(self, num_labels=3):
                super().__init__()
                self.num_labels = num_labels
                self.encoder = Encoder()
                self.fc = nn.Linear(6, num_labels)

            def forward(self, x, mask, labels):
                loss_fct = nn.CrossEntropyLoss()
                logits = self.fc(self.encoder(x))
                loss = loss_fct(logits.view(-1, self.num_labels)[mask.view(-1) == 1], labels.view(-1)[mask.view(-1) == 1])
                self.encoder(x)
                return loss, logits


        model = Net()
        x, mask, y = torch.randn(2, 5, 4), torch.ones(2, 5), torch.zeros(2, 5, dtype=torch.long)
        loss, logits = model(x, mask, y)
        """))
    result = run([tmp_path], Mode.WRITE, Options(rules=select_rules(["FL001"], [])))
    (finding,) = [f.render() for f in result.findings]
    # After the loss, a module of the user's given the model's input: refused, naming it.
    assert "forward runs `self.encoder(x)` after the loss" in finding, finding
    source = (tmp_path / "train.py").read_text().replace("        self.encoder(x)\n", "")
    (tmp_path / "train.py").write_text(source)
    result = run([tmp_path], Mode.WRITE, Options(rules=select_rules(["FL001"], [])))
    (finding,) = [f.render() for f in result.findings]
    assert "not rewritten" not in finding, finding
    assert "loss = criterion(logits.view(-1, model.num_labels)[mask.view(-1) == 1], y.view(-1)[mask.view(-1) == 1])" in (tmp_path / "train.py").read_text()
