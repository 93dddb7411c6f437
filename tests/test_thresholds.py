"""aelab.thresholds against hand-computed values and numpy."""

import numpy as np
import pytest

from aelab.thresholds import mad_threshold, mean_std_threshold, percentile_threshold


def test_percentile_threshold_matches_numpy():
    x = np.random.default_rng(0).exponential(size=999)
    for q in (50, 90, 99, 100):
        assert percentile_threshold(x, q) == np.percentile(x, q)


def test_percentile_threshold_by_hand():
    assert percentile_threshold([1, 2, 3, 4, 5], 50) == 3.0
    assert percentile_threshold([1, 2, 3, 4, 5], 75) == 4.0


def test_mean_std_threshold_by_hand():
    # mean 2, population std 1: 2 + 3 * 1
    assert mean_std_threshold([1.0, 3.0], k=3) == 5.0


def test_mad_threshold_by_hand_and_robust_to_one_huge_score():
    # median 3, absolute deviations [2, 1, 0, 1, 997] -> MAD 1
    assert mad_threshold([1, 2, 3, 4, 1000], k=2) == pytest.approx(3 + 2 * 1.4826)
    assert mean_std_threshold([1, 2, 3, 4, 1000], k=2) > 500


def test_mad_threshold_estimates_gaussian_spread():
    x = np.random.default_rng(1).normal(10, 2, size=200_000)
    assert mad_threshold(x, k=1) == pytest.approx(12.0, abs=0.03)


@pytest.mark.parametrize("func", [percentile_threshold, mean_std_threshold, mad_threshold])
@pytest.mark.parametrize(
    ("scores", "match"),
    [([], "empty"), ([1.0, np.nan], "NaN"), ([[1.0, 2.0]], "1-D"), (["a", "b"], "numeric")],
)
def test_thresholds_reject_bad_scores(func, scores, match):
    with pytest.raises(ValueError, match=match):
        func(scores)


@pytest.mark.parametrize("q", [0, -5, 101, True])
def test_percentile_threshold_rejects_bad_q(q):
    with pytest.raises(ValueError, match="q must be"):
        percentile_threshold([1.0, 2.0], q)


@pytest.mark.parametrize("func", [mean_std_threshold, mad_threshold])
def test_k_thresholds_reject_negative_k(func):
    with pytest.raises(ValueError, match="k must be"):
        func([1.0, 2.0], k=-1)
