"""``rtdelay plan``: how many course starts a week keep waits safe, and in what order to start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from rtdelay.cli._app import app, fail


def _ints(text: str, option: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = float(part)
        except ValueError:
            fail(f"{option} takes whole numbers separated by commas; {part!r} is not a number")
        if value != int(value):
            fail(f"{option} takes whole numbers; {part!r} is not whole")
        out.append(int(value))
    if not out:
        fail(f"{option} needs at least one number, e.g. 3,4,5")
    return out


@app.command("plan")
def plan(
    starts_per_week: str = typer.Option("3,4,5,6,7", "--starts-per-week", help="Weekly course starts to compare, e.g. 3,4,5,6,7."),
    arrivals_per_week: float | None = typer.Option(None, "--arrivals-per-week", help="Operations a week (Poisson). Without it, --cohort's surgery dates are replayed; default 4 with no cohort."),
    start_days: str = typer.Option("mon-fri", "--start-days", help="Weekdays with course starts: mon-fri spreads them, fri puts all on Friday, or mon,wed,fri."),
    ready_after_days: float = typer.Option(14.0, "--ready-after-days", help="Days from surgery until a patient is ready for RT (wound healing)."),
    policy: str = typer.Option("fifo,deadline,risk", "--policy", help="Start order(s): fifo, deadline (earliest deadline first), risk (highest predicted risk first)."),
    deadline_weeks: float = typer.Option(4.0, "--deadline-weeks", help="Target start, weeks after surgery (deadline policy and the risk ranking)."),
    reserved_urgent: int = typer.Option(0, "--reserved-urgent", help="Starts a week kept for urgent patients (the top quarter by predicted risk)."),
    years: float = typer.Option(10.0, "--years", help="Simulated years of operations."),
    replications: int = typer.Option(1000, "--replications", help="Simulation replications (CIs are over replications)."),
    seed: int = typer.Option(1, "--seed", help="Random seed; the same seed gives identical output."),
    cohort: Path | None = typer.Option(None, "--cohort", help="Cohort file for the risk model and death rate (default: the synthetic demo cohort)."),
    registry: bool = typer.Option(False, "--registry", help="Use the registry's cohort instead of a file."),
    holidays: Path | None = typer.Option(None, "--holidays", help="File of ISO dates (one a line) without course starts."),
    out: Path | None = typer.Option(None, "--out", help="Write results.json, figures and planning_report.html here."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Simulate weekly course-start capacities and start orders; report waits and progressions avoided.

    The harm of waiting is each patient's probability of progression before RT from the
    current-status model fitted on the cohort (default: the synthetic demo cohort).
    """
    from rtdelay.errors import RtdelayError

    ks = _ints(starts_per_week, "--starts-per-week")
    policies = [p.strip().lower() for p in policy.split(",") if p.strip()]
    if registry and cohort is not None:
        fail("give either --cohort FILE or --registry, not both")
    if registry:
        _registry_unavailable()
    try:
        plan_result, source = _run(
            ks=ks, policies=policies, arrivals=arrivals_per_week, start_days=start_days,
            ready=ready_after_days, deadline=deadline_weeks, reserved=reserved_urgent, years=years,
            reps=replications, seed=seed, cohort=cohort, holidays=holidays,
        )
    except RtdelayError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))
    doc = plan_result.to_dict(compact=True)
    doc["model"]["cohort"] = source
    if out is not None:
        from rtdelay.report.planning import write_planning_outputs

        write_planning_outputs(plan_result, out, source=source)
    if as_json:
        typer.echo(json.dumps(doc, sort_keys=True))
        return
    _print_human(plan_result, source, out)


def _registry_unavailable() -> None:
    import importlib.util

    if importlib.util.find_spec("rtdelay.registry") is None:
        fail("--registry is not available yet (the registry has not been installed in this version); use --cohort FILE")
    fail("--registry is not wired to the planner yet; export the cohort and use --cohort FILE")


def _load(cohort: Path | None) -> tuple[str, Any]:
    from rtdelay.cohort import read_cohort

    if cohort is None:
        from rtdelay.demo import DEMO_NOTICE, demo_cohort_path

        data = read_cohort(demo_cohort_path())
        return f"demo cohort ({DEMO_NOTICE})", data.eligibility.included
    data = read_cohort(cohort)
    included = data.eligibility.included
    if len(included) == 0:
        fail(f"no eligible patients in {cohort}: nothing to fit the risk model on")
    return str(cohort), included


def _run(*, ks, policies, arrivals, start_days, ready, deadline, reserved, years, reps, seed, cohort, holidays):
    import datetime as dt

    import numpy as np

    from rtdelay.planning.capacity import (
        PlannerSettings,
        harm_from_cohort,
        parse_start_days,
        plan_capacity,
        read_holidays,
    )

    days = parse_start_days(start_days)
    hol: frozenset[dt.date] = frozenset()
    if holidays is not None:
        hol = read_holidays(holidays.read_text(encoding="utf-8").splitlines())
    source, included = _load(cohort)
    harm, death_rate = harm_from_cohort(included, source=source)
    kwargs: dict[str, Any] = {}
    if arrivals is None and cohort is not None:
        dates = included["surgery_date"].dropna() if "surgery_date" in included.columns else None
        if dates is None or len(dates) == 0:
            fail(f"{cohort} has no surgery dates to replay: give --arrivals-per-week")
        first = dates.min().date()
        offsets = tuple(float(d) for d in (dates - dates.min()).dt.days.to_numpy(dtype=float) + 0.5)
        span_years = (max(offsets) + 1.0) / 365.25
        kwargs = {"surgery_days": offsets, "arrivals_per_week": None, "start_date": first, "years": span_years}
    else:
        kwargs = {"arrivals_per_week": 4.0 if arrivals is None else arrivals, "years": years}
    settings = PlannerSettings(
        ready_after_days=ready,
        start_days=days,
        deadline_weeks=deadline,
        reserved_urgent=reserved,
        death_rate_per_year=float(death_rate * 365.25),
        holidays=hol,
        **kwargs,
    )
    if reps < 2 or reps > 100_000:
        fail(f"--replications must lie between 2 and 100000; got {reps}")
    np.seterr(all="ignore")
    result = plan_capacity(settings, harm, starts_per_week=ks, policies=policies, replications=reps, seed=seed)
    return result, source


def _print_human(plan_result, source: str, out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"Harm of waiting from the risk model fitted on: {source}")
    table = Table(title="Waits from readiness (weeks) and expected progressions before RT; [95% CI] over replications")
    for col in ("policy", "starts /week", "mean wait", "median", "90th pct", "within 4 wk", "prog. /100", "prog. /year", "died /year"):
        table.add_column(col, justify="right")
    for s in plan_result.scenarios:
        table.add_row(
            s.policy, str(s.starts_per_week), f"{s.mean_wait_weeks:.2f}", f"{s.median_wait_weeks:.2f}",
            f"{s.p90_wait_weeks:.2f}", f"{100 * s.p_within['4']:.1f}%", f"{s.progressions_per_100:.2f}",
            f"{s.progressions_per_year:.2f} [{s.progressions_per_year_ci[0]:.2f}-{s.progressions_per_year_ci[1]:.2f}]",
            f"{s.died_waiting_per_year:.2f}",
        )
    console.print(table)
    for m in plan_result.marginal:
        console.print(
            f"{m.policy}: {m.from_starts} -> {m.to_starts} starts a week avoids "
            f"{m.avoided_per_year:.2f} progressions a year (95% CI {m.ci[0]:.2f} to {m.ci[1]:.2f})"
        )
    for note in plan_result.notes:
        console.print(f"note: {note}")
    if out is not None:
        console.print(f"Wrote {out}/results.json, figures and planning_report.html")
