"""Code that is correct, or that fixlabels cannot see clearly, is never reported as fixable."""

from __future__ import annotations

import textwrap
from pathlib import Path

from codemod.engine import run
from codemod.registry import RULES
from codemod.results import Mode, Options
from tests.conftest import assert_nothing_crashed

NET = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
"""


def check(tmp_path: Path, source: str) -> list[str]:
    (tmp_path / "train.py").write_text(textwrap.dedent(source))
    result = run([tmp_path], Mode.CHECK)
    # A rule that crashes reports an error, or refuses: "no finding" must not hide either.
    assert_nothing_crashed(result)
    return [f.render() for f in result.findings]


def test_a_model_rebound_to_something_unknown_is_not_assumed_to_be_the_custom_class(tmp_path: Path) -> None:
    assert check(tmp_path, NET + """
def main(x, y):
    model = Net()
    model = get_peft_model(model, config)
    return model(x, labels=y)
""") == []


def test_a_model_attribute_reassigned_elsewhere_is_unknown(tmp_path: Path) -> None:
    assert check(tmp_path, NET + """
class Learner:
    def __init__(self):
        self.model = Net()

    def load(self, name):
        self.model = AutoModelForSequenceClassification.from_pretrained(name)

    def step(self, x, y):
        return self.model(x, labels=y).loss
""") == []


def test_an_extra_positional_argument_is_labels_only_when_its_name_says_so(tmp_path: Path) -> None:
    assert check(tmp_path, NET + """
model = Net()
out = model(x, mask)
""") == []


def test_labels_to_a_forward_with_kwargs_are_fine(tmp_path: Path) -> None:
    assert check(tmp_path, """
import torch.nn as nn

class Net(nn.Module):
    def forward(self, x, **kwargs):
        return x

model = Net()
out = model(x, labels=y)
""") == []


def test_a_huggingface_model_subclass_is_never_a_target(tmp_path: Path) -> None:
    assert check(tmp_path, """
from transformers import BertPreTrainedModel
import torch.nn.functional as F

class Model(BertPreTrainedModel):
    def forward(self, input_ids, labels):
        logits = self.classifier(self.bert(input_ids).pooler_output)
        return F.cross_entropy(logits, labels)

model = Model(config)
loss = model(ids, labels)
""") == []


def test_a_loss_module_is_not_a_model(tmp_path: Path) -> None:
    assert check(tmp_path, """
import torch.nn as nn
import torch.nn.functional as F

class SmoothedCE(nn.Module):
    def forward(self, logits, labels):
        return F.cross_entropy(logits / 2.0, labels)

class Scaled(nn.Module):
    def forward(self, logits, labels):
        scaled = logits * self.scale
        return F.cross_entropy(scaled, labels)
""") == []


def test_fl002_is_not_fixed_when_forward_returns_a_tuple(tmp_path: Path) -> None:
    findings = check(tmp_path, """
import torch.nn as nn

class Net(nn.Module):
    def forward(self, x):
        h = self.enc(x)
        return self.head(h), h

model = Net()
out = model(x, labels=y)
""")
    assert len(findings) == 1
    assert "not rewritten: `Net.forward` returns a tuple or dict" in findings[0]


def test_a_batch_given_labels_by_item_assignment_is_known_to_carry_them(tmp_path: Path) -> None:
    findings = check(tmp_path, NET + """
def step(model: Net, x, y):
    inputs = {"x": x}
    inputs["labels"] = y
    out = model(**inputs)
    return out.loss
""")
    assert [f.split(": ", 1)[1] for f in findings] == [
        "FL002 `model(...)` unpacks a batch that carries `labels`, but `Net.forward` does not take labels"
    ]


def test_a_base_model_under_a_trainer_with_its_own_compute_loss_is_fine(tmp_path: Path) -> None:
    assert check(tmp_path, """
from transformers import AutoModel, Trainer

class ContrastiveTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs.pop("labels")
        embeddings = model(**inputs).last_hidden_state[:, 0]
        return contrastive(embeddings, labels)

model = AutoModel.from_pretrained("bert-base-uncased", num_labels=2)
trainer = ContrastiveTrainer(model=model, args=args, train_dataset=data)
""") == []


def test_a_head_model_under_trainer_is_fine(tmp_path: Path) -> None:
    assert check(tmp_path, """
from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
trainer = Trainer(model=model, args=args, train_dataset=data, data_collator=DataCollatorWithPadding(tok))
""") == []


def test_a_custom_model_under_a_trainer_whose_compute_loss_takes_the_labels_is_fine(tmp_path: Path) -> None:
    assert check(tmp_path, """
import torch.nn as nn
import torch.nn.functional as F
from transformers import Trainer, TrainingArguments

class Net(nn.Module):
    def forward(self, input_ids):
        return self.head(input_ids)

class CrossEntropyTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs.pop("labels")
        logits = model(**inputs)
        loss = F.cross_entropy(logits, labels)
        return (loss, {"logits": logits}) if return_outputs else loss

args = TrainingArguments(output_dir="out", label_names=["labels"])
trainer = CrossEntropyTrainer(model=Net(), args=args, train_dataset=data)
""") == []


def test_a_wrapper_that_hands_its_labels_to_a_library_model_computes_no_loss_itself(tmp_path: Path) -> None:
    """``outputs = self.model(..., labels=labels); return outputs``: the library model computes
    the loss, as it should, and what forward returns without labels is no prediction to keep."""
    (tmp_path / "train.py").write_text(textwrap.dedent("""
        import torch.nn as nn
        from transformers import AutoModelForSequenceClassification

        class Wrapper(nn.Module):
            def __init__(self):
                super().__init__()
                self.model = AutoModelForSequenceClassification.from_pretrained("x")

            def forward(self, input_ids=None, attention_mask=None, labels=None):
                outputs = self.model(input_ids, attention_mask=attention_mask, labels=labels)
                return outputs

        model = Wrapper()
        loss = model(ids, mask, labels=y).loss
        """))
    result = run([tmp_path], Mode.CHECK, Options(rules=frozenset(RULES)))
    assert_nothing_crashed(result)
    assert [f.render() for f in result.findings] == []
