"""A Python interpreter with torch already imported, that runs each program in a fork of itself.

The execution tier runs every golden case's programs before and after its rewrite, and imports
every rewritten module: some 400 processes, each paying 1.6 s to import torch (4.7 s with
transformers) before doing a few milliseconds of training. A fork of an interpreter that has
imported them once starts in milliseconds and is otherwise a new process: its own modules, its
own working directory, ``sys.argv`` and ``sys.path``, its own file descriptors 1 and 2, its exit
code. The parent never computes anything, so no torch thread pool exists to be forked.

What differs from ``python script.py``: the hash seed is the parent's (``PYTHONHASHSEED=0`` for
both, as ``golden_cases.execute`` sets), and a traceback shows ``runpy``'s frames above the
program's. ``tests/test_warm_python.py`` holds the two ways of running to the same outputs and
exit codes on golden cases of every kind (scripts, notebooks, programs that fail, imports).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Optional, Sequence

# The parent: reads one request per line, forks a child for it, answers with its exit code.
# Imports what every program of the suite imports (whatever of it is installed) before the first
# fork; each child then runs the request as `python <script>` or `python -c <code>` would.
_PARENT = r"""
import importlib, json, os, signal, sys, time
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception:  # not installed, or broken: a program that needs it fails as under a new python
        pass
sys.stdout.write("ready\n"); sys.stdout.flush()

def child(request):
    import atexit, runpy, traceback
    out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0); os.dup2(out, 1); os.dup2(err, 2)
    os.setsid()  # a timeout kills the program's own children (DataLoader workers) with it
    os.environ.clear(); os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv[:] = request["argv"]
    sys.path[0] = request["path0"]
    code = 0
    try:
        if request.get("code") is not None:
            namespace = {"__name__": "__main__", "__builtins__": __builtins__}
            exec(compile(request["code"], "<string>", "exec"), namespace)
        else:
            runpy.run_path(request["argv"][0], run_name="__main__")
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
    finally:
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)

for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        sys.stdin = open(os.devnull)
        child(request)
    deadline = time.monotonic() + request["timeout"]
    status = None
    while status is None:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
        elif time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:  # it ended just now, or before its setsid
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = "timeout"
        else:
            time.sleep(0.005)
    sys.stdout.write(json.dumps(status) + "\n"); sys.stdout.flush()
"""

PRELOAD = ("torch", "transformers", "transformers.modeling_utils")


class WarmPython:
    """Runs programs as ``python`` would, each in a fork of one interpreter that imported
    :data:`PRELOAD` once. One per test process; requests are served one at a time."""

    def __init__(self, preload: Sequence[str] = PRELOAD) -> None:
        self._preload = tuple(preload)
        self._process: Optional[subprocess.Popen[str]] = None
        self._lock = threading.Lock()
        self._scratch = Path(tempfile.mkdtemp(prefix="warm-python-"))

    def _parent(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0", CUDA_VISIBLE_DEVICES="")
            self._process = subprocess.Popen(
                [sys.executable, "-c", _PARENT, json.dumps(self._preload)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=self._scratch,
            )
            assert self._process.stdout is not None
            if self._process.stdout.readline().strip() != "ready":
                raise RuntimeError("the warm interpreter did not start")
        return self._process

    def run(
        self,
        argv: Sequence[str],
        cwd: Path,
        env: dict[str, str],
        code: Optional[str] = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        """``argv`` as after ``python``: ``[script, *args]``, or ``["-c", *args]`` with ``code``."""
        with self._lock:
            stdout, stderr = self._scratch / "stdout", self._scratch / "stderr"
            # sys.path[0] as the interpreter sets it: the script's folder, or '' for -c.
            path0 = "" if code is not None else str((cwd / argv[0]).resolve().parent)
            request = {
                "argv": list(argv), "cwd": str(cwd), "env": env, "code": code, "path0": path0,
                "stdout": str(stdout), "stderr": str(stderr), "timeout": timeout,
            }
            parent = self._parent()
            assert parent.stdin is not None and parent.stdout is not None
            parent.stdin.write(json.dumps(request) + "\n")
            parent.stdin.flush()
            answer = parent.stdout.readline()
            if not answer:
                raise RuntimeError("the warm interpreter died")
            status = json.loads(answer)
            if status == "timeout":
                raise subprocess.TimeoutExpired(list(argv), timeout)
            return subprocess.CompletedProcess(
                [sys.executable, *argv], status,
                stdout.read_text(encoding="utf-8", errors="replace"),
                stderr.read_text(encoding="utf-8", errors="replace"),
            )

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=30)
        self._process = None
