"""What the new texts must pass before anything is written, each answering the units to refuse:

- ``call_check``: every call of a changed class still binds, and no name is read where nothing
  defines it (``analysis.call_check``, static, always on);
- ``same_numbers``: what every scope that calls a class whose loss moved computes, before and
  after, as expression trees (``verify``, independent of the planner, static, always on);
- ``magic_lines``: no notebook ``%`` magic, which is never rewritten, names a model whose
  ``forward`` changes;
- ``imports_still_work``: each changed module imports after the rewrite if it did before
  (``import_check``, a subprocess; ``--write`` only, off with ``--no-verify``);
- ``unwritable``: a file the fix needs cannot be replaced (permissions, its encoding, a
  notebook that cannot take the change back): the whole fix is refused.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from codemod.analysis.call_check import CallProblem, check_calls, new_undefined_names
from codemod.analysis.index import import_root, module_name_for
from codemod.discovery import project_root
from codemod.pipeline import import_check
from codemod.pipeline.load import Repo
from codemod.pipeline.plan import Refused
from codemod.results import ImportCheck, ImportStatus, Options, Phase
from codemod.rules.common import Unit
from codemod.sources import SourceError
from codemod.verify.project import check_rewrite
from codemod.vocabulary import Refusal


def call_check(repo: Repo, units: list[Unit], texts: dict[Path, str]) -> Refused:
    """Refuse every unit that touches a file or class with a call the plan gets wrong; a
    problem no unit owns refuses every change rather than let it be written."""
    live = [unit for unit in units if unit.refusal is None]
    try:
        problems = check_calls(repo.index, texts)
        for path, text in texts.items():
            for name, line in new_undefined_names(repo.sources[path].text, text)[:1]:
                # Attributed to every unit that edits the file: which one moved it is not known here.
                problems.append(CallProblem(None, repo.display(path), line, 0, f"`{name}` is read where nothing defines it"))
    except Exception as exc:  # a bug in the check must not let an unchecked plan through
        refusal = Refusal(f"the check of the rewritten calls hit an internal error ({type(exc).__name__}: {exc}); please report it")
        return [(unit, refusal) for unit in live if unit.files & set(texts)]
    if not problems:
        return []
    by_module = {repo.index.modules[p.key.module].path for p in problems if p.key is not None and p.key.module in repo.index.modules}
    by_site = {p.display_path for p in problems}
    refused: Refused = []
    for unit in live:
        touched = unit.files & set(texts)
        shown = {repo.display(path) for path in touched if path in repo.sources}
        if touched & by_module or shown & by_site:
            problem = next(
                (p for p in problems if p.display_path in shown or (p.key is not None and repo.index.modules[p.key.module].path in touched)),
                problems[0],
            )
            refused.append((unit, Refusal(f"after the rewrite, {problem.reason}", problem.location)))
    if refused:
        return refused
    first = problems[0]
    return [(unit, Refusal(f"after the rewrite, {first.reason}", first.location)) for unit in live if unit.files & set(texts)]


def same_numbers(repo: Repo, units: list[Unit], texts: dict[Path, str]) -> Refused:
    """Refuse the units that touch a scope where the rewritten program computes other values
    than the original, or where the check cannot tell (``verify``): the check decides, the
    import check after it is a second net."""
    live = [unit for unit in units if unit.refusal is None]
    files = {path: (source.display_path, source.text, texts.get(path, source.text)) for path, source in repo.sources.items()}
    try:
        mismatches = check_rewrite(files)
    except Exception as exc:  # a bug in the check must not let an unchecked plan through
        refusal = Refusal(f"the check of the rewrite's numbers hit an internal error ({type(exc).__name__}: {exc}); please report it")
        return [(unit, refusal) for unit in live if unit.files & set(texts)]
    if not mismatches:
        return []
    refused: Refused = []
    for unit in live:
        shown = {repo.display(path) for path in unit.files}
        mine = next((m for m in mismatches if m.display_path in shown), None)
        if mine is not None:
            refused.append((unit, Refusal(mine.reason, mine.location)))
    if refused:
        return refused
    first = mismatches[0]  # a scope no unit edits: each fix that changed a class it calls is suspect
    return [(unit, Refusal(first.reason, first.location)) for unit in live if unit.files & set(texts)]


def imports_still_work(
    repo: Repo, units: list[Unit], texts: dict[Path, str], options: Options
) -> tuple[Refused, list[ImportCheck]]:
    """Import every changed module before and after; refuse units that break one. A module that
    did not import before either is noted on its units, and in what the check did: it was
    checked by compiling only."""
    by_root: dict[Path, dict[str, str]] = {}
    for path in texts:
        if repo.sources[path].notebook is not None:
            continue  # not importable; its cells were compiled
        root = import_root(path.resolve())
        by_root.setdefault(root, {})[module_name_for(path.resolve(), root)] = str(path.resolve())
    overlay = {str(path.resolve()): text for path, text in texts.items()}
    display = {str(path.resolve()): repo.display(path) for path in texts}
    refused: Refused = []
    seen: list[ImportCheck] = []
    report = options.progress or (lambda phase, done, total: None)
    for number, (root, modules) in enumerate(sorted(by_root.items())):
        report(Phase.IMPORTING, number, len(by_root))
        python, how = import_check.interpreter(options.python, project_root(root / "__init__.py"))
        for outcome in import_check.check_imports(root, modules, overlay, options.import_timeout, python):
            path = Path(modules[outcome.module])
            status = ImportStatus.IMPORTED if outcome.before is None else ImportStatus.NOT_IMPORTABLE
            seen.append(ImportCheck(display[str(path)], outcome.module, status, outcome.before, f"{python} ({how})"))
            owners = [unit for unit in units if unit.refusal is None and path in {p.resolve() for p in unit.files}]
            if outcome.before == import_check.CHECK_CRASHED:
                # Not the module's failure: nothing was checked, so nothing of it is written.
                refusal = Refusal(f"the import check could not run with {python} ({how}); name a working interpreter with --python, or use --no-verify")
                refused += [(unit, refusal) for unit in owners or [u for u in units if u.refusal is None and u.files & set(texts)]]
                continue
            if outcome.broken:
                # No live unit owns the file (it cannot happen): refuse every change, never write it.
                owners = owners or [unit for unit in units if unit.refusal is None and unit.files & set(texts)]
                # A package the rewrite imports (torch) that this interpreter lacks: say which one ran.
                missing = f" with {python} ({how}); name the project's interpreter with --python" if "ModuleNotFoundError" in str(outcome.after) else ""
                refusal = Refusal(f"the rewritten module `{outcome.module}` no longer imports: {outcome.after}{missing}")
                refused += [(unit, refusal) for unit in owners]
            elif outcome.before is not None:
                note = f" (verified by compiling only: `{outcome.module}` did not import before the rewrite either)"
                for unit in owners:
                    if note not in unit.notes:
                        unit.notes.append(note)
    report(Phase.IMPORTING, len(by_root), len(by_root))
    return refused, seen


def unwritable(repo: Repo, units: list[Unit], texts: dict[Path, str], writing: bool, denied: dict[Path, str]) -> Refused:
    """A rewrite lands whole: if one of its files cannot be replaced (no permission when
    ``writing``, or the new text has characters the file's encoding cannot store, or a
    notebook cannot take it back), none of them is. Files without write permission are also
    recorded in ``denied``: like a file that cannot be read, they are errors of the run."""
    problems: dict[Path, str] = {}
    for path, text in texts.items():
        link = repo.links.get(path)
        if link is not None:  # the same for --diff: it shows what --write would do
            shown = os.path.relpath(link) if Path.cwd() in link.parents else str(link)
            problems[path] = f"it was named through the symbolic link {shown}; fixlabels never writes through a link"
            continue
        if writing and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)):
            problems[path] = denied[path] = "permission denied"
            continue
        try:
            repo.sources[path].encode(text)
        except UnicodeEncodeError as exc:
            problems[path] = f"the new text has characters {exc.encoding} cannot store"
        except SourceError as exc:
            problems[path] = str(exc)
    refused: Refused = []
    for unit in units:
        blocked = sorted((repo.display(p), problems[p]) for p in unit.files if p in problems)
        if unit.refusal is None and blocked:
            refused.append((unit, Refusal(f"cannot write {blocked[0][0]} ({blocked[0][1]})")))
    return refused


def magic_lines(repo: Repo, units: list[Unit], texts: dict[Path, str]) -> Refused:
    """Refuse a unit when a notebook line IPython runs as a ``%`` magic names its model:
    ``%time loss = model(x, y)`` is restored byte for byte, never rewritten, so after the fix it
    would still call ``forward`` the old way."""
    refused: Refused = []
    for unit in units:
        if unit.refusal is not None or not unit.files & set(texts):
            continue
        classes = {key.name for task in unit.sites for key in task.site.instance.classes}
        for path, source in repo.sources.items():
            notebook = source.notebook
            if notebook is None or not notebook.magics:
                continue
            names = classes | {task.site.receiver.partition(".")[0] for task in unit.sites if task.site.path == path} - {"self"}
            # A name the notebook binds to the class (`model = Net()`) whose calls it may only make in magics.
            bound = re.finditer(r"^[ \t]*(\w+)[ \t]*=(?!=)(.*)$", source.text, re.MULTILINE)
            names |= {m.group(1) for m in bound if classes & set(re.findall(r"\w+", m.group(2)))}
            for number, magic in enumerate(notebook.magics):
                named = sorted(set(re.findall(r"[A-Za-z_]\w*", magic)) & names) if magic.lstrip().startswith("%") else []
                if named:
                    cell, line = notebook.locate(_magic_line(source.text, notebook.token, number))
                    refused.append(
                        (
                            unit,
                            Refusal(
                                f"the magic `{magic.strip()[:60]}` at {source.display_path}:cell {cell}:{line} names `{named[0]}`, "
                                "and fixlabels does not rewrite inside magics"
                            ),
                        )
                    )
                    break
            else:
                continue
            break
    return refused


def _magic_line(text: str, token: str, number: int) -> int:
    """The module line holding a notebook's masked IPython line ``number``."""
    marker = f"fixlabels-magic-{token} {number}"
    for index, line in enumerate(text.split("\n"), start=1):
        if line.rstrip().endswith(marker):
            return index
    return 1
