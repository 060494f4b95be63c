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
    from rtdelay.scale._disclosure import disclose_count, get_rule
    from rtdelay.scale._site import TABLES, site_summary_of_counts

    rule = get_rule(disclosure)
    blocks = {name: agg.counts.loc[agg.counts["site"] == site_value] for name, agg in sc.analyses.items()}
    lc = blocks["local_control"]
    cols = ["n_event_1", "n_event_2", "n_censored"]
    n_by_group = {g: int(lc.loc[lc["group"] == g, cols].to_numpy().sum()) for g in ("PBR", "NPBR")}
    n = sum(n_by_group.values())
    frames = {name: blocks[name] for name in TABLES if not blocks[name].empty}
    flags = [f"{name}: no patient with the columns it needs" for name in TABLES if name not in frames]
    table1 = {
        "n": {g: disclose_count(v, rule) for g, v in n_by_group.items()} | {"all": disclose_count(n, rule)},
        "note": "count-table run (--engine): Table 1 has the group sizes only",
    }
    doc = site_summary_of_counts(
        frames, site=site, n_patients=n, disclosure=disclosure, table1=table1, synthetic=synthetic, flags=flags
    )
    flow = sc.flow()
    one_site = len(set(lc["site"].tolist())) <= 1
    doc["count_engine"] = {
        "engine": sc.engine,
        # the file's row counts describe this site only when the file is this site
        "flow": flow if one_site and rule.name == "none" else None,
    }
    return doc


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
