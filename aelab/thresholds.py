"""Thresholds on anomaly scores, each taken on scores of held-out *normal* data.

Never take a threshold on the errors of the rows a model was trained on: a model reconstructs
its own training rows better than new ones, so the threshold comes out too low and fresh
normal data raises false alarms.
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_scores", "mad_threshold", "mean_std_threshold", "percentile_threshold"]

# Scale that turns a median absolute deviation into a standard deviation for Gaussian data.
MAD_TO_STD = 1.4826


def as_scores(scores, name: str = "scores") -> np.ndarray:
    """Check that ``scores`` is a non-empty 1-D array of finite numbers and return it as floats."""
    arr = np.asarray(scores)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one score per row), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains {np.sum(~np.isfinite(arr))} NaN or infinite values")
    return arr


def _check_k(k: float) -> float:
    if isinstance(k, bool) or not isinstance(k, (int, float, np.integer, np.floating)) or k < 0:
        raise ValueError(f"k must be a number >= 0, got {k!r}")
    return float(k)


def percentile_threshold(scores, q: float = 99.0) -> float:
    """The ``q``-th percentile of ``scores``: about ``100 - q`` % of normal rows lie above it.

    Examples
    --------
    >>> percentile_threshold([1.0, 2.0, 3.0, 4.0, 5.0], q=50)
    3.0
    """
    arr = as_scores(scores)
    if (
        isinstance(q, bool)
        or not isinstance(q, (int, float, np.integer, np.floating))
        or not (0 < q <= 100)
    ):
        raise ValueError(f"q must be a percentile in (0, 100], got {q!r}")
    return float(np.percentile(arr, q))


def mean_std_threshold(scores, k: float = 3.0) -> float:
    """``mean + k * std`` of ``scores`` (population standard deviation).

    Examples
    --------
    >>> mean_std_threshold([1.0, 3.0], k=2)
    4.0
    """
    arr = as_scores(scores)
    return float(arr.mean() + _check_k(k) * arr.std())


def mad_threshold(scores, k: float = 3.0) -> float:
    """``median + k * 1.4826 * MAD``: a mean + k*std rule that a few huge scores cannot move.

    The median absolute deviation (MAD) times 1.4826 estimates the standard deviation of
    Gaussian data, so ``k`` reads as in :func:`mean_std_threshold`.

    Examples
    --------
    >>> round(mad_threshold([1.0, 2.0, 3.0, 4.0, 100.0], k=1), 4)
    4.4826
    """
    arr = as_scores(scores)
    median = np.median(arr)
    mad = np.median(np.abs(arr - median))
    return float(median + _check_k(k) * MAD_TO_STD * mad)
