"""Work fanned out over forked processes, for the engine and the analysis alike.

Fork, because the children must inherit what the parent has built (the index) without
pickling it; where fork is not available, or a worker dies (out of memory), the caller does
the work in its own process instead. Results come back in input order, so nothing after
them depends on scheduling.
"""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Optional, Sequence, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def _quiet_worker() -> None:
    """Ctrl-C is for the main process to handle (it stops the pool), and SIGTERM (how a pool
    ends its workers) just ends the worker. A fork inherits the CLI's SIGTERM-as-interrupt
    handler, which would print a traceback from every worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def map_in_processes(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    jobs: int,
    chunksize: int = 1,
    progress: Optional[Callable[[int], None]] = None,
) -> Optional[list[Result]]:
    """``[function(item) for item in items]`` in ``jobs`` forked processes, or None when that
    cannot be done (no fork on this platform, or a worker died): the caller then does it.
    ``progress`` hears how many results have come back, as they come."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_quiet_worker) as pool:
            results = []
            for result in pool.map(function, items, chunksize=chunksize):
                results.append(result)
                if progress is not None:
                    progress(len(results))
            return results
    except BrokenProcessPool:
        return None
