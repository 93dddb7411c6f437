"""PCADetector: scikit-learn conventions, agreement with a hand-made PCA, threshold, saving."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from aelab import PCADetector, load_detector
from aelab.data import make_factory


@parametrize_with_checks([PCADetector(n_components=2, random_state=0)])
def test_pca_detector_passes_sklearn_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    return make_factory(n_train=1000, n_val=300, n_test=1000, seed=11)


def test_pca_detector_error_matches_numpy_projection(data):
    # Independent computation: standardise, take the top-3 right singular vectors, project.
    det = PCADetector(n_components=3, validation_fraction=0.0).fit(data.X_train)
    mean, std = data.X_train.mean(0), data.X_train.std(0)
    Z = (data.X_train - mean) / std
    _, _, vt = np.linalg.svd(Z - Z.mean(0), full_matrices=False)
    V = vt[:3].T
    Zt = (data.X_test - mean) / std
    recon = (Zt - Z.mean(0)) @ V @ V.T + Z.mean(0)
    expected = ((Zt - recon) ** 2).mean(axis=1)
    np.testing.assert_allclose(det.anomaly_score(data.X_test), expected, rtol=1e-8)


def test_pca_detector_sign_conventions(data):
    det = PCADetector(random_state=0).fit(data.X_train)
    scores = det.score_samples(data.X_test)
    np.testing.assert_allclose(scores, -det.anomaly_score(data.X_test))
    np.testing.assert_allclose(det.decision_function(data.X_test), scores - det.offset_)
    pred = det.predict(data.X_test)
    assert set(np.unique(pred)) <= {-1, 1}
    np.testing.assert_array_equal(pred == -1, det.anomaly_score(data.X_test) > det.threshold_)


def test_pca_detector_finds_the_anomalies(data):
    det = PCADetector(n_components=3, random_state=0).fit(data.X_train)
    flagged = det.predict(data.X_test) == -1
    recall = flagged[data.y_test == 1].mean()
    false_alarms = flagged[data.y_test == 0].mean()
    assert recall > 0.6
    assert false_alarms < 0.03


def test_pca_detector_threshold_from_held_out_rows(data):
    det = PCADetector(random_state=0, false_alarm_rate=0.05).fit(data.X_train)
    det.set_threshold(data.X_val)
    flagged = det.anomaly_score(data.X_val) > det.threshold_
    assert flagged.mean() == pytest.approx(0.05, abs=0.005)
    det.set_threshold(data.X_val, quantile=0.5)
    assert det.threshold_ == pytest.approx(np.median(det.anomaly_score(data.X_val)))


def test_pca_detector_scaler_matters_for_sensors_in_different_units(data):
    scaled = PCADetector(random_state=0).fit(data.X_train)
    raw = PCADetector(random_state=0, scale=False).fit(data.X_train)
    f = [(d.predict(data.X_test) == -1)[data.y_test == 1].mean() for d in (scaled, raw)]
    assert f[0] > f[1] + 0.2


def test_pca_detector_save_and_load_round_trip(tmp_path, data):
    det = PCADetector(random_state=0).fit(data.X_train)
    loaded = load_detector(det.save(tmp_path / "pca.pkl"))
    np.testing.assert_array_equal(loaded.anomaly_score(data.X_test), det.anomaly_score(data.X_test))
    assert loaded.threshold_ == det.threshold_


def test_load_detector_rejects_other_pickles(tmp_path):
    import pickle

    path = tmp_path / "other.pkl"
    path.write_bytes(pickle.dumps({"not": "a detector"}))
    with pytest.raises(ValueError, match="not an aelab detector"):
        load_detector(path)


def test_pca_detector_unfitted_raises():
    with pytest.raises(NotFittedError):
        PCADetector().anomaly_score(np.zeros((3, 4)))


def test_pca_detector_rejects_nan(data):
    X = data.X_train.copy()
    X[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PCADetector().fit(X)


def test_pca_detector_rejects_wrong_feature_count(data):
    det = PCADetector().fit(data.X_train)
    with pytest.raises(ValueError, match="features"):
        det.anomaly_score(data.X_test[:, :5])


def test_pca_detector_rejects_one_dimensional_input():
    with pytest.raises(ValueError, match="2D"):
        PCADetector().fit(np.arange(10.0))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n_components": 0}, "n_components"),
        ({"false_alarm_rate": 0.7}, "false_alarm_rate"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
    ],
)
def test_pca_detector_rejects_bad_parameters(params, match, data):
    with pytest.raises(ValueError, match=match):
        PCADetector(**params).fit(data.X_train)


def test_pca_detector_set_threshold_rejects_bad_quantile(data):
    det = PCADetector().fit(data.X_train)
    with pytest.raises(ValueError, match="quantile"):
        det.set_threshold(data.X_val, quantile=1.5)


def test_pca_detector_failed_fit_leaves_it_unfitted(data):
    det = PCADetector(n_components=0)
    with pytest.raises(ValueError, match="n_components"):
        det.fit(data.X_train)
    with pytest.raises(NotFittedError):
        det.anomaly_score(data.X_test)
