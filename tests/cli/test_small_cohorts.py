"""``rtdelay analyze`` on the cohorts hospitals bring: small, unbalanced, messy.

Every cohort is made from the shipped demo cohort by subsampling and editing
(tests/cli/small_cohorts.py) and goes through the whole pipeline, in process, to report.html.
The promise checked on each: exit code 0; report.html, results.json, methods.md, tables and
figures written; results.json is strict JSON (no NaN/Infinity token); every analysis the data
cannot support is in ``notes`` with its reason (also in methods.md and the report), never a
crash. A cohort with no eligible patient exits 2 with one line on stderr.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rtdelay.cli import app

sys.path.insert(0, str(Path(__file__).parent))
import small_cohorts as sc  # noqa: E402

runner = CliRunner()


def _reject_constant(token: str) -> None:
    raise ValueError(f"results.json holds the non-JSON token {token}")


def analyze(frame: pd.DataFrame, folder: Path, *extra: str) -> tuple[int, Path, dict | None]:
    """Write ``frame``, run ``rtdelay analyze`` on it, check the promise; return the document."""
    cohort = sc.write(frame, folder / "cohort.csv")
    out = folder / "out"
    result = runner.invoke(app, ["analyze", str(cohort), "--out", str(out), "--quiet", *extra])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if result.exit_code != 0:
        return result.exit_code, out, None
    for name in (
        "report.html",
        "results.json",
        "methods.md",
        "quarantine.csv",
        "cohort_included.csv",
    ):
        assert (out / name).is_file(), name
    assert any((out / "tables").glob("table1.*"))
    assert (out / "figures" / "flow_diagram.svg").is_file()
    assert any((out / "figures").glob("*.png"))
    doc = json.loads(
        (out / "results.json").read_text(encoding="utf-8"), parse_constant=_reject_constant
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<svg.*?</svg>", "", page, flags=re.DOTALL)  # figures' own markup aside
    assert not re.search(r"\b(nan|NaN|inf|Infinity|None)\b", text), re.findall(
        r".{40}\b(?:nan|NaN|inf|None)\b.{20}", text
    )
    methods = (out / "methods.md").read_text(encoding="utf-8")
    for note in doc["notes"]:
        assert note in methods
    # the flow adds up: every row read is rejected, excluded or included
    flow = doc["flow"]
    assert (
        doc["n_screened"] == flow["rejected"] + sum(flow["exclusions"].values()) + flow["included"]
    )
    assert doc["n_patients"] == flow["included"] == len(pd.read_csv(out / "cohort_included.csv"))
    return 0, out, doc


def _notes(doc: dict) -> str:
    return " | ".join(doc["notes"])


# --- the cases --------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10])
def test_few_patients(n: int, tmp_path: Path) -> None:
    code, _, doc = analyze(sc.subsample(n, seed=n), tmp_path)
    assert code == 0 and doc is not None
    assert doc["n_patients"] == n
    if doc["pbr_n"] in (0, n):  # one group only: the group comparison is a note, not a p value
        assert doc["lc_logrank_p"] is None and doc["os_logrank_p"] is None
        assert "patient: comparisons between groups not computed" in _notes(doc)
    if n == 1:
        assert "Beyond the article: OS model (PBR adjusted) not estimable" in _notes(doc)


def test_no_pbr_patient(tmp_path: Path) -> None:
    _, _, doc = analyze(sc.no_pbr(sc.demo_rows()), tmp_path)
    assert doc["pbr_n"] == 0 and doc["flow"]["by_group"]["PBR"] == 0
    assert doc["lc_1y"]["PBR"] is None and doc["lc_logrank_p"] is None
    assert "no PBR patient: comparisons between groups not computed" in doc["notes"]
    assert "Beyond the article: Gray's test needs both PBR and NPBR patients" in doc["notes"]


def test_only_pbr_patients(tmp_path: Path) -> None:
    _, out, doc = analyze(sc.only_pbr(sc.demo_rows()), tmp_path)
    assert doc["flow"]["by_group"]["NPBR"] == 0 and doc["n_patients"] > 0
    assert doc["lc_1y"]["NPBR"] is None and doc["os_logrank_p"] is None
    assert "no NPBR patient: comparisons between groups not computed" in doc["notes"]
    # the Cox models on 14 patients: a limit that runs off is "not estimable", never a number
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Cox models of overall survival and local control" in page


def test_one_operation_type(tmp_path: Path) -> None:
    _, _, doc = analyze(sc.one_operation_type(sc.demo_rows()), tmp_path)
    assert list(doc["pbr_by_surgery"]) == ["separation"]
    assert doc["pbr_by_surgery_logrank_p"] is None
    assert (
        "PBR by operation type: log-rank test not computed (one operation type only)"
        in doc["notes"]
    )


def test_nobody_died(tmp_path: Path) -> None:
    _, out, doc = analyze(sc.nobody_died(sc.demo_rows()), tmp_path)
    assert doc["os_1y"]["all"] == 1.0 and doc["os_logrank_p"] is None
    assert "overall survival: log-rank test not computed (no event)" in doc["notes"]
    assert any(
        n.startswith("Beyond the article: OS model (PBR adjusted) not estimable")
        for n in doc["notes"]
    )
    assert doc["beyond_the_article"]["cox"]["os_adjusted"] is None
    assert "OS model (PBR adjusted) not estimable" in (out / "report.html").read_text(
        encoding="utf-8"
    )


def test_everyone_died(tmp_path: Path) -> None:
    _, _, doc = analyze(sc.everyone_died(sc.demo_rows()), tmp_path)
    assert doc["details"]["overall_survival"]["n_events"]["all"] == doc["n_patients"]
    assert doc["os_logrank_p"] is not None  # events in both groups: the test is defined


def test_no_local_progression(tmp_path: Path) -> None:
    _, _, doc = analyze(sc.no_local_progression(sc.demo_rows()), tmp_path)
    assert doc["lc_1y"]["all"] == 1.0 and doc["lc_logrank_p"] is None
    assert "local control: log-rank test not computed (no event)" in doc["notes"]
    assert any("Gray's test not computed" in n for n in doc["notes"])


def test_every_qol_column_blank(tmp_path: Path) -> None:
    _, _, doc = analyze(sc.qol_blank(sc.demo_rows()), tmp_path)
    for measure in ("nrs", "kps", "mobility", "sphincter_dysfunction"):
        assert doc["qol"][measure]["between_groups_followup_p"] is None
        assert (
            f"Table 2, {measure} at follow-up: Mann-Whitney test not computed (a group has no values)"
            in doc["notes"]
        )
    assert any("kps_pre not available in the cohort, left out" in n for n in doc["notes"])


def test_one_histology(tmp_path: Path) -> None:
    _, _, doc = analyze(sc.one_histology(sc.demo_rows()), tmp_path)
    assert doc["histology_counts"] == {"lung": doc["n_patients"]}
    assert any("growth_class has a single value, left out" in n for n in doc["notes"])


def test_all_follow_up_censored_on_the_same_day(tmp_path: Path) -> None:
    _, _, doc = analyze(sc.censored_same_day(sc.demo_rows()), tmp_path)
    assert doc["os_logrank_p"] is None and doc["lc_logrank_p"] is None
    assert "overall survival: log-rank test not computed (no event)" in doc["notes"]
    assert "local control: log-rank test not computed (no event)" in doc["notes"]


def test_ties_everywhere(tmp_path: Path) -> None:
    _, _, doc = analyze(sc.ties_everywhere(sc.demo_rows()), tmp_path)
    assert doc["ti_months_range"][0] == doc["ti_months_range"][1]
    assert any("ti_months has a single value, left out" in n for n in doc["notes"])
    # the single look time leaves the current-status risk unidentified beyond it: said so
    assert any("not identified at 3, 6 months" in n for n in doc["notes"])


def test_one_group_with_a_single_patient(tmp_path: Path) -> None:
    _, _, doc = analyze(sc.single_pbr(sc.demo_rows()), tmp_path)
    assert doc["flow"]["by_group"]["PBR"] == 1
    assert doc["pbr_n"] == 1
    assert doc["details"]["local_control"]["curves"]["PBR"] is not None  # a curve of one patient


def test_no_eligible_patient_exits_2_with_one_line(tmp_path: Path) -> None:
    frame = sc.demo_rows().head(5).assign(rt_technique="cEBRT")
    cohort = sc.write(frame, tmp_path / "cohort.csv")
    result = runner.invoke(app, ["analyze", str(cohort), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no eligible patient" in lines[0] and "5 excluded" in lines[0]
    assert "Traceback" not in result.output


# --- nothing lost, and it shows ----------------------------------------------------------


def test_rejected_rows_and_values_are_counted_and_shown(tmp_path: Path) -> None:
    frame = sc.demo_rows().copy()
    ids = sc.eligible_ids()
    pos = frame.index[frame["patient_id"].isin(ids)]
    frame.loc[pos[0], "surgery_date"] = "2019-02-30"  # row level: rejected
    frame.loc[pos[1], "death_date"] = "1999-01-01"  # row level: death before surgery
    frame.loc[pos[2], "kps_pre"] = "55"  # field level: KPS is a multiple of 10
    frame.loc[pos[3], "kps_pre"] = "150"  # field level: out of range
    frame.loc[pos[4], "histology"] = "banana"  # field level: not an allowed primary
    comp = tmp_path / "complications.csv"
    comp.write_text(
        "patient_id,phase,complication,date\n"
        f"{ids[5]},surgery,wound infection,\n"
        f"{ids[6]},later,wound infection,\n"  # rejected: phase
        "NOBODY,surgery,wound infection,\n",  # rejected: unknown patient
        encoding="utf-8",
    )
    _, out, doc = analyze(frame, tmp_path, "--complications", str(comp))
    flow = doc["flow"]
    assert doc["n_screened"] == len(frame)  # every data row read
    assert flow["rejected"] == 2 == doc["validation"]["rejected"]
    assert sum(flow["rejection_reasons"].values()) == 2
    assert flow["rejection_reasons"]["surgery_date: not a date"] == 1
    n = doc["n_patients"]
    assert n == len(ids) - 2  # the three field-level problems keep their patients
    assert flow["values_rejected"]["kps_pre"] == {
        "label": "Karnofsky performance status before surgery",
        "rejected": 2,
        "available": n - 2,
        "patients": n,
    }
    assert flow["values_rejected"]["histology"]["rejected"] == 1
    assert flow["complication_rows"]["read"] == 3 and flow["complication_rows"]["rejected"] == 2
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Rejected at validation (n = 2)" in page  # the flow diagram
    assert f"Of {len(frame)} patients screened (data rows read), 2 rejected at validation" in page
    assert (
        f"Karnofsky performance status before surgery (kps_pre): {n - 2} of {n} patients; 2 values rejected"
        in page
    )
    assert "Complications table: 3 rows read, 2 rejected at validation" in page
    methods = (out / "methods.md").read_text(encoding="utf-8")
    assert "## Data checks" in methods and "2 values rejected" in methods
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    assert sorted(quarantine["level"]) == ["field", "field", "field", "row", "row"]
    assert (
        quarantine.loc[quarantine["level"] == "field", "reasons"]
        .str.contains("kps_pre|histology")
        .all()
    )


# --- random cohorts ----------------------------------------------------------------------


@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    n=st.integers(min_value=1, max_value=89),
    edits=st.lists(st.sampled_from(sorted(sc.EDITS)), max_size=3, unique=True),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_random_subsample_runs_through_the_report(
    n: int, edits: list[str], seed: int, tmp_path_factory
) -> None:
    frame = sc.subsample(n, seed=seed)
    for name in edits:
        frame = sc.EDITS[name](frame)
    folder = tmp_path_factory.mktemp("random")
    if len(frame) == 0:  # e.g. "only PBR" on a draw without PBR: no eligible patient
        cohort = sc.write(frame, folder / "cohort.csv")
        result = runner.invoke(app, ["analyze", str(cohort), "--out", str(folder / "out")])
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
        return
    code, _, doc = analyze(frame, folder)
    assert code == 0 and doc is not None
    assert doc["n_patients"] >= 1


ODD_COHORTS = [
    *[(f"{n} patients", n, None) for n in (2, 3, 5, 10)],
    *[
        (name, 12, name)
        for name in (
            "no_pbr",
            "only_pbr",
            "nobody_died",
            "everyone_died",
            "single_pbr",
            "ties_everywhere",
        )
    ],
]


@pytest.mark.parametrize(("label", "n", "edit"), ODD_COHORTS, ids=[c[0] for c in ODD_COHORTS])
def test_odd_cohorts_emit_no_runtime_warning(
    label: str, n: int, edit: str | None, tmp_path: Path
) -> None:
    """The command line installs no warning filter: what the data cannot support (separation in
    the current-status regression, an empty group) is a note, and numpy says nothing."""
    import warnings

    frame = sc.subsample(n, seed=n)
    if edit is not None:
        frame = sc.EDITS[edit](frame)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, _ = analyze(frame, tmp_path)
    assert code == 0
    shown = [
        f"{w.filename}:{w.lineno}: {w.message}"
        for w in caught
        if issubclass(w.category, RuntimeWarning)
    ]
    assert shown == [], shown
