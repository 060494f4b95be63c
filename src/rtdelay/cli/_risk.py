"""``rtdelay risk``: the predicted risk of progression before radiotherapy for given waits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rtdelay.cli._app import app, fail, parse_float_list

if TYPE_CHECKING:
    import pandas as pd


@app.command("risk")
def risk(
    histology: str = typer.Option(..., "--histology", help="Primary tumour (renal, lung, breast, ... or a synonym such as RCC, NSCLC)."),
    wait_weeks: str = typer.Option(..., "--wait-weeks", help="Waits after surgery in weeks, e.g. 4,8,12."),
    cohort: Path | None = typer.Option(None, "--cohort", help="Cohort file to fit the model on (default: the synthetic demo cohort)."),
    surgery: str | None = typer.Option(None, "--surgery", help="separation, decompression or vertebrectomy."),
    escc: str | None = typer.Option(None, "--escc", help="Bilsky ESCC grade: 0, 1a, 1b, 1c, 2, 3."),
    max_risk: float | None = typer.Option(None, "--max-risk", help="Acceptable risk, e.g. 0.10: report the latest week that keeps the risk at or below it."),
    mapping: Path | None = typer.Option(None, "--mapping", help="Column-mapping TOML for --cohort."),
    date_order: str | None = typer.Option(None, "--date-order", help="dmy, mdy or ymd for non-ISO dates in --cohort."),
    baseline: str = typer.Option("auto", "--baseline", help="auto (lower AIC), weibull or loglogistic."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Predicted risk of progression before RT by wait after surgery, with 95 % CIs.

    Fits a parametric current-status model (progression seen at the pre-RT MRI) on the cohort,
    with Tomita growth class, operation type and ESCC grade as covariates.
    """
    from rtdelay.errors import RtdelayError
    from rtdelay.planning import fit_progression_model, predict_wait_risk, profile_from_patient

    weeks = parse_float_list(wait_weeks, option="--wait-weeks") or []
    if not weeks:
        fail("--wait-weeks needs at least one number of weeks, e.g. 4,8,12")
    try:
        profile = profile_from_patient(histology=histology, surgery=surgery, escc=escc)
    except (ValueError, RtdelayError) as exc:
        fail(str(exc))
    source, included = _load_included(cohort, mapping, date_order)
    try:
        model = fit_progression_model(included, baseline=baseline)
        pred = predict_wait_risk(model, profile, weeks, max_risk=max_risk)
    except (ValueError, RtdelayError) as exc:
        fail(str(exc))
    out = pred.to_dict()
    out["cohort"] = source
    if as_json:
        typer.echo(json.dumps(out, sort_keys=True))
        return
    _print_human(pred, source)


def _load_included(
    cohort: Path | None, mapping: Path | None, date_order: str | None
) -> tuple[str, pd.DataFrame]:
    from rtdelay.cohort import read_cohort
    from rtdelay.errors import RtdelayError

    try:
        return _read_included(read_cohort, cohort, mapping, date_order)
    except RtdelayError as exc:
        fail(str(exc))


def _read_included(read_cohort, cohort, mapping, date_order):
    if cohort is None:
        from rtdelay.demo import DEMO_NOTICE, demo_cohort_path

        data = read_cohort(demo_cohort_path())
        return f"demo cohort ({DEMO_NOTICE})", data.eligibility.included
    if date_order is not None and date_order not in ("dmy", "mdy", "ymd"):
        fail(f"--date-order must be dmy or mdy; got {date_order!r}")
    data = read_cohort(cohort, mapping=mapping, date_order=date_order)
    included = data.eligibility.included
    if len(included) == 0:
        fail(f"no eligible patients in {cohort}: nothing to fit the model on")
    return str(cohort), included


def _print_human(pred, source: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from rtdelay.cli._terminal import markup_safe as safe
    from rtdelay.planning import MAX_WAIT_WEEKS, describe_profile, wait_caution
    from rtdelay.report.formatting import format_percent

    console = Console()
    console.print(f"Model fitted on: {safe(source)}")
    m = pred.model
    baseline = {"weibull": "Weibull", "loglogistic": "log-logistic"}.get(m.baseline, m.baseline)
    console.print(f"{baseline} baseline ({m.link}), {m.n} patients, {m.n_progressed} with progression before RT")
    for note in m.notes:
        console.print(f"  note: {safe(note)}")
    profile = describe_profile(pred.profile) or "no covariates"
    if pred.ignored:
        console.print(
            "Given but not in the model (dropped, see the notes), so not used: " + safe(describe_profile(pred.ignored)) + "."
        )
    if pred.assumed:
        console.print(
            "Not given, so set to the reference level: "
            + safe(describe_profile({k: pred.profile[k] for k in pred.assumed}))
            + " (the risks below are for these levels, not an average over them)."
        )
    table = Table(title=f"Predicted risk of progression before RT ({safe(profile)})")
    table.add_column("wait (weeks)", justify="right")
    table.add_column("risk", justify="right")
    table.add_column("95% CI", justify="right")
    for w, r, lo, hi in zip(pred.wait_weeks, pred.risk, pred.lower, pred.upper, strict=True):
        table.add_row(f"{w:g}", format_percent(r), f"{format_percent(lo)}–{format_percent(hi)}")
    console.print(table)
    for warning in pred.warnings:
        console.print(f"Warning: {warning}.")
    caution = wait_caution(m)
    if caution is not None:
        console.print(caution)
    if pred.max_risk is not None:
        limit = format_percent(pred.max_risk)
        horizon = (
            f"{pred.search_weeks} weeks"
            if pred.search_weeks >= MAX_WAIT_WEEKS
            else f"{pred.search_weeks} weeks, the longest wait seen in the cohort"
        )
        for label, week in (("predicted risk", pred.latest_week), ("upper 95% limit", pred.latest_week_upper)):
            if week == 0:
                console.print(f"The {label} exceeds {limit} already one week after surgery.")
            elif week is not None and week >= pred.search_weeks:
                console.print(f"The {label} stays at or below {limit} for at least {horizon}.")
            else:
                console.print(f"Latest week with the {label} at or below {limit}: week {week}.")
    console.print(
        "Current-status model: progression is seen only at the pre-RT MRI; estimates assume the "
        "timing of that MRI does not depend on the patient's risk."
    )
