"""The shapes public reports showed (issue 24), each beside the case where the fix must refuse:
a classification head's class count, PEFT wrappers, old label keys in dicts built away from the
call, labels=None, a forward wrapping a loss-computing model, a nested forward, and the message
transformers 5 raises instead of the TypeError. The programs themselves are executed in
golden/reports/; these hold the edges of each mechanism."""

from __future__ import annotations

import textwrap
from pathlib import Path

from codemod.engine import run
from codemod.registry import select_rules
from codemod.results import Mode, Options
from tests.conftest import assert_nothing_crashed


def fixlabels(tmp_path: Path, source: str, mode: Mode = Mode.WRITE) -> tuple[list[str], str]:
    """The findings on ``source`` as train.py, and the file after the run (every rule, no
    import check: these snippets do not run)."""
    (tmp_path / "train.py").write_text(textwrap.dedent(source))
    result = run([tmp_path], mode, Options(verify=False, rules=select_rules(["ALL"], [])))
    assert_nothing_crashed(result)
    return [f.render().split(": ", 1)[1] for f in result.findings], (tmp_path / "train.py").read_text()


BASE_UNDER_TRAINER = """
    from transformers import BertConfig, BertModel, Trainer
    {count}
    config = BertConfig(vocab_size=50{config_count})
    model = BertModel(config)
    trainer = Trainer(model=model, train_dataset=data)  # batches with labels
    """


def test_a_head_swapped_in_carries_the_class_count_the_program_binds(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, BASE_UNDER_TRAINER.format(count="num_labels = len(CLASSES)", config_count=""))
    assert findings[0].startswith("FL004 ") and "use `BertForSequenceClassification`" in findings[0]
    assert "config = BertConfig(vocab_size=50, num_labels=num_labels)" in text
    assert "model = BertForSequenceClassification(config)" in text


def test_a_head_whose_config_is_sized_already_is_not_given_the_count_twice(tmp_path: Path) -> None:
    _, text = fixlabels(tmp_path, BASE_UNDER_TRAINER.format(count="num_labels = 6", config_count=", num_labels=num_labels"))
    assert text.count("num_labels=") == 1


def test_a_head_is_not_swapped_in_when_the_class_count_is_shown_twice_or_never(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, BASE_UNDER_TRAINER.format(count="num_labels = 6\n    n_classes = 6", config_count=""))
    assert "would have 2 classes, its default" in findings[0] and "several" in findings[0]
    assert "BertModel(config)" in text
    (tmp_path / "train.py").unlink()
    findings, _ = fixlabels(tmp_path, """
        from transformers import AutoModel, Trainer
        model = AutoModel.from_pretrained("bert-base-uncased")
        trainer = Trainer(model=model, train_dataset=data)  # labels; num_labels=... said nowhere binding
        """)
    assert findings and "not rewritten" in findings[0]


def test_the_base_model_inside_a_peft_wrapper_gets_the_head_its_task_type_names(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from peft import LoraConfig, TaskType, get_peft_model
        from transformers import GPT2Config, GPT2Model

        base = GPT2Model(GPT2Config())
        model = get_peft_model(base, LoraConfig(task_type=TaskType.CAUSAL_LM))
        loss = model(input_ids=ids, labels=ids).loss
        """)
    assert "prepare_inputs_for_generation" in findings[0], "the message transformers 5 raises"
    assert "base = GPT2LMHeadModel(GPT2Config())" in text


def test_a_task_typed_peft_wrapper_around_a_base_model_is_found_without_labels(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from peft import LoraConfig, TaskType, get_peft_model
        from transformers import GPT2Config, GPT2Model

        model = get_peft_model(GPT2Model(GPT2Config()), LoraConfig(task_type=TaskType.CAUSAL_LM))
        logits = model(input_ids=ids).logits
        """)
    assert findings[0].startswith("FL004 `GPT2Model` has no head, but `get_peft_model` wraps it")
    assert "get_peft_model(GPT2LMHeadModel(GPT2Config())" in text


def test_auto_model_is_not_given_a_head_its_config_has_no_mapping_for(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from transformers import AutoModel, Mistral3Config
        config = Mistral3Config()
        model = AutoModel.from_config(config)
        lora = dict(task_type="CAUSAL_LM")
        loss = model(input_ids=ids, labels=ids).loss
        """)
    assert "`AutoModelForCausalLM` does not build a model for `Mistral3Config`" in findings[0]
    assert "AutoModel.from_config(config)" in text


def test_an_encoder_is_not_made_a_causal_lm_because_the_collator_says_mlm_false(tmp_path: Path) -> None:
    findings, _ = fixlabels(tmp_path, """
        from transformers import DataCollatorForLanguageModeling, RobertaConfig, RobertaModel, Trainer
        model = RobertaModel(RobertaConfig())
        collator = DataCollatorForLanguageModeling(tokenizer=tok, mlm=False)
        trainer = Trainer(model=model, data_collator=collator, train_dataset=data)
        """)
    assert "is an encoder" in findings[0] and "RobertaForMaskedLM" in findings[0]


def test_an_old_label_key_is_renamed_in_the_method_that_builds_the_dict(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from transformers import GPT2Config, GPT2LMHeadModel

        class Runner:
            def __init__(self):
                self.model = GPT2LMHeadModel(GPT2Config())

            def inputs_for(self, batch):
                inputs = {"input_ids": batch}
                inputs["lm_labels"] = batch
                return inputs

            def step(self, batch):
                return self.model(**self.inputs_for(batch))[0]
        """)
    assert findings[0].startswith('FL005 `Runner.inputs_for` builds the dict')
    assert 'inputs["labels"] = batch' in text


def test_an_old_label_key_spelled_elsewhere_too_is_not_renamed_where_the_dict_is_built(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from transformers import GPT2Config, GPT2LMHeadModel

        def collate(batch):
            return {"input_ids": batch, "lm_labels": batch}

        model = GPT2LMHeadModel(GPT2Config())
        batch = collate(data)
        print(batch["lm_labels"].shape)
        out = model(**collate(data))
        """)
    assert "is also read or written outside `collate`" in findings[0]
    assert '"lm_labels": batch}' in text


def test_an_old_lm_key_is_not_renamed_for_a_model_whose_labels_mean_something_else(tmp_path: Path) -> None:
    findings, _ = fixlabels(tmp_path, """
        from transformers import BertConfig, BertForNextSentencePrediction, Trainer

        def collate(batch):
            return {"input_ids": batch, "masked_lm_labels": batch}

        model = BertForNextSentencePrediction(BertConfig())
        trainer = Trainer(model=model, data_collator=collate, train_dataset=data)
        """)
    assert "`labels` of `BertForNextSentencePrediction` are not the language-model labels" in findings[0]


def test_labels_none_to_a_forward_without_labels_is_dropped(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        import torch.nn as nn

        class Head(nn.Module):
            def forward(self, features):
                return features, features.softmax(-1)

        head = Head()
        _, prediction = head(features, labels=None)
        """)
    assert findings[0].startswith("FL002 ") and "`labels=None` passes nothing" in findings[0]
    assert "_, prediction = head(features)" in text


def test_labels_for_a_wrapper_of_a_loss_computing_model_are_not_given_a_criterion(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        import torch.nn as nn
        from transformers import GPT2Config, GPT2LMHeadModel

        class LM(nn.Module):
            def __init__(self):
                super().__init__()
                self.model = GPT2LMHeadModel(GPT2Config())

            def forward(self, ids):
                return self.model(ids).logits.log_softmax(-1)

        lm = LM()
        loss = lm(ids, labels=ids).loss
        """)
    assert "a transformers model that computes its own loss from labels" in findings[0]
    assert "criterion" not in text


def test_a_forward_nested_in_init_moves_out_unless_it_reads_inits_names(tmp_path: Path) -> None:
    source = """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 2)
                {scale}

                def forward(self, x):
                    return self.fc(x){times}
        """
    findings, text = fixlabels(tmp_path, source.format(scale="", times=""))
    assert findings[0].startswith("FL007 ")
    assert "\n    def forward(self, x):\n        return self.fc(x)\n" in text
    (tmp_path / "train.py").unlink()
    findings, text = fixlabels(tmp_path, source.format(scale="scale = 2", times=" * scale"))
    assert "reads `scale` of `__init__`" in findings[0]
    assert "        def forward(self, x):" in text
