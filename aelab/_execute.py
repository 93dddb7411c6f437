"""Execute a master notebook the way nbgrader would, failing loudly on any error or stderr."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat

from . import course
from ._nbgrader import Log, PipelineError, kernel_env

__all__ = ["execute_master"]


def _cell_name(cell, index: int) -> str:
    gid = course.grade_id(cell)
    first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
    return f"cell {index}" + (f" ({gid})" if gid else f" ({first!r})")


def execute_master(master: Path, out: Path, *, timeout: int = 120, log: Log | None = None) -> float:
    """Execute ``master`` in its folder into ``out``, with outputs; the seconds it took.

    Raises PipelineError naming the cell if any cell raises, times out or writes to stderr
    (a test cell that writes to stderr scores 0 under nbgrader). Nothing is stripped; cell
    timings are not recorded and each cell's stdout is one output, so re-running an unchanged
    master writes the same bytes (measured on the course: figures included).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = course.read_notebook(master)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,  # stdout split by flush timing would differ between runs
        resources={"metadata": {"path": str(master.parent)}},
    )
    start = time.perf_counter()
    # The kernel process's own chatter (not cell output, which comes over ZMQ) goes to the log.
    chatter = log.path.open("a") if log else open(os.devnull, "w")
    with chatter, client.setup_kernel(env=kernel_env(), stdout=chatter, stderr=chatter):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            where = f"{master.name}: {_cell_name(cell, index)}"
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as err:
                error = next((o for o in cell.outputs if o.output_type == "error"), None)
                why = f"{error.ename}: {error.evalue}" if error else str(err).splitlines()[-1]
                raise PipelineError(f"{where} raised {why}") from None
            except (CellTimeoutError, DeadKernelError) as err:
                raise PipelineError(f"{where}: {type(err).__name__}: {err}") from None
            stderr = "".join(
                o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"
            )
            if stderr:
                raise PipelineError(f"{where} wrote to stderr:\n{stderr.rstrip()}")
    seconds = time.perf_counter() - start
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(out))
    return seconds
