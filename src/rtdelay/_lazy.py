"""Lazy public names for rtdelay's packages (PEP 562 module ``__getattr__``).

A package lists ``name -> private module`` and gets ``__getattr__``/``__dir__`` that import the
module on first use, so that ``import rtdelay.stats`` (or ``.cohort``, ``.report``) stays cheap
and heavy dependencies load only when a function is actually used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, names: Mapping[str, str], public: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : mapping
        Public name -> private module name inside the package (e.g. ``"kaplan_meier": "_km"``).
    public : sequence of str
        The package's ``__all__``.
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return list(public)

    return __getattr__, __dir__
