"""Tests of rtdelay.cohort._mapping: TOML mapping files of own column names and codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from rtdelay.cohort._mapping import Mapping, code_key, parse_mapping, read_mapping
from rtdelay.errors import CohortError

ROOT = Path(__file__).resolve().parents[2]


def test_example_file_parses() -> None:
    mapping = read_mapping(ROOT / "examples" / "mapping_example.toml")
    assert mapping.date_order == "dmy"
    assert mapping.columns["Geschlecht"] == "sex"
    assert mapping.columns["Dosis (Gy)"] == "rt_dose_gy"
    assert mapping.values["sex"] == {"1": "male", "2": "female"}
    assert mapping.values["prert_progression"] == {"ja": "true", "nein": "false"}
    assert mapping.path is not None and mapping.path.endswith("mapping_example.toml")


def test_docstring_example() -> None:
    mapping = parse_mapping(
        'date_order = "dmy"\n[columns]\nGeschlecht = "sex"\nAlter = "age"\n'
        '[values.sex]\n"1" = "male"\n"2" = "female"\n'
    )
    assert mapping == Mapping(
        columns={"Geschlecht": "sex", "Alter": "age"},
        values={"sex": {"1": "male", "2": "female"}},
        date_order="dmy",
    )


def test_empty_mapping_is_allowed() -> None:
    assert parse_mapping("") == Mapping()


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("[columns\nA = 'age'", "not valid TOML"),
        ("[columns]\nA = age\n", "line 2"),
        ('[columns]\nA = "agee"\n', "'agee', which is not a column of the data dictionary"),
        ('[columns]\nA = "age"\nB = "age"\n', "maps both 'A' and 'B' to 'age'"),
        ("[columns]\nA = 3\n", "the target must be a data dictionary column name"),
        ('colums = "x"\n', "unknown entry 'colums'"),
        ('date_order = "dym"\n', "date_order must be one of dmy, mdy, ymd"),
        ('[values.gender]\n"1" = "male"\n', "[values.gender] names no column"),
        ('[values.sex]\n"1" = "mann"\n', "not an allowed value of sex (male, female)"),
        ('[values.rt_at_site]\nja = "vielleicht"\n', "use true or false"),
        ('[values.escc_grade]\nx = "4"\n', "0, 1a, 1b, 1c, 2, 3"),
        ('[values.sins_pain]\nx = 2\n', "allowed value of sins_pain (0, 1, 3)"),
        ("values = 3\n", "[values] must hold tables"),
        ("columns = 3\n", "[columns] must be a table"),
    ],
)
def test_invalid_mapping(text: str, phrase: str) -> None:
    with pytest.raises(CohortError) as info:
        parse_mapping(text, source="m.toml")
    assert phrase in str(info.value)


def test_error_names_the_line() -> None:
    text = '# comment\n[columns]\nAlter = "age"\nGroesse = "height"\n'
    with pytest.raises(CohortError, match=r"m\.toml, line 4: .*'height'"):
        parse_mapping(text, source="m.toml")


def test_targets_are_canonicalised() -> None:
    mapping = parse_mapping(
        '[values.rt_technique]\nstereo = "sbrt"\n[values.histology]\nN = "kidney"\n'
        '[values.rt_at_site]\nJ = "yes"\nN = 0\n[values.escc_grade]\nx = "1A"\n'
        "[values.sphincter_pre]\nja = 1\n[values.index_level]\nBWK12 = \"T12\"\n"
    )
    assert mapping.values["rt_technique"] == {"stereo": "SBRT"}
    assert mapping.values["histology"] == {"N": "renal"}
    assert mapping.values["rt_at_site"] == {"J": "true", "N": "false"}
    assert mapping.values["escc_grade"] == {"x": "1a"}
    assert mapping.values["sphincter_pre"] == {"ja": "1"}
    assert mapping.values["index_level"] == {"BWK12": "T12"}


def test_complication_columns_are_targets() -> None:
    mapping = parse_mapping('[columns]\nPhase = "phase"\n[values.phase]\nOP = "surgery"\n')
    assert mapping.columns == {"Phase": "phase"}
    assert mapping.values["phase"] == {"OP": "surgery"}


def test_target_of_and_translate() -> None:
    mapping = parse_mapping('[columns]\n"OP-Datum" = "surgery_date"\n[values.sex]\nM = "male"\n')
    assert mapping.target_of("OP-Datum") == "surgery_date"
    assert mapping.target_of("  op-datum ") == "surgery_date"
    assert mapping.target_of("OP Datum") is None
    assert mapping.translate("sex", "M") == "male"
    assert mapping.translate("sex", "m") == "male"
    assert mapping.translate("sex", "x") == "x"
    assert mapping.translate("sex", None) is None
    assert mapping.translate("age", "M") == "M"


@pytest.mark.parametrize(
    ("value", "key"),
    [(1, "1"), (1.0, "1"), (" 1 ", "1"), (2.5, "2.5"), (True, "true"), (None, None),
     (float("nan"), None), ("", None)],
)
def test_code_key(value: object, key: str | None) -> None:
    assert code_key(value) == key


def test_code_key_numpy() -> None:
    import numpy as np

    assert code_key(np.float64(2.0)) == "2"
    assert code_key(np.int64(3)) == "3"


def test_read_mapping_files(tmp_path: Path) -> None:
    with pytest.raises(CohortError, match="does not exist"):
        read_mapping(tmp_path / "none.toml")
    with pytest.raises(CohortError, match="is a directory"):
        read_mapping(tmp_path)
    path = tmp_path / "m.toml"
    path.write_bytes('[columns]\n"Größe" = "age"\n'.encode("cp1252"))
    assert read_mapping(path).columns == {"Größe": "age"}
    path.write_bytes(b"\xef\xbb\xbf" + '[columns]\n"Größe" = "age"\n'.encode())
    assert read_mapping(path).columns == {"Größe": "age"}


def test_load_table_accepts_mapping_path(tmp_path: Path) -> None:
    from rtdelay.cohort._load import load_table

    path = tmp_path / "c.csv"
    path.write_text("Nr;Geschlecht\nA;2\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[columns]\nNr = "patient_id"\nGeschlecht = "sex"\n[values.sex]\n"2" = "female"\n',
        encoding="utf-8",
    )
    table = load_table(path, mapping=str(mapping))
    assert table.frame.to_dict("list") == {"patient_id": ["A"], "sex": ["female"]}
    with pytest.raises(CohortError, match="not a column of the data dictionary"):
        bad = tmp_path / "bad.toml"
        bad.write_text('[columns]\nNr = "id"\n', encoding="utf-8")
        load_table(path, mapping=bad)
