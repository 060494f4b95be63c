"""Publication tables built from :class:`rtdelay.study.StudyResults` (no statistic computed here).

Each builder reads the numbers of the results (and, for the survival-rate table, the
Kaplan-Meier curves through ``SurvivalCurve.summary_at``, which reads the estimate at given
times) and formats them with :mod:`rtdelay.report.formatting` into a
:class:`~rtdelay.report._table_model.ReportTable`, which renders to csv, Markdown, HTML, Word and
LaTeX. Footnotes name the test behind every p value (``Table1Row.test_name`` and the reason it
was chosen).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rtdelay.report._table_model import TABLE_FORMATS, ReportTable, TableRow
from rtdelay.report.formatting import (
    MISSING,
    format_mean_sd,
    format_median_range,
    format_n_percent,
    format_number,
    format_p,
    format_rate_ci,
)

if TYPE_CHECKING:
    from rtdelay.stats import SurvivalCurve
    from rtdelay.study import StudyResults, Summary

__all__ = [
    "ReportTable",
    "TableRow",
    "TABLE_FORMATS",
    "VARIABLE_LABELS",
    "RATE_TIMES",
    "table1",
    "table2",
    "survival_rates_table",
    "complications_table",
    "all_tables",
    "write_tables",
]

GROUP_KEYS = ("all", "PBR", "NPBR")

#: Row labels of Table 1 (cohort column -> label); other columns print their own name.
VARIABLE_LABELS: dict[str, str] = {
    "age": "Age (years)",
    "sex": "Sex",
    "histology": "Primary tumour",
    "location": "Location of the metastasis",
    "escc_grade": "Bilsky ESCC grade",
    "sins": "SINS score",
    "sins_category": "SINS category",
    "tomita": "Tomita score",
    "tomita_category": "Tomita category",
    "tokuhashi": "Revised Tokuhashi score",
    "tokuhashi_category": "Revised Tokuhashi category",
    "surgery_type": "Operation",
    "rt_technique": "Radiotherapy technique",
    "rt_dose_gy": "Radiotherapy dose (Gy)",
    "rt_fractions": "Radiotherapy fractions",
}

#: Table 2 measure labels.
MEASURE_LABELS: dict[str, str] = {
    "nrs": "Pain (NRS, 0–10)",
    "kps": "Karnofsky performance status",
    "mobility": "Mobility (0 bedridden – 4 walks independently)",
    "sphincter_dysfunction": "Sphincter dysfunction (0/1)",
}

#: Months at which the survival-rate table reads local control and overall survival.
RATE_TIMES: tuple[float, ...] = (6.0, 12.0, 24.0)

_SIZE = re.compile(r"\(\d+ x \d+\)")
_GROUP_LABELS = {"all": "All patients", "PBR": "PBR", "NPBR": "NPBR"}


def _label(variable: str) -> str:
    return VARIABLE_LABELS.get(variable, variable.replace("_", " ").capitalize())


# Dictionary codes (unknown_primary) and the score bands rtdelay derives (potentially unstable,
# long-term local control): lower-case ASCII words joined by "_", " " or "-".
_CODE = re.compile(r"[a-z][a-z0-9]*(?:[_ -][a-z0-9]+)*")
"""A dictionary code such as ``unknown_primary``: the only labels that are re-cased."""


def _level_label(level: str) -> str:
    """Readable category label: ``unknown_primary`` -> ``Unknown primary``.

    Only the data dictionary's codes and the score bands (lower-case ASCII words joined by
    ``_``, a space or ``-``) get a capital; free text from the data is shown exactly as it came
    (``ü ñ`` stays ``ü ñ``).
    """
    if re.match(r"[<>]=\s*\d", level):  # a dictionary range such as ">= 6 months"
        return level.replace(">=", "≥").replace("<=", "≤")
    if not _CODE.fullmatch(level):
        return level
    text = level.replace("_", " ")
    return text[:1].upper() + text[1:]


def _marker(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index % 26]


#: Counts summarised as median (range) in Table 1 (a mean of fraction numbers means little).
MEDIAN_RANGE_VARIABLES = ("rt_fractions",)


def _median_range(s: Summary | None) -> str:
    if s is None:
        return MISSING
    whole = all(v == v and float(v).is_integer() for v in (s.median, s.minimum, s.maximum))
    return format_median_range(s.median, s.minimum, s.maximum, digits=0 if whole else 1)


def _mean_sd(s: Summary | None) -> str:
    return MISSING if s is None else format_mean_sd(s.mean, s.sd)


def table1(results: StudyResults) -> ReportTable:
    """Table 1: patient characteristics, all patients and by group, with the test per row.

    Categorical and ordinal variables print n (%) of the group's patients, with a "Not
    recorded" row when values are missing; continuous variables print mean ± SD. The p value
    carries a footnote marker naming its test; the footnote lists, per test, the method as
    computed (``TestResult.method``) and the rows whose test was chosen for a stated reason
    (Fisher's exact test when an expected count is under 5).
    """
    t1 = results.table1
    n = {k: int(t1.n.get(k, 0)) for k in GROUP_KEYS}
    header = (
        "Characteristic",
        f"All (n = {n['all']})",
        f"PBR (n = {n['PBR']})",
        f"NPBR (n = {n['NPBR']})",
        "P",
    )
    markers: dict[str, str] = {}
    methods: dict[str, set[str]] = {}
    reasons: dict[str, list[str]] = {}
    rows: list[TableRow] = []
    for r in t1.rows:
        marks: dict[int, str] = {}
        if r.test_name is not None:
            if r.test_name not in markers:
                markers[r.test_name] = _marker(len(markers))
            marks[4] = markers[r.test_name]
            if r.test is not None:
                methods.setdefault(r.test_name, set()).add(r.test.method)
            if r.test_name == "Fisher's exact" and not math.isnan(r.min_expected):
                reasons.setdefault(r.test_name, []).append(
                    f"{_label(r.variable).lower()} {format_number(r.min_expected)}"
                )
        p = format_p(r.p_value)
        if r.kind == "continuous" and r.variable in MEDIAN_RANGE_VARIABLES:
            cells = (f"{_label(r.variable)}, median (range)", *(_median_range(r.summaries.get(k)) for k in GROUP_KEYS), p)
            rows.append(TableRow(cells=cells, marks=marks))
            continue
        if r.kind == "continuous":
            cells = (_label(r.variable), *(_mean_sd(r.summaries.get(k)) for k in GROUP_KEYS), p)
            rows.append(TableRow(cells=cells, marks=marks))
            continue
        rows.append(TableRow(cells=(_label(r.variable), "", "", "", p), marks=marks))
        for level in r.levels:
            cells = (
                _level_label(level),
                *(format_n_percent(r.counts.get(k, {}).get(level, 0), n[k]) for k in GROUP_KEYS),
                "",
            )
            rows.append(TableRow(cells=cells, indent=1))
        missing = {k: n[k] - sum(r.counts.get(k, {}).values()) for k in GROUP_KEYS}
        if any(v > 0 for v in missing.values()):
            cells = ("Not recorded", *(format_n_percent(missing[k], n[k]) for k in GROUP_KEYS), "")
            rows.append(TableRow(cells=cells, indent=1))
    notes = [
        "Values are n (%) of the group's patients, mean ± SD, or median (range) where stated. PBR: radiographic local tumour "
        "progression before radiotherapy; NPBR: no progression before radiotherapy."
    ]
    for name, mark in markers.items():
        detail = "; ".join(sorted({_SIZE.sub("", m).strip() for m in methods.get(name, set())}))
        text = f"{mark} {detail or name}"
        if name in reasons:
            text += "; chosen because an expected count was under 5 (smallest: " + ", ".join(reasons[name]) + ")"
        elif name == "Pearson chi-square":
            text += "; all expected counts at least 5"
        elif name == "Mann-Whitney U":
            text += "; continuous variables, and ordinal variables with levels coded in clinical order"
        notes.append(text + ".")
    untested = [f"{_label(r.variable).lower()} ({r.test_reason})" for r in t1.rows if r.test_name is None]
    if untested:
        notes.append("No test: " + "; ".join(untested) + ".")
    return ReportTable(
        name="table1",
        title="Table 1. Patient characteristics by progression before radiotherapy",
        header=header,
        rows=tuple(rows),
        footnotes=tuple(notes),
    )


def table2(results: StudyResults) -> ReportTable:
    """Table 2: quality of life before surgery and at follow-up by group, with the tests."""
    t2 = results.table2
    header = ("Measure", "Group", "Before surgery", "At follow-up", "Pairs", "P (within group)", "P (PBR vs NPBR)")
    rows: list[TableRow] = []
    within: set[str] = set()
    between: set[str] = set()
    for name, m in t2.measures.items():
        label = MEASURE_LABELS.get(name, name.replace("_", " ").capitalize())
        first = True
        for g in ("PBR", "NPBR"):
            q = m.groups.get(g)
            if q is None:
                continue
            if q.test is not None:
                within.add(q.test.method)
            marks = {5: "a"} if q.test is not None else {}
            p_between = format_p(m.between_groups_followup_p) if first else ""
            if first and m.between_groups_followup is not None:
                marks[6] = "b"
                between.add(m.between_groups_followup.method)
            rows.append(
                TableRow(
                    cells=(
                        label if first else "",
                        g,
                        _mean_sd(q.pre),
                        _mean_sd(q.followup),
                        str(q.n_pairs),
                        format_p(q.p_value),
                        p_between,
                    ),
                    marks=marks,
                )
            )
            first = False
    first = True
    for g in ("PBR", "NPBR"):
        s = t2.mobility_months.get(g)
        if s is None:
            continue
        marks = {}
        if first and t2.mobility_months_test is not None:
            marks[6] = "b"
            between.add(t2.mobility_months_test.method)
        rows.append(
            TableRow(
                cells=(
                    "Months ambulatory after radiotherapy" if first else "",
                    g,
                    MISSING,
                    _mean_sd(s),
                    str(s.n),
                    "",
                    format_p(t2.mobility_months_p) if first else "",
                ),
                marks=marks,
            )
        )
        first = False
    notes = [
        "Values are mean ± SD. Pairs: patients with both measurements (months ambulatory: "
        "patients with a value)."
    ]
    if within:
        notes.append("a " + "; ".join(sorted(within)) + ": before surgery vs follow-up within the group.")
    if between:
        notes.append("b " + "; ".join(sorted(between)) + ": PBR vs NPBR at follow-up.")
    return ReportTable(
        name="table2",
        title="Table 2. Quality of life before surgery and at follow-up",
        header=header,
        rows=tuple(rows),
        footnotes=tuple(notes),
    )


def survival_rates_table(results: StudyResults, *, times: Sequence[float] = RATE_TIMES) -> ReportTable:
    """Kaplan-Meier estimates at ``times`` (months from RT start) with CI and numbers at risk.

    Local control and overall survival for all patients and by group, and the cumulative risk
    of progression before RT (1 - S, months from surgery) at the article's 1, 3 and 6 months.
    Every value is read from the curves with ``SurvivalCurve.summary_at``.
    """
    header = ("Endpoint and group", "Months", "At risk", "Estimate (95% CI)")
    rows: list[TableRow] = []
    scales: set[str] = set()
    levels: set[str] = set()

    def add(label: str, curve: SurvivalCurve, at: Sequence[float], risk: bool) -> None:
        scales.add(curve.conf_type)
        levels.add(format_number(100 * curve.conf_level, digits=0))
        table = curve.summary_at(list(at))
        cols = {c: table[c].to_numpy(dtype=float) for c in ("time", "n_at_risk", "survival", "lower", "upper")}
        for i in range(len(table)):
            s, lo, hi = float(cols["survival"][i]), float(cols["lower"][i]), float(cols["upper"][i])
            value = format_rate_ci(1.0 - s, 1.0 - hi, 1.0 - lo) if risk else format_rate_ci(s, lo, hi)
            cells = (
                label if i == 0 else "",
                format_number(float(cols["time"][i]), digits=0),
                str(int(cols["n_at_risk"][i])),
                value,
            )
            rows.append(TableRow(cells=cells, indent=1 if i == 0 else 0))

    for title, ep in (("Local control", results.local_control), ("Overall survival", results.overall_survival)):
        rows.append(TableRow(cells=(title, "", "", ""), section=True))
        for key in GROUP_KEYS:
            if key in ep.curves:
                add(_GROUP_LABELS[key], ep.curves[key], times, risk=False)
    pbr_curve = results.interval.pbr_curve
    if pbr_curve is not None:
        rows.append(TableRow(cells=("Progression before radiotherapy (cumulative risk)", "", "", ""), section=True))
        pbr_times = [r.time for r in results.interval.pbr_risk] or [1.0, 3.0, 6.0]
        add(_GROUP_LABELS["all"], pbr_curve, pbr_times, risk=True)
    notes = [
        "Kaplan-Meier estimates with Greenwood standard errors and pointwise "
        f"{'/'.join(sorted(levels)) or '95'}% confidence intervals on the "
        f"{'/'.join(sorted(scales)) or 'log-log'} scale. Local control and overall survival in "
        "months from the start of radiotherapy; progression before radiotherapy in months from "
        "surgery (risk = 1 − S). At risk: patients still under observation at that time; — : "
        "beyond the last observed time."
    ]
    return ReportTable(
        name="survival_rates",
        title="Table 4. Kaplan-Meier estimates: local control, overall survival and risk of progression before radiotherapy",
        header=header,
        rows=tuple(rows),
        footnotes=tuple(notes),
    )


def complications_table(results: StudyResults) -> ReportTable | None:
    """Complications of surgery (counts) and of radiotherapy (each case with its interval)."""
    comp = results.complications
    if comp is None:
        return None
    header = ("Phase", "Complication", "Patients", "Group", "Surgery to RT (months)")
    rows: list[TableRow] = []
    first = True
    for text, count in sorted(comp.surgery.items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append(TableRow(cells=("Surgery" if first else "", _level_label(text), str(count), "", "")))
        first = False
    first = True
    for c in comp.radiotherapy:
        rows.append(
            TableRow(
                cells=(
                    "Radiotherapy" if first else "",
                    _level_label(c.complication),
                    "1",
                    c.group,
                    format_number(c.ti_months),
                )
            )
        )
        first = False
    notes = ["Counts of complications among the included patients (a patient may have more than one)."]
    if comp.n_unmatched:
        notes.append(f"{comp.n_unmatched} complication record(s) of patients not included were left out.")
    return ReportTable(
        name="complications",
        title="Table 5. Complications of surgery and radiotherapy",
        header=header,
        rows=tuple(rows),
        footnotes=tuple(notes),
    )


def _run_times(results: StudyResults) -> tuple[float, ...]:
    for ep in (results.overall_survival, results.local_control):
        for rates in ep.rates_at.values():
            return tuple(r.time for r in rates)
    return RATE_TIMES


def all_tables(results: StudyResults) -> list[ReportTable]:
    """Every table of the report in order: Tables 1 and 2, the survival summary, the
    Kaplan-Meier estimates, complications (when given) and the beyond-the-article tables."""
    from rtdelay.report._beyond_tables import beyond_tables
    from rtdelay.report._survival_table import survival_summary_table

    tables = [
        table1(results),
        table2(results),
        survival_summary_table(results),
        survival_rates_table(results, times=_run_times(results)),
    ]
    comp = complications_table(results)
    if comp is not None:
        tables.append(comp)
    beyond = getattr(results, "beyond", None)
    if beyond is not None:
        tables.extend(beyond_tables(beyond))
    return tables


def write_tables(
    results: StudyResults, folder: str | Path, *, formats: tuple[str, ...] = TABLE_FORMATS
) -> dict[str, dict[str, Path]]:
    """Write every table in every format into ``folder``; return ``{table: {fmt: path}}``."""
    return {t.name: t.write(folder, formats=formats) for t in all_tables(results)}
