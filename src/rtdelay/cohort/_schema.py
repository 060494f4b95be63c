"""The cohort schema as data (DATA_DICTIONARY.md): columns, types, allowed values, synonyms.

Everything the validator, the template writer and the importers need to know about a column is
written here once, as data. Nothing in this module imports pandas.

``COLUMNS`` lists every column of the data dictionary in its order (identification, tumour and
spine with the score components, surgery, radiotherapy, outcomes, quality of life, then the
durations form). ``COMPLICATION_COLUMNS`` is the schema of the second table.

Score component values are the points of DOMAIN.md §1-3 (SINS: Fisher et al., Spine
2010;35:E1221; Tomita: Tomita et al., Spine 2001;26:298; revised Tokuhashi: Tokuhashi et al.,
Spine 2005;30:2186); a total is the sum of its components' points.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from typing import Any

from rtdelay.scores import ESCC_GRADES as _SCORE_ESCC_GRADES
from rtdelay.scores import HISTOLOGIES as _SCORE_HISTOLOGIES

__all__ = [
    "ColumnSpec",
    "COLUMNS",
    "COMPLICATION_COLUMNS",
    "KINDS",
    "REQUIRED_LEVELS",
    "RULE_LEVELS",
    "FIELD_LEVEL_COLUMNS",
    "ESCC_GRADES",
    "ESCC_HIGH_GRADES",
    "MONTH_DAYS",
    "SURGERY_DATE_MIN",
    "HISTOLOGIES",
    "SURGERY_TYPES",
    "RT_TECHNIQUES",
    "SEXES",
    "LOCATIONS",
    "PHASES",
    "ELIGIBLE_SURGERY_TYPES",
    "ELIGIBLE_RT_TECHNIQUES",
    "SCORE_COMPONENTS",
    "HISTOLOGY_SYNONYMS",
    "SEX_SYNONYMS",
    "SURGERY_TYPE_SYNONYMS",
    "RT_TECHNIQUE_SYNONYMS",
    "LOCATION_SYNONYMS",
    "PHASE_SYNONYMS",
    "CATEGORY_SYNONYMS",
    "TRUE_WORDS",
    "FALSE_WORDS",
    "LEVEL_REGIONS",
    "REGION_LOCATION",
    "ALTERNATIVES",
    "DURATION_COLUMNS",
    "DATE_COLUMNS",
]

KINDS = ("text", "number", "integer", "category", "ordered", "boolean", "date")
"""Cell types a column can have."""

REQUIRED_LEVELS = ("yes", "no", "or_components", "eligibility", "derived")
"""``yes``: a blank cell rejects the row (unless an alternative column covers it, see
``ALTERNATIVES``); ``no``: optional; ``or_components``: a total that may be computed from its
components; ``eligibility``: needed to include the patient, a blank excludes (not rejects) the
row; ``derived``: computed by ``derive_cohort`` but may be given instead of its source."""

RULE_LEVELS = ("row", "field")
"""What a value that breaks a rule costs. ``row``: the row is rejected (quarantined and counted
in the flow diagram) — identity, every date, duration and event flag, progression before RT and
its readers, the eligibility fields, and ``lost_to_followup`` (blank means false, so a bad value
cannot stand for "unknown"). ``field``: the value is treated as missing for the analyses that
use it, reported with severity ``"field"`` and counted per column; the patient stays in every
other analysis — demographics, tumour, level, scores and their components, ESCC, RT dose and
fractions, quality of life."""

MONTH_DAYS = 30.4375
"""Days in one month (365.25 / 12). Every interval in months is ``days / MONTH_DAYS``."""

MAX_DURATION_MONTHS = 480
"""Longest plausible duration (40 years) for ti_months, lc_months and os_months; a longer one
is an error of the row (os_months 1e20 once reached the figures and allocated 23 GB)."""

SURGERY_DATE_MIN = _dt.date(2000, 1, 1)
"""Earliest accepted surgery date."""

ESCC_GRADES = _SCORE_ESCC_GRADES
"""Bilsky epidural spinal cord compression grades, in order (Bilsky et al. 2010)."""

ESCC_HIGH_GRADES = ("2", "3")

SEXES = ("male", "female")
HISTOLOGIES = _SCORE_HISTOLOGIES
"""Primary tumour categories (one list, shared with ``rtdelay.scores``)."""
SURGERY_TYPES = (
    "separation",
    "decompression",
    "vertebrectomy",
    "vertebroplasty",
    "occipitocervical_fusion",
    "total_en_bloc",
    "other",
)
RT_TECHNIQUES = ("SBRT", "IMRT", "cEBRT")
LOCATIONS = ("cervical", "thoracic", "lumbar", "sacral")
PHASES = ("surgery", "radiotherapy")
ELIGIBLE_SURGERY_TYPES = ("separation", "decompression", "vertebrectomy")
ELIGIBLE_RT_TECHNIQUES = ("SBRT", "IMRT")

# Synonyms: keys are written in the normalised form the parser compares against (lower case,
# '_' and '-' replaced by a space, runs of spaces collapsed). Canonical values match themselves.
HISTOLOGY_SYNONYMS: dict[str, str] = {
    "kidney": "renal",
    "rcc": "renal",
    "renal cell": "renal",
    "renal cell carcinoma": "renal",
    "clear cell renal cell carcinoma": "renal",
    "nsclc": "lung",
    "sclc": "lung",
    "lung cancer": "lung",
    "non small cell lung cancer": "lung",
    "small cell lung cancer": "lung",
    "bronchial": "lung",
    "hcc": "liver",
    "hepatocellular": "liver",
    "hepatocellular carcinoma": "liver",
    "stomach": "gastric",
    "gastric cancer": "gastric",
    "breast cancer": "breast",
    "prostate cancer": "prostate",
    "prostatic": "prostate",
    "thyroid cancer": "thyroid",
    "colon": "colorectal",
    "rectal": "colorectal",
    "rectum": "colorectal",
    "crc": "colorectal",
    "colorectal cancer": "colorectal",
    "oesophageal": "esophageal",
    "esophagus": "esophageal",
    "oesophagus": "esophageal",
    "pancreas": "pancreatic",
    "cervix": "gynecologic",
    "cervical cancer": "gynecologic",
    "uterus": "gynecologic",
    "uterine": "gynecologic",
    "endometrial": "gynecologic",
    "ovarian": "gynecologic",
    "gynaecologic": "gynecologic",
    "gynaecological": "gynecologic",
    "gynecological": "gynecologic",
    "multiple myeloma": "myeloma",
    "plasmacytoma": "myeloma",
    "unknown": "unknown_primary",
    "unknown primary": "unknown_primary",
    "cup": "unknown_primary",
    "carcinoma of unknown primary": "unknown_primary",
}
SEX_SYNONYMS: dict[str, str] = {
    "m": "male",
    "man": "male",
    "f": "female",
    "woman": "female",
    "w": "female",
}
SURGERY_TYPE_SYNONYMS: dict[str, str] = {
    "separation surgery": "separation",
    "decompressive": "decompression",
    "decompressive surgery": "decompression",
    "laminectomy": "decompression",
    "corpectomy": "vertebrectomy",
    "en bloc": "total_en_bloc",
    "total en bloc spondylectomy": "total_en_bloc",
    "tes": "total_en_bloc",
    "kyphoplasty": "vertebroplasty",
    "occipitocervical fusion": "occipitocervical_fusion",
}
RT_TECHNIQUE_SYNONYMS: dict[str, str] = {
    "sbrt": "SBRT",
    "sabr": "SBRT",
    "stereotactic": "SBRT",
    "imrt": "IMRT",
    "vmat": "IMRT",
    "cebrt": "cEBRT",
    "ebrt": "cEBRT",
    "conventional": "cEBRT",
    "conventional ebrt": "cEBRT",
}
LOCATION_SYNONYMS: dict[str, str] = {"c": "cervical", "t": "thoracic", "l": "lumbar", "s": "sacral"}
PHASE_SYNONYMS: dict[str, str] = {"rt": "radiotherapy", "operation": "surgery"}

CATEGORY_SYNONYMS: dict[str, dict[str, str]] = {
    "sex": SEX_SYNONYMS,
    "histology": HISTOLOGY_SYNONYMS,
    "surgery_type": SURGERY_TYPE_SYNONYMS,
    "rt_technique": RT_TECHNIQUE_SYNONYMS,
    "location": LOCATION_SYNONYMS,
    "phase": PHASE_SYNONYMS,
}
"""Per category column: normalised synonym -> canonical value."""

TRUE_WORDS = ("true", "yes", "y", "1", "t")
FALSE_WORDS = ("false", "no", "n", "0", "f")

LEVEL_REGIONS: dict[str, int] = {"C": 7, "T": 12, "L": 5, "S": 5}
"""Spinal regions in cranio-caudal order with their number of vertebrae (index_level pattern)."""

REGION_LOCATION: dict[str, str] = {
    "C": "cervical",
    "T": "thoracic",
    "L": "lumbar",
    "S": "sacral",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the cohort data dictionary.

    Attributes
    ----------
    name : str
        Lower snake case column name.
    kind : str
        One of ``KINDS``.
    allowed : tuple or None
        The allowed values (categories in their canonical spelling, or the allowed integers of a
        score component); None when any value of the kind within the range is allowed.
    minimum, maximum : float or datetime.date or None
        Inclusive bounds (numbers) or earliest date.
    multiple_of : int or None
        The value must be a multiple of this (KPS: 10).
    required : str
        One of ``REQUIRED_LEVELS``.
    components : tuple of str
        For a score total, the component columns whose sum it is.
    description : str
        What the column holds, for templates and messages.
    level : str
        One of ``RULE_LEVELS``: what breaking one of the column's rules costs (the row, or
        only this value).
    """

    name: str
    kind: str
    allowed: tuple[Any, ...] | None = None
    minimum: Any = None
    maximum: Any = None
    multiple_of: int | None = None
    required: str = "no"
    components: tuple[str, ...] = ()
    description: str = ""
    level: str = "row"


def _c(name: str, kind: str, description: str, **kw: Any) -> ColumnSpec:
    return ColumnSpec(name=name, kind=kind, description=description, **kw)


SCORE_COMPONENTS: dict[str, dict[str, tuple[int, ...]]] = {
    "sins": {
        "sins_location": (0, 1, 2, 3),
        "sins_pain": (0, 1, 3),
        "sins_lesion": (0, 1, 2),
        "sins_alignment": (0, 2, 4),
        "sins_collapse": (0, 1, 2, 3),
        "sins_posterolateral": (0, 1, 3),
    },
    "tomita": {
        "tomita_growth": (1, 2, 4),
        "tomita_visceral": (0, 2, 4),
        "tomita_bone": (1, 2),
    },
    "tokuhashi": {
        "tokuhashi_kps": (0, 1, 2),
        "tokuhashi_extraspinal": (0, 1, 2),
        "tokuhashi_vertebral": (0, 1, 2),
        "tokuhashi_organ": (0, 1, 2),
        "tokuhashi_primary": (0, 1, 2, 3, 4, 5),
        "tokuhashi_palsy": (0, 1, 2),
    },
}
"""Score total -> component column -> allowed points (DOMAIN.md §9)."""

_SCORE_RANGES = {"sins": (0, 18), "tomita": (2, 10), "tokuhashi": (0, 15)}
_SCORE_TEXT = {
    "sins": "Spinal Instability Neoplastic Score (sum of its six components)",
    "tomita": "Tomita score (sum of growth, visceral and bone points)",
    "tokuhashi": "revised Tokuhashi score 2005 (sum of its six items)",
}


def _score_columns() -> list[ColumnSpec]:
    out: list[ColumnSpec] = []
    for total, comps in SCORE_COMPONENTS.items():
        lo, hi = _SCORE_RANGES[total]
        out.append(
            _c(
                total,
                "integer",
                _SCORE_TEXT[total],
                minimum=lo,
                maximum=hi,
                required="or_components",
                components=tuple(comps),
            )
        )
        for comp, allowed in comps.items():
            out.append(
                _c(comp, "integer", f"{total} component: points", allowed=allowed, required="no")
            )
    return out


_ORDER: list[ColumnSpec] = [
    # Identification and demographics
    _c("patient_id", "text", "pseudonymous study number (1-64 characters, unique, no names)",
       minimum=1, maximum=64, required="yes"),
    _c("age", "number", "age in years at surgery", minimum=18, maximum=110, required="yes"),
    _c("sex", "category", "sex", allowed=SEXES, required="yes"),
    # Tumour and spine
    _c("histology", "category", "primary tumour", allowed=HISTOLOGIES, required="yes"),
    _c("index_level", "text",
       "level of the operated lesion: C1-C7, T1-T12, L1-L5, S1-S5 or a range like T11-L1",
       required="yes"),
    _c("location", "category", "spinal region (from index_level, upper end of a range)",
       allowed=LOCATIONS, required="derived"),
    _c("escc_grade", "ordered", "Bilsky ESCC grade before surgery", allowed=ESCC_GRADES,
       required="yes"),
    *_score_columns(),
    # Surgery
    _c("surgery_date", "date", "date of the index operation", minimum=SURGERY_DATE_MIN,
       required="yes"),
    _c("surgery_type", "category", "type of operation", allowed=SURGERY_TYPES, required="yes"),
    _c("surgery_at_site", "boolean", "surgery done at the study site", required="yes"),
    _c("postop_mri_date", "date", "baseline postoperative MRI", required="no"),
    # Radiotherapy
    _c("rt_start_date", "date", "first radiotherapy fraction", required="yes"),
    _c("rt_technique", "category", "radiotherapy technique", allowed=RT_TECHNIQUES,
       required="yes"),
    _c("rt_dose_gy", "number", "total prescription dose (Gy)", minimum=1, maximum=80,
       required="yes"),
    _c("rt_fractions", "integer", "number of fractions", minimum=1, maximum=40, required="yes"),
    _c("rt_at_site", "boolean", "radiotherapy given at the study site", required="yes"),
    _c("seed_implantation", "boolean", "radioactive seed implantation (an exclusion)",
       required="yes"),
    _c("prert_mri_date", "date", "MRI before radiotherapy (blank excludes the patient)",
       required="eligibility"),
    _c("prert_progression", "boolean",
       "local progression on the pre-RT MRI against the postoperative baseline (true = PBR)",
       required="eligibility"),
    _c("prert_reader1", "boolean", "pre-RT MRI: first reader's call", required="no"),
    _c("prert_reader2", "boolean", "pre-RT MRI: second reader's call", required="no"),
    _c("prert_adjudicator", "boolean", "pre-RT MRI: senior adjudicator's call", required="no"),
    # Outcomes after radiotherapy
    _c("local_progression_date", "date", "first imaging showing local progression (SPINO)",
       required="no"),
    _c("last_imaging_date", "date", "last imaging of the treated segment", required="yes"),
    _c("death_date", "date", "date of death (blank = alive at last follow-up)", required="no"),
    _c("last_followup_date", "date", "last contact", required="yes"),
    _c("lost_to_followup", "boolean", "lost to follow-up (default false)", required="no"),
    _c("mobility_months_after_rt", "number", "months the patient stayed ambulatory after RT",
       minimum=0, required="no"),
    # Quality of life
    _c("nrs_pre", "integer", "pain NRS before surgery", minimum=0, maximum=10),
    _c("nrs_fu", "integer", "pain NRS at last follow-up", minimum=0, maximum=10),
    _c("kps_pre", "integer", "Karnofsky performance status before surgery", minimum=0,
       maximum=100, multiple_of=10),
    _c("kps_fu", "integer", "Karnofsky performance status at last follow-up", minimum=0,
       maximum=100, multiple_of=10),
    _c("mobility_pre", "integer", "mobility before surgery (0 bedridden .. 4 walks)", minimum=0,
       maximum=4),
    _c("mobility_fu", "integer", "mobility at last follow-up (0 bedridden .. 4 walks)",
       minimum=0, maximum=4),
    _c("sphincter_pre", "integer", "sphincter dysfunction before surgery (0 absent, 1 present)",
       allowed=(0, 1)),
    _c("sphincter_fu", "integer", "sphincter dysfunction at last follow-up (0/1)",
       allowed=(0, 1)),
    # Durations instead of dates
    _c("ti_months", "number", "months from surgery to RT start (instead of the dates)",
       minimum=0, maximum=MAX_DURATION_MONTHS),
    _c("lc_months", "number", "months from RT start to local progression or last imaging",
       minimum=0, maximum=MAX_DURATION_MONTHS),
    _c("lc_event", "integer", "1 = local progression, 0 = censored", allowed=(0, 1)),
    _c("os_months", "number", "months from RT start to death or last follow-up", minimum=0,
       maximum=MAX_DURATION_MONTHS),
    _c("os_event", "integer", "1 = died, 0 = censored", allowed=(0, 1)),
]

FIELD_LEVEL_COLUMNS: tuple[str, ...] = (
    "age", "sex", "histology", "index_level", "location", "escc_grade",
    *(name for total, comps in SCORE_COMPONENTS.items() for name in (total, *comps)),
    "rt_dose_gy", "rt_fractions", "mobility_months_after_rt",
    "nrs_pre", "nrs_fu", "kps_pre", "kps_fu", "mobility_pre", "mobility_fu",
    "sphincter_pre", "sphincter_fu",
)
"""Columns whose broken rules cost only the value (``level="field"``); every other column of
the cohort is row level (see ``RULE_LEVELS``)."""

COLUMNS: dict[str, ColumnSpec] = {
    spec.name: replace(spec, level="field") if spec.name in FIELD_LEVEL_COLUMNS else spec
    for spec in _ORDER
}
"""Every column of DATA_DICTIONARY.md, in its order."""

COMPLICATION_COLUMNS: dict[str, ColumnSpec] = {
    spec.name: spec
    for spec in (
        _c("patient_id", "text", "a patient_id of the cohort", minimum=1, maximum=64,
           required="yes"),
        _c("phase", "category", "surgery or radiotherapy", allowed=PHASES, required="yes"),
        _c("complication", "text", "free text", minimum=1, required="yes"),
        _c("date", "date", "date of the complication", required="no"),
    )
}
"""Schema of the complications table (one row per complication)."""

DATE_COLUMNS: tuple[str, ...] = tuple(n for n, s in COLUMNS.items() if s.kind == "date")
DURATION_COLUMNS: tuple[str, ...] = ("ti_months", "lc_months", "lc_event", "os_months", "os_event")

ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "index_level": ("location",),
    "surgery_date": ("ti_months",),
    "rt_start_date": ("ti_months",),
    "last_imaging_date": ("lc_months", "lc_event"),
    "last_followup_date": ("os_months", "os_event"),
    "sins": tuple(SCORE_COMPONENTS["sins"]),
    "tomita": tuple(SCORE_COMPONENTS["tomita"]),
    "tokuhashi": tuple(SCORE_COMPONENTS["tokuhashi"]),
}
"""A required column -> the columns that, all given, may stand in for it (per file and per row)."""
