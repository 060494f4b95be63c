"""Release: one version everywhere, a wheel and an sdist that build, pass twine and run the demo.

The wheel test builds from the source tree without build isolation (no package download: the
build backend is the setuptools already installed), installs the wheel with ``--no-deps
--no-index`` into a new virtual environment, and runs ``rtdelay demo`` from there in a scratch
folder. The dependencies (numpy, pandas, ...) are borrowed from the test environment through a
``.pth`` path entry: rtdelay itself must come from the wheel, which the test checks.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

import rtdelay

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VERSION = rtdelay.__version__


def _run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RTDELAY_", "PYTHON"))}
    return subprocess.run(args, capture_output=True, text=True, timeout=600, env=env, **kw)  # type: ignore[call-overload]


def test_the_version_is_written_in_one_place() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "rtdelay.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc)?\d*", VERSION)
    assert importlib.metadata.version("rtdelay") == VERSION  # the installed metadata reads it too


def test_command_line_citation_and_changelog_agree_with_the_version() -> None:
    out = _run([str(BIN / "rtdelay"), "--version"])
    assert out.returncode == 0 and out.stdout.strip() == f"rtdelay {VERSION}"
    assert _run([str(BIN / "rtdelay"), "version"]).stdout.strip() == VERSION
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(VERSION)}$", citation, re.M)
    assert "doi: 10.1186/s13014-020-01740-y" in citation
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{VERSION}]" in changelog and "## [Unreleased]" in changelog


def test_methods_text_names_the_version_it_ran_with() -> None:
    from rtdelay.report._methods import software_versions

    assert software_versions()["rtdelay"] == VERSION


@pytest.mark.slow
def test_built_wheel_installs_in_a_clean_venv_and_runs_the_demo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)])
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = dist.glob(f"rtdelay-{VERSION}-py3-none-any.whl")
    (sdist,) = dist.glob(f"rtdelay-{VERSION}.tar.gz")
    checked = _run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)])
    assert checked.returncode == 0, checked.stdout + checked.stderr

    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("rtdelay/demo/data/cohort.csv", "rtdelay/demo/data/complications.csv",
                   "rtdelay/report/templates/report.html.j2", "rtdelay/registry/migrations/env.py",
                   "rtdelay/registry/migrations/versions/0001_initial.py",
                   "rtdelay/web/templates/login.html", "rtdelay/web/static/style.css",
                   "rtdelay/py.typed"):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "docs/")) for n in names)

    venv = tmp_path / "clean"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                      "--no-index", "--quiet", str(wheel)])
    assert installed.returncode == 0, installed.stdout + installed.stderr
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    where = _run([str(python), "-c", "import rtdelay; print(rtdelay.__file__, rtdelay.__version__)"], cwd=tmp_path)
    path, version = where.stdout.split()
    assert Path(path).is_relative_to(venv), f"rtdelay imported from {path}, not from the wheel"
    assert version == VERSION

    work = tmp_path / "work"
    work.mkdir()
    demo = _run([str(venv / "bin" / "rtdelay"), "demo", "--out", "demo"], cwd=work)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    out = work / "demo"
    for name in ("report.html", "results.json", "methods.md", "reproduction.md", "tables/table1.docx",
                 "figures/fig2_pbr_risk.png", "figures/flow_diagram.svg"):
        assert (out / name).is_file(), name
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert document["metadata"]["rtdelay_version"] == VERSION
    methods = (out / "methods.md").read_text(encoding="utf-8")
    assert f"rtdelay {VERSION}," in methods and f"rtdelay, version {VERSION}" in methods
    assert f"rtdelay {VERSION}" in (out / "report.html").read_text(encoding="utf-8")
