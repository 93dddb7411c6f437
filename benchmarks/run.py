"""Speed and quality of aelab's AutoencoderDetector beside PyOD's AutoEncoder.

Prints one figure a line, ``name: value unit``, after one ``#`` header line. The data is the
factory data of the course (10,000 training rows x 20 sensors, scaled), the network
20-14-7-14-20, 50 epochs, one torch thread. Times are wall-clock medians of a few runs, after
a warm-up fit; ``*_val_mse`` is the mean squared reconstruction error on 2,000 held-out normal
rows in scaled units (PCA with 7 components, the bottleneck width, for reference). Inference is
``anomaly_score`` on raw rows (input checks, scaling, network, errors), and the network alone.
PyOD is run with its own defaults apart from the architecture, epochs and batch size.

Run it with ``make bench`` (or ``python benchmarks/run.py``); it takes about two minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from aelab import AutoencoderDetector
from aelab._autoencoder import _SCORING_CHUNK as SCORING_CHUNK
from aelab.data import make_factory

BATCH = 256  # the detector's default batch size, compared against 64
EPOCHS = 50
N_SCORE = 1_000_000


def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def figure(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.4g} {unit}", flush=True)


def first_optimizer_seconds() -> float:
    """Seconds to create the first torch.optim optimizer in a fresh process."""
    code = (
        "import time, torch; p = [torch.zeros(1, requires_grad=True)]; t = time.perf_counter();"
        " torch.optim.Adam(p); print(time.perf_counter() - t)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return float(result.stdout)


def aelab_figures(Z, Z_val, Z_big) -> dict[str, float]:
    out = {}
    for batch in (64, BATCH):
        det = AutoencoderDetector(
            (14, 7), epochs=EPOCHS, batch_size=batch, validation_fraction=0.0, random_state=0
        )
        det.fit(Z[:500])  # warm-up
        out[f"train_10k_50ep_seconds_batch{batch}"] = median_seconds(
            lambda det=det: det.fit(Z), 3 if batch < BATCH else 5
        )
        out[f"ae_val_mse_batch{batch}"] = float(det.anomaly_score(Z_val).mean())
    det.anomaly_score(Z_big[:1000])
    out["inference_rows_per_second"] = len(Z_big) / median_seconds(
        lambda: det.anomaly_score(Z_big), 5
    )
    # The network alone, on rows already scaled and in float32 (no checks, no errors).
    rows = torch.from_numpy(Z_big.astype(np.float32))

    def forward_only():
        with torch.inference_mode():
            for start in range(0, len(rows), SCORING_CHUNK):
                det.model_(rows[start : start + SCORING_CHUNK])

    out["inference_network_only_rows_per_second"] = len(rows) / median_seconds(forward_only, 5)
    return out


def pyod_figures(Z, Z_val, Z_big) -> dict[str, float]:
    from pyod.models.auto_encoder import AutoEncoder

    def make(batch: int) -> AutoEncoder:
        return AutoEncoder(
            hidden_neuron_list=[14, 7],
            epoch_num=EPOCHS,
            batch_size=batch,
            batch_norm=False,
            dropout_rate=0,
            verbose=0,
        )

    def val_mse(model) -> float:
        # PyOD scores a row by the Euclidean distance to its reconstruction, on its own
        # standardisation of the input (here already scaled, so nearly the identity).
        return float(np.mean(model.decision_function(Z_val) ** 2) / Z.shape[1])

    out = {}
    make(BATCH).fit(Z[:500])  # warm-up: the first optimizer imports torch._dynamo
    for batch, repeats in ((64, 1), (BATCH, 2)):
        model = make(batch)
        out[f"pyod_train_10k_50ep_seconds_batch{batch}"] = median_seconds(
            lambda model=model: model.fit(Z), repeats
        )
        out[f"pyod_val_mse_batch{batch}"] = val_mse(model)
    model.decision_function(Z_big[:1000])
    out["pyod_inference_rows_per_second"] = len(Z_big) / median_seconds(
        lambda: model.decision_function(Z_big), 1
    )
    return out


def main() -> None:
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", module="pyod")
    data = make_factory(n_train=10_000, n_val=2_000, n_sensors=20, seed=0)
    scaler = StandardScaler().fit(data.X_train)
    Z, Z_val = scaler.transform(data.X_train), scaler.transform(data.X_val)
    Z_big = np.tile(Z_val, (N_SCORE // len(Z_val), 1))
    print(
        f"# torch {torch.__version__}, 1 thread, {os.cpu_count()} cores; data {Z.shape[0]} x "
        f"{Z.shape[1]}, network 20-14-7-14-20, {EPOCHS} epochs; scoring {len(Z_big)} rows; "
        f"load average {os.getloadavg()[0]:.2f} at start (other work on the machine slows it)",
        flush=True,
    )
    ours = aelab_figures(Z, Z_val, Z_big)
    theirs = pyod_figures(Z, Z_val, Z_big)
    pca = PCA(7).fit(Z)
    pca_mse = float(np.mean((pca.inverse_transform(pca.transform(Z_val)) - Z_val) ** 2))
    for name, value in {**ours, **theirs}.items():
        figure(name, value, "rows/s" if "rows" in name else "mse" if "mse" in name else "s")
    figure("pca7_val_mse", pca_mse, "mse")
    for batch in (64, BATCH):
        key = f"train_10k_50ep_seconds_batch{batch}"
        figure(f"train_speedup_vs_pyod_batch{batch}", theirs[f"pyod_{key}"] / ours[key], "x")
    figure(
        "inference_speedup_vs_pyod",
        ours["inference_rows_per_second"] / theirs["pyod_inference_rows_per_second"],
        "x",
    )
    figure("torch_optim_first_use_seconds", first_optimizer_seconds(), "s")


if __name__ == "__main__":
    main()
