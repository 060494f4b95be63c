"""Spinal Instability Neoplastic Score (SINS).

Fisher CG, DiPaola CP, Ryken TC, et al. A novel classification system for spinal instability in
neoplastic disease: an evidence-based approach and expert consensus from the Spine Oncology
Study Group. Spine 2010;35:E1221-9.

.. math:: \\mathrm{SINS} = L + P + B + A + C + PL \\in [0, 18]

with location L in {3, 2, 1, 0}, pain P in {3, 1, 0} (there is no 2), bone lesion B in
{2, 1, 0}, alignment A in {4, 2, 0}, vertebral body collapse C in {3, 2, 1, 0} and
posterolateral involvement PL in {3, 1, 0} (DOMAIN.md section 1). Categories: 0-6 stable,
7-12 potentially unstable, 13-18 unstable; 7 or more warrants a surgical consultation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from rtdelay.errors import InputError
from rtdelay.scores._common import (
    ScoreInput,
    ScoreResult,
    band_category,
    check_component_points,
    invalid,
    lookup_word,
)

__all__ = [
    "SINS_BANDS",
    "SINS_POINTS",
    "SPINAL_LEVELS",
    "sins",
    "sins_category",
    "sins_location",
    "sins_total",
    "spinal_level",
]

#: Component -> level word -> points (Fisher 2010; DOMAIN.md section 1). Read-only.
SINS_POINTS: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {
        "location": MappingProxyType({"junctional": 3, "mobile": 2, "semirigid": 1, "rigid": 0}),
        "pain": MappingProxyType({"mechanical": 3, "occasional": 1, "none": 0}),
        "lesion": MappingProxyType({"lytic": 2, "mixed": 1, "blastic": 0}),
        "alignment": MappingProxyType({"subluxation": 4, "deformity": 2, "normal": 0}),
        "collapse": MappingProxyType({"over50": 3, "under50": 2, "body_involved": 1, "none": 0}),
        "posterolateral": MappingProxyType({"bilateral": 3, "unilateral": 1, "none": 0}),
    }
)

#: (lowest total, highest total, category) bands of SINS.
SINS_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 6, "stable"),
    (7, 12, "potentially unstable"),
    (13, 18, "unstable"),
)

_NOTE_SURGICAL = "SINS >= 7: surgical consultation is warranted (before RT where RT is planned)"

#: Every vertebral level the scores accept, cranial to caudal.
SPINAL_LEVELS: tuple[str, ...] = (
    tuple(f"C{i}" for i in range(1, 8))
    + tuple(f"T{i}" for i in range(1, 13))
    + tuple(f"L{i}" for i in range(1, 6))
    + tuple(f"S{i}" for i in range(1, 6))
)

# Fisher 2010 location classes: junctional (occiput-C2, C7-T2, T11-L1, L5-S1), mobile (C3-C6,
# L2-L4), semi-rigid (T3-T10), rigid (S2-S5).
_JUNCTIONAL = {"C1", "C2", "C7", "T1", "T2", "T11", "T12", "L1", "L5", "S1"}
_MOBILE = {"C3", "C4", "C5", "C6", "L2", "L3", "L4"}
_SEMIRIGID = {f"T{i}" for i in range(3, 11)}
_RIGID = {"S2", "S3", "S4", "S5"}
_CLASS_OF_LEVEL: dict[str, str] = {
    level: cls
    for cls, members in (
        ("junctional", _JUNCTIONAL),
        ("mobile", _MOBILE),
        ("semirigid", _SEMIRIGID),
        ("rigid", _RIGID),
    )
    for level in members
}

_ALIASES: dict[str, dict[str, str]] = {
    "location": {"semi_rigid": "semirigid", "occiput": "junctional"},
    "pain": {"pain_free": "none", "no": "none", "mechanical_pain": "mechanical"},
    "lesion": {"lytic_blastic": "mixed", "mixed_lytic_blastic": "mixed", "mixed_lytic/blastic": "mixed"},
    "alignment": {
        "translation": "subluxation",
        "subluxation_translation": "subluxation",
        "subluxation/translation": "subluxation",
        "kyphosis": "deformity",
        "scoliosis": "deformity",
        "de_novo_deformity": "deformity",
    },
    "collapse": {
        ">50%": "over50",
        ">50": "over50",
        "over_50": "over50",
        "<50%": "under50",
        "<50": "under50",
        "under_50": "under50",
        "no_collapse": "body_involved",
    },
    "posterolateral": {"no": "none"},
}

_LEVEL = re.compile(r"^([CTLS])(\d{1,2})$")
_RANGE = re.compile(r"^([CTLS]\d{1,2})\s*[-\u2013\u2014]\s*([CTLS]?\d{1,2})$")


def _one_level(text: str, original: object) -> str:
    match = _LEVEL.match(text)
    if not match or f"{match.group(1)}{int(match.group(2))}" not in SPINAL_LEVELS:
        raise InputError(
            f"spinal level must be one of C1-C7, T1-T12, L1-L5, S1-S5 or a range such as "
            f"T11-L1; got {original!r}"
        )
    return f"{match.group(1)}{int(match.group(2))}"


def spinal_level(text: str) -> str:
    """Canonical single level of ``text``; for a range, its upper (most cranial) end.

    ``"t12"`` -> ``"T12"``; ``"T11-L1"`` -> ``"T11"``; ``"L1-T11"`` -> ``"T11"``;
    ``"T11-12"`` -> ``"T11"`` (the second level may omit its region letter). This is the same
    rule the data dictionary uses to derive ``location`` from ``index_level``.

    Raises
    ------
    InputError
        For anything other than C1-C7, T1-T12, L1-L5, S1-S5 or a range of two such levels.
    """
    if not isinstance(text, str):
        raise InputError(f"spinal level must be text such as 'T12' or 'T11-L1'; got {text!r}")
    compact = text.strip().upper()
    match = _RANGE.match(compact)
    if match:
        first = _one_level(match.group(1), text)
        second_text = match.group(2)
        if second_text[0].isdigit():
            second_text = first[0] + second_text
        second = _one_level(second_text, text)
        return min(first, second, key=SPINAL_LEVELS.index)
    return _one_level(compact, text)


def sins_location(level: str) -> str:
    """SINS location class of a spinal level or range (upper end of a range).

    Returns ``"junctional"`` (occiput-C2, C7-T2, T11-L1, L5-S1), ``"mobile"`` (C3-C6, L2-L4),
    ``"semirigid"`` (T3-T10) or ``"rigid"`` (S2-S5).

    Notes
    -----
    A lesion spanning several levels is classed by its upper (most cranial) level, as the data
    dictionary derives ``location``. Fisher 2010 scores the most unstable level; where a range
    crosses a class boundary, give the class word explicitly if the lower end is worse.
    """
    return _CLASS_OF_LEVEL[spinal_level(level)]


def _location(value: ScoreInput) -> tuple[str, int, str]:
    table = SINS_POINTS["location"]
    expected = (
        "one of junctional, mobile, semirigid, rigid (or points 3, 2, 1, 0), or a spinal "
        "level C1-C7, T1-T12, L1-L5, S1-S5 (a range such as T11-L1 uses its upper end)"
    )
    if isinstance(value, str):
        compact = value.strip().upper()
        if compact and compact[0] in "CTLS" and any(ch.isdigit() for ch in compact):
            try:
                level = spinal_level(value)
            except InputError:
                raise invalid("location", value, expected) from None
            word = _CLASS_OF_LEVEL[level]
            is_range = not _LEVEL.match(compact)
            shown = f"{level}, upper end of {value.strip()}" if is_range else level
            return word, table[word], f"{word} ({shown})"
    word, pts = lookup_word(
        "location", value, table, aliases=_ALIASES["location"], expected=expected
    )
    return word, pts, word


def sins(
    *,
    location: ScoreInput,
    pain: ScoreInput,
    lesion: ScoreInput,
    alignment: ScoreInput,
    collapse: ScoreInput,
    posterolateral: ScoreInput,
) -> ScoreResult:
    """Spinal Instability Neoplastic Score from its six components.

    Parameters
    ----------
    location : str or int
        ``"junctional"`` (3), ``"mobile"`` (2), ``"semirigid"`` (1), ``"rigid"`` (0), points, or
        a spinal level such as ``"T12"`` / a range such as ``"T11-L1"`` (upper end used, see
        :func:`sins_location`).
    pain : str or int
        ``"mechanical"`` (3), ``"occasional"`` (1, non-mechanical), ``"none"`` (0). There is no
        2-point pain level.
    lesion : str or int
        ``"lytic"`` (2), ``"mixed"`` (1), ``"blastic"`` (0).
    alignment : str or int
        ``"subluxation"`` (4, subluxation/translation), ``"deformity"`` (2, de novo
        kyphosis/scoliosis), ``"normal"`` (0).
    collapse : str or int
        ``"over50"`` (3), ``"under50"`` (2), ``"body_involved"`` (1, no collapse but > 50 % of
        the body involved), ``"none"`` (0).
    posterolateral : str or int
        ``"bilateral"`` (3), ``"unilateral"`` (1), ``"none"`` (0).

    Returns
    -------
    ScoreResult
        ``total`` in 0-18; ``category`` ``"stable"`` (0-6), ``"potentially unstable"`` (7-12) or
        ``"unstable"`` (13-18).

    Raises
    ------
    InputError
        A component value that is not allowed; the message lists the allowed values.

    Notes
    -----
    Integers, digit strings, ``"3p"`` and :class:`Points` are points and must be among the
    points the component allows.

    References
    ----------
    Fisher CG et al. Spine 2010;35:E1221-9.
    """
    word, loc_points, loc_text = _location(location)
    points: dict[str, int] = {"location": loc_points}
    levels: dict[str, str] = {"location": loc_text}
    given = {
        "pain": pain,
        "lesion": lesion,
        "alignment": alignment,
        "collapse": collapse,
        "posterolateral": posterolateral,
    }
    for component, value in given.items():
        word, pts = lookup_word(
            component, value, SINS_POINTS[component], aliases=_ALIASES[component]
        )
        points[component] = pts
        levels[component] = word
    total = sum(points.values())
    return ScoreResult(
        name="sins",
        total=total,
        category=sins_category(total),
        points=points,
        levels=levels,
        note=_NOTE_SURGICAL if total >= 7 else "",
    )


def sins_total(points: Mapping[str, int]) -> int:
    """Total SINS from component points (keys as in :data:`SINS_POINTS`).

    Each value is checked against the points its component allows (e.g. pain in {0, 1, 3});
    a missing or unknown component is an error. Pure and cheap: the cohort layer may call it
    once per row.
    """
    return check_component_points("sins", points, SINS_POINTS)


def sins_category(total: int) -> str:
    """``"stable"`` (0-6), ``"potentially unstable"`` (7-12) or ``"unstable"`` (13-18).

    Raises InputError (a ValueError) for a total outside 0-18 or not a whole number.
    """
    return band_category("sins", total, SINS_BANDS)
