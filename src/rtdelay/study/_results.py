"""Result containers of the study pipeline (frozen dataclasses, numbers only).

Every container keeps the statistical objects it was computed from (``SurvivalCurve``,
``TestResult``) so that the report layer can draw figures and at-risk tables from them, plus the
plain numbers the article quotes. Nothing here formats a number as text: rendering belongs to
``rtdelay.report.formatting``. A value that cannot be computed on the data at hand (e.g. a
between-group test when a group is empty) is ``None``/NaN and comes with an entry in ``notes``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from rtdelay.stats import ResultMixin

if TYPE_CHECKING:
    from rtdelay.stats import SurvivalCurve, TestResult
    from rtdelay.study._beyond import BeyondResults

__all__ = [
    "Summary",
    "Table1Row",
    "Table1",
    "RiskAt",
    "PbrCase",
    "IntervalResults",
    "EndpointResults",
    "FollowUp",
    "QolGroup",
    "QolMeasure",
    "Table2",
    "RtComplication",
    "Complications",
    "StudyResults",
]

NAN = float("nan")


@dataclasses.dataclass(frozen=True)
class Summary(ResultMixin):
    """Descriptive statistics of one numeric variable (missing values left out).

    ``sd`` is the sample standard deviation (divisor n - 1, as R ``sd`` and SPSS).
    """

    n: int
    n_missing: int
    mean: float = NAN
    sd: float = NAN
    median: float = NAN
    minimum: float = NAN
    maximum: float = NAN


@dataclasses.dataclass(frozen=True)
class Table1Row(ResultMixin):
    """One variable of Table 1.

    Attributes
    ----------
    variable : str
        Column of the cohort (``age``, ``sex``, ``escc_grade``...).
    kind : str
        ``"continuous"`` (mean ± SD / median (range)), ``"ordinal"`` (counts per level and a
        rank test) or ``"categorical"`` (counts per level and a contingency test).
    levels : tuple of str
        Levels in display order (empty for continuous variables).
    counts : dict
        ``{"all"|"PBR"|"NPBR": {level: n}}``; empty for continuous variables.
    summaries : dict
        ``{"all"|"PBR"|"NPBR": Summary}`` for continuous and ordinal-score variables.
    test : TestResult or None
        Between-group test (PBR vs NPBR).
    test_name : str or None
        ``"Mann-Whitney U"``, ``"Pearson chi-square"`` or ``"Fisher's exact"``.
    test_reason : str
        Why this test (tableone style), or why no test was possible.
    min_expected : float
        Smallest expected cell count of the contingency table (NaN when not applicable).
    p_value : float
        Two-sided p value (NaN when no test).
    """

    variable: str
    kind: str
    levels: tuple[str, ...]
    counts: dict[str, dict[str, int]]
    summaries: dict[str, Summary]
    test: TestResult | None
    test_name: str | None
    test_reason: str
    min_expected: float
    p_value: float


@dataclasses.dataclass(frozen=True)
class Table1(ResultMixin):
    """Table 1: patient characteristics by group.

    ``dose_fractions`` maps each RT technique to ``{"dose": Summary, "fractions": Summary}``
    over all included patients (the article quotes the median per technique).
    """

    n: dict[str, int]
    rows: tuple[Table1Row, ...]
    dose_fractions: dict[str, dict[str, Summary]]

    def row(self, variable: str) -> Table1Row:
        """Return the row of ``variable`` (KeyError if the variable is not in the table)."""
        for r in self.rows:
            if r.variable == variable:
                return r
        raise KeyError(variable)


@dataclasses.dataclass(frozen=True)
class RiskAt(ResultMixin):
    """A Kaplan-Meier quantity read at one time.

    For survival endpoints ``value`` is S(t) with CI (lower, upper); for the risk of
    progression before RT it is 1 - S(t) with CI (1 - upper, 1 - lower).
    """

    time: float
    value: float
    lower: float
    upper: float
    std_err: float
    n_at_risk: int
    n_events: int


@dataclasses.dataclass(frozen=True)
class PbrCase(ResultMixin):
    """A patient with progression before RT (used for the cases within one month)."""

    patient_id: str
    histology: str
    surgery_type: str
    ti_months: float


@dataclasses.dataclass(frozen=True)
class IntervalResults(ResultMixin):
    """Time from surgery to RT and the risk of progression before RT (PBR).

    ``pbr_curve`` is the article's Kaplan-Meier treatment: time = ti_months, event = PBR,
    others censored at RT start; ``pbr_risk`` reads 1 - S(t) at ``pbr_times``.
    ``pbr_by_surgery`` maps each operation type to ``(pbr, n)``.
    """

    ti: Summary
    ti_by_group: dict[str, Summary]
    ti_bin_counts: dict[str, int]
    pbr_n: int
    pbr_proportion: float
    pbr_by_surgery: dict[str, tuple[int, int]]
    pbr_curve: SurvivalCurve | None
    pbr_risk: tuple[RiskAt, ...]
    pbr_curves_by_surgery: dict[str, SurvivalCurve]
    pbr_by_surgery_logrank: TestResult | None
    pbr_within_1_month: tuple[PbrCase, ...]


@dataclasses.dataclass(frozen=True)
class EndpointResults(ResultMixin):
    """Local control or overall survival from the start of RT.

    ``curves`` and ``rates`` are keyed ``"all"``, ``"PBR"``, ``"NPBR"`` (a group with no
    patient is absent from ``curves`` and has a NaN rate); ``logrank`` compares PBR and NPBR.
    """

    endpoint: str
    rate_time: float
    n: dict[str, int]
    n_events: dict[str, int]
    curves: dict[str, SurvivalCurve]
    rates: dict[str, RiskAt]
    medians: dict[str, float]
    logrank: TestResult | None


@dataclasses.dataclass(frozen=True)
class FollowUp(ResultMixin):
    """Follow-up after RT: months (``followup_months``), losses and the follow-up rate.

    ``median_reverse_km`` is the reverse Kaplan-Meier median (censoring as the event), the usual
    estimate of potential follow-up; ``months`` summarises the observed follow-up times as the
    article reports them (mean ± SD).
    """

    months: Summary
    median_reverse_km: float
    lost: int
    rate: float


@dataclasses.dataclass(frozen=True)
class QolGroup(ResultMixin):
    """One QoL measure in one group: before surgery, at follow-up, and the paired test."""

    pre: Summary
    followup: Summary
    n_pairs: int
    test: TestResult | None
    p_value: float


@dataclasses.dataclass(frozen=True)
class QolMeasure(ResultMixin):
    """One QoL measure (NRS, KPS, mobility, sphincter dysfunction) by group.

    ``between_groups_followup`` is the Mann-Whitney test of PBR vs NPBR at follow-up.
    """

    measure: str
    pre_column: str
    followup_column: str
    groups: dict[str, QolGroup]
    between_groups_followup: TestResult | None
    between_groups_followup_p: float


@dataclasses.dataclass(frozen=True)
class Table2(ResultMixin):
    """Table 2: quality of life before surgery and at follow-up, and mobility after RT."""

    measures: dict[str, QolMeasure]
    mobility_months: dict[str, Summary]
    mobility_months_test: TestResult | None
    mobility_months_p: float


@dataclasses.dataclass(frozen=True)
class RtComplication(ResultMixin):
    """A complication of radiotherapy with the patient's interval and group."""

    patient_id: str
    complication: str
    ti_months: float
    group: str


@dataclasses.dataclass(frozen=True)
class Complications(ResultMixin):
    """Complications of the included patients, by phase.

    ``surgery`` counts each complication text; ``radiotherapy`` lists each RT complication
    with the patient's time from surgery to RT and group; ``n_unmatched`` counts rows of the
    complications table whose patient is not among the included patients (left out).
    """

    surgery: dict[str, int]
    radiotherapy: tuple[RtComplication, ...]
    by_phase: dict[str, int]
    n_unmatched: int


@dataclasses.dataclass(frozen=True)
class StudyResults(ResultMixin):
    """Everything the seed study reports, computed on one cohort.

    ``notes`` lists, in order, every analysis that could not be done on these data and why.
    ``flow`` is the eligibility flow (screened, exclusions by reason, included, by group) when
    it was given to :func:`rtdelay.study.run`.

    There is one JSON view of these results, the ``results.json`` contract made by
    :func:`rtdelay.study.results_to_json`; :meth:`to_dict` returns it (without run metadata).
    """

    n_patients: int
    n_by_group: dict[str, int]
    table1: Table1
    interval: IntervalResults
    local_control: EndpointResults
    overall_survival: EndpointResults
    followup: FollowUp
    table2: Table2
    complications: Complications | None
    flow: dict[str, Any] | None
    notes: tuple[str, ...]
    beyond: BeyondResults | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``results.json`` document of these results (:func:`rtdelay.study.results_to_json`)."""
        from rtdelay.study._json import results_to_json

        return results_to_json(self)

    def all_notes(self) -> tuple[str, ...]:
        """Every note of the run: the study's, then those of the analyses beyond the article.

        A note of a beyond-the-article analysis is prefixed with ``"Beyond the article: "``
        (each part keeps its own notes too, shown beside its table in the report). This is the
        list written to ``results.json`` (``notes``) and ``methods.md``.
        """
        out = list(self.notes)
        beyond = self.beyond
        if beyond is not None:
            parts: list[Any] = [beyond, beyond.waiting, beyond.competing, beyond.cox]
            for part in parts:
                for note in getattr(part, "notes", None) or ():
                    text = f"Beyond the article: {note}"
                    if text not in out:
                        out.append(text)
        return tuple(out)
