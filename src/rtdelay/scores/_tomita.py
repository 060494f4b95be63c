"""Tomita score for surgical strategy in spinal metastases.

Tomita K, Kawahara N, Kobayashi T, Yoshida A, Murakami H, Akamaru T. Surgical strategy for
spinal metastases. Spine 2001;26:298-306.

.. math:: \\mathrm{Tomita} = G + V + B \\in [2, 10]

with primary tumour growth G in {1 slow, 2 moderate, 4 rapid}, visceral metastases V in
{0 none, 2 treatable, 4 untreatable} and bone metastases B in {1 solitary/isolated, 2 multiple}
(DOMAIN.md section 2). Rapid growth scores 4, not 3: with 3 the maximum could not reach 10.
Treatment-goal bands: 2-3 long-term local control, 4-5 middle-term local control, 6-7
short-term palliation, 8-10 terminal care.

Histology -> growth class
-------------------------
DOMAIN.md marks the histology lists as [M] (background knowledge, not verified against
Tomita 2001 Table 1). The examples it gives are used as stated: slow = breast, thyroid,
prostate; moderate = renal (kidney), gynecologic (uterus); rapid = lung, liver, gastric,
colorectal, unknown_primary, plus esophageal and pancreatic (aggressive gastrointestinal
carcinomas, like stomach). The remaining dictionary categories are decisions of this package,
also [M]:

- ``myeloma`` -> moderate: it is not in Tomita's examples; it is radiosensitive with long
  survival, but a haematological disease outside the scheme, so the middle class is used.
- ``sarcoma`` -> rapid: consistent with the revised Tokuhashi score, which puts osteosarcoma in
  its worst primary-site group.
- ``other`` -> moderate: the middle class, for want of information.

When the growth class of a tumour is known, pass it (``growth="slow"``) instead of a histology.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rtdelay.errors import InputError
from rtdelay.scores._common import (
    HISTOLOGIES,
    ScoreInput,
    ScoreResult,
    band_category,
    check_component_points,
    invalid,
    lookup_word,
    normalise_word,
    parse_points_text,
)

__all__ = [
    "TOMITA_BANDS",
    "TOMITA_GROWTH_BY_HISTOLOGY",
    "TOMITA_POINTS",
    "TOMITA_STRATEGY",
    "growth_class",
    "tomita",
    "tomita_category",
    "tomita_total",
]

#: Component -> level word -> points (Tomita 2001; DOMAIN.md section 2). Read-only.
TOMITA_POINTS: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {
        "growth": MappingProxyType({"slow": 1, "moderate": 2, "rapid": 4}),
        "visceral": MappingProxyType({"none": 0, "treatable": 2, "untreatable": 4}),
        "bone": MappingProxyType({"solitary": 1, "multiple": 2}),
    }
)

#: Dictionary histology -> Tomita growth class ([M] mapping; see the module docstring).
TOMITA_GROWTH_BY_HISTOLOGY: Mapping[str, str] = MappingProxyType(
    {
        "breast": "slow",
        "thyroid": "slow",
        "prostate": "slow",
        "renal": "moderate",
        "gynecologic": "moderate",
        "myeloma": "moderate",
        "other": "moderate",
        "lung": "rapid",
        "liver": "rapid",
        "gastric": "rapid",
        "colorectal": "rapid",
        "esophageal": "rapid",
        "pancreatic": "rapid",
        "sarcoma": "rapid",
        "unknown_primary": "rapid",
    }
)

#: (lowest total, highest total, treatment goal) bands of the Tomita score.
TOMITA_BANDS: tuple[tuple[int, int, str], ...] = (
    (2, 3, "long-term local control"),
    (4, 5, "middle-term local control"),
    (6, 7, "short-term palliation"),
    (8, 10, "terminal care"),
)

#: Treatment goal -> usual surgical strategy (DOMAIN.md marks this column [M]).
TOMITA_STRATEGY: Mapping[str, str] = MappingProxyType(
    {
        "long-term local control": "wide or marginal excision (e.g. en-bloc spondylectomy)",
        "middle-term local control": "marginal or intralesional excision",
        "short-term palliation": "palliative surgery (decompression/stabilisation)",
        "terminal care": "non-operative supportive care",
    }
)

_ALIASES: dict[str, dict[str, str]] = {
    "growth": {"slow_growth": "slow", "moderate_growth": "moderate", "rapid_growth": "rapid"},
    "visceral": {"no": "none", "absent": "none"},
    "bone": {"isolated": "solitary", "single": "solitary"},
}

def growth_class(histology: str) -> str:
    """Tomita growth class (``"slow"``, ``"moderate"``, ``"rapid"``) of a dictionary histology.

    The mapping is :data:`TOMITA_GROWTH_BY_HISTOLOGY`, an [M] mapping (module docstring).

    Raises
    ------
    InputError
        ``histology`` is not one of the data dictionary's categories.
    """
    if isinstance(histology, str):
        key = normalise_word(histology)
        if key in TOMITA_GROWTH_BY_HISTOLOGY:
            return TOMITA_GROWTH_BY_HISTOLOGY[key]
    raise invalid("histology", histology, "one of " + ", ".join(HISTOLOGIES))


def _growth(value: ScoreInput) -> tuple[str, int, str]:
    table = TOMITA_POINTS["growth"]
    expected = (
        "one of slow, moderate, rapid (or points 1, 2, 4), or a histology: "
        + ", ".join(HISTOLOGIES)
    )
    if isinstance(value, str) and parse_points_text(value) is None:
        key = normalise_word(value)
        if key in TOMITA_GROWTH_BY_HISTOLOGY:
            word = TOMITA_GROWTH_BY_HISTOLOGY[key]
            return word, table[word], f"{word} ({key})"
    try:
        word, pts = lookup_word("growth", value, table, aliases=_ALIASES["growth"])
    except InputError:
        raise invalid("growth", value, expected) from None
    return word, pts, word


def tomita(*, growth: ScoreInput, visceral: ScoreInput, bone: ScoreInput) -> ScoreResult:
    """Tomita score from its three factors.

    Parameters
    ----------
    growth : str or int
        ``"slow"`` (1), ``"moderate"`` (2), ``"rapid"`` (4), points, or a dictionary histology
        (mapped by :func:`growth_class`, an [M] mapping).
    visceral : str or int
        ``"none"`` (0), ``"treatable"`` (2), ``"untreatable"`` (4), or points.
    bone : str or int
        ``"solitary"`` (1, solitary or isolated bone metastasis, spine included),
        ``"multiple"`` (2), or points.

    Returns
    -------
    ScoreResult
        ``total`` in 2-10; ``category`` is the treatment goal band; ``note`` the usual surgical
        strategy for it ([M]).

    Raises
    ------
    InputError
        A value that is not allowed; the message lists the allowed values.

    References
    ----------
    Tomita K et al. Spine 2001;26:298-306.
    """
    word, growth_points, growth_text = _growth(growth)
    points = {"growth": growth_points}
    levels = {"growth": growth_text}
    for component, value in (("visceral", visceral), ("bone", bone)):
        word, pts = lookup_word(
            component, value, TOMITA_POINTS[component], aliases=_ALIASES[component]
        )
        points[component] = pts
        levels[component] = word
    total = sum(points.values())
    category = tomita_category(total)
    return ScoreResult(
        name="tomita",
        total=total,
        category=category,
        points=points,
        levels=levels,
        note=f"usual surgical strategy: {TOMITA_STRATEGY[category]}",
    )


def tomita_total(points: Mapping[str, int]) -> int:
    """Total Tomita score from component points (keys ``growth``, ``visceral``, ``bone``).

    Each value is checked against its allowed points (growth {1, 2, 4}, visceral {0, 2, 4},
    bone {1, 2}).
    """
    return check_component_points("tomita", points, TOMITA_POINTS)


def tomita_category(total: int) -> str:
    """Treatment-goal band of a Tomita total (2-3, 4-5, 6-7, 8-10).

    Raises InputError (a ValueError) for a total outside 2-10 or not a whole number.
    """
    return band_category("tomita", total, TOMITA_BANDS)
