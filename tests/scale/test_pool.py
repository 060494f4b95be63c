"""Multi-site pooling: three sites split from the demo cohort (synthetic data).

With ``--disclosure none`` the pooled results equal the analysis of the concatenated cohort:
KM to 1e-12 against rtdelay's patient-level KM (itself checked against R elsewhere), the
site-stratified log-rank, pooled cumulative incidence, Gray's test and the site-stratified Cox
model against R on the concatenated data (tests/reference/pool.R -> pool.json, data
pool_sites.csv made by make_pool_sites.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtdelay.errors import InputError
from rtdelay.scale import PRESETS, CountTable, pool_summaries, site_summary_of_frame
from rtdelay.stats import kaplan_meier, logrank_test

REF = Path(__file__).parents[1] / "reference"
R = json.loads((REF / "pool.json").read_text())
DATA = pd.read_csv(REF / "pool_sites.csv")


def _docs(preset: str) -> list[dict]:
    return [
        site_summary_of_frame(DATA[DATA["site"] == s].reset_index(drop=True), site=s, disclosure=preset, synthetic=True)
        for s in "ABC"
    ]


@pytest.fixture(scope="module")
def pooled() -> dict:
    return pool_summaries(_docs("none"))


def test_pooled_km_equals_concatenated_cohort(pooled: dict) -> None:
    for key, (tcol, ecol) in (("lc_1y", ("lc_months", "lc_event")), ("os_1y", ("os_months", "os_event"))):
        for g in ("all", "PBR", "NPBR"):
            m = np.ones(len(DATA), bool) if g == "all" else (DATA["group"] == g).to_numpy()
            ref = kaplan_meier(DATA[tcol][m], DATA[ecol][m]).summary_at([12.0])["survival"].iloc[0]
            assert abs(pooled[key][g] - ref) <= 1e-12
    curve = kaplan_meier(DATA["lc_months"], DATA["lc_event"])
    assert pooled["n_patients"] == len(DATA) and pooled["sites"] == ["A", "B", "C"]
    assert curve.n == len(DATA)


def test_pooled_logrank_against_r(pooled: dict) -> None:
    # R: survdiff(Surv(lc_months, lc_event) ~ group + strata(site)) and without strata
    for key in ("lc_logrank_p_stratified", "os_logrank_p_stratified", "lc_logrank_p", "os_logrank_p"):
        assert pooled[key] == pytest.approx(R[key], rel=1e-9)
    direct = logrank_test(DATA["os_months"], DATA["os_event"], DATA["group"], strata=DATA["site"])
    assert pooled["os_logrank_p_stratified"] == pytest.approx(direct.p_value, rel=1e-12)


def test_pooled_cif_and_gray_against_cmprsk(pooled: dict) -> None:
    from rtdelay.stats import cumulative_incidence_counts, gray_test_counts

    docs = _docs("none")
    frames = [CountTable.from_dict(d["tables"]["local_control_competing"]).to_frame() for d in docs]
    counts = CountTable.from_frame(pd.concat(frames)).to_counts(strata="site", groups=("NPBR", "PBR"))
    cif = cumulative_incidence_counts(counts)
    assert isinstance(cif, dict)
    for g in ("NPBR", "PBR"):
        # R: timepoints(cuminc(comp_time, comp_cause, group), c(6, 12, 24))
        got = cif[g].summary_at(R["cif_times"])
        np.testing.assert_allclose(got["estimate"], R[f"cif_est_{g}"], rtol=1e-10)
        np.testing.assert_allclose(got["variance"], R[f"cif_var_{g}"], rtol=1e-8)
    assert pooled["competing_local_control"]["cif_1y"]["PBR"] == pytest.approx(R["cif_est_PBR"][1], rel=1e-10)
    # R: cuminc(...)$Tests and cuminc(..., strata = site)$Tests
    assert gray_test_counts(counts).statistic == pytest.approx(R["gray_stat"], rel=1e-7)
    assert gray_test_counts(counts, stratified=True).statistic == pytest.approx(R["gray_stat_stratified"], rel=1e-7)


def test_cox_stratified_by_site_against_r(pooled: dict) -> None:
    # R: coxph(Surv(os_months, os_event) ~ pbr + strata(site)) (Efron ties)
    for name, key in (("overall_survival", "os"), ("local_control", "lc")):
        st = pooled["cox"][name]["stratified_by_site"]
        assert st["log_hr"] == pytest.approx(R[f"cox_{key}_stratified_coef"], rel=1e-7)
        assert st["se"] == pytest.approx(R[f"cox_{key}_stratified_se"], rel=1e-6)
        assert "stratified by site" in st["label"]
        assert "meta-analysis" in pooled["cox"][name]["fixed_effect_meta_analysis"]["label"]


@pytest.mark.parametrize("preset", ["default", "datashield", "opensafely", "strict"])
def test_no_published_cell_below_threshold(preset: str) -> None:
    rule = PRESETS[preset]
    docs = _docs(preset)
    for d in docs:
        assert d["disclosure"]["preset"] == preset
        for tab in d["tables"].values():
            frame = CountTable.from_dict(tab).to_frame()
            cells = frame[["n_event_1", "n_event_2", "n_censored"]].to_numpy()
            if rule.round_to:  # midpoint 6: 9, 15, 21, ... (0 stays 0); no true count below 8
                assert np.all((cells == 0) | ((cells % rule.round_to == rule.round_to // 2) & (cells >= 9)))
            else:
                assert np.all((cells == 0) | (cells >= rule.min_cell))
        for block in d["table1"].values():
            if isinstance(block, dict):
                for v in block.values():
                    vals = v.values() if isinstance(v, dict) else [v]
                    assert all(x is None or x == 0 or x >= min(rule.min_cell, 6) for x in vals)
    pooled = pool_summaries(docs)
    from rtdelay.scale import pool_report_html

    page = pool_report_html(pooled, docs)
    assert "how far the curves may move" in page and preset in page


def test_small_site_refused_under_presets() -> None:
    few = DATA.iloc[:9]
    with pytest.raises(InputError, match="fewer than 10"):
        site_summary_of_frame(few, site="S", disclosure="default")
    assert site_summary_of_frame(few, site="S", disclosure="none")["n_patients"] == 9


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rtdelay", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_site_summary_and_pool(tmp_path: Path) -> None:
    from rtdelay.demo import demo_cohort_path

    raw = pd.read_csv(demo_cohort_path(), dtype=str, keep_default_na=False)
    files = []
    for i, s in enumerate("AB"):
        raw.iloc[i::2].to_csv(tmp_path / f"{s}.csv", index=False)
        r = _cli("site-summary", str(tmp_path / f"{s}.csv"), "--site", s, "--disclosure", "none",
                 "--out", str(tmp_path / f"{s}.json"), cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        files.append(str(tmp_path / f"{s}.json"))
    r = _cli("pool", *files, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert res["synthetic"] is True and "Synthetic" in res["notice"]
    assert "Synthetic data" in (tmp_path / "out" / "report.html").read_text()
    for key in ("pbr_cumulative_risk", "lc_1y", "os_1y", "lc_logrank_p", "os_logrank_p",
                "lc_logrank_p_stratified", "os_logrank_p_stratified", "n_patients", "sites"):
        assert key in res
    assert set(res["lc_1y"]) == {"all", "PBR", "NPBR"} and set(res["pbr_cumulative_risk"]) == {"1", "3", "6"}
    # the same numbers as `rtdelay analyze` of the whole (unsplit) cohort file
    from rtdelay.analysis import analyze

    whole = analyze(demo_cohort_path()).document
    assert res["n_patients"] == whole["n_patients"]
    for key in ("lc_logrank_p", "os_logrank_p"):
        assert res[key] == pytest.approx(whole[key], abs=1e-12)
    for key in ("pbr_cumulative_risk", "lc_1y", "os_1y"):
        assert res[key].keys() == whole[key].keys()
        for k, v in whole[key].items():
            assert res[key][k] == pytest.approx(v, abs=1e-12)
    assert (tmp_path / "out" / "report.html").exists()
    # mismatched time unit: one line, exit 2
    doc = json.loads(Path(files[1]).read_text())
    doc["time_unit"] = "days"
    (tmp_path / "B_days.json").write_text(json.dumps(doc))
    r = _cli("pool", files[0], str(tmp_path / "B_days.json"), "--out", str(tmp_path / "out2"), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "time unit" in r.stderr
    doc["time_unit"], doc["schema_hash"] = "months", "0000"
    (tmp_path / "B_hash.json").write_text(json.dumps(doc))
    r = _cli("pool", files[0], str(tmp_path / "B_hash.json"), "--out", str(tmp_path / "out3"), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "schema hash" in r.stderr
    r = _cli("site-summary", str(tmp_path / "A.csv"), "--site", "A", "--disclosure", "bogus", "--out", str(tmp_path / "x.json"), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    r = _cli("site-summary", str(tmp_path / "A.csv"), "--site", "A", "--out", str(tmp_path / "nowhere" / "A.json"), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "does not exist" in r.stderr


def test_site_summary_of_counts_matches_frame_path() -> None:
    from rtdelay.scale import count_frame, site_summary_of_counts

    part = DATA[DATA["site"] == "A"].reset_index(drop=True)
    via_frame = site_summary_of_frame(part, site="A", disclosure="default")
    frames = {
        "overall_survival": count_frame(part["os_months"], part["os_event"], site="A", group=part["group"]),
        "local_control_competing": count_frame(part["comp_time"], part["comp_cause"], site="A", group=part["group"]),
    }
    via_counts = site_summary_of_counts(frames, site="A", n_patients=len(part), disclosure="default")
    for name in frames:
        assert via_counts["tables"][name] == via_frame["tables"][name]
        assert via_counts["curve_movement"][name] == via_frame["curve_movement"][name]
    with pytest.raises(InputError, match="unknown count table"):
        site_summary_of_counts({"bogus": frames["overall_survival"]}, site="A", n_patients=30)


def test_coverage_names_the_sites_behind_each_group() -> None:
    docs = _docs("default")
    res = pool_summaries(docs)
    for d in docs:
        for name, groups in res["coverage"].items():
            for g, sites in groups.items():
                withheld = any(
                    f.startswith((f"{name}: withheld {d['site']}/-/{g}:", f"{name}: no patient")) for f in d["flags"]
                )
                assert (d["site"] in sites) == (not withheld)
    full = pool_summaries(_docs("none"))
    assert full["coverage"]["overall_survival"] == {"PBR": ["A", "B", "C"], "NPBR": ["A", "B", "C"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(tables=[]), "'tables' is missing"),
        (lambda d: d["tables"].update(bogus={}), "unknown table"),
        (lambda d: d["tables"]["overall_survival"]["columns"]["n_event_1"].__setitem__(0, -1), "n_event_1 must be a whole number"),
        (lambda d: d["tables"]["overall_survival"]["columns"]["time"].__setitem__(0, "soon"), "time must be finite"),
        (lambda d: d["tables"]["overall_survival"]["columns"].pop("n_censored"), "n_censored missing"),
        (lambda d: d["tables"]["overall_survival"]["columns"]["site"].__setitem__(0, "Z"), "another site"),
        (lambda d: d["tables"]["overall_survival"].update(time_unit="days"), "time unit"),
        (lambda d: d.update(n_patients="many"), "n_patients"),
        (lambda d: d.update(site=""), "site code"),
        (lambda d: d.update(format="other"), "not an rtdelay site summary"),
    ],
)
def test_bad_summary_files_give_one_clear_error(tmp_path: Path, change, message: str) -> None:
    from rtdelay.scale import load_summaries

    doc = json.loads(json.dumps(_docs("none")[0]))
    change(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=message):
        load_summaries([path])


def test_unreadable_summary_file(tmp_path: Path) -> None:
    from rtdelay.scale import load_summaries

    path = tmp_path / "x.json"
    path.write_bytes(b"\xff\x00not json")
    with pytest.raises(InputError, match="not a readable JSON"):
        load_summaries([path])
    with pytest.raises(InputError, match="at least one"):
        load_summaries([])


def test_site_code_checked() -> None:
    for bad in ("", "   ", "a|b", "x" * 65, "bad\x1b[31m"):
        with pytest.raises(InputError, match="--site"):
            site_summary_of_frame(DATA.iloc[:20], site=bad, disclosure="none")
