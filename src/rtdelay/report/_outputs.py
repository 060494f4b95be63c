"""Files of one analysis run: results.json, cohort_included.csv, quarantine.csv.

``results.json`` is deterministic: keys sorted, fixed indentation, floats as Python's shortest
round-trip repr, NaN as null. The run metadata (rtdelay version, SHA-256 of the input files,
the date of the run) sits in its own ``"metadata"`` block; the date is the only value that
changes between two runs on the same input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.study import StudyResults

__all__ = ["write_analysis_outputs", "sha256_of", "dump_json", "RESULTS_NAME", "INCLUDED_NAME", "QUARANTINE_NAME"]

RESULTS_NAME = "results.json"
INCLUDED_NAME = "cohort_included.csv"
QUARANTINE_NAME = "quarantine.csv"


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dump_json(document: Mapping[str, Any]) -> str:
    """The one JSON rendering of rtdelay's documents: sorted keys, indent 2, no NaN, newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _validation_block(validation: Any) -> dict[str, Any] | None:
    if validation is None:
        return None
    by_rule: dict[str, int] = {}
    for issue in validation.issues:
        key = f"{issue.severity}:{issue.rule}"
        by_rule[key] = by_rule.get(key, 0) + 1
    return {
        "rows": int(validation.n_rows),
        "valid": int(validation.n_valid),
        "rejected": int(validation.n_rejected),
        "errors": sum(1 for i in validation.issues if i.severity == "error"),
        "warnings": sum(1 for i in validation.issues if i.severity != "error"),
        "issues_by_rule": by_rule,
        "quarantine_file": QUARANTINE_NAME,
    }


def write_analysis_outputs(
    results: StudyResults,
    *,
    out_dir: str | Path,
    included_frame: pd.DataFrame,
    validation: Any,
    source_path: str | Path | None,
    synthetic: bool = False,
    notice: str | None = None,
    complications_path: str | Path | None = None,
    flow: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> dict[str, Path]:
    """Write results.json, cohort_included.csv and quarantine.csv into ``out_dir``.

    Parameters
    ----------
    results : StudyResults
        Output of :func:`rtdelay.study.run`.
    out_dir : path
        Folder to write into (created if needed).
    included_frame : pandas.DataFrame
        The eligible patients in derived form (written as cohort_included.csv).
    validation : ValidationResult or None
        Validation of the cohort file (its rejected rows become quarantine.csv).
    source_path : path or None
        The cohort file; its SHA-256 goes into the metadata.
    synthetic : bool
        True for the demo cohort: ``"synthetic": true`` and ``notice`` are written.
    notice : str, optional
        A sentence shown with the results (the demo's "synthetic cohort" notice).
    complications_path : path, optional
        The complications file, checksummed in the metadata.
    flow : mapping, optional
        Eligibility flow (defaults to ``results.flow``).
    today : datetime.date, optional
        Date written in the metadata (default: today).

    Returns
    -------
    dict
        ``{"results": path, "included": path, "quarantine": path (when validation is given)}``.
    """
    from rtdelay import __version__
    from rtdelay.cohort import write_table
    from rtdelay.study import results_to_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metadata: dict[str, Any] = {
        "rtdelay_version": __version__,
        "date": (today or dt.date.today()).isoformat(),
        "input_file": Path(source_path).name if source_path is not None else None,
        "input_sha256": sha256_of(source_path) if source_path is not None else None,
    }
    if complications_path is not None:
        metadata["complications_file"] = Path(complications_path).name
        metadata["complications_sha256"] = sha256_of(complications_path)
    document = results_to_json(results, flow=flow, metadata=metadata)
    document["synthetic"] = bool(synthetic)
    document["notice"] = notice
    document["validation"] = _validation_block(validation)
    paths: dict[str, Path] = {}
    target = out / RESULTS_NAME
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(dump_json(document), encoding="utf-8")
    tmp.replace(target)
    paths["results"] = target
    paths["included"] = write_table(included_frame, out / INCLUDED_NAME)
    if validation is not None:
        paths["quarantine"] = validation.write_quarantine(out / QUARANTINE_NAME)
    return paths
