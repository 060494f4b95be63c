"""Tomita score against DOMAIN.md section 2 (Tomita 2001). Expectations typed by hand from the
DOMAIN.md tables."""

from __future__ import annotations

import pytest

from rtdelay.errors import InputError
from rtdelay.scores import (
    HISTOLOGIES,
    TOMITA_GROWTH_BY_HISTOLOGY,
    TOMITA_POINTS,
    Points,
    growth_class,
    tomita,
    tomita_category,
    tomita_total,
)

MIN = dict(growth="slow", visceral="none", bone="solitary")  # 1 + 0 + 1 = 2

LEVELS = [
    ("growth", "slow", 1),
    ("growth", "moderate", 2),
    ("growth", "rapid", 4),
    ("visceral", "none", 0),
    ("visceral", "treatable", 2),
    ("visceral", "untreatable", 4),
    ("bone", "solitary", 1),
    ("bone", "multiple", 2),
]
BASE_POINTS = {"growth": 1, "visceral": 0, "bone": 1}


@pytest.mark.parametrize(("component", "word", "points"), LEVELS)
def test_every_level(component: str, word: str, points: int) -> None:
    for given in (word, points, str(points), Points(points)):
        result = tomita(**{**MIN, component: given})
        assert result.points[component] == points
        assert result.levels[component] == word
        assert result.total == 2 - BASE_POINTS[component] + points


def test_points_table_matches_domain() -> None:
    expected: dict[str, dict[str, int]] = {}
    for component, word, points in LEVELS:
        expected.setdefault(component, {})[word] = points
    assert {c: dict(v) for c, v in TOMITA_POINTS.items()} == expected


def test_min_and_max() -> None:
    low = tomita(**MIN)
    assert (low.total, low.category) == (2, "long-term local control")
    high = tomita(growth="rapid", visceral="untreatable", bone="multiple")
    assert (high.total, high.category) == (10, "terminal care")  # 4 + 4 + 2


def test_rapid_growth_is_four_not_three() -> None:
    # Pitfall: a review table gives rapid = 3, which cannot reach the maximum of 10.
    assert tomita(**{**MIN, "growth": "rapid"}).points["growth"] == 4
    with pytest.raises(InputError, match=r"growth must be one of slow, moderate, rapid \(or points 1, 2, 4\)"):
        tomita(**{**MIN, "growth": 3})


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (2, "long-term local control"),
        (3, "long-term local control"),
        (4, "middle-term local control"),
        (5, "middle-term local control"),
        (6, "short-term palliation"),
        (7, "short-term palliation"),
        (8, "terminal care"),
        (10, "terminal care"),
    ],
)
def test_category_boundaries(total: int, band: str) -> None:
    assert tomita_category(total) == band


@pytest.mark.parametrize(
    ("kwargs", "total", "band"),
    [
        (dict(growth="moderate", visceral="none", bone="solitary"), 3, "long-term local control"),
        (dict(growth="moderate", visceral="none", bone="multiple"), 4, "middle-term local control"),
        (dict(growth="rapid", visceral="none", bone="solitary"), 5, "middle-term local control"),
        (dict(growth="rapid", visceral="none", bone="multiple"), 6, "short-term palliation"),
        (dict(growth="slow", visceral="untreatable", bone="multiple"), 7, "short-term palliation"),
        (dict(growth="moderate", visceral="untreatable", bone="multiple"), 8, "terminal care"),
    ],
)
def test_boundaries_through_calculator(kwargs: dict, total: int, band: str) -> None:
    result = tomita(**kwargs)
    assert (result.total, result.category) == (total, band)
    assert result.note.startswith("usual surgical strategy")


@pytest.mark.parametrize("total", [0, 1, 11, -2, 4.5, "four", None])
def test_category_out_of_range(total: object) -> None:
    with pytest.raises(ValueError):
        tomita_category(total)  # type: ignore[arg-type]


# DOMAIN.md section 2 examples: slow breast, thyroid, prostate; moderate kidney, uterus; rapid
# lung, liver, stomach, colon, unknown primary. Esophageal/pancreatic rapid, and myeloma,
# sarcoma, other are this package's documented [M] decisions.
GROWTH = {
    "breast": "slow",
    "thyroid": "slow",
    "prostate": "slow",
    "renal": "moderate",
    "gynecologic": "moderate",
    "lung": "rapid",
    "liver": "rapid",
    "gastric": "rapid",
    "colorectal": "rapid",
    "unknown_primary": "rapid",
    "esophageal": "rapid",
    "pancreatic": "rapid",
    "myeloma": "moderate",
    "sarcoma": "rapid",
    "other": "moderate",
}
GROWTH_POINTS = {"slow": 1, "moderate": 2, "rapid": 4}


def test_every_dictionary_histology_is_mapped() -> None:
    assert set(TOMITA_GROWTH_BY_HISTOLOGY) == set(HISTOLOGIES) == set(GROWTH)


@pytest.mark.parametrize(("histology", "cls"), list(GROWTH.items()))
def test_histology_growth(histology: str, cls: str) -> None:
    assert growth_class(histology) == cls
    assert growth_class(histology.upper()) == cls
    result = tomita(**{**MIN, "growth": histology})
    assert result.points["growth"] == GROWTH_POINTS[cls]
    assert result.levels["growth"] == f"{cls} ({histology})"


@pytest.mark.parametrize("bad", ["kidney cancer", "melanoma", "", 3, None])
def test_growth_class_rejects_unknown(bad: object) -> None:
    with pytest.raises(InputError, match="histology must be one of renal, lung"):
        growth_class(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("component", "bad"),
    [
        ("growth", "fast"),
        ("growth", 0),
        ("visceral", 1),
        ("visceral", 3),
        ("visceral", "some"),
        ("bone", 0),
        ("bone", 3),
        ("bone", "few"),
        ("bone", False),
    ],
)
def test_invalid(component: str, bad: object) -> None:
    with pytest.raises(InputError, match=component):
        tomita(**{**MIN, component: bad})


def test_aliases() -> None:
    assert tomita(**{**MIN, "bone": "isolated"}).levels["bone"] == "solitary"
    assert tomita(**{**MIN, "growth": "Rapid"}).points["growth"] == 4


def test_tomita_total() -> None:
    assert tomita_total({"growth": 4, "visceral": 2, "bone": 2}) == 8
    with pytest.raises(InputError, match="growth"):
        tomita_total({"growth": 3, "visceral": 2, "bone": 2})
    with pytest.raises(InputError, match="visceral"):
        tomita_total({"growth": 4, "visceral": 1, "bone": 2})
    with pytest.raises(InputError, match="missing bone"):
        tomita_total({"growth": 4, "visceral": 2})
