"""Exports: labelled .sav/.dta read back, formula cells escaped, audited, re-importable."""

from __future__ import annotations

import pandas as pd
import pytest
from registry_rows import make_rows, write_csv
from sqlalchemy import select


@pytest.fixture
def filled(registry, admin, tmp_path):
    from rtdelay.registry import add_complication, import_table, read_import_file

    rows = make_rows(12, seed=9)
    import_table(registry, admin, read_import_file(write_csv(rows, tmp_path / "c.csv")), site="A")
    with registry.session(actor=admin.name, write=True) as s:
        add_complication(s, admin, rows["patient_id"].iloc[0], phase="surgery",
                         complication="=cmd|' /C calc'!A0", date="2012-03-04")
    return registry, rows


def _export(registry, admin, path):
    from rtdelay.registry import export_registry, write_export

    with registry.session(actor=admin.name, write=True) as s:
        return write_export(export_registry(s, admin), path)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_exports_carry_variable_and_value_labels(filled, admin, tmp_path, fmt):
    import pyreadstat

    from rtdelay.cohort import COLUMNS

    registry, rows = filled
    cohort, comps = _export(registry, admin, tmp_path / f"cohort.{fmt}")
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    data, meta = reader(str(cohort))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["age"] == COLUMNS["age"].description
    assert labels["histology"] == COLUMNS["histology"].description[:80]
    histology = meta.variable_value_labels["histology"]
    assert set(histology.values()) == set(COLUMNS["histology"].allowed)
    shown = [histology[int(v)] for v in data["histology"]]
    from rtdelay.cohort import HISTOLOGY_SYNONYMS

    source = [HISTOLOGY_SYNONYMS.get(h.lower(), h.lower()) for h in rows["histology"]]
    assert sorted(shown) == sorted(source)
    assert meta.variable_value_labels["surgery_at_site"] == {0: "no", 1: "yes"}
    assert len(data) == 12
    comp_data, comp_meta = reader(str(comps))
    phase = comp_meta.variable_value_labels["phase"]
    assert [phase[int(v)] for v in comp_data["phase"]] == ["surgery"]


def test_sav_export_reads_back_into_the_cohort_layer(filled, admin, tmp_path):
    from rtdelay.cohort import read_cohort

    registry, _ = filled
    cohort, _ = _export(registry, admin, tmp_path / "cohort.sav")
    data = read_cohort(cohort)
    assert data.validation.n_valid == 12 and data.validation.n_rejected == 0


def test_csv_export_escapes_formulas_and_reimports_unchanged(filled, admin, tmp_path):
    from rtdelay.registry import import_table, read_import_file

    registry, _ = filled
    cohort, comps = _export(registry, admin, tmp_path / "out.csv")
    assert "'=cmd|" in comps.read_text()
    again = import_table(registry, admin, read_import_file(cohort))
    assert again.to_dict()["unchanged"] == 12 and again.plan.n_changes == 0


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_other_formats(filled, admin, tmp_path, fmt):
    registry, _ = filled
    cohort, comps = _export(registry, admin, tmp_path / f"out.{fmt}")
    frame = pd.read_excel(comps) if fmt == "xlsx" else pd.read_parquet(comps)
    # spreadsheets get the escape; parquet is data for programs and keeps the exact text
    expected = "'=cmd|' /C calc'!A0" if fmt == "xlsx" else "=cmd|' /C calc'!A0"
    assert frame["complication"].iloc[0] == expected
    back = pd.read_excel(cohort) if fmt == "xlsx" else pd.read_parquet(cohort)
    assert len(back) == 12 and "site" in back.columns


def test_every_export_is_audited(filled, admin, tmp_path):
    from rtdelay.registry._models import AuditEvent

    registry, _ = filled
    _export(registry, admin, tmp_path / "x.csv")
    with registry.session() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.action == "export" and last.actor == admin.name
    assert "12 patients" in last.new_value


def test_fast_csv_writer_matches_the_cohort_layers_write_table(filled, admin, tmp_path):
    from rtdelay.cohort import write_table
    from rtdelay.registry import export_registry, write_export

    registry, _ = filled
    with registry.session(actor=admin.name) as s:
        export = export_registry(s, admin, audit=False)
    cohort, comps = write_export(export, tmp_path / "fast.csv")
    assert cohort.read_bytes() == write_table(export.cohort, tmp_path / "ref.csv").read_bytes()
    assert comps.read_bytes() == write_table(export.complications,
                                             tmp_path / "ref2.csv").read_bytes()
