"""Rows and files the registry tests share (imported by name: the installed Ciw package ships a
top-level ``tests`` package, so ``from tests.registry...`` would find Ciw's, not ours)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "src" / "rtdelay" / "demo" / "data"
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "benchmarks"))


def make_rows(n: int, seed: int = 7):
    """A valid cohort frame of ``n`` patients (the cohort benchmark's generator)."""
    from bench_cohort import make_cohort

    return make_cohort(n, seed=seed)


def write_csv(frame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def run_rtdelay(*args, stdin: str | None = None):
    """Run the console entry point in this process (as the console script does); return a
    ``CompletedProcess`` with the exit code, stdout and stderr."""
    import contextlib
    import io
    import subprocess

    from rtdelay.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv, sys.stdin
    sys.argv, sys.stdin = ["rtdelay", *map(str, args)], io.StringIO(stdin or "")
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv, sys.stdin = saved
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())
