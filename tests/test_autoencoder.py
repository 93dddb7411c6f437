"""AutoencoderDetector: scikit-learn conventions, agreement with PCA, seeding, threads, saving."""

import copy

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

import aelab._autoencoder as ae_module
from aelab import AutoencoderDetector, PCADetector, ReconstructionDetector, _training, load_detector
from aelab._autoencoder import DenseAutoencoder
from aelab._training import FlatAdam, squared_error_step
from aelab.data import make_factory

TINY = {"hidden_sizes": (4, 2), "epochs": 2}


@parametrize_with_checks([AutoencoderDetector(**TINY, random_state=0)])
def test_autoencoder_detector_passes_sklearn_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    return make_factory(n_train=2000, n_val=1000, n_test=1000, seed=3)


@pytest.fixture(scope="module")
def fitted(data):
    return AutoencoderDetector(epochs=5, random_state=0).fit(data.X_train)


def test_dense_autoencoder_layers_mirror_down_to_a_linear_bottleneck():
    net = DenseAutoencoder(20, (14, 7))
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (20, 14), (14, 7), (7, 14), (14, 20),
    ]  # fmt: skip
    assert [type(m).__name__ for m in net.encoder] == ["Linear", "ReLU", "Linear"]
    assert [type(m).__name__ for m in net.decoder] == ["Linear", "ReLU", "Linear"]
    assert net(torch.zeros(3, 20)).shape == (3, 20)
    with_dropout = DenseAutoencoder(20, (14, 7), dropout=0.5)
    assert sum(isinstance(m, torch.nn.Dropout) for m in with_dropout.modules()) == 2


def test_flat_adam_matches_torch_adam():
    # Independent implementation: torch.optim.Adam on a copy of the same network.
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(64, 6, generator=gen)
    ours = DenseAutoencoder(6, (4, 2))
    theirs = copy.deepcopy(ours)
    flat = FlatAdam(ours.parameters(), lr=1e-2, weight_decay=1e-3)
    adam = torch.optim.Adam(theirs.parameters(), lr=1e-2, weight_decay=1e-3)
    for _ in range(20):
        torch.nn.functional.mse_loss(ours(X), X).backward()
        flat.step()
        adam.zero_grad()
        torch.nn.functional.mse_loss(theirs(X), X).backward()
        adam.step()
    flat.release()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)
        assert p.grad is None and p.untyped_storage().nbytes() == p.numel() * 4


@pytest.mark.parametrize("dropout", [0.0, 0.4])
def test_hand_written_backward_matches_autograd(dropout, monkeypatch):
    # Independent facts: torch's autograd on the same network, batch and dropout masks.
    masks = []
    draw = _training.dropout_mask
    monkeypatch.setattr(_training, "dropout_mask", lambda *a: masks.append(draw(*a)) or masks[-1])
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(37, 9, generator=gen)
    net = DenseAutoencoder(9, (7, 5, 3), dropout=dropout)
    for p in net.parameters():
        p.grad = torch.full_like(p, 99.0)  # written, not added to
    sse = squared_error_step([*net.encoder, *net.decoder], x, x.numel(), gen)
    ours = [p.grad.clone() for p in net.parameters()]

    replay = iter(masks)

    def apply(layers, a):
        for layer in layers:
            a = a * next(replay) if isinstance(layer, torch.nn.Dropout) else layer(a)
        return a

    net.zero_grad()
    out = apply(net.decoder, apply(net.encoder, x))
    loss = torch.nn.functional.mse_loss(out, x)
    loss.backward()
    assert len(masks) == (4 if dropout else 0)
    torch.testing.assert_close(sse / x.numel(), loss.detach())
    for mine, theirs in zip(ours, (p.grad for p in net.parameters())):
        torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-7)


def test_dropout_mask_zeroes_about_p_and_keeps_the_mean():
    mask = _training.dropout_mask(torch.ones(200, 100), 0.3, torch.Generator().manual_seed(0))
    assert mask.unique().tolist() == pytest.approx([0.0, 1 / 0.7])
    assert (mask == 0).float().mean().item() == pytest.approx(0.3, abs=0.01)
    assert mask.mean().item() == pytest.approx(1.0, abs=0.02)


def test_hand_written_backward_rejects_other_layers():
    net = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Tanh())
    with pytest.raises(TypeError, match="Tanh"):
        squared_error_step(list(net), torch.zeros(2, 3), 6, torch.Generator())


def _held_out_error_ratio(data, hidden_sizes, k, epochs):
    ae = AutoencoderDetector(hidden_sizes, epochs=epochs, validation_fraction=0.0, random_state=0)
    pca = PCADetector(k, validation_fraction=0.0)
    ae.fit(data.X_train)
    pca.fit(data.X_train)
    return ae.anomaly_score(data.X_val).mean() / pca.anomaly_score(data.X_val).mean()


def test_autoencoder_linear_network_matches_pca():
    # One hidden width means no activation at all: the best such network reconstructs
    # through the top principal subspace, so its error is PCA's (the data has 3 factors).
    data = make_factory(n_train=2000, n_val=1000, manifold="linear", seed=3)
    assert _held_out_error_ratio(data, (3,), 3, epochs=30) == pytest.approx(1.0, abs=0.01)


def test_autoencoder_relu_network_roughly_matches_pca_on_linear_data():
    data = make_factory(n_train=2000, n_val=1000, manifold="linear", seed=3)
    assert _held_out_error_ratio(data, (14, 3), 3, epochs=60) == pytest.approx(1.0, abs=0.05)


def test_autoencoder_loss_curve_falls(fitted):
    assert len(fitted.loss_curve_) == 5
    assert fitted.loss_curve_[-1] < 0.5 * fitted.loss_curve_[0]


def test_autoencoder_finds_the_anomalies(data):
    det = AutoencoderDetector(epochs=30, random_state=0).fit(data.X_train)
    flagged = det.predict(data.X_test) == -1
    assert flagged[data.y_test == 1].mean() > 0.6
    assert flagged[data.y_test == 0].mean() < 0.03


def test_autoencoder_sign_conventions_and_float64(fitted, data):
    scores = fitted.score_samples(data.X_test)
    assert scores.dtype == np.float64
    assert fitted.decision_function(data.X_test).dtype == np.float64
    np.testing.assert_array_equal(scores, -fitted.anomaly_score(data.X_test))
    np.testing.assert_array_equal(fitted.decision_function(data.X_test), scores - fitted.offset_)
    pred = fitted.predict(data.X_test)
    np.testing.assert_array_equal(pred == -1, fitted.anomaly_score(data.X_test) > fitted.threshold_)
    recon = fitted.reconstruct(data.X_test)
    assert recon.shape == data.X_test.shape and recon.dtype == np.float64


@pytest.mark.parametrize("scale", [True, False])
def test_autoencoder_fast_scoring_equals_the_base_path(scale, data):
    # anomaly_score scales chunk by chunk; the base scales the whole array with scaler_.
    det = AutoencoderDetector(**TINY, scale=scale, random_state=0).fit(data.X_train)
    X = np.asfortranarray(data.X_test)
    expected = ReconstructionDetector.anomaly_score(det, X)
    np.testing.assert_array_equal(det.anomaly_score(X), expected)
    errors = ((det.scaler_.transform(X) - det.scaler_.transform(det.reconstruct(X))) ** 2).mean(1)
    np.testing.assert_allclose(det.anomaly_score(X), errors, rtol=1e-4)


def test_autoencoder_scores_do_not_depend_on_chunking(fitted, data, monkeypatch):
    whole = fitted.anomaly_score(data.X_test)
    monkeypatch.setattr(ae_module, "_SCORING_CHUNK", 7)
    np.testing.assert_allclose(fitted.anomaly_score(data.X_test), whole, rtol=1e-6)


def test_autoencoder_fit_leaves_global_rngs_untouched(data):
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()
    AutoencoderDetector(**TINY, dropout=0.2, random_state=0).fit(data.X_train)
    AutoencoderDetector(**TINY, random_state=None).fit(data.X_train)
    assert torch.equal(torch.get_rng_state(), torch_state)
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1])


def test_autoencoder_same_seed_same_scores_other_seed_other_scores(data):
    def scores(seed, **params):
        det = AutoencoderDetector(**TINY, random_state=seed, **params).fit(data.X_train)
        return det.anomaly_score(data.X_test)

    np.testing.assert_array_equal(scores(1), scores(1))
    np.testing.assert_array_equal(scores(1, dropout=0.3), scores(1, dropout=0.3))
    assert not np.allclose(scores(1), scores(2))


def test_autoencoder_restores_the_thread_count(data, monkeypatch):
    seen = []
    forward, step = DenseAutoencoder.forward, ae_module.squared_error_step

    def spy(self, x):
        seen.append(("score", torch.get_num_threads()))
        return forward(self, x)

    def step_spy(*args):
        seen.append(("train", torch.get_num_threads()))
        return step(*args)

    monkeypatch.setattr(DenseAutoencoder, "forward", spy)
    monkeypatch.setattr(ae_module, "squared_error_step", step_spy)
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        det = AutoencoderDetector(**TINY, n_threads=1).fit(data.X_train)
        det.score_samples(data.X_test)
        assert torch.get_num_threads() == 2
        assert set(seen) == {("train", 1), ("score", 1)}

        def broken(*args):
            raise RuntimeError("boom")

        monkeypatch.setattr(ae_module, "squared_error_step", broken)
        with pytest.raises(RuntimeError, match="boom"):
            AutoencoderDetector(**TINY, n_threads=1).fit(data.X_train)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)


def test_autoencoder_model_is_in_eval_mode_after_fit(data):
    det = AutoencoderDetector(**TINY, dropout=0.5, random_state=0).fit(data.X_train)
    assert not any(m.training for m in det.model_.modules())
    # Dropout is off when scoring: the same rows give the same scores every time.
    np.testing.assert_array_equal(det.anomaly_score(data.X_test), det.anomaly_score(data.X_test))


def test_autoencoder_trains_on_every_row_including_a_short_last_batch(monkeypatch):
    batches = []
    step = ae_module.squared_error_step
    monkeypatch.setattr(
        ae_module,
        "squared_error_step",
        lambda layers, x, *a: batches.append(x) or step(layers, x, *a),
    )
    X = np.random.default_rng(0).normal(size=(10, 3))
    det = AutoencoderDetector((2,), epochs=2, batch_size=4, validation_fraction=0.0).fit(X)
    assert [len(b) for b in batches] == [4, 4, 2, 4, 4, 2]
    scaled = det.scaler_.transform(X).astype(np.float32)
    for epoch in (batches[:3], batches[3:]):  # every row once per epoch, in a fresh order
        seen = torch.cat(epoch).numpy()
        np.testing.assert_array_equal(np.sort(seen[:, 0]), np.sort(scaled[:, 0]))
    assert not torch.equal(torch.cat(batches[:3]), torch.cat(batches[3:]))
    assert len(det.loss_curve_) == 2


def test_autoencoder_fits_two_rows():
    det = AutoencoderDetector(epochs=3, random_state=0).fit([[0.0, 1.0, 2.0], [1.0, 0.0, 4.0]])
    assert len(det.loss_curve_) == 3 and np.isfinite(det.loss_curve_).all()
    assert det.predict([[0.5, 0.5, 3.0]]).shape == (1,)


def test_autoencoder_save_and_load_round_trip(tmp_path, fitted, data):
    loaded = load_detector(fitted.save(tmp_path / "ae.pkl"))
    assert isinstance(loaded, AutoencoderDetector)
    np.testing.assert_array_equal(
        loaded.anomaly_score(data.X_test), fitted.anomaly_score(data.X_test)
    )
    assert loaded.threshold_ == fitted.threshold_
    assert loaded.loss_curve_ == fitted.loss_curve_


def test_autoencoder_silent_unless_verbose(capsys, data):
    AutoencoderDetector(**TINY).fit(data.X_train)
    assert capsys.readouterr() == ("", "")
    AutoencoderDetector(**TINY, verbose=True).fit(data.X_train)
    out, err = capsys.readouterr()
    assert out == "" and "2/2" in err


def test_autoencoder_unfitted_raises():
    with pytest.raises(NotFittedError):
        AutoencoderDetector().anomaly_score(np.zeros((3, 4)))


def test_autoencoder_rejects_nan(data):
    X = data.X_train.copy()
    X[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        AutoencoderDetector(**TINY).fit(X)


def test_autoencoder_rejects_wrong_feature_count(fitted, data):
    with pytest.raises(ValueError, match="features"):
        fitted.anomaly_score(data.X_test[:, :5])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"hidden_sizes": ()}, r"hidden_sizes must be a non-empty tuple .* got \(\)"),
        ({"hidden_sizes": (8, 0)}, r"hidden_sizes .* positive integers, got \(8, 0\)"),
        ({"hidden_sizes": 7}, "hidden_sizes .* got 7"),
        ({"hidden_sizes": (4.5,)}, "hidden_sizes"),
        ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ({"batch_size": 2.5}, "batch_size must be an integer >= 1, got 2.5"),
        ({"learning_rate": 0.0}, r"learning_rate must be a number > 0, got 0.0"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\), got 1.0"),
        ({"dropout": -0.1}, "dropout"),
        ({"weight_decay": -1.0}, "weight_decay must be a number >= 0"),
        ({"n_threads": 0}, "n_threads must be an integer >= 1 or None, got 0"),
        ({"false_alarm_rate": 0.7}, "false_alarm_rate"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
    ],
)
def test_autoencoder_rejects_bad_parameters(params, match, data):
    with pytest.raises(ValueError, match=match):
        AutoencoderDetector(**{**TINY, **params}).fit(data.X_train)
