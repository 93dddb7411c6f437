"""aelab.grading for assignment 02: the curved line, watched forward passes, autoencoder F1."""

import numpy as np
import pytest
import torch

from aelab import grading
from aelab.data import make_factory
from aelab.grading import GradingError


def test_curved_grader_data_is_the_curved_line_at_low_noise():
    got = grading.curved_grader_data(seed=3, n_train=50, n_val=20, n_test=40)
    expected = make_factory(manifold="curved", noise=0.1, seed=3, n_train=50, n_val=20, n_test=40)
    np.testing.assert_array_equal(got.X_test, expected.X_test)
    np.testing.assert_array_equal(got.y_test, expected.y_test)


def test_curved_grader_data_holds_4000_test_rows_by_default():
    assert grading.curved_grader_data(seed=0, n_train=10, n_val=10).X_test.shape == (4000, 20)


def test_forward_calls_records_mode_gradients_and_inputs():
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Dropout(0.5))
    x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    with grading.forward_calls(net) as calls:
        net(x)
        net.eval()
        with torch.no_grad():
            net(x[:1])
    assert [(c.training, c.grad_enabled) for c in calls] == [(True, True), (False, False)]
    np.testing.assert_array_equal(calls[0].inputs, x.numpy())
    assert calls[1].inputs.shape == (1, 3)


def test_forward_calls_keeps_a_copy_and_stops_watching_after_the_block():
    net = torch.nn.Linear(2, 2)
    x = torch.zeros(1, 2)
    with grading.forward_calls(net) as calls:
        net(x)
    x += 5  # a later change to the tensor does not reach the record
    net(x)
    assert len(calls) == 1
    np.testing.assert_array_equal(calls[0].inputs, np.zeros((1, 2)))


def _oracle(seed):
    """A detector that knows the grader's labels: F1 must come out exactly 1."""
    truth = grading.curved_grader_data(seed)
    seen = {}

    def fit_detector(X_train, X_val, seed):
        seen.update(X_train=X_train, X_val=X_val, seed=seed)
        return {"losses": [1.0, 0.1]}

    def detect(detector, X):
        assert np.array_equal(X, truth.X_test)
        return truth.y_test == 1

    return fit_detector, detect, seen, truth


def test_autoencoder_f1_fits_on_curved_grader_rows_and_passes_the_seed():
    fit_detector, detect, seen, truth = _oracle(1005)
    m = grading.autoencoder_f1(fit_detector, detect, seed=1005)
    assert m.value == 1.0
    assert seen["seed"] == 1005
    np.testing.assert_array_equal(seen["X_train"], truth.X_train)
    np.testing.assert_array_equal(seen["X_val"], truth.X_val)


def test_autoencoder_f1_blames_the_loop_when_the_loss_does_not_fall():
    def fit_detector(X_train, X_val, seed):
        return {"losses": [1.0, 0.8, 0.9]}

    m = grading.autoencoder_f1(fit_detector, lambda d, X: np.zeros(len(X), bool), seed=1000)
    assert m.value == 0.0
    assert "zero_grad" in m.hints[0]


def test_autoencoder_measurement_says_when_the_loss_rose():
    # What the visible test of notebook 02 calls on the student's own fitted detector.
    data = grading.curved_grader_data(1000, n_train=50, n_val=50, n_test=100)
    flags = np.zeros(100, bool)
    rose = grading.autoencoder_measurement("F1", data, {"losses": [0.99, 21.7]}, flags)
    assert rose.hints[0].startswith("the training loss rose (first epoch 0.99, last 21.7)")
    fell = grading.autoencoder_measurement("F1", data, {"losses": [1.0, 0.1]}, flags)
    assert "training loss" not in fell.hints[0]


def test_autoencoder_f1_reports_a_nan_loss():
    def fit_detector(X_train, X_val, seed):
        return {"losses": [1.0, float("nan")]}

    m = grading.autoencoder_f1(fit_detector, lambda d, X: np.zeros(len(X), bool), seed=1000)
    assert "NaN" in m.hints[0]


def test_autoencoder_f1_turns_a_crash_into_feedback():
    def fit_detector(X_train, X_val, seed):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    with pytest.raises(GradingError, match="fit_detector raised RuntimeError"):
        grading.autoencoder_f1(fit_detector, lambda d, X: None, seed=1000)


def test_check_close_atol_allows_tiny_absolute_differences():
    grading.check_close("weights", [1e-7, 1.0], [0.0, 1.0], atol=1e-6)
    with pytest.raises(GradingError, match="expected 0, got 1e-07"):
        grading.check_close("weights", [1e-7, 1.0], [0.0, 1.0])


@pytest.mark.parametrize(("layers", "linear"), [((), True), ((torch.nn.SiLU(),), False)])
def test_autoencoder_f1_points_out_a_linear_network(layers, linear):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(20, 3), *layers, torch.nn.Linear(3, 20))

    def fit_detector(X_train, X_val, seed):
        return {"model": net, "losses": [1.0, 0.1]}

    m = grading.autoencoder_f1(fit_detector, lambda d, X: np.zeros(len(X), bool), seed=1000)
    assert ("your network is linear" in m.hints[0]) is linear
    assert net.training  # the hint leaves the model in the mode it found it in


def test_pca_with_three_components_misses_the_02_target_on_every_calibration_seed():
    # The point of assignment 02's curved line: at the bottleneck width, PCA falls clearly
    # short of the F1 target that the autoencoder clears (see its calibration table).
    from aelab import calibration, course
    from aelab.detectors import PCADetector
    from aelab.metrics import f1_at

    assignment = "02_dense_autoencoder"
    master = course.read_notebook(course.master_path(assignment))
    (check,) = calibration.load_checks(assignment)
    target = calibration.notebook_target(master, check)
    for seed in calibration.SEEDS:
        data = grading.curved_grader_data(seed)
        pca = PCADetector(3, validation_fraction=0.0).fit(data.X_train)
        pca.set_threshold(data.X_val, quantile=0.99)
        f1 = f1_at(data.y_test, pca.predict(data.X_test) == -1)
        assert f1 < target - 0.15, f"seed {seed}: PCA reaches F1 {f1:.3f}"
