"""The analysis and the fix, once the files are known. Heavy (LibCST and every rule): only
``engine.run`` imports it, and only when the cache cannot answer. It never prints.

One run, in the order of the modules:
- ``load``: read and index every file of the projects (``Repo``);
- ``units``: run the selected rules (each returns ``Unit``s: a finding and its whole fix), drop
  what is silenced or outside the named paths;
- ``plan``: turn the units' call sites and edits into new file texts;
- ``checks``: what a new text must pass (the call check, the import check, writability);
- ``run``: the one refuse-and-replan loop over those, then writing and the ``RunResult``.

A unit that fails any step is refused with the reason, and planning starts again without it,
so no file is written with an edit that depended on a refused one.
"""

from codemod.pipeline.run import analyse

__all__ = ["analyse"]
