"""Outputs are byte-identical between runs on the same input."""

from rtdelay.report import write_report_outputs


def test_word_tables_are_byte_identical_between_runs(results, tmp_path):
    import time

    first = write_report_outputs(results, out_dir=tmp_path / "a")
    time.sleep(2.1)  # zip timestamps have a 2-second resolution
    second = write_report_outputs(results, out_dir=tmp_path / "b")
    for name, formats in first["tables"].items():
        assert formats["docx"].read_bytes() == second["tables"][name]["docx"].read_bytes(), name
