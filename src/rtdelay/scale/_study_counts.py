"""The seed study's survival analyses as count frames, from a durations-form cohort file.

A durations file (DATA_DICTIONARY.md, "Durations instead of dates") gives per patient
``ti_months`` (surgery to RT start), ``prert_progression`` (progression on the pre-RT MRI: PBR
when true), ``lc_months``/``lc_event`` and ``os_months``/``os_event``. The analyses:

``pbr_risk``
    risk of progression before RT by wait, as the article treats it: Kaplan-Meier with time =
    ``ti_months``, event = ``prert_progression`` (NPBR censored at RT start); group ``all``.
``local_control``
    Kaplan-Meier of local control: ``lc_months``, ``lc_event``; group PBR / NPBR.
``local_control_competing``
    local failure with death competing (cause 1 = ``lc_event`` at ``lc_months``; cause 2 =
    death, ``os_event``, at ``os_months``; else censored at ``lc_months``), as
    :func:`rtdelay.study` does it; by group.
``overall_survival``
    ``os_months``, ``os_event``; by group.

The rules, in the order they are checked (a row counts once, under its first failing rule):
rejected when a required value is missing or invalid (``ti_months``, ``lc_months``,
``lc_event``, ``os_months``, ``os_event``; ``prert_progression`` given but not true/false;
the eligibility fields given but invalid); then excluded by the study's criteria in their order
(``rtdelay.cohort.CRITERIA``): surgery or RT elsewhere, operation or technique not eligible,
interval of 9 months or more, seed implantation, no pre-RT MRI (``prert_progression`` blank).
A criterion whose column the file does not have is not applied. The same rules apply to all
four analyses, so each counts the same included patients.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rtdelay.scale._sql import Check, Competing, CountSpec

if TYPE_CHECKING:
    from rtdelay.scale._engines import CountAggregation

__all__ = ["STUDY_ANALYSES", "StudyCounts", "study_counts", "study_specs"]

#: analysis -> what it is (for reports)
STUDY_ANALYSES: dict[str, str] = {
    "pbr_risk": "Risk of progression before RT by wait (Kaplan-Meier on ti_months, event = PBR)",
    "local_control": "Local control after RT by group (Kaplan-Meier, log-rank)",
    "local_control_competing": "Local failure with death competing by group (Aalen-Johansen, Gray)",
    "overall_survival": "Overall survival after RT by group (Kaplan-Meier, log-rank)",
}


def cohort_checks() -> tuple[Check, ...]:
    """Validation then eligibility rules of a durations file, in order."""
    from rtdelay.cohort import (
        ELIGIBLE_RT_TECHNIQUES,
        ELIGIBLE_SURGERY_TYPES,
        EXCLUSION_REASONS,
        INTERVAL_LIMIT_MONTHS,
        RT_TECHNIQUES,
        SURGERY_TYPES,
    )

    rejected: list[Check] = []
    for col, test in (
        ("ti_months", "number"),
        ("lc_months", "number"),
        ("lc_event", "flag"),
        ("os_months", "number"),
        ("os_event", "flag"),
    ):
        rejected.append(Check(col, "blank", f"{col}: missing", kind="rejected"))
        what = "not a finite number >= 0" if test == "number" else "not 0/1 (true/false)"
        rejected.append(Check(col, test, f"{col}: {what}", kind="rejected"))  # type: ignore[arg-type]
    for col in ("prert_progression", "surgery_at_site", "rt_at_site", "seed_implantation"):
        rejected.append(Check(col, "flag_if_given", f"{col}: not true/false", kind="rejected"))
    rejected.append(
        Check("surgery_type", "not_in", "surgery_type: not an allowed value", kind="rejected", values=SURGERY_TYPES)
    )
    rejected.append(
        Check("rt_technique", "not_in", "rt_technique: not an allowed value", kind="rejected", values=RT_TECHNIQUES)
    )
    tests: dict[str, Check] = {
        "surgery_elsewhere": Check("surgery_at_site", "is_false", "surgery_elsewhere"),
        "rt_elsewhere": Check("rt_at_site", "is_false", "rt_elsewhere"),
        "surgery_type_ineligible": Check(
            "surgery_type", "not_in", "surgery_type_ineligible", values=ELIGIBLE_SURGERY_TYPES
        ),
        "rt_technique_ineligible": Check(
            "rt_technique", "not_in", "rt_technique_ineligible", values=ELIGIBLE_RT_TECHNIQUES
        ),
        "interval_9_months_or_more": Check(
            "ti_months", "at_least", "interval_9_months_or_more", limit=INTERVAL_LIMIT_MONTHS
        ),
        "seed_implantation": Check("seed_implantation", "is_true", "seed_implantation"),
        "no_prert_mri": Check("prert_progression", "blank", "no_prert_mri"),
    }
    excluded = [tests[key] for key in EXCLUSION_REASONS]
    return (*rejected, *excluded)


def study_specs(*, site: str | None = None) -> dict[str, CountSpec]:
    """The count spec of each analysis (``site``: a site column, for multi-site files)."""
    checks = cohort_checks()
    group = {"group": "prert_progression", "group_labels": ("PBR", "NPBR")}
    return {
        "pbr_risk": CountSpec(time="ti_months", event="prert_progression", site=site, checks_before=checks),
        "local_control": CountSpec(time="lc_months", event="lc_event", site=site, checks_before=checks, **group),  # type: ignore[arg-type]
        "local_control_competing": CountSpec(
            time="lc_months",
            event="lc_event",
            competing=Competing(event="os_event", time="os_months"),
            site=site,
            checks_before=checks,
            **group,  # type: ignore[arg-type]
        ),
        "overall_survival": CountSpec(time="os_months", event="os_event", site=site, checks_before=checks, **group),  # type: ignore[arg-type]
    }


@dataclass(frozen=True)
class StudyCounts:
    """Count frames of the study's analyses from one file, with the rows not counted.

    ``analyses`` maps each name of :data:`STUDY_ANALYSES` to its :class:`CountAggregation`;
    ``rejected`` (rows per rule, the same for every analysis) is the first one's.
    """

    source: str
    engine: str
    analyses: dict[str, CountAggregation]

    @property
    def n_rows(self) -> int:
        return next(iter(self.analyses.values())).n_rows

    @property
    def n_included(self) -> int:
        return next(iter(self.analyses.values())).n_counted

    @property
    def rejected(self) -> Any:
        return next(iter(self.analyses.values())).rejected

    def flow(self) -> dict[str, Any]:
        """Screened, rejected (by rule), excluded (by criterion), included."""
        rej = self.rejected
        rejected = rej.loc[rej["kind"] == "rejected"]
        excluded = rej.loc[rej["kind"] == "excluded"]
        return {
            "screened": self.n_rows,
            "rejected": int(rejected["n"].sum()),
            "rejection_reasons": {r: int(n) for r, n in zip(rejected["rule"], rejected["n"], strict=True) if n},
            "exclusions": {r: int(n) for r, n in zip(excluded["rule"], excluded["n"], strict=True)},
            "included": self.n_included,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "engine": self.engine,
            "time_unit": "months",
            "flow": self.flow(),
            "analyses": {k: v.counts.to_dict(orient="list") for k, v in self.analyses.items()},
        }

    def to_frame(self) -> Any:
        """All count frames stacked, with an ``analysis`` column first."""
        import pandas as pd

        frames = [v.counts.assign(analysis=k) for k, v in self.analyses.items()]
        out = pd.concat(frames, ignore_index=True)
        return out[["analysis", *[c for c in out.columns if c != "analysis"]]]


def study_counts(
    path: str | os.PathLike[str] | Any,
    *,
    engine: str | None = None,
    site: str | None = None,
    spill_dir: str | os.PathLike[str] | None = None,
    spark: Any = None,
) -> StudyCounts:
    """Count frames of the study's survival analyses from a durations-form cohort.

    Parameters
    ----------
    path : path or pandas.DataFrame
        Parquet or csv with ``ti_months``, ``prert_progression``, ``lc_months``, ``lc_event``,
        ``os_months``, ``os_event`` (and, when present, the eligibility fields).
    engine : {"duckdb", "pandas", "spark"}, optional
        Default :func:`rtdelay.scale.default_engine` (DuckDB when installed).
    site : str, optional
        Name of a site column (the count frames then have one block per site).

    Returns
    -------
    StudyCounts

    Raises
    ------
    InputError
        Unreadable file, a required column absent, unknown or missing engine.
    """
    from rtdelay.scale._engines import aggregate_spec, default_engine

    chosen = engine or default_engine()
    if chosen == "spark" and spark is None:
        from rtdelay.scale._spark import local_session

        spark = local_session()
    out = {
        name: aggregate_spec(path, spec, engine=chosen, spill_dir=spill_dir, spark=spark)
        for name, spec in study_specs(site=site).items()
    }
    return StudyCounts(source=str(path) if not hasattr(path, "columns") else "<frame>", engine=chosen, analyses=out)
