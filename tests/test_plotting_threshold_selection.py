"""aelab.plotting for assignment 03: error histograms with thresholds, and the bottleneck sweep."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from aelab.plotting import plot_bottleneck_sweep, plot_error_histograms  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


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
