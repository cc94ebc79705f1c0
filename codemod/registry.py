"""The one list of rule codes. Each rule's own module holds its documentation and logic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    module: str
    default: bool = True
    """Off-by-default rules (FL1xx) rewrite code that is correct; ``--select`` turns them on."""


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
        RuleInfo(
            "FL101",
            "optional-labels-loss-in-forward",
            "opt-in: forward(..., labels=None) computes the loss when given labels: move it out too",
            "codemod.rules.fl101_optional_labels",
            default=False,
        ),
    )
}

DEFAULT_SELECTION = frozenset(code for code, info in RULES.items() if info.default)


class SelectionError(ValueError):
    pass


def _expand(patterns: list[str]) -> set[str]:
    codes: set[str] = set()
    for pattern in patterns:
        pattern = pattern.strip().upper()
        if not pattern:
            continue
        matched = set(RULES) if pattern == "ALL" else {code for code in RULES if code.startswith(pattern)}
        if not matched:
            known = ", ".join(RULES)
            raise SelectionError(f"unknown rule code or prefix `{pattern}` (known: ALL, {known})")
        codes |= matched
    return codes


def select_rules(select: list[str], ignore: list[str]) -> frozenset[str]:
    """The rule codes a run uses: ``select`` (codes, prefixes such as ``FL0``, or ``ALL``;
    default: the rules on by default) minus ``ignore``. Items may be comma-separated."""
    split = lambda items: [part for item in items for part in item.split(",")]  # noqa: E731
    chosen = _expand(split(select)) if select else set(DEFAULT_SELECTION)
    return frozenset(chosen - _expand(split(ignore)))
