"""Grades out of nbgrader's gradebook, the verdict on the sample class, and the summary.

The sample class is the reference solution, the blank release and one submission per
catalogued mistake (see ``aelab.pipeline.sample_class``). It must grade as the catalogue says:
the reference gets full marks, the blank gets nothing, and each mistake loses points on at least
the test cells its ``caught_by`` names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from traitlets.config.loader import PyFileConfigLoader

from ._nbgrader import kernel_env
from .course import COURSE_DIR, Mistake

__all__ = [
    "SampleSubmission",
    "Score",
    "check_sample_class",
    "course_config",
    "gradebook_url",
    "open_gradebook",
    "read_scores",
    "summary",
    "timing",
]


@dataclass(frozen=True)
class SampleSubmission:
    """One submission of the sample class, and what it must score."""

    student: str
    assignment: str
    mistake: Mistake | None = None

    @property
    def expect(self) -> str:
        """``"full"`` (reference), ``"zero"`` (blank) or ``"mistake"``."""
        if self.mistake is not None:
            return "mistake"
        return "zero" if self.student == "blank" else "full"


@dataclass(frozen=True)
class Score:
    """One graded submission: its total and the score of each autograded test cell."""

    student: str
    assignment: str
    score: float
    max_score: float
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def auto_score(self) -> float:
        return sum(s for s, _ in self.cells.values())

    @property
    def auto_max(self) -> float:
        return sum(m for _, m in self.cells.values())

    @property
    def lost(self) -> list[str]:
        """The test cells that took points off, in notebook order."""
        return [name for name, (s, m) in self.cells.items() if s < m]


def course_config(course_dir: Path = COURSE_DIR):
    """The course's nbgrader configuration, read as nbgrader reads it."""
    # nbgrader reads nbgrader_config.py only from its working directory; read it the same way.
    return PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()


def gradebook_url(course_dir: Path = COURSE_DIR) -> tuple[str, str]:
    """The course's ``(db_url, course_id)``, a relative SQLite path resolved against the course."""
    config = course_config(course_dir).CourseDirectory
    root = (course_dir / config.get("root", ".")).resolve()
    url = config.get("db_url", f"sqlite:///{root}/gradebook.db")
    prefix = "sqlite:///"
    if url.startswith(prefix) and not Path(url[len(prefix) :]).is_absolute():
        url = prefix + str(root / url[len(prefix) :])
    return url, config.get("course_id", "default_course")


def open_gradebook(course_dir: Path = COURSE_DIR) -> Gradebook:
    """nbgrader's gradebook of the course (use it as a context manager)."""
    url, course_id = gradebook_url(course_dir)
    # Creating a gradebook runs `alembic` from PATH: lend it the venv's PATH meanwhile.
    saved = os.environ.get("PATH")
    os.environ["PATH"] = kernel_env()["PATH"]
    try:
        return Gradebook(url, course_id)
    finally:
        if saved is None:
            del os.environ["PATH"]
        else:
            os.environ["PATH"] = saved


def read_scores(course_dir: Path = COURSE_DIR) -> dict[tuple[str, str], Score]:
    """Every graded submission in the gradebook, keyed by ``(student, assignment)``.

    ``score`` is nbgrader's raw score (without a late penalty; ``grades.csv`` applies that).
    ``cells`` holds the autograded code cells only, so written answers waiting for a person do
    not count as lost points.
    """
    scores = {}
    with open_gradebook(course_dir) as gb:
        for assignment in gb.assignments:
            order = [c.name for nb in assignment.notebooks for c in nb.grade_cells]
            for student in gb.students:
                try:
                    sub = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    continue
                grades = {
                    g.name: (float(g.score), float(g.max_score))
                    for nb in sub.notebooks
                    for g in nb.grades
                    if getattr(g.cell, "cell_type", None) == "code"
                }
                cells = {name: grades[name] for name in order if name in grades}
                scores[student.id, assignment.name] = Score(
                    student.id,
                    assignment.name,
                    float(sub.score),
                    float(sub.max_score),
                    cells,
                )
    return scores


def _verdict(sample: SampleSubmission, score: Score | None) -> str | None:
    """What is wrong with how ``sample`` graded, or None."""
    if score is None:
        return "was not graded"
    got = f"{score.auto_score:g}/{score.auto_max:g}"
    if sample.expect == "full" and score.auto_score < score.auto_max:
        return f"the reference solution scored {got}, lost {', '.join(score.lost)}"
    if sample.expect == "zero" and score.auto_score > 0:
        kept = [n for n, (s, _) in score.cells.items() if s > 0]
        return f"the blank release scored {got}, from {', '.join(kept)}"
    if sample.expect == "mistake":
        if score.auto_score >= score.auto_max:
            return f"full marks: the mistake is not caught by any test ({sample.mistake.summary})"
        unknown = [c for c in sample.mistake.caught_by if c not in score.cells]
        if unknown:
            return f"caught_by names test cells the notebook does not have: {', '.join(unknown)}"
        missed = [c for c in sample.mistake.caught_by if c not in score.lost]
        if missed:
            return f"kept full marks on {', '.join(missed)}, which caught_by says must catch it"
    return None


def check_sample_class(
    sample: list[SampleSubmission], scores: dict[tuple[str, str], Score]
) -> list[str]:
    """Problems with the sample class: ``"<assignment>/<student>: what went wrong"``."""
    problems = []
    for s in sample:
        verdict = _verdict(s, scores.get((s.student, s.assignment)))
        if verdict:
            problems.append(f"{s.assignment}/{s.student}: {verdict}")
    return problems


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def summary(
    scores: dict[tuple[str, str], Score],
    sample: list[SampleSubmission],
    *,
    assignments: list[str],
    not_graded: dict[str, str] | None = None,
    seconds: dict[str, str] | None = None,
) -> str:
    """The page a person reads after ``aelab pipeline``.

    A table of students x assignments (score/max, with ``ok``/``FAIL`` for the sample class),
    which test cells each mistake lost points on against its ``caught_by``, the submissions that
    could not be graded (``not_graded``: ``"<assignment>/<student>"`` -> why), and the time per
    step (``seconds``: step -> a short text).
    """
    expected = {(s.student, s.assignment): s for s in sample}
    sample_order = list(dict.fromkeys(s.student for s in sample))
    others = sorted({st for st, _ in scores} - set(sample_order))
    lines = ["", "Grades (score/max; ok or FAIL: the sample class against its catalogue)"]
    rows = [["student", *assignments]]
    for student in sample_order + others:
        row = [student]
        for a in assignments:
            score = scores.get((student, a))
            if score is None:
                row.append("-" if (student, a) not in expected else "not graded FAIL")
                continue
            cell = f"{score.score:g}/{score.max_score:g}"
            if (student, a) in expected:
                cell += "  FAIL" if _verdict(expected[student, a], score) else "  ok"
            row.append(cell)
        rows.append(row)
    lines += ["  " + line for line in _table(rows)]

    mistakes = [s for s in sample if s.mistake is not None]
    if mistakes:
        lines += ["", "Mistakes: the test cells that took points off (ok: all of caught_by did)"]
        for a in dict.fromkeys(s.assignment for s in mistakes):
            rows = []
            for s in (m for m in mistakes if m.assignment == a):
                score = scores.get((s.student, s.assignment))
                verdict = _verdict(s, score)
                lost = ", ".join(score.lost) if score and score.lost else "nothing"
                rows.append(["FAIL" if verdict else "ok", s.mistake.name, lost])
                if verdict:
                    rows.append(["", "", f"^ {verdict}"])
            lines += [f"  {a}"] + ["    " + line for line in _table(rows)]

    if not_graded:
        lines += ["", "Submissions that could not be graded (they score 0):"]
        lines += [f"  {where}: {why}" for where, why in sorted(not_graded.items())]

    if seconds:
        lines += ["", "Time per step"]
        lines += ["  " + line for line in _table([[k, v] for k, v in seconds.items()])]

    problems = check_sample_class(sample, scores)
    lines.append("")
    if problems:
        lines.append(f"FAILED: the sample class does not grade as catalogued ({len(problems)}):")
        lines += [f"  {p}" for p in problems]
    else:
        n = len(sample)
        lines.append(f"OK: all {n} sample submissions graded as catalogued.")
    return "\n".join(lines)


def timing(runs, seconds: float) -> str:
    """How long autograding ``runs`` (``pipeline.GradingRun``) took, overall and per submission."""
    n = sum(len(r.done) + len(r.failed) for r in runs)
    if not n:
        return f"{seconds:.1f} s"
    each = {s: t for r in runs for s, t in r.per_student.items()}
    slow = max(each, key=each.get) if each else None
    text = f"{seconds:.1f} s  ({n} submissions, {seconds / n:.1f} s each"
    if slow:
        text += f"; kernel to grade {sum(each.values()) / len(each):.1f} s each, "
        text += f"slowest {slow} {each[slow]:.1f} s"
    return text + ")"
