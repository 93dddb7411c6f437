"""The checks that test cells run, and the messages they give a student.

A check compares what the student's code produced with an independently computed value, or a
:class:`Measurement` with a target, and prints one ``PASS`` line or raises a
:class:`GradingError` whose message says what was measured, what was expected and the likeliest
cause. :mod:`aelab.grading` re-exports everything here; notebooks use it from there.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "GradingError",
    "Measurement",
    "call_student",
    "check_close",
    "check_percentile_threshold",
    "check_raises",
    "require",
]


class GradingError(AssertionError):
    """A check failed; the message is written for the student.

    Long lines are wrapped at 90 characters (continuations indented), so that the message reads
    without scrolling in a notebook and on the feedback page.
    """

    def __init__(self, message: str = ""):
        lines = []
        for line in str(message).splitlines() or [""]:
            indent = " " * (len(line) - len(line.lstrip()))
            lines += textwrap.wrap(
                line, 90, subsequent_indent=indent + "    ", break_on_hyphens=False
            ) or [line]
        super().__init__("\n".join(lines))


@dataclass
class Measurement:
    """One measured quantity of a submission, with the diagnostics that explain it.

    Attributes
    ----------
    name : str
        What was measured, e.g. ``"F1 on grader-held test data"``.
    value : float
        The measured value.
    details : list of str
        Extra figures measured alongside (false-alarm rate, recall per kind, ...).
    hints : list of str
        Likeliest causes of a miss, most likely first; shown only when the check fails.
    """

    name: str
    value: float
    details: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)


def require(
    measurement: Measurement,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
) -> None:
    """Check ``measurement`` against a target; print a line, or raise with teaching feedback.

    Returns nothing, so a test cell that ends with this call displays only the printed line.
    """
    value = measurement.value
    ok = np.isfinite(value)
    bounds = []
    if at_least is not None:
        ok = ok and value >= at_least
        bounds.append(f">= {at_least:g}")
    if at_most is not None:
        ok = ok and value <= at_most
        bounds.append(f"<= {at_most:g}")
    wanted = " and ".join(bounds)
    if ok:
        print(f"PASS  {measurement.name}: {value:.4g} (target {wanted})")
        return
    lines = [f"{measurement.name}: measured {value:.4g}, expected {wanted}."]
    lines += [f"  {d}" for d in measurement.details]
    if measurement.hints:
        lines.append("Likeliest cause: " + measurement.hints[0])
        lines += [f"Also check: {h}" for h in measurement.hints[1:]]
    raise GradingError("\n".join(lines))


def call_student(func: Callable, *args, what: str | None = None, **kwargs):
    """Call a student's function; turn a crash or a missing function into a clear message."""
    if not callable(func):
        raise GradingError(f"{what or 'the function'} is not defined (got {func!r})")
    name = what or getattr(func, "__name__", "your function")
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        raise GradingError(f"{name} is not implemented yet (NotImplementedError)") from None
    except Exception as exc:  # the student's bug, reported as feedback
        raise GradingError(f"{name} raised {type(exc).__name__}: {exc}") from None


def check_close(
    name: str,
    got,
    expected,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-12,
    hint: str = "",
    known: dict[str, object] | None = None,
) -> None:
    """Check that a student's array or number equals an independently computed one.

    ``rtol`` and ``atol`` are as in :func:`numpy.allclose`; raise ``atol`` for values near zero
    that come out of a different order of floating-point operations (trained weights, say).
    ``known`` maps the explanation of a known mistake to the value that mistake produces: a
    result equal to one of them (within the same tolerances) is explained by it instead of
    ``hint``.

    Examples
    --------
    >>> check_close("np.std([1, 3])", np.std([1.0, 3.0]), 1.0, known={"ddof=1": 2**0.5})
    PASS  np.std([1, 3])
    """
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise GradingError(f"{name}: expected numbers, got {type(got).__name__}") from None
    expected = np.asarray(expected, dtype=np.float64)
    if got_arr.shape != expected.shape:
        raise GradingError(
            f"{name}: expected shape {expected.shape}, got {got_arr.shape}. {hint}".strip()
        )
    if not np.allclose(got_arr, expected, rtol=rtol, atol=atol):
        where = np.argmax(np.abs(got_arr - expected)) if got_arr.ndim else 0
        g, e = got_arr.reshape(-1)[where], expected.reshape(-1)[where]
        for why, value in (known or {}).items():
            value = np.asarray(value, dtype=np.float64)
            if value.shape == got_arr.shape and np.allclose(got_arr, value, rtol=rtol, atol=atol):
                hint = why
                break
        raise GradingError(f"{name}: expected {e:.6g}, got {g:.6g}. {hint}".strip())
    print(f"PASS  {name}")


def check_percentile_threshold(
    name: str, threshold, val_errors, train_errors, *, q: float = 99.0, n_features: int
) -> None:
    """Check that a student's ``threshold`` is the ``q``-th percentile of ``val_errors``.

    ``val_errors`` and ``train_errors`` are mean squared errors per row of the student's own
    model, computed by the test on validation and training rows. On a miss, the message says
    which mistake the value matches: the percentile of the training errors, errors summed over
    the ``n_features`` sensors instead of averaged, or a threshold in the low tail.
    """
    val_errors = np.asarray(val_errors, dtype=np.float64)
    expected = float(np.percentile(val_errors, q))
    try:
        got = float(threshold)
    except (TypeError, ValueError):
        raise GradingError(f"{name}: expected a number, got {type(threshold).__name__}") from None
    if np.isclose(got, expected, rtol=1e-5, atol=0):
        print(f"PASS  {name}")
        return
    above = float(np.mean(val_errors > got))
    if np.isclose(got, np.percentile(train_errors, q), rtol=1e-5, atol=0):
        cause = (
            f"It is the {q:g}th percentile of the training errors. The model was fitted to "
            "X_train and reconstructs it better than new rows: take the percentile of the "
            "errors on X_val, the held-out normal rows."
        )
    elif np.isclose(got, n_features * expected, rtol=1e-4, atol=0):
        cause = (
            f"It is {n_features} times too large, one factor per sensor: are the squared "
            "differences summed over the sensors instead of averaged?"
        )
    elif above > 0.5:
        cause = (
            f"{above:.0%} of the validation rows lie above it, where {100 - q:g} % should: is "
            f"the percentile the high one ({q:g}, not {100 - q:g}), given as a percentage "
            f"({q:g}, not {q / 100:g})?"
        )
    else:
        cause = (
            f"{above:.1%} of the validation rows lie above it, where {100 - q:g} % should: take "
            f"the {q:g}th percentile of the errors on X_val."
        )
    raise GradingError(f"{name}: expected {expected:.6g}, got {got:.6g}. {cause}")


def check_raises(name: str, func: Callable, *args, error=ValueError) -> None:
    """Check that calling a student's ``func(*args)`` raises ``error`` (a ValueError by default)."""
    try:
        func(*args)
    except error:
        print(f"PASS  {name}")
        return
    except Exception as exc:
        raise GradingError(
            f"{name}: expected {error.__name__}, got {type(exc).__name__}: {exc}"
        ) from None
    raise GradingError(f"{name}: expected {error.__name__}, but nothing was raised")
