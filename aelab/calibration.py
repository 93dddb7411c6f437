"""Calibrate grading targets: run the reference and every catalogued mistake over many seeds.

For each graded target (an F1 a hidden test requires, say) this runs the code a submission would
run, that is the master's setup and solution cells with the mistake's edit applied, through the
very measurement the test cell calls, on each seed. It writes ``course/calibration/<a>.json``
(every value) and ``<a>.md`` (the table), and fails unless the reference clears the target on
every seed and each mistake the catalogue says a check catches misses it on every seed.

Run it with ``aelab calibrate [ASSIGNMENT ...]`` (or ``make calibrate``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import course, grading

__all__ = ["CalibratedCheck", "calibrate", "clears", "load_checks", "main", "notebook_target"]

SEEDS = range(1000, 1020)


@dataclass(frozen=True)
class CalibratedCheck:
    """A graded target: the test cell that holds it, and how to measure a submission on a seed."""

    test: str
    target_name: str
    measure: Callable[[dict, int], float]
    higher_is_better: bool = True
    what: str = ""


def load_checks(assignment: str, course_dir: Path = course.COURSE_DIR) -> list[CalibratedCheck]:
    """The graded targets of ``assignment``, declared as ``[[target]]`` in its catalogue file.

    Each names the test cell holding the target, the variable the target is assigned to, a
    measurement function of :mod:`aelab.grading`, and which names of the submission it takes::

        [[target]]
        test = "test_detector_f1"
        variable = "TARGET_F1"
        measure = "detector_f1"
        inputs = { fit_detector = "fit_detector", detect = "detect" }
        what = "F1 on grader data"
    """
    checks = []
    for entry in course.load_catalogue(assignment, course_dir).get("target", []):
        func = getattr(grading, entry["measure"])
        inputs = dict(entry.get("inputs", {}))

        def measure(ns, seed, func=func, inputs=inputs):
            return func(**{param: ns[name] for param, name in inputs.items()}, seed=seed).value

        checks.append(
            CalibratedCheck(
                test=entry["test"],
                target_name=entry["variable"],
                measure=measure,
                higher_is_better=entry.get("higher_is_better", True),
                what=entry.get("what", ""),
            )
        )
    return checks


def notebook_target(master, check: CalibratedCheck) -> float:
    """The target the master's test cell ``check.test`` sets, as ``<target_name> = <number>``."""
    for cell in master.cells:
        if course.grade_id(cell) == check.test:
            found = re.search(rf"^\s*{check.target_name}\s*=\s*([0-9.eE+-]+)", cell.source, re.M)
            if found:
                return float(found.group(1))
            raise ValueError(f"test cell {check.test!r} sets no {check.target_name} = <number>")
    raise ValueError(f"the master has no test cell {check.test!r}")


def _namespace(master, mistake) -> dict:
    """Run the setup and solution cells of ``master`` (with ``mistake``) and return their names."""
    import matplotlib

    matplotlib.use("Agg")
    code = course.solution_code(master, mistake)
    ns: dict = {"__name__": "__submission__"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, f"<{mistake.name if mistake else 'reference'}>", "exec"), ns)
    return ns


def _measure(check: CalibratedCheck, ns: dict, seed: int) -> float:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return float(check.measure(ns, seed))
    except grading.GradingError:
        return float("nan")  # the submission crashed on this seed: it scores nothing


def clears(value: float, target: float, higher: bool) -> bool:
    """Whether ``value`` meets ``target`` (at least it when ``higher``, else at most it)."""
    return bool(np.isfinite(value)) and (value >= target if higher else value <= target)


def calibrate(assignment: str, seeds=SEEDS, course_dir: Path = course.COURSE_DIR) -> dict:
    """Measure every check of ``assignment``; return the record written to the JSON file."""
    master = course.read_notebook(course.master_path(assignment, course_dir))
    mistakes = course.load_mistakes(assignment, course_dir)
    variants = {"reference": None} | {m.name: m for m in mistakes}
    namespaces = {name: _namespace(master, m) for name, m in variants.items()}
    record = {"assignment": assignment, "seeds": list(seeds), "checks": []}
    for check in load_checks(assignment, course_dir):
        target = notebook_target(master, check)
        values = {
            name: [_measure(check, ns, seed) for seed in seeds] for name, ns in namespaces.items()
        }
        expected_to_miss = [m.name for m in mistakes if check.test in m.caught_by]
        record["checks"].append(
            {
                "test": check.test,
                "what": check.what,
                "target": target,
                "higher_is_better": check.higher_is_better,
                "values": values,
                "expected_to_miss": expected_to_miss,
            }
        )
    return record


def problems(record: dict) -> list[str]:
    """What is wrong with a calibration record: a reference miss, or a mistake that passes."""
    found = []
    for check in record["checks"]:
        target, higher = check["target"], check["higher_is_better"]
        for seed, value in zip(record["seeds"], check["values"]["reference"]):
            if not clears(value, target, higher):
                found.append(f"{check['test']}: the reference misses {target} on seed {seed}")
        for name in check["expected_to_miss"]:
            for seed, value in zip(record["seeds"], check["values"][name]):
                if clears(value, target, higher):
                    found.append(
                        f"{check['test']}: mistake {name} reaches {value:.3f} on seed {seed}"
                    )
    return found


def _fmt(value: float) -> str:
    return f"{value:.3f}" if np.isfinite(value) else "crash"


def table(record: dict, mistakes: list[course.Mistake]) -> str:
    """The calibration record as a Markdown page."""
    summaries = {m.name: m.summary for m in mistakes}
    seeds = record["seeds"]
    lines = [
        f"# Calibration of {record['assignment']}",
        "",
        f"Seeds {seeds[0]}..{seeds[-1]} ({len(seeds)} seeds). Written by `aelab calibrate "
        f"{record['assignment']}`; do not edit by hand. Measured in {record['seconds']:.0f} s.",
        "",
    ]
    for check in record["checks"]:
        ref = [v for v in check["values"]["reference"] if np.isfinite(v)]
        worst = "min" if check["higher_is_better"] else "max"
        ref_worst = min(ref) if check["higher_is_better"] else max(ref)
        lines += [
            f"## `{check['test']}`: target {check['target']:g}",
            "",
            check["what"],
            "",
            f"| submission | {worst} | median | best | seeds clearing the target | caught here? |",
            "|---|---|---|---|---|---|",
            f"| reference | {_fmt(ref_worst)} | {_fmt(statistics.median(ref))} | "
            f"{_fmt(max(ref) if check['higher_is_better'] else min(ref))} | "
            f"{sum(clears(v, check['target'], check['higher_is_better']) for v in ref)}"
            f"/{len(seeds)} | |",
        ]
        for name, values in check["values"].items():
            if name == "reference":
                continue
            finite = [v for v in values if np.isfinite(v)] or [float("nan")]
            best = max(finite) if check["higher_is_better"] else min(finite)
            lo = min(finite) if check["higher_is_better"] else max(finite)
            n_clear = sum(clears(v, check["target"], check["higher_is_better"]) for v in values)
            caught = (
                "yes (catalogue)" if name in check["expected_to_miss"] else "no, caught elsewhere"
            )
            lines.append(
                f"| mistake `{name}`: {summaries.get(name, '')} | {_fmt(lo)} | "
                f"{_fmt(statistics.median(finite))} | {_fmt(best)} | {n_clear}/{len(seeds)} | "
                f"{caught} |"
            )
        margin = (
            ref_worst - check["target"]
            if check["higher_is_better"]
            else check["target"] - ref_worst
        )
        lines += ["", f"Margin of the reference's worst seed over the target: {margin:.3f}.", ""]
    for m in mistakes:
        if m.unstable:
            lines += [
                f"Mistake `{m.name}` trains chaotically: {m.unstable}. Its figures reproduce "
                "exactly only on the CPU that measured them, its verdict everywhere.",
                "",
            ]
    bad = problems(record)
    lines.append(
        "**Verdict:** "
        + (
            "every target separates the reference from the mistakes "
            "it is meant to catch, on every seed."
            if not bad
            else "FAILED: " + "; ".join(bad)
        )
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: ``aelab calibrate [ASSIGNMENT ...] [--seeds N]``."""
    parser = argparse.ArgumentParser(prog="aelab calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="default: every assignment with targets")
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help="number of seeds (>= 20)")
    parser.add_argument("--course-dir", type=Path, default=course.COURSE_DIR)
    args = parser.parse_args(argv)
    names = args.assignments or [
        a for a in course.assignments(args.course_dir) if load_checks(a, args.course_dir)
    ]
    seeds = range(SEEDS.start, SEEDS.start + args.seeds)
    failed = False
    for name in names:
        start = time.perf_counter()
        record = calibrate(name, seeds, args.course_dir)
        record["seconds"] = time.perf_counter() - start
        out = args.course_dir / "calibration"
        out.mkdir(exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
        page = table(record, course.load_mistakes(name, args.course_dir))
        (out / f"{name}.md").write_text(page)
        print(page)
        for problem in problems(record):
            print(f"PROBLEM {name}: {problem}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
