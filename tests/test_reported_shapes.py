"""The shapes public reports showed (issue 24), each beside the case where the fix must refuse:
a classification head's class count, PEFT wrappers, old label keys in dicts built away from the
call, labels=None, a forward wrapping a loss-computing model, a nested forward, and the message
transformers 5 raises instead of the TypeError. The programs themselves are executed in
golden/reports/; these hold the edges of each mechanism."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

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
        from transformers import AutoModel, ViTConfig
        config = ViTConfig()
        model = AutoModel.from_config(config)
        lora = dict(task_type="CAUSAL_LM")
        loss = model(pixel_values=images, labels=ids).loss
        """)
    assert "neither `AutoModelForCausalLM` nor `AutoModelForImageTextToText` builds a model for `ViTConfig`" in findings[0]
    assert "AutoModel.from_config(config)" in text


def test_a_vision_language_config_gets_the_auto_class_that_generates_text_for_it(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from transformers import AutoModel, Mistral3Config
        config = Mistral3Config()
        model = AutoModel.from_config(config)
        lora = dict(task_type="CAUSAL_LM")
        loss = model(input_ids=ids, labels=ids).loss
        """)
    assert findings[0].endswith("the task is causal LM: use `AutoModelForImageTextToText`")
    assert "AutoModelForImageTextToText.from_config(config)" in text


def test_an_encoder_under_an_unmasking_collator_gets_its_masked_lm_head_not_the_decoder_class(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from transformers import DataCollatorForLanguageModeling, RobertaConfig, RobertaModel, Trainer
        model = RobertaModel(RobertaConfig())
        collator = DataCollatorForLanguageModeling(tokenizer=tok, mlm=False)
        trainer = Trainer(model=model, data_collator=collator, train_dataset=data)
        """)
    assert "use `RobertaForMaskedLM`" in findings[0] and "`mlm=True` pretrains it" in findings[0]
    assert "model = RobertaForMaskedLM(RobertaConfig())" in text and "RobertaForCausalLM" not in text


def test_an_encoder_under_a_causal_lm_peft_wrapper_is_refused(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from peft import LoraConfig, TaskType, get_peft_model
        from transformers import DataCollatorForLanguageModeling, RobertaConfig, RobertaModel, Trainer
        model = get_peft_model(RobertaModel(RobertaConfig()), LoraConfig(task_type=TaskType.CAUSAL_LM))
        collator = DataCollatorForLanguageModeling(tokenizer=tok, mlm=False)
        trainer = Trainer(model=model, data_collator=collator, train_dataset=data)
        """)
    assert "is an encoder" in findings[0] and "RobertaForMaskedLM" in findings[0]
    assert "RobertaModel(RobertaConfig())" in text


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
    """Also through a default, evaluated in ``__init__``: ``def forward(self, x, scale=scale)``."""
    source = """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 2)
                {scale}

                def forward(self, x):
                    return self.fc(x){times}

        net = Net()
        out = net(x)
        """
    findings, text = fixlabels(tmp_path, source.format(scale="", times=""))
    assert findings[0].startswith("FL007 ")
    assert "\n    def forward(self, x):\n        return self.fc(x)\n" in text
    (tmp_path / "train.py").unlink()
    findings, text = fixlabels(tmp_path, source.format(scale="scale = 2", times=" * scale"))
    assert "reads `scale` of `__init__`" in findings[0]
    assert "        def forward(self, x):" in text


def test_a_nested_forward_is_left_alone_in_a_module_nobody_calls_or_that_assigns_forward(tmp_path: Path) -> None:
    source = """
        import torch.nn as nn

        def _impl(self, x):
            return x

        class Net(nn.Module):
            {alias}
            def __init__(self):
                super().__init__()

                def forward(self, x):
                    return x
        {call}
        """
    assert fixlabels(tmp_path, source.format(alias="", call=""))[0] == []
    (tmp_path / "train.py").unlink()
    assert fixlabels(tmp_path, source.format(alias="forward = _impl", call="out = Net()(x)"))[0] == []


def test_a_nested_forward_whose_default_reads_inits_argument_stays(tmp_path: Path) -> None:
    findings, _ = fixlabels(tmp_path, """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self, scale):
                super().__init__()

                def forward(self, x, scale=scale):
                    return x * scale

        net = Net(3.0)
        out = net(x)
        """)
    assert "reads `scale` of `__init__`" in findings[0]


def test_a_class_count_that_may_sit_in_unpacked_settings_is_not_added_twice(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from transformers import BertConfig, BertModel
        num_labels = 3
        settings = dict(vocab_size=50, num_labels=num_labels)
        model = BertModel(BertConfig(**settings))
        out = model(ids, labels=y)
        """)
    assert "cannot trace" in findings[0] and "BertConfig(**settings))" in text


def test_a_feature_extraction_peft_wrapper_around_a_base_model_is_correct_code(tmp_path: Path) -> None:
    assert fixlabels(tmp_path, """
        from peft import LoraConfig, TaskType, get_peft_model
        from transformers import GPT2Config, GPT2Model

        model = get_peft_model(GPT2Model(GPT2Config()), LoraConfig(task_type=TaskType.FEATURE_EXTRACTION))
        features = model(input_ids=ids)[0]
        """)[0] == []


BUILDER = """
    from transformers import BertConfig, BertForMaskedLM

    def make_inputs(features):
        return {{"input_ids": features["input_ids"], "lm_labels": {labels}}}

    model = BertForMaskedLM(BertConfig())
    out = model(**make_inputs(feats){extra})
    {other}
    """


def test_an_old_key_the_builder_also_reads_or_another_forward_takes_by_name_is_not_renamed(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, BUILDER.format(labels='features["lm_labels"]', extra="", other=""))
    assert 'also reads "lm_labels"' in findings[0] and '"lm_labels": features["lm_labels"]' in text
    (tmp_path / "train.py").unlink()
    other = "def probe(input_ids, lm_labels=None): ..."
    findings, _ = fixlabels(tmp_path, BUILDER.format(labels='features["y"]', extra="", other=other))
    assert "is also a parameter or keyword" in findings[0]


def test_a_call_that_passes_labels_beside_a_built_dict_with_the_old_key_is_correct_code(tmp_path: Path) -> None:
    assert fixlabels(tmp_path, BUILDER.format(labels='features["y"]', extra=", labels=y", other=""))[0] == []


def test_a_collator_whose_batch_is_changed_in_place_may_carry_labels(tmp_path: Path) -> None:
    findings, _ = fixlabels(tmp_path, """
        import torch.nn as nn
        from transformers import Trainer

        class Net(nn.Module):
            def forward(self, x):
                return x

        def collate(items):
            batch = {"x": items}
            batch.update({"labels": items})
            return batch

        trainer = Trainer(model=Net(), data_collator=collate, train_dataset=data)
        """, Mode.CHECK)
    assert findings and findings[0].startswith("FL003 ")


def test_a_forward_calling_a_plain_layer_is_not_taken_for_a_wrapped_transformers_model(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        import torch.nn as nn
        from transformers import AutoModelForSequenceClassification

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(4, 3)

            def forward(self, x):
                return self.lin(x)

        net = Net()
        out = net(x, labels=y)
        """)
    assert "not rewritten" not in findings[0] and "out = net(x)" in text


def test_write_reports_what_its_last_pass_left_unfixed(tmp_path: Path) -> None:
    findings, _ = fixlabels(tmp_path, """
        import torch.nn as nn

        class Net(nn.Module):
            def farward(self, x):
                return x

        def run(net, x, y):
            return net(x, labels=y)

        run(Net(), x, y)
        """)
    assert sorted(f[:5] for f in findings) == ["FL002", "FL007"]
    assert "not rewritten" in next(f for f in findings if f.startswith("FL002"))


def test_an_old_key_is_renamed_for_every_caller_of_its_builder_or_for_none(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from transformers import BertConfig, BertForMaskedLM, BertForNextSentencePrediction

        def inputs_for(batch):
            return {"input_ids": batch, "masked_lm_labels": batch}

        mlm = BertForMaskedLM(BertConfig())
        nsp = BertForNextSentencePrediction(BertConfig())

        def main(batch):
            loss = mlm(**inputs_for(batch)).loss
            logits = nsp(**inputs_for(batch)).logits
        """)
    assert all("not rewritten" in finding for finding in findings) and len(findings) == 2
    assert any("it must land with the fix of" in finding for finding in findings)
    assert '"masked_lm_labels": batch' in text


def test_a_builder_whose_dict_is_also_unpacked_beside_labels_keeps_its_old_key(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, BUILDER.format(
        labels='features["y"]', extra="", other="def evaluate(y):\n        return model(**make_inputs(feats), labels=y)"
    ))
    assert len(findings) == 1 and "would then get labels twice" in findings[0]
    assert '"lm_labels": features["y"]' in text


# --- issue 24, second session: labels drawn from a class range, PEFT task types, dataset columns

def test_labels_drawn_from_a_class_range_size_the_head_and_name_the_task(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        import torch
        from transformers import BertConfig, BertModel
        CLASSES = ["sad", "joy", "fear"]
        config = BertConfig(vocab_size=50)
        model = BertModel(config)
        labels = torch.randint(0, len(CLASSES), (4,))
        loss = model(input_ids=ids, labels=labels).loss
        """)
    assert "use `BertForSequenceClassification`" in findings[0] and "the head's classes: `len(CLASSES)` (line 7)" in findings[0]
    assert "config = BertConfig(vocab_size=50, num_labels=len(CLASSES))" in text


def test_a_draw_that_never_reaches_the_labels_says_nothing_of_the_task(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        import torch
        from transformers import GPT2Config, GPT2Model
        model = GPT2Model(GPT2Config())
        y = torch.randint(0, 2, (4,))  # a domain id, for logging
        out = model(input_ids=ids, labels=ids)
        print(y)
        """)
    assert findings[0].endswith("the task is causal LM: use `GPT2LMHeadModel`")
    assert "num_labels" not in text


def test_a_class_count_shadowed_where_the_labels_are_drawn_is_not_carried(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        import torch
        from transformers import BertConfig, BertModel
        K = 3
        def make_data(n=8):
            K = 6
            labels = torch.randint(0, K, (n,))
            return labels
        def main():
            labels = make_data()
            model = BertModel(BertConfig(vocab_size=50))
            return model(input_ids=ids, labels=labels).loss
        """)
    assert "not rewritten" in findings[0]
    assert "BertModel(BertConfig(vocab_size=50))" in text


def test_float_or_multi_label_draws_are_not_class_labels(tmp_path: Path) -> None:
    for draw, passed in (("torch.randint(0, 100, (4,), dtype=torch.float)", "labels"), ("torch.randint(0, 2, (4, 5))", "labels.float()")):
        findings, text = fixlabels(tmp_path, f"""
            import torch
            from peft import LoraConfig, TaskType, get_peft_model
            from transformers import AutoModel, BertConfig
            model = get_peft_model(AutoModel.from_config(BertConfig()), LoraConfig(task_type=TaskType.SEQ_CLS))
            labels = {draw}
            loss = model(input_ids=ids, labels={passed}).loss
            """)
        assert "not rewritten" in findings[0] and "number of classes is not known" in findings[0], draw
        assert "num_labels" not in text


def test_a_decoder_classifier_without_a_pad_token_is_refused(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        import torch
        from transformers import GPT2Config, GPT2Model
        model = GPT2Model(GPT2Config(vocab_size=50))
        labels = torch.randint(0, 3, (4,))
        loss = model(input_ids=ids, labels=labels).loss
        """)
    assert "sets no `pad_token_id`" in findings[0]
    assert "GPT2Model(GPT2Config(vocab_size=50))" in text


def test_a_model_rebound_through_a_tuple_is_not_taken_for_what_it_held_before(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from peft import PromptTuningConfig, TaskType, get_peft_model
        from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification
        def main():
            model = AutoModelForSequenceClassification.from_config(config)
            model, ref = AutoModelForCausalLM.from_config(config), AutoModelForCausalLM.from_config(config)
            model = get_peft_model(model, PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=4))
        """)
    assert findings == []
    assert "TaskType.CAUSAL_LM" in text


def test_a_parameter_hides_the_module_model_of_the_same_name(tmp_path: Path) -> None:
    findings, _ = fixlabels(tmp_path, """
        from peft import LoraConfig, TaskType, get_peft_model
        from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification
        def add_lora(model):
            return get_peft_model(model, LoraConfig(task_type=TaskType.CAUSAL_LM))
        model = AutoModelForSequenceClassification.from_config(config)
        policy = add_lora(AutoModelForCausalLM.from_config(config))
        """)
    assert findings == []


def test_a_causal_lm_task_type_on_a_classification_head_becomes_the_heads_task(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from peft import LoraConfig, TaskType, get_peft_model
        from transformers import AutoModelForTokenClassification
        def build(config):
            critic = AutoModelForTokenClassification.from_config(config)
            settings = {"task_type": TaskType.CAUSAL_LM, "r": 2}
            return get_peft_model(critic, LoraConfig(**settings))
        """)
    assert findings[0].startswith("FL008 ") and findings[0].endswith("the task type becomes `TOKEN_CLS`")
    assert '"task_type": TaskType.TOKEN_CLS' in text


def test_a_task_type_read_by_another_module_is_not_changed(tmp_path: Path) -> None:
    (tmp_path / "actor.py").write_text("from train import lora_config\nactor = get_peft_model(policy, lora_config)\n")
    findings, text = fixlabels(tmp_path, """
        from peft import LoraConfig, TaskType, get_peft_model
        from transformers import AutoModelForTokenClassification
        lora_config = LoraConfig(task_type=TaskType.CAUSAL_LM)
        critic = get_peft_model(AutoModelForTokenClassification.from_config(config), lora_config)
        """)
    assert "`lora_config`, which other code reads too" in findings[0]
    assert "TaskType.CAUSAL_LM" in text


def test_a_task_type_computed_by_an_expression_is_left_alone(tmp_path: Path) -> None:
    for expression in ("peft.TaskType.CAUSAL_LM if not critic else peft.TaskType.TOKEN_CLS", "peft.TaskType.CAUSAL_LM.value"):
        findings, text = fixlabels(tmp_path, f"""
            import peft
            from transformers import AutoModelForTokenClassification
            model = AutoModelForTokenClassification.from_config(config)
            model = peft.get_peft_model(model, peft.LoraConfig(task_type={expression}))
            """)
        assert findings == [], expression
        assert expression in text


def test_an_encoder_behind_a_causal_lm_wrapper_loses_the_task_type_not_its_hidden_states(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from peft import LoraConfig, TaskType, get_peft_model
        from transformers import AutoModel
        encoder = get_peft_model(AutoModel.from_config(config), LoraConfig(task_type=TaskType.CAUSAL_LM, r=8))
        out = encoder(input_ids=ids)
        embeddings = out[0].mean(dim=1)
        """)
    assert findings[0].startswith("FL008 ") and "`task_type` is dropped" in findings[0]
    assert "LoraConfig(r=8)" in text and "AutoModel.from_config(config)" in text and "TaskType" not in text


def test_an_encoder_whose_output_is_also_read_as_logits_is_not_an_encoder(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from peft import LoraConfig, TaskType, get_peft_model
        from transformers import AutoModel
        model = get_peft_model(AutoModel.from_config(config), LoraConfig(task_type=TaskType.CAUSAL_LM, r=8))
        out = model(input_ids=ids)
        first, logits = out[0], out.logits
        """)
    assert all(not f.startswith("FL008 ") for f in findings)
    assert "TaskType.CAUSAL_LM" in text or "AutoModelForCausalLM" in text


def test_an_encoder_is_given_its_masked_lm_head_only_for_the_collator_its_trainer_uses(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from transformers import BertConfig, BertModel, DataCollatorForLanguageModeling
        def lm_collator(tokenizer):
            return DataCollatorForLanguageModeling(tokenizer, mlm=False)  # another script's
        model = BertModel(BertConfig())
        loss = model(input_ids=ids, labels=labels).loss
        """)
    assert "BertForMaskedLM" not in text and "not rewritten" in findings[0]


def test_an_encoder_configured_as_a_decoder_keeps_the_refusal(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from transformers import DataCollatorForLanguageModeling, RobertaConfig, RobertaModel, Trainer
        model = RobertaModel(RobertaConfig(is_decoder=True))
        collator = DataCollatorForLanguageModeling(tokenizer=tok, mlm=False)
        trainer = Trainer(model=model, data_collator=collator, train_dataset=data)
        """)
    assert "is an encoder" in findings[0]
    assert "RobertaModel(RobertaConfig(is_decoder=True))" in text


DATASET_UNDER_TRAINER = """
    from datasets import Dataset
    from transformers import {head}, Trainer
    def main(tokenizer, args):
        model = {head}.from_config(config)
        rows = Dataset.from_dict({{"text": ["a b", "c d"], "label": [0, 1]}})
        encoded = rows.map(lambda batch: tokenizer(batch["text"]), batched=True{remove})
        {format}
        trainer = Trainer(model=model, args=args, train_dataset=encoded, processing_class=tokenizer)
    """


def test_a_label_column_formatted_away_is_shown_again(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, DATASET_UNDER_TRAINER.format(
        head="AutoModelForSequenceClassification", remove="", format='encoded.set_format("torch", columns=["input_ids", "attention_mask"])'))
    assert findings[0].startswith("FL009 ") and "`set_format` hides its `label` column" in findings[0]
    assert 'columns=["input_ids", "attention_mask", "label"]' in text


def test_a_language_model_on_text_alone_gets_the_collator_that_makes_its_labels(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, DATASET_UNDER_TRAINER.format(head="AutoModelForCausalLM", remove=', remove_columns=["text", "label"]', format=""))
    assert findings[0].startswith("FL009 ")
    assert "data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False)" in text


def test_a_classifier_with_no_label_column_is_refused_and_a_dataset_with_labels_is_left_alone(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, DATASET_UNDER_TRAINER.format(head="AutoModelForSequenceClassification", remove=', remove_columns=["text", "label"]', format=""))
    assert "the dataset has no label column" in findings[0] and "data_collator" not in text
    findings, _ = fixlabels(tmp_path, DATASET_UNDER_TRAINER.format(head="AutoModelForSequenceClassification", remove="", format=""))
    assert findings == []


def test_columns_the_analysis_cannot_read_say_nothing(tmp_path: Path) -> None:
    removed = ', remove_columns=["text", "label"]'
    for remove, change in (
        (", remove_columns=dropped", ""),
        (removed, "encoded.set_transform(add_labels)"),
        (removed, "encoded = encoded.add_column('labels', ys)"),
    ):
        findings, _ = fixlabels(tmp_path, DATASET_UNDER_TRAINER.format(head="AutoModelForCausalLM", remove=remove, format=change))
        assert findings == [], (remove, change)
    findings, _ = fixlabels(tmp_path, DATASET_UNDER_TRAINER.format(head="AutoModelForCausalLM", remove=removed, format=""))
    assert findings[0].startswith("FL009 ")  # the same program with its columns in sight


PRIVATE_FIT = """
    import torch.nn as nn
    class Net(nn.Module):
        def forward(self, x, labels):
            logits = self.fc(x)
            return nn.functional.cross_entropy(logits, labels)
    class Runner:
        def _fit(self, model, x, y):
            loss = model(x, y)
            loss.backward()
        def run(self, x, y):
            self._fit(Net(), x, y)
    {outside}
    """


def test_a_method_called_only_as_self_method_learns_what_it_is_given(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, PRIVATE_FIT.format(outside="Runner().run(x, y)"))
    assert findings[0].startswith("FL001 ") and "not rewritten" not in findings[0]
    assert "loss = nn.functional.cross_entropy(model(x), y)" in text or "logits = model(x)" in text


def test_a_method_also_called_from_outside_is_not_followed(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, PRIVATE_FIT.format(outside="Runner()._fit(other_model, x, y)"))
    assert "not rewritten" in findings[0]
    assert "loss = model(x, y)" in text


# --- the second review: FL009's columns, FL008's encoders, private methods

def test_a_prompt_tuned_encoder_keeps_its_task_type_and_a_classification_wrapper_is_left_alone(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, """
        from peft import PromptTuningConfig, TaskType, get_peft_model
        from transformers import AutoModel
        encoder = get_peft_model(AutoModel.from_config(config), PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=4))
        embeddings = encoder(input_ids=ids).last_hidden_state
        """)
    assert "a prompt-learning config needs a task type" in findings[0] and "TaskType.CAUSAL_LM" in text
    findings, text = fixlabels(tmp_path, """
        from peft import LoraConfig, TaskType, get_peft_model
        from transformers import AutoModel
        encoder = get_peft_model(AutoModel.from_config(config), LoraConfig(task_type=TaskType.SEQ_CLS, r=4))
        embeddings = encoder(input_ids=ids).last_hidden_state
        """)
    assert findings == [] and "TaskType.SEQ_CLS" in text


def test_a_private_method_reached_through_a_proxy_or_getattr_is_not_followed(tmp_path: Path) -> None:
    for outside in (
        "class Report:\n    def __getattr__(self, name):\n        return getattr(Runner(), name)\n    def base(self, x, y):\n        self._fit(Other(), x, y)\n",
        "def pick(runner, kind):\n    return getattr(runner, kind)\n",
    ):
        findings, text = fixlabels(tmp_path, PRIVATE_FIT.format(outside=outside.replace("\n", "\n    ")))
        assert "not rewritten" in findings[0], outside
        assert "loss = model(x, y)" in text


def test_a_collator_given_by_position_or_set_later_is_seen(tmp_path: Path) -> None:
    program = DATASET_UNDER_TRAINER.format(head="AutoModelForCausalLM", remove=', remove_columns=["text", "label"]', format="")
    findings, _ = fixlabels(tmp_path, program.replace("Trainer(model=model, args=args,", "Trainer(model, args, add_labels,"))
    assert findings == []
    findings, _ = fixlabels(tmp_path, program + "    trainer.data_collator = add_labels\n")
    assert findings == []


def test_columns_that_may_be_a_heads_own_labels_are_not_called_missing(tmp_path: Path) -> None:
    findings, _ = fixlabels(tmp_path, """
        from datasets import Dataset
        from transformers import AutoModelForQuestionAnswering, Trainer
        def main(tokenizer, args, ids):
            model = AutoModelForQuestionAnswering.from_config(config)
            data = Dataset.from_dict({"input_ids": ids, "start_positions": [1], "end_positions": [3]})
            trainer = Trainer(model=model, args=args, train_dataset=data, processing_class=tokenizer)
        """)
    assert findings == []


def test_a_map_function_that_is_not_the_trainers_tokenizer_or_writes_into_its_batch_is_not_read(tmp_path: Path) -> None:
    removed = ', remove_columns=["text", "label"]'
    for mapped in ("lambda batch: prompt_tokenizer(batch['text'])", "encode"):
        program = DATASET_UNDER_TRAINER.format(head="AutoModelForCausalLM", remove=removed, format="")
        program = program.replace('lambda batch: tokenizer(batch["text"])', mapped)
        program = program.replace("    def main(", '    def encode(batch):\n        batch["labels"] = batch["text"]\n        return tokenizer(batch["text"])\n    def main(')
        findings, _ = fixlabels(tmp_path, program)
        assert findings == [], mapped


def test_a_masked_lm_without_labels_is_refused_with_the_collator_to_give(tmp_path: Path) -> None:
    findings, text = fixlabels(tmp_path, DATASET_UNDER_TRAINER.format(head="AutoModelForMaskedLM", remove=', remove_columns=["text", "label"]', format=""))
    assert "a masked LM needs a collator that masks tokens" in findings[0] and "data_collator" not in text


def test_the_collator_added_to_a_trainer_laid_out_one_argument_a_line_keeps_each_comment_on_its_line(tmp_path: Path) -> None:
    program = DATASET_UNDER_TRAINER.format(head="AutoModelForCausalLM", remove=', remove_columns=["text", "label"]', format="")
    program = program.replace(
        "trainer = Trainer(model=model, args=args, train_dataset=encoded, processing_class=tokenizer)",
        "trainer = Trainer(\n            model=model,\n            train_dataset=encoded,  # the split\n            processing_class=tokenizer,  # its tokenizer\n        )",
    )
    _, text = fixlabels(tmp_path, program)
    assert "train_dataset=encoded,  # the split\n" in text and "processing_class=tokenizer,  # its tokenizer\n" in text
    assert "        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),\n    )" in text


SUBCLASS_RUNNER = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        logits = self.fc(x)
        return nn.functional.cross_entropy(logits, labels)


class Runner:
    def __init__(self):
        self.model = Net()

    def step(self, x, y):
        return self.model(x, y)
"""
SUBCLASS_OTHER = """\
import torch.nn as nn
import train
{alias}

class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        return self.fc(x).sum() * 0 + labels.float().mean()


class B({base}):
    def __init__(self):
        self.model = Other()
"""


@pytest.mark.parametrize(
    "alias, base, reason",
    [
        ("", "train.Runner", "the call could also be a `Other`"),
        ("Base = train.Runner\n", "Base", "the call could also be a `Other`"),
    ],
    ids=["a subclass in another module", "a subclass through an alias"],
)
def test_a_subclass_elsewhere_that_sets_its_own_model_keeps_the_inherited_call_unrewritten(tmp_path: Path, alias: str, base: str, reason: str) -> None:
    """`B(Runner)` in other.py stores an `Other` in `self.model` and inherits `Runner.step`:
    `self.model(x, y)` there may call either model, so Net's fix cannot rewrite it alone."""
    (tmp_path / "train.py").write_text(SUBCLASS_RUNNER)
    (tmp_path / "other.py").write_text(SUBCLASS_OTHER.format(alias=alias, base=base))
    result = run([tmp_path], Mode.DIFF)
    assert result.changes == ()
    net = next(f for f in result.findings if "Net.forward" in f.message)
    assert net.refusal is not None and reason in net.refusal


OPAQUE_STORER = """\
import train
{alias}

class Server({base}):
    def __init__(self):
        self.model = {stored}
"""


@pytest.mark.parametrize(
    "stored, fixed, reason",
    [
        ("train.Net()", True, None),
        ("object()", False, "`self.model` is set to something the analysis cannot follow"),
    ],
    ids=["the same model: the inherited call is rewritten", "what it cannot follow: refused"],
)
def test_a_class_with_an_unnamed_base_joins_what_it_stores_into_self_attributes(tmp_path: Path, stored: str, fixed: bool, reason: str | None) -> None:
    """`class Server(Base)` with `Base = train.Runner` may be a subclass of Runner: what it stores
    in `self.model` is read like a named subclass's store, not taken as a reason to refuse."""
    (tmp_path / "train.py").write_text(SUBCLASS_RUNNER)
    (tmp_path / "server.py").write_text(OPAQUE_STORER.format(alias="Base = train.Runner\n", base="Base", stored=stored))
    result = run([tmp_path], Mode.DIFF)
    net = next(f for f in result.findings if "Net.forward" in f.message)
    if fixed:
        assert net.refusal is None
        assert {c.path.name for c in result.changes} == {"train.py"}
        (change,) = result.changes
        assert "        logits = self.model(x)\n        return nn.functional.cross_entropy(logits, y)\n" in change.new_text
    else:
        assert result.changes == ()
        assert net.refusal is not None and reason is not None and reason in net.refusal


@pytest.mark.parametrize(
    "stored, fixed",
    [("train.Net()", True), ("object()", False)],
    ids=["the same model: the inherited call is rewritten", "what it cannot follow: refused"],
)
def test_a_named_subclass_of_a_class_with_an_unnamed_base_joins_what_it_stores(tmp_path: Path, stored: str, fixed: bool) -> None:
    """`class Mid(Base)` (`Base = train.Runner`) stores nothing, but `class Leaf(Mid)` in another
    file stores `self.model`: a Leaf may be a Runner too, so its store joins in. Mid's module never
    spells `self.model`: reading only that module's text once left Leaf out and rewrote the call."""
    (tmp_path / "train.py").write_text(SUBCLASS_RUNNER)
    (tmp_path / "mid.py").write_text("import train\n\nBase = train.Runner\n\n\nclass Mid(Base):\n    pass\n")
    (tmp_path / "leaf.py").write_text(f"import train\nfrom mid import Mid\n\n\nclass Leaf(Mid):\n    def __init__(self):\n        self.model = {stored}\n")
    result = run([tmp_path], Mode.DIFF)
    net = next(f for f in result.findings if "Net.forward" in f.message)
    if fixed:
        assert net.refusal is None
        assert {c.path.name for c in result.changes} == {"train.py"}
    else:
        assert result.changes == ()
        assert net.refusal is not None and "`self.model` is set to something the analysis cannot follow" in net.refusal


CONVERTED_UNDER_A_BRANCH = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, num_labels):
        super().__init__()
        self.num_labels = num_labels
        self.fc = nn.Linear(4, num_labels)
        self.loss_fnc = nn.BCEWithLogitsLoss()

    def forward(self, x, labels):
        logits = self.fc(x)
        if self.num_labels == 1:
            {conversion}
        loss = self.loss_fnc(logits, labels)
        return loss, logits


model = Net(1)
loss, logits = model(torch.randn(5, 4), torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0]))
"""


@pytest.mark.parametrize("conversion", ["labels = labels.unsqueeze(1)", "labels = torch.unsqueeze(labels, 1)"])
def test_labels_converted_under_a_branch_are_refused_showing_the_user_s_own_line(tmp_path: Path, conversion: str) -> None:
    """A conversion under `if` reaches the loss after the branch on some paths only: inlining it
    into its own block once dropped it for the loss (the same-numbers proof caught that, with a
    vaguer reason). The refusal quotes the line, not an example of a conversion."""
    (tmp_path / "train.py").write_text(CONVERTED_UNDER_A_BRANCH.format(conversion=conversion))
    result = run([tmp_path], Mode.DIFF)
    (finding,) = result.findings
    assert result.changes == ()
    assert finding.refusal is not None
    assert finding.refusal.endswith(f"forward assigns `labels` in a way the loss cannot take with it (`{conversion}`)"), finding.refusal


def test_a_label_parameter_reassigned_is_refused_in_the_file_s_own_words(tmp_path: Path) -> None:
    """`label` is read as `labels` inside; the refusal still names `label` and quotes its line."""
    source = CONVERTED_UNDER_A_BRANCH.format(conversion="label = label.unsqueeze(1)").replace("x, labels)", "x, label)")
    (tmp_path / "train.py").write_text(source.replace("self.loss_fnc(logits, labels)", "self.loss_fnc(logits, label)"))
    (finding,) = run([tmp_path], Mode.DIFF).findings
    assert finding.refusal is not None
    assert finding.refusal.endswith("forward assigns `label` in a way the loss cannot take with it (`label = label.unsqueeze(1)`)"), finding.refusal


def test_a_model_handed_on_by_a_method_s_parameter_names_the_call_that_hands_it(tmp_path: Path) -> None:
    """`Checker.check(self, model, ...)` passes its `model` to `evaluate`: nothing ever flows into a
    public method's parameter, so that call passes what the analysis cannot trace. The refusal
    once said no visible call passed one, while a call did."""
    (tmp_path / "model.py").write_text(
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 2)\n\n    def forward(self, x, labels):\n"
        "        return nn.functional.cross_entropy(self.fc(x), labels)\n"
    )
    (tmp_path / "helpers.py").write_text("def evaluate(model, x, y):\n    return model(x, y)\n")
    (tmp_path / "train.py").write_text(
        "import torch\nfrom helpers import evaluate\nfrom model import Net\n\n\nclass Checker:\n"
        "    def check(self, model, x, y):\n        return evaluate(model, x, y)\n\n\n"
        "model = Net()\nChecker().check(model, torch.randn(3, 4), torch.tensor([0, 1, 1]))\n"
    )
    (finding,) = run([tmp_path], Mode.DIFF).findings
    assert finding.refusal is not None
    assert "(`model` is a parameter, and the call at " in finding.refusal, finding.refusal
    assert "train.py:8 passes what the analysis cannot trace)" in finding.refusal, finding.refusal


# --- private methods beside other folders that spell the same name

EXPERIMENT_TRAIN = """\
from model import Net


class Runner:
    def __init__(self):
        self.model = self._build()

    def fit(self, x, y):
        loss = self.model(x, y)
        loss.backward()

    def _build(self):
        return Net()


Runner().fit(x, y)
"""
EXPERIMENT_MODEL = """\
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, labels):
        return nn.functional.cross_entropy(self.fc(x), labels)
"""


def _experiments(tmp_path: Path, **extra: str) -> list[str]:
    """Two experiment folders, each a model.py and a train.py whose Runner builds its model in
    `_build`, and ``extra`` files: the refusals of every finding."""
    for folder in ("exp_a", "exp_b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "model.py").write_text(EXPERIMENT_MODEL)
        (tmp_path / folder / "train.py").write_text(EXPERIMENT_TRAIN)
    for name, text in extra.items():
        (tmp_path / name.replace("__", "/", 1)).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name.replace("__", "/", 1)).write_text(text)
    result = run([tmp_path], Mode.DIFF, Options(verify=False, rules=select_rules(["ALL"], [])))
    assert_nothing_crashed(result)
    assert len(result.findings) == 2
    return [f.refusal or "" for f in result.findings]


def test_a_private_method_spelled_in_another_experiment_folder_is_still_followed(tmp_path: Path) -> None:
    assert _experiments(tmp_path) == ["", ""]


@pytest.mark.parametrize(
    "extra",
    [
        # in another import root, joined to exp_a/train.py by imports: it may be handed a Runner
        {
            "lib____init__.py": "",
            "lib__helpers.py": "def rebuild(runner):\n    return runner._build()\n",
            "exp_a__wiring.py": "import train\nfrom lib.helpers import rebuild\n",
        },
        # in exp_a's import root: a framework there may load it
        {"exp_a__plugin.py": "def hook(runner):\n    return runner._build()\n"},
        # elsewhere, importing `train`, which either folder's file could answer
        {"tools__report.py": "import train\n\ntrain.Runner()._build()\n"},
        # elsewhere, but runs code no import names
        {"tools__load.py": "import importlib\n\nrunner = importlib.import_module('train').Runner()\nrunner._build()\n"},
    ],
    ids=["joined_by_imports", "same_import_root", "ambiguous_import", "runs_unnamed_code"],
)
def test_a_private_method_spelled_where_its_class_can_be_reached_is_not_followed(tmp_path: Path, extra: dict[str, str]) -> None:
    refusals = _experiments(tmp_path, **extra)
    assert refusals[0].startswith("an instance is built at") and "exp_a/train.py:13 " in refusals[0], refusals
