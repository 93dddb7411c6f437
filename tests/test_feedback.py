"""aelab.feedback: the hidden tests' code and the test cells' tracebacks stay out of feedback."""

from nbconvert.exporters import NotebookExporter
from nbformat.v4 import new_code_cell, new_notebook, new_output

from aelab.feedback import HIDDEN_NOTE, HideHiddenTests, hide_hidden_tests

TEST_CELL = '''"""Checks the answer."""
check(answer)
    ### BEGIN HIDDEN TESTS
    SEED = 1011
    check_on_grader_data(SEED)
    ### END HIDDEN TESTS
print("done")'''


def _grade(source, outputs=(), grade=True):
    meta = {"nbgrader": {"grade": grade, "grade_id": "t", "points": 1}}
    return new_code_cell(source, metadata=meta, outputs=list(outputs))


def test_hide_hidden_tests_keeps_the_visible_lines_and_the_indentation():
    assert hide_hidden_tests(TEST_CELL).splitlines() == [
        '"""Checks the answer."""',
        "check(answer)",
        f"    {HIDDEN_NOTE}",
        'print("done")',
    ]


def test_hide_hidden_tests_hides_an_unclosed_region_to_the_end():
    assert hide_hidden_tests("a\n### BEGIN HIDDEN TESTS\nb\nc") == f"a\n{HIDDEN_NOTE}"
    assert hide_hidden_tests("a\nb") == "a\nb"


def test_preprocessor_hides_code_and_traceback_of_test_cells_only():
    failure = new_output(
        "error",
        ename="GradingError",
        evalue="F1 on grader-held data: measured 0.41, expected >= 0.75.",
        traceback=["Traceback ...", "    check_on_grader_data(SEED=1011)", "GradingError: F1 ..."],
    )
    passed = new_output("stream", name="stdout", text="PASS  threshold\n")
    student_error = new_output("error", ename="ValueError", evalue="bad", traceback=["a", "b"])
    nb = new_notebook(
        cells=[
            _grade(TEST_CELL, [passed, failure]),
            _grade("### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS", grade=False),
            new_code_cell("x = 1", outputs=[student_error]),
        ]
    )
    out, _ = HideHiddenTests().preprocess(nb, {})
    test, solution, plain = out.cells
    assert "1011" not in test.source and HIDDEN_NOTE in test.source
    assert test.outputs[0].text == "PASS  threshold\n"
    assert test.outputs[1].traceback == [
        "GradingError: F1 on grader-held data: measured 0.41, expected >= 0.75."
    ]
    assert "secret()" in solution.source  # not a test cell: left alone
    assert plain.outputs[0].traceback == ["a", "b"]  # the student's own errors keep theirs


def test_preprocessor_runs_when_an_exporter_registers_it():
    # As nbgrader generate_feedback registers the classes in GenerateFeedback.preprocessors.
    exporter = NotebookExporter()
    exporter.register_preprocessor(HideHiddenTests)
    body, _ = exporter.from_notebook_node(new_notebook(cells=[_grade(TEST_CELL)]))
    assert "1011" not in body and "hidden tests: their results are below" in body
