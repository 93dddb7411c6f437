"""aelab.metrics: confusion counts by hand, agreement with scikit-learn, recall per kind."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

from aelab.metrics import detection_report, f1_at


def test_detection_report_by_hand():
    r = detection_report([0, 0, 0, 1, 1], [0.1, 0.2, 0.6, 0.7, 0.3], threshold=0.5)
    assert (r.tp, r.fp, r.tn, r.fn) == (1, 1, 2, 1)
    assert r.precision == 0.5 and r.recall == 0.5 and r.f1 == 0.5
    assert r.false_alarm_rate == pytest.approx(1 / 3)


def test_detection_report_agrees_with_sklearn():
    rng = np.random.default_rng(0)
    y = (rng.random(500) < 0.1).astype(int)
    s = rng.normal(size=500) + 2 * y
    r = detection_report(y, s, threshold=1.0)
    flags = s > 1.0
    assert r.precision == pytest.approx(precision_score(y, flags))
    assert r.recall == pytest.approx(recall_score(y, flags))
    assert r.f1 == pytest.approx(f1_score(y, flags))
    assert r.auprc == pytest.approx(average_precision_score(y, s))


def test_detection_report_recall_by_kind():
    kinds = ["normal", "spike", "spike", "stuck", "stuck"]
    r = detection_report([0, 1, 1, 1, 1], [0.0, 9.0, 9.0, 9.0, 0.0], 1.0, kinds)
    assert r.recall_by_kind == {"spike": 1.0, "stuck": 0.5}
    assert "stuck 0.50" in str(r)


def test_detection_report_one_class_gives_nan_ranking_scores():
    r = detection_report([0, 0, 0], [0.1, 0.2, 0.3], threshold=0.25)
    assert np.isnan(r.auprc) and np.isnan(r.roc_auc)
    assert r.fp == 1 and r.f1 == 0.0


def test_f1_at_matches_sklearn():
    y = np.array([0, 1, 1, 0, 1])
    flags = np.array([True, True, False, False, True])
    assert f1_at(y, flags) == pytest.approx(f1_score(y, flags))


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([0, 1], [0.1, 0.2, 0.3], 0.5), "y_true must have shape"),
        (([0, 2], [0.1, 0.2], 0.5), "0 \\(normal\\) and 1"),
        (([0, 1], [0.1, np.nan], 0.5), "NaN"),
        (([0, 1], [0.1, 0.2], np.nan), "threshold"),
    ],
)
def test_detection_report_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        detection_report(*args)


def test_f1_at_rejects_non_boolean_flags():
    with pytest.raises(ValueError, match="boolean"):
        f1_at([0, 1], [0.2, 0.9])
