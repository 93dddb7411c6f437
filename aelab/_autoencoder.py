"""Dense autoencoder reconstruction-error detector (PyTorch)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ._base import ReconstructionDetector
from ._training import FlatAdam, squared_error_step, torch_threads

__all__ = ["AutoencoderDetector", "DenseAutoencoder"]

# Rows per forward pass when scoring: large enough that per-call overhead vanishes, small
# enough that a chunk stays in cache (measured fastest between 16k and 64k rows).
_SCORING_CHUNK = 16_384


class DenseAutoencoder(nn.Module):
    """Dense autoencoder: ReLU layers down to a linear bottleneck, mirrored back up.

    ``hidden_sizes=(14, 7)`` on 20 features gives 20-14-7-14-20. With a single entry the
    network is linear, and spans the same subspace as PCA with that many components.
    """

    def __init__(
        self, n_features: int, hidden_sizes: Sequence[int] = (14, 7), dropout: float = 0.0
    ):
        super().__init__()
        widths = [n_features, *hidden_sizes]
        self.encoder = nn.Sequential(*_dense_layers(widths, dropout))
        self.decoder = nn.Sequential(*_dense_layers(widths[::-1], dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def _dense_layers(widths: list[int], dropout: float) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(widths) - 2:  # the bottleneck and the output stay linear
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return layers


def _is_int(value, minimum: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= minimum


class AutoencoderDetector(ReconstructionDetector):
    """Flag rows that a dense autoencoder, trained on normal data, reconstructs badly.

    Parameters
    ----------
    hidden_sizes : tuple of int, default=(14, 7)
        Widths of the encoder layers; the last is the bottleneck, and the decoder mirrors them.
    epochs : int, default=50
        Passes over the training rows.
    batch_size : int, default=256
        Rows per gradient step; the last batch of an epoch may be smaller, never dropped.
        256 trains about four times faster than 64 on 10,000 rows, to the same held-out error;
        512 and more lose accuracy at 50 epochs (measured on the factory data).
    learning_rate : float, default=1e-2
        Adam's step size. At batch 256 and 1e-3, the default network's held-out error after
        50 epochs on the factory data is about 20 % higher than at 1e-2.
    dropout : float, default=0.0
        Dropout after every hidden ReLU layer during training, in [0, 1).
    weight_decay : float, default=0.0
        L2 penalty added to the gradients (as in ``torch.optim.Adam``).
    scale : bool, default=True
        Standardise each feature on the training data first.
    false_alarm_rate : float, default=0.01
        Share of held-out normal rows left above the threshold.
    validation_fraction : float, default=0.2
        Share of the rows held out of training to set the threshold on.
    random_state : int or None, default=None
        Seed of the hold-out split, the initial weights, the shuffling and the dropout. The
        global random generators of torch and numpy are left untouched.
    n_threads : int or None, default=1
        torch threads while fitting and scoring (restored afterwards); None keeps torch's
        setting. One thread is fastest for small batches on few cores.
    verbose : bool, default=False
        Show a progress bar over the epochs (on stderr).

    Attributes
    ----------
    model_ : DenseAutoencoder
        The trained network, in eval mode.
    loss_curve_ : list of float
        Mean training loss (MSE on scaled features) of each epoch.
    scaler_ : StandardScaler
    offset_ : float
        Minus the threshold on the reconstruction error.
    n_features_in_ : int

    Examples
    --------
    >>> from aelab.data import make_factory
    >>> data = make_factory(seed=0)
    >>> detector = AutoencoderDetector(epochs=20, random_state=0).fit(data.X_train)
    >>> flags = detector.predict(data.X_test) == -1
    >>> len(detector.loss_curve_)
    20
    """

    def __init__(
        self,
        hidden_sizes: tuple[int, ...] = (14, 7),
        *,
        epochs: int = 50,
        batch_size: int = 256,
        learning_rate: float = 1e-2,
        dropout: float = 0.0,
        weight_decay: float = 0.0,
        scale: bool = True,
        false_alarm_rate: float = 0.01,
        validation_fraction: float = 0.2,
        random_state: int | None = None,
        n_threads: int | None = 1,
        verbose: bool = False,
    ):
        self.hidden_sizes = hidden_sizes
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.scale = scale
        self.false_alarm_rate = false_alarm_rate
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.n_threads = n_threads
        self.verbose = verbose

    def _check_params(self) -> None:
        super()._check_params()
        sizes = self.hidden_sizes
        valid = isinstance(sizes, (tuple, list)) and sizes and all(_is_int(h, 1) for h in sizes)
        if not valid:
            raise ValueError(
                f"hidden_sizes must be a non-empty tuple of positive integers, got {sizes!r}"
            )
        for name in ("epochs", "batch_size"):
            if not _is_int(getattr(self, name), 1):
                raise ValueError(f"{name} must be an integer >= 1, got {getattr(self, name)!r}")
        if self.n_threads is not None and not _is_int(self.n_threads, 1):
            raise ValueError(f"n_threads must be an integer >= 1 or None, got {self.n_threads!r}")
        checks = (
            ("learning_rate", self.learning_rate, lambda v: v > 0, "a number > 0"),
            ("dropout", self.dropout, lambda v: 0 <= v < 1, "a number in [0, 1)"),
            ("weight_decay", self.weight_decay, lambda v: v >= 0, "a number >= 0"),
        )
        for name, value, ok, wanted in checks:
            number = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
            if not number or not math.isfinite(value) or not ok(value):
                raise ValueError(f"{name} must be {wanted}, got {value!r}")

    def _fit_model(self, Z: np.ndarray) -> None:
        seed = int(np.random.default_rng(self.random_state).integers(2**63))
        X = torch.from_numpy(Z.astype(np.float32))
        n, batch_size = len(X), self.batch_size
        # Shuffles and dropout masks come from this generator; the initial weights from torch's
        # global one, seeded inside a fork so that its state outside is left as it was.
        generator = torch.Generator().manual_seed(seed)
        losses = []
        with torch_threads(self.n_threads):
            with torch.random.fork_rng(devices=[]):
                torch.default_generator.manual_seed(seed)
                model = DenseAutoencoder(X.shape[1], tuple(self.hidden_sizes), self.dropout)
            layers = [*model.encoder, *model.decoder]
            optimizer = FlatAdam(model.parameters(), self.learning_rate, self.weight_decay)
            bar = tqdm(range(self.epochs), desc="training", unit="epoch", disable=not self.verbose)
            for _ in bar:
                shuffled = X[torch.randperm(n, generator=generator)]
                total = torch.zeros(())
                for start in range(0, n, batch_size):
                    batch = shuffled[start : start + batch_size]
                    total.add_(squared_error_step(layers, batch, batch.numel(), generator))
                    optimizer.step()
                losses.append(total.item() / X.numel())
                bar.set_postfix(loss=f"{losses[-1]:.4f}", refresh=False)
            optimizer.release()
        self.model_, self.loss_curve_ = model.eval(), losses

    def _forward_chunks(self, Z: np.ndarray, *, errors: bool, scaler=None) -> np.ndarray:
        """Reconstructions of scaled rows ``Z``, or their mean squared errors, in float64.

        With ``scaler``, ``Z`` is in raw units and is scaled chunk by chunk: the same float64
        arithmetic as ``scaler.transform``, without a scaled copy of the whole array.
        """
        mean = None if scaler is None or scaler.mean_ is None else torch.from_numpy(scaler.mean_)
        std = None if scaler is None or scaler.scale_ is None else torch.from_numpy(scaler.scale_)
        out = np.empty(len(Z) if errors else Z.shape, dtype=np.float64)
        # Row means as a product with a vector of 1/n: faster than .mean(dim=1) on few columns.
        row_mean = torch.full((Z.shape[1],), 1.0 / Z.shape[1])
        with torch_threads(self.n_threads), torch.inference_mode():
            for start in range(0, len(Z), _SCORING_CHUNK):
                rows = slice(start, start + _SCORING_CHUNK)
                batch = torch.tensor(Z[rows])  # a copy: Z may be read-only
                if mean is not None:
                    batch.sub_(mean)
                if std is not None:
                    batch.div_(std)
                batch = batch.float()
                result = self.model_(batch)
                if errors:
                    result = torch.mv(result.sub_(batch).square_(), row_mean)
                out[rows] = result.numpy()
        return out

    def _reconstruct_scaled(self, Z: np.ndarray) -> np.ndarray:
        return self._forward_chunks(Z, errors=False)

    def _errors_scaled(self, Z: np.ndarray) -> np.ndarray:
        # Computed in float32 through the network, returned as float64.
        return self._forward_chunks(Z, errors=True)

    def anomaly_score(self, X) -> np.ndarray:
        """Mean squared reconstruction error per row, on the scaled features (higher = worse)."""
        # What the base computes, with the scaling fused into the chunks: twice as fast on
        # a million rows, and the same numbers.
        return self._forward_chunks(self._check(X), errors=True, scaler=self.scaler_)
