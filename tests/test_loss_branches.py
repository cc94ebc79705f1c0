"""A loss chosen by a branch on something other than the labels, read as conditional
expressions, and the inputs of forward the loss reads at the call (analysis/branches.py,
cst/conditionals.py, FileSitePlanner.unpacked_input)."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from codemod.analysis.branches import as_conditional_lines
from codemod.analysis.effects import ModelParts
from codemod.cst.conditionals import folded, reads_on_one_path
from codemod.transforms.callsite import FileSitePlanner


def _converted(
    code: str, bound: frozenset[str] = frozenset(), outside: frozenset[str] = frozenset(), later: str = "", layers: frozenset[str] = frozenset()
) -> Optional[str]:
    parts = ModelParts(layers=layers, settings=frozenset({"smooth", "history", "seen"}))
    branch = cst.parse_statement(textwrap.dedent(code))
    assert isinstance(branch, cst.If)
    after = list(cst.parse_module(textwrap.dedent(later)).body)
    lines = as_conditional_lines(
        branch, set(bound), set(outside), changed={"loss", "active"}, later=after, parts=parts, params=frozenset({"mask", "logits", "labels"})
    )
    return None if lines is None else "".join(cst.Module(body=[line]).code for line in lines).lstrip("\n")


MASKED = """
    if mask is not None:
        active = mask.view(-1) == 1
        loss = ce(logits[active], labels[active])
    else:
        loss = ce(logits, labels)
"""


def test_each_name_the_branch_assigns_becomes_one_line_choosing_it_by_the_same_test() -> None:
    assert _converted(MASKED) == (
        "active = (mask.view(-1) == 1) if mask is not None else None\n"
        "loss = ce(logits[active], labels[active]) if mask is not None else ce(logits, labels)\n"
    )


def test_a_name_one_arm_leaves_unbound_and_code_after_reads_is_not_converted() -> None:
    assert _converted(MASKED, outside=frozenset({"active"})) is None


def test_a_name_one_arm_leaves_keeps_its_value_from_before_the_branch() -> None:
    assert _converted(MASKED, bound=frozenset({"active"})) == (
        "active = (mask.view(-1) == 1) if mask is not None else active\n"
        "loss = ce(logits[active], labels[active]) if mask is not None else ce(logits, labels)\n"
    )


def test_a_test_that_calls_something_or_reads_a_changed_name_is_not_converted() -> None:
    assert _converted(MASKED.replace("if mask is not None:", "if torch.rand(1) < 0.5:")) is None
    assert _converted(MASKED.replace("if mask is not None:", "if loss is not None:")) is None


def test_an_arm_reading_a_name_it_has_not_assigned_yet_from_before_the_branch_unbound_is_not_converted() -> None:
    code = """
        if flag:
            loss = ce(logits, labels) * extra
        else:
            extra = 2
            loss = ce(logits, labels)
    """
    assert _converted(code) is None


def test_the_same_test_inside_an_arm_is_decided_and_none_tests_of_constants_too() -> None:
    nested = cst.parse_expression("f(x[(m == 1) if m is not None else None]) if m is not None else g(None if m is not None else x)")
    assert cst.Module(body=[]).code_for_node(folded(nested)) == "f(x[(m == 1)]) if m is not None else g(x)"
    omitted = cst.parse_expression("f(x[None]) if None is not None else g(x)")
    assert cst.Module(body=[]).code_for_node(folded(omitted)) == "g(x)"


def test_a_value_each_arm_reads_once_is_read_once() -> None:
    assert reads_on_one_path(cst.parse_expression("f(p) if t else g(p)"))["p"] == 1
    assert reads_on_one_path(cst.parse_expression("f(p) + g(p)"))["p"] == 2


def test_a_keyword_or_an_attribute_of_the_same_name_is_no_second_read() -> None:
    # `weight=weight` reads `weight` once: counted twice, forward would return it beside the logits.
    reads = reads_on_one_path(cst.parse_expression("F.cross_entropy(logits, labels, weight=weight) + x.weight.sum()"))
    assert reads["weight"] == 1 and reads["x"] == 1 and reads["F"] == 1


def test_an_input_from_an_unpacked_dict_is_its_key_or_what_double_star_gives_it() -> None:
    source = cst.Name("batch")
    code = cst.Module(body=[]).code_for_node

    def read(default: Optional[str], known: Optional[tuple[str, ...]]) -> Optional[str]:
        found = FileSitePlanner.unpacked_input(source, "mask", default, known)
        return None if found is None else code(found)

    assert read("None", ("x", "mask")) == 'batch["mask"]'
    assert read("None", ("x",)) == "None"
    assert read("None", None) == 'batch.get("mask", None)'
    assert read(None, None) == 'batch["mask"]'  # required: the call fails unless the dict has it
    assert read(None, ("x",)) is None


SETTING = """
    if self.smooth > 0:
        loss = F.cross_entropy(logits, labels, label_smoothing=self.smooth)
    else:
        loss = F.cross_entropy(logits, labels)
"""


def test_a_setting_read_by_torch_s_functions_is_a_test_the_call_can_repeat() -> None:
    assert _converted(SETTING, later="return loss, self.fc(logits)\n", layers=frozenset({"fc"})) == (
        "loss = F.cross_entropy(logits, labels, label_smoothing=self.smooth) if self.smooth > 0 else F.cross_entropy(logits, labels)\n"
    )


def test_a_setting_forward_may_change_after_the_branch_is_not_a_test_the_call_can_repeat() -> None:
    # The call would test it once forward has run: after the append, after a method of the model.
    assert _converted(SETTING.replace("self.smooth > 0", "self.history"), later="self.history.append(1)\n") is None
    assert _converted(SETTING, later="self.update_smoothing()\n") is None
    assert _converted(SETTING, later="logits = self.head(logits)\n", layers=frozenset()) is None  # a module of the user's
    # `add` and `sort` change a set or a list in place, whatever a tensor's do.
    assert _converted(SETTING.replace("self.smooth > 0", "self.seen"), later="self.seen.add(1)\n") is None
    assert _converted(SETTING.replace("self.smooth > 0", "self.seen"), later="self.seen.sort()\n") is None


def test_an_argument_given_to_a_function_of_the_user_s_after_the_branch_is_not_a_test_the_call_can_repeat() -> None:
    assert _converted(MASKED, later="loss = loss + 0 * mask.sum()\n") is not None  # read only
    assert _converted(MASKED, later="record(mask)\n") is None
