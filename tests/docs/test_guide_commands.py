"""Every command shown in the documentation runs, exits as the page says and prints what it shows.

The pages' convention (``console`` blocks, ``$ `` lines, ``# exit N``, ``...``) is described in
``guide_commands.py``. The pages run in the order of ``PAGES`` in one scratch folder, so that
the guides reuse the demo run of Getting started (one demo run for the whole module).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from guide_commands import (
    DOCS,
    PAGES,
    Command,
    commands_of,
    missing_lines,
    prepare,
    run,
    shown_only,
)

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (BIN / "rtdelay").exists():
        pytest.fail(f"the rtdelay command is not installed beside {sys.executable}")
    folder = tmp_path_factory.mktemp("guides")
    prepare(folder)
    return folder


def test_every_page_with_commands_is_run() -> None:
    with_commands = {
        str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md")
        if re.search(r"^\s*```+\s*console", path.read_text(encoding="utf-8"), re.M)
    }
    assert with_commands <= set(PAGES), f"pages with console blocks missing from PAGES: {with_commands - set(PAGES)}"
    assert sum(len(commands_of(page)) for page in PAGES) >= 40


def test_the_extraction_reads_commands_exit_codes_and_output(tmp_path: Path) -> None:
    assert commands_of("guides/cohort.md")[0].text.startswith("rtdelay template")
    failing = [c for c in commands_of("guides/cohort.md") if c.exit_code]
    assert {c.exit_code for c in failing} == {1, 2}
    assert all("# exit" not in c.text for c in failing)
    (command,) = [c for c in commands_of("getting-started.md") if c.text == "rtdelay --version"]
    assert missing_lines(command, "rtdelay 9.9.9\n") == []
    assert missing_lines(command, "something else\n") == command.shown


@pytest.mark.parametrize("page", PAGES)
def test_page_commands(page: str, workdir: Path) -> None:
    commands = commands_of(page)
    if page != "getting-started.md" and not (workdir / "rtdelay-demo" / "cohort.csv").exists():
        # this page run on its own (-k): the guides build on Getting started's demo run
        code, output = run(Command(page, 0, "rtdelay demo --out rtdelay-demo --quiet"), workdir, BIN)
        assert code == 0, output
    problems = []
    for command in commands:
        code, output = run(command, workdir, BIN)
        where = f"{page}:{command.line}: $ {command.text}"
        if code != command.exit_code:
            problems.append(f"{where}\n  exit {code}, the page says {command.exit_code}\n  {output[-2000:]}")
            continue
        missing = missing_lines(command, output)
        if missing:
            problems.append(f"{where}\n  lines shown on the page but not printed:\n    "
                            + "\n    ".join(missing) + f"\n  printed:\n{output[-3000:]}")
    assert not problems, "\n\n".join(problems)


def test_commands_shown_but_not_run_have_valid_options(tmp_path: Path) -> None:
    """``rtdelay serve --port 8000`` and the like: ``--help`` appended, the options must parse."""
    shown = [c for page in PAGES for c in shown_only(page)]
    assert len(shown) >= 8
    problems = []
    for command in shown:
        code, output = run(Command(command.page, command.line, command.text + " --help"), tmp_path, BIN)
        if code != 0:
            problems.append(f"{command.page}:{command.line}: $ {command.text}\n{output[-1000:]}")
    assert not problems, "\n\n".join(problems)
