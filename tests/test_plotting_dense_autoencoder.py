"""aelab.plotting for assignment 02: the training loss curve."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from aelab.plotting import plot_training_loss  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


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
