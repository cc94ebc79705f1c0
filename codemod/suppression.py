"""Inline suppression comments, read from a file's comment tokens (never from strings)::

    class Net(nn.Module):  # fixlabels: ignore[FL001]
    def forward(self, x, labels):  # noqa: FL001
    out = model(x, labels=y)  # fixlabels: ignore        (every rule)

A comment counts on the line a finding is reported at, and for a class's rules also on the
``class`` line and the ``def forward`` line. A bare ``# noqa`` silences every rule, as in Ruff and
flake8; ``# noqa: E501`` does not silence FL rules.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Optional

ALL = None
"""A line whose comment names no codes: every rule is silenced there."""

# A directive opens a comment, or a later comment on the line (after `# type: ignore`), as in
# flake8 and Ruff: "do not add a noqa here" inside a comment is prose, not a directive.
_FIXLABELS = re.compile(r"#\s*fixlabels\s*:\s*ignore\b(?:\s*\[([^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa\b(?:\s*:\s*([A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.IGNORECASE)


def _codes(listed: Optional[str]) -> Optional[frozenset[str]]:
    if listed is None:
        return ALL
    return frozenset(code.upper() for code in re.split(r"[\s,]+", listed) if code)


def suppressions(text: str) -> dict[int, Optional[frozenset[str]]]:
    """Line -> the codes its comment silences (``ALL`` for all). Lines without one are absent."""
    if "noqa" not in text.lower() and "fixlabels" not in text.lower():
        return {}
    found: dict[int, Optional[frozenset[str]]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.COMMENT:
                continue
            line = token.start[0]
            for pattern in (_FIXLABELS, _NOQA):
                match = pattern.search(token.string)
                if match is None:
                    continue
                codes = _codes(match.group(1))
                previous = found.get(line, frozenset())
                found[line] = ALL if codes is ALL or previous is ALL else previous | codes
    except (tokenize.TokenError, SyntaxError):
        pass  # the file parsed with ast; keep the comments read before the tokenizer's quirk
    return found


def silenced(table: dict[int, Optional[frozenset[str]]], code: str, lines: list[int]) -> Optional[int]:
    """The first of ``lines`` whose comment silences ``code``, or None."""
    for line in lines:
        if line in table:
            codes = table[line]
            if codes is ALL or code in codes:
                return line
    return None
