"""``rtdelay plan``: the --json document shape, --out files, determinism and one-line errors."""

import json

from typer.testing import CliRunner

from rtdelay.cli import app

runner = CliRunner()
FAST = ["--years", "2", "--replications", "20"]
SCENARIO_KEYS = {
    "policy", "starts_per_week", "mean_wait_weeks", "mean_wait_ci", "median_wait_weeks", "p90_wait_weeks",
    "p_start_within_weeks", "progressions_per_100", "progressions_per_year", "died_waiting_per_year",
}


def _run(*args):
    return runner.invoke(app, ["plan", *args])


def test_json_shape_and_determinism():
    args = ["--arrivals-per-week", "4", "--starts-per-week", "5,6", "--policy", "fifo,risk", "--json", *FAST]
    res = _run(*args)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc) == {"scenarios", "marginal", "model"}
    assert len(doc["scenarios"]) == 4
    for s in doc["scenarios"]:
        assert SCENARIO_KEYS <= set(s)
        assert set(s["p_start_within_weeks"]) == {"2", "4", "8"}
        lo, hi = s["mean_wait_ci"]
        assert lo <= s["mean_wait_weeks"] <= hi
    assert [(m["policy"], m["from"], m["to"]) for m in doc["marginal"]] == [("fifo", 5, 6), ("risk", 5, 6)]
    assert {"progressions_avoided_per_year", "ci"} <= set(doc["marginal"][0])
    assert "SYNTHETIC" in doc["model"]["cohort"]  # the default harm says it comes from the demo cohort
    assert _run(*args).stdout == res.stdout


def test_out_dir_writes_results_figures_and_a_self_contained_page(tmp_path):
    res = _run("--starts-per-week", "5,6", "--policy", "fifo,deadline", "--out", str(tmp_path), *FAST)
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "results.json").read_text())
    assert "queue_length" in doc["scenarios"][0]
    for name in ("plan_wait_distribution", "plan_progressions", "plan_queue"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 1000
    page = (tmp_path / "planning_report.html").read_text()
    assert "<svg" in page and "Assumptions" in page and "Gong et al" in page and "SYNTHETIC" in page
    assert "src=" not in page and "<script" not in page  # nothing fetched from elsewhere


def test_holidays_file_and_friday_starts(tmp_path):
    hol = tmp_path / "holidays.csv"
    hol.write_text("date\n2027-12-24\n2027-12-31\n")
    res = _run("--starts-per-week", "5", "--start-days", "fri", "--holidays", str(hol), "--policy", "fifo", "--json", *FAST)
    assert res.exit_code == 0, res.output
    model = json.loads(res.stdout)["model"]
    assert model["start_days"] == ["fri"] and model["holidays"] == 2


def test_cohort_file_replays_its_surgery_dates():
    from rtdelay.demo import demo_cohort_path

    res = _run("--cohort", str(demo_cohort_path()), "--starts-per-week", "2,3", "--policy", "fifo", "--replications", "5", "--json")
    assert res.exit_code == 0, res.output
    model = json.loads(res.stdout)["model"]
    assert model["arrivals"]["process"] == "replay" and model["arrivals"]["n_operations"] == 89


def _error(res):
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.strip().splitlines() if ln]
    assert len(lines) == 1 and lines[0].startswith("rtdelay: error:"), res.output
    assert "Traceback" not in res.output
    return lines[0]


def test_bad_inputs_give_one_line_errors(tmp_path):
    assert "whole numbers" in _error(_run("--starts-per-week", "4.5", *FAST))
    assert "policy must be among" in _error(_run("--policy", "fifo,lottery", *FAST))
    assert "fewer than the weekly starts" in _error(_run("--starts-per-week", "2,3", "--reserved-urgent", "2", *FAST))
    assert "weekday names" in _error(_run("--start-days", "someday", *FAST))
    assert "positive" in _error(_run("--arrivals-per-week", "-1", *FAST))
    bad = tmp_path / "hol.txt"
    bad.write_text("2027-01-01\nChristmas\n")
    assert "line 2" in _error(_run("--holidays", str(bad), *FAST))
    assert "replications" in _error(_run("--replications", "1", "--years", "1"))
    assert "not both" in _error(_run("--registry", "--cohort", "x.csv", *FAST))


def test_registry_option_is_a_clear_error_until_wired():
    line = _error(_run("--registry", *FAST))
    assert "--registry" in line and "--cohort" in line
