"""Revised Tokuhashi score (2005) for the prognosis of metastatic spine tumours.

Tokuhashi Y, Matsuzaki H, Oda H, Oshima M, Ryu J. A revised scoring system for preoperative
evaluation of metastatic spine tumor prognosis. Spine 2005;30:2186-91.

.. math:: \\mathrm{Tokuhashi} = K + E + V + O + P + F \\in [0, 15]

with general condition K (KPS 10-40 -> 0, 50-70 -> 1, 80-100 -> 2), extraspinal bone
metastasis foci E (>= 3 -> 0, 1-2 -> 1, 0 -> 2), metastases in the vertebral body V (>= 3
vertebrae -> 0, 2 -> 1, 1 -> 2), major internal organ metastases O (unremovable 0, removable 1,
none 2), primary site P (0-5) and palsy F (Frankel A/B -> 0, C/D -> 1, E -> 2)
(DOMAIN.md section 3). Predicted survival: 0-8 < 6 months, 9-11 >= 6 months, 12-15 >= 1 year.

The vertebral item is >= 3 / 2 / 1 vertebrae (the 1990 item). Reproductions that print
>= 3 / 1-2 / 0 copy the extraspinal row by mistake; a patient scored for spinal metastasis has
at least one involved vertebra, so a count of 0 is rejected.

KPS 0 (dead) is rejected: the bands start at 10 and a dead patient is not scored.

Primary site
------------
The [V] source (NICE CG75 reproduction) lost some rows; DOMAIN.md marks "others" (2) and
"rectum" (4) as [M]. Dictionary histology -> points used here:

- 0: lung, gastric (stomach), esophageal, pancreatic, and ``sarcoma`` (the table's
  "osteosarcoma"; a non-osteogenic sarcoma strictly falls under "others", 2: pass points).
- 1: liver, ``unknown_primary`` ("unidentified").
- 2: ``other``, and ``myeloma``, which the table does not list; placed under "others" ([M]
  decision of this package).
- 3: renal (kidney), gynecologic (uterus).
- 4: ``colorectal`` for the table's "rectum" ([M]); a colonic primary strictly falls under
  "others" (2): pass points if the site is known to be colon.
- 5: thyroid, breast, prostate.

Bladder (0), gallbladder (1) and carcinoid (5) are not dictionary categories: pass their points.

Points
------
KPS, extraspinal and vertebral take the clinical number (KPS value, counts) when given an
integer; give points there as ``Points(n)`` or the text ``"np"`` (e.g. ``"1p"``). For organ,
primary and palsy an integer is points.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rtdelay.errors import InputError
from rtdelay.scores._common import (
    Points,
    ScoreInput,
    ScoreResult,
    band_category,
    check_component_points,
    describe_words,
    explicit_points,
    invalid,
    lookup_word,
    normalise_word,
    parse_number,
    parse_points_text,
)

__all__ = [
    "TOKUHASHI_BANDS",
    "TOKUHASHI_POINTS",
    "TOKUHASHI_TREATMENT",
    "tokuhashi",
    "tokuhashi_category",
    "tokuhashi_total",
]

#: Component -> level -> points (Tokuhashi 2005; DOMAIN.md section 3). Read-only.
#: ``primary`` is keyed by dictionary histology (module docstring), ``palsy`` by Frankel grade.
TOKUHASHI_POINTS: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {
        "kps": MappingProxyType({"poor": 0, "moderate": 1, "good": 2}),
        "extraspinal": MappingProxyType({">=3": 0, "1-2": 1, "0": 2}),
        "vertebral": MappingProxyType({">=3": 0, "2": 1, "1": 2}),
        "organ": MappingProxyType({"unremovable": 0, "removable": 1, "none": 2}),
        "primary": MappingProxyType(
            {
                "lung": 0,
                "sarcoma": 0,
                "gastric": 0,
                "esophageal": 0,
                "pancreatic": 0,
                "liver": 1,
                "unknown_primary": 1,
                "other": 2,
                "myeloma": 2,
                "renal": 3,
                "gynecologic": 3,
                "colorectal": 4,
                "thyroid": 5,
                "breast": 5,
                "prostate": 5,
            }
        ),
        "palsy": MappingProxyType({"A": 0, "B": 0, "C": 1, "D": 1, "E": 2}),
    }
)

#: (lowest total, highest total, predicted survival) bands of the revised Tokuhashi score.
TOKUHASHI_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 8, "< 6 months"),
    (9, 11, ">= 6 months"),
    (12, 15, ">= 1 year"),
)

#: Predicted survival band -> usual treatment suggestion (DOMAIN.md marks this column [M]).
TOKUHASHI_TREATMENT: Mapping[str, str] = MappingProxyType(
    {
        "< 6 months": "conservative or palliative treatment",
        ">= 6 months": (
            "palliative surgery; excisional if a single lesion without major-organ metastases"
        ),
        ">= 1 year": "excisional surgery",
    }
)

_KPS_BANDS = {"poor": "KPS 10-40", "moderate": "KPS 50-70", "good": "KPS 80-100"}
_PRIMARY_GROUPS = {
    0: "lung, osteosarcoma, stomach, bladder, oesophagus, pancreas",
    1: "liver, gallbladder, unidentified",
    2: "others",
    3: "kidney, uterus",
    4: "rectum",
    5: "thyroid, breast, prostate, carcinoid",
}
_PALSY_GROUPS = {0: "complete (Frankel A, B)", 1: "incomplete (Frankel C, D)", 2: "none (Frankel E)"}
_ORGAN_ALIASES = {"no": "none", "absent": "none", "not_removable": "unremovable"}


def _given_points(component: str, value: ScoreInput, allowed: set[int], expected: str) -> int | None:
    """Points given explicitly as ``Points(n)`` or ``"np"`` text (checked), else None."""
    if isinstance(value, Points):
        pts: int | None = value.value
    elif isinstance(value, str):
        pts = parse_points_text(value)
    else:
        pts = None
    if pts is not None and pts not in allowed:
        raise invalid(component, value, expected)
    return pts


def _kps(value: ScoreInput) -> tuple[int, str]:
    expected = (
        "a Karnofsky value 10-100 in steps of 10, one of poor, moderate, good, "
        "or points written as '0p', '1p', '2p'"
    )
    table = TOKUHASHI_POINTS["kps"]
    pts = _given_points("kps", value, {0, 1, 2}, expected)
    if pts is not None:
        word = next(w for w, p in table.items() if p == pts)
        return pts, f"points {pts} ({word}, {_KPS_BANDS[word]})"
    kps = parse_number("kps", value, expected)
    if kps is not None:
        if kps == 0:
            raise InputError(
                "kps 0 means dead and cannot be scored; kps must be a Karnofsky value 10-100 "
                "in steps of 10"
            )
        if kps % 10 or not 10 <= kps <= 100:
            raise invalid("kps", value, expected)
        word = "poor" if kps <= 40 else "moderate" if kps <= 70 else "good"
        return table[word], f"KPS {kps} ({word}, {_KPS_BANDS[word][4:]})"
    if isinstance(value, str) and normalise_word(value) in table:
        word = normalise_word(value)
        return table[word], f"{word} ({_KPS_BANDS[word]})"
    raise invalid("kps", value, expected)


def _count(component: str, value: ScoreInput, *, minimum: int) -> tuple[int, str]:
    table = TOKUHASHI_POINTS[component]
    what = "foci" if component == "extraspinal" else "vertebrae"
    expected = (
        f"a count of {what} (a whole number >= {minimum}), one of {', '.join(table)}, "
        "or points written as '0p', '1p', '2p'"
    )
    pts = _given_points(component, value, {0, 1, 2}, expected)
    if pts is not None:
        band = next(b for b, p in table.items() if p == pts)
        return pts, f"points {pts} ({band} {what})"
    count = parse_number(component, value, expected)
    if count is not None:
        if count < minimum:
            if component == "vertebral" and count == 0:
                raise InputError(
                    "vertebral must count at least 1 involved vertebra (a patient scored for "
                    "spinal metastasis has one); got 0"
                )
            raise invalid(component, value, expected)
        if count >= 3:
            band = ">=3"
        elif component == "extraspinal" and count > 0:
            band = "1-2"
        else:
            band = str(count)
        return table[band], f"count {count} ({band} {what})"
    if isinstance(value, str):
        key = "".join(value.split()).replace("\u2265", ">=").replace("\u2013", "-")
        key = ">=3" if key == "3+" else key
        if key in table:
            return table[key], f"{key} {what}"
    raise invalid(component, value, expected)


def _grouped(
    component: str, value: ScoreInput, groups: Mapping[int, str], *, upper: bool = False
) -> tuple[int, str]:
    """Primary site or palsy: a level word of the table, or points (any integer form)."""
    table = TOKUHASHI_POINTS[component]
    expected = describe_words(table)
    pts = explicit_points(component, value, expected)
    if pts is not None:
        if pts not in groups:
            raise invalid(component, value, expected)
        return pts, f"points {pts} ({groups[pts]})"
    if isinstance(value, str):
        key = value.strip().upper() if upper else normalise_word(value)
        if upper and key.startswith("FRANKEL"):
            key = key[len("FRANKEL") :].strip()
        if key in table:
            return table[key], (f"Frankel {key}" if upper else key)
    raise invalid(component, value, expected)


def tokuhashi(
    *,
    kps: ScoreInput,
    extraspinal: ScoreInput,
    vertebral: ScoreInput,
    organ: ScoreInput,
    primary: ScoreInput,
    palsy: ScoreInput,
) -> ScoreResult:
    """Revised Tokuhashi score (2005) from its six items.

    Parameters
    ----------
    kps : int or str
        Karnofsky value 10-100 in steps of 10 (10-40 -> 0, 50-70 -> 1, 80-100 -> 2), or
        ``"poor"``/``"moderate"``/``"good"``, or points as ``Points(n)``/``"np"``. KPS 0 is
        rejected (a dead patient is not scored).
    extraspinal : int or str
        Number of extraspinal bone metastasis foci (>= 3 -> 0, 1-2 -> 1, 0 -> 2), or
        ``">=3"``/``"1-2"``, or points as ``Points(n)``/``"np"``.
    vertebral : int or str
        Number of involved vertebrae (>= 3 -> 0, 2 -> 1, 1 -> 2; 0 is rejected), or ``">=3"``,
        or points as ``Points(n)``/``"np"``.
    organ : str or int
        Metastases to major internal organs: ``"unremovable"`` (0), ``"removable"`` (1),
        ``"none"`` (2), or points.
    primary : str or int
        A dictionary histology (mapping in the module docstring; partly [M]) or points 0-5.
    palsy : str or int
        Frankel grade A-E (A, B -> 0; C, D -> 1; E -> 2) or points.

    Returns
    -------
    ScoreResult
        ``total`` in 0-15; ``category`` the predicted survival (``"< 6 months"`` 0-8,
        ``">= 6 months"`` 9-11, ``">= 1 year"`` 12-15); ``note`` the usual treatment ([M]).

    Raises
    ------
    InputError
        A value that is not allowed; the message lists the allowed values.

    References
    ----------
    Tokuhashi Y et al. Spine 2005;30:2186-91.
    """
    items: dict[str, tuple[int, str]] = {
        "kps": _kps(kps),
        "extraspinal": _count("extraspinal", extraspinal, minimum=0),
        "vertebral": _count("vertebral", vertebral, minimum=1),
    }
    organ_word, organ_points = lookup_word(
        "organ", organ, TOKUHASHI_POINTS["organ"], aliases=_ORGAN_ALIASES
    )
    items["organ"] = (organ_points, organ_word)
    items["primary"] = _grouped("primary", primary, _PRIMARY_GROUPS)
    items["palsy"] = _grouped("palsy", palsy, _PALSY_GROUPS, upper=True)
    points = {k: v[0] for k, v in items.items()}
    levels = {k: v[1] for k, v in items.items()}
    total = sum(points.values())
    category = tokuhashi_category(total)
    return ScoreResult(
        name="tokuhashi",
        total=total,
        category=category,
        points=points,
        levels=levels,
        note=f"usual treatment: {TOKUHASHI_TREATMENT[category]}",
    )


def tokuhashi_total(points: Mapping[str, int]) -> int:
    """Total revised Tokuhashi score from component points.

    Keys ``kps``, ``extraspinal``, ``vertebral``, ``organ`` (each {0, 1, 2}), ``primary``
    ({0, ..., 5}) and ``palsy`` ({0, 1, 2}).
    """
    return check_component_points("tokuhashi", points, TOKUHASHI_POINTS)


def tokuhashi_category(total: int) -> str:
    """Predicted survival band of a revised Tokuhashi total (0-8, 9-11, 12-15).

    Raises InputError (a ValueError) for a total outside 0-15 or not a whole number.
    """
    return band_category("tokuhashi", total, TOKUHASHI_BANDS)

