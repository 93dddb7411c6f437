"""The course on disk: masters, catalogues and their agreement (no kernels started)."""

import re

import pytest

from aelab import course

ASSIGNMENTS = course.assignments()


def _master(assignment):
    return course.read_notebook(course.master_path(assignment))


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_master_is_committed_clean(assignment):
    nb = _master(assignment)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_master_has_setup_solutions_and_hidden_tests(assignment):
    nb = _master(assignment)
    ids = [course.grade_id(c) for c in nb.cells if course.grade_id(c)]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    setup = [c for c in nb.cells if course.grade_id(c) == "setup"]
    assert len(setup) == 1 and _meta(setup[0])["locked"]
    tests = [c for c in nb.cells if _meta(c).get("grade")]
    assert tests and all(_meta(c)["points"] > 0 for c in tests)
    assert any("### BEGIN HIDDEN TESTS" in c.source for c in tests)
    for cell in tests:
        assert cell.source.lstrip().startswith('"""'), f"{course.grade_id(cell)}: no docstring"
    for cell in nb.cells:
        if cell.cell_type == "code" and (_meta(cell).get("solution") or cell in setup):
            assert not re.search(r"^\s*[%!]", cell.source, re.M), "no magics: calibration execs it"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_mistakes_apply_once_and_name_real_cells(assignment):
    nb = _master(assignment)
    tests = {course.grade_id(c) for c in nb.cells if _meta(c).get("grade")}
    mistakes = course.load_mistakes(assignment)
    assert len(mistakes) >= 3, "each assignment catalogues at least three mistakes"
    reference = course.solution_code(nb)
    for mistake in mistakes:
        edited = course.solution_code(nb, mistake)
        assert edited != reference
        assert mistake.caught_by and set(mistake.caught_by) <= tests, mistake.name
        assert re.fullmatch(r"[a-z0-9-]+", mistake.name), "names become student ids"
        assert len(mistake.feedback) >= 10, f"{mistake.name}: say what its feedback must name"


def test_reference_source_drops_only_the_markers():
    src = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    assert course.reference_source(src) == "def f():\n    return 1"


def test_apply_mistake_rejects_text_not_found():
    nb = _master(ASSIGNMENTS[0])
    bogus = course.Mistake("bogus", "", "fit_pca", "no such text", "x", ("test_fit_pca",))
    with pytest.raises(ValueError, match="found it 0 times"):
        course.apply_mistake(nb, bogus)
