"""Map :class:`StudyResults` onto the ``results.json`` document.

The top-level keys that correspond to ``paper_targets.json`` use exactly its names and shapes
(``n_patients``, ``age_mean_sd`` [mean, sd], ``pbr_by_surgery`` {op: [pbr, n]}, ``lc_1y``
{all, PBR, NPBR}, ``qol.<measure>.<group>.pre|followup|p``...). Everything else (confidence
intervals, numbers at risk, test names and reasons, the Kaplan-Meier step tables) is under
``details``. Counts are ints, rates proportions, p values unrounded floats; NaN becomes null.
The mapping is deterministic: the same results give the same document.

This document is the one JSON view of :class:`StudyResults` and the contract with every
consumer (``results.json``, the web application, the demo's reproduction audit):
``StudyResults.to_dict()`` returns it, and :func:`rtdelay.report.analysis_document` adds only the
run's own blocks (``metadata``, ``synthetic``, ``notice``, ``validation``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rtdelay.stats import jsonable
from rtdelay.study._common import GROUP_KEYS, GROUPS
from rtdelay.study._results import EndpointResults, RiskAt, Summary, Table1Row

if TYPE_CHECKING:
    from rtdelay.stats import SurvivalCurve, TestResult
    from rtdelay.study._results import StudyResults

__all__ = ["results_to_json", "time_key"]

_CURVE_FIELDS = ("time", "survival", "std_err", "lower", "upper", "n_at_risk", "n_events", "n_censored")


def time_key(t: float) -> str:
    """JSON key of a time in months: ``1.0 -> "1"``, ``1.5 -> "1.5"``."""
    return str(int(t)) if float(t).is_integer() else repr(float(t))


def _mean_sd(s: Summary) -> list[float]:
    return [s.mean, s.sd]


def _test(test: TestResult | None, **more: Any) -> dict[str, Any] | None:
    if test is None:
        return None
    out = {
        "method": test.method,
        "statistic": test.statistic,
        "df": test.df,
        "p_value": test.p_value,
        "groups": list(test.groups),
        "observed": test.observed,
        "expected": test.expected,
        "extra": dict(test.extra),
    }
    out.update(more)
    return out


def _curve(curve: SurvivalCurve | None) -> dict[str, Any] | None:
    if curve is None:
        return None
    return {name: getattr(curve, name) for name in _CURVE_FIELDS if hasattr(curve, name)}


def _risk_at(r: RiskAt, value_name: str) -> dict[str, Any]:
    return {
        "time": r.time,
        value_name: r.value,
        "lower": r.lower,
        "upper": r.upper,
        "std_err_survival": r.std_err,
        "n_at_risk": r.n_at_risk,
        "n_events": r.n_events,
    }


def _row(row: Table1Row) -> dict[str, Any]:
    return {
        "variable": row.variable,
        "kind": row.kind,
        "levels": list(row.levels),
        "counts": row.counts,
        "summaries": {k: s.to_dict() for k, s in row.summaries.items()},
        "test_name": row.test_name,
        "test_reason": row.test_reason,
        "min_expected": row.min_expected,
        "p_value": row.p_value,
        "test": _test(row.test),
    }


def _counts(results: StudyResults, variable: str) -> dict[str, int] | None:
    try:
        row = results.table1.row(variable)
    except KeyError:
        return None
    return {lv: n for lv, n in row.counts["all"].items() if n > 0}


def _endpoint(ep: EndpointResults) -> dict[str, Any]:
    return {
        "rate_time_months": ep.rate_time,
        "n": ep.n,
        "n_events": ep.n_events,
        "rates": {k: _risk_at(r, "survival") for k, r in ep.rates.items()},
        "median_months": ep.medians,
        "logrank": _test(ep.logrank),
        "curves": {k: _curve(c) for k, c in ep.curves.items()},
    }


def _paper_keys(results: StudyResults) -> dict[str, Any]:
    t1, iv, fu, t2 = results.table1, results.interval, results.followup, results.table2
    out: dict[str, Any] = {"n_patients": results.n_patients}
    try:
        out["age_mean_sd"] = _mean_sd(t1.row("age").summaries["all"])
    except KeyError:
        out["age_mean_sd"] = None
    for key, variable in (
        ("histology_counts", "histology"),
        ("location_counts", "location"),
        ("escc_counts", "escc_grade"),
        ("surgery_counts", "surgery_type"),
        ("rt_technique_counts", "rt_technique"),
    ):
        out[key] = _counts(results, variable)
    out["rt_median_dose_gy_fractions"] = {
        tech: [d["dose"].median, d["fractions"].median] for tech, d in t1.dose_fractions.items()
    }
    out["lost_to_followup"] = fu.lost
    out["followup_rate"] = fu.rate
    out["followup_months_after_rt_mean_sd"] = _mean_sd(fu.months)
    out["ti_months_median"] = iv.ti.median
    out["ti_months_range"] = [iv.ti.minimum, iv.ti.maximum]
    out["ti_bin_counts"] = iv.ti_bin_counts
    out["pbr_n"] = iv.pbr_n
    out["pbr_by_surgery"] = {op: list(v) for op, v in iv.pbr_by_surgery.items()}
    first = iv.pbr_within_1_month[0] if iv.pbr_within_1_month else None
    out["pbr_within_1_month"] = {
        "n": len(iv.pbr_within_1_month),
        "histology": first.histology if first else None,
        "surgery": first.surgery_type if first else None,
        "ti_months": first.ti_months if first else None,
    }
    out["pbr_cumulative_risk"] = {time_key(r.time): r.value for r in iv.pbr_risk}
    out["pbr_by_surgery_logrank_p"] = (
        iv.pbr_by_surgery_logrank.p_value if iv.pbr_by_surgery_logrank is not None else None
    )
    for key, ep in (("lc", results.local_control), ("os", results.overall_survival)):
        out[f"{key}_1y"] = {k: ep.rates[k].value if k in ep.rates else None for k in GROUP_KEYS}
        out[f"{key}_logrank_p"] = ep.logrank.p_value if ep.logrank is not None else None
    qol: dict[str, Any] = {}
    for name, m in t2.measures.items():
        block: dict[str, Any] = {
            g: {"pre": _mean_sd(q.pre), "followup": _mean_sd(q.followup), "p": q.p_value}
            for g, q in m.groups.items()
        }
        block["between_groups_followup_p"] = m.between_groups_followup_p
        qol[name] = block
    qol["mobility_months_after_rt"] = {
        g: _mean_sd(t2.mobility_months[g]) for g in GROUPS
    } | {"p": t2.mobility_months_p}
    out["qol"] = qol
    comp = results.complications
    out["complications"] = (
        None
        if comp is None
        else {
            "surgery": comp.surgery,
            "radiotherapy": [
                {"type": c.complication, "ti_months": c.ti_months, "group": c.group} for c in comp.radiotherapy
            ],
        }
    )
    return out


def _details(results: StudyResults) -> dict[str, Any]:
    t1, iv, fu, t2 = results.table1, results.interval, results.followup, results.table2
    comp = results.complications
    return {
        "n_by_group": results.n_by_group,
        "table1": {
            "n": t1.n,
            "rows": [_row(r) for r in t1.rows],
            "dose_fractions": {
                tech: {k: s.to_dict() for k, s in d.items()} for tech, d in t1.dose_fractions.items()
            },
        },
        "interval": {
            "ti_months": iv.ti.to_dict(),
            "ti_months_by_group": {g: s.to_dict() for g, s in iv.ti_by_group.items()},
            "ti_bins": "[0,1), [1,3), [3,6), [6,9) months",
            "pbr_proportion": iv.pbr_proportion,
            "pbr_risk_method": (
                "Kaplan-Meier on time from surgery to RT start, event = progression before RT, "
                "risk = 1 - S(t), CI = (1 - upper, 1 - lower), log-log CI for S"
            ),
            "pbr_risk": [_risk_at(r, "risk") for r in iv.pbr_risk],
            "pbr_by_surgery_logrank": _test(iv.pbr_by_surgery_logrank),
            "pbr_within_1_month": [c.to_dict() for c in iv.pbr_within_1_month],
            "pbr_curve": _curve(iv.pbr_curve),
            "pbr_curves_by_surgery": {op: _curve(c) for op, c in iv.pbr_curves_by_surgery.items()},
        },
        "local_control": _endpoint(results.local_control),
        "overall_survival": _endpoint(results.overall_survival),
        "followup": {
            "months": fu.months.to_dict(),
            "median_months": fu.months.median,
            "median_reverse_km_months": fu.median_reverse_km,
            "lost": fu.lost,
            "rate": fu.rate,
        },
        "qol": {
            name: {
                "columns": [m.pre_column, m.followup_column],
                "groups": {
                    g: {
                        "pre": q.pre.to_dict(),
                        "followup": q.followup.to_dict(),
                        "n_pairs": q.n_pairs,
                        "test": _test(q.test),
                    }
                    for g, q in m.groups.items()
                },
                "between_groups_followup": _test(m.between_groups_followup),
            }
            for name, m in t2.measures.items()
        }
        | {
            "mobility_months_after_rt": {
                "summaries": {g: s.to_dict() for g, s in t2.mobility_months.items()},
                "test": _test(t2.mobility_months_test),
            }
        },
        "complications": (
            None
            if comp is None
            else {
                "by_phase": comp.by_phase,
                "n_unmatched": comp.n_unmatched,
                "radiotherapy": [c.to_dict() for c in comp.radiotherapy],
            }
        ),
    }


def results_to_json(
    results: StudyResults,
    *,
    flow: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every number of ``results`` as a JSON-ready dict (paper keys, ``details``, ``notes``).

    Parameters
    ----------
    results : StudyResults
    flow : mapping, optional
        Eligibility flow; defaults to ``results.flow``. Gives ``flow`` and ``n_screened``.
    metadata : mapping, optional
        Run metadata (version, input checksum, date), written under ``"metadata"`` as given.

    Returns
    -------
    dict
        Plain Python values only (NaN and infinities as None).
    """
    flow = dict(flow) if flow is not None else results.flow
    doc = _paper_keys(results)
    doc["flow"] = flow
    screened = flow.get("screened") if flow else None
    doc["n_screened"] = int(screened) if isinstance(screened, (int, float)) and math.isfinite(screened) else None
    doc["details"] = _details(results)
    doc["notes"] = list(results.all_notes())
    if results.beyond is not None:
        doc["beyond_the_article"] = results.beyond.to_dict()
    if metadata is not None:
        doc["metadata"] = dict(metadata)
    return jsonable(doc)  # type: ignore[no-any-return]
