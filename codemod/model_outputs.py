"""The fields of Hugging Face's output classes, in the order their class declares them.

A ``ModelOutput`` read by position (``outputs[0]``) gives its fields that are not None, in that
order: ``SequenceClassifierOutput(loss=loss, logits=logits)[0]`` is the loss. Whether it is can
only be read off the class, so it is read from the installed ``transformers/modeling_outputs.py``
itself, as text: fixlabels never imports transformers (start-up time). Where transformers is not
installed, or the class is not declared there, the order is unknown, and a reader by position is
not rewritten.

Shared by the planner and the check as a fact about the library, like the signature of a
builtin: neither decides anything here.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path
from typing import Optional


@functools.cache
def _declared() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Class name -> (its bases' names, the fields it declares) in modeling_outputs.py."""
    try:
        spec = importlib.util.find_spec("transformers")  # finds the package; runs none of it
    except (ImportError, ValueError):
        return {}
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    for location in locations:
        path = Path(location) / "modeling_outputs.py"
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        classes = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                bases = tuple(base.id for base in node.bases if isinstance(base, ast.Name))
                fields = tuple(s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name))
                classes[node.name] = (bases, fields)
        return classes
    return {}


def declared_fields(qualified: str) -> Optional[tuple[str, ...]]:
    """The fields of ``transformers...<Name>`` in declaration order, inherited ones first (as a
    dataclass orders them); None when the class is not one of transformers' outputs on disk."""
    if not qualified.startswith("transformers."):
        return None
    classes = _declared()
    name = qualified.rpartition(".")[2]
    if name not in classes:
        return None
    order: list[str] = []
    for base in classes[name][0]:
        inherited = declared_fields(f"transformers.{base}") if base in classes else ()
        order += [f for f in inherited or () if f not in order]
    return tuple(order + [f for f in classes[name][1] if f not in order])


def positions(qualified: str, given: set[str]) -> Optional[tuple[str, ...]]:
    """What ``output[i]`` reads, for an output built with the fields ``given`` (none of them
    None): those fields in declaration order. None when the order cannot be read."""
    fields = declared_fields(qualified)
    if fields is None or not given <= set(fields):
        return None
    return tuple(f for f in fields if f in given)
