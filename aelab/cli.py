"""The ``aelab`` command: the instructor loop, one subcommand per step (see ``aelab.pipeline``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import COURSE_DIR

__all__ = ["main"]

STEPS = {
    "pipeline": "the whole loop on the sample class: validate the masters, release, sample "
    "class, autograde, feedback, export, summary",
    "solutions": "execute every master into solutions/ (fails on any error or stderr output)",
    "release": "nbgrader generate_assignment for every assignment",
    "sample-class": "write the sample class (reference, blank, one per mistake) into submitted/",
    "autograde": "autograde everything in submitted/, then export grades.csv",
    "feedback": "feedback HTML for every autograded submission",
    "export": "export the gradebook to grades.csv",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aelab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in STEPS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--course-dir",
            type=Path,
            default=COURSE_DIR,
            help="the nbgrader course (default: %(default)s)",
        )
        sub.add_argument(
            "--log", type=Path, help="nbgrader's full output (default: COURSE_DIR/pipeline.log)"
        )
        if name in ("pipeline", "solutions", "release", "autograde", "feedback"):
            sub.add_argument(
                "--jobs",
                type=int,
                help="nbgrader processes side by side (default: one per core, at most 4)",
            )
        if name == "autograde":
            sub.add_argument(
                "--student",
                action="append",
                help="autograde only this student (repeat for more); the others keep their grades",
            )
        if name in ("pipeline", "solutions"):
            sub.add_argument(
                "--solutions-dir",
                type=Path,
                help="where executed masters go (default: solutions/ beside COURSE_DIR)",
            )
    commands.add_parser(
        "calibrate",
        add_help=False,
        help="re-measure the grading targets over many seeds (aelab calibrate --help)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``aelab COMMAND``; the exit status (0 when everything is as it should be)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["calibrate"]:
        from . import calibration

        return calibration.main(argv[1:])
    args = _parser().parse_args(argv)

    from . import pipeline as steps

    course_dir = args.course_dir.resolve()
    if not (course_dir / "nbgrader_config.py").exists():
        print(
            f"aelab {args.command}: {course_dir} is not a course: no nbgrader_config.py",
            file=sys.stderr,
        )
        return 2
    log = steps.Log(args.log or course_dir / steps.LOG_NAME, fresh=True, echo=_print)
    solutions_dir = getattr(args, "solutions_dir", None)
    try:
        if args.command == "pipeline":
            return steps.pipeline(course_dir, solutions_dir, jobs=args.jobs, log=log)
        if args.command == "solutions":
            steps.solutions(course_dir, solutions_dir, jobs=args.jobs, log=log)
        elif args.command == "release":
            steps.release(course_dir, jobs=args.jobs, log=log)
        elif args.command == "sample-class":
            steps.sample_class(course_dir, log=log)
        elif args.command == "autograde":
            runs = steps.autograde(course_dir, students=args.student, jobs=args.jobs, log=log)
            steps.export(course_dir, log=log)
            if any(r.failed or r.skipped for r in runs):
                _print("Some submissions could not be graded (see above); the rest are.")
                return 1
        elif args.command == "feedback":
            runs = steps.feedback(course_dir, jobs=args.jobs, log=log)
            return 1 if any(r.failed for r in runs) else 0
        elif args.command == "export":
            steps.export(course_dir, log=log)
    except steps.PipelineError as err:
        print(f"aelab {args.command}: {err}", file=sys.stderr)
        print(f"The full log is {log.path}", file=sys.stderr)
        return 1
    return 0


def _print(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
