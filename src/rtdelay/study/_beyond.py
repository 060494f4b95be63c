"""Beyond the article: better answers beside the study's own analyses, clearly labelled.

1. Risk of progression while waiting. The article runs Kaplan-Meier on (months from surgery to
   RT, PBR): each patient is looked at once, at the pre-RT MRI, so this is current-status data
   and the naive curve mixes the progression risk with the timing of the scans (DOMAIN.md §7a).
   Here: the current-status NPMLE (pool-adjacent-violators; Groeneboom & Wellner 1992) with
   pointwise likelihood-ratio 95 % intervals (Banerjee & Wellner 2001; the plain bootstrap is
   inconsistent at the n^(1/3) rate), and a parametric current-status regression (``rtdelay.planning``), with a
   warning when the naive curve and the NPMLE differ by more than 5 points at 1, 3 or 6 months.
2. Local control with death as a competing event: Aalen-Johansen cumulative incidence of local
   progression by group with Gray's test (Gray 1988), beside 1 - Kaplan-Meier, which treats
   deaths as censored and overstates the failure probability (Gooley et al. 1999).
3. Cox models for OS and LC: PBR adjusted for Tomita growth class, Tokuhashi and KPS before
   surgery; the wait (months from surgery to RT) as a continuous covariate; proportional-hazards
   checks (``cox.zph``, KM transform). A model is fitted only with at least
   ``min_events_per_coef`` (default 5) events per coefficient (Vittinghoff & McCulloch 2007);
   when its partial likelihood is monotone (separation) it is refitted by Firth's penalised
   partial likelihood with profile-likelihood intervals (Heinze & Schemper 2001); a model with a
   hazard ratio or confidence limit outside ``HR_ESTIMABLE_RANGE`` is reported as not estimable.
4. Landmark at the start of RT: PBR status is known only at RT start, so survival is measured
   from there; measuring it from surgery credits NPBR/PBR patients with "immortal" waiting time.
   Both are shown so the difference is visible.

Everything is pure (no I/O); a model that cannot be fitted (too few events, separation) gives
``None`` with a note, never an exception.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from rtdelay.errors import ModelError, RtdelayError, StatisticalWarning
from rtdelay.stats import ResultMixin, jsonable

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.planning import CurrentStatusFit
    from rtdelay.stats import (
        CoxResult,
        CumulativeIncidence,
        StepFunction,
        SurvivalCurve,
        TestResult,
    )

__all__ = [
    "BeyondResults",
    "WaitingRisk",
    "CompetingLocalControl",
    "CoxModels",
    "Landmark",
    "run_beyond",
    "MIN_EVENTS_PER_COEF",
    "HR_ESTIMABLE_RANGE",
]

#: Events per coefficient below which a Cox model is not fitted (Vittinghoff & McCulloch 2007).
MIN_EVENTS_PER_COEF = 5.0
#: A hazard ratio or confidence limit outside this range is no finding: the model is reported as
#: not estimable (the report's ``formatting.HR_DISPLAY_RANGE`` is the same rule).
HR_ESTIMABLE_RANGE: tuple[float, float] = (1e-3, 1e3)

RISK_TIMES = (1.0, 3.0, 6.0)
DIVERGENCE_POINTS = 0.05
GROUPS = ("PBR", "NPBR")


@dataclasses.dataclass(frozen=True)
class WaitingRisk(ResultMixin):
    """Risk of progression before RT by months since surgery, three ways."""

    times: tuple[float, ...]
    naive_km: SurvivalCurve
    naive_risk: np.ndarray
    npmle: StepFunction
    npmle_risk: np.ndarray
    npmle_lower: np.ndarray
    npmle_upper: np.ndarray
    n_boot: int  # 0: no bootstrap (the intervals are likelihood-ratio intervals)
    model: CurrentStatusFit | None
    model_risk: np.ndarray
    divergence: np.ndarray
    diverges: bool
    notes: tuple[str, ...]
    ci_method: str = "likelihood ratio (Banerjee & Wellner 2001)"

    def to_dict(self) -> dict[str, Any]:
        keys = [f"{t:g}" for t in self.times]
        return {
            "times": list(self.times),
            "naive_km": dict(zip(keys, jsonable(self.naive_risk), strict=True)),
            "npmle": dict(zip(keys, jsonable(self.npmle_risk), strict=True)),
            "npmle_lower": dict(zip(keys, jsonable(self.npmle_lower), strict=True)),
            "npmle_upper": dict(zip(keys, jsonable(self.npmle_upper), strict=True)),
            "n_boot": self.n_boot,
            "ci_method": self.ci_method,
            "parametric": dict(zip(keys, jsonable(self.model_risk), strict=True)),
            "model": None if self.model is None else self.model.to_dict(),
            "divergence": dict(zip(keys, jsonable(self.divergence), strict=True)),
            "diverges": self.diverges,
            "notes": list(self.notes),
        }


@dataclasses.dataclass(frozen=True)
class CompetingLocalControl(ResultMixin):
    """Cumulative incidence of local progression with death competing, by group."""

    rate_time: float
    cif: dict[str, CumulativeIncidence]
    cif_at: dict[str, list[float]]
    one_minus_km_at: dict[str, float]
    gray: TestResult | None
    n_local_progression: int
    n_death_first: int
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rate_time": self.rate_time,
            "cif_at": jsonable(self.cif_at),
            "one_minus_km_at": jsonable(self.one_minus_km_at),
            "gray_test": None if self.gray is None else self.gray.to_dict(),
            "n_local_progression": self.n_local_progression,
            "n_death_first": self.n_death_first,
            "notes": list(self.notes),
        }


@dataclasses.dataclass(frozen=True)
class CoxModels(ResultMixin):
    """Adjusted Cox models (None where a model could not be fitted; see notes).

    ``ph_tests`` holds, per fitted model, the proportional-hazards test (``cox.zph``, KM
    transform) computed by the pipeline: ``{term: {"chisq", "df", "p"}}`` with a ``GLOBAL``
    row, or ``None`` with the reason in ``ph_test_notes``. ``to_dict`` only reads it.
    """

    os_adjusted: CoxResult | None
    lc_adjusted: CoxResult | None
    os_wait: CoxResult | None
    lc_wait: CoxResult | None
    covariates: tuple[str, ...]
    notes: tuple[str, ...]
    ph_tests: dict[str, dict[str, dict[str, float | None]] | None] = dataclasses.field(default_factory=dict)
    ph_test_notes: dict[str, str] = dataclasses.field(default_factory=dict)
    min_events_per_coef: float = MIN_EVENTS_PER_COEF
    firth: tuple[str, ...] = ()
    """Models fitted by Firth's penalised partial likelihood (monotone likelihood)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "covariates": list(self.covariates),
            "notes": list(self.notes),
            "min_events_per_coef": self.min_events_per_coef,
            "firth": list(self.firth),
        }
        for name in ("os_adjusted", "lc_adjusted", "os_wait", "lc_wait"):
            fit = getattr(self, name)
            if fit is None:
                out[name] = None
                continue
            block = {
                "terms": list(fit.names),
                "hazard_ratio": jsonable(fit.hazard_ratio),
                "ci_lower": jsonable(fit.ci_lower),
                "ci_upper": jsonable(fit.ci_upper),
                "p_value": jsonable(fit.p_value),
                "n": fit.n,
                "n_events": fit.n_events,
                "concordance": jsonable(fit.concordance),
                "ph_test": self.ph_tests.get(name),
                "method": fit.method,
                "ci_method": fit.ci_method,
            }
            if name in self.ph_test_notes:
                block["ph_test_note"] = self.ph_test_notes[name]
            out[name] = block
        return out


@dataclasses.dataclass(frozen=True)
class Landmark(ResultMixin):
    """OS by group measured from RT start (landmark) and, for contrast, from surgery."""

    from_rt_p: float | None
    from_surgery_p: float | None
    from_rt_1y: dict[str, float]
    from_surgery_1y: dict[str, float]
    note: str


@dataclasses.dataclass(frozen=True)
class BeyondResults(ResultMixin):
    """The analyses that improve on the article's methods."""

    waiting: WaitingRisk | None
    competing: CompetingLocalControl | None
    cox: CoxModels
    landmark: Landmark | None
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "waiting_risk": None if self.waiting is None else self.waiting.to_dict(),
            "competing_local_control": None if self.competing is None else self.competing.to_dict(),
            "cox": self.cox.to_dict(),
            "landmark": None if self.landmark is None else self.landmark.to_dict(),
            "notes": list(self.notes),
        }


def _missing(value: Any) -> bool:
    """True for None, NaN and pandas' NA (a value rejected at validation or never given)."""
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _waiting_risk(included: pd.DataFrame) -> WaitingRisk:
    from rtdelay.planning import fit_progression_model
    from rtdelay.stats import current_status_lr_ci, current_status_npmle, kaplan_meier

    pbr = (included["group"] == "PBR").to_numpy().astype(int)
    times = np.asarray(RISK_TIMES)
    naive = kaplan_meier(included["ti_months"].to_numpy(float), pbr)
    naive_risk = 1.0 - naive.at(times)
    look = included["inspection_months"].to_numpy(float)
    npmle = current_status_npmle(look, pbr)
    notes: list[str] = []
    within = times <= look.max()
    lower = np.full(times.size, np.nan)
    upper = np.full(times.size, np.nan)
    if within.any():
        band = current_status_lr_ci(look, pbr, times=times[within])
        lower[within] = band.lower
        upper[within] = band.upper
        collapsed = within & ~(upper > lower)
        if collapsed.any():  # never shown as an interval (e.g. "0.0% (0.0-0.0)")
            lower[collapsed] = upper[collapsed] = np.nan
            notes.append(
                "no confidence interval for the current-status estimate at "
                f"{', '.join(f'{t:g}' for t in times[collapsed])} months: the data do not support one"
            )
    if not within.all():
        notes.append(
            f"no pre-RT MRI later than {look.max():.1f} months: the current-status estimate is not "
            f"identified at {', '.join(f'{t:g}' for t in times[~within])} months"
        )
    npmle_risk = npmle.at(times)
    model = None
    model_risk = np.full(times.size, np.nan)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StatisticalWarning)
            model = fit_progression_model(included)
        # standardised (marginal) risk: the average of F(t | x_i) over the cohort's patients
        # with every covariate known (the model is fitted on those complete cases)
        rows = []
        for _, patient in included.iterrows():
            if any(_missing(patient.get(k)) for k in model.terms):
                continue
            profile = {k: str(patient[k]) for k in model.terms}
            rows.append(model.predict(times, profile).risk)
        model_risk = np.mean(rows, axis=0)
    except (ModelError, ValueError) as exc:
        notes.append(f"parametric current-status model not fitted: {exc}")
    divergence = np.abs(naive_risk - npmle_risk)
    diverges = bool(np.nanmax(divergence) > DIVERGENCE_POINTS) if np.isfinite(divergence).any() else False
    if diverges:
        worst = int(np.nanargmax(divergence))
        notes.append(
            f"The article's Kaplan-Meier risk and the current-status estimate differ by "
            f"{100 * divergence[worst]:.1f} points at {times[worst]:g} months (more than "
            f"{100 * DIVERGENCE_POINTS:.0f}): the naive curve reflects when MRIs were done as much as "
            "when tumours progressed."
        )
    return WaitingRisk(
        times=tuple(RISK_TIMES),
        naive_km=naive,
        naive_risk=naive_risk,
        npmle=npmle,
        npmle_risk=npmle_risk,
        npmle_lower=lower,
        npmle_upper=upper,
        n_boot=0,
        model=model,
        model_risk=model_risk,
        divergence=divergence,
        diverges=diverges,
        notes=tuple(notes),
    )


def competing_events(included: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Time and cause for local failure with death competing.

    cause 1 = local progression (at ``lc_months``); cause 2 = death without local progression
    seen before it (at ``os_months``); 0 = alive without local progression, censored at the last
    imaging (``lc_months``). A death after the last imaging counts as death first: progression
    in between, had it occurred, was never seen.
    """
    lc_t = included["lc_months"].to_numpy(float)
    lc_e = included["lc_event"].to_numpy(int)
    os_t = included["os_months"].to_numpy(float)
    os_e = included["os_event"].to_numpy(int)
    cause = np.where(lc_e == 1, 1, np.where(os_e == 1, 2, 0))
    time = np.where(cause == 2, os_t, lc_t)
    return time, cause


def _competing(included: pd.DataFrame, *, rate_time: float) -> CompetingLocalControl:
    from rtdelay.stats import cumulative_incidence, gray_test, kaplan_meier

    time, cause = competing_events(included)
    groups = included["group"].to_numpy(str)
    cif: dict[str, CumulativeIncidence] = {}
    cif_at: dict[str, list[float]] = {}
    km_at: dict[str, float] = {}
    notes: list[str] = []
    for label, mask in [("all", np.ones(len(groups), bool))] + [(g, groups == g) for g in GROUPS]:
        if mask.sum() == 0:
            notes.append(f"no {label} patients: no cumulative incidence")
            continue
        fit = cumulative_incidence(time[mask], cause[mask], cause_of_interest=1)
        cif[label] = fit
        row = fit.summary_at([rate_time]).iloc[0]
        cif_at[label] = [float(row["estimate"]), float(row["lower"]), float(row["upper"])]
        km = kaplan_meier(included["lc_months"].to_numpy(float)[mask], included["lc_event"].to_numpy(int)[mask])
        km_at[label] = float(1.0 - km.at([rate_time])[0])
    gray = None
    if all((groups == g).any() for g in GROUPS):
        try:
            gray = gray_test(time, cause, groups, cause_of_interest=1)
        except (ValueError, RtdelayError) as exc:
            notes.append(f"Gray's test not computed: {exc}")
        if gray is not None and gray.note:
            notes.append(f"Gray's test not computed: {gray.note}")
            gray = None
    else:
        notes.append("Gray's test needs both PBR and NPBR patients")
    return CompetingLocalControl(
        rate_time=rate_time,
        cif=cif,
        cif_at=cif_at,
        one_minus_km_at=km_at,
        gray=gray,
        n_local_progression=int((cause == 1).sum()),
        n_death_first=int((cause == 2).sum()),
        notes=tuple(notes),
    )


ADJUSTMENT = ("growth_class", "tokuhashi", "kps_pre")


def _out_of_range(fit: CoxResult) -> str | None:
    """The first term whose hazard ratio or limit lies outside HR_ESTIMABLE_RANGE, described."""
    lo_ok, hi_ok = HR_ESTIMABLE_RANGE
    for i, name in enumerate(fit.names):
        values = (float(fit.hazard_ratio[i]), float(fit.ci_lower[i]), float(fit.ci_upper[i]))
        if not all(np.isfinite(v) and lo_ok <= v <= hi_ok for v in values):
            shown = ", ".join(f"{v:.3g}" for v in values)
            return f"{name} (hazard ratio and limits {shown})"
    return None


def _fit_cox(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    covariates: list[str],
    label: str,
    notes: list[str],
    *,
    min_events_per_coef: float,
    firth_used: list[str],
    key: str,
) -> CoxResult | None:
    from rtdelay.stats import cox_ph

    usable = [c for c in covariates if c in frame.columns and frame[c].notna().any()]
    dropped = [c for c in covariates if c not in usable]
    if dropped:
        notes.append(f"{label}: {', '.join(dropped)} not available in the cohort, left out")
    constant = [c for c in usable if frame[c].dropna().nunique() < 2]
    if constant:
        notes.append(f"{label}: {', '.join(constant)} has a single value, left out")
        usable = [c for c in usable if c not in constant]
    if not usable:
        notes.append(f"{label} not estimable: no covariate varies in the cohort")
        return None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StatisticalWarning)
            fit = cox_ph(
                frame, duration=duration, event=event, covariates=usable,
                firth="auto", min_events_per_coef=min_events_per_coef, residuals=True,
            )
    except (ModelError, ValueError) as exc:
        notes.append(f"{label} not estimable: {exc}")
        return None
    if np.isnan(fit.coef).any():  # aliased terms (NA in R): the study's model needs every term
        why = fit.notes[0] if fit.notes else "a coefficient is not estimable"
        notes.append(f"{label} not estimable: {why}")
        return None
    for w in caught:
        if issubclass(w.category, StatisticalWarning) and "per coefficient" not in str(w.message):
            if fit.method.startswith("Firth") and "very large" in str(w.message):
                continue
            notes.append(f"{label}: {w.message}")
    bad = _out_of_range(fit)
    if bad is not None:
        lo_ok, hi_ok = HR_ESTIMABLE_RANGE
        how = " (Firth's penalised likelihood)" if fit.method.startswith("Firth") else ""
        notes.append(
            f"{label} not estimable: {bad} outside {lo_ok:g} to {hi_ok:g}{how}; the data cannot "
            "support this model"
        )
        return None
    if fit.method.startswith("Firth"):
        firth_used.append(key)
        notes.append(
            f"{label}: the partial likelihood is monotone (a hazard ratio runs off to infinity, "
            "separation); fitted by Firth's penalised partial likelihood with profile "
            "penalised-likelihood 95% intervals (Heinze & Schemper 2001)"
        )
    return fit


def _ph_test(fit: CoxResult) -> dict[str, dict[str, float | None]]:
    """``cox.zph`` (KM transform) of a fitted model as ``{term: {chisq, df, p}}`` plus GLOBAL."""
    return fit.ph_test().to_dict()


def _cox_models(included: pd.DataFrame, *, min_events_per_coef: float = MIN_EVENTS_PER_COEF) -> CoxModels:
    frame = included.copy()
    frame["pbr"] = (frame["group"] == "PBR").astype(float)
    notes: list[str] = []
    firth_used: list[str] = []
    adj = ["pbr", *ADJUSTMENT]
    specs = {
        "os_adjusted": ("os_months", "os_event", adj, "OS model (PBR adjusted)"),
        "lc_adjusted": ("lc_months", "lc_event", adj, "LC model (PBR adjusted)"),
        "os_wait": ("os_months", "os_event", ["ti_months", *ADJUSTMENT], "OS model (wait in months)"),
        "lc_wait": ("lc_months", "lc_event", ["ti_months", *ADJUSTMENT], "LC model (wait in months)"),
    }
    fits = {
        key: _fit_cox(
            frame, dur, ev, covs, label, notes,
            min_events_per_coef=min_events_per_coef, firth_used=firth_used, key=key,
        )
        for key, (dur, ev, covs, label) in specs.items()
    }
    ph_tests: dict[str, dict[str, dict[str, float | None]] | None] = {}
    ph_notes: dict[str, str] = {}
    for name, fit in fits.items():
        if fit is None:
            continue
        try:
            ph_tests[name] = _ph_test(fit)
        except (RtdelayError, ValueError, np.linalg.LinAlgError) as exc:
            ph_tests[name] = None
            ph_notes[name] = str(exc)
    return CoxModels(
        **fits,
        covariates=tuple(adj),
        notes=tuple(notes),
        min_events_per_coef=float(min_events_per_coef),
        firth=tuple(firth_used),
        ph_tests=ph_tests,
        ph_test_notes=ph_notes,
    )


def _landmark(included: pd.DataFrame, *, rate_time: float, notes: list[str]) -> Landmark | None:
    from rtdelay.stats import kaplan_meier, logrank_test

    groups = included["group"].to_numpy(str)
    if not all((groups == g).any() for g in GROUPS):
        return None
    t_rt = included["os_months"].to_numpy(float)
    e = included["os_event"].to_numpy(int)
    t_surg = t_rt + included["ti_months"].to_numpy(float)
    one_rt = {g: float(kaplan_meier(t_rt[groups == g], e[groups == g]).at([rate_time])[0]) for g in GROUPS}
    one_s = {g: float(kaplan_meier(t_surg[groups == g], e[groups == g]).at([rate_time])[0]) for g in GROUPS}
    tests = {"from RT start": logrank_test(t_rt, e, groups), "from surgery": logrank_test(t_surg, e, groups)}
    for when, test in tests.items():
        if test.note:
            notes.append(f"landmark log-rank test {when} not computed: {test.note}")
    p_rt, p_s = (None if t.note else t.p_value for t in tests.values())
    return Landmark(
        from_rt_p=p_rt,
        from_surgery_p=p_s,
        from_rt_1y=one_rt,
        from_surgery_1y=one_s,
        note=(
            "PBR status is known only at the start of RT, so survival by group is measured from "
            "that landmark. Measured from surgery, every patient is credited with the wait, during "
            "which nobody in the cohort could die (immortal time)."
        ),
    )


def run_beyond(
    included: pd.DataFrame,
    *,
    rate_time: float = 12.0,
    min_events_per_coef: float = MIN_EVENTS_PER_COEF,
) -> BeyondResults:
    """Run the analyses that go beyond the article on the eligible patients (pure).

    A part that fails on these data (a model or test raising ``RtdelayError``, ``ValueError``,
    ``ZeroDivisionError`` or ``LinAlgError``) is left out with a note naming the part and the
    reason; the other parts still run.

    ``min_events_per_coef``: a Cox model with fewer events per coefficient is not fitted
    (reported as not estimable with the reason). Nothing here is random: the current-status
    intervals are likelihood-ratio intervals (no bootstrap), so there is no ``n_boot`` or ``seed``.
    """
    notes: list[str] = []

    def part(what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (RtdelayError, ValueError, ZeroDivisionError, np.linalg.LinAlgError) as exc:
            notes.append(f"{what}: not computed ({exc})")
            return None

    waiting = None
    pbr = (included["group"] == "PBR").sum() if len(included) else 0
    if len(included) and 0 < pbr < len(included):
        waiting = part("risk of progression while waiting", _waiting_risk, included)
    else:
        notes.append("risk of progression while waiting needs patients with and without PBR")
    competing = (
        part("local control with death competing", _competing, included, rate_time=rate_time)
        if len(included) else None
    )
    cox = part("Cox models", _cox_models, included, min_events_per_coef=min_events_per_coef)
    if cox is None:
        cox = CoxModels(None, None, None, None, covariates=(), notes=())
    return BeyondResults(
        waiting=waiting,
        competing=competing,
        cox=cox,
        landmark=part("landmark analysis", _landmark, included, rate_time=rate_time, notes=notes),
        notes=tuple(notes),
    )
