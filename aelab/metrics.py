"""Detection quality under class imbalance: a report at a threshold, and recall per anomaly kind.

With 10 % anomalies, a detector that flags nothing is 90 % accurate; accuracy is therefore not
reported. Precision, recall and F1 describe the flags at one threshold; AUPRC (average
precision) and ROC-AUC describe the ranking of the scores over all thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from .thresholds import as_scores

__all__ = ["DetectionReport", "detection_report", "f1_at"]


@dataclass(frozen=True)
class DetectionReport:
    """Precision, recall, F1, AUPRC, ROC-AUC and confusion counts of one detector on one split."""

    precision: float
    recall: float
    f1: float
    auprc: float
    roc_auc: float
    threshold: float
    tp: int
    fp: int
    tn: int
    fn: int
    recall_by_kind: dict[str, float] = field(default_factory=dict)

    @property
    def false_alarm_rate(self) -> float:
        """Share of normal rows flagged."""
        return self.fp / max(self.fp + self.tn, 1)

    def __str__(self) -> str:
        lines = [
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"AUPRC {self.auprc:.3f}  ROC-AUC {self.roc_auc:.3f}",
            f"threshold {self.threshold:.4g}: {self.tp} anomalies caught, {self.fn} missed, "
            f"{self.fp} false alarms ({self.false_alarm_rate:.1%} of normal rows)",
        ]
        if self.recall_by_kind:
            kinds = ", ".join(f"{k} {v:.2f}" for k, v in self.recall_by_kind.items())
            lines.append(f"recall by kind: {kinds}")
        return "\n".join(lines)


def _labels(y_true, n: int) -> np.ndarray:
    y = np.asarray(y_true)
    if y.shape != (n,):
        raise ValueError(f"y_true must have shape ({n},) like the scores, got {y.shape}")
    if not np.isin(y, [0, 1]).all():
        raise ValueError("y_true must hold 0 (normal) and 1 (anomaly) only")
    return y.astype(int)


def f1_at(y_true, flags) -> float:
    """F1 of boolean ``flags`` (True = flagged) against labels ``y_true`` (1 = anomaly)."""
    flags = np.asarray(flags)
    if flags.dtype != bool:
        raise ValueError(f"flags must be a boolean array, got dtype {flags.dtype}")
    y = _labels(y_true, flags.shape[0]) if flags.ndim == 1 else None
    if y is None:
        raise ValueError(f"flags must be 1-D, got shape {flags.shape}")
    tp = int(np.sum(flags & (y == 1)))
    denominator = int(flags.sum()) + int(y.sum())
    return 2 * tp / denominator if denominator else 0.0


def detection_report(y_true, scores, threshold: float, kinds=None) -> DetectionReport:
    """Report how anomaly ``scores`` (higher = more anomalous) flag rows at ``threshold``.

    A row is flagged when its score is strictly above the threshold.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        1 for anomalies, 0 for normal rows.
    scores : array-like of shape (n,)
        Anomaly scores, such as reconstruction errors.
    threshold : float
    kinds : array-like of shape (n,), optional
        Anomaly kind of each row (``"normal"`` for normal rows); adds recall per kind.

    Examples
    --------
    >>> r = detection_report([0, 0, 1, 1], [0.1, 0.5, 0.4, 0.9], threshold=0.45)
    >>> (r.tp, r.fp, r.fn, round(r.f1, 2))
    (1, 1, 1, 0.5)
    """
    s = as_scores(scores)
    y = _labels(y_true, s.shape[0])
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    flags = s > threshold
    tp = int(np.sum(flags & (y == 1)))
    fp = int(np.sum(flags & (y == 0)))
    fn = int(np.sum(~flags & (y == 1)))
    tn = int(np.sum(~flags & (y == 0)))
    both = 0 < y.sum() < y.size
    by_kind: dict[str, float] = {}
    if kinds is not None:
        kinds = np.asarray(kinds).astype(str)
        if kinds.shape != s.shape:
            raise ValueError(f"kinds must have shape {s.shape} like the scores, got {kinds.shape}")
        for kind in sorted(set(kinds[y == 1])):
            by_kind[kind] = float(flags[kinds == kind].mean())
    return DetectionReport(
        precision=tp / (tp + fp) if tp + fp else 0.0,
        recall=tp / (tp + fn) if tp + fn else 0.0,
        f1=f1_at(y, flags),
        auprc=float(average_precision_score(y, s)) if both else float("nan"),
        roc_auc=float(roc_auc_score(y, s)) if both else float("nan"),
        threshold=float(threshold),
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
        recall_by_kind=by_kind,
    )
