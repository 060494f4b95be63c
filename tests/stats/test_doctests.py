"""Runs the Examples of every public docstring of rtdelay.stats (issue 11: doctested, in CI).

The README's test command (``python -m pytest``) collects this file, so the examples run in CI.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import rtdelay.stats as st

MODULES = sorted(m.name for m in pkgutil.iter_modules(st.__path__, prefix="rtdelay.stats."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest failure(s) in {name}"


@pytest.mark.parametrize("name", sorted(st.__all__))
def test_every_public_function_has_examples(name: str) -> None:
    obj = getattr(st, name)
    if isinstance(obj, type):
        return  # result classes: their methods' examples are optional
    assert ">>> " in (obj.__doc__ or ""), f"{name} has no doctested Examples"
