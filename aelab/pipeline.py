"""The instructor loop: validate the masters, release, sample class, autograde, feedback, export.

Each step is a plain function of the course directory, so ``aelab <step>`` (``aelab.cli``),
``aelab pipeline`` and the tests run the same code, on the real course or on a copy. nbgrader
runs as a subprocess in the course directory, because it reads ``nbgrader_config.py`` only from
its working directory. Its full output goes to a log file (``<course>/pipeline.log``); a person
sees one short line per action, and the log's tail when something fails.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbgrader.utils import parse_utc

from . import course, report
from ._execute import execute_master
from ._nbgrader import Log, PipelineError, Run, failure, nbgrader, run_all
from .course import COURSE_DIR
from .report import SampleSubmission

__all__ = [
    "GradingRun",
    "Log",
    "PipelineError",
    "autograde",
    "default_jobs",
    "execute_master",
    "export",
    "feedback",
    "pipeline",
    "release",
    "reset_sample_class",
    "sample_class",
    "solutions",
]

LOG_NAME = "pipeline.log"
MANIFEST = Path(".sample_class") / "students.json"
# What nbgrader's exchange writes into timestamp.txt.
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"


def _log(log: Log | None, course_dir: Path) -> Log:
    return log if log is not None else Log(course_dir / LOG_NAME)


# --- validate the masters -------------------------------------------------------------------


def _execute_timeout(course_dir: Path) -> int:
    config = report.course_config(course_dir)
    return int(config.Execute.get("timeout", 120))


def solutions(
    course_dir: Path = COURSE_DIR,
    solutions_dir: Path | None = None,
    *,
    jobs: int | None = None,
    log: Log | None = None,
) -> dict[str, float]:
    """Execute every master into ``solutions_dir/<assignment>.ipynb``; seconds per assignment.

    This validates the masters: the first cell that fails raises PipelineError. ``jobs``
    masters run side by side. ``solutions_dir`` defaults to ``solutions/`` beside the course.
    """
    log = _log(log, course_dir)
    solutions_dir = solutions_dir or course_dir.parent / "solutions"
    timeout = _execute_timeout(course_dir)
    names = course.assignments(course_dir)
    seconds = {}
    with ThreadPoolExecutor(max_workers=jobs or default_jobs()) as pool:
        futures = {
            pool.submit(
                execute_master,
                course.master_path(a, course_dir),
                solutions_dir / f"{a}.ipynb",
                timeout=timeout,
                log=log,
            ): a
            for a in names
        }
        for future in as_completed(futures):
            a = futures[future]
            try:
                seconds[a] = future.result()
            except PipelineError:
                pool.shutdown(cancel_futures=True)
                raise
            log.say(f"  {a}: master executed cleanly in {seconds[a]:.1f} s -> {solutions_dir}")
    return {a: seconds[a] for a in names}


# --- release and sample class ---------------------------------------------------------------


def release(
    course_dir: Path = COURSE_DIR, *, jobs: int | None = None, log: Log | None = None
) -> dict[str, float]:
    """``nbgrader generate_assignment --force`` for every assignment; seconds per assignment.

    generate_assignment also creates the assignment and its cells in the gradebook. The first
    assignment goes alone (it may create the gradebook), the others side by side. The sample
    class is removed first: nbgrader will not add or remove cells of a notebook that has
    submissions, and a master may have changed since the sample class was graded.
    """
    log = _log(log, course_dir)
    reset_sample_class(course_dir, log=log)
    names = course.assignments(course_dir)
    seconds = {}
    for batch, width in ((names[:1], 1), (names[1:], jobs or default_jobs())):
        commands = [["generate_assignment", a, "--force"] for a in batch]
        for index, run in run_all(commands, course_dir, log, width):
            if "Cannot add or remove cells" in run.output:
                raise PipelineError(
                    f"{batch[index]}: the master's graded cells changed, but the gradebook holds "
                    "submissions of it and nbgrader will not change a graded assignment. "
                    "Restore the cells, or remove those submissions from the gradebook."
                )
            if run.returncode != 0:
                raise failure(run, f"nbgrader generate_assignment {batch[index]}", log)
            seconds[batch[index]] = run.seconds
            log.say(f"  {batch[index]}: released in {run.seconds:.1f} s")
    return seconds


def _sample_students(course_dir: Path) -> list[str]:
    path = course_dir / MANIFEST
    return json.loads(path.read_text()) if path.exists() else []


def reset_sample_class(course_dir: Path = COURSE_DIR, *, log: Log | None = None) -> None:
    """Remove the sample students of the last run: their folders and their gradebook entries.

    Only students recorded in ``<course>/.sample_class/students.json`` are touched, so a real
    class in the same course stays as it is.
    """
    log = _log(log, course_dir)
    students = _sample_students(course_dir)
    if not students:
        return
    for student in students:
        for area in ("submitted", "autograded", "feedback"):
            shutil.rmtree(course_dir / area / student, ignore_errors=True)
    with report.open_gradebook(course_dir) as gb:
        known = {s.id for s in gb.students}
        for student in students:
            if student in known:
                gb.remove_student(student)
    (course_dir / MANIFEST).unlink()
    log.write(f"removed the previous sample class: {', '.join(students)}\n")


def _write_submission(course_dir: Path, student: str, assignment: str, name: str, nb, stamp: str):
    folder = course_dir / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / name))
    (folder / "timestamp.txt").write_text(stamp + "\n")


def sample_class(
    course_dir: Path = COURSE_DIR, *, log: Log | None = None
) -> list[SampleSubmission]:
    """Write the sample class into ``submitted/`` and the gradebook; its submissions.

    Students: ``reference`` (the release filled in with the master's solutions), ``blank`` (the
    release as handed out) and ``mistake-<name>`` for each catalogued mistake of an assignment
    (the reference with that one edit). The previous sample class is removed first.
    """
    log = _log(log, course_dir)
    reset_sample_class(course_dir, log=log)
    stamp = datetime.now(UTC).strftime(TIMESTAMP_FORMAT)
    sample = []
    for a in course.assignments(course_dir):
        master_file = course.master_path(a, course_dir)
        release_file = course_dir / "release" / a / master_file.name
        if not release_file.exists():
            raise PipelineError(f"{release_file} does not exist: run `aelab release` first")
        master = course.read_notebook(master_file)
        released = course.read_notebook(release_file)
        entries = [("reference", None), ("blank", None)]
        entries += [(f"mistake-{m.name}", m) for m in course.load_mistakes(a, course_dir)]
        for student, mistake in entries:
            try:
                nb = course.reference_submission(master, released, mistake)
            except ValueError as err:  # the mistake's `old` text is not in its cell
                raise PipelineError(f"{a}: {err}") from None
            if student == "blank":
                nb = released
            _write_submission(course_dir, student, a, master_file.name, nb, stamp)
            sample.append(SampleSubmission(student, a, mistake))
        n = len(entries) - 2
        log.say(f"  {a}: reference, blank and {n} mistake{'s' * (n != 1)} submitted")
    students = list(dict.fromkeys(s.student for s in sample))
    (course_dir / MANIFEST).parent.mkdir(exist_ok=True)
    (course_dir / MANIFEST).write_text(json.dumps(students, indent=1) + "\n")
    with report.open_gradebook(course_dir) as gb:
        for student in students:
            gb.update_or_create_student(student, last_name="sample class")
    return sample


# --- autograde, feedback, export ------------------------------------------------------------


@dataclass
class GradingRun:
    """What one nbgrader command did with the submissions of one assignment."""

    assignment: str
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # student -> why
    skipped: dict[str, str] = field(default_factory=dict)  # not handed to nbgrader, and why
    seconds: float = 0.0
    per_student: dict[str, float] = field(default_factory=dict)


def _submitted(course_dir: Path, assignment: str, area: str = "submitted") -> list[str]:
    return sorted(p.parent.name for p in (course_dir / area).glob(f"*/{assignment}") if p.is_dir())


def preflight(course_dir: Path, assignment: str) -> tuple[dict[str, str], dict[str, str]]:
    """Check the submissions of ``assignment`` before nbgrader sees them.

    Returns ``(skip, notes)``: submissions nbgrader must not see (a malformed timestamp.txt makes
    autograde crash in its own error path), and explanations for submissions nbgrader will
    fail on (a renamed notebook), both ``student -> message``.
    """
    expected = course.master_path(assignment, course_dir).name
    skip, notes = {}, {}
    for student in _submitted(course_dir, assignment):
        folder = course_dir / "submitted" / student / assignment
        stamp_file = folder / "timestamp.txt"
        text = stamp_file.read_text(errors="replace").strip() if stamp_file.exists() else ""
        if text:
            try:
                parse_utc(text)
            except (ValueError, OverflowError):
                skip[student] = (
                    f"timestamp.txt is not a time ({text[:40]!r}); not graded. Write the "
                    f"submission time (e.g. 2026-01-31 17:00:00 UTC) into {stamp_file} and run "
                    f"`aelab autograde --student {student}`"
                )
                continue
        if not (folder / expected).exists():
            found = sorted(p.name for p in folder.glob("*.ipynb"))
            notes[student] = (
                f"no {expected} in {folder} (found: {', '.join(found) or 'no notebook'}); "
                f"rename the notebook to {expected} and run `aelab autograde --student {student}`"
            )
    return skip, notes


def default_jobs() -> int:
    """Parallel nbgrader processes: one per core, at most 4 (each kernel holds torch)."""
    return max(1, min(os.cpu_count() or 1, 4))


def autograde(
    course_dir: Path = COURSE_DIR,
    *,
    students: list[str] | None = None,
    jobs: int | None = None,
    log: Log | None = None,
) -> list[GradingRun]:
    """``nbgrader autograde --force`` every assignment's submissions in ``submitted/``.

    The submissions of an assignment are shared among ``jobs`` nbgrader processes run side by
    side (default: :func:`default_jobs`). One broken submission costs only its own grade:
    nbgrader goes on with the batch and exits 1, which is recorded (``GradingRun.failed``)
    rather than stopping the loop. Submissions that would crash nbgrader itself are left out
    (``GradingRun.skipped``) with a message. A process that fails as a whole is run again on
    its own; PipelineError if it fails again. ``students`` limits the batch to those students
    (say, after fixing their submissions); the others' grades stay as they are.
    """
    log = _log(log, course_dir)
    jobs = jobs or default_jobs()
    runs, notes, tasks = {}, {}, []
    for a in course.assignments(course_dir):
        everyone = _submitted(course_dir, a)
        chosen = [s for s in everyone if students is None or s in students]
        if not chosen:
            continue
        skipped, notes[a] = preflight(course_dir, a)
        skipped = {s: why for s, why in skipped.items() if s in chosen}
        todo = [s for s in chosen if s not in skipped]
        runs[a] = GradingRun(a, skipped=skipped)
        if skipped:  # in the gradebook, so grades.csv shows their 0
            with report.open_gradebook(course_dir) as gb:
                for student, why in skipped.items():
                    gb.update_or_create_student(student)
                    log.say(f"  {a}/{student}: SKIPPED, {why}")
        groups = [todo[k::jobs] for k in range(jobs) if todo[k::jobs]]
        tasks += [(a, group, sorted(set(everyone) - set(group))) for group in groups]
        if not todo:
            log.say(f"  {a}: nothing to autograde")

    def command(task) -> list[str]:
        a, _, exclude = task
        args = ["autograde", a, "--force", "--create"]
        if exclude:
            args.append(f"--CourseDirectory.student_id_exclude={','.join(exclude)}")
        return args

    def record(task, run: Run) -> None:
        a, group, _ = task
        failed = {s: notes[a].get(s) or run.why(s) for s in run.failed_students()}
        result = runs[a]
        result.failed |= failed
        result.done += [s for s in group if s not in failed]
        result.seconds += run.seconds
        result.per_student |= run.per_student()
        log.say(
            f"  {a}: {len(group) - len(failed)}/{len(group)} submissions autograded in "
            f"{run.seconds:.1f} s ({run.seconds / len(group):.1f} s each)"
        )
        for student, why in failed.items():
            log.say(f"  {a}/{student}: NOT GRADED (scores 0), {why}")

    again = []
    for index, run in run_all([command(t) for t in tasks], course_dir, log, jobs):
        if run.returncode != 0 and not run.failed_students():
            again.append(tasks[index])  # e.g. a locked SQLite gradebook: try once more, alone
            log.say(f"  {tasks[index][0]}: nbgrader failed as a whole; running that part again")
        else:
            record(tasks[index], run)
    for task in again:
        run = nbgrader(command(task), course_dir, log)
        if run.returncode != 0 and not run.failed_students():
            raise failure(run, f"nbgrader autograde {task[0]}", log)
        record(task, run)
    return list(runs.values())


def feedback(
    course_dir: Path = COURSE_DIR, *, jobs: int | None = None, log: Log | None = None
) -> list[GradingRun]:
    """``nbgrader generate_feedback --force`` for every autograded assignment, side by side."""
    log = _log(log, course_dir)
    graded = {a: _submitted(course_dir, a, "autograded") for a in course.assignments(course_dir)}
    names = [a for a, students in graded.items() if students]
    commands = [["generate_feedback", a, "--force"] for a in names]
    runs = {}
    for index, run in run_all(commands, course_dir, log, jobs or default_jobs()):
        a = names[index]
        failed = run.failed_students()
        if run.returncode != 0 and not failed:
            raise failure(run, f"nbgrader generate_feedback {a}", log)
        result = runs[a] = GradingRun(a, seconds=run.seconds)
        result.failed = {s: run.why(s) for s in failed}
        result.done = [s for s in graded[a] if s not in result.failed]
        log.say(f"  {a}: feedback for {len(result.done)} submissions in {run.seconds:.1f} s")
        for student, why in result.failed.items():
            log.say(f"  {a}/{student}: NO FEEDBACK, {why}")
    return [runs[a] for a in names]


def export(course_dir: Path = COURSE_DIR, *, log: Log | None = None) -> Path:
    """``nbgrader export`` the gradebook to ``<course>/grades.csv`` (late penalties applied)."""
    log = _log(log, course_dir)
    out = course_dir / "grades.csv"
    out.unlink(missing_ok=True)
    run = nbgrader(["export", f"--to={out.name}"], course_dir, log)
    if run.returncode != 0 or not out.exists():
        raise failure(run, "nbgrader export", log)
    log.say(f"  grades exported to {out} in {run.seconds:.1f} s")
    return out


# --- the whole loop -------------------------------------------------------------------------


def pipeline(
    course_dir: Path = COURSE_DIR,
    solutions_dir: Path | None = None,
    *,
    jobs: int | None = None,
    log: Log | None = None,
) -> int:
    """The whole loop on the sample class, then the summary; 0 when it graded as catalogued.

    Validate the masters (``solutions``), release, write the sample class, autograde
    everything in ``submitted/`` (a real class too), generate feedback, export ``grades.csv``
    and print the summary. Returns 1 when the reference is not full marks, the blank is not
    zero, or a mistake is not caught by its ``caught_by`` cells; a failing step raises
    PipelineError.
    """
    log = _log(log, course_dir)
    took: dict[str, float] = {}

    def step(name, function, *args, **kwargs):
        log.say(f"{name} ...")
        start = time.perf_counter()
        result = function(course_dir, *args, log=log, **kwargs)
        took[name] = time.perf_counter() - start
        return result

    executed = step("solutions", solutions, solutions_dir, jobs=jobs)
    step("release", release, jobs=jobs)
    sample = step("sample class", sample_class)
    graded = step("autograde", autograde, jobs=jobs)
    fed = step("feedback", feedback, jobs=jobs)
    step("export", export)

    not_graded = {f"{r.assignment}/{s}": why for r in graded for s, why in r.skipped.items()}
    not_graded |= {f"{r.assignment}/{s}": why for r in graded for s, why in r.failed.items()}
    seconds = {
        "solutions": f"{took['solutions']:.1f} s  ("
        + ", ".join(f"{a} {t:.1f} s" for a, t in executed.items())
        + ")",
        "release": f"{took['release']:.1f} s",
        "sample class": f"{took['sample class']:.1f} s",
        "autograde": report.timing(graded, took["autograde"]),
        "feedback": f"{took['feedback']:.1f} s",
        "export": f"{took['export']:.1f} s",
        "total": f"{sum(took.values()):.1f} s",
    }
    scores = report.read_scores(course_dir)
    log.say(
        report.summary(
            scores,
            sample,
            assignments=course.assignments(course_dir),
            not_graded=not_graded,
            seconds=seconds,
        )
    )
    sample_ids = {(s.assignment, s.student) for s in sample}
    bad_feedback = [
        f"{r.assignment}/{s}: no feedback, {why}"
        for r in fed
        for s, why in r.failed.items()
        if (r.assignment, s) in sample_ids
    ]
    for line in bad_feedback:
        log.say(f"FAILED: {line}")
    problems = report.check_sample_class(sample, scores)
    return 1 if problems or bad_feedback else 0
