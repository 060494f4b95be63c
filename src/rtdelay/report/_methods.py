"""Methods and results text generated from what was actually run (no statistic computed here).

The methods paragraph names the estimators, the confidence-interval type read from the curves
(``SurvivalCurve.conf_type``/``conf_level``), every test with the variant recorded in
``TestResult.method``, the month convention and the software versions. The results paragraphs
quote the numbers of :class:`~rtdelay.study.StudyResults`, formatted by
:mod:`rtdelay.report.formatting`.
"""

from __future__ import annotations

import importlib.metadata
import math
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from rtdelay.cohort import MONTH_DAYS
from rtdelay.report._survival_table import endpoint_sentence, followup_sentence
from rtdelay.report.formatting import (
    format_mean_sd,
    format_median_range,
    format_n_percent,
    format_number,
    format_p,
    format_percent,
    format_rate_ci,
)
from rtdelay.report.tables import MEASURE_LABELS

if TYPE_CHECKING:
    from rtdelay.stats import SurvivalCurve, TestResult
    from rtdelay.study import EndpointResults, StudyResults

__all__ = ["data_paragraphs", "run_notes", "methods_markdown", "methods_paragraphs", "results_paragraphs", "software_versions", "p_phrase"]

_SIZE = re.compile(r"\s*\(\d+ x \d+\)")
_PACKAGES = ("rtdelay", "numpy", "scipy", "pandas", "matplotlib")


def software_versions() -> dict[str, str]:
    """Versions of rtdelay (``rtdelay.__version__``) and the libraries it computes with."""
    from rtdelay import __version__

    out: dict[str, str] = {"rtdelay": __version__}
    for name in _PACKAGES[1:]:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def p_phrase(p: float | None) -> str:
    """``"P = 0.040"`` or ``"P < 0.001"`` (``"P not computed"`` when missing)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "P not computed"
    text = format_p(p)
    return f"P < {text[1:]}" if text.startswith("<") else f"P = {text}"


def _curves(results: StudyResults) -> Iterator[SurvivalCurve]:
    if results.interval.pbr_curve is not None:
        yield results.interval.pbr_curve
    yield from results.interval.pbr_curves_by_surgery.values()
    yield from results.local_control.curves.values()
    yield from results.overall_survival.curves.values()


def _tests(results: StudyResults) -> Iterator[TestResult]:
    for row in results.table1.rows:
        if row.test is not None:
            yield row.test
    for test in (
        results.interval.pbr_by_surgery_logrank,
        results.local_control.logrank,
        results.overall_survival.logrank,
        results.table2.mobility_months_test,
    ):
        if test is not None:
            yield test
    for m in results.table2.measures.values():
        if m.between_groups_followup is not None:
            yield m.between_groups_followup
        for q in m.groups.values():
            if q.test is not None:
                yield q.test


def _unique(items: Iterator[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def methods_paragraphs(results: StudyResults) -> list[str]:
    """The statistical methods as run, one paragraph per topic."""
    curves = list(_curves(results))
    conf = _unique(f"{c.conf_type}" for c in curves) or ["log-log"]
    levels = _unique(format_number(100 * c.conf_level, digits=0) for c in curves) or ["95"]
    tests = list(_tests(results))
    logrank = _unique(t.method for t in tests if "log-rank" in t.method.lower())
    others = _unique(_SIZE.sub("", t.method).strip() for t in tests if "log-rank" not in t.method.lower())
    versions = software_versions()
    paragraphs = [
        "Patients were grouped by radiographic local tumour progression before radiotherapy (PBR) "
        "on the MRI taken before radiotherapy, against no progression (NPBR). Intervals were "
        f"converted to months as days / {MONTH_DAYS} (365.25 / 12).",
        "The cumulative risk of PBR was estimated as 1 − S(t) from a Kaplan-Meier curve of the "
        "months from surgery to the start of radiotherapy with PBR as the event and patients "
        "without PBR censored at the start of radiotherapy, as in the article. Local control and "
        "overall survival were measured from the start of radiotherapy and estimated by the "
        "Kaplan-Meier method with Greenwood standard errors; pointwise "
        f"{'/'.join(levels)}% confidence intervals were computed on the {' and '.join(conf)} scale, "
        "and medians with their confidence limits as R survfit computes them.",
    ]
    if logrank:
        paragraphs.append("Curves were compared with the " + "; ".join(logrank) + " test.")
    if others:
        paragraphs.append(
            "Tests used for patient characteristics and quality of life: "
            + "; ".join(others)
            + ". Categorical variables were compared by Pearson's chi-square test, or Fisher's "
            "exact test when an expected cell count was under 5 (Cochran's rule); continuous and "
            "ordinal variables by the Mann-Whitney U test; measurements before surgery and at "
            "follow-up within a group by the Wilcoxon signed-rank test with zero differences "
            "dropped. P values are two-sided; P < 0.05 was considered significant."
        )
    beyond = getattr(results, "beyond", None)
    if beyond is not None:
        paragraphs.append(_beyond_methods(beyond))
    paragraphs.append(
        "Analyses were run with "
        + ", ".join(f"{name} {version}" for name, version in versions.items())
        + f" (Python). Software citation: rtdelay, version {versions['rtdelay']} (CITATION.cff "
        "of the rtdelay repository), implementing the analyses of Gong et al., Radiat Oncol "
        "2021;16:21, doi:10.1186/s13014-020-01740-y."
    )
    return paragraphs


_MODEL_TERMS = {"growth_class": "Tomita growth class", "surgery_type": "operation type", "escc_grade": "ESCC grade"}
_BASELINES = {"weibull": "Weibull", "loglogistic": "log-logistic"}


def _beyond_methods(beyond: Any) -> str:
    """The "Beyond the article" methods sentence, naming only the parts that were run."""
    parts: list[str] = []
    waiting = getattr(beyond, "waiting", None)
    if waiting is not None:
        times = ", ".join(f"{t:g}" for t in waiting.times)
        text = (
            "because progression before radiotherapy is seen only at one MRI per patient, its risk "
            "was also estimated as current-status data by the nonparametric maximum-likelihood "
            "estimator (isotonic regression, pool-adjacent-violators) with pointwise 95% intervals "
            + (
                f"from the percentile bootstrap ({waiting.n_boot} resamples of patients)"
                if getattr(waiting, "n_boot", 0)
                else "obtained by inverting the likelihood-ratio test of Banerjee & Wellner (2001), "
                "whose coverage does not rely on the bootstrap (inconsistent for this cube-root-rate "
                "estimator); where the estimate is 0 (or 1), too few events for that test's limit "
                "theory, the open-side limit is widened to an exact binomial bound from the nearest "
                "looks, valid at any sample size because the risk cannot decrease with time"
            )
            + f" at {times} months"
        )
        model = getattr(waiting, "model", None)
        if model is not None:
            covs = ", ".join(_MODEL_TERMS.get(c, c) for c in getattr(model, "terms", {})) or "none"
            by_aic = any("chosen by AIC" in str(n) for n in getattr(model, "notes", ()))
            text += (
                f", and by a parametric current-status regression ({_BASELINES.get(model.baseline, model.baseline)} baseline"
                + (" chosen by AIC against the other baseline" if by_aic else "")
                + f"; covariates: {covs}; maximum likelihood) whose predicted risks were averaged "
                "over the patients (standardised)"
            )
        parts.append(text)
    if getattr(beyond, "competing", None) is not None:
        parts.append(
            "local progression was also analysed with death as a competing event (Aalen-Johansen "
            "cumulative incidence, Gray's test)"
        )
    cox = getattr(beyond, "cox", None)
    fitted = cox is not None and any(
        getattr(cox, a, None) is not None for a in ("os_adjusted", "lc_adjusted", "os_wait", "lc_wait")
    )
    if cox is not None:
        epv = format_number(getattr(cox, "min_events_per_coef", 5.0), digits=0)
        rule = (
            f"a model was fitted only with at least {epv} events per estimated coefficient "
            "(Vittinghoff & McCulloch 2007), and a model whose hazard ratio or confidence limit "
            "fell outside 0.001 to 1000 was reported as not estimable"
        )
        text = (
            "Cox proportional-hazards models (Wald 95% intervals, complete cases) adjusted the "
            "effect of PBR, and of the wait in months, on overall survival and local control; " + rule
            if fitted
            else "no proportional-hazards model of overall survival or local control was estimable "
            "on these data (" + rule + "; the reasons are listed with the results)"
        )
        if getattr(cox, "firth", ()):
            text += (
                "; where the partial likelihood was monotone (separation: a coefficient tending to "
                "infinity), Firth's penalised partial likelihood was used instead, with profile "
                "penalised-likelihood 95% intervals and penalised likelihood-ratio P values "
                "(Heinze & Schemper 2001)"
            )
        parts.append(text)
    if getattr(beyond, "landmark", None) is not None:
        parts.append("survival by group was measured from the start of radiotherapy as a landmark")
    if not parts:
        return "Beyond the article: none of the additional analyses could be run on these data."
    return "Beyond the article: " + "; ".join(parts) + "."


def run_notes(results: Any) -> tuple[str, ...]:
    """Every note of a run (``StudyResults.all_notes``), or ``results.notes`` for plain objects."""
    every = getattr(results, "all_notes", None)
    return tuple(every()) if callable(every) else tuple(getattr(results, "notes", ()) or ())


def methods_markdown(
    results: StudyResults,
    *,
    metadata: Mapping[str, Any] | None = None,
    notice: str | None = None,
    title: str | None = None,
    institution: str | None = None,
) -> str:
    """``methods.md``: the methods paragraphs and the run metadata (``notice`` first if given).

    Notes and metadata can carry data and file names: their Markdown (links, images, HTML) is
    neutralised.
    """
    from rtdelay.report._table_model import _md_neutralise as _md_escape

    lines = ["# Statistical methods", ""]
    if title or institution:
        lines = [f"# {title}" if title else "# Statistical methods", ""]
        if institution:
            lines += [institution, ""]
        if title:
            lines += ["## Statistical methods", ""]
    if notice:
        lines += [f"> **{notice}**", ""]
    for par in methods_paragraphs(results):
        lines += [par, ""]
    flow = getattr(results, "flow", None) or {}
    data = data_paragraphs(flow)
    if "rejected" in flow:
        data.insert(0, f"Data rows read: {flow.get('screened')}; {_rejected_phrase(flow.get('rejected'), flow.get('rejection_reasons'))} (listed in quarantine.csv).")
    if data:
        lines += ["## Data checks", ""]
        lines += [f"- {par}" for par in data]
        lines.append("")
    notes = run_notes(results)
    if notes:
        lines += ["## Analyses not possible on these data, and cautions", ""]
        lines += [f"- {_md_escape(str(note))}" for note in notes]
        lines.append("")
    if metadata:
        lines += ["## Run", ""]
        lines += [f"- {key}: {_md_escape(str(value))}" for key, value in metadata.items() if value is not None]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _rejected_phrase(rejected: Any, reasons: Any) -> str:
    """``"2 rejected at validation (age: out of range 1, surgery_date: not a date 1)"``."""
    count = int(rejected or 0)
    text = f"{count} rejected at validation"
    if count and isinstance(reasons, Mapping) and reasons:
        text += " (" + ", ".join(f"{k} {v}" for k, v in reasons.items()) + ")"
    return text


def _ci(curve: SurvivalCurve | None) -> str:
    level = curve.conf_level if curve is not None else 0.95
    return f"{format_number(100 * level, digits=0)}% CI"


def _months(t: float) -> str:
    text = format_number(t, digits=0) if float(t).is_integer() else format_number(t)
    return f"{text} month" + ("" if text == "1" else "s")


def _rate_sentence(name: str, ep: EndpointResults) -> str:
    months = format_number(ep.rate_time, digits=0)
    when = "1-year" if ep.rate_time == 12.0 else f"{months}-month"
    parts = []
    all_rate = ep.rates.get("all")
    if all_rate is not None:
        parts.append(
            f"The {when} {name} rate was "
            f"{format_rate_ci(all_rate.value, all_rate.lower, all_rate.upper, ci_label=_ci(ep.curves.get('all')))} "
            "in all patients"
        )
    groups = [
        f"{format_percent(ep.rates[g].value)} in the {g} group" for g in ("PBR", "NPBR") if g in ep.rates
    ]
    if groups:
        parts.append(" and " + " versus ".join(groups) if parts else f"The {when} {name} rate was " + " versus ".join(groups))
    test = ep.logrank
    if test is not None:
        parts.append(f" (log-rank {p_phrase(test.p_value)})")
    return "".join(parts) + "." if parts else ""


def data_paragraphs(flow: Mapping[str, Any] | None) -> list[str]:
    """Sentences on what validation rejected that the Patients paragraph's count does not say:
    values treated as missing (per column, among the included patients) and rejected rows of
    the complications table."""
    flow = flow or {}
    out: list[str] = []
    values = flow.get("values_rejected") or {}
    if values:
        parts = [
            f"{v.get('label', k)} ({k}): {v.get('available')} of {v.get('patients')} patients; "
            f"{v.get('rejected')} value{'' if v.get('rejected') == 1 else 's'} rejected"
            for k, v in values.items()
        ]
        out.append(
            "Values that broke a rule of the data dictionary were treated as missing for the analyses "
            "that use them, the patients kept in every other analysis (listed in quarantine.csv): "
            + "; ".join(parts) + "."
        )
    comp_rows = flow.get("complication_rows")
    if comp_rows:
        out.append(
            f"Complications table: {comp_rows.get('read')} rows read, "
            f"{_rejected_phrase(comp_rows.get('rejected'), comp_rows.get('rejection_reasons'))}"
            + (" (listed in complications_quarantine.csv)" if comp_rows.get("rejected") else "") + "."
        )
    return out


def results_paragraphs(results: StudyResults) -> dict[str, list[str]]:
    """Sentences with the numbers, by report section (patients, interval, prognosis, qol)."""
    n = results.n_patients
    out: dict[str, list[str]] = {"patients": [], "interval": [], "prognosis": [], "qol": []}
    flow = results.flow or {}
    screened = flow.get("screened")
    lead = f"Of {screened} patients screened, {n} were included" if screened is not None else f"{n} patients were included"
    if screened is not None and "rejected" in flow:
        excluded = sum(int(v) for v in (flow.get("exclusions") or {}).values() if v is not None)
        lead = (
            f"Of {screened} patients screened (data rows read), {_rejected_phrase(flow.get('rejected'), flow.get('rejection_reasons'))}, "
            f"{excluded} excluded by the eligibility criteria and {n} included"
        )
    out["patients"].append(
        f"{lead}: {format_n_percent(results.n_by_group.get('PBR', 0), n)} had progression before "
        f"radiotherapy (PBR) and {format_n_percent(results.n_by_group.get('NPBR', 0), n)} did not (NPBR)."
    )
    out["patients"].extend(data_paragraphs(flow))
    try:
        age = results.table1.row("age").summaries["all"]
        out["patients"].append(f"Mean age was {format_mean_sd(age.mean, age.sd)} years.")
    except KeyError:
        pass
    fu = results.followup
    out["patients"].append(
        f"Follow-up after radiotherapy was {format_mean_sd(fu.months.mean, fu.months.sd)} months "
        f"(mean ± SD); {fu.lost} {'patient was' if fu.lost == 1 else 'patients were'} lost to follow-up (follow-up rate {format_percent(fu.rate)})."
    )
    out["patients"].append(followup_sentence(results))
    iv = results.interval
    out["interval"].append(
        "The median interval from surgery to radiotherapy was "
        f"{format_median_range(iv.ti.median, iv.ti.minimum, iv.ti.maximum)} months (median (range))."
    )
    if iv.pbr_risk:
        risks = ", ".join(
            f"{format_rate_ci(r.value, r.lower, r.upper, ci_label=_ci(iv.pbr_curve))} at {_months(r.time)}" for r in iv.pbr_risk
        )
        out["interval"].append(f"The cumulative risk of progression before radiotherapy was {risks}.")
    if iv.pbr_by_surgery:
        parts = ", ".join(f"{op} {k}/{m}" for op, (k, m) in iv.pbr_by_surgery.items())
        text = f"PBR by operation type: {parts}"
        if iv.pbr_by_surgery_logrank is not None:
            text += f" (log-rank {p_phrase(iv.pbr_by_surgery_logrank.p_value)})"
        out["interval"].append(text + ".")
    for name, ep in (("local control", results.local_control), ("overall survival", results.overall_survival)):
        sentence = _rate_sentence(name, ep)
        if sentence:
            out["prognosis"].append(sentence)
        detail = endpoint_sentence(name, ep)
        if detail:
            out["prognosis"].append(detail)
    for name, m in results.table2.measures.items():
        bits = [f"{g} {p_phrase(q.p_value)}" for g, q in m.groups.items()]
        if bits:
            out["qol"].append(
                f"{MEASURE_LABELS.get(name, name)}, before surgery vs follow-up: " + "; ".join(bits)
                + f"; PBR vs NPBR at follow-up {p_phrase(m.between_groups_followup_p)}."
            )
    return out
