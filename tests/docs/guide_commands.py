"""Commands shown in the documentation: extraction, running, output matching.

The convention of the pages under ``docs/``: a fenced ``console`` block holds commands, each on a
line starting with ``$ ``, followed by the output the page shows. Output is checked line by line
(each shown line must be printed by the command; ``...`` in a shown line stands for any text,
a line of only ``...`` marks lines left out). A command expected to fail ends with
``# exit N``. Blocks fenced as ``bash`` (installation, ``rtdelay serve``) are shown, not run.

Run as a script to fill in the output of console blocks that show none yet::

    python tests/docs/guide_commands.py docs/guides/cohort.md

(the output is what the command printed in a scratch folder, for the author to shorten).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# The pages in the order their commands build on one another (the demo run of Getting started
# is reused by the guides; the registry guide makes its own database).
PAGES = (
    "getting-started.md",
    "guides/cohort.md",
    "guides/study.md",
    "guides/risk.md",
    "guides/planner.md",
    "guides/registry-web.md",
    "guides/multi-site.md",
    "methods/reproduction.md",
    "deployment.md",
)
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
_EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")
WIDTH = "120"  # terminal width the outputs were captured at (rich tables wrap to it)


@dataclass
class Command:
    page: str
    line: int  # 1-based line of the "$ " line in the page
    text: str
    exit_code: int = 0
    shown: list[str] = field(default_factory=list)


def commands_of(page: str) -> list[Command]:
    """Every ``$`` command of the ``console`` blocks of ``docs/<page>``, with its shown output."""
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    out: list[Command] = []
    fence: str | None = None
    kind = ""
    indent = ""
    for number, raw in enumerate(lines, start=1):
        match = _FENCE.match(raw)
        if fence is None:
            if match:
                indent, fence, kind = match.group(1), match.group(2), match.group(3)
            continue
        if match and raw.strip() == fence:
            fence = None
            continue
        if kind != "console":
            continue
        text = raw[len(indent):] if raw.startswith(indent) else raw.lstrip()
        if text.startswith("$ "):
            command = text[2:].strip()
            code = 0
            found = _EXIT.search(command)
            if found:
                code = int(found.group(1))
                command = command[: found.start()].rstrip()
            out.append(Command(page, number, command, code))
        elif out and out[-1].line < number:
            out[-1].shown.append(text.rstrip())
    return out


def shown_only(page: str) -> list[Command]:
    """``rtdelay ...`` lines of the ``bash`` blocks (shown, not run: serve, installs, backups)."""
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    out: list[Command] = []
    fence: str | None = None
    kind = ""
    for number, raw in enumerate(lines, start=1):
        match = _FENCE.match(raw)
        if fence is None:
            if match:
                fence, kind = match.group(2), match.group(3)
            continue
        if match and raw.strip() == fence:
            fence = None
            continue
        text = raw.strip()
        if kind == "bash" and text.startswith("rtdelay ") and "|" not in text:
            out.append(Command(page, number, text.split("  #")[0].strip()))
    return out


def environment(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTDELAY_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = WIDTH
    env["LINES"] = "50"
    env["NO_COLOR"] = "1"
    env["TERM"] = "dumb"
    env["PYTHONWARNINGS"] = "ignore"
    return env


def prepare(workdir: Path) -> None:
    """The scratch folder the commands run in: a copy of ``examples/``."""
    shutil.copytree(ROOT / "examples", workdir / "examples", dirs_exist_ok=True)


def run(command: Command, workdir: Path, bin_dir: Path, *, timeout: float = 300) -> tuple[int, str]:
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command.text], cwd=workdir, env=environment(bin_dir),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=timeout,
    )
    return proc.returncode, proc.stdout


def _matches(shown: str, actual: str) -> bool:
    """``shown`` equals ``actual`` (both stripped), ``...`` standing for any text."""
    pattern = ".*".join(re.escape(part) for part in shown.strip().split("..."))
    return re.fullmatch(pattern, actual.strip()) is not None


def missing_lines(command: Command, output: str) -> list[str]:
    """Shown output lines that the command did not print."""
    actual = [line.rstrip() for line in output.splitlines()]
    missing = []
    for shown in command.shown:
        if not shown.strip() or shown.strip() == "...":
            continue
        if not any(_matches(shown, line) for line in actual):
            missing.append(shown)
    return missing


def _fill(page: str, workdir: Path, bin_dir: Path) -> None:
    """Print each command of ``page`` with its output (for the author to paste and shorten)."""
    for command in commands_of(page):
        code, output = run(command, workdir, bin_dir)
        print(f"--- {page}:{command.line}  exit {code}\n$ {command.text}\n{output.rstrip()}")


def fill_in_place(page: str, workdir: Path, bin_dir: Path) -> None:  # pragma: no cover
    """Write each command's output under it where the page shows none yet (authoring aid)."""
    path = DOCS / page
    lines = path.read_text(encoding="utf-8").splitlines()
    inserts: dict[int, list[str]] = {}
    for command in commands_of(page):
        code, output = run(command, workdir, bin_dir)
        if code != command.exit_code:
            print(f"{page}:{command.line}: exit {code}, page says {command.exit_code}", file=sys.stderr)
        if not command.shown:
            inserts[command.line] = [line.rstrip() for line in output.rstrip().splitlines()]
    for number in sorted(inserts, reverse=True):
        lines[number:number] = inserts[number]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - authoring aid
    scratch = Path(os.environ.get("GUIDE_SCRATCH", "/tmp/rtdelay-guides"))
    scratch.mkdir(parents=True, exist_ok=True)
    prepare(scratch)
    for name in sys.argv[1:] or PAGES:
        fill_in_place(name.removeprefix("docs/"), scratch, Path(sys.executable).parent)
