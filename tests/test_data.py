"""aelab.data: shapes, labels, determinism, and anomalies that break correlations."""

import numpy as np
import pytest

from aelab.data import ANOMALY_KINDS, make_factory


def test_make_factory_shapes_and_labels():
    data = make_factory(n_train=300, n_val=100, n_test=500, anomaly_fraction=0.2, seed=1)
    assert data.X_train.shape == (300, 20)
    assert data.X_val.shape == (100, 20)
    assert data.X_test.shape == (500, 20)
    assert data.y_test.sum() == 100
    assert set(data.kind_test[data.y_test == 1]) == set(ANOMALY_KINDS)
    assert (data.kind_test[data.y_test == 0] == "normal").all()
    assert data.y_train.sum() == 0
    assert len(data.sensor_names) == len(data.units) == 20


def test_make_factory_same_seed_same_data_other_seed_other_data():
    a, b, c = make_factory(seed=3), make_factory(seed=3), make_factory(seed=4)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.allclose(a.X_train[:10], c.X_train[:10])


def test_make_factory_leaves_global_random_state_alone():
    np.random.seed(0)
    expected = np.random.random()
    np.random.seed(0)
    make_factory(seed=5)
    assert np.random.random() == expected


def test_make_factory_normal_rows_lie_near_three_dimensional_subspace():
    # Three operating factors drive the linear line: after scaling, three principal
    # components explain nearly all variance (noise 0.3 -> about 1 / 1.09 of it).
    data = make_factory(n_train=5000, seed=0)
    Z = (data.X_train - data.X_train.mean(0)) / data.X_train.std(0)
    eig = np.sort(np.linalg.eigvalsh(np.cov(Z, rowvar=False)))[::-1]
    share = eig[:3].sum() / eig.sum()
    assert 0.88 < share < 0.95


def test_make_factory_anomalies_stay_in_plausible_range():
    # Single-sensor faults are subtle: no reading of a stuck, offset or swapped row lies more
    # than five training standard deviations from the training mean.
    data = make_factory(n_test=4000, seed=2)
    mean, std = data.X_train.mean(0), data.X_train.std(0)
    subtle = np.isin(data.kind_test, ["stuck", "offset", "swap"])
    assert np.abs((data.X_test[subtle] - mean) / std).max() < 5


def test_make_factory_contamination_puts_labelled_anomalies_in_training_rows():
    data = make_factory(n_train=1000, contamination=0.05, seed=0)
    assert data.y_train.sum() == 50


def test_make_factory_curved_manifold_is_not_flat():
    # On the curved line, three principal components leave a clearly larger share of variance
    # unexplained than on the linear one.
    def unexplained(manifold):
        X = make_factory(n_train=4000, manifold=manifold, noise=0.05, seed=0).X_train
        Z = (X - X.mean(0)) / X.std(0)
        eig = np.sort(np.linalg.eigvalsh(np.cov(Z, rowvar=False)))[::-1]
        return 1 - eig[:3].sum() / eig.sum()

    assert unexplained("curved") > 5 * unexplained("linear")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_train": 0}, "n_train"),
        ({"n_test": 2.5}, "n_test"),
        ({"anomaly_fraction": 0.7}, "anomaly_fraction"),
        ({"contamination": -0.1}, "contamination"),
        ({"n_sensors": 3}, "n_sensors"),
        ({"manifold": "twisted"}, "manifold"),
        ({"noise": -1.0}, "noise"),
        ({"kinds": ("stuck", "melted")}, "kinds"),
    ],
)
def test_make_factory_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_factory(**kwargs)
