"""Test set-up shared by every test: nothing reads or writes under ``~``.

Jupyter and IPython (and the kernels nbgrader starts, which inherit the environment) get their
config, data and runtime folders in a temporary directory; torch gets one thread and
matplotlib a non-interactive backend. This runs at start-up, before any test module imports
torch or matplotlib, so the settings reach them too.
"""

import os
import shutil
import tempfile
from pathlib import Path

_HOME = Path(tempfile.mkdtemp(prefix="aelab-tests-"))


def pytest_configure(config):
    for variable, folder in {
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_DATA_DIR": "jupyter-data",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "IPYTHONDIR": "ipython",
    }.items():
        os.environ[variable] = str(_HOME / folder)
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["MPLBACKEND"] = "Agg"


def pytest_unconfigure(config):
    shutil.rmtree(_HOME, ignore_errors=True)
