"""Base of every reconstruction detector: scaling, threshold, sign convention, saving."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["ReconstructionDetector", "load_detector"]


class ReconstructionDetector(OutlierMixin, BaseEstimator):
    """Score rows by how badly a model of normal data reconstructs them.

    Subclasses implement ``_fit_model(Z)`` and ``_reconstruct_scaled(Z)`` on scaled
    data ``Z``. This class owns the scaler, the validation split that sets the threshold, and the
    scikit-learn conventions: ``score_samples`` is higher for more normal rows,
    ``decision_function = score_samples - offset_`` and ``predict`` returns -1 for anomalies.

    The threshold is never taken on the rows the model was fitted on: ``fit`` holds out
    ``validation_fraction`` of the rows, fits on the rest, and sets the threshold at the
    ``1 - false_alarm_rate`` quantile of the held-out errors. (The parameter is deliberately not
    called ``contamination``: the training rows are assumed normal, and the threshold is a
    false-alarm budget on normal data, not a share of outliers in the training set.)
    ``set_threshold`` moves it to a quantile of errors on any other normal data.
    """

    def _check_params(self) -> None:
        """Raise a ValueError for a bad parameter; subclasses extend it (call super first)."""
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ValueError(
                f"validation_fraction must be in [0, 1), got {self.validation_fraction!r}"
            )
        if not 0.0 < self.false_alarm_rate < 0.5:
            raise ValueError(f"false_alarm_rate must be in (0, 0.5), got {self.false_alarm_rate!r}")

    def _split(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        order = np.random.default_rng(self.random_state).permutation(n)
        n_val = int(round(self.validation_fraction * n))
        if n_val == 0 or n - n_val < 2:
            return order, order  # too few rows to hold any out: fit and threshold on all
        return order[n_val:], order[:n_val]

    def fit(self, X, y=None):
        """Fit the scaler and the model on normal rows ``X``, and set the threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Normal operating data. ``y`` is ignored.

        Returns
        -------
        self
        """
        # Parameters first: a fit that fails on them must leave the detector unfitted.
        self._check_params()
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        fit_rows, val_rows = self._split(len(X))
        self.scaler_ = StandardScaler(with_mean=self.scale, with_std=self.scale)
        Z = self.scaler_.fit_transform(X[fit_rows])
        self._fit_model(Z)
        errors = self._errors_scaled(self.scaler_.transform(X[val_rows]))
        self.offset_ = -float(np.quantile(errors, 1.0 - self.false_alarm_rate))
        return self

    def set_threshold(self, X, *, quantile: float | None = None):
        """Put the threshold at a quantile of the errors on held-out normal rows ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Normal rows the model was not fitted on.
        quantile : float, optional
            Quantile in (0, 1); defaults to ``1 - false_alarm_rate``.

        Returns
        -------
        self
        """
        q = 1.0 - self.false_alarm_rate if quantile is None else quantile
        if not 0.0 < q < 1.0:
            raise ValueError(f"quantile must be in (0, 1), got {quantile!r}")
        self.offset_ = -float(np.quantile(self.anomaly_score(X), q))
        return self

    @property
    def threshold_(self) -> float:
        """The reconstruction error above which a row is flagged (``-offset_``)."""
        check_is_fitted(self)
        return -self.offset_

    def _errors_scaled(self, Z: np.ndarray) -> np.ndarray:
        return np.mean((Z - self._reconstruct_scaled(Z)) ** 2, axis=1, dtype=np.float64)

    def _check(self, X) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float64, reset=False)

    def reconstruct(self, X) -> np.ndarray:
        """Reconstruction of ``X``, in the units of ``X``."""
        X = self._check(X)
        return self.scaler_.inverse_transform(self._reconstruct_scaled(self.scaler_.transform(X)))

    def anomaly_score(self, X) -> np.ndarray:
        """Mean squared reconstruction error per row, on the scaled features (higher = worse)."""
        X = self._check(X)
        return self._errors_scaled(self.scaler_.transform(X))

    def score_samples(self, X) -> np.ndarray:
        """Opposite of the reconstruction error: higher means more normal."""
        return -self.anomaly_score(X)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples(X) - offset_``: negative for rows flagged as anomalies."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """-1 for anomalies (error above the threshold), +1 for normal rows."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    def save(self, path) -> Path:
        """Write the detector, with its scaler and threshold, to ``path``; returns the path."""
        check_is_fitted(self)
        path = Path(path)
        with path.open("wb") as f:
            pickle.dump(self, f)
        return path


def load_detector(path) -> ReconstructionDetector:
    """Read a detector written by :meth:`ReconstructionDetector.save`.

    Only load files you wrote yourself: like every pickle, the file can run code when read.
    """
    with Path(path).open("rb") as f:
        detector = pickle.load(f)
    if not isinstance(detector, ReconstructionDetector):
        raise ValueError(f"{path} holds a {type(detector).__name__}, not an aelab detector")
    return detector
