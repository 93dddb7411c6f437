"""What a student's feedback shows of the tests: their results, not the hidden tests' code.

nbgrader's feedback page is the autograded notebook as HTML, hidden tests included, so by
default it hands every student the grader's seeds and checks; with them, a resubmission (or next
year's class) could be tuned to the grader's data. :class:`HideHiddenTests` runs in ``nbgrader
generate_feedback`` (``course/nbgrader_config.py`` lists it) and, in every test cell,

- replaces the region between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` by one
  comment line, and
- shortens a failure's traceback, which quotes the failing test code and the grading helpers
  around it, to its last line: the error and its message, written for the student.

Scores, printed ``PASS`` lines and failure messages are left as they are. The autograded
notebooks that instructors read keep everything. To show students the hidden tests (after the
last deadline, say), remove the preprocessor from ``c.GenerateFeedback.preprocessors``.
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

__all__ = ["HIDDEN_NOTE", "HideHiddenTests", "hide_hidden_tests"]

#: The line that stands where the hidden tests were.
HIDDEN_NOTE = "# (hidden tests: their results are below, their code is not shown)"

_BEGIN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$")
_END = re.compile(r"^\s*### END HIDDEN TESTS\s*$")


def hide_hidden_tests(source: str) -> str:
    """``source`` with each hidden-test region replaced by :data:`HIDDEN_NOTE`.

    A region that is never closed is hidden to the end of the cell.

    Examples
    --------
    >>> cell = "check(1)\\n### BEGIN HIDDEN TESTS\\ncheck(42)\\n### END HIDDEN TESTS"
    >>> print(hide_hidden_tests(cell))
    check(1)
    # (hidden tests: their results are below, their code is not shown)
    """
    kept, hidden = [], False
    for line in source.splitlines():
        if not hidden and _BEGIN.match(line):
            hidden = True
            kept.append(line[: len(line) - len(line.lstrip())] + HIDDEN_NOTE)
        elif hidden:
            hidden = not _END.match(line)
        else:
            kept.append(line)
    return "\n".join(kept)


class HideHiddenTests(Preprocessor):
    """Hide the hidden tests' code and the test cells' tracebacks in feedback (see module)."""

    # nbconvert runs only enabled preprocessors, and its own are off until configured on.
    enabled = Bool(True, help="Whether to hide the hidden tests in feedback").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("grade"):
            return cell, resources
        cell.source = hide_hidden_tests(cell.source)
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
