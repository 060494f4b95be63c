"""Assemble the synthetic demo cohort from the calibration blocks (private).

Order: waiting (intervals, PBR flags, operation types) -> outcomes (OS, LC, ambulatory months)
-> quality of life -> baseline and scores -> calendar dates -> screened-but-ineligible rows ->
complications. One ``numpy.random.Generator(seed)`` is threaded through every block, so a seed
gives one cohort.

Dates: surgery 2013-2019, data cut-off 2020-09-30. Patients alive and followed are last seen
in the four months before the cut-off; the surgery date is then counted back from that contact.
The postoperative MRI is 2-7 days after surgery; the pre-RT MRI 2-7 days before the RT start,
chosen so that the pre-RT MRI intervals have the same order and the same monthly bins as the
surgery-to-RT intervals (the PBR risk and its log-rank test are then the same on either time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from rtdelay.cohort import MONTH_DAYS
from rtdelay.demo._calibrate_baseline import baseline_frame
from rtdelay.demo._calibrate_complications import complications_frame
from rtdelay.demo._calibrate_outcomes import OutcomeBlock, calibrate_outcomes
from rtdelay.demo._calibrate_pairing import print_p_as_published
from rtdelay.demo._calibrate_qol import QolBlock, calibrate_qol
from rtdelay.demo._calibrate_waiting import WaitingBlock, calibrate_waiting

__all__ = ["COHORT_COLUMNS", "DemoCohort", "INELIGIBLE", "generate"]

SURGERY_FIRST = dt.date(2013, 1, 1)
SURGERY_LAST = dt.date(2019, 12, 31)
CUTOFF = dt.date(2020, 9, 30)
# screened-but-ineligible rows: criterion -> how many (each fails only that criterion)
INELIGIBLE: dict[str, int] = {
    "surgery_elsewhere": 4,
    "vertebroplasty": 3,
    "cebrt": 2,
    "seed_implantation": 2,
    "no_prert_mri": 3,
    "interval_9_months": 1,
}
QOL_MEASURES = {
    "nrs": "nrs",
    "kps": "kps",
    "mobility": "mobility",
    "sphincter_dysfunction": "sphincter",
}
COHORT_COLUMNS: list[str] = [
    "patient_id", "age", "sex", "histology", "index_level", "location", "escc_grade",
    "sins", "sins_location", "sins_pain", "sins_lesion", "sins_alignment", "sins_collapse",
    "sins_posterolateral", "tomita", "tomita_growth", "tomita_visceral", "tomita_bone",
    "tokuhashi", "tokuhashi_kps", "tokuhashi_extraspinal", "tokuhashi_vertebral",
    "tokuhashi_organ", "tokuhashi_primary", "tokuhashi_palsy",
    "surgery_date", "surgery_type", "surgery_at_site", "postop_mri_date",
    "rt_start_date", "rt_technique", "rt_dose_gy", "rt_fractions", "rt_at_site",
    "seed_implantation", "prert_mri_date", "prert_progression", "prert_reader1",
    "prert_reader2", "prert_adjudicator", "local_progression_date", "last_imaging_date",
    "death_date", "last_followup_date", "lost_to_followup", "mobility_months_after_rt",
    "nrs_pre", "nrs_fu", "kps_pre", "kps_fu", "mobility_pre", "mobility_fu",
    "sphincter_pre", "sphincter_fu",
]  # fmt: skip
INT_COLUMNS = [c for c in COHORT_COLUMNS if c.startswith(("sins", "tomita", "tokuhashi"))] + [
    "age", "rt_fractions", "nrs_pre", "nrs_fu", "kps_pre", "kps_fu", "mobility_pre",
    "mobility_fu", "sphincter_pre", "sphincter_fu",
]  # fmt: skip


@dataclass(frozen=True)
class DemoCohort:
    """The synthetic cohort (dates form, one row per patient) and its complications table."""

    cohort: pd.DataFrame
    complications: pd.DataFrame


def _day(d: dt.date, days: int) -> dt.date:
    return d + dt.timedelta(days=int(days))


def _align_qol(
    q: QolBlock, pbr: NDArray[np.bool_], out: OutcomeBlock, rng: np.random.Generator
) -> QolBlock:
    """Re-assign whole (pre, follow-up) pairs inside each group so that KPS and mobility follow
    a latent condition tied to survival (no summary or within-group test changes)."""
    values = dict(q.values)
    for measure in ("kps", "mobility"):
        pre, fu = (v.copy() for v in values[measure])
        for mask in (pbr, ~pbr):
            rows = np.flatnonzero(mask)
            latent = (
                out.os_days[rows] + 365 * (~out.os_event[rows]) + rng.normal(0.0, 300.0, rows.size)
            )
            pair_order = np.argsort(
                pre[rows] + fu[rows] + rng.random(rows.size) * 0.5, kind="stable"
            )
            patient_order = rows[np.argsort(latent, kind="stable")]
            pre[patient_order], fu[patient_order] = pre[rows][pair_order], fu[rows][pair_order]
        values[measure] = (pre, fu)
    return QolBlock(values, q.binary)


PROGNOSIS_SEED = 20210121
"""Seed of the one draw that ties outcomes to prognosis (its own stream: the other blocks keep theirs)."""
PROGNOSIS_NOISE = 3.0
"""SD of the noise added to the prognostic score, in Tokuhashi points: the tie is clear, not perfect."""
GROWTH_WEIGHT = 2.0
"""Weight of the Tomita growth points in the prognostic score. With weight 1 the growth class was
swamped by the Tokuhashi total (whose primary-site item already carries the histology): the OS
model with the wait in months gave rapid vs moderate HR 0.88. With weight 2 rapid growth is worse
and slow growth better in both OS models (see tests/demo/test_covariate_directions.py)."""


def prognostic_score(base: pd.DataFrame, kps_pre: NDArray[Any]) -> NDArray[np.float64]:
    """Higher is a better prognosis: revised Tokuhashi total (which holds the primary-site and
    KPS items), minus twice the Tomita growth points (slow 1, moderate 2, rapid 4), plus KPS / 20."""
    tokuhashi = base["tokuhashi"].to_numpy(float)
    growth = base["tomita_growth"].to_numpy(float)
    kps = np.asarray(kps_pre, dtype=float)
    return np.asarray(
        tokuhashi - GROWTH_WEIGHT * growth + np.nan_to_num(kps, nan=60.0) / 20.0, dtype=float
    )


def _align_outcomes(
    base: pd.DataFrame, kps_pre: NDArray[Any], pbr: NDArray[np.bool_], out: OutcomeBlock
) -> OutcomeBlock:
    """Re-assign whole outcome records (OS, LC, lost, ambulatory months) inside each group so
    that patients with a better prognostic score (:func:`prognostic_score` plus noise) get the
    longer survival, as Tomita (2001) and Tokuhashi (2005) found. Within a group the multiset of
    outcome records is unchanged, so every rate, test and summary by group stays as calibrated;
    only the link between baseline and outcome (the Cox models' covariate effects) changes."""
    rng = np.random.default_rng(PROGNOSIS_SEED)
    score = prognostic_score(base, kps_pre) + rng.normal(0.0, PROGNOSIS_NOISE, pbr.size)
    latent = out.os_days + 365 * (~out.os_event)  # a censored time is at least that long
    order = np.arange(pbr.size)
    for mask in (pbr, ~pbr):
        rows = np.flatnonzero(mask)
        records = rows[np.argsort(latent[rows], kind="stable")]  # worst outcome first
        patients = rows[np.argsort(score[rows], kind="stable")]  # worst prognosis first
        order[patients] = records
    return OutcomeBlock(
        os_days=out.os_days[order],
        os_event=out.os_event[order],
        lost=out.lost[order],
        lc_days=out.lc_days[order],
        lc_event=out.lc_event[order],
        mobility_months=out.mobility_months[order],
    )


def _inspection_days(ti: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.int64]:
    """Pre-RT MRI day (from surgery): 2-7 days before RT, same order and monthly bin as ti."""
    edges = np.ceil(np.array([1.0, 3.0, 6.0]) * MONTH_DAYS)
    out = np.zeros_like(ti)
    prev_ti, prev = -1, -1
    for i in np.argsort(ti, kind="stable"):
        if ti[i] == prev_ti:
            out[i] = prev
            continue
        floor = int(edges[edges <= ti[i]].max()) if (edges <= ti[i]).any() else 0
        d = max(int(ti[i] - rng.integers(2, 8)), floor, prev + 1, 8)
        out[i] = min(d, int(ti[i]) - 1)
        prev_ti, prev = int(ti[i]), int(out[i])
    return out


def _eligible_rows(
    targets: dict[str, Any],
    w: WaitingBlock,
    out: OutcomeBlock,
    q: QolBlock,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n = w.pbr.size
    first = w.special["pbr_within_1_month"]
    base = baseline_frame(
        targets, n, {first: targets["pbr_within_1_month"]["histology"]},
        q.values["kps"][0], q.values["mobility"][0], rng,
    )  # fmt: skip
    out = _align_outcomes(base, q.values["kps"][0], w.pbr, out)
    inspect = _inspection_days(w.ti_days, rng)
    rec: dict[str, list[Any]] = {c: [] for c in ("surgery_date", "postop_mri_date", "rt_start_date",
                                                  "prert_mri_date", "local_progression_date",
                                                  "last_imaging_date", "death_date", "last_followup_date")}  # fmt: skip
    for i in range(n):
        ti, os_d, lc_d = int(w.ti_days[i]), int(out.os_days[i]), int(out.lc_days[i])
        if out.os_event[i] or out.lost[i]:
            latest = min(SURGERY_LAST, _day(CUTOFF, -(os_d + ti)))
            span = (latest - SURGERY_FIRST).days
            surgery = _day(SURGERY_FIRST, int(rng.integers(0, span + 1)))
            last = _day(surgery, ti + os_d)
        else:
            last = _day(CUTOFF, -int(rng.integers(0, 121)))
            last = min(last, _day(SURGERY_LAST, ti + os_d - int(rng.integers(0, 31))))
            surgery = _day(last, -(ti + os_d))
        rt = _day(surgery, ti)
        rec["surgery_date"].append(surgery)
        rec["postop_mri_date"].append(_day(surgery, int(rng.integers(2, min(8, int(inspect[i]))))))
        rec["rt_start_date"].append(rt)
        rec["prert_mri_date"].append(_day(surgery, int(inspect[i])))
        rec["last_followup_date"].append(last)
        rec["death_date"].append(last if out.os_event[i] else None)
        if out.lc_event[i]:
            prog = _day(rt, lc_d)
            rec["local_progression_date"].append(prog)
            rec["last_imaging_date"].append(min(last, _day(prog, int(rng.integers(0, 91)))))
        else:
            rec["local_progression_date"].append(None)
            rec["last_imaging_date"].append(_day(rt, lc_d))
    frame = base.copy()
    for col, vals in rec.items():
        frame[col] = [v.isoformat() if v is not None else None for v in vals]
    frame["surgery_type"] = w.surgery
    frame["surgery_at_site"] = True
    frame["rt_at_site"] = True
    frame["seed_implantation"] = False
    frame["prert_progression"] = w.pbr
    disagree = rng.random(n) < 0.08  # the two readers disagree; the adjudicator decides
    frame["prert_reader1"] = w.pbr
    frame["prert_reader2"] = np.where(disagree, ~w.pbr, w.pbr)
    frame["prert_adjudicator"] = pd.array(
        [bool(p) if d else None for p, d in zip(w.pbr, disagree, strict=True)], dtype="boolean"
    )
    frame["lost_to_followup"] = out.lost
    frame["mobility_months_after_rt"] = out.mobility_months
    for measure, col in QOL_MEASURES.items():
        frame[f"{col}_pre"], frame[f"{col}_fu"] = q.values[measure]
    frame["_role"] = ""
    for role, i in w.special.items():
        frame.loc[i, "_role"] = role
    return frame


def _ineligible_rows(eligible: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Screened patients who fail exactly one criterion (for the flow diagram).

    Attributes are resampled block-wise from the eligible rows (histology with its score items,
    level with its SINS item, ...) and the totals recomputed, so each row is internally
    consistent without copying any one patient.
    """
    blocks = [
        ["age"], ["sex", "histology", "tomita_growth", "tokuhashi_primary"],
        ["index_level", "location", "sins_location"], ["escc_grade"],
        ["sins_pain", "sins_lesion", "sins_alignment", "sins_collapse", "sins_posterolateral"],
        ["tomita_visceral", "tomita_bone", "tokuhashi_extraspinal", "tokuhashi_vertebral", "tokuhashi_organ"],
        ["tokuhashi_kps", "tokuhashi_palsy"], ["rt_technique", "rt_dose_gy", "rt_fractions"],
    ]  # fmt: skip
    k = sum(INELIGIBLE.values())
    frame = pd.DataFrame(index=range(k))
    for cols in blocks:
        picks = rng.integers(0, len(eligible), size=k)
        for c in cols:
            frame[c] = eligible[c].to_numpy()[picks]
    frame.loc[frame["histology"].isin(["breast", "gynecologic"]), "sex"] = "female"
    frame.loc[frame["histology"].eq("prostate"), "sex"] = "male"
    frame["sins"] = frame[[c for c in frame.columns if str(c).startswith("sins_")]].sum(axis=1)
    frame["tomita"] = frame[["tomita_growth", "tomita_visceral", "tomita_bone"]].sum(axis=1)
    frame["tokuhashi"] = frame[[c for c in frame.columns if str(c).startswith("tokuhashi_")]].sum(
        axis=1
    )
    reasons = [r for r, c in INELIGIBLE.items() for _ in range(c)]
    rows = []
    for i, reason in enumerate(reasons):
        surgery = _day(
            SURGERY_FIRST, int(rng.integers(0, (SURGERY_LAST - SURGERY_FIRST).days - 400))
        )
        ti = 290 if reason == "interval_9_months" else int(rng.integers(18, 110))
        rt = _day(surgery, ti)
        os_d = int(rng.integers(90, 900))
        dead = bool(rng.random() < 0.4)
        last = _day(rt, os_d)
        rows.append({
            "surgery_date": surgery.isoformat(),
            "surgery_type": "vertebroplasty" if reason == "vertebroplasty" else str(rng.choice(["separation", "decompression"])),
            "surgery_at_site": reason != "surgery_elsewhere",
            "postop_mri_date": _day(surgery, int(rng.integers(2, 8))).isoformat(),
            "rt_start_date": rt.isoformat(),
            "rt_at_site": True,
            "seed_implantation": reason == "seed_implantation",
            "prert_mri_date": None if reason == "no_prert_mri" else _day(rt, -int(rng.integers(2, 8))).isoformat(),
            "prert_progression": None if reason == "no_prert_mri" else bool(rng.random() < 0.15),
            "last_imaging_date": _day(rt, max(os_d - int(rng.integers(0, 90)), 0)).isoformat(),
            "death_date": last.isoformat() if dead else None,
            "last_followup_date": last.isoformat(),
            "lost_to_followup": False,
            "_role": f"ineligible:{reason}",
        })  # fmt: skip
        if reason == "cebrt":
            frame.at[i, "rt_technique"] = "cEBRT"
            frame.at[i, "rt_dose_gy"] = 30.0
            frame.at[i, "rt_fractions"] = 10
    extra = pd.DataFrame(rows)
    out = pd.concat([frame, extra], axis=1)
    out["prert_progression"] = out["prert_progression"].astype("boolean")
    return out


def generate(targets: dict[str, Any], seed: int) -> tuple[DemoCohort, dict[str, Any]]:
    """Generate the demo cohort; also return calibration notes (binary tables chosen, roles)."""
    rng = np.random.default_rng(seed)
    w = calibrate_waiting(targets, rng)
    out = calibrate_outcomes(targets, w.pbr, rng)
    q = _align_qol(calibrate_qol(targets, w.pbr, rng), w.pbr, out, rng)
    q = print_p_as_published(targets, w.pbr, q)
    eligible = _eligible_rows(targets, w, out, q, rng)
    ineligible = _ineligible_rows(eligible, rng)
    allrows = pd.concat([eligible, ineligible], ignore_index=True)
    allrows = allrows.sort_values(["surgery_date", "age"], kind="stable").reset_index(drop=True)
    allrows["patient_id"] = [f"DEMO-{i + 1:03d}" for i in range(len(allrows))]
    roles = {r: pid for r, pid in zip(allrows["_role"], allrows["patient_id"], strict=True) if r}
    cohort = allrows[COHORT_COLUMNS].copy()
    for c in INT_COLUMNS:
        cohort[c] = cohort[c].astype("Int64")
    for c in ("prert_progression", "prert_reader1", "prert_reader2", "prert_adjudicator"):
        cohort[c] = cohort[c].astype("boolean")
    eligible_ids = cohort[~allrows["_role"].str.startswith("ineligible")]
    comps = complications_frame(targets, eligible_ids, roles, rng)
    notes = {"roles": roles, "binary_tables": {g: vars(c) for g, c in q.binary.items()}}
    return DemoCohort(cohort, comps), notes
