"""Shared pieces of the score calculators: the result type and the input parsing rules.

Every calculator accepts each component either as a word (``pain="mechanical"``), as points
(``pain=3``, checked against the points the score allows) or, where the score is built on a
clinical measurement (Karnofsky value, number of foci), as that measurement. Points can
always be given explicitly with :class:`Points` or the text form ``"3p"`` / ``"3pt"`` /
``"3 points"``, which removes any doubt between a measurement and a point value.

Invalid values raise :class:`rtdelay.errors.InputError` (a ``ValueError``) with a message that
names the component and lists the allowed values. Nothing here imports pandas at import time.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rtdelay.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "HISTOLOGIES",
    "Points",
    "ScoreInput",
    "ScoreResult",
    "band_category",
    "check_component_points",
    "describe_words",
    "explicit_points",
    "invalid",
    "lookup_word",
    "normalise_word",
    "parse_number",
    "parse_points_text",
]

#: Primary tumour categories of the cohort data dictionary (column ``histology``).
HISTOLOGIES: tuple[str, ...] = (
    "renal",
    "lung",
    "breast",
    "prostate",
    "thyroid",
    "liver",
    "gastric",
    "colorectal",
    "esophageal",
    "pancreatic",
    "gynecologic",
    "myeloma",
    "sarcoma",
    "unknown_primary",
    "other",
)


@dataclass(frozen=True)
class Points:
    """A component given directly as score points (``Points(3)``), never as a measurement.

    Use it where an integer would otherwise be read as a clinical value, e.g.
    ``tokuhashi(kps=Points(1), ...)`` (one point) versus ``tokuhashi(kps=60, ...)`` (KPS 60).
    """

    value: int

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, numbers.Integral):
            raise InputError(f"Points takes an integer; got {self.value!r}")
        object.__setattr__(self, "value", int(self.value))


#: What a calculator component accepts: a word/level/histology, an integer, or explicit points.
ScoreInput = str | int | float | Points


@dataclass(frozen=True)
class ScoreResult:
    """Result of one clinical score.

    Attributes
    ----------
    name : str
        ``"sins"``, ``"tomita"`` or ``"tokuhashi"``.
    total : int
        Sum of the component points.
    category : str
        The score's band for ``total`` (e.g. ``"potentially unstable"``).
    points : dict[str, int]
        Points per component, in the score's component order.
    levels : dict[str, str]
        The level each component was scored at, as readable text (e.g. ``"junctional (T12)"``).
    note : str
        Interpretation note for the category (empty if none).
    """

    name: str
    total: int
    category: str
    points: dict[str, int]
    levels: dict[str, str]
    note: str = field(default="")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary."""
        return {
            "name": self.name,
            "total": int(self.total),
            "category": self.category,
            "points": {k: int(v) for k, v in self.points.items()},
            "levels": dict(self.levels),
            "note": self.note,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per component (``component``, ``level``, ``points``).

        ``name``, ``total`` and ``category`` are in ``DataFrame.attrs``.
        """
        import pandas as pd

        frame = pd.DataFrame(
            {
                "component": list(self.points),
                "level": [self.levels[k] for k in self.points],
                "points": [int(v) for v in self.points.values()],
            }
        )
        frame.attrs.update({"name": self.name, "total": self.total, "category": self.category})
        return frame


_POINTS_TEXT = re.compile(r"^\s*(\d+)\s*(?:p|pt|pts|point|points)\s*$", re.IGNORECASE)
_INT_TEXT = re.compile(r"^\s*[+]?\d+\s*$")


def normalise_word(text: str) -> str:
    """Lower-case, trim, and turn spaces and hyphens into underscores (``"Semi-rigid"`` ->
    ``"semi_rigid"``)."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def parse_points_text(text: str) -> int | None:
    """``"3p"``, ``"3pt"``, ``"3 points"`` -> 3; anything else -> None."""
    match = _POINTS_TEXT.match(text)
    return int(match.group(1)) if match else None


def parse_number(component: str, value: object, expected: str) -> int | None:
    """Read ``value`` as a whole number if it is one, else return None.

    Integers (including numpy integers), floats with no fractional part and digit strings
    (``"60"``) are numbers. ``None``, NaN, booleans and fractional floats are errors: they are
    never a valid score input.
    """
    if value is None:
        raise InputError(f"{component} is missing; it must be {expected}")
    if isinstance(value, bool):
        raise invalid(component, value, expected)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            raise InputError(f"{component} is missing; it must be {expected}")
        if not number.is_integer():
            raise invalid(component, value, expected)
        return int(number)
    if isinstance(value, str) and _INT_TEXT.match(value):
        return int(value)
    return None


def invalid(component: str, value: object, expected: str) -> InputError:
    """The standard error: ``"pain must be one of ...; got 'sharp'"``."""
    return InputError(f"{component} must be {expected}; got {value!r}")


def describe_words(table: Mapping[str, int]) -> str:
    """``{"mechanical": 3, ...}`` -> ``"one of mechanical, occasional, none (or points 3, 1, 0)"``."""
    words = ", ".join(table)
    points = ", ".join(str(p) for p in _unique(table.values()))
    return f"one of {words} (or points {points})"


def _unique(values: Iterable[int]) -> list[int]:
    seen: list[int] = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def lookup_word(
    component: str,
    value: ScoreInput,
    table: Mapping[str, int],
    *,
    aliases: Mapping[str, str] | None = None,
    expected: str | None = None,
) -> tuple[str, int]:
    """Score a component whose natural input is a word (ints are points).

    Parameters
    ----------
    component : str
        Component name used in messages.
    value : str, int or Points
        A level word of ``table`` (or an alias), or points.
    table : Mapping[str, int]
        Level word -> points, in display order.
    aliases : Mapping[str, str], optional
        Normalised alternative spelling -> level word of ``table``.
    expected : str, optional
        Text listing the allowed values (default built from ``table``).

    Returns
    -------
    (level, points) : tuple[str, int]
        ``level`` is the level word (for points input: the first word with those points).
    """
    expected = expected or describe_words(table)
    points = explicit_points(component, value, expected)
    if points is None:
        if not isinstance(value, str):
            raise invalid(component, value, expected)
        word = normalise_word(value)
        word = (aliases or {}).get(word, word)
        if word not in table:
            raise invalid(component, value, expected)
        return word, table[word]
    for word, pts in table.items():
        if pts == points:
            return word, points
    raise invalid(component, value, expected)


def explicit_points(component: str, value: ScoreInput, expected: str) -> int | None:
    """Points from ``Points(n)``, ``"np"`` text, an integer or a digit string; else None."""
    if isinstance(value, Points):
        return value.value
    if isinstance(value, str):
        pts = parse_points_text(value)
        if pts is not None:
            return pts
    return parse_number(component, value, expected)


def check_component_points(
    score: str, points: Mapping[str, int], table: Mapping[str, Mapping[str, int]]
) -> int:
    """Validate a complete set of component points against ``table`` and return their sum.

    Every component of ``table`` must be present, no other key may be, and each value must be
    one of the points that component allows.
    """
    missing = [c for c in table if c not in points]
    extra = [c for c in points if c not in table]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if extra:
            parts.append("unknown " + ", ".join(map(str, extra)))
        raise InputError(
            f"{score} needs exactly the components {', '.join(table)}; " + "; ".join(parts)
        )
    total = 0
    for component, levels in table.items():
        allowed = sorted(set(levels.values()), reverse=True)
        text = f"points {', '.join(map(str, allowed))}"
        value = parse_number(f"{score} {component}", points[component], text)
        if value is None or value not in allowed:
            raise invalid(f"{score} {component}", points[component], text)
        total += value
    return total


def band_category(score: str, total: object, bands: Sequence[tuple[int, int, str]]) -> str:
    """Return the label of the band ``(low, high, label)`` that contains ``total``.

    Raises InputError (a ValueError) for a non-integer or a total outside the score's range.
    """
    low, high = bands[0][0], bands[-1][1]
    expected = f"a whole number from {low} to {high}"
    value = parse_number(f"{score} total", total, expected)
    if value is None:
        raise invalid(f"{score} total", total, expected)
    for lo, hi, label in bands:
        if lo <= value <= hi:
            return label
    raise invalid(f"{score} total", total, expected)
