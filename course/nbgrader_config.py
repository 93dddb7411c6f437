"""nbgrader configuration of the aelab course; nbgrader reads it only from this directory."""

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from aelab.feedback import HideHiddenTests

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "aelab"
# nbgrader's default gradebook: SQLite, in this directory. For a class on JupyterHub point
# db_url at PostgreSQL instead (see README).
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Per-cell limits. The slowest graded cell trains a small network in a few seconds; the limit
# leaves ample room on a slow laptop while still stopping an infinite loop.
c.Execute.timeout = 120
c.ExecutePreprocessor.timeout = 120
c.Execute.interrupt_on_timeout = True
c.Execute.kernel_name = "python3"

# Masters are committed without outputs; clear anything a student left behind before grading.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Feedback shows students the results of the hidden tests but not their code (seeds and all),
# so that a resubmission cannot be tuned to the grader's data. Drop HideHiddenTests from the
# list to show the hidden tests too (after the last deadline, say).
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
