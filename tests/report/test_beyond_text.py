"""Beyond-the-article text: reasons survive when a part has no table; the parametric column and
the methods paragraph say what was run (review fixes)."""

from __future__ import annotations

import pytest

from rtdelay.report._beyond_tables import beyond_paragraphs, beyond_tables


@pytest.fixture(scope="module")
def five_patients(included):
    """Five patients: too few for Cox models with five coefficients."""
    beyond_mod = pytest.importorskip("rtdelay.study._beyond")
    from rtdelay.scores import growth_class

    frame = included.iloc[:5].assign(
        inspection_months=included["ti_months"].iloc[:5],
        growth_class=[growth_class(h) for h in included["histology"].iloc[:5]],
    )
    return beyond_mod.run_beyond(frame, n_boot=20, seed=1)


def test_cox_reasons_reach_the_report_when_no_model_is_fitted(five_patients):
    cox = five_patients.cox
    assert all(getattr(cox, a) is None for a in ("os_adjusted", "lc_adjusted", "os_wait", "lc_wait"))
    assert cox.notes
    assert all(t.name != "beyond_cox" for t in beyond_tables(five_patients))
    text = " ".join(beyond_paragraphs(five_patients))
    assert "Cox models of overall survival and local control could not be fitted" in text
    assert str(cox.notes[0]) in text


def test_cox_reasons_not_repeated_when_a_table_carries_them(included):
    beyond_mod = pytest.importorskip("rtdelay.study._beyond")
    beyond = beyond_mod.run_beyond(included.assign(inspection_months=included["ti_months"]), n_boot=20, seed=1)
    assert beyond.cox.os_adjusted is not None
    assert not any("could not be fitted" in p for p in beyond_paragraphs(beyond))
