"""The documentation site loads nothing from another host: MathJax is served by the site.

mkdocs.yml's ``extra_javascript`` and ``extra_css`` name local files only; the MathJax script is
added by the hook docs_hooks/mathjax_local.py from the docs extra. Where the docs extra is
installed, the hook's files are checked too (``mkdocs build --strict`` in CI builds the site).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def _listed(key: str) -> list[str]:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    block = re.search(rf"^{key}:\n((?:  - .*\n)+)", text, flags=re.MULTILINE)
    return (
        [] if block is None else [line.strip()[2:].strip() for line in block.group(1).splitlines()]
    )


def test_no_script_or_style_from_another_host():
    scripts = _listed("extra_javascript")
    assert "javascripts/mathjax/tex-svg.js" in scripts
    remote = [s for s in [*scripts, *_listed("extra_css")] if re.match(r"(https?:)?//", s)]
    assert remote == []
    assert "docs_hooks/mathjax_local.py" in _listed("hooks")


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None, reason="the docs extra is not installed"
)
def test_the_hook_finds_mathjax_of_the_docs_extra():
    spec = importlib.util.spec_from_file_location(
        "mathjax_local_hook", ROOT / "docs_hooks" / "mathjax_local.py"
    )
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    script = hook._mathjax_dir() / "es5" / "tex-svg.js"
    assert script.stat().st_size > 1_000_000  # the whole TeX-to-SVG component
    assert b"MathJax" in script.read_bytes()
