"""aelab.grading for assignment 03: false alarms on fresh normal rows, and the F1 at a budget.

The student's detector is replaced by a cheap stand-in without training: the distance of a
scaled row from the mean of the training rows, thresholded on validation rows. The measurements
are checked against counts computed here, on data drawn here.
"""

import numpy as np
import pytest

from aelab import grading
from aelab.grading import GradingError, Measurement


def fit_distance(X_train, X_val, seed, quantile=0.99):
    """A stand-in fit_detector: distance from the training mean, threshold on X_val."""
    centre, scale = X_train.mean(axis=0), X_train.std(axis=0)
    model = {"centre": centre, "scale": scale, "seed": seed}
    errors = distance(model, X_val)
    return {"model": model, "threshold": float(np.quantile(errors, quantile))}


def distance(model, X):
    return np.mean(((X - model["centre"]) / model["scale"]) ** 2, axis=1)


def detect_distance(detector, X):
    return distance(detector["model"], X) > detector["threshold"]


def test_fresh_false_alarm_rate_counts_flags_on_fresh_normal_rows():
    data = grading.grader_data(5, **grading.THRESHOLD_DATA, n_test=10_000, anomaly_fraction=0.0)
    assert data.y_test.sum() == 0
    expected = detect_distance(fit_distance(data.X_train, data.X_val, 5), data.X_test).mean()
    m = grading.fresh_false_alarm_rate(fit_distance, detect_distance, seed=5)
    assert isinstance(m, Measurement)
    assert m.value == pytest.approx(expected)
    assert "10,000" in m.name


def test_fresh_false_alarm_rate_passes_the_seed_to_the_training():
    seen = []

    def fit(X_train, X_val, seed):
        seen.append(seed)
        return fit_distance(X_train, X_val, seed)

    grading.fresh_false_alarm_rate(fit, detect_distance, seed=1003)
    assert seen == [1003]


def test_false_alarms_blame_training_errors_when_the_training_rows_are_spared():
    data = grading.grader_data(6, **grading.THRESHOLD_DATA, n_test=2000, anomaly_fraction=0.0)
    detector = fit_distance(data.X_train, data.X_val, 6)
    # The threshold of the training rows: spares them, flags many fresh rows.
    detector["threshold"] = float(np.quantile(distance(detector["model"], data.X_train), 0.99))
    detector["threshold"] *= 0.8
    m = grading.detector_false_alarms(
        "fresh", detector, detect_distance, data.X_test, data.X_val, data.X_train
    )
    assert m.value > 0.02
    assert "training errors" in m.hints[0] or "too low" in m.hints[0]


def test_false_alarms_blame_the_comparison_when_most_rows_are_flagged():
    X = np.random.default_rng(0).normal(size=(500, 4))
    detector = {"model": {"centre": np.zeros(4), "scale": np.ones(4)}, "threshold": 1.0}

    def detect_below(det, X):
        return distance(det["model"], X) < det["threshold"]

    m = grading.detector_false_alarms("fresh", detector, detect_below, X, X, X)
    assert m.value > 0.5
    assert "above" in m.hints[0]
    with pytest.raises(GradingError, match="expected <= 0.02"):
        grading.require(m, at_most=0.02)


def test_false_alarms_reject_flags_of_the_wrong_shape_or_kind():
    X = np.zeros((10, 3))
    with pytest.raises(GradingError, match="one flag per row"):
        grading.detector_false_alarms("x", None, lambda d, X: np.zeros(3, bool), X, X, X)
    with pytest.raises(GradingError, match="True/False"):
        grading.detector_false_alarms("x", None, lambda d, X: np.full(10, 0.5), X, X, X)


def test_budget_detector_f1_matches_an_independent_f1():
    data = grading.grader_data(7, **grading.THRESHOLD_DATA)
    flags = detect_distance(fit_distance(data.X_train, data.X_val, 7), data.X_test)
    y = data.y_test.astype(bool)
    tp = np.sum(flags & y)
    expected = 2 * tp / (flags.sum() + y.sum())
    m = grading.budget_detector_f1(fit_distance, detect_distance, seed=7)
    assert m.value == pytest.approx(expected)
    assert len(data.X_train) == 400 and len(data.X_val) == 1000


def test_budget_detector_f1_reports_a_crash_in_fit_detector():
    def broken(X_train, X_val, seed):
        raise NotImplementedError()

    with pytest.raises(GradingError, match="not implemented"):
        grading.budget_detector_f1(broken, detect_distance, seed=1)
