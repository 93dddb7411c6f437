"""The course on disk: master notebooks, their solution cells, and the mistake catalogue.

The same functions build the sample class (``aelab pipeline``), run the calibration
(``aelab calibrate``) and drive the tests, so a catalogued mistake is one edit of the reference
solution everywhere it is used.
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = [
    "COURSE_DIR",
    "Mistake",
    "apply_mistake",
    "assignments",
    "grade_id",
    "load_catalogue",
    "load_mistakes",
    "master_path",
    "read_notebook",
    "reference_source",
    "solution_code",
]

COURSE_DIR = Path(__file__).resolve().parent.parent / "course"

_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
_HIDDEN = re.compile(r"^\s*### (BEGIN|END) HIDDEN TESTS\s*$")


@dataclass(frozen=True)
class Mistake:
    """One catalogued student mistake: an edit of one solution cell of the reference."""

    name: str
    summary: str
    cell: str
    old: str
    new: str
    caught_by: tuple[str, ...]
    #: A phrase the error output of one of the ``caught_by`` cells must contain: the likeliest
    #: cause, in the words the student reads.
    feedback: str = ""
    #: Why the measurements of this mistake are chaotic (empty when they are not): their
    #: verdict reproduces on every CPU, their exact values only on the CPU that measured them.
    unstable: str = ""


def assignments(course_dir: Path = COURSE_DIR) -> list[str]:
    """Names of the assignments in ``course_dir/source``, in course order."""
    return sorted(p.name for p in (course_dir / "source").iterdir() if p.is_dir())


def master_path(assignment: str, course_dir: Path = COURSE_DIR) -> Path:
    """The one master notebook of ``assignment``."""
    notebooks = sorted((course_dir / "source" / assignment).glob("*.ipynb"))
    if len(notebooks) != 1:
        raise ValueError(f"{assignment} must hold exactly one notebook, found {len(notebooks)}")
    return notebooks[0]


def grade_id(cell) -> str | None:
    """The nbgrader grade id of ``cell``, or None for an ordinary cell."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_solution(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def reference_source(source: str) -> str:
    """A master solution cell as a student would hand it in: the solution markers removed."""
    return "\n".join(line for line in source.splitlines() if not _MARKER.match(line))


def load_catalogue(assignment: str, course_dir: Path = COURSE_DIR) -> dict:
    """``course/mistakes/<assignment>.toml``: its ``[[mistake]]`` and ``[[target]]`` entries."""
    path = course_dir / "mistakes" / f"{assignment}.toml"
    return tomllib.loads(path.read_text()) if path.exists() else {}


def load_mistakes(assignment: str, course_dir: Path = COURSE_DIR) -> list[Mistake]:
    """The catalogued mistakes of ``assignment``, from ``course/mistakes/<assignment>.toml``."""
    path = course_dir / "mistakes" / f"{assignment}.toml"
    entries = load_catalogue(assignment, course_dir).get("mistake", [])
    mistakes = [
        Mistake(
            name=m["name"],
            summary=m["summary"],
            cell=m["cell"],
            old=m["old"],
            new=m["new"],
            caught_by=tuple(m["caught_by"]),
            feedback=m.get("feedback", ""),
            unstable=m.get("unstable", ""),
        )
        for m in entries
    ]
    names = [m.name for m in mistakes]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: mistake names must be unique, got {names}")
    return mistakes


def _edit(source: str, mistake: Mistake) -> str:
    count = source.count(mistake.old)
    if count != 1:
        raise ValueError(
            f"mistake {mistake.name!r}: expected the text to replace exactly once in cell "
            f"{mistake.cell!r}, found it {count} times: {mistake.old!r}"
        )
    return source.replace(mistake.old, mistake.new)


def apply_mistake(nb, mistake: Mistake | None):
    """A copy of ``nb`` with its solution cells as in the reference, plus ``mistake``.

    ``nb`` may be the master (solution markers are removed) or a release notebook whose solution
    cells are then filled from ``master``; see :func:`reference_submission`.
    """
    nb = copy.deepcopy(nb)
    found = False
    for cell in nb.cells:
        if _is_solution(cell) and cell.cell_type == "code":
            cell.source = reference_source(cell.source)
            if mistake is not None and grade_id(cell) == mistake.cell:
                cell.source = _edit(cell.source, mistake)
                found = True
    if mistake is not None and not found:
        raise ValueError(
            f"mistake {mistake.name!r}: no solution cell with grade id {mistake.cell!r}"
        )
    return nb


def reference_submission(master, release, mistake: Mistake | None = None):
    """The release notebook ``release`` filled in with the master's solutions (plus ``mistake``).

    This is what a student who solved everything hands in: the release as given out, every
    solution cell replaced by the reference code, tests and prose untouched.
    """
    solved = {
        grade_id(c): c.source for c in apply_mistake(master, mistake).cells if _is_solution(c)
    }
    out = copy.deepcopy(release)
    for cell in out.cells:
        if _is_solution(cell) and grade_id(cell) in solved:
            cell.source = solved[grade_id(cell)]
    return out


def solution_code(master, mistake: Mistake | None = None) -> str:
    """The Python of the master's setup and solution code cells, with ``mistake`` applied.

    The setup cell is the read-only cell with grade id ``setup``; markdown, plots and tests are
    left out. Calibration runs this code to measure exactly what a submission would do.
    """
    nb = apply_mistake(master, mistake)
    parts = [
        c.source
        for c in nb.cells
        if c.cell_type == "code" and (grade_id(c) == "setup" or _is_solution(c))
    ]
    return "\n\n".join(parts)


def read_notebook(path: Path):
    """Read a notebook as nbformat version 4."""
    return nbformat.read(str(path), as_version=4)
