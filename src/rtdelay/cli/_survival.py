"""``rtdelay km`` and ``rtdelay compare``: Kaplan-Meier rates and log-rank tests on a csv file.

Bad input (missing file or column, non-numeric or negative time, event codes other than 0/1,
missing group) gives one line on stderr and exit code 2, never a traceback. ``--json`` prints
exactly one JSON object. Heavy imports (pandas, numpy, rich, the statistics) stay inside the
functions so that ``rtdelay --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from rtdelay.cli._app import app, fail, parse_float_list

CONF_TYPES = ("log-log", "log", "plain")
WEIGHTINGS = ("logrank", "breslow", "tarone-ware", "fleming-harrington")


MAX_GROUP_LEVELS = 200
"""A --group or --strata column with more distinct values than this is refused: it is an id
or a measurement, not a grouping (thousands of curves would exhaust memory and the screen)."""


def _read_table(path: Path) -> Any:
    """Read km/compare input through the cohort reader (one hardened reader for every command).

    Regular-file check, encoding and delimiter detection, binary files, duplicate headers and
    stray quotes are handled by :func:`rtdelay.cohort.load_table`; the columns keep the file's
    own headers.
    """
    from rtdelay.cohort import load_table
    from rtdelay.errors import RtdelayError

    if not path.exists():
        fail(f"file not found: {path}")
    try:
        raw = load_table(path)
    except RtdelayError as exc:
        fail(str(exc))
    return raw.frame.rename(columns=raw.original_columns)


#: Columns a dates-form cohort gives rise to (``rtdelay.cohort`` derives them).
DERIVED_TIMES = ("ti_months", "lc_months", "lc_event", "os_months", "os_event", "followup_months", "group")


def read_survival_table(path: Path, *, needed: tuple[str, ...] = ()) -> Any:
    """The table of ``km``/``compare``: csv/tsv as it is, xlsx/sav/parquet through the cohort
    reader; when a column in ``needed`` is absent and the file is a cohort in the dates form,
    the cohort is validated and derived (months from the dates, groups) and the valid rows used."""
    if not path.exists():
        fail(f"file not found: {path}")
    if path.is_dir():
        fail(f"{path} is a directory, not a table")
    from rtdelay.errors import RtdelayError

    frame = _read_table(path)  # the hardened cohort reader, every format
    missing = [c for c in needed if c not in frame.columns]
    if missing and all(c in DERIVED_TIMES for c in missing) and "patient_id" in frame.columns:
        from rtdelay.cohort import read_cohort

        try:
            data = read_cohort(path)
        except RtdelayError as exc:
            fail(f"{path} looks like a cohort in the dates form but cannot be derived: {exc}")
        derived = data.derived
        usable = derived.dropna(subset=[c for c in needed if c in derived.columns])
        if len(usable) == 0:
            fail(f"{path}: no valid row to derive {', '.join(missing)} from (see 'rtdelay validate {path}')")
        left_out = len(derived) - len(usable)
        sys.stderr.write(
            f"rtdelay: {', '.join(missing)} derived from the dates of {path.name}: "
            f"{len(usable)} of {data.validation.n_rows} rows used"
            + (f" ({data.validation.n_rejected} rejected, {left_out} without {', '.join(missing)})" if data.validation.n_rejected or left_out else "")
            + "\n"
        )
        return usable.reset_index(drop=True)
    return frame


def _column(frame: Any, name: str, option: str) -> Any:
    if name not in frame.columns:
        have = ", ".join(map(str, frame.columns))
        fail(f"{option} column {name!r} is not in the file (columns: {have})")
    col = frame[name]
    missing = col.isna().to_numpy()
    if missing.any():
        row = int(missing.argmax()) + 1
        fail(f"column {name!r} is empty at row {row}")
    return col


def _numeric(frame: Any, name: str, option: str) -> Any:
    import numpy as np
    import pandas as pd

    col = _column(frame, name, option)
    num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(num)
    if bad.any():
        i = int(bad.argmax())
        fail(f"column {name!r} must be numeric; row {i + 1} has {_py(col.iloc[i])!r}")
    return num


def _survival_columns(frame: Any, time: str, event: str) -> tuple[Any, Any]:
    import numpy as np

    t = _numeric(frame, time, "--time")
    neg = t < 0
    if neg.any():
        i = int(neg.argmax())
        fail(f"time column {time!r} is negative at row {i + 1} ({t[i]:g})")
    e = _numeric(frame, event, "--event")
    bad = ~np.isin(e, (0.0, 1.0))
    if bad.any():
        i = int(bad.argmax())
        shown = _py(frame[event].iloc[i])
        fail(f"event column {event!r} must be 0 (censored) or 1 (event); row {i + 1} has {shown!r}")
    return t, e.astype(np.int8)


def _labels(frame: Any, name: str, option: str) -> Any:
    """Group labels: numbers when every cell is a number (``1``, ``2``), else the text."""
    import pandas as pd

    col = _column(frame, name, option)
    levels = pd.unique(col.to_numpy(dtype=object))
    if len(levels) > MAX_GROUP_LEVELS:
        fail(
            f"{option} column {name!r} has {len(levels):,} different values (more than "
            f"{MAX_GROUP_LEVELS}): is it an id or a measurement? Group by a categorical column, "
            "or cut the measurement into classes first"
        )
    num = pd.to_numeric(col, errors="coerce")
    if num.notna().all():
        values = num.to_numpy()
        if (values == values.round()).all():
            return values.astype("int64").astype(object)
        return values.astype(object)
    return col.to_numpy(dtype=object)


def _sorted_levels(labels: Any) -> list[Any]:
    """Distinct labels, sorted (as strings if the types cannot be compared)."""
    import pandas as pd

    levels = list(pd.unique(labels))
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=str)


def _py(value: Any) -> Any:
    """A plain Python value; text that is a number shows as that number (the file is text)."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        if value.strip().lstrip("+-").replace(".", "", 1).isdigit():
            return int(number) if number.is_integer() and "." not in value else number
    return value


def _default_times(t: Any) -> list[float]:
    """Five evenly spaced times up to the longest follow-up (3 significant digits)."""
    import numpy as np

    top = float(np.max(t)) if len(t) else 0.0
    if top <= 0:
        return [0.0]
    return [float(f"{x:.3g}") for x in np.linspace(0, top, 6)[1:]]


def _curve_block(label: Any, t: Any, e: Any, at: list[float], conf_type: str) -> dict[str, Any]:
    from rtdelay.stats import kaplan_meier

    curve = kaplan_meier(t, e, conf_type=conf_type)
    lcl, ucl = curve.median_ci()
    rates = curve.summary_at(at)
    return {
        "group": _py(label),
        "n": int(len(t)),
        "events": int(e.sum()),
        "median": _nan_none(curve.median()),
        "median_lower": _nan_none(lcl),
        "median_upper": _nan_none(ucl),
        "rates": [
            {k: _nan_none(v) if isinstance(v, float) else int(v) for k, v in row.items()}
            for row in rates.to_dict(orient="records")
        ],
    }


def _nan_none(x: Any) -> Any:
    import math

    x = float(x)
    return None if math.isnan(x) else x


def _check_choice(value: str, allowed: tuple[str, ...], option: str) -> None:
    if value not in allowed:
        fail(f"{option} must be one of {', '.join(allowed)}; got {value!r}")


def _stat(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a statistics function; its ValueError becomes the one-line CLI error."""
    try:
        return func(*args, **kwargs)
    except ValueError as exc:
        fail(str(exc))


def _print_km(blocks: list[dict[str, Any]], test: dict[str, Any] | None, conf_type: str, path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from rtdelay.cli._terminal import markup_safe as safe
    from rtdelay.report.formatting import format_number, format_p, format_percent

    console = Console(highlight=False)
    console.print(f"[bold]{safe(path)}[/bold]  Kaplan-Meier, 95% CI on the {conf_type} scale (Greenwood)")
    rates = Table(title="Survival at selected times")
    for col in ("group", "time", "at risk", "events", "survival", "std. error", "95% CI"):
        rates.add_column(col, justify="left" if col == "group" else "right")
    for block in blocks:
        for row in block["rates"]:
            ci = (
                "—"
                if row["lower"] is None or row["upper"] is None
                else f"{format_percent(row['lower'])}–{format_percent(row['upper'])}"
            )
            rates.add_row(
                "all" if block["group"] is None else safe(block["group"]),
                f"{row['time']:g}",
                str(row["n_at_risk"]),
                str(row["n_events"]),
                format_percent(row["survival"]),
                format_number(row["std_err"], digits=3),
                ci,
            )
    console.print(rates)
    med = Table(title="Median survival time")
    for col in ("group", "n", "events", "median", "95% CI"):
        med.add_column(col, justify="left" if col == "group" else "right")
    for block in blocks:
        med.add_row(
            "all" if block["group"] is None else safe(block["group"]),
            str(block["n"]),
            str(block["events"]),
            "not reached" if block["median"] is None else f"{block['median']:g}",
            f"{_fmt_time(block['median_lower'])}–{_fmt_time(block['median_upper'])}",
        )
    console.print(med)
    console.print("NA: the curve or its confidence limit does not reach 0.5.")
    if test is not None and test.get("note"):
        console.print(f"{test['method']}: not computed ({test['note']})")
    elif test is not None:
        console.print(
            f"{test['method']}: chi-square = {format_number(test['statistic'], digits=2)}, "
            f"df = {test['df']:g}, p = {format_p(test['p_value'])}"
        )


def _plot(target: Path, t: Any, e: Any, labels: Any, *, time_label: str, p_value: Any) -> None:
    """Write the survminer-style figure; a bad target is a one-line error."""
    from rtdelay.report import km_plot

    if target.suffix.lower() not in (".png", ".svg", ".pdf"):
        fail(f"--plot must end in .png, .svg or .pdf; got {target.name!r}")
    if target.is_dir():
        fail(f"--plot must be a file; {target} is a folder")
    try:
        km_plot(t, e, labels, target, xlabel=time_label, p_value=p_value)
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}")
    sys.stderr.write(f"rtdelay: figure written to {target}\n")


def _fmt_time(x: float | None) -> str:
    return "NA" if x is None else f"{x:g}"


@app.command("km")
def km_command(
    file: Path = typer.Argument(..., help="Table, one row per patient: csv, tsv, xlsx, sav or parquet; a dates-form cohort gets its months derived."),
    time: str = typer.Option(..., "--time", help="Column with the follow-up time."),
    event: str = typer.Option(..., "--event", help="Column with the event code: 1 event, 0 censored."),
    group: str | None = typer.Option(None, "--group", help="Column with the group: one curve per group and a log-rank test."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Draw the curves (CI bands, censor marks, numbers at risk, p value) into FILE.png, .svg or .pdf."
    ),
    at: str | None = typer.Option(
        None, "--at", help="Times for the rates table, e.g. 6,12,24 (default: five evenly spaced times)."
    ),
    conf_type: str = typer.Option("log-log", "--conf-type", help="CI scale: log-log, log or plain."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Kaplan-Meier survival rates, medians with 95% CI and (with --group) the log-rank test."""
    import numpy as np

    _check_choice(conf_type, CONF_TYPES, "--conf-type")
    times = parse_float_list(at, option="--at")
    if times is not None:
        bad = [x for x in times if not np.isfinite(x) or x < 0]
        if bad:
            fail(f"--at takes non-negative times; got {bad[0]:g}")
    frame = read_survival_table(file, needed=(time, event) + ((group,) if group else ()))
    t, e = _survival_columns(frame, time, event)
    if len(t) == 0:
        fail(f"{file} has no data rows")
    at_times = times if times else _default_times(t)
    blocks: list[dict[str, Any]] = []
    test: dict[str, Any] | None = None
    if group is None:
        blocks.append(_curve_block(None, t, e, at_times, conf_type))
    else:
        from rtdelay.stats import logrank_test

        labels = _labels(frame, group, "--group")
        levels = _sorted_levels(labels)
        for label in levels:
            sel = labels == label
            blocks.append(_curve_block(label, t[sel], e[sel], at_times, conf_type))
        if len(levels) > 1:
            test = _stat(logrank_test, t, e, labels).to_dict()
    if plot is not None:
        _plot(plot, t, e, labels if group is not None else None, time_label=time, p_value=(test or {}).get("p_value"))
    if as_json:
        out = {
            "file": str(file),
            "time": time,
            "event": event,
            "group": group,
            "conf_type": conf_type,
            "conf_level": 0.95,
            "at": at_times,
            "curves": blocks,
            "logrank": test,
        }
        typer.echo(json.dumps(_strict_json(out), allow_nan=False, default=str))
        return
    _print_km(blocks, test, conf_type, file)


@app.command("compare")
def compare_command(
    file: Path = typer.Argument(..., help="Table, one row per patient: csv, tsv, xlsx, sav or parquet; a dates-form cohort gets its months derived."),
    time: str = typer.Option(..., "--time", help="Column with the follow-up time."),
    event: str = typer.Option(..., "--event", help="Column with the event code: 1 event, 0 censored."),
    group: str = typer.Option(..., "--group", help="Column with the groups to compare."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Draw the curves (CI bands, censor marks, numbers at risk, p value) into FILE.png, .svg or .pdf."
    ),
    weighting: str = typer.Option(
        "logrank", "--weighting", help="logrank, breslow, tarone-ware or fleming-harrington."
    ),
    p: float = typer.Option(0.0, "--p", help="Fleming-Harrington p: weight S(t-)^p (1-S(t-))^q."),
    q: float = typer.Option(0.0, "--q", help="Fleming-Harrington q."),
    strata: str | None = typer.Option(None, "--strata", help="Column to stratify by."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Compare survival between groups: (weighted, stratified) log-rank test; pairwise Holm for k > 2."""
    _check_choice(weighting, WEIGHTINGS, "--weighting")
    if weighting != "fleming-harrington" and (p != 0 or q != 0):
        fail("--p and --q apply only to --weighting fleming-harrington")
    frame = read_survival_table(file, needed=(time, event, group))
    t, e = _survival_columns(frame, time, event)
    labels = _labels(frame, group, "--group")
    strata_labels = None if strata is None else _labels(frame, strata, "--strata")
    from rtdelay.stats import logrank_test, pairwise_logrank

    opts = {"strata": strata_labels, "weighting": weighting, "p": p, "q": q}
    result = _stat(logrank_test, t, e, labels, **opts)
    pairwise = None
    if len(result.groups) > 2:
        pairwise = _stat(pairwise_logrank, t, e, labels, adjust="holm", **opts).to_frame()
    if plot is not None:
        _plot(plot, t, e, labels, time_label=time, p_value=result.p_value)
    if as_json:
        out = {
            "file": str(file),
            "time": time,
            "event": event,
            "group": group,
            "strata": strata,
            "test": result.to_dict(),
            "pairwise": None
            if pairwise is None
            else [{k: _py(v) for k, v in row.items()} for row in pairwise.to_dict(orient="records")],
        }
        typer.echo(json.dumps(_strict_json(out), allow_nan=False, default=str))
        return
    _print_compare(result, pairwise, file)


def _strict_json(value: Any) -> Any:
    """NaN and infinities (a test that cannot be computed, e.g. no events) become null."""
    import math

    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _print_compare(result: Any, pairwise: Any, path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from rtdelay.cli._terminal import markup_safe as safe
    from rtdelay.report.formatting import format_number, format_p

    console = Console(highlight=False)
    console.print(f"[bold]{safe(path)}[/bold]  {safe(result.method)}")
    if result.note and "n" not in result.extra:  # the data cannot support the test
        console.print(f"not computed: {result.note}")
        return
    table = Table()
    for col in ("group", "n", "observed", "expected"):
        table.add_column(col, justify="left" if col == "group" else "right")
    for label, n, o, ex in zip(result.groups, result.extra["n"], result.observed, result.expected, strict=True):
        table.add_row(safe(label), str(int(n)), f"{o:g}", format_number(ex, digits=2))
    console.print(table)
    if result.note:
        console.print(f"not computed: {result.note}")
    else:
        console.print(
            f"chi-square = {format_number(result.statistic, digits=2)}, df = {result.df:g}, "
            f"p = {format_p(result.p_value)}"
        )
    if pairwise is not None:
        pw = Table(title="Pairwise comparisons (Holm-adjusted p)")
        for col in ("group 1", "group 2", "chi-square", "p", "p (Holm)"):
            pw.add_column(col, justify="left" if col.startswith("group") else "right")
        for row in pairwise.itertuples(index=False):
            pw.add_row(
                safe(row.group1),
                safe(row.group2),
                format_number(row.statistic, digits=2),
                format_p(row.p_value),
                format_p(row.p_adjusted),
            )
        console.print(pw)
