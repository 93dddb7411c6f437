"""The instructor loop end to end: real nbgrader on a copy of the course, and on a toy course.

``real`` runs ``aelab pipeline`` once on a copy of ``course/`` and checks the gradebook,
``grades.csv``, the feedback and the executed solutions directly. ``toy`` runs it on a tiny
course built here, with a class of broken submissions beside the sample class (a bad timestamp,
a renamed notebook, ``sys.exit``, an infinite loop): each must cost only its own grade.
The tests marked ``course`` start kernels and nbgrader (minutes); the others are instant.
"""

import contextlib
import csv
import html
import io
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from aelab import cli, course, report
from aelab._nbgrader import Run, kernel_env
from aelab.course import Mistake
from aelab.pipeline import (
    MANIFEST,
    PipelineError,
    execute_master,
    preflight,
    reset_sample_class,
)
from aelab.report import SampleSubmission, Score, check_sample_class

GENERATED = {"release", "submitted", "autograded", "feedback", "gradebook.db", "grades.csv"}
GENERATED |= {"pipeline.log", MANIFEST.parts[0]}
MISTAKES = [(a, m) for a in course.assignments() for m in course.load_mistakes(a)]


def _cli(*args) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = cli.main([str(a) for a in args])
    return code, out.getvalue()


def _grades(course_dir: Path) -> dict[tuple[str, str], tuple[float, float, dict]]:
    """(student, assignment) -> (score, max, {test cell: (score, max)}), read from nbgrader."""
    grades = {}
    with report.open_gradebook(course_dir) as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                cells = {g.name: (g.score, g.max_score) for nb in sub.notebooks for g in nb.grades}
                grades[sub.student.id, assignment.name] = (sub.score, sub.max_score, cells)
    return grades


def _csv_scores(course_dir: Path) -> dict[tuple[str, str], float]:
    with (course_dir / "grades.csv").open() as fh:
        return {(r["student_id"], r["assignment"]): float(r["score"]) for r in csv.DictReader(fh)}


def _text(html_file: Path) -> str:
    """The words of an HTML page: tags dropped, entities decoded, whitespace collapsed."""
    words = html.unescape(re.sub(r"<[^>]+>", " ", html_file.read_text()))
    return " ".join(words.split())


# --- the real course --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """``aelab pipeline`` once on a copy of the course, without its generated files."""
    if not course.assignments():
        pytest.skip("course/source holds no assignment yet")
    root = tmp_path_factory.mktemp("real")
    course_dir = root / "course"
    shutil.copytree(
        course.COURSE_DIR,
        course_dir,
        ignore=lambda d, names: GENERATED & set(names) if Path(d) == course.COURSE_DIR else (),
    )
    code, output = _cli("pipeline", "--course-dir", course_dir, "--solutions-dir", root / "sol")
    print(output)
    return code, output, course_dir, root / "sol"


@pytest.mark.course
def test_pipeline_passes_on_the_course(real):
    code, output, _, _ = real
    assert code == 0, output
    assert "OK: all" in output and "Time per step" in output


@pytest.mark.course
@pytest.mark.parametrize("assignment", course.assignments())
def test_solutions_executed_without_error(real, assignment):
    nb = course.read_notebook(real[3] / f"{assignment}.ipynb")
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None
            kinds = {(o.output_type, o.get("name")) for o in cell.outputs}
            assert ("error", None) not in kinds and ("stream", "stderr") not in kinds


@pytest.mark.course
@pytest.mark.parametrize("assignment", course.assignments())
def test_reference_gets_full_marks_and_blank_none(real, assignment):
    grades = _grades(real[2])
    score, maximum, _ = grades["reference", assignment]
    assert score == maximum > 0
    assert grades["blank", assignment][0] == 0


@pytest.mark.course
@pytest.mark.parametrize(("assignment", "mistake"), MISTAKES, ids=[m.name for _, m in MISTAKES])
def test_mistake_loses_points_on_its_caught_by_cells(real, assignment, mistake):
    score, maximum, cells = _grades(real[2])[f"mistake-{mistake.name}", assignment]
    assert score < maximum
    lost = {name for name, (s, m) in cells.items() if s < m}
    assert set(mistake.caught_by) <= lost


def _caught_by_errors(course_dir: Path, assignment: str, mistake: Mistake) -> list[str]:
    """The messages of the errors that the mistake's caught_by cells raised, as graded."""
    name = course.master_path(assignment, course_dir).stem
    graded = course.read_notebook(
        course_dir / "autograded" / f"mistake-{mistake.name}" / assignment / f"{name}.ipynb"
    )
    return [
        " ".join((o.evalue or o.ename).split())
        for c in graded.cells
        if course.grade_id(c) in mistake.caught_by
        for o in c.outputs
        if o.output_type == "error"
    ]


@pytest.mark.course
@pytest.mark.parametrize(("assignment", "mistake"), MISTAKES, ids=[m.name for _, m in MISTAKES])
def test_feedback_shows_why_a_test_failed(real, assignment, mistake):
    course_dir = real[2]
    name = course.master_path(assignment, course_dir).stem
    page = _text(course_dir / "feedback" / f"mistake-{mistake.name}" / assignment / f"{name}.html")
    said = _caught_by_errors(course_dir, assignment, mistake)
    assert said, "a caught_by cell lost points without an error"
    for message in said:
        assert message in page


@pytest.mark.course
@pytest.mark.parametrize(("assignment", "mistake"), MISTAKES, ids=[m.name for _, m in MISTAKES])
def test_feedback_names_the_likeliest_cause(real, assignment, mistake):
    said = _caught_by_errors(real[2], assignment, mistake)
    assert any(mistake.feedback in message for message in said), said


@pytest.mark.course
@pytest.mark.parametrize("assignment", course.assignments())
def test_feedback_shows_hidden_results_but_not_hidden_code(real, assignment):
    course_dir = real[2]
    master = course.read_notebook(course.master_path(assignment, course_dir))
    name = course.master_path(assignment, course_dir).stem
    parts = [cell.source.partition("### BEGIN HIDDEN TESTS") for cell in master.cells]
    shown_anyway = _compact(" ".join(before for before, _, _ in parts))  # visible code and prose
    hidden = [
        _compact(line)
        for _, _, after in parts
        for line in after.splitlines()
        if len(line.strip()) > 25 and _compact(line) not in shown_anyway
    ]
    assert len(hidden) > 5
    for student in ("reference", f"mistake-{course.load_mistakes(assignment)[0].name}"):
        page = (course_dir / "feedback" / student / assignment / f"{name}.html").read_text()
        shown = _compact(re.sub(r"<[^>]+>", "", page))
        assert "BEGINHIDDENTESTS" not in shown
        assert _compact("hidden tests: their results are below") in shown
        assert [line for line in hidden if line in shown] == [], student
        assert "PASS" in shown  # the results of the checks are still there


def _compact(text: str) -> str:
    """``text`` with entities decoded and all whitespace removed (code is split into spans)."""
    return re.sub(r"\s+", "", html.unescape(text))


@pytest.mark.course
def test_feedback_and_csv_cover_every_student(real):
    course_dir = real[2]
    grades = _grades(course_dir)
    for student, assignment in grades:
        name = course.master_path(assignment, course_dir).stem
        assert (course_dir / "feedback" / student / assignment / f"{name}.html").exists()
    with (course_dir / "grades.csv").open() as fh:
        rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(fh)}
    students = {s for s, _ in grades}
    assert set(rows) == {(s, a) for s in students for a in course.assignments(course_dir)}
    for (student, assignment), (score, _, _) in grades.items():
        assert float(rows[student, assignment]["raw_score"]) == score


# --- a toy course and a class of broken submissions ------------------------------------------


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3}
    meta |= {"solution": solution, "task": False}
    return {"nbgrader": meta | ({"points": points} if points else {})}


SOLUTION = "\n".join(
    ["def double(x):", '    """Twice x."""', "    ### BEGIN SOLUTION", "    return 2 * x"]
    + ["    ### END SOLUTION"]
)
HIDDEN = "double(10) should be 20: did you add instead of multiply?"
TOY_MISTAKE = """
[[mistake]]
name = "add-not-multiply"
summary = "adds 2 instead of multiplying"
cell = "double"
old = "return 2 * x"
new = "return x + 2"
caught_by = ["test_hidden"]
"""
# A broken class beside the sample class: student -> (edit of the solution cell, file, stamp).
BROKEN = {
    "bad-timestamp": ("", "toy.ipynb", "last Tuesday"),
    "renamed": ("", "toy (1).ipynb", None),
    "sys-exit": "import sys\nsys.exit(1)\n",
    "infinite-loop": "while True:\n    pass\n",
    "zoe": "",  # a correct submission graded after all the broken ones
}


def _toy_master():
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Toy\n\nDouble a number."),
            new_code_cell("import matplotlib.pyplot as plt", metadata=_meta("setup", locked=True)),
            new_code_cell(SOLUTION, metadata=_meta("double", solution=True)),
            new_code_cell("plt.plot([1, 2, 3], [double(1), double(2), double(3)])\nplt.show()"),
            new_code_cell(
                '"""double doubles 2"""\nassert double(2) == 4, "double(2) should be 4"',
                metadata=_meta("test_visible", grade=True, locked=True, points=1),
            ),
            new_code_cell(
                f'"""double doubles 10"""\n### BEGIN HIDDEN TESTS\nassert double(10) == 20, '
                f'"{HIDDEN}"\n### END HIDDEN TESTS',
                metadata=_meta("test_hidden", grade=True, locked=True, points=2),
            ),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def _toy_course(root: Path) -> Path:
    course_dir = root / "course"
    (course_dir / "source" / "00_toy").mkdir(parents=True)
    (course_dir / "mistakes").mkdir()
    config = (course.COURSE_DIR / "nbgrader_config.py").read_text()
    # A short cell timeout so the infinite loop costs seconds, not the course's two minutes.
    config += "\nc.Execute.timeout = 8\nc.ExecutePreprocessor.timeout = 8\n"
    (course_dir / "nbgrader_config.py").write_text(config)
    (course_dir / "mistakes" / "00_toy.toml").write_text(TOY_MISTAKE)
    master = _toy_master()
    nbformat.write(master, str(course_dir / "source" / "00_toy" / "toy.ipynb"))
    for student, spec in BROKEN.items():
        edit, name, stamp = spec if isinstance(spec, tuple) else (spec, "toy.ipynb", None)
        nb = course.reference_submission(master, master)
        nb.cells[2].source = edit + nb.cells[2].source
        folder = course_dir / "submitted" / student / "00_toy"
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / name))
        (folder / "timestamp.txt").write_text(stamp or "2026-01-31 16:59:00.000000 UTC")
    return course_dir


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """``aelab pipeline`` on the toy course; then, with the bad timestamp fixed (the notebook
    still renamed), ``aelab autograde`` for those two students."""
    root = tmp_path_factory.mktemp("toy")
    course_dir = _toy_course(root)
    first = _cli("pipeline", "--course-dir", course_dir, "--solutions-dir", root / "sol")
    after_first = _grades(course_dir), _csv_scores(course_dir)
    stamp = course_dir / "submitted" / "bad-timestamp" / "00_toy" / "timestamp.txt"
    stamp.write_text("2026-01-31 17:00:00 UTC")
    again = _cli(
        "autograde",
        "--course-dir",
        course_dir,
        "--student",
        "bad-timestamp",
        "--student",
        "renamed",
    )
    print(first[1], again[1], sep="\n")
    return first, after_first, again, course_dir, root / "sol"


@pytest.mark.course
def test_broken_submissions_do_not_fail_the_sample_class(toy):
    (code, output), *_ = toy
    assert code == 0, output
    assert "OK: all 3 sample submissions" in output


@pytest.mark.course
def test_each_broken_submission_costs_only_its_own_grade(toy):
    grades, scores = toy[1]
    assert grades["zoe", "00_toy"][0] == 3
    assert grades["reference", "00_toy"][0] == 3
    for student in ("renamed", "sys-exit", "infinite-loop"):
        assert grades[student, "00_toy"][0] == 0, student
    assert ("bad-timestamp", "00_toy") not in grades
    assert scores["bad-timestamp", "00_toy"] == 0 and scores["zoe", "00_toy"] == 3


@pytest.mark.course
def test_broken_submissions_are_reported_with_what_to_do(toy):
    output = toy[0][1]
    assert re.search(r"00_toy/bad-timestamp: .*timestamp\.txt is not a time", output)
    assert re.search(r"00_toy/renamed: .*no toy\.ipynb .*found: toy \(1\)\.ipynb", output)
    not_graded = output.split("could not be graded")[1].split("Time per step")[0]
    assert "bad-timestamp" in not_graded and "renamed" in not_graded
    assert "sys-exit" not in not_graded and "infinite-loop" not in not_graded  # graded: 0


@pytest.mark.course
def test_regrading_fixed_students_leaves_the_others_alone(toy):
    _, (first, _), (code, output), course_dir, _ = toy
    assert code == 1, output  # the notebook of `renamed` is still misnamed
    assert "00_toy/renamed: NOT GRADED" in output and "bad-timestamp: SKIPPED" not in output
    again = _grades(course_dir)
    assert again["bad-timestamp", "00_toy"][:2] == (3, 3)
    assert again["renamed", "00_toy"][0] == 0
    others = set(first) - {("renamed", "00_toy")}
    assert {k: again[k] for k in others} == {k: first[k] for k in others}


@pytest.mark.course
def test_solutions_keep_their_figures_under_an_agg_backend(toy):
    nb = course.read_notebook(toy[4] / "00_toy.ipynb")
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.course
@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("import sys\nprint('careful', file=sys.stderr)", r"cell 1 .* wrote to stderr:\ncareful"),
        ("1 / 0", r"cell 1 .* raised ZeroDivisionError"),
    ],
)
def test_execute_master_names_the_failing_cell(tmp_path, source, message):
    nb = new_notebook(cells=[new_markdown_cell("# M"), new_code_cell(source)])
    nbformat.write(nb, str(tmp_path / "m.ipynb"))
    with pytest.raises(PipelineError, match=message):
        execute_master(tmp_path / "m.ipynb", tmp_path / "out.ipynb", timeout=20)
    assert not (tmp_path / "out.ipynb").exists()


# --- instant checks of the parts ------------------------------------------------------------

LOG = """\
2026-12-03 18:42:37.929 [AutogradeApp | INFO] Creating/updating student with ID 'ann': {}
2026-12-03 18:42:40.100 [AutogradeApp | INFO] Creating/updating student with ID 'bob': {}
2026-12-03 18:42:41.000 [AutogradeApp | ERROR] There was an error processing assignment: /c/submitted/bob/01
2026-12-03 18:42:41.001 [AutogradeApp | ERROR] Traceback (most recent call last):
      File "x.py", line 1, in f
    nbclient.exceptions.DeadKernelError: Kernel died

/venv/lib/nbgrader/api.py:2229: SAWarning: Object of type <SubmittedAssignment> not in session
2026-12-03 18:42:41.002 [AutogradeApp | WARNING] Removing failed assignment: /c/autograded/bob/01
2026-12-03 18:42:42.500 [AutogradeApp | ERROR] There was an error processing assignment '01' for student 'bob'
"""  # noqa: E501


def test_run_reads_failures_and_times_from_nbgrader_log():
    run = Run(1, LOG, 5.0)
    assert run.failed_students() == ["bob"]
    assert run.why("bob") == "DeadKernelError: Kernel died"
    assert run.why("ann") == "nbgrader could not process it (see the log)"
    assert run.per_student() == pytest.approx({"ann": 2.171, "bob": 2.4})
    assert "SAWarning" not in run.tail()


def test_kernel_env_puts_the_venv_first_and_drops_mplbackend(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    env = kernel_env()
    assert "MPLBACKEND" not in env and env["OMP_NUM_THREADS"] == "1"
    assert (Path(env["PATH"].split(":")[0]) / "alembic").exists()


def _mistake(caught_by=("t2",)):
    return Mistake("m", "a mistake", "cell", "old", "new", tuple(caught_by))


@pytest.mark.parametrize(
    ("sample", "cells", "problem"),
    [
        (SampleSubmission("reference", "a"), {"t1": (1, 1), "t2": (1, 2)}, "lost t2"),
        (SampleSubmission("blank", "a"), {"t1": (1, 1), "t2": (0, 2)}, "from t1"),
        (
            SampleSubmission("mistake-m", "a", _mistake()),
            {"t1": (1, 1), "t2": (2, 2)},
            "not caught",
        ),
        (SampleSubmission("mistake-m", "a", _mistake()), {"t1": (0, 1), "t2": (2, 2)}, "kept full"),
        (SampleSubmission("mistake-m", "a", _mistake(["t9"])), {"t1": (0, 1)}, "does not have: t9"),
    ],
)
def test_check_sample_class_names_what_went_wrong(sample, cells, problem):
    score = Score(sample.student, "a", sum(s for s, _ in cells.values()), 3, cells)
    (found,) = check_sample_class([sample], {(sample.student, "a"): score})
    assert found.startswith(f"a/{sample.student}: ") and problem in found


def test_check_sample_class_passes_a_class_that_grades_as_catalogued():
    sample = [
        SampleSubmission("reference", "a"),
        SampleSubmission("blank", "a"),
        SampleSubmission("mistake-m", "a", _mistake()),
    ]
    cells = {
        "reference": {"t1": (1, 1), "t2": (2, 2)},
        "blank": {"t1": (0, 1), "t2": (0, 2)},
        "mistake-m": {"t1": (0, 1), "t2": (1, 2)},
    }
    scores = {
        (s, "a"): Score(s, "a", sum(x for x, _ in c.values()), 3, c) for s, c in cells.items()
    }
    assert check_sample_class(sample, scores) == []


def test_preflight_skips_a_bad_timestamp_and_explains_a_renamed_notebook(tmp_path):
    (tmp_path / "source" / "01").mkdir(parents=True)
    nbformat.write(new_notebook(), str(tmp_path / "source" / "01" / "lab.ipynb"))
    for student, name, stamp in [
        ("ok", "lab.ipynb", "2026-01-31 17:00:00 UTC"),
        ("no-stamp", "lab.ipynb", ""),
        ("bad", "lab.ipynb", "soon"),
        ("moved", "lab-Copy1.ipynb", "2026-01-31 17:00:00 UTC"),
    ]:
        folder = tmp_path / "submitted" / student / "01"
        folder.mkdir(parents=True)
        (folder / name).write_text("{}")
        (folder / "timestamp.txt").write_text(stamp)
    skip, notes = preflight(tmp_path, "01")
    assert list(skip) == ["bad"] and "'soon'" in skip["bad"]
    assert list(notes) == ["moved"] and "found: lab-Copy1.ipynb" in notes["moved"]


@pytest.mark.course  # creating a gradebook runs alembic: seconds
def test_reset_sample_class_removes_only_the_sample_students(tmp_path):
    shutil.copy(course.COURSE_DIR / "nbgrader_config.py", tmp_path)
    with report.open_gradebook(tmp_path) as gb:
        for student in ("mistake-old", "alice"):
            gb.add_student(student)
            (tmp_path / "submitted" / student / "01").mkdir(parents=True)
    (tmp_path / MANIFEST).parent.mkdir()
    (tmp_path / MANIFEST).write_text('["mistake-old"]')
    reset_sample_class(tmp_path)
    with report.open_gradebook(tmp_path) as gb:
        assert [s.id for s in gb.students] == ["alice"]
    assert sorted(p.name for p in (tmp_path / "submitted").iterdir()) == ["alice"]
    assert not (tmp_path / MANIFEST).exists()
