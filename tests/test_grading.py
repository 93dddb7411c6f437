"""aelab.grading: messages that say what was measured, what was expected, and why."""

import numpy as np
import pytest

from aelab import PCADetector, grading
from aelab.grading import GradingError, Measurement


def test_require_passes_and_prints_one_line(capsys):
    grading.require(Measurement("F1", 0.8), at_least=0.7)
    assert capsys.readouterr().out == "PASS  F1: 0.8 (target >= 0.7)\n"


def test_require_fails_with_measured_expected_and_cause():
    m = Measurement("F1", 0.4, details=["recall 0.2"], hints=["scale first", "check q"])
    with pytest.raises(GradingError) as err:
        grading.require(m, at_least=0.7)
    text = str(err.value)
    assert "measured 0.4, expected >= 0.7" in text
    assert "recall 0.2" in text
    assert "Likeliest cause: scale first" in text
    assert "Also check: check q" in text


def test_grading_error_wraps_long_lines_and_keeps_every_word():
    words = " ".join(f"word{i}" for i in range(60))
    text = str(GradingError(f"title\n  {words}"))
    lines = text.splitlines()
    assert lines[0] == "title" and all(len(line) <= 90 for line in lines)
    assert all(line.startswith("      ") for line in lines[2:])  # continuations indented
    assert " ".join(text.split()) == f"title {words}"


def test_require_nan_never_passes():
    with pytest.raises(GradingError):
        grading.require(Measurement("F1", float("nan")), at_least=0.0)


def test_require_at_most():
    with pytest.raises(GradingError, match="expected <= 0.02"):
        grading.require(Measurement("false alarms", 0.05), at_most=0.02)


def test_call_student_reports_crashes_and_stubs():
    def stub():
        raise NotImplementedError()

    def buggy():
        return 1 / 0

    with pytest.raises(GradingError, match="not implemented yet"):
        grading.call_student(stub)
    with pytest.raises(GradingError, match="buggy raised ZeroDivisionError"):
        grading.call_student(buggy)
    with pytest.raises(GradingError, match="is not defined"):
        grading.call_student(None, what="fit_detector")


def test_check_close_messages():
    grading.check_close("same", [1.0, 2.0], np.array([1.0, 2.0]))
    with pytest.raises(GradingError, match=r"expected shape \(2,\), got \(3,\)"):
        grading.check_close("shape", [1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(GradingError, match="expected 2, got 3. use the mean"):
        grading.check_close("value", [1.0, 3.0], [1.0, 2.0], hint="use the mean")
    with pytest.raises(GradingError, match="expected numbers"):
        grading.check_close("type", {"a": 1}, 1.0)


def test_check_close_names_a_known_mistake():
    known = {"sample std (ddof=1)": np.std([1.0, 3.0], ddof=1), "variance": 1.0}
    with pytest.raises(GradingError, match=r"expected 1, got 1.41421. sample std \(ddof=1\)$"):
        grading.check_close("std", np.std([1.0, 3.0], ddof=1), 1.0, hint="h", known=known)
    with pytest.raises(GradingError, match=r"expected 1, got 3. h$"):
        grading.check_close("std", 3.0, 1.0, hint="h", known=known)
    with pytest.raises(GradingError, match="h$"):  # a known value of another shape never matches
        grading.check_close("std", [3.0, 3.0], [1.0, 1.0], hint="h", known={"k": 3.0})


def test_check_raises():
    def raises(x):
        raise ValueError("bad")

    grading.check_raises("raises", raises, 1)
    with pytest.raises(GradingError, match="nothing was raised"):
        grading.check_raises("silent", lambda x: x, 1)
    with pytest.raises(GradingError, match="got TypeError"):
        grading.check_raises("wrong error", lambda x: x + "a", 1)


def _fit(X_train, X_val):
    return PCADetector(n_components=3, validation_fraction=0.0).fit(X_train).set_threshold(X_val)


def _detect(detector, X):
    return detector.predict(X) == -1


def test_detector_f1_of_an_independent_reference_clears_the_01_target():
    # The 01 target (0.7) measured with aelab's own PCADetector, not the notebook's code.
    m = grading.detector_f1(_fit, _detect, seed=1013)
    assert m.value > 0.7


def test_detector_f1_asks_about_the_comparison_when_everything_is_flagged():
    m = grading.detector_f1(_fit, lambda det, X: np.ones(len(X), dtype=bool), seed=1013)
    assert m.value < 0.2
    assert "flags 100% of normal rows" in m.hints[0] and "*above* the threshold" in m.hints[0]


def test_detector_f1_blames_a_low_threshold_when_too_much_is_flagged():
    def fit_low(X_train, X_val):
        return (
            PCADetector(3, validation_fraction=0.0).fit(X_train).set_threshold(X_val, quantile=0.9)
        )

    m = grading.detector_f1(fit_low, _detect, seed=1013)
    assert "threshold is too low" in m.hints[0]


def test_detector_f1_points_at_scaling_when_only_wild_rows_are_caught():
    def fit_raw(X_train, X_val):
        return (
            PCADetector(3, scale=False, validation_fraction=0.0).fit(X_train).set_threshold(X_val)
        )

    m = grading.detector_f1(fit_raw, _detect, seed=1013)
    assert m.value < 0.6
    assert any("scaled" in h for h in m.hints)


def test_flags_measurement_rejects_wrong_shape_and_values():
    data = grading.grader_data(seed=1, n_test=100)
    with pytest.raises(GradingError, match="one flag per test row"):
        grading.flags_measurement("F1", data, np.zeros(5, dtype=bool))
    with pytest.raises(GradingError, match="True/False"):
        grading.flags_measurement("F1", data, np.full(100, 0.3))


# Mean squared errors of 2,000 validation rows and 400 training rows of 20 sensors.
_VAL = np.random.default_rng(7).gamma(3.0, 0.02, size=2000)
_TRAIN = np.random.default_rng(8).gamma(3.0, 0.015, size=400)


def _threshold_message(threshold) -> str:
    with pytest.raises(GradingError) as err:
        grading.check_percentile_threshold("t", threshold, _VAL, _TRAIN, q=99, n_features=20)
    return " ".join(str(err.value).split())  # as read: line breaks of the wrapping ignored


def test_check_percentile_threshold_passes_the_validation_percentile(capsys):
    grading.check_percentile_threshold(
        "t", np.percentile(_VAL, 99), _VAL, _TRAIN, q=99, n_features=20
    )
    assert capsys.readouterr().out == "PASS  t\n"


@pytest.mark.parametrize(
    ("threshold", "cause"),
    [
        (np.percentile(_TRAIN, 99), "99th percentile of the training errors"),
        (20 * np.percentile(_VAL, 99), "20 times too large"),
        (np.percentile(_VAL, 1), "lie above it, where 1 % should: is the percentile the high one"),
        (np.percentile(_VAL, 0.99), "(99, not 0.99)"),
        (np.percentile(_VAL, 95), "5.0% of the validation rows lie above it"),
    ],
    ids=["on-train", "summed", "low-tail", "fraction", "other"],
)
def test_check_percentile_threshold_names_the_mistake_it_matches(threshold, cause):
    text = _threshold_message(threshold)
    assert text.startswith(f"t: expected {np.percentile(_VAL, 99):.6g}, got {threshold:.6g}.")
    assert cause in text


def test_check_percentile_threshold_rejects_a_non_number():
    assert "expected a number, got str" in _threshold_message("high")
