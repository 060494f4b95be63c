"""Clinical scores of spinal metastases: SINS, Tomita, revised Tokuhashi, Bilsky ESCC.

Calculators take each component as a word, as points or (where the score rests on a clinical
number) as that number, and return a frozen :class:`ScoreResult` (``total``, ``category``,
``points`` and ``levels`` per component) or :class:`EsccResult`. Points tables and category
bands are exported as data for the cohort layer, which validates stored component points with
:func:`sins_total`, :func:`tomita_total` and :func:`tokuhashi_total` (pure functions on one
row's integers) and bands totals with the ``*_category`` functions.

Bad values raise :class:`rtdelay.errors.InputError` (a ``ValueError``) whose message lists the
allowed values. Definitions and sources: DOMAIN.md sections 1-4 and 6. This package imports
only :mod:`rtdelay.errors` and never imports pandas at import time.
"""

from __future__ import annotations

from rtdelay.scores._common import HISTOLOGIES, Points, ScoreResult
from rtdelay.scores._escc import ESCC_GRADES, ESCC_MEANINGS, EsccResult, escc, escc_grade
from rtdelay.scores._sins import (
    SINS_BANDS,
    SINS_POINTS,
    SPINAL_LEVELS,
    sins,
    sins_category,
    sins_location,
    sins_total,
    spinal_level,
)
from rtdelay.scores._tokuhashi import (
    TOKUHASHI_BANDS,
    TOKUHASHI_POINTS,
    TOKUHASHI_TREATMENT,
    tokuhashi,
    tokuhashi_category,
    tokuhashi_total,
)
from rtdelay.scores._tomita import (
    TOMITA_BANDS,
    TOMITA_GROWTH_BY_HISTOLOGY,
    TOMITA_POINTS,
    TOMITA_STRATEGY,
    growth_class,
    tomita,
    tomita_category,
    tomita_total,
)

__all__ = [
    "ESCC_GRADES",
    "ESCC_MEANINGS",
    "EsccResult",
    "HISTOLOGIES",
    "Points",
    "SINS_BANDS",
    "SINS_POINTS",
    "SPINAL_LEVELS",
    "ScoreResult",
    "TOKUHASHI_BANDS",
    "TOKUHASHI_POINTS",
    "TOKUHASHI_TREATMENT",
    "TOMITA_BANDS",
    "TOMITA_GROWTH_BY_HISTOLOGY",
    "TOMITA_POINTS",
    "TOMITA_STRATEGY",
    "escc",
    "escc_grade",
    "growth_class",
    "sins",
    "sins_category",
    "sins_location",
    "sins_total",
    "spinal_level",
    "tokuhashi",
    "tokuhashi_category",
    "tokuhashi_total",
    "tomita",
    "tomita_category",
    "tomita_total",
]
