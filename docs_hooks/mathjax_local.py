"""mkdocs hook: serve MathJax from the site itself, never from a CDN.

The formulas of the methods pages are typeset by MathJax 3 (SVG output, whose fonts are inside
the script, so one file is enough). The script comes from the ``django-static-mathjax`` package
of the docs extra (MathJax 3.2.2 as released, Apache-2.0; the package has no dependencies):
at build time this hook adds its ``es5/tex-svg.js`` and MathJax's LICENSE to the site under
``javascripts/mathjax/``, where ``mkdocs.yml``'s ``extra_javascript`` loads it. A missing
package stops the build with one line naming the extra to install.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

TARGET = "javascripts/mathjax"
WANTED = ("es5/tex-svg.js", "LICENSE")


def _mathjax_dir() -> Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise PluginError(
            "MathJax is not installed: pip install -e '.[docs]' (django-static-mathjax)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
    if not all((folder / name).is_file() for name in WANTED):
        raise PluginError(f"MathJax files missing under {folder}: reinstall django-static-mathjax")
    return folder


def on_files(files: Files, config: Any) -> Files:
    folder = _mathjax_dir()
    for name in WANTED:
        dest = f"{TARGET}/{Path(name).name}"
        files.append(File.generated(config, dest, abs_src_path=str(folder / name)))
    return files
