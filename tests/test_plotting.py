"""aelab.plotting: what each figure draws, its labels, and its errors on bad input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from aelab.plotting import (
    plot_bottleneck_sweep,
    plot_error_histograms,
    plot_explained_variance,
    plot_score_distributions,
    plot_sensor_pair,
    plot_sensor_spread,
    plot_training_loss,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_score_distributions_shares_per_class_and_threshold_line():
    scores = np.array([0.1, 0.1, 0.2, 0.3, 2.0, 3.0])
    y = np.array([0, 0, 0, 0, 1, 1])
    ax = plot_score_distributions(scores, y, threshold=1.0, log=False, bins=3)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["normal (4 rows)", "anomaly (2 rows)", "threshold 1"]
    # One filled step outline per class: (x0, 0), (x0, h0), (x1, h0), (x1, h1), ...
    normal, anomaly = (p.get_xy()[1:7:2, 1] for p in ax.patches)
    assert list(normal) == pytest.approx([1.0, 0.0, 0.0])
    assert list(anomaly) == pytest.approx([0.0, 0.5, 0.5])
    assert ax.lines[0].get_xdata()[0] == 1.0
    assert ax.get_xlabel() == "reconstruction error"


def test_score_distributions_log_axis_and_shape_check():
    ax = plot_score_distributions([0.01, 0.1, 1.0], [0, 0, 1])
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="y must have shape"):
        plot_score_distributions([0.1, 0.2], [0, 1, 1])


def test_explained_variance_bars_and_cumulative_line():
    ax = plot_explained_variance([0.5, 0.3, 0.2])
    assert [p.get_height() for p in ax.patches] == pytest.approx([0.5, 0.3, 0.2])
    assert list(ax.lines[0].get_ydata()) == pytest.approx([0.5, 0.8, 1.0])


def test_sensor_pair_and_spread_label_their_axes():
    X = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 35.0]])
    ax = plot_sensor_pair(X, np.array([0, 0, 1]), 0, 1, ["temperature_1", "flow_1"])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("temperature_1", "flow_1")
    ax = plot_sensor_spread(X, ["temperature_1", "flow_1"], ["degC", "L/min"])
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "temperature_1 [degC]",
        "flow_1 [L/min]",
    ]
    assert ax.get_yscale() == "log"


def test_training_loss_one_point_per_epoch_on_a_log_axis():
    ax = plot_training_loss([0.9, 0.3, 0.1, 0.05])
    x, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(x, [1, 2, 3, 4])
    np.testing.assert_array_equal(y, [0.9, 0.3, 0.1, 0.05])
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel()


def test_training_loss_draws_the_reference_level_with_its_label():
    ax = plot_training_loss([0.9, 0.1], label="AE", floor=0.25, floor_label="PCA")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["AE", "PCA (0.25)"]
    assert ax.lines[1].get_ydata()[0] == 0.25


def test_training_loss_draws_into_given_axes():
    _, ax = plt.subplots()
    assert plot_training_loss([1.0, 0.5], ax=ax) is ax


def test_training_loss_rejects_bad_input():
    with pytest.raises(ValueError, match="positive"):
        plot_training_loss([0.5, 0.0])
    with pytest.raises(ValueError, match="NaN"):
        plot_training_loss([0.5, float("nan")])
    with pytest.raises(ValueError, match="1-D"):
        plot_training_loss([[0.5, 0.1]])


def test_error_histograms_label_sets_and_thresholds():
    rng = np.random.default_rng(0)
    ax = plot_error_histograms(
        {"training rows": rng.gamma(2, 0.03, 400), "validation rows": rng.gamma(2, 0.04, 1000)},
        {"99th pct": 0.2},
    )
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["training rows (400 rows)", "validation rows (1000 rows)", "99th pct: 0.2"]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel()


def test_error_histograms_heights_are_shares_of_each_set():
    ax = plot_error_histograms({"a": [1.0, 1.0, 1.5, 3.0]}, log=False, bins=2)
    # the filled patch of the first set: two bins holding 3 and 1 of 4 rows
    heights = sorted({round(y, 6) for y in ax.patches[0].get_xy()[:, 1]})
    assert heights == [0.0, 0.25, 0.75]


def test_error_histograms_reject_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        plot_error_histograms({})
    with pytest.raises(ValueError, match="colours"):
        plot_error_histograms({"a": [1.0], "b": [2.0]}, colours=["red"])
    with pytest.raises(ValueError, match="NaN"):
        plot_error_histograms({"a": [1.0, np.nan]})


def test_bottleneck_sweep_draws_auprc_and_error_on_a_log_twin():
    ax = plot_bottleneck_sweep([1, 3, 20], [0.2, 0.8, 0.7], [0.6, 0.08, 0.02], n_features=20)
    assert list(ax.lines[0].get_ydata()) == [0.2, 0.8, 0.7]
    twins = [a for a in ax.figure.axes if a is not ax]
    assert len(twins) == 1 and twins[0].get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "AUPRC on test rows",
        "as wide as the 20 inputs",
        "mean error on validation rows",
    ]


def test_bottleneck_sweep_rejects_mismatched_or_non_positive_values():
    with pytest.raises(ValueError, match="one value per width"):
        plot_bottleneck_sweep([1, 2], [0.5])
    with pytest.raises(ValueError, match="positive"):
        plot_bottleneck_sweep([1, 2], [0.5, 0.6], [0.1, 0.0])
