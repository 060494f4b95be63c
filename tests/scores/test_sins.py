"""SINS against DOMAIN.md section 1 (Fisher 2010). Every expected value below is typed from the
DOMAIN.md point table by hand, never taken from the code."""

from __future__ import annotations

import numpy as np
import pytest

from rtdelay.errors import InputError
from rtdelay.scores import (
    SINS_POINTS,
    SPINAL_LEVELS,
    Points,
    sins,
    sins_category,
    sins_location,
    sins_total,
    spinal_level,
)

# A zero-point baseline: rigid location (S3), no pain, blastic, normal alignment, no collapse,
# no posterolateral involvement -> total 0.
ZERO = dict(
    location="rigid",
    pain="none",
    lesion="blastic",
    alignment="normal",
    collapse="none",
    posterolateral="none",
)

# (component, word, points) -- DOMAIN.md section 1 table.
LEVELS = [
    ("location", "junctional", 3),
    ("location", "mobile", 2),
    ("location", "semirigid", 1),
    ("location", "rigid", 0),
    ("pain", "mechanical", 3),
    ("pain", "occasional", 1),
    ("pain", "none", 0),
    ("lesion", "lytic", 2),
    ("lesion", "mixed", 1),
    ("lesion", "blastic", 0),
    ("alignment", "subluxation", 4),
    ("alignment", "deformity", 2),
    ("alignment", "normal", 0),
    ("collapse", "over50", 3),
    ("collapse", "under50", 2),
    ("collapse", "body_involved", 1),
    ("collapse", "none", 0),
    ("posterolateral", "bilateral", 3),
    ("posterolateral", "unilateral", 1),
    ("posterolateral", "none", 0),
]


@pytest.mark.parametrize(("component", "word", "points"), LEVELS)
def test_every_level_by_word(component: str, word: str, points: int) -> None:
    result = sins(**{**ZERO, component: word})
    assert result.points[component] == points
    assert result.total == points
    assert result.levels[component] == word


@pytest.mark.parametrize(("component", "word", "points"), LEVELS)
def test_every_level_by_points(component: str, word: str, points: int) -> None:
    for given in (points, str(points), f"{points}p", Points(points), np.int64(points)):
        result = sins(**{**ZERO, component: given})
        assert result.points[component] == points
        assert result.levels[component] == word


def test_points_table_matches_domain() -> None:
    expected = {}
    for component, word, points in LEVELS:
        expected.setdefault(component, {})[word] = points
    assert {c: dict(v) for c, v in SINS_POINTS.items()} == expected


def test_minimum_and_maximum_total() -> None:
    assert sins(**ZERO).total == 0
    assert sins(**ZERO).category == "stable"
    top = sins(
        location="junctional",
        pain="mechanical",
        lesion="lytic",
        alignment="subluxation",
        collapse="over50",
        posterolateral="bilateral",
    )
    assert top.total == 18  # 3 + 3 + 2 + 4 + 3 + 3
    assert top.category == "unstable"


def test_worked_example() -> None:
    # T12 junctional 3 + mechanical 3 + lytic 2 + normal 0 + <50% collapse 2 + unilateral 1 = 11
    result = sins(
        location="T12",
        pain="mechanical",
        lesion="lytic",
        alignment="normal",
        collapse="under50",
        posterolateral="unilateral",
    )
    assert result.total == 11
    assert result.category == "potentially unstable"
    assert result.points == {
        "location": 3,
        "pain": 3,
        "lesion": 2,
        "alignment": 0,
        "collapse": 2,
        "posterolateral": 1,
    }
    assert result.note  # >= 7: surgical consultation


@pytest.mark.parametrize(
    ("total", "category"),
    [
        (0, "stable"),
        (6, "stable"),
        (7, "potentially unstable"),
        (12, "potentially unstable"),
        (13, "unstable"),
        (18, "unstable"),
    ],
)
def test_category_boundaries(total: int, category: str) -> None:
    assert sins_category(total) == category


def test_category_boundaries_through_calculator() -> None:
    # 6: mechanical 3 + bilateral 3 -> stable; 7: + mixed 1 -> potentially unstable
    six = sins(**{**ZERO, "pain": "mechanical", "posterolateral": "bilateral"})
    assert (six.total, six.category, six.note) == (6, "stable", "")
    seven = sins(**{**ZERO, "pain": "mechanical", "posterolateral": "bilateral", "lesion": "mixed"})
    assert (seven.total, seven.category) == (7, "potentially unstable")
    # 12: subluxation 4 + over50 3 + bilateral 3 + lytic 2; 13: + occasional pain 1
    twelve = dict(ZERO, alignment="subluxation", collapse="over50", posterolateral="bilateral", lesion="lytic")
    assert sins(**twelve).total == 12
    assert sins(**twelve).category == "potentially unstable"
    assert sins(**{**twelve, "pain": "occasional"}).total == 13
    assert sins(**{**twelve, "pain": "occasional"}).category == "unstable"


@pytest.mark.parametrize("total", [-1, 19, 100, 6.5, "x", None, True, float("nan")])
def test_category_rejects_bad_totals(total: object) -> None:
    with pytest.raises(ValueError):
        sins_category(total)  # type: ignore[arg-type]


def test_pain_has_no_two_points() -> None:
    # Pitfall: one web page gives pain 3/2/1; the correct points are 3/1/0.
    with pytest.raises(InputError, match=r"pain must be one of mechanical, occasional, none \(or points 3, 1, 0\); got 2"):
        sins(**{**ZERO, "pain": 2})
    with pytest.raises(InputError):
        sins_total(dict(location=3, pain=2, lesion=2, alignment=0, collapse=2, posterolateral=1))


@pytest.mark.parametrize(
    ("component", "bad"),
    [
        ("pain", "sharp"),
        ("pain", 4),
        ("lesion", 3),
        ("alignment", 1),
        ("alignment", 3),
        ("collapse", 4),
        ("posterolateral", 2),
        ("location", 4),
        ("location", "T13"),
        ("location", "L6"),
        ("location", "C8"),
        ("location", "S6"),
        ("location", "X1"),
        ("lesion", None),
        ("lesion", True),
        ("lesion", 1.5),
        ("lesion", float("nan")),
        ("collapse", "-1"),
        ("pain", Points(2)),
    ],
)
def test_invalid_values_raise_input_error(component: str, bad: object) -> None:
    with pytest.raises(InputError, match=component):
        sins(**{**ZERO, component: bad})


def test_error_lists_allowed_values() -> None:
    with pytest.raises(InputError) as info:
        sins(**{**ZERO, "collapse": "total"})
    message = str(info.value)
    for word in ("over50", "under50", "body_involved", "none", "3, 2, 1, 0", "'total'"):
        assert word in message


# Level -> SINS location class, typed from DOMAIN.md: junctional occiput-C2, C7-T2, T11-L1,
# L5-S1; mobile C3-C6, L2-L4; semi-rigid T3-T10; rigid S2-S5.
LEVEL_CLASS = {
    "C1": "junctional", "C2": "junctional", "C3": "mobile", "C4": "mobile", "C5": "mobile",
    "C6": "mobile", "C7": "junctional",
    "T1": "junctional", "T2": "junctional", "T3": "semirigid", "T4": "semirigid",
    "T5": "semirigid", "T6": "semirigid", "T7": "semirigid", "T8": "semirigid",
    "T9": "semirigid", "T10": "semirigid", "T11": "junctional", "T12": "junctional",
    "L1": "junctional", "L2": "mobile", "L3": "mobile", "L4": "mobile", "L5": "junctional",
    "S1": "junctional", "S2": "rigid", "S3": "rigid", "S4": "rigid", "S5": "rigid",
}  # fmt: skip
CLASS_POINTS = {"junctional": 3, "mobile": 2, "semirigid": 1, "rigid": 0}


def test_every_spinal_level_is_classified() -> None:
    assert list(SPINAL_LEVELS) == list(LEVEL_CLASS)  # C1..S5 in cranio-caudal order, 29 levels
    assert len(SPINAL_LEVELS) == 29


@pytest.mark.parametrize(("level", "cls"), list(LEVEL_CLASS.items()))
def test_level_to_location(level: str, cls: str) -> None:
    assert sins_location(level) == cls
    assert sins_location(level.lower()) == cls
    result = sins(**{**ZERO, "location": level})
    assert result.points["location"] == CLASS_POINTS[cls]
    assert result.levels["location"] == f"{cls} ({level})"


@pytest.mark.parametrize(
    ("text", "upper"),
    [
        ("T11-L1", "T11"),
        ("L1-T11", "T11"),
        ("T11\u2013L1", "T11"),
        (" t11 - l1 ", "T11"),
        ("T11-12", "T11"),
        ("L5-S1", "L5"),
        ("C7-T2", "C7"),
        ("T2-T3", "T2"),
        ("T10-T11", "T10"),
        ("S1-S2", "S1"),
        ("T01", "T1"),
    ],
)
def test_ranges_use_upper_end(text: str, upper: str) -> None:
    assert spinal_level(text) == upper
    assert sins_location(text) == LEVEL_CLASS[upper]


def test_range_location_text_says_upper_end() -> None:
    result = sins(**{**ZERO, "location": "T10-T11"})
    assert result.points["location"] == 1  # T10 semi-rigid, though T11 is junctional
    assert "upper end" in result.levels["location"]


@pytest.mark.parametrize("text", ["T13", "L6", "C0", "S0", "T11-L9", "T", "11", "T11-", 12])
def test_bad_levels(text: object) -> None:
    with pytest.raises(InputError):
        spinal_level(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("component", "alias", "word"),
    [
        ("location", "Semi-rigid", "semirigid"),
        ("location", "JUNCTIONAL", "junctional"),
        ("pain", "pain-free", "none"),
        ("alignment", "kyphosis", "deformity"),
        ("alignment", "translation", "subluxation"),
        ("collapse", ">50%", "over50"),
        ("collapse", "<50%", "under50"),
        ("collapse", "body involved", "body_involved"),
    ],
)
def test_aliases(component: str, alias: str, word: str) -> None:
    assert sins(**{**ZERO, component: alias}).levels[component] == word


def test_sins_total() -> None:
    assert sins_total(dict(location=3, pain=3, lesion=2, alignment=0, collapse=2, posterolateral=1)) == 11
    assert sins_total(dict(location=0, pain=0, lesion=0, alignment=0, collapse=0, posterolateral=0)) == 0
    assert sins_total(dict(location=3, pain=3, lesion=2, alignment=4, collapse=3, posterolateral=3)) == 18
    with pytest.raises(InputError, match="missing posterolateral"):
        sins_total(dict(location=3, pain=3, lesion=2, alignment=0, collapse=2))
    with pytest.raises(InputError, match="unknown extra"):
        sins_total(dict(location=3, pain=3, lesion=2, alignment=0, collapse=2, posterolateral=1, extra=0))
    with pytest.raises(InputError, match="alignment"):
        sins_total(dict(location=3, pain=3, lesion=2, alignment=3, collapse=2, posterolateral=1))


def test_result_frame_and_dict() -> None:
    result = sins(**{**ZERO, "location": "C5", "pain": 3})
    as_dict = result.to_dict()
    assert as_dict["total"] == 5 and as_dict["category"] == "stable"
    assert as_dict["points"]["location"] == 2
    frame = result.to_frame()
    assert list(frame.columns) == ["component", "level", "points"]
    assert frame["points"].sum() == 5
    assert frame.attrs["total"] == 5
    with pytest.raises(AttributeError):
        result.total = 1  # type: ignore[misc]
