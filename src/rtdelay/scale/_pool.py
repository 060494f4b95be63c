"""Pooling site summaries: the survival analyses of the study on the sites' count tables.

Pooled curves add the counts of all sites at equal times (the Kaplan-Meier / Aalen-Johansen
estimate of the concatenated cohort when no disclosure control was applied); the log-rank and
Gray tests are given pooled (as the analysis of the concatenated cohort) and stratified by site;
the hazard ratio PBR vs NPBR two ways, each labelled: the Cox model stratified by site from the
count tables (exact for the stratified model) and a fixed-effect meta-analysis of the per-site
estimates.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rtdelay.errors import InputError
from rtdelay.scale._counts import SCHEMA_HASH, CountTable
from rtdelay.scale._cox_counts import cox_binary_counts, fixed_effect
from rtdelay.scale._site import SUMMARY_FORMAT, TABLES

__all__ = ["GROUPS", "PBR_TIMES", "RATE_TIME", "combined_table", "load_summaries", "pool_summaries"]

PBR_TIMES: tuple[float, ...] = (1.0, 3.0, 6.0)
RATE_TIME = 12.0
GROUPS = ("PBR", "NPBR")


def load_summaries(paths: list[str | Path]) -> list[dict[str, Any]]:
    """Read site summary files; one clear error for a bad file or mismatched schema/time unit."""
    if not paths:
        raise InputError("pool needs at least one site summary file")
    docs: list[dict[str, Any]] = []
    for p in paths:
        path = Path(p)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: file not found") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: not a readable JSON site summary ({exc.__class__.__name__})") from None
        if not isinstance(doc, dict) or doc.get("format") != SUMMARY_FORMAT:
            raise InputError(f"{path}: not an rtdelay site summary (format {SUMMARY_FORMAT!r} expected)")
        if doc.get("schema_hash") != SCHEMA_HASH:
            raise InputError(
                f"{path}: schema hash {doc.get('schema_hash')!r} differs from {SCHEMA_HASH!r} "
                "(made by an rtdelay with another count-table schema); remake it with this version"
            )
        if docs and doc.get("time_unit") != docs[0].get("time_unit"):
            raise InputError(
                f"{path}: time unit {doc.get('time_unit')!r} differs from {docs[0].get('time_unit')!r} of {paths[0]}"
            )
        if any(d.get("site") == doc.get("site") for d in docs):
            raise InputError(f"{path}: site {doc.get('site')!r} appears in more than one file")
        _check_structure(path, doc)
        docs.append(doc)
    return docs


def _check_structure(path: Path, doc: dict[str, Any]) -> None:
    """Every table must read as a count table; the site and flags must be plain values."""
    if not isinstance(doc.get("site"), str) or not doc["site"].strip():
        raise InputError(f"{path}: the site code is missing")
    tables = doc.get("tables")
    if not isinstance(tables, dict):
        raise InputError(f"{path}: 'tables' is missing or not an object")
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise InputError(f"{path}: unknown table(s) {', '.join(map(str, unknown))}")
    for name, tab in tables.items():
        if not isinstance(tab, dict):
            raise InputError(f"{path}: table {name} is not an object")
        if tab.get("time_unit") != doc.get("time_unit"):
            raise InputError(f"{path}: table {name} has time unit {tab.get('time_unit')!r}, the file {doc.get('time_unit')!r}")
        try:
            table = CountTable.from_dict(tab)
        except InputError as exc:
            raise InputError(f"{path}: table {name}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise InputError(f"{path}: table {name} is malformed ({exc})") from None
        if set(table.sites) - {doc["site"]}:
            raise InputError(f"{path}: table {name} holds rows of another site than {doc['site']!r}")
    if not isinstance(doc.get("flags", []), list) or not isinstance(doc.get("disclosure", {}), dict):
        raise InputError(f"{path}: 'flags' or 'disclosure' malformed")
    n = doc.get("n_patients")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise InputError(f"{path}: n_patients must be a whole number >= 0 or null; got {n!r}")


def combined_table(docs: list[dict[str, Any]], name: str) -> CountTable | None:
    import pandas as pd

    frames = []
    for d in docs:
        tab = d.get("tables", {}).get(name)
        if tab is not None:
            frames.append(CountTable.from_dict(tab).to_frame())
    if not frames:
        return None
    table = CountTable.from_frame(pd.concat(frames, ignore_index=True), time_unit=docs[0]["time_unit"])
    return table if table.n_records > 0 else None


def _at(curve: Any, t: float, *, risk: bool = False) -> float | None:
    if curve is None:
        return None
    value = float(curve.summary_at([t])["survival"].iloc[0])
    if math.isnan(value):
        return None
    return 1.0 - value if risk else value


def _rates(table: CountTable | None, t: float) -> dict[str, float | None]:
    from rtdelay.stats import kaplan_meier_counts

    if table is None:
        return dict.fromkeys(("all", *GROUPS))
    counts = table.to_counts(strata="none", groups=GROUPS)
    by = kaplan_meier_counts(counts)
    assert isinstance(by, dict)
    return {"all": _at(kaplan_meier_counts(counts, by_group=False), t)} | {g: _at(by.get(g), t) for g in GROUPS}


def _p(test: Any) -> float | None:
    if test is None or not test.computed or test.p_value is None or math.isnan(test.p_value):
        return None
    return float(test.p_value)


def _logrank(table: CountTable | None, *, stratified: bool) -> Any:
    from rtdelay.stats import logrank_counts

    if table is None:
        return None
    counts = table.to_counts(strata="site", groups=GROUPS)
    if len(counts.group_labels) < 2:
        return None
    return logrank_counts(counts, stratified=stratified)


def _cox(table: CountTable | None) -> dict[str, Any]:
    if table is None:
        return {}
    per_site = {s: cox_binary_counts(_site(table, s)) for s in table.sites}
    stratified = cox_binary_counts(table.to_counts(strata="site", groups=GROUPS))
    return {
        "stratified_by_site": stratified
        | {"label": "Cox model stratified by site (Efron ties), fitted on the pooled count tables: exact for the stratified model"},
        "fixed_effect_meta_analysis": fixed_effect(per_site)
        | {"label": "fixed-effect (inverse-variance) meta-analysis of the per-site Cox estimates"},
        "per_site": per_site,
    }


def _site(table: CountTable, site: str) -> Any:
    f = table.to_frame()
    return CountTable.from_frame(f[f["site"] == site], time_unit=table.time_unit).to_counts(strata="none", groups=GROUPS)


def pool_summaries(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The pooled results document (keys of ``rtdelay analyze`` for the survival figures)."""
    from rtdelay.stats import cumulative_incidence_counts, gray_test_counts, kaplan_meier_counts

    tables = {name: combined_table(docs, name) for name in TABLES}
    sites = [str(d["site"]) for d in docs]
    n_values = [d.get("n_patients") for d in docs]
    out: dict[str, Any] = {
        "format": "rtdelay-pooled-results/1",
        "synthetic": any(bool(d.get("synthetic")) for d in docs),
        "notice": (
            "Synthetic data: at least one site summary was made from rtdelay's synthetic demo cohort."
            if any(bool(d.get("synthetic")) for d in docs)
            else ""
        ),
        "sites": sites,
        "n_patients": None if any(v is None for v in n_values) else int(sum(int(v) for v in n_values if v is not None)),
        "time_unit": docs[0]["time_unit"],
        "schema_hash": SCHEMA_HASH,
        "disclosure": {str(d["site"]): d.get("disclosure", {}).get("preset") for d in docs},
    }
    pbr = tables["pbr_risk"]
    if pbr is not None:
        curve = kaplan_meier_counts(pbr.to_counts(strata="none"), by_group=False)
        out["pbr_cumulative_risk"] = {f"{t:g}": _at(curve, t, risk=True) for t in PBR_TIMES}
    else:
        out["pbr_cumulative_risk"] = dict.fromkeys(f"{t:g}" for t in PBR_TIMES)
    for key, name in (("lc", "local_control"), ("os", "overall_survival")):
        out[f"{key}_1y"] = _rates(tables[name], RATE_TIME)
        out[f"{key}_logrank_p"] = _p(_logrank(tables[name], stratified=False))
        out[f"{key}_logrank_p_stratified"] = _p(_logrank(tables[name], stratified=True))
    comp = tables["local_control_competing"]
    block: dict[str, Any] = {}
    if comp is not None:
        counts = comp.to_counts(strata="site", groups=GROUPS)
        cif = cumulative_incidence_counts(counts)
        assert isinstance(cif, dict)
        allc = cumulative_incidence_counts(counts, by_group=False)
        assert not isinstance(allc, dict)
        fits: dict[str, Any] = {"all": allc} | {str(g): v for g, v in cif.items()}
        block["cif_1y"] = {k: float(v.at([RATE_TIME], extend=True)[0]) for k, v in fits.items()}
        if len(counts.group_labels) == 2:
            block["gray_p"] = _p(gray_test_counts(counts))
            block["gray_p_stratified"] = _p(gray_test_counts(counts, stratified=True))
    out["competing_local_control"] = block
    out["cox"] = {name: _cox(tables[name]) for name in ("local_control", "overall_survival")}
    out["coverage"] = {
        name: {
            g: [str(d["site"]) for d in docs if g in set(d.get("tables", {}).get(name, {}).get("columns", {}).get("group", []))]
            for g in (("all",) if name == "pbr_risk" else GROUPS)
        }
        for name in TABLES
    }
    out["coverage_note"] = (
        "sites whose published table has each group; a group withheld at a site (disclosure control) is "
        "missing from that site's contribution to the pooled curves and tests"
    )
    out["per_site"] = {
        str(d["site"]): {
            "n_patients": d.get("n_patients"),
            "disclosure": d.get("disclosure", {}).get("preset"),
            "lc_1y": _rates(combined_table([d], "local_control"), RATE_TIME),
            "os_1y": _rates(combined_table([d], "overall_survival"), RATE_TIME),
            "flags": list(d.get("flags", [])),
            "curve_movement": d.get("curve_movement", {}),
        }
        for d in docs
    }
    return out
