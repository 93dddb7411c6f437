"""What the notebooks' test cells call: grader-held data, measurements, and feedback that teaches.

A test cell measures something about the student's code (a value, a rate, an F1 score on data
the notebook never showed) and passes the :class:`Measurement` to :func:`require`, which prints
one line on success and otherwise raises an ``AssertionError`` whose message says what was
measured, what was expected and the likeliest cause. The same measurement functions run in
``aelab calibrate``, so a target is checked against exactly what the grader computes. The
generic checks (:func:`require`, :func:`check_close`, ...) live in ``aelab._checks`` and are
re-exported here; this module holds the grader's data and the measurements of each assignment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ._checks import (
    GradingError,
    Measurement,
    call_student,
    check_close,
    check_percentile_threshold,
    check_raises,
    require,
)
from .data import FactoryData, make_factory
from .metrics import detection_report

__all__ = [
    "CURVED_LINE",
    "ForwardCall",
    "GradingError",
    "Measurement",
    "THRESHOLD_DATA",
    "autoencoder_f1",
    "autoencoder_measurement",
    "budget_detector_f1",
    "call_student",
    "check_close",
    "check_percentile_threshold",
    "check_raises",
    "curved_grader_data",
    "detector_false_alarms",
    "forward_calls",
    "fresh_false_alarm_rate",
    "grader_data",
    "require",
]


def grader_data(seed: int, **kwargs) -> FactoryData:
    """Factory data for grading: a larger test split than the notebooks use, from ``seed``.

    Hidden tests pass a seed the notebook never shows, so these rows are new to the student.
    """
    kwargs.setdefault("n_test", 4000)
    return make_factory(seed=seed, **kwargs)


def _as_flags(name: str, flags, n: int, rows: str = "row") -> np.ndarray:
    """A student's flags as a boolean array of length ``n``, or a GradingError saying why not."""
    flags = np.asarray(flags)
    if flags.shape != (n,):
        raise GradingError(f"{name}: expected one flag per {rows}, shape ({n},), got {flags.shape}")
    if flags.dtype != bool:
        if flags.dtype.kind not in "biuf" or not np.isin(flags, [0, 1]).all():
            raise GradingError(f"{name}: flags must be True/False, got values like {flags[:3]}")
        flags = flags.astype(bool)
    return flags


def flags_measurement(name: str, data: FactoryData, flags, budget: float = 0.01) -> Measurement:
    """F1 of a student's boolean ``flags`` on ``data.X_test``, with diagnostics and hints."""
    flags = _as_flags(name, flags, len(data.y_test), rows="test row")
    report = detection_report(data.y_test, flags.astype(float), 0.5, data.kind_test)
    far = report.false_alarm_rate
    kinds = ", ".join(f"{k} {v:.0%}" for k, v in report.recall_by_kind.items())
    details = [
        f"precision {report.precision:.3f}, recall {report.recall:.3f}",
        f"false alarms: {far:.1%} of normal rows (budget about {budget:.0%})",
        f"anomalies caught by kind: {kinds}",
    ]
    hints = []
    if far > 0.5:
        hints.append(
            f"your detector flags {far:.0%} of normal rows: does detect flag the rows whose "
            "error is *above* the threshold, and is the threshold in the high tail of the "
            "validation errors?"
        )
    elif far > 3 * budget:
        hints.append(
            f"your detector flags {far:.0%} of normal rows: the threshold is too low. Was it "
            "taken on training errors, or on the wrong tail of the percentile?"
        )
    if far < budget / 5 and report.recall < 0.5:
        hints.append("almost nothing is flagged: is the threshold on the right scale of errors?")
    if report.recall_by_kind.get("spike", 1.0) < 0.8 and far <= 3 * budget:
        hints.append(
            "a jump of three to five standard deviations on one sensor (a spike) usually goes "
            f"unnoticed here (caught {report.recall_by_kind['spike']:.0%}): were the sensors "
            "scaled, with a StandardScaler fitted on the training rows, before the model?"
        )
    hints.append("compare your pipeline with the self-check above step by step")
    return Measurement(name, report.f1, details, hints)


def detector_f1(
    fit_detector: Callable, detect: Callable, *, seed: int, **data_kwargs
) -> Measurement:
    """F1 of a student's ``fit_detector(X_train, X_val)`` + ``detect(model, X)`` on grader data.

    The detector is fitted on the grader's training rows, its threshold set on the grader's
    validation rows, and it flags the grader's test rows, none of which the notebook showed.
    """
    data = grader_data(seed, **data_kwargs)
    _, flags = _fit_and_flag(fit_detector, detect, data)
    return flags_measurement("F1 on grader-held test data", data, flags)


def _fit_and_flag(
    fit_detector: Callable, detect: Callable, data: FactoryData, **fit_kwargs
) -> tuple[object, object]:
    """The student's detector fitted on ``data``'s training and validation rows, and its
    flags on ``data``'s test rows."""
    detector = call_student(
        fit_detector, data.X_train, data.X_val, **fit_kwargs, what="fit_detector"
    )
    return detector, call_student(detect, detector, data.X_test, what="detect")


# ---------------------------------------------------------------------------------------------
# Assignment 02 (dense autoencoders): the curved line, forward passes watched, and the F1 of an
# autoencoder detector whose training the seed sets as well as the data.

#: The factory line of assignment 02: two operating factors bent through sines, at low noise,
#: where PCA with three components falls clearly short of an autoencoder with a 3-unit code.
CURVED_LINE = {"manifold": "curved", "noise": 0.1}


def curved_grader_data(seed: int, **kwargs) -> FactoryData:
    """Grader data from the curved line of assignment 02 (see :func:`grader_data`)."""
    return grader_data(seed, **(CURVED_LINE | kwargs))


@dataclass(frozen=True)
class ForwardCall:
    """One forward pass of a watched torch module.

    Attributes
    ----------
    training : bool
        Whether the module was in training mode (dropout active).
    grad_enabled : bool
        Whether autograd was recording (False inside ``torch.no_grad()``).
    inputs : ndarray or None
        A copy of the first positional input, or None when it was not a tensor.
    """

    training: bool
    grad_enabled: bool
    inputs: np.ndarray | None


@contextmanager
def forward_calls(module) -> Iterator[list[ForwardCall]]:
    """Record every forward pass of the torch ``module`` while the block runs.

    Examples
    --------
    >>> import torch
    >>> layer = torch.nn.Linear(2, 2)
    >>> with forward_calls(layer) as calls, torch.no_grad():
    ...     _ = layer(torch.zeros(3, 2))
    >>> calls[0].training, calls[0].grad_enabled, calls[0].inputs.shape
    (True, False, (3, 2))
    """
    import torch  # here, not at the top: assignments without torch should not pay its import

    calls: list[ForwardCall] = []

    def hook(mod, args, output):
        x = args[0] if args else None
        copy = x.detach().cpu().numpy().copy() if isinstance(x, torch.Tensor) else None
        calls.append(ForwardCall(mod.training, torch.is_grad_enabled(), copy))

    handle = module.register_forward_hook(hook)
    try:
        yield calls
    finally:
        handle.remove()


def _training_hints(detector) -> list[str]:
    """Likely causes of a miss that the detector's own training losses point at."""
    losses = detector.get("losses") if isinstance(detector, dict) else None
    try:
        losses = np.asarray(losses, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return []
    if losses.size == 0:
        return []
    if not np.all(np.isfinite(losses)):
        return ["the training loss became NaN or infinite: is the learning rate too high?"]
    if losses[-1] > 0.5 * losses[0]:
        what = "rose" if losses[-1] > losses[0] else "hardly fell"
        return [
            f"the training loss {what} (first epoch {losses[0]:.3g}, last {losses[-1]:.3g}): "
            "does the loop call optimizer.zero_grad() before every loss.backward(), and "
            "optimizer.step() after it?"
        ]
    return []


def _linearity_hints(detector, n_features: int) -> list[str]:
    """A hint when the detector's network is linear: it then learns no more than PCA."""
    model = detector.get("model") if isinstance(detector, dict) else None
    try:
        import torch

        was_training = model.training
        model.eval()
        with torch.no_grad():
            g = torch.Generator().manual_seed(0)
            a, b = torch.randn(2, 64, n_features, generator=g)
            zero = torch.zeros(1, n_features)
            gap = model(a + b) + model(zero) - model(a) - model(b)
            spread = model(a).std()
        model.train(was_training)
        linear = bool(torch.all(gap.abs() <= 1e-4 * (1.0 + spread)))
    except Exception:  # not a torch model, or one we cannot call: no hint
        return []
    if not linear:
        return []
    return [
        "your network is linear (is there an activation between its layers?): a linear "
        "autoencoder learns the same flat subspace as PCA, which cannot follow this curved line"
    ]


def autoencoder_measurement(name: str, data: FactoryData, detector, flags) -> Measurement:
    """F1 of an autoencoder detector's ``flags`` on ``data.X_test`` (see :func:`flags_measurement`).

    The likeliest causes of a miss come first from the detector itself: its training losses
    (``detector["losses"]``: a loss that does not fall) and its network (``detector["model"]``:
    a network with no activation, which learns no more than PCA).
    """
    measurement = flags_measurement(name, data, flags)
    hints = _training_hints(detector) or _linearity_hints(detector, data.X_train.shape[1])
    measurement.hints[:0] = hints
    return measurement


def autoencoder_f1(fit_detector: Callable, detect: Callable, *, seed: int) -> Measurement:
    """F1 of ``fit_detector(X_train, X_val, seed=seed)`` + ``detect(detector, X)`` on grader data.

    The data come from the curved line (:data:`CURVED_LINE`) drawn with ``seed``, and the same
    seed goes to the student's training, so a calibration over seeds covers both the data and
    the training randomness (initial weights, shuffling).
    """
    data = curved_grader_data(seed)
    detector, flags = _fit_and_flag(fit_detector, detect, data, seed=seed)
    name = "F1 on grader-held test data (curved line)"
    return autoencoder_measurement(name, data, detector, flags)


# --- assignment 03 ---
# Threshold selection: the false alarms a student's threshold raises on fresh normal rows, and
# the F1 of the detector it belongs to. Both train the student's detector on grader data drawn
# with the seed and pass the same seed to its training, so a calibration over seeds covers the
# data and the training randomness.

#: The line of assignment 03: a new line with few training rows, where a threshold taken on
#: the training errors comes out far too low, and a validation log of 1,000 normal rows.
THRESHOLD_DATA = {"n_train": 400, "n_val": 1000}


def _flagged_share(detect: Callable, detector, X) -> float:
    """Share of the rows ``X`` that the student's ``detect`` flags; NaN if it fails on them."""
    try:
        return float(_as_flags("detect", detect(detector, X), len(X)).mean())
    except Exception:  # a diagnostic only: the measurement itself has already succeeded
        return float("nan")


def detector_false_alarms(
    name: str,
    detector,
    detect: Callable,
    X_normal,
    X_val,
    X_train,
    *,
    budget: float = 0.01,
) -> Measurement:
    """Share of the normal rows ``X_normal`` that ``detect(detector, X)`` flags, with diagnostics.

    ``X_val`` and ``X_train`` are the rows the threshold should and should not have come from:
    the shares flagged there tell a threshold taken on training errors from one on the wrong tail.
    """
    flags = _as_flags(
        "detect", call_student(detect, detector, X_normal, what="detect"), len(X_normal)
    )
    rate = float(flags.mean())
    on_val = _flagged_share(detect, detector, X_val)
    on_train = _flagged_share(detect, detector, X_train)
    details = [
        f"{int(flags.sum())} of {flags.size} fresh normal rows flagged ({rate:.2%}); "
        f"the budget is {budget:.0%}",
        f"flagged on the validation rows the threshold should come from: {on_val:.2%}",
        f"flagged on the training rows: {on_train:.2%}",
    ]
    hints = []
    if rate > 0.5:
        hints.append(
            "most normal rows are flagged: does detect flag errors *above* the threshold "
            "(error > threshold), and does the threshold sit in the high tail of the errors?"
        )
    elif on_val > 2 * budget and on_train <= 2 * budget:
        hints.append(
            f"your threshold flags {on_val:.1%} of the validation rows but only {on_train:.1%} "
            "of the training rows: it was taken on the training errors, which the model "
            "reconstructs better than new rows. Take it on the validation errors."
        )
    elif rate > budget:
        hints.append(
            "the threshold is too low for the budget: take it with threshold_for_budget on the "
            "errors of X_val, with max_false_alarm_rate as given"
        )
    hints.append("compare fit_detector and detect with the self-check above, step by step")
    return Measurement(name, rate, details, hints)


def fresh_false_alarm_rate(
    fit_detector: Callable, detect: Callable, *, seed: int, budget: float = 0.01
) -> Measurement:
    """Share of 10,000 fresh normal rows flagged by the student's detector.

    ``fit_detector(X_train, X_val, seed=seed)`` is trained on the grader's training rows with
    its threshold taken on the grader's validation rows; ``detect(detector, X)`` then flags
    10,000 normal rows drawn afresh from the same line, none of which either step saw. A
    threshold that keeps the budget on the validation rows keeps it here up to sampling noise.
    """
    data = grader_data(seed, **THRESHOLD_DATA, n_test=10_000, anomaly_fraction=0.0)
    detector = call_student(fit_detector, data.X_train, data.X_val, seed=seed, what="fit_detector")
    return detector_false_alarms(
        "false alarms on 10,000 fresh normal rows of grader data",
        detector,
        detect,
        data.X_test,
        data.X_val,
        data.X_train,
        budget=budget,
    )


def budget_detector_f1(fit_detector: Callable, detect: Callable, *, seed: int) -> Measurement:
    """F1 on grader data of ``fit_detector(X_train, X_val, seed=seed)`` + ``detect``.

    The data are the line of :data:`THRESHOLD_DATA` drawn with ``seed`` (4,000 test rows, 10 %
    anomalies); the same seed goes to the student's training.
    """
    data = grader_data(seed, **THRESHOLD_DATA)
    _, flags = _fit_and_flag(fit_detector, detect, data, seed=seed)
    return flags_measurement("F1 on grader-held test data", data, flags)
