"""Synthetic factory sensor data: correlated sensors, and anomalies that break the correlations.

A production line is driven by a few latent operating factors (load, line speed, ambient
conditions). Each of the 20 sensors reads a mix of those factors, in its own physical unit,
plus measurement noise. Normal operation therefore produces readings that move together;
the anomalies here keep every reading inside a plausible range but break that agreement:

``stuck``
    one sensor freezes at a reading it gave earlier;
``offset``
    one sensor drifts off its peers by one to two and a half of its standard deviations;
``spike``
    one channel jumps by three to five of its standard deviations for a single reading;
``swap``
    two sensors of the same type are wired the wrong way round;
``wild``
    the classic textbook anomaly: every sensor reads an independent plausible value.

Every function takes a ``seed`` and uses its own :class:`numpy.random.Generator`; nothing here
touches global random state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ANOMALY_KINDS", "SENSOR_TYPES", "FactoryData", "make_factory"]

ANOMALY_KINDS = ("stuck", "offset", "spike", "swap", "wild")

# name, unit, typical reading, typical spread: the physical scales differ by four orders of
# magnitude, which is why every detector in this course scales its inputs first.
SENSOR_TYPES = (
    ("temperature", "degC", 65.0, 6.0),
    ("pressure", "bar", 6.0, 0.35),
    ("vibration", "mm/s", 2.2, 0.12),
    ("current", "A", 18.0, 1.5),
    ("flow", "L/min", 240.0, 25.0),
)


@dataclass(frozen=True)
class FactoryData:
    """Train / validation / test splits of factory sensor readings.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, n_sensors)
        Readings for fitting a model: normal operation only, unless ``contamination`` > 0.
    X_val : ndarray of shape (n_val, n_sensors)
        Held-out normal readings, for choosing a threshold.
    X_test : ndarray of shape (n_test, n_sensors)
        Normal and anomalous readings, shuffled.
    y_test : ndarray of shape (n_test,)
        1 for an anomaly, 0 for normal.
    kind_test : ndarray of shape (n_test,)
        ``"normal"`` or the anomaly kind of each test row.
    y_train : ndarray of shape (n_train,)
        1 for the anomalies mixed into the training data (all 0 when clean).
    sensor_names : list of str
        Names like ``"pressure_2"``.
    units : list of str
        The physical unit of each sensor.
    """

    X_train: np.ndarray
    X_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    kind_test: np.ndarray
    y_train: np.ndarray
    sensor_names: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)


def _check_positive_int(name: str, value: int, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _check_fraction(name: str, value: float, upper: float) -> None:
    if not isinstance(value, (int, float, np.floating)) or not 0.0 <= value < upper:
        raise ValueError(f"{name} must be a number in [0, {upper}), got {value!r}")


class _Line:
    """One production line: the fixed map from operating factors to sensor readings."""

    def __init__(self, rng: np.random.Generator, n_sensors: int, manifold: str, noise: float):
        self.n_sensors = n_sensors
        self.manifold = manifold
        self.noise = noise
        types = [SENSOR_TYPES[j % len(SENSOR_TYPES)] for j in range(n_sensors)]
        counts: dict[str, int] = {}
        self.names, self.units, self.type_of = [], [], []
        for name, unit, _, _ in types:
            counts[name] = counts.get(name, 0) + 1
            self.names.append(f"{name}_{counts[name]}")
            self.units.append(unit)
            self.type_of.append(name)
        # Each physical sensor sits at its own working point within its type's range.
        self.centre = np.array([c for _, _, c, _ in types]) * rng.uniform(0.9, 1.1, n_sensors)
        self.spread = np.array([s for _, _, _, s in types]) * rng.uniform(0.7, 1.4, n_sensors)
        if manifold == "linear":
            self.n_factors = 3
            self.mixing = rng.normal(size=(self.n_factors, n_sensors))
        else:
            self.n_factors = 2
            # Half a period to one period of each sine over the factor's range, so every sensor
            # bends once or twice: enough that three principal components leave a fifth to a
            # quarter of the variance unexplained, smooth enough for a small autoencoder.
            self.freq = rng.uniform(0.5, 1.0, size=(2, n_sensors))
            self.phase = rng.uniform(0, 2 * np.pi, size=(2, n_sensors))
            self.weight = rng.normal(size=(3, n_sensors))
        # Standardise the noise-free signal of every sensor on a large reference sample, so
        # that ``noise`` is the noise-to-signal ratio in every sensor.
        reference = self._signal(
            rng.uniform(-1, 1, (20_000, self.n_factors))
            if manifold == "curved"
            else rng.normal(size=(20_000, self.n_factors))
        )
        self.signal_mean = reference.mean(axis=0)
        self.signal_std = reference.std(axis=0)

    def _signal(self, z: np.ndarray) -> np.ndarray:
        if self.manifold == "linear":
            return z @ self.mixing
        u, v = z[:, :1], z[:, 1:2]
        return (
            self.weight[0] * np.sin(self.freq[0] * np.pi * u + self.phase[0])
            + self.weight[1] * np.cos(self.freq[1] * np.pi * v + self.phase[1])
            + self.weight[2] * (u * v)
        )

    def normal(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` normal readings in standard units (signal of unit spread, plus noise)."""
        if self.manifold == "curved":
            z = rng.uniform(-1, 1, (n, self.n_factors))
        else:
            z = rng.normal(size=(n, self.n_factors))
        s = (self._signal(z) - self.signal_mean) / self.signal_std
        return s + self.noise * rng.normal(size=s.shape)

    def to_units(self, s: np.ndarray) -> np.ndarray:
        return self.centre + self.spread * s

    def corrupt(self, rng: np.random.Generator, s: np.ndarray, kinds: np.ndarray) -> np.ndarray:
        """Turn normal rows ``s`` (standard units) into anomalies of the given kinds."""
        out = s.copy()
        n, d = s.shape
        for i, kind in enumerate(kinds):
            j = rng.integers(d)
            if kind == "stuck":
                # Frozen at a reading from a different moment of operation.
                out[i, j] = self.normal(rng, 1)[0, j]
            elif kind == "offset":
                out[i, j] += rng.choice([-1, 1]) * rng.uniform(1.0, 2.5)
            elif kind == "spike":
                out[i, j] += rng.choice([-1, 1]) * rng.uniform(3.0, 5.0)
            elif kind == "swap":
                same_type = [k for k in range(d) if self.type_of[k] == self.type_of[j] and k != j]
                k = rng.choice(same_type) if same_type else (j + 1) % d
                out[i, j], out[i, k] = s[i, k], s[i, j]
            else:  # wild: each sensor from its own marginal, independent of the others
                out[i] = rng.normal(size=d) * np.sqrt(1 + self.noise**2)
        return out


def make_factory(
    *,
    n_train: int = 2000,
    n_val: int = 500,
    n_test: int = 2000,
    anomaly_fraction: float = 0.1,
    contamination: float = 0.0,
    n_sensors: int = 20,
    manifold: str = "linear",
    noise: float = 0.3,
    kinds: tuple[str, ...] = ANOMALY_KINDS,
    seed: int = 0,
) -> FactoryData:
    """Generate factory sensor readings with labelled anomalies.

    Parameters
    ----------
    n_train, n_val, n_test : int
        Rows in each split. Validation rows are always normal.
    anomaly_fraction : float
        Fraction of test rows that are anomalies, in [0, 0.5).
    contamination : float
        Fraction of training rows that are (unlabelled, for the model) anomalies, in [0, 0.5).
    n_sensors : int
        Number of sensors, at least 5.
    manifold : {"linear", "curved"}
        ``"linear"``: three Gaussian operating factors mixed linearly, which PCA captures.
        ``"curved"``: two bounded factors through sines, cosines and a product, a curved
        surface that a linear projection of the same width cannot follow (at ``noise=0.1``
        PCA needs about five components to cover what two factors produce).
    noise : float
        Measurement noise relative to each sensor's signal spread.
    kinds : tuple of str
        Anomaly kinds to draw from, a subset of :data:`ANOMALY_KINDS`, in equal shares.
    seed : int
        Seed of the generator; the same seed gives the same data and the same line.

    Returns
    -------
    FactoryData

    Examples
    --------
    >>> data = make_factory(n_train=100, n_val=50, n_test=200, seed=0)
    >>> data.X_train.shape, int(data.y_test.sum())
    ((100, 20), 20)
    """
    for name, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        _check_positive_int(name, value)
    _check_positive_int("n_sensors", n_sensors, minimum=5)
    _check_fraction("anomaly_fraction", anomaly_fraction, 0.5)
    _check_fraction("contamination", contamination, 0.5)
    if manifold not in ("linear", "curved"):
        raise ValueError(f"manifold must be 'linear' or 'curved', got {manifold!r}")
    if not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    unknown = set(kinds) - set(ANOMALY_KINDS)
    if not kinds or unknown:
        raise ValueError(f"kinds must be a non-empty subset of {ANOMALY_KINDS}, got {kinds!r}")

    rng = np.random.default_rng(seed)
    line = _Line(rng, n_sensors, manifold, float(noise))

    def split(n: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
        n_bad = int(round(fraction * n))
        s = line.normal(rng, n)
        labels = np.array(["normal"] * n, dtype=object)
        labels[:n_bad] = [kinds[i % len(kinds)] for i in range(n_bad)]
        s[:n_bad] = line.corrupt(rng, s[:n_bad], labels[:n_bad])
        order = rng.permutation(n)
        return line.to_units(s[order]), labels[order].astype(str)

    X_train, kind_train = split(n_train, contamination)
    X_val, _ = split(n_val, 0.0)
    X_test, kind_test = split(n_test, anomaly_fraction)
    return FactoryData(
        X_train=X_train,
        X_val=X_val,
        X_test=X_test,
        y_test=(kind_test != "normal").astype(int),
        kind_test=kind_test,
        y_train=(kind_train != "normal").astype(int),
        sensor_names=list(line.names),
        units=list(line.units),
    )
