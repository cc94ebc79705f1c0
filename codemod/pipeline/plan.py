"""From units to new file texts: each file's edits (the rules' own and the call sites'), applied
at once, and compiled. Each step answers refusals instead of raising: the loop in ``run``
refuses those units and plans again without them."""

from __future__ import annotations

from pathlib import Path

from codemod.pipeline import import_check
from codemod.pipeline.load import Repo
from codemod.rules.common import Unit
from codemod.transforms.call_shapes import SiteRefusal
from codemod.transforms.callsite import FileSitePlanner
from codemod.transforms.edits import FileEdits, OverlappingEdits, apply_edits
from codemod.vocabulary import Location, Refusal

Refused = list[tuple[Unit, Refusal]]
"""Units to refuse, each with its reason."""


def plan_edits(repo: Repo, units: list[Unit]) -> tuple[dict[Path, FileEdits], Refused]:
    """Every file's edits for the units not refused, or the units a call site refuses (each
    refused whole: a class's rewrite cannot leave one call behind)."""
    active = [u for u in units if u.refusal is None]
    per_file: dict[Path, FileEdits] = {}
    for unit in active:
        for path, edits in unit.edits.items():
            per_file.setdefault(path, FileEdits()).merge(edits)
    planners: dict[Path, FileSitePlanner] = {}
    refused: Refused = []
    failed: set[int] = set()
    tasks = sorted(
        ((task.site.path, task.site.line, task.site.column, unit, task) for unit in active for task in unit.sites),
        key=lambda item: (str(item[0]), item[1], item[2]),
    )
    for path, line, column, unit, task in tasks:
        if id(unit) in failed:
            continue
        planner = planners.get(path)
        if planner is None:
            layout = repo.layout(path)
            if layout is None:
                refused.append((unit, Refusal(f"{repo.display(path)} does not parse with LibCST")))
                failed.add(id(unit))
                continue
            summary = repo.index.by_path[path]
            planner = planners[path] = FileSitePlanner(layout, summary.key, summary.imports)
            # A forward edited in the same file: its statements are not call-site material.
            if path in per_file:
                planner.claimed |= per_file[path].touched()
        try:
            instance = task.site.instance
            planner.plan_site(line, column, task.site.shape, task.plan, instance.wrapped, maybe_bare=instance.wrapped and instance.bare)
        except SiteRefusal as refusal:
            refused.append((unit, Refusal(refusal.reason, Location(task.site.display_path, refusal.line))))
            failed.add(id(unit))
        except Exception as exc:  # a bug of ours on code we did not foresee: refuse, never guess
            refused.append((unit, Refusal(f"internal error at {task.site.location} ({type(exc).__name__}: {exc}); please report it")))
            failed.add(id(unit))
    for path, planner in planners.items():
        per_file.setdefault(path, FileEdits()).merge(planner.edits)
    return per_file, refused


def render(repo: Repo, units: list[Unit], per_file: dict[Path, FileEdits]) -> tuple[dict[Path, str], Refused]:
    """The new text of each changed file, or the units of the first file whose new text would
    not compile (or whose edits collide: a planning bug)."""
    texts: dict[Path, str] = {}
    for path, edits in per_file.items():
        tree = repo.parse(path)
        assert tree is not None
        layout = repo.layouts.get(path)  # made by the call-site planner: its parents are resolved
        holding = layout.top_level_statements(edits.touched() | set(edits.insert_before)) if layout is not None else None
        try:
            text = apply_edits(tree, edits, holding).code
        except OverlappingEdits as exc:  # a planning bug: refuse, never write a guess
            return {}, _touching(units, path, Refusal(f"the rewrite of {repo.display(path)} hit an internal error ({exc}); please report it"))
        error = import_check.compile_error(text, str(path), notebook=repo.sources[path].notebook is not None)
        if error:
            return {}, _touching(units, path, Refusal(f"the rewrite of {repo.display(path)} would not compile: {error}"))
        if text != repo.sources[path].text:
            texts[path] = text
    return texts, []


def _touching(units: list[Unit], path: Path, refusal: Refusal) -> Refused:
    return [(unit, refusal) for unit in units if unit.refusal is None and path in unit.files]
