"""``rtdelay risk``: JSON shape, errors, cohort option, and the latest-week rule by hand."""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from rtdelay.cli import app  # noqa: E402
from rtdelay.planning import fit_current_status, predict_wait_risk  # noqa: E402

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, ["risk", *args])


def test_json_on_demo_cohort():
    res = _run("--histology", "RCC", "--surgery", "separation", "--wait-weeks", "4,8,12", "--max-risk", "0.3", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [p["wait_weeks"] for p in out["predictions"]] == [4, 8, 12]
    for p in out["predictions"]:
        assert 0 <= p["lower"] <= p["risk"] <= p["upper"] <= 1
    assert "demo cohort" in out["cohort"] and "SYNTHETIC" in out["cohort"]
    assert out["profile"]["growth_class"] == "moderate"  # RCC -> renal -> Tomita moderate
    assert set(out["model"]) >= {"baseline", "coef", "se", "aic", "terms", "notes"}
    assert isinstance(out["latest_week"], int)


def test_human_output_names_the_synthetic_cohort():
    res = _run("--histology", "breast", "--wait-weeks", "4")
    assert res.exit_code == 0, res.output
    assert "SYNTHETIC" in res.output and "95% CI" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--histology", "glioma", "--wait-weeks", "4"], "histology must be one of renal, lung"),
        (["--histology", "lung", "--surgery", "laminoplasty", "--wait-weeks", "4"], "surgery must be one of"),
        (["--histology", "lung", "--escc", "4", "--wait-weeks", "4"], "escc must be one of 0, 1a, 1b, 1c, 2, 3"),
        (["--histology", "lung", "--wait-weeks", "four"], "--wait-weeks takes numbers"),
        (["--histology", "lung", "--wait-weeks", "-2"], "wait weeks must be positive"),
        (["--histology", "lung", "--wait-weeks", "4", "--max-risk", "10"], "max risk must lie between 0 and 1"),
        (["--histology", "lung", "--wait-weeks", "4", "--cohort", "/nonexistent/cohort.csv"], "rtdelay: error:"),
    ],
)
def test_errors_are_one_line_exit_2(args, message):
    res = _run(*args)
    assert res.exit_code == 2
    assert message in res.stderr
    assert "Traceback" not in res.output



def test_cohort_option(tmp_path):
    from study_cohort_dates import dates_frame

    path = tmp_path / "cohort.csv"
    dates_frame().to_csv(path, index=False)
    res = _run("--cohort", str(path), "--histology", "lung", "--wait-weeks", "4,12", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["cohort"] == str(path)
    assert out["model"]["n"] == 78


def _toy_model():
    rng = np.random.default_rng(7)
    c = rng.uniform(0.2, 8.0, 400)
    t = rng.weibull(1.5, 400) * 6.0
    return fit_current_status(c, (t <= c).astype(int), baseline="weibull")


def test_latest_week_by_hand():
    fit = _toy_model()
    a, k = fit.coef
    # F(t) = 1 - exp(-exp(a + k log t)) with t in months = weeks * 7 / 30.4375
    def risk(week):
        return 1 - math.exp(-math.exp(a + k * math.log(week * 7 / 30.4375)))

    max_risk = 0.2
    expected = max(w for w in range(1, 105) if risk(w) <= max_risk)
    pred = predict_wait_risk(fit, {}, [4, 8], max_risk=max_risk)
    assert pred.latest_week == expected
    assert pred.risk[0] == pytest.approx(risk(4), rel=1e-12)
    assert pred.latest_week_upper <= pred.latest_week


def test_covariates_not_given_are_named_as_assumed_reference_levels():
    # review fix: without --surgery/--escc the model silently predicted for separation / ESCC 3
    # while the output named only the growth class.
    bare = json.loads(_run("--histology", "renal", "--wait-weeks", "4,8", "--json").stdout)
    full = json.loads(
        _run("--histology", "renal", "--surgery", "separation", "--escc", "3", "--wait-weeks", "4,8", "--json").stdout
    )
    assert bare["assumed"] == ["surgery_type", "escc_grade"]
    assert full["assumed"] == []
    assert bare["profile"] == full["profile"] == {"growth_class": "moderate", "surgery_type": "separation", "escc_grade": "3"}
    assert bare["predictions"] == full["predictions"]
    human = _run("--histology", "renal", "--wait-weeks", "4")
    assert "set to the reference level: operation type: separation, ESCC grade: 3" in " ".join(human.stdout.split())
    assert "_type" not in human.stdout and "escc_grade" not in human.stdout and "growth_class" not in human.stdout


def test_covariates_the_model_dropped_are_reported_as_not_used():
    # review fix: a histology whose covariate the model dropped was still shown as the profile
    # the prediction was for.
    rng = np.random.default_rng(3)
    look = rng.uniform(0.5, 6.0, 60)
    progressed = (rng.uniform(size=60) < 0.3).astype(int)
    model = fit_current_status(look, progressed, covariates={"growth_class": ["moderate"] * 60}, baseline="weibull")
    assert "growth_class" not in model.terms  # single level: dropped with a note
    pred = predict_wait_risk(model, {"growth_class": "rapid"}, [4])
    assert pred.profile == {} and pred.assumed == ()
    assert pred.ignored == {"growth_class": "rapid"}
    assert pred.to_dict()["ignored"] == {"growth_class": "rapid"}


def test_level_absent_from_the_fitted_data_says_so():
    res = _run("--histology", "lung", "--escc", "0", "--wait-weeks", "4")
    assert res.exit_code == 2
    assert "the levels in the data the model was fitted on" in res.stderr


def test_wait_beyond_longest_look_warns_and_beyond_twice_refuses():
    # the demo cohort's longest pre-RT MRI is at 38.0 weeks
    res = _run("--histology", "lung", "--wait-weeks", "4,40")
    assert res.exit_code == 0, res.output
    assert "extrapolation" in " ".join(res.stdout.split())
    res = _run("--histology", "lung", "--wait-weeks", "80")
    assert res.exit_code == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert "more than 2 times the longest wait" in res.stderr


def test_human_output_uses_words_not_column_names():
    res = _run("--histology", "renal", "--surgery", "separation", "--wait-weeks", "4")
    assert res.exit_code == 0, res.output
    flat = " ".join(res.stdout.split())
    assert "growth class: moderate" in flat
    for column in ("growth_class", "surgery_type", "escc_grade", "class=", "type=", "grade="):
        assert column not in res.stdout
