"""Architecture rules of DESIGN.md that import-linter and ruff cannot express.

No module imports another package's private module or name: ``rtdelay.study`` may not import
``rtdelay.stats._results``, ``rtdelay.cli`` may not import ``rtdelay.report._outputs``; what
is shared is exported by the package. A private module may be used inside its own package
(``rtdelay.stats._km`` from ``rtdelay.stats._logrank``) and by the packages it contains
(``rtdelay._lazy`` from ``rtdelay.cohort``). Ruff's PLC2701 catches private imports from other
libraries (``typer._click``) but treats the whole of rtdelay as one module tree, hence this test.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _module_name(path: Path, root: Path) -> tuple[str, str]:
    """``(module, package)`` of a source file under ``root``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def _imported_names(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """Every dotted name an import statement reaches, with its line number."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*"]
    return found


def private_import_violations(root: Path, top: str = "rtdelay") -> list[str]:
    """``file:line: name`` for each import of another package's private module or name."""
    out: list[str] = []
    for path in sorted((root / top).rglob("*.py")):
        module, package = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        flagged: set[int] = set()
        for line, name in _imported_names(tree, package):
            parts = name.split(".")
            if parts[0] != top or line in flagged:
                continue
            for i, part in enumerate(parts[1:], start=1):
                if part.startswith("_") and not part.startswith("__"):
                    owner = ".".join(parts[:i])
                    if package != owner and not package.startswith(owner + "."):
                        out.append(f"{path.relative_to(root)}:{line}: {module} imports {name}")
                        flagged.add(line)
                    break
    return out


def test_no_module_imports_another_packages_private_module() -> None:
    assert private_import_violations(SRC) == []


def test_the_check_finds_a_planted_violation(tmp_path: Path) -> None:
    files = {
        "rtdelay/__init__.py": "",
        "rtdelay/_lazy.py": "",
        "rtdelay/stats/__init__.py": "from rtdelay._lazy import x\n",
        "rtdelay/stats/_results.py": "",
        "rtdelay/stats/_km.py": "from rtdelay.stats._results import jsonable\nfrom . import _results\n",
        "rtdelay/study/__init__.py": "",
        "rtdelay/study/_json.py": "from rtdelay.stats._results import jsonable\n",
        "rtdelay/study/_b.py": "import rtdelay.stats._results\nfrom rtdelay.stats import _results\n",
        "rtdelay/study/_c.py": "from ..stats._results import jsonable\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = private_import_violations(tmp_path)
    assert [f.split(": ", 1)[0] for f in found] == [
        "rtdelay/study/_b.py:1",
        "rtdelay/study/_b.py:2",
        "rtdelay/study/_c.py:1",
        "rtdelay/study/_json.py:1",
    ]


def test_ruff_rejects_a_private_import_from_another_library(tmp_path: Path) -> None:
    """PLC2701 is on (a preview rule, selected by its code) and fails the lint run."""
    root = Path(__file__).resolve().parents[1]
    bad = tmp_path / "bad.py"
    bad.write_text(textwrap.dedent("from typer._click import exceptions\n\nprint(exceptions)\n"))
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(
        [str(ruff), "check", "--config", str(root / "pyproject.toml"), "--no-cache", "--output-format", "json", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert [d["code"] for d in json.loads(result.stdout)] == ["PLC2701"]


def test_planning_and_demo_load_no_scipy_at_import() -> None:
    code = (
        "import sys, rtdelay.planning, rtdelay.demo, rtdelay.analysis; "
        "print(sorted(m for m in ('scipy', 'pandas', 'matplotlib', 'lifelines') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    # and the lazy names still resolve
    import rtdelay.planning as planning

    assert callable(planning.fit_current_status) and "predict_wait_risk" in dir(planning)
