"""Figures of the course: labelled axes, a legend, one idea each. Each returns its Axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .thresholds import as_scores

__all__ = [
    "plot_bottleneck_sweep",
    "plot_error_histograms",
    "plot_explained_variance",
    "plot_score_distributions",
    "plot_sensor_pair",
    "plot_sensor_spread",
    "plot_training_loss",
]

NORMAL_COLOUR = "#4c72b0"
ANOMALY_COLOUR = "#dd8452"


def _axes(ax: Axes | None, size=(6.4, 4.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _bin_edges(values: np.ndarray, bins: int, log: bool, ax: Axes) -> np.ndarray:
    """Histogram bin edges over ``values``: logarithmic (and a log x axis) if ``log`` allows."""
    positive = values[values > 0]
    if log and positive.size:
        ax.set_xscale("log")
        return np.geomspace(positive.min(), values.max(), bins + 1)
    return np.linspace(values.min(), values.max(), bins + 1)


def plot_score_distributions(
    scores,
    y,
    threshold: float | None = None,
    *,
    ax: Axes | None = None,
    log: bool = True,
    bins: int = 60,
    xlabel: str = "reconstruction error",
) -> Axes:
    """Histograms of the scores of normal (``y == 0``) and anomalous (``y == 1``) rows.

    Bar heights are the share of each class's rows in a bin, so the rare anomalies stay as
    visible as the normal rows; ``log`` spaces the bins logarithmically, as errors span orders
    of magnitude.
    """
    s = as_scores(scores)
    y = np.asarray(y)
    if y.shape != s.shape:
        raise ValueError(f"y must have shape {s.shape} like the scores, got {y.shape}")
    ax = _axes(ax)
    edges = _bin_edges(s, bins, log, ax)
    for label, colour, name in ((0, NORMAL_COLOUR, "normal"), (1, ANOMALY_COLOUR, "anomaly")):
        part = s[y == label]
        if part.size:
            ax.hist(
                part,
                bins=edges,
                weights=np.full(part.size, 1 / part.size),
                histtype="stepfilled",  # one polygon per class, not a patch per bin: same picture
                alpha=0.6,
                color=colour,
                label=f"{name} ({part.size} rows)",
            )
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.3g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of the class's rows")
    ax.legend()
    return ax


def plot_explained_variance(explained_variance_ratio, *, ax: Axes | None = None) -> Axes:
    """Bars of each principal component's share of variance, and the cumulative share."""
    ratio = as_scores(explained_variance_ratio, "explained_variance_ratio")
    ax = _axes(ax)
    k = np.arange(1, ratio.size + 1)
    ax.bar(k, ratio, color=NORMAL_COLOUR, label="per component")
    ax.plot(k, np.cumsum(ratio), "o-", color="black", label="cumulative")
    ax.set_xlabel("principal component")
    ax.set_ylabel("share of variance (scaled data)")
    ax.set_xticks(k)
    ax.set_ylim(0, 1.05)
    ax.legend(loc="center right")
    return ax


def plot_sensor_pair(X, y, i: int, j: int, names=None, *, ax: Axes | None = None) -> Axes:
    """Scatter of sensor ``i`` against sensor ``j``, normal rows and anomalies in two colours."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    ax = _axes(ax, size=(5.0, 4.2))
    names = names if names is not None else [f"sensor {k}" for k in range(X.shape[1])]
    ax.scatter(X[y == 0, i], X[y == 0, j], s=6, alpha=0.4, color=NORMAL_COLOUR, label="normal")
    ax.scatter(
        X[y == 1, i],
        X[y == 1, j],
        s=14,
        alpha=0.9,
        color=ANOMALY_COLOUR,
        marker="x",
        label="anomaly",
    )
    ax.set_xlabel(names[i])
    ax.set_ylabel(names[j])
    ax.legend()
    return ax


def plot_sensor_spread(X, names, units, *, ax: Axes | None = None) -> Axes:
    """Standard deviation of every sensor in its own unit, on a log axis."""
    X = np.asarray(X, dtype=float)
    ax = _axes(ax, size=(8.0, 3.6))
    std = X.std(axis=0)
    ax.bar(range(len(std)), std, color=NORMAL_COLOUR, label="standard deviation")
    ax.set_yscale("log")
    ax.set_xticks(
        range(len(std)),
        [f"{n} [{u}]" for n, u in zip(names, units)],
        rotation=70,
        ha="right",
        fontsize=8,
    )
    ax.set_ylabel("spread in the sensor's own unit")
    ax.legend()
    return ax


# Assignment 02 (dense autoencoders) -----------------------------------------------------------


def plot_training_loss(
    losses,
    *,
    label: str = "training loss",
    floor: float | None = None,
    floor_label: str = "reference level",
    ax: Axes | None = None,
) -> Axes:
    """Mean training loss per epoch, on a log axis, optionally against a reference level.

    Parameters
    ----------
    losses : array-like of shape (n_epochs,)
        One loss per epoch, as a training loop returns them.
    label : str
        Legend entry of the curve.
    floor : float, optional
        A level to draw for comparison (a horizontal dotted line), such as the error PCA
        reaches on the same rows.
    floor_label : str
        Legend entry of that level.
    ax : Axes, optional
    """
    values = as_scores(losses, "losses")
    if np.any(values <= 0):
        raise ValueError("losses must be positive to be drawn on a log axis")
    ax = _axes(ax)
    epochs = np.arange(1, values.size + 1)
    ax.plot(epochs, values, color=NORMAL_COLOUR, label=label)
    if floor is not None:
        ax.axhline(floor, color="black", linestyle=":", label=f"{floor_label} ({floor:.3g})")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error (scaled units)")
    ax.legend()
    return ax


# Assignment 03 (threshold selection) ----------------------------------------------------------

_GROUP_COLOURS = (NORMAL_COLOUR, "#55a868", "#8172b2", ANOMALY_COLOUR, "#937860")
_LINE_STYLES = (("black", "--"), ("#c44e52", ":"), ("#8c8c8c", "-."), ("black", ":"))


def plot_error_histograms(
    errors,
    thresholds=None,
    *,
    colours=None,
    ax: Axes | None = None,
    log: bool = True,
    bins: int = 50,
    xlabel: str = "reconstruction error",
) -> Axes:
    """Overlaid histograms of named sets of errors, with named thresholds as vertical lines.

    Bar heights are the share of each set's own rows in a bin, so sets of different sizes
    (400 training rows, 1,000 validation rows) compare directly. Each set is drawn as a light
    fill with a solid outline, so three overlapping sets stay readable.

    Parameters
    ----------
    errors : mapping of str to array-like
        Legend label -> errors, e.g. ``{"training rows": e_train, "validation rows": e_val}``.
    thresholds : mapping of str to float, optional
        Legend label -> threshold, each drawn as a vertical line.
    colours : sequence of str, optional
        One matplotlib colour per set of errors; by default normal blue, green, purple, then
        the anomaly orange.
    ax : Axes, optional
    log : bool, default=True
        Logarithmic bins and x axis (errors span orders of magnitude).
    bins : int, default=50
    xlabel : str
    """
    groups = {str(name): as_scores(values, f"errors[{name!r}]") for name, values in errors.items()}
    if not groups:
        raise ValueError("errors must name at least one set of errors")
    colours = list(colours) if colours is not None else list(_GROUP_COLOURS)
    if len(groups) > len(colours):
        raise ValueError(f"{len(groups)} sets of errors but only {len(colours)} colours")
    thresholds = dict(thresholds or {})
    if len(thresholds) > len(_LINE_STYLES):
        raise ValueError(f"at most {len(_LINE_STYLES)} thresholds, got {len(thresholds)}")
    every = np.concatenate(list(groups.values()))
    ax = _axes(ax)
    edges = _bin_edges(every, bins, log, ax)
    for (name, values), colour in zip(groups.items(), colours):
        weights = np.full(values.size, 1 / values.size)
        ax.hist(values, bins=edges, weights=weights, histtype="stepfilled", alpha=0.2, color=colour)
        ax.hist(
            values,
            bins=edges,
            weights=weights,
            histtype="step",
            linewidth=1.5,
            color=colour,
            label=f"{name} ({values.size} rows)",
        )
    for (name, value), (colour, style) in zip(thresholds.items(), _LINE_STYLES):
        ax.axvline(value, color=colour, linestyle=style, label=f"{name}: {value:.3g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of the set's rows")
    ax.legend(fontsize=8)
    return ax


def plot_bottleneck_sweep(
    widths,
    auprc,
    val_error=None,
    *,
    n_features: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """AUPRC of autoencoders against their bottleneck width, and their error on normal rows.

    Parameters
    ----------
    widths : array-like of int
        Bottleneck widths, one per trained network.
    auprc : array-like of float
        AUPRC of each network on labelled test rows (left axis).
    val_error : array-like of float, optional
        Mean reconstruction error of each network on held-out normal rows (right axis, log).
    n_features : int, optional
        Number of inputs, drawn as a vertical line: a bottleneck this wide can copy its input.
    ax : Axes, optional
        Axes for the AUPRC; the error gets a twin axis.
    """
    w = as_scores(widths, "widths")
    a = as_scores(auprc, "auprc")
    if a.shape != w.shape:
        raise ValueError(f"auprc must have one value per width, shape {w.shape}, got {a.shape}")
    ax = _axes(ax)
    handles = ax.plot(w, a, "o-", color=ANOMALY_COLOUR, label="AUPRC on test rows")
    ax.set_xlabel("bottleneck width (units)")
    ax.set_xticks(w)
    ax.set_ylabel("AUPRC on test rows")
    ax.set_ylim(0, 1)
    if n_features is not None:
        handles.append(
            ax.axvline(
                n_features, color="grey", linestyle=":", label=f"as wide as the {n_features} inputs"
            )
        )
    if val_error is not None:
        e = as_scores(val_error, "val_error")
        if e.shape != w.shape:
            raise ValueError(
                f"val_error must have one value per width, shape {w.shape}, got {e.shape}"
            )
        if np.any(e <= 0):
            raise ValueError("val_error must be positive to be drawn on a log axis")
        twin = ax.twinx()
        handles += twin.plot(
            w, e, "s--", color=NORMAL_COLOUR, label="mean error on validation rows"
        )
        twin.set_yscale("log")
        twin.set_ylabel("mean error on validation rows (log)")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize=8)
    return ax
