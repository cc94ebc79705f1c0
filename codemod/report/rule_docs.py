"""The README's rule section, made from each rule's declaration and docstring, so the two cannot
drift (tests/test_rules.py compares them). ``python -m codemod.report.rule_docs README.md``
rewrites the section between its markers.

The docstrings are reStructuredText-light: ``code``, ``::`` before an indented block, and
headings underlined with ``-``; here they become Markdown.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from codemod.registry import RULES, documentation
from codemod.rules.spec import FIX_MEANING

BEGIN = "<!-- rules: generated from codemod/rules by `python -m codemod.report.rule_docs README.md` -->"
END = "<!-- rules: end -->"


def _markdown(docstring: str) -> str:
    # A code span may wrap onto the next line; the ``::`` blocks hold none.
    lines = re.sub(r"``(.+?)``", r"`\1`", docstring, flags=re.S).splitlines()[1:]  # line 1: the title
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if index + 1 < len(lines) and lines[index + 1] and set(lines[index + 1]) == {"-"}:
            out.append(f"**{line}.**" if line else line)
            index += 2
            continue
        if line.strip() == "::":
            block: list[str] = []
            index += 1
            while index < len(lines) and (not lines[index].strip() or lines[index].startswith("    ")):
                block.append(lines[index][4:])
                index += 1
            while block and not block[0].strip():
                block.pop(0)
            while block and not block[-1].strip():
                block.pop()
            out += ["```python", *block, "```"]
            continue
        out.append(line)
        index += 1
    return "\n".join(out).strip()


def section() -> str:
    """Every rule: a heading with its code and name, its summary and fix, then its documentation."""
    parts = []
    for code, rule in RULES.items():
        title = re.sub(r"``(.+?)``", r"`\1`", documentation(code).splitlines()[0].split(": ", 1)[1])
        opt_in = " Off by default: turn it on with `--select " + code + "`." if not rule.default else ""
        parts.append(
            f"#### {code} `{rule.name}`\n\n{title}\nFix: *{rule.fix.value}*, {FIX_MEANING[rule.fix]}.{opt_in}\n\n"
            f"{_markdown(documentation(code))}\n"
        )
    return "\n".join(parts)


def replaced(readme: str) -> str:
    """``readme`` with its generated section made current."""
    start = readme.index(BEGIN) + len(BEGIN)
    end = readme.index(END)
    return f"{readme[:start]}\n\n{section()}\n{readme[end:]}"


if __name__ == "__main__":
    path = Path(sys.argv[1])
    path.write_text(replaced(path.read_text(encoding="utf-8")), encoding="utf-8")
