"""The Examples in the capacity planner's docstrings run and give what they show."""

import doctest
import importlib

import pytest

MODULES = ["_calendar", "_harm", "_plan", "_queue_stats"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"rtdelay.planning.capacity.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
