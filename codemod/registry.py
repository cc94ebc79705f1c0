"""The one list of rule codes. Each rule's own module holds its documentation and logic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    module: str


RULES: dict[str, RuleInfo] = {
    info.code: info
    for info in (
        RuleInfo(
            "FL001",
            "loss-in-forward",
            "forward() takes required `labels` and computes the loss: move the loss to the callers",
            "codemod.rules.fl001_loss_in_forward",
        ),
        RuleInfo(
            "FL002",
            "labels-to-forward-without-labels",
            "labels are passed to a custom forward() that does not take them (the TypeError)",
            "codemod.rules.fl002_labels_passed",
        ),
        RuleInfo(
            "FL003",
            "trainer-needs-compute-loss",
            "Hugging Face Trainer trains a custom model whose forward takes no labels",
            "codemod.rules.fl003_trainer_compute_loss",
        ),
        RuleInfo(
            "FL004",
            "base-model-given-labels",
            "a transformers base model (no head, no loss) is given labels",
            "codemod.rules.fl004_base_model_given_labels",
        ),
        RuleInfo(
            "FL005",
            "renamed-label-keyword",
            "`lm_labels=`/`masked_lm_labels=`/`label=` passed to a transformers model (now `labels=`)",
            "codemod.rules.fl005_renamed_label_keyword",
        ),
        RuleInfo(
            "FL006",
            "label-parameter",
            "forward takes `label` while the batches (or Trainer) say `labels`",
            "codemod.rules.fl006_label_parameter",
        ),
        RuleInfo(
            "FL007",
            "misspelled-forward",
            "an nn.Module has no forward but a method one edit away from it (`farward`)",
            "codemod.rules.fl007_misspelled_forward",
        ),
    )
}

# Not rules: problems with the input itself, reported like Ruff's E902/E999.
IO_ERROR = "E902"
SYNTAX_ERROR = "E999"
INTERNAL_ERROR = "FL999"
