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

REJECTED_HEADER = ("row", "patient_id", "column", "value", "rule", "message", "data_row")
"""``row``: the line (csv) or sheet row (xlsx) a person sees, header counted; ``data_row``: the
data row (header not counted), the registry's ``source_row``."""


def display_rows(raw: Any) -> dict[int, int]:
    """Data row (``source_row``) -> the row a person sees, from the loader's RawTable."""
    shown = list(getattr(raw, "display_rows", None) or [])
    if len(shown) != len(raw.source_rows):
        return {}
    return {int(a): int(b) for a, b in zip(raw.source_rows, shown, strict=True)}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    shown = audit_text(value)
    return "" if shown is None else shown


def rejected_lines(plan: ImportPlan, rows: dict[int, int] | None = None) -> list[list[str]]:
    """One line per broken rule of each rejected row: row, patient_id, column, value, rule,
    message, data_row (a row refused for another reason, such as its site, gets one line)."""
    rows = rows or {}
    by_row: dict[int, list[Any]] = {}
    for issue in plan.issues:
        if issue.row is not None:
            by_row.setdefault(int(issue.row), []).append(issue)
    lines: list[list[str]] = []
    for record in plan.rejected.to_dict("records"):
        row = int(record["source_row"])
        pid = _text(record.get("patient_id"))
        found = by_row.get(row, [])
        seen = str(rows.get(row, row))
        for issue in found:
            lines.append([seen, _text(issue.patient_id) or pid, _text(issue.column),
                          _text(issue.value), issue.rule, issue.message, str(row)])
        if not found:
            lines.append([seen, pid, "", "", "rejected", _text(record.get("reasons")),
                          str(row)])
    comps = plan.rejected_complications
    if len(comps):
        for record in comps.to_dict("records"):
            lines.append([_text(record.get("source_row")), _text(record.get("patient_id")),
                          "complication", _text(record.get("complication")), "complication",
                          _text(record.get("reasons")), _text(record.get("source_row"))])
    return lines


def rejected_csv(lines: list[list[str]]) -> str:
    """The rejected lines as csv (cells a spreadsheet would run as formulas are escaped)."""
    from rtdelay.cohort import csv_text

    return csv_text([list(REJECTED_HEADER), *lines])


def preview_of(plan: ImportPlan, raw: Any = None) -> dict[str, Any]:
    """The diff of a plan as JSON-ready data (rows as a person sees them when ``raw``, the
    loaded table, is given)."""
    rows = display_rows(raw) if raw is not None else {}

    def at(row: int) -> int:
        return rows.get(int(row), int(row))

    return {
        "counts": plan.counts(),
        "new": [[at(p.row), p.site, p.patient_id] for p in plan.new],
        "changed": [[at(p.row), p.site, p.patient_id,
                     [[c.field, _text(c.old), _text(c.new)] for c in p.changes]]
                    for p in plan.changed],
        "unchanged": [[at(p.row), p.site, p.patient_id] for p in plan.unchanged],
        "rejected": [[at(r["source_row"]), _text(r.get("patient_id")),
                      _text(r.get("reasons"))] for r in plan.rejected.to_dict("records")],
        "complications": [[c[0], c[1], c[2], c[3], _text(c[4])] for c in plan.complications],
        "rejected_lines": rejected_lines(plan, rows),
    }
