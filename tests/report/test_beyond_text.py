"""Beyond-the-article text: reasons survive when a part has no table; the parametric column and
the methods paragraph say what was run (review fixes)."""

from __future__ import annotations

import pytest

from rtdelay.report._beyond_tables import beyond_paragraphs, beyond_tables
from rtdelay.study._beyond import run_beyond


@pytest.fixture(scope="module")
def five_patients(included):
    """Five patients: too few for Cox models with five coefficients."""
    from rtdelay.scores import growth_class

    frame = included.iloc[:5].assign(
        inspection_months=included["ti_months"].iloc[:5],
        growth_class=[growth_class(h) for h in included["histology"].iloc[:5]],
    )
    return run_beyond(frame)


def test_cox_reasons_reach_the_report_when_no_model_is_fitted(five_patients):
    cox = five_patients.cox
    assert all(getattr(cox, a) is None for a in ("os_adjusted", "lc_adjusted", "os_wait", "lc_wait"))
    assert cox.notes
    assert all(t.name != "beyond_cox" for t in beyond_tables(five_patients))
    text = " ".join(beyond_paragraphs(five_patients))
    assert "Cox models of overall survival and local control could not be fitted" in text
    assert str(cox.notes[0]) in text


def test_cox_reasons_not_repeated_when_a_table_carries_them(included):
    beyond = run_beyond(included.assign(inspection_months=included["ti_months"]))
    assert beyond.cox.os_adjusted is not None
    assert not any("could not be fitted" in p for p in beyond_paragraphs(beyond))


@pytest.fixture(scope="module")
def full_beyond(included):
    from rtdelay.scores import growth_class

    frame = included.assign(
        inspection_months=included["ti_months"],
        growth_class=[growth_class(h) for h in included["histology"]],
    )
    return run_beyond(frame)


def test_parametric_column_is_explained(full_beyond):
    # review fix: the "Parametric model" column (a cohort-averaged risk) had no footnote.
    table = next(t for t in beyond_tables(full_beyond) if t.name == "beyond_waiting_risk")
    note = " ".join(table.footnotes)
    model = full_beyond.waiting.model
    assert model is not None
    assert "Parametric model: " in note and "average of the patients' predicted risks" in note
    assert {"weibull": "Weibull", "loglogistic": "log-logistic"}[model.baseline] in note


def test_methods_describe_what_beyond_ran(full_beyond, five_patients):
    from rtdelay.report._methods import _beyond_methods

    text = _beyond_methods(full_beyond)
    # the NPMLE intervals are pointwise likelihood-ratio intervals at the reported times
    assert "inverting the likelihood-ratio test of Banerjee & Wellner (2001)" in text
    assert "at 1, 3, 6 months" in text
    assert "parametric current-status regression" in text
    assert "Cox proportional-hazards models" in text
    # the events-per-coefficient rule and its reference are stated
    assert "at least 5 events per estimated coefficient (Vittinghoff & McCulloch 2007)" in text
    # no Cox model could be fitted on five patients: the methods must not claim one
    few = _beyond_methods(five_patients)
    assert "Cox proportional-hazards models (Wald" not in few
    assert "no proportional-hazards model of overall survival or local control was estimable" in few
