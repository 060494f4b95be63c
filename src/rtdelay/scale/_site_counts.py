"""Site summaries and survival results from engine-built count frames (the large-file path).

For a file too large for the patient-level pipeline, :func:`rtdelay.scale.study_counts`
aggregates the durations form with DuckDB, pandas or Spark; this module turns those count
frames into the same site-summary documents :func:`rtdelay.scale.site_summary` writes (same
tables, disclosure rules and envelope), and :func:`analyze_counts` runs the pooled survival
analyses on them (:func:`rtdelay.scale.pool_summaries`) for ``rtdelay analyze --engine``.

What a count-table run cannot do (it has no patient rows): Table 1 beyond the group sizes,
Table 2 (quality of life), complications, scores, the Cox models with covariates, the
current-status (NPMLE) estimate of progression before RT, and anything per patient
(quarantine file, cohort_included.csv). :data:`NOT_FROM_COUNTS` lists them for the outputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtdelay.errors import InputError

if TYPE_CHECKING:
    from rtdelay.scale._study_counts import StudyCounts

__all__ = ["NOT_FROM_COUNTS", "summaries_from_counts", "analyze_counts"]

NOT_FROM_COUNTS: tuple[str, ...] = (
    "Table 1 beyond the number of patients per group (no patient rows)",
    "Table 2 (quality of life before and after)",
    "complications",
    "Cox models with covariates (only the unadjusted PBR vs NPBR model from counts)",
    "current-status (NPMLE) estimate of progression before RT (needs the inspection time per patient)",
    "quarantine.csv and cohort_included.csv (per-patient files); rejected rows are counted per rule",
)


def _site_doc(
    sc: StudyCounts, site_value: str, *, site: str, disclosure: str, synthetic: bool
) -> dict[str, Any]:
    import rtdelay
    from rtdelay.scale._counts import SCHEMA_HASH, CountTable
    from rtdelay.scale._disclosure import MIN_SITE_PATIENTS, apply_rule, disclose_count, get_rule
    from rtdelay.scale._site import SUMMARY_FORMAT, TABLES, _movement

    rule = get_rule(disclosure)
    blocks = {name: agg.counts.loc[agg.counts["site"] == site_value] for name, agg in sc.analyses.items()}
    lc = blocks["local_control"]
    n_by_group = {g: int(lc.loc[lc["group"] == g, ["n_event_1", "n_event_2", "n_censored"]].to_numpy().sum())
                  for g in ("PBR", "NPBR")}
    n = sum(n_by_group.values())
    if rule.name != "none" and n < MIN_SITE_PATIENTS:
        raise InputError(
            f"site {site} has {n} eligible patient(s): fewer than {MIN_SITE_PATIENTS} are refused under "
            f"disclosure '{rule.name}' (use --disclosure none only for the site's own use)"
        )
    tables: dict[str, Any] = {}
    movement: dict[str, Any] = {}
    flags: list[str] = []
    for name in TABLES:
        frame = blocks[name].assign(site=site)
        if frame.empty:
            flags.append(f"{name}: no patient with the columns it needs")
            continue
        true = CountTable.from_frame(frame)
        published_frame, tflags = apply_rule(true.to_frame(), rule, time_unit="months")
        published = CountTable.from_frame(published_frame, disclosure=rule.name, flags=tflags)
        flags.extend(f"{name}: {f}" for f in tflags)
        tables[name] = published.to_dict()
        if rule.name != "none":
            movement[name] = _movement(true, published)
    flow = sc.flow()
    return {
        "format": SUMMARY_FORMAT,
        "rtdelay_version": rtdelay.__version__,
        "schema_hash": SCHEMA_HASH,
        "time_unit": "months",
        "site": site,
        "synthetic": bool(synthetic),
        "disclosure": rule.to_dict(),
        "flags": flags,
        "n_patients": disclose_count(n, rule),
        "tables": tables,
        "table1": {
            "n": {g: disclose_count(v, rule) for g, v in n_by_group.items()} | {"all": disclose_count(n, rule)},
            "note": "count-table run: Table 1 has the group sizes only",
        },
        "curve_movement": movement,
        "curve_movement_note": (
            "largest absolute difference between the Kaplan-Meier curve (event 1) of the published table "
            "and that of the true counts, measured at the site"
            if movement
            else "no disclosure control: the published tables are the true counts"
        ),
        "count_engine": {
            "engine": sc.engine,
            "rows_read": flow["screened"] if len({*sc.analyses["local_control"].counts["site"]}) <= 1 else None,
            "rejected_by_rule": flow["rejection_reasons"] if rule.name == "none" else None,
            "exclusions": flow["exclusions"] if rule.name == "none" else None,
        },
    }


def summaries_from_counts(
    sc: StudyCounts, *, site: str | None = None, disclosure: str = "default", synthetic: bool = False
) -> list[dict[str, Any]]:
    """One site-summary document per site of the count frames.

    ``site``: the code written into the summary when the frames have no site column (one site);
    with a site column each site's own code is used.
    """
    sites = sorted(set(sc.analyses["local_control"].counts["site"].tolist()))
    if not sites:
        raise InputError(f"{sc.source}: no eligible patient (flow: {sc.flow()})")
    docs = []
    for value in sites:
        code = value if value else (site or "").strip()
        if not code:
            raise InputError("--site must be a non-empty site code")
        docs.append(_site_doc(sc, value, site=code, disclosure=disclosure, synthetic=synthetic))
    return docs


def analyze_counts(
    path: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str],
    engine: str | None = None,
    site_column: str | None = None,
    spill_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Survival analyses of a large durations file from count tables; writes ``out_dir``.

    Writes ``results.json`` (the survival keys of ``rtdelay analyze``: ``pbr_cumulative_risk``,
    ``lc_1y``, ``os_1y``, ``lc_logrank_p``, ``os_logrank_p``, with the site-stratified tests
    when the file has a site column; plus ``count_table_run`` saying what was not computed),
    ``report.html``, ``figures/*.svg`` and ``counts.csv`` (the count frames).

    Returns
    -------
    dict
        The results document.
    """
    from rtdelay.atomic import atomic_write
    from rtdelay.cohort import csv_text
    from rtdelay.scale._pool import pool_summaries
    from rtdelay.scale._pool_report import write_pool_outputs
    from rtdelay.scale._study_counts import study_counts

    sc = study_counts(path, engine=engine, site=site_column, spill_dir=spill_dir)
    docs = summaries_from_counts(sc, site=Path(str(path)).stem or "site", disclosure="none")
    results = pool_summaries(docs)
    results["count_table_run"] = {
        "engine": sc.engine,
        "source": Path(str(path)).name,
        "flow": sc.flow(),
        "analyses": {name: len(agg.counts) for name, agg in sc.analyses.items()},
        "not_computed": list(NOT_FROM_COUNTS),
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_pool_outputs(out, results, docs)
    frame = sc.to_frame()
    atomic_write(out / "counts.csv", csv_text([list(frame.columns), *frame.itertuples(index=False)]))
    return results
