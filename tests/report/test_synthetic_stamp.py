"""Every output made from the synthetic demo cohort says so (and a real cohort's does not)."""

import docx
import pandas as pd
import pytest

from rtdelay.report import (
    SYNTHETIC_SOURCE,
    SYNTHETIC_STAMP,
    write_analysis_outputs,
    write_report_outputs,
)

NOTICE = "SYNTHETIC DEMO COHORT: made for this test; not patient data."


@pytest.fixture(scope="module")
def outputs(results, tmp_path_factory):
    out = tmp_path_factory.mktemp("stamp")
    paths = write_report_outputs(results, out_dir=out, notice=NOTICE, synthetic=True)
    return out, paths


def test_tables_in_every_format_carry_the_notice(outputs):
    _, paths = outputs
    for name, formats in paths["tables"].items():
        for fmt, path in formats.items():
            if fmt == "docx":
                document = docx.Document(str(path))
                text = "\n".join(p.text for p in document.paragraphs)
            else:
                text = path.read_text(encoding="utf-8")
            assert NOTICE in text, f"{name}.{fmt}"


def test_figures_flow_and_methods_carry_the_stamp(outputs):
    out, paths = outputs
    for name, formats in paths["figures"].items():
        assert SYNTHETIC_STAMP in formats["svg"].read_text(encoding="utf-8"), name
    assert SYNTHETIC_STAMP in paths["flow_diagram"].read_text(encoding="utf-8")
    assert NOTICE in (out / "methods.md").read_text(encoding="utf-8")


def test_included_csv_carries_its_source(results, included, tmp_path):
    paths = write_analysis_outputs(
        results, out_dir=tmp_path, included_frame=included, validation=None, source_path=None, synthetic=True
    )
    frame = pd.read_csv(paths["included"])
    assert set(frame["data_source"]) == {SYNTHETIC_SOURCE}


def test_real_cohort_outputs_carry_no_stamp(results, tmp_path):
    paths = write_report_outputs(results, out_dir=tmp_path)
    assert SYNTHETIC_STAMP not in (tmp_path / "methods.md").read_text(encoding="utf-8")
    svg = next(iter(paths["figures"].values()))["svg"]
    assert SYNTHETIC_STAMP not in svg.read_text(encoding="utf-8")

