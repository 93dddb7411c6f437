"""Running nbgrader as a subprocess of the course directory, and reading what it logged.

nbgrader reads ``nbgrader_config.py`` only from its working directory, runs ``alembic`` from
PATH when it opens the gradebook, and reports a submission it could not process only in its log
(the exit code is 1 for the whole batch). So it runs here with ``cwd`` = the course, a clean
environment, a clock in every log line, and its output kept in the pipeline's log file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

BIN = Path(sys.executable).parent
# nbgrader's own format plus a clock, so the log tells how long each submission took.
LOG_FORMAT = "%(asctime)s.%(msecs)03d [%(name)s | %(levelname)s] %(message)s"


class PipelineError(RuntimeError):
    """A step could not do its job; the message says which, why, and what to do."""


class Log:
    """Every command's full output goes to ``path``; a person sees one line per action."""

    def __init__(self, path: Path, *, fresh: bool = False, echo=print):
        self.path = Path(path)
        self.echo = echo
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fresh or not self.path.exists():
            self.path.write_text("")

    def say(self, text: str) -> None:
        """Show ``text`` to the person and keep it in the log."""
        self.echo(text)
        self.write("".join(f"=== {line}\n" for line in text.splitlines()))

    def write(self, text: str) -> None:
        """Keep ``text`` in the log only."""
        with self._lock, self.path.open("a") as fh:
            fh.write(text)


def kernel_env() -> dict[str, str]:
    """The environment of nbgrader and of every kernel it or ``aelab solutions`` starts.

    The venv's ``bin`` comes first on PATH (nbgrader runs ``alembic`` from PATH), torch gets
    one thread (two can stall small-batch training on two cores), and MPLBACKEND is removed:
    ipykernel installs its inline backend only when the variable is unset, so an inherited
    ``MPLBACKEND=Agg`` (the tests set it) would drop every figure from solutions and feedback.
    JUPYTER_* and IPYTHONDIR pass through as the caller set them.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env["OMP_NUM_THREADS"] = "1"
    env.pop("MPLBACKEND", None)
    return env


@dataclass
class Run:
    """One finished nbgrader command: its exit status, its log output and how long it took."""

    returncode: int
    output: str
    seconds: float

    def failed_students(self) -> list[str]:
        """Students whose submission nbgrader reported it could not process."""
        return [m.group(2) for line in self.output.splitlines() if (m := _ERROR.search(line))]

    def why(self, student: str) -> str:
        """The last exception line of nbgrader's traceback for ``student``'s submission."""
        why, inside = "", False
        for line in self.output.splitlines():
            if line.startswith("[") or _STAMP.match(line):  # a new log record
                at = _ERROR_AT.search(line)
                if at:
                    inside = Path(at.group(1)).parent.name == student
                elif "Traceback (most recent call last)" not in line:
                    inside = False
            elif inside and (e := _EXCEPTION.match(line)):
                why = f"{e.group(1).rsplit('.', 1)[-1]}:{e.group(2)}".strip()
        return why or "nbgrader could not process it (see the log)"

    def per_student(self) -> dict[str, float]:
        """Seconds nbgrader spent on each submission, from the clock in its log."""
        marks, current, last = [], None, 0.0
        for line in self.output.splitlines():
            stamp = _STAMP.match(line)
            if not stamp:
                continue
            last = datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
            student = _STUDENT.search(line)
            if student and student.group(1) != current:
                current = student.group(1)
                marks.append((current, last))
        ends = [t for _, t in marks[1:]] + [last]
        return {s: end - t for (s, t), end in zip(marks, ends)}

    def tail(self, lines: int = 25) -> str:
        """The end of the output, without SQLAlchemy's harmless warnings, indented."""
        noise = ("SAWarning", "for notebook in submission", "self._base_cells if isinstance")
        kept = [line for line in self.output.splitlines() if not any(n in line for n in noise)]
        return "\n".join("    " + line for line in kept[-lines:])


_ERROR = re.compile(r"There was an error processing assignment '(.+)' for student '(.+)'$")
_ERROR_AT = re.compile(r"There was an error processing assignment: (.+)$")
_EXCEPTION = re.compile(r"^\s+([\w.]+(?:Error|Exception|Exit|Interrupt))\b:?(.*)$")
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \[")
_STUDENT = re.compile(r"Creating/updating student with ID '(.+?)'")


def nbgrader(args: list[str], course_dir: Path, log: Log) -> Run:
    """Run ``nbgrader ARGS`` in ``course_dir``; its output goes to the log when it is done.

    Safe to call from several threads at once: each output is written to the log whole.
    """
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--NbGrader.log_format={LOG_FORMAT}"],
        cwd=course_dir,
        env=kernel_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    seconds = time.perf_counter() - start
    log.write(
        f"\n$ cd {course_dir} && nbgrader {' '.join(args)}\n{proc.stdout}"
        f"[exit {proc.returncode} after {seconds:.1f} s]\n"
    )
    return Run(proc.returncode, proc.stdout, seconds)


def run_all(
    commands: list[list[str]], course_dir: Path, log: Log, jobs: int
) -> Iterator[tuple[int, Run]]:
    """Run nbgrader ``commands`` side by side, ``jobs`` at a time; yield ``(index, Run)``
    as each one ends."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {
            pool.submit(nbgrader, args, course_dir, log): i for i, args in enumerate(commands)
        }
        for future in as_completed(futures):
            yield futures[future], future.result()


def failure(run: Run, what: str, log: Log) -> PipelineError:
    """The error for a command that failed as a whole, with the end of its log."""
    return PipelineError(
        f"{what} failed (exit {run.returncode}); the end of its log ({log.path}):\n{run.tail()}"
    )
