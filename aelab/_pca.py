"""PCA reconstruction-error detector."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from ._base import ReconstructionDetector

__all__ = ["PCADetector"]


class PCADetector(ReconstructionDetector):
    """Flag rows that the first principal components of normal data reconstruct badly.

    Parameters
    ----------
    n_components : int, default=3
        Principal components kept. Clipped to the number of features and fitting rows.
    scale : bool, default=True
        Standardise each feature on the training data first (almost always wanted: sensors
        in different units would otherwise be weighted by their unit).
    false_alarm_rate : float, default=0.01
        Share of held-out normal rows left above the threshold.
    validation_fraction : float, default=0.2
        Share of the rows held out of fitting to set the threshold on.
    random_state : int or None, default=None
        Seed of the hold-out split.

    Attributes
    ----------
    scaler_ : StandardScaler
    pca_ : PCA
    offset_ : float
        Minus the threshold on the reconstruction error.

    Examples
    --------
    >>> from aelab.data import make_factory
    >>> data = make_factory(seed=0)
    >>> detector = PCADetector(n_components=3, random_state=0).fit(data.X_train)
    >>> flags = detector.predict(data.X_test) == -1
    """

    def __init__(
        self,
        n_components: int = 3,
        *,
        scale: bool = True,
        false_alarm_rate: float = 0.01,
        validation_fraction: float = 0.2,
        random_state: int | None = None,
    ):
        self.n_components = n_components
        self.scale = scale
        self.false_alarm_rate = false_alarm_rate
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _check_params(self) -> None:
        super()._check_params()
        if (
            isinstance(self.n_components, bool)
            or not isinstance(self.n_components, (int, np.integer))
            or self.n_components < 1
        ):
            raise ValueError(f"n_components must be an integer >= 1, got {self.n_components!r}")

    def _fit_model(self, Z: np.ndarray) -> None:
        k = min(self.n_components, Z.shape[1], Z.shape[0])
        self.pca_ = PCA(n_components=k, svd_solver="full").fit(Z)

    def _reconstruct_scaled(self, Z: np.ndarray) -> np.ndarray:
        return self.pca_.inverse_transform(self.pca_.transform(Z))
