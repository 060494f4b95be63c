"""The shipped synthetic cohort reproduces the article's figures (computed with rtdelay.stats)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from rtdelay import stats
from rtdelay.cohort import MONTH_DAYS as MONTH
from rtdelay.demo import DEMO_NOTICE, demo_complications_path


def printed(value: float, decimals: int = 1) -> float:
    """The value as the article would print it (round half away from zero)."""
    q = 10.0**decimals
    return float(np.sign(value) * np.floor(abs(value) * q + 0.5) / q)


def test_notice_says_synthetic() -> None:
    assert "SYNTHETIC" in DEMO_NOTICE and "not patient data" in DEMO_NOTICE


def test_counts_exact(eligible: pd.DataFrame, raw: pd.DataFrame, targets: dict[str, Any]) -> None:
    e = eligible
    assert len(e) == targets["n_patients"] == 89
    assert raw["patient_id"].is_unique and raw["patient_id"].str.fullmatch(r"DEMO-\d{3}").all()
    for key, col in (("histology_counts", "histology"), ("location_counts", "location"),
                     ("escc_counts", "escc_grade"), ("surgery_counts", "surgery_type"),
                     ("rt_technique_counts", "rt_technique")):  # fmt: skip
        counts = e[col].astype(str).value_counts()
        for label, n in targets[key].items():
            assert counts.get(label, 0) == n, (key, label)
    for tech, (dose, fx) in targets["rt_median_dose_gy_fractions"].items():
        rows = e[e["rt_technique"] == tech]
        assert rows["rt_dose_gy"].median() == dose and rows["rt_fractions"].median() == fx
    assert int(e["lost_to_followup"].sum()) == targets["lost_to_followup"]
    # the cohort's follow-up rate prints as the article's (was: two article numbers checked against each other)
    assert 1 - int(e["lost_to_followup"].sum()) / len(e) == pytest.approx(
        targets["followup_rate"], abs=5e-4
    )
    assert int(e["pbr"].sum()) == targets["pbr_n"]
    for surgery, (k, n) in targets["pbr_by_surgery"].items():
        rows = e[e["surgery_type"] == surgery]
        assert (len(rows), int(rows["pbr"].sum())) == (n, k)


def test_waiting_times(eligible: pd.DataFrame, targets: dict[str, Any]) -> None:
    ti = eligible["ti_months"].to_numpy()
    bins = np.histogram(ti, [0, 1, 3, 6, 9])[0]
    assert bins.tolist() == list(targets["ti_bin_counts"].values())
    assert printed(float(np.median(ti))) == targets["ti_months_median"]
    assert [printed(ti.min()), printed(ti.max())] == targets["ti_months_range"]
    early = eligible[(eligible["ti_months"] < 1) & eligible["pbr"]]
    spec = targets["pbr_within_1_month"]
    assert len(early) == spec["n"]
    row = early.iloc[0]
    assert (row["histology"], row["surgery_type"], printed(row["ti_months"])) == (
        spec["histology"], spec["surgery"], spec["ti_months"])  # fmt: skip


def test_means_and_sds_print_as_published(eligible: pd.DataFrame, targets: dict[str, Any]) -> None:
    e = eligible
    for values, (m, s) in (
        (e["age"], targets["age_mean_sd"]),
        (e["os_months"], targets["followup_months_after_rt_mean_sd"]),
    ):
        assert (printed(values.mean()), printed(values.std(ddof=1))) == (m, s)
    for measure, col in (
        ("nrs", "nrs"),
        ("kps", "kps"),
        ("mobility", "mobility"),
        ("sphincter_dysfunction", "sphincter"),
    ):
        for group, spec in targets["qol"][measure].items():
            if not isinstance(spec, dict):
                continue
            rows = e[e["pbr"] == (group == "PBR")]
            for when, suffix in (("pre", "_pre"), ("followup", "_fu")):
                v = rows[col + suffix].astype(float)
                assert (printed(v.mean()), printed(v.std(ddof=1))) == tuple(spec[when]), (
                    measure,
                    group,
                    when,
                )
    spec = targets["qol"]["mobility_months_after_rt"]
    for group in ("NPBR", "PBR"):
        v = e.loc[e["pbr"] == (group == "PBR"), "mobility_months_after_rt"]
        assert (printed(v.mean()), printed(v.std(ddof=1))) == tuple(spec[group])


def test_scales_are_integer_and_in_range(eligible: pd.DataFrame) -> None:
    e = eligible
    for col, lo, hi, step in (
        ("nrs", 0, 10, 1),
        ("kps", 0, 100, 10),
        ("mobility", 0, 4, 1),
        ("sphincter", 0, 1, 1),
    ):
        for suffix in ("_pre", "_fu"):
            v = e[col + suffix].to_numpy(dtype=float)
            assert ((v >= lo) & (v <= hi) & (v % step == 0)).all(), col + suffix
    assert (e["mobility_months_after_rt"] <= e["os_months"] + 1e-9).all()


def test_kaplan_meier_rates(eligible: pd.DataFrame, targets: dict[str, Any]) -> None:
    e = eligible
    risk = 1 - stats.kaplan_meier(e["ti_months"], e["pbr"]).at([1.0, 3.0, 6.0])
    assert risk == pytest.approx(list(targets["pbr_cumulative_risk"].values()), abs=0.0015)
    for key, t, ev in (("lc_1y", "lc_months", "lc_event"), ("os_1y", "os_months", "os_event")):
        for group, target in targets[key].items():
            rows = e if group == "all" else e[e["pbr"] == (group == "PBR")]
            s12 = stats.kaplan_meier(rows[t], rows[ev]).at([12.0])[0]
            assert s12 == pytest.approx(target, abs=0.0015), (key, group)


def test_logrank_p_values(eligible: pd.DataFrame, targets: dict[str, Any]) -> None:
    e = eligible
    p = stats.logrank_test(e["ti_months"], e["pbr"], e["surgery_type"]).p_value
    assert p == pytest.approx(targets["pbr_by_surgery_logrank_p"], abs=0.005)
    p = stats.logrank_test(e["lc_months"], e["lc_event"], e["pbr"]).p_value
    assert p == pytest.approx(targets["lc_logrank_p"], abs=0.005)
    p = stats.logrank_test(e["os_months"], e["os_event"], e["pbr"]).p_value
    assert 0.0005 <= p <= 0.0015  # printed P = 0.001


def test_rank_tests(eligible: pd.DataFrame, targets: dict[str, Any]) -> None:
    e = eligible
    qol = targets["qol"]
    for measure, col in (
        ("nrs", "nrs"),
        ("kps", "kps"),
        ("mobility", "mobility"),
        ("sphincter_dysfunction", "sphincter"),
    ):
        for group, spec in qol[measure].items():
            if not isinstance(spec, dict):
                continue
            rows = e[e["pbr"] == (group == "PBR")]
            p = stats.wilcoxon_signed_rank(
                rows[col + "_pre"].astype(float), rows[col + "_fu"].astype(float)
            ).p_value
            if spec.get("p_below"):
                assert p < spec["p"]
            elif (measure, group) == ("sphincter_dysfunction", "PBR"):
                assert p == pytest.approx(0.1573, abs=1e-4)  # unattainable 0.500: see test_audit
            else:
                assert p == pytest.approx(spec["p"], abs=0.005), (measure, group)
    npbr, pbr = e[~e["pbr"]], e[e["pbr"]]
    p = stats.mann_whitney(npbr["nrs_fu"].astype(float), pbr["nrs_fu"].astype(float)).p_value
    assert p == pytest.approx(qol["nrs"]["between_groups_followup_p"], abs=0.005)
    p = stats.mann_whitney(
        npbr["mobility_months_after_rt"], pbr["mobility_months_after_rt"]
    ).p_value
    assert p == pytest.approx(qol["mobility_months_after_rt"]["p"], abs=0.005)


def test_dates_follow_the_dictionary(raw: pd.DataFrame) -> None:
    d = {c: pd.to_datetime(raw[c]) for c in raw.columns if c.endswith("_date")}
    assert d["surgery_date"].dt.year.between(2013, 2019).all()
    assert (d["surgery_date"] <= d["postop_mri_date"]).all()
    assert ((d["postop_mri_date"] - d["surgery_date"]).dt.days <= 7).all()
    has_mri = d["prert_mri_date"].notna()
    assert (d["postop_mri_date"][has_mri] <= d["prert_mri_date"][has_mri]).all()
    gap = (d["rt_start_date"] - d["prert_mri_date"]).dt.days[has_mri]
    assert gap.between(1, 7).all()
    assert (d["rt_start_date"] > d["surgery_date"]).all()
    prog = d["local_progression_date"].notna()
    assert (d["local_progression_date"][prog] > d["rt_start_date"][prog]).all()
    assert (d["local_progression_date"][prog] <= d["last_imaging_date"][prog]).all()
    assert (d["last_imaging_date"] >= d["rt_start_date"]).all()
    assert (d["last_imaging_date"] <= d["last_followup_date"]).all()
    dead = d["death_date"].notna()
    assert (d["death_date"][dead] == d["last_followup_date"][dead]).all()


def test_inspection_time_gives_the_same_pbr_risk(eligible: pd.DataFrame) -> None:
    """Pre-RT MRI dates keep the order and monthly bin of the intervals (design of the generator)."""
    e = eligible
    insp = (e["prert_mri_date"] - e["surgery_date"]).dt.days / MONTH
    a = stats.kaplan_meier(e["ti_months"], e["pbr"]).at([1.0, 3.0, 6.0])
    b = stats.kaplan_meier(insp, e["pbr"]).at([1.0, 3.0, 6.0])
    assert a == pytest.approx(b, abs=1e-12)


def test_scores_agree_with_components_and_histology(raw: pd.DataFrame) -> None:
    from rtdelay.scores import (
        SINS_POINTS,
        TOKUHASHI_POINTS,
        TOMITA_GROWTH_BY_HISTOLOGY,
        TOMITA_POINTS,
        sins_location,
    )

    r = raw
    for total, parts in (("sins", "sins_"), ("tomita", "tomita_"), ("tokuhashi", "tokuhashi_")):
        cols = [c for c in r.columns if c.startswith(parts)]
        assert (r[cols].sum(axis=1) == r[total]).all(), total
    growth = r["histology"].map(lambda h: TOMITA_POINTS["growth"][TOMITA_GROWTH_BY_HISTOLOGY[h]])
    assert (growth == r["tomita_growth"]).all()
    primary = r["histology"].map(lambda h: TOKUHASHI_POINTS["primary"][h])
    assert (primary == r["tokuhashi_primary"]).all()
    loc = r["index_level"].map(lambda lv: SINS_POINTS["location"][sins_location(lv)])
    assert (loc == r["sins_location"]).all()
    kps = r["kps_pre"].dropna()
    band = np.select([kps >= 80, kps >= 50], [2, 1], 0)
    assert (band == r.loc[kps.index, "tokuhashi_kps"]).all()


def test_complications_table(
    raw: pd.DataFrame, eligible: pd.DataFrame, targets: dict[str, Any]
) -> None:
    comp = pd.read_csv(demo_complications_path())
    assert set(comp["patient_id"]) <= set(eligible["patient_id"])
    surg = comp[comp["phase"] == "surgery"]["complication"].value_counts().to_dict()
    assert surg == targets["complications"]["surgery"]
    rt = comp[comp["phase"] == "radiotherapy"].set_index("complication")
    by_id = eligible.set_index("patient_id")
    for item in targets["complications"]["radiotherapy"]:
        pid = rt.loc[item["type"], "patient_id"]
        assert printed(by_id.loc[pid, "ti_months"]) == item["ti_months"]
        assert ("PBR" if by_id.loc[pid, "pbr"] else "NPBR") == item["group"]


def test_within_group_p_values_print_as_published(
    eligible: pd.DataFrame, targets: dict[str, Any]
) -> None:
    """Issue 12: the ordinal within-group signed-rank P values print at three decimals exactly as
    the article prints them (PBR pain 0.012, NPBR mobility 0.086 and PBR mobility 0.531 printed
    0.011, 0.085 and 0.534 before the cohort's re-pairing step)."""
    for measure in ("nrs", "kps", "mobility"):
        for group, spec in targets["qol"][measure].items():
            if not isinstance(spec, dict) or "p" not in spec or spec.get("p_below"):
                continue
            rows = eligible[eligible["pbr"] == (group == "PBR")]
            p = stats.wilcoxon_signed_rank(
                rows[measure + "_pre"].astype(float), rows[measure + "_fu"].astype(float)
            ).p_value
            assert f"{p:.3f}" == f"{spec['p']:.3f}", (measure, group, p)
