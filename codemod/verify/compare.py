"""Comparing what one scope does in the old and the new program, and saying where they part:
at the call of a model whose result the first different effect reads, in the lines of the file
as the user has it."""

from __future__ import annotations

import itertools

from dataclasses import dataclass
from typing import Optional

from codemod.verify.evaluate import Outcome
from codemod.verify.values import Value
from codemod.vocabulary import Location


@dataclass(frozen=True)
class Mismatch:
    display_path: str
    line: int
    reason: str

    @property
    def location(self) -> Location:
        return Location(self.display_path, self.line)


def compare(
    key: tuple[str, str, int],
    before: Optional[Outcome | Mismatch],
    after: Optional[Outcome | Mismatch],
    rewritten: set[str],
    exported: set[str],
    displays: dict[str, str],
) -> Optional[Mismatch]:
    """The first difference between the two programs at one scope, if it calls a rewritten
    class; a scope that could not be evaluated in either program is one. Of a module's names,
    those another module imports (``exported``) must hold the same values."""
    display, scope, line = key
    for outcome in (before, after):
        if isinstance(outcome, Mismatch):
            return outcome
    if not isinstance(before, Outcome) or not isinstance(after, Outcome):
        return None  # a scope of one program only (a class the fix adds): nothing to compare
    if not ((before.inlined | after.inlined) & rewritten):
        return None
    if before.returned != after.returned:
        return Mismatch(display, line, f"`{scope}` returns another value after the rewrite")
    for place, (was, now) in enumerate(zip(before.effects, after.effects)):
        if was != now:
            used = f"{display}:{before.lines[place]}"
            inner_was, inner_now = _first_differing(was, now)
            if "draw" in (inner_was[0], inner_now[0]):
                return Mismatch(
                    display,
                    before.lines[place],
                    "after the rewrite a random draw here (dropout, a sampling call) would no longer run in the same order, "
                    "and every later random number would change",
                )
            origin = _blame(was, now, before, after)
            if origin is not None and origin[0] in displays:
                if _none_tests(was) - _none_tests(now):
                    return Mismatch(displays[origin[0]], origin[1], MAYBE_NONE + f" (used at {used})")
                return Mismatch(displays[origin[0]], origin[1], f"the call computes another value after the rewrite (used at {used})")
            return Mismatch(display, before.lines[place], f"`{scope}` computes another value here after the rewrite")
    if len(before.effects) != len(after.effects):
        return Mismatch(display, line, f"`{scope}` does other things after the rewrite")
    if scope == "<module>":
        for name in sorted(set(before.env) & set(after.env) & exported):
            if before.env[name] != after.env[name]:
                return Mismatch(display, line, f"`{name}` holds another value after the rewrite")
    return None


def _first_differing(was: Value, now: Value) -> tuple[Value, Value]:
    """The first pair of effects that differ, inside ``if`` and ``loop`` effects that differ only
    in what they hold (the body of ``main()`` runs under ``if __name__ == "__main__":``); an
    effect one side has and the other not is paired with what stands in its place."""
    while was[0] == now[0] and len(was) == len(now) and was[0] in ("if", "loop"):
        lists = (2, 3) if was[0] == "if" else (3,)
        if any(was[i] != now[i] for i in range(1, len(was)) if i not in lists):
            break
        pairs = [(a, b) for i in lists for a, b in itertools.zip_longest(was[i], now[i], fillvalue=("nothing",)) if a != b]
        if not pairs:
            break
        was, now = pairs[0]
    return was, now


MAYBE_NONE = (
    "the labels at this call may be None as far as the check can trace them, and forward computed no loss then; "
    "if they never are, say so with `assert labels is not None` (your name for them) before the call"
)


def _none_tests(value: Value) -> set[Value]:
    """The undecided ``x is [not] None`` tests inside a value tree."""
    found: set[Value] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if node[:2] in (("op", "IsNot"), ("op", "Is")) and len(node) == 4 and node[3] == ("const", "None"):
            found.add(node)
        parts = node[1:] if isinstance(node[0], str) else node  # a node, or a tuple of nodes
        stack.extend(part for part in parts if isinstance(part, tuple) and part)
    return found


def _blame(was: Value, now: Value, before: Outcome, after: Outcome) -> Optional[tuple[str, int]]:
    """The call of a model whose result is where two trees first part: the smallest differing
    subtrees, then their enclosing ones, looked up among what calls returned."""
    chain = [(was, now)]
    while True:
        a, b = chain[-1]
        if len(a) != len(b) or a[0] != b[0] or (a[0] == "call" and a[1] != b[1]):
            break  # another kind of node, or a call of something else: the difference is here
        differing = [(x, y) for x, y in zip(a, b) if x != y and isinstance(x, tuple) and isinstance(y, tuple)]
        if not differing:
            break
        chain.append(differing[0])
    for a, b in reversed(chain):
        origin = after.origins.get(b) or before.origins.get(a)
        if origin is not None:
            return origin
    # The smallest difference: the old call whose result holds it (lines of the file as the
    # user has it), else a new call inside it.
    a, b = chain[-1]
    calls = sorted(before.origins.items(), key=lambda item: item[1])
    holding = [origin for value, origin in calls if _contains(value, a)]
    used = [origin for value, origin in calls if _contains(a, value)]
    if holding or used:
        return (holding[:1] or used[-1:])[0]
    return _first_origin(b, after.origins)


def _contains(tree: Value, part: Value) -> bool:
    stack = [tree]
    while stack:
        node = stack.pop()
        if node == part:
            return True
        stack += [child for child in node if isinstance(child, tuple)]
    return False


def _first_origin(tree: Value, origins: dict[Value, tuple[str, int]]) -> Optional[tuple[str, int]]:
    stack = [tree]
    while stack:
        node = stack.pop(0)
        if node in origins:
            return origins[node]
        stack += [child for child in node if isinstance(child, tuple)]
    return None
