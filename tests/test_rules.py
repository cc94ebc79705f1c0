"""Each rule declares itself once, in its module: the registry, `fixlabels explain`, SARIF and
the README are made from that, and every example beside a rule runs here, in process."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codemod.engine import run
from codemod.reasons import reasons_section
from codemod.registry import RULES, documentation, module_of, rule_modules
from codemod.report.rule_docs import replaced
from codemod.results import Mode, Options
from codemod.rules.spec import HEADINGS, OPTIONAL_HOOKS, Example, Rule

REPO = Path(__file__).resolve().parent.parent
MODULES = {code: importlib.import_module(module_of(code)) for code in RULES}
EXAMPLES = [(code, number, example) for code, module in MODULES.items() for number, example in enumerate(module.EXAMPLES)]


def test_the_registry_reads_what_each_rule_module_declares() -> None:
    assert sorted(RULES) == sorted(p.name[:5].upper() for p in (REPO / "codemod" / "rules").glob("fl[0-9][0-9][0-9]_*.py"))
    for code, module in MODULES.items():
        assert isinstance(module.RULE, Rule) and module.RULE == RULES[code]
        assert module.CODE == code and module.__name__.rpartition(".")[2].startswith(code.lower() + "_")
        own = (module.__doc__ or "").strip()
        assert documentation(code) == (own + reasons_section() if module.RULE.reads_forward else own)
        assert callable(module.find_units) and callable(module.walk_filter)


def test_a_run_gets_every_rule_module_behind_its_interface_with_the_optional_hooks_filled_in() -> None:
    loaded = rule_modules(reversed(list(RULES)))
    assert [rule.RULE for rule in loaded] == list(RULES.values()), "in code order, whatever the selection's"
    assert rule_modules(["FL002"])[0].RULE == RULES["FL002"]
    left_out = [(rule, hook) for rule in loaded for hook in OPTIONAL_HOOKS if not hasattr(MODULES[rule.RULE.code], hook)]
    assert left_out, "some rule leaves a hook out (FL002 watches no class)"
    for rule, hook in left_out:
        assert getattr(rule, hook)(None) == set(), f"{rule.RULE.code}.{hook} is the default: no class"


def test_a_rule_module_without_a_required_member_fails_when_loaded() -> None:
    import types

    from codemod import registry

    with pytest.raises(RuntimeError, match="does not define find_units"):
        registry._ModuleRule(types.SimpleNamespace(RULE=RULES["FL001"], walk_filter=None, __name__="broken"))  # type: ignore[arg-type]


def test_opt_in_rules_are_the_fl1xx_ones() -> None:
    assert {code for code, rule in RULES.items() if not rule.default} == {code for code in RULES if code.startswith("FL1")}


def test_reading_the_registry_imports_no_rule() -> None:
    code = "import sys, codemod.registry as r; assert r.RULES; print(sorted(m for m in sys.modules if m.startswith('codemod.rules.fl')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("code", list(RULES))
def test_a_rule_docstring_has_the_four_headings_in_order(code: str) -> None:
    doc = documentation(code)
    assert doc.splitlines()[0].startswith(f"{code}"), "the first line names the rule"
    headings = [line for line, under in zip(doc.splitlines(), doc.splitlines()[1:]) if under and set(under) == {"-"}]
    assert headings == list(HEADINGS)
    sections = re.split(r"\n(?:" + "|".join(HEADINGS) + r")\n-+\n", doc)[1:]
    assert len(sections) == len(HEADINGS) and all(section.strip() for section in sections), "no heading is left empty"
    assert "::" in sections[HEADINGS.index("Example")], "the example is a before/after block"


@pytest.mark.parametrize("code", list(RULES))
def test_every_rule_has_a_fixed_or_refused_example_and_a_clean_one(code: str) -> None:
    examples: tuple[Example, ...] = MODULES[code].EXAMPLES
    assert any(e.after is not None for e in examples) and any(e.refused is not None for e in examples)
    assert any(e.after is None and e.refused is None for e in examples)


@pytest.mark.parametrize("code,number,example", EXAMPLES, ids=[f"{code}-{number}" for code, number, _ in EXAMPLES])
def test_rule_example(code: str, number: int, example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("")  # the project is this folder, nothing around it
    (tmp_path / "example.py").write_text(example.before)
    monkeypatch.chdir(tmp_path)
    result = run([tmp_path], Mode.DIFF, Options(rules=frozenset({code}), verify=False))
    assert not result.errors
    found = [f for f in result.findings if f.code == code]
    if example.after is not None:
        assert found and all(f.fixed for f in found)
        assert [c.new_text for c in result.changes] == [example.after]
    elif example.refused is not None:
        assert found and not result.changes
        assert all(f.refusal is not None and f.refusal.startswith(example.refused) for f in found), found
    else:
        assert result.findings == () and result.changes == ()


def test_the_readme_rule_section_is_the_rules_documentation() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme == replaced(readme), "run `python -m codemod.report.rule_docs README.md`"


def test_explain_and_sarif_show_the_same_documentation() -> None:
    import json

    from codemod.report.formats import sarif

    log = json.loads(sarif([], {code: documentation(code) for code in RULES}))
    helps = {rule["id"]: rule["help"]["text"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert helps == {code: documentation(code) for code in RULES}
