"""``outputs[0]`` of a Hugging Face output: the order is read from transformers' own declaration
of the class, as text, never guessed; where it cannot be read, a reader by position refuses."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

import codemod.model_outputs as model_outputs
from codemod.engine import run
from codemod.results import Mode, Options
from tests.golden_cases import GOLDEN


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    reader = model_outputs._declared  # the cached reader, whatever a test puts in its place
    reader.cache_clear()
    yield
    reader.cache_clear()


def test_the_order_is_the_declared_one_inherited_fields_first(monkeypatch: pytest.MonkeyPatch, fresh_cache: None) -> None:
    declared = {"ModelOutput": ((), ()), "Base": (("ModelOutput",), ("loss", "hidden")), "Head": (("Base",), ("logits",))}
    monkeypatch.setattr(model_outputs, "_declared", lambda: declared)
    assert model_outputs.declared_fields("transformers.modeling_outputs.Head") == ("loss", "hidden", "logits")
    assert model_outputs.positions("transformers.Head", {"logits", "loss"}) == ("loss", "logits")
    assert model_outputs.positions("transformers.Head", {"logits", "extra"}) is None, "a field the class does not declare"
    assert model_outputs.declared_fields("mypackage.Head") is None, "only transformers' own classes"


def test_the_installed_classes_put_the_loss_first(fresh_cache: None) -> None:
    if importlib.util.find_spec("transformers") is None:
        pytest.skip("transformers is not installed")
    for name in ("SequenceClassifierOutput", "TokenClassifierOutput", "CausalLMOutputWithPast", "MaskedLMOutput"):
        fields = model_outputs.declared_fields(f"transformers.modeling_outputs.{name}")
        assert fields is not None and fields[:2] == ("loss", "logits"), (name, fields)


def test_without_transformers_on_disk_a_reader_by_position_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    tree = tmp_path / "tree"
    shutil.copytree(GOLDEN / "hf_output_read_by_position" / "before", tree)
    previous = Path.cwd()
    os.chdir(tree)
    try:
        result = run([Path(".")], Mode.DIFF, Options(verify=False))
    finally:
        os.chdir(previous)
    assert result.changes == ()
    (finding,) = result.findings
    assert finding.refusal is not None and "forward returned an object" in finding.refusal
