"""The import preview as stored data: the diff of a plan (new, changed field by field,
unchanged, rejected with reasons) and the rejected cells as csv lines.

The preview is kept as JSON beside the upload (see :mod:`rtdelay.web._uploads`), so the page and
the csv download do not plan the import again; the commit plans it again and refuses when the
registry changed in between (the plan's fingerprint).
"""

from __future__ import annotations

from typing import Any

from rtdelay.registry import ImportPlan, audit_text

__all__ = ["preview_of", "rejected_lines", "REJECTED_HEADER", "rejected_csv"]

REJECTED_HEADER = ("row", "patient_id", "column", "value", "rule", "message")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    shown = audit_text(value)
    return "" if shown is None else shown


def rejected_lines(plan: ImportPlan) -> list[list[str]]:
    """One line per broken rule of each rejected row: row, patient_id, column, value, rule,
    message (a row refused for another reason, such as its site, gets one line)."""
    by_row: dict[int, list[Any]] = {}
    for issue in plan.issues:
        if issue.row is not None:
            by_row.setdefault(int(issue.row), []).append(issue)
    lines: list[list[str]] = []
    for record in plan.rejected.to_dict("records"):
        row = int(record["source_row"])
        pid = _text(record.get("patient_id"))
        found = by_row.get(row, [])
        for issue in found:
            lines.append([str(row), _text(issue.patient_id) or pid, _text(issue.column),
                          _text(issue.value), issue.rule, issue.message])
        if not found:
            lines.append([str(row), pid, "", "", "rejected", _text(record.get("reasons"))])
    comps = plan.rejected_complications
    if len(comps):
        for record in comps.to_dict("records"):
            lines.append([_text(record.get("source_row")), _text(record.get("patient_id")),
                          "complication", _text(record.get("complication")), "complication",
                          _text(record.get("reasons"))])
    return lines


def rejected_csv(lines: list[list[str]]) -> str:
    """The rejected lines as csv (cells a spreadsheet would run as formulas are escaped)."""
    from rtdelay.cohort import csv_text

    return csv_text([list(REJECTED_HEADER), *lines])


def preview_of(plan: ImportPlan) -> dict[str, Any]:
    """The diff of a plan as JSON-ready data."""
    return {
        "counts": plan.counts(),
        "new": [[p.row, p.site, p.patient_id] for p in plan.new],
        "changed": [[p.row, p.site, p.patient_id,
                     [[c.field, _text(c.old), _text(c.new)] for c in p.changes]]
                    for p in plan.changed],
        "unchanged": [[p.row, p.site, p.patient_id] for p in plan.unchanged],
        "rejected": [[int(r["source_row"]), _text(r.get("patient_id")),
                      _text(r.get("reasons"))] for r in plan.rejected.to_dict("records")],
        "complications": [[c[0], c[1], c[2], c[3], _text(c[4])] for c in plan.complications],
        "rejected_lines": rejected_lines(plan),
    }
