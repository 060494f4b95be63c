"""Outputs of the capacity planner: results.json, figures and a self-contained HTML page.

Figures (matplotlib, no pyplot; png and svg):

- ``plan_wait_distribution``: share of patients started by weeks after readiness, per policy,
  at the reference capacity (the middle of the capacities compared);
- ``plan_progressions``: expected progressions before RT per year against weekly starts, per
  policy, with the 95 % CI band over replications;
- ``plan_queue``: patients waiting over the simulated years at the reference capacity, mean and
  95 % band.

The page writes out the model's assumptions and where the default risk comes from.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from rtdelay.planning.capacity import CapacityPlan

__all__ = ["planning_figures", "render_planning_report", "write_planning_outputs"]

_STYLES = ("-", "--", ":", "-.")
_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


def _reference_capacity(plan: CapacityPlan) -> int:
    ks = sorted({s.starts_per_week for s in plan.scenarios})
    return ks[len(ks) // 2]


def _policies(plan: CapacityPlan) -> list[str]:
    return list(dict.fromkeys(s.policy for s in plan.scenarios))


def _figure(width_mm: float = 120.0, height_mm: float = 80.0) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4))
    ax = fig.add_axes((0.12, 0.16, 0.84, 0.76))
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def planning_figures(plan: CapacityPlan, out_dir: str | Path) -> dict[str, dict[str, Path]]:
    """Draw the three planner figures into ``out_dir`` (png and svg); returns paths by name."""
    from rtdelay.planning.capacity import WAIT_BINS_WEEKS
    from rtdelay.report.figures import save_figure

    out = Path(out_dir)
    k_ref = _reference_capacity(plan)
    policies = _policies(plan)
    paths: dict[str, dict[str, Path]] = {}

    fig, ax = _figure()
    x_max = 2.0
    for i, p in enumerate(policies):
        s = plan.scenario(p, k_ref)
        started = 1.0 - s.died_waiting_per_year / max(s.patients_per_year, 1e-12)
        cdf = np.r_[0.0, np.cumsum(s.wait_histogram)] * started
        ax.step(WAIT_BINS_WEEKS, cdf, where="post", color=_COLOURS[i % 4], ls=_STYLES[i % 4], label=p)
        reach = int(np.searchsorted(np.cumsum(s.wait_histogram), 0.995))
        x_max = max(x_max, float(WAIT_BINS_WEEKS[min(reach, len(WAIT_BINS_WEEKS) - 1)]))
    ax.set_xlim(0, float(np.ceil(x_max)))
    ax.set_ylim(0, 1)
    ax.set_xlabel("weeks from readiness to the start of RT")
    ax.set_ylabel("share of patients started")
    ax.set_title(f"Wait distribution at {k_ref} starts a week", fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    paths["plan_wait_distribution"] = save_figure(fig, out / "plan_wait_distribution", formats=("png", "svg"))

    fig, ax = _figure()
    for i, p in enumerate(policies):
        rows = sorted((s for s in plan.scenarios if s.policy == p), key=lambda s: s.starts_per_week)
        k = [s.starts_per_week for s in rows]
        ax.plot(k, [s.progressions_per_year for s in rows], marker="o", color=_COLOURS[i % 4], ls=_STYLES[i % 4], label=p)
        ax.fill_between(k, [s.progressions_per_year_ci[0] for s in rows], [s.progressions_per_year_ci[1] for s in rows],
                        color=_COLOURS[i % 4], alpha=0.2, lw=0)
    ax.set_xticks(sorted({s.starts_per_week for s in plan.scenarios}))
    ax.set_xlabel("course starts a week")
    ax.set_ylabel("expected progressions before RT a year")
    ax.legend(frameon=False, fontsize=8)
    paths["plan_progressions"] = save_figure(fig, out / "plan_progressions", formats=("png", "svg"))

    fig, ax = _figure()
    for i, p in enumerate(policies):
        s = plan.scenario(p, k_ref)
        ax.plot(s.queue_weeks / 52.1775, s.queue_mean, color=_COLOURS[i % 4], ls=_STYLES[i % 4], lw=1, label=p)
        ax.fill_between(s.queue_weeks / 52.1775, s.queue_lower, s.queue_upper, color=_COLOURS[i % 4], alpha=0.2, lw=0)
    ax.set_xlabel("years simulated")
    ax.set_ylabel("patients waiting")
    ax.set_title(f"Queue length at {k_ref} starts a week", fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    paths["plan_queue"] = save_figure(fig, out / "plan_queue", formats=("png", "svg"))
    return paths


_CAPTIONS = {
    "plan_wait_distribution": "Share of patients who started RT by each week after becoming ready (reference capacity); patients who died waiting never start.",
    "plan_progressions": "Expected progressions before RT per year by weekly course starts; bands: 95% CI over replications.",
    "plan_queue": "Patients waiting for RT over the simulated years (reference capacity); band: 95% CI of the mean.",
}


def _assumptions(model: dict[str, Any], source: str) -> list[str]:
    arr = model["arrivals"]
    arrivals = (
        f"Operations arrive as a Poisson process, {arr['per_week']:g} a week, over {model['years']:g} years."
        if arr["process"] == "poisson"
        else f"The cohort's {arr['n_operations']} surgery dates are replayed ({model['years']:.2f} years)."
    )
    ready = model["ready_after_days"]
    ready_txt = f"{ready:g} days" if not isinstance(ready, dict) else f"uniformly {ready['uniform'][0]:g} to {ready['uniform'][1]:g} days"
    harm = model["harm"]
    return [
        arrivals,
        f"A patient is ready for RT {ready_txt} after surgery; readiness times are continuous.",
        f"Course starts are offered on {', '.join(model['start_days'])}, spread evenly over those days, at the end of "
        "the working day; the wait is the start time minus the readiness time.",
        f"Holidays ({model['holidays']} dates) and downtime remove starts (they are not moved); random breakdowns: "
        f"{model['downtime']['breakdowns_per_year']:g} a year lasting {model['downtime']['breakdown_days']:g} days.",
        "Policies: " + "; ".join(f"{k} = {v}" for k, v in model["policies"].items()) + ".",
        f"Deadline: {model['deadline_weeks']:g} weeks after surgery. Starts reserved for urgent patients: "
        f"{model['reserved_urgent_per_week']} a week (unused reserved starts are lost); urgent means {model['urgent']['definition']}.",
        f"Death while waiting is a competing event with a constant hazard of {model['death_rate_per_year']:.3f} a year "
        "(the cohort's deaths per person-year after RT); a patient who dies does not start and uses no start.",
        f"Harm: each patient's probability of progression before RT by the end of the wait, from the {harm['kind']} "
        f"current-status model fitted on {source}; profiles (growth class, operation, ESCC) drawn from its patients.",
        "The default risk comes from rtdelay's synthetic demo cohort, generated to reproduce the published figures of "
        "Gong et al., Radiat Oncol 2021;16:21 (risk of progression before RT by interval, Fig. 2-3); it is not patient data.",
        f"{model['replications']} replications, seed {model['seed']}; {model['random_streams']}; CIs: {model['ci']}.",
    ]


def _fmt(v: float | None, ci: Sequence[float | None] | None = None, pct: bool = False) -> str:
    if v is None:
        return "–"
    scale, unit = (100.0, "%") if pct else (1.0, "")
    text = f"{scale * v:.1f}{unit}" if pct else f"{v:.2f}"
    if ci is not None and ci[0] is not None and ci[1] is not None:
        text += f" ({scale * ci[0]:.1f}–{scale * ci[1]:.1f})" if pct else f" ({ci[0]:.2f}–{ci[1]:.2f})"
    return text


def render_planning_report(plan: CapacityPlan, figures: dict[str, dict[str, Path]], *, source: str) -> str:
    """The planning page as one self-contained HTML string (inline SVG, no script)."""
    from rtdelay.report._html import inline_svg

    doc = plan.to_dict(compact=True)
    esc = html.escape
    synthetic = "demo cohort" in source.lower() or "synthetic" in source.lower()
    rows = "".join(
        "<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in (
            s["policy"], s["starts_per_week"], _fmt(s["mean_wait_weeks"], s["mean_wait_ci"]),
            _fmt(s["median_wait_weeks"]), _fmt(s["p90_wait_weeks"]),
            _fmt(s["p_start_within_weeks"]["2"], None, True), _fmt(s["p_start_within_weeks"]["4"], s["p_start_within_weeks_ci"]["4"], True),
            _fmt(s["p_start_within_weeks"]["8"], None, True), _fmt(s["progressions_per_100"], s["progressions_per_100_ci"]),
            _fmt(s["progressions_per_year"], s["progressions_per_year_ci"]), _fmt(s["died_waiting_per_year"]),
        )) + "</tr>"
        for s in doc["scenarios"]
    )
    marg = "".join(
        f"<tr><td>{esc(m['policy'])}</td><td>{m['from']} → {m['to']}</td><td>{_fmt(m['progressions_avoided_per_year'], m['ci'])}</td></tr>"
        for m in doc["marginal"]
    )
    figs = "".join(
        f"<figure>{inline_svg(paths['svg'].read_text(encoding='utf-8'))}<figcaption>{esc(_CAPTIONS[name])}</figcaption></figure>"
        for name, paths in figures.items()
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in doc["model"]["notes"])
    assumptions = "".join(f"<li>{esc(a)}</li>" for a in _assumptions(doc["model"], source))
    banner = (
        '<p class="banner">SYNTHETIC: the harm of waiting comes from rtdelay\'s synthetic demo cohort, not from patient data.</p>'
        if synthetic else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rtdelay radiotherapy capacity plan</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.4}}table{{border-collapse:collapse;font-size:90%}}
td,th{{border:1px solid #bbb;padding:.2em .5em;text-align:right}}.banner{{background:#fde9c8;padding:.5em;font-weight:bold}}
figure{{display:inline-block;margin:1em;max-width:32em}}svg{{max-width:100%;height:auto}}</style></head><body>
<h1>Radiotherapy capacity plan</h1>{banner}
<p>How many postoperative course starts a week keep waits safe, what each extra start buys, and who should start first.
Waits are counted from readiness for RT, in weeks; numbers are means over replications with 95% confidence intervals.</p>
<h2>Scenarios</h2><table><tr><th>policy</th><th>starts a week</th><th>mean wait</th><th>median</th><th>90th percentile</th>
<th>within 2 wk</th><th>within 4 wk</th><th>within 8 wk</th><th>progressions per 100</th><th>progressions a year</th><th>died waiting a year</th></tr>{rows}</table>
<h2>Marginal value of extra starts</h2><table><tr><th>policy</th><th>starts a week</th><th>progressions avoided a year (95% CI)</th></tr>{marg}</table>
<h2>Figures</h2>{figs}
<h2>Assumptions</h2><ul>{assumptions}</ul>
<h2>Notes</h2><ul>{notes or '<li>none</li>'}</ul>
<p>Simulated by rtdelay's own queue engine (validated against the Pollaczek-Khinchine, Erlang C and Cobham formulas, Little's law and Ciw).</p>
</body></html>
"""


def write_planning_outputs(plan: CapacityPlan, out_dir: str | Path, *, source: str) -> dict[str, Path]:
    """Write ``results.json``, ``figures/`` and ``planning_report.html`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = plan.to_dict()
    doc["model"]["cohort"] = source
    results = out / "results.json"
    results.write_text(json.dumps(doc, sort_keys=True, indent=1), encoding="utf-8")
    figures = planning_figures(plan, out / "figures")
    page = out / "planning_report.html"
    page.write_text(render_planning_report(plan, figures, source=source), encoding="utf-8")
    return {"results": results, "report": page, **{k: v["png"] for k, v in figures.items()}}
