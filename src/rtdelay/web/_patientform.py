"""The patient form: the data dictionary's fields grouped as in the dictionary, read back from a
posted form, the cohort rules' messages placed beside their fields, scores from components.

The groups follow the order of the dictionary (``rtdelay.cohort.COLUMNS``): identification and
demographics, tumour and spine, the scores with their components, surgery, radiotherapy, the MRI
before radiotherapy, outcomes, quality of life, and the durations form. Each field shows a
label from the dictionary's description (its first clause, capitalised; a score component is
named after its item), the rest of the description and the column name as small hints. A score total (SINS, Tomita, revised Tokuhashi) is the
sum of its components' points (Fisher et al., Spine 2010;35:E1221; Tomita et al., Spine
2001;26:298; Tokuhashi et al., Spine 2005;30:2186), computed with :mod:`rtdelay.scores`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rtdelay.cohort import COLUMNS
from rtdelay.errors import CohortError, InputError
from rtdelay.registry import audit_text

__all__ = ["GROUPS", "FormField", "field_label", "form_groups", "posted_values", "messages_of",
           "score_lines", "stored_text"]

# First column of each group of the dictionary, with the group's title.
_STARTS = {
    "patient_id": "Identification and demographics",
    "histology": "Tumour and spine",
    "sins": "Scores (SINS, Tomita, revised Tokuhashi) and their components",
    "surgery_date": "Surgery",
    "rt_start_date": "Radiotherapy",
    "prert_mri_date": "MRI before radiotherapy",
    "local_progression_date": "Outcomes after radiotherapy",
    "nrs_pre": "Quality of life",
    "ti_months": "Durations (instead of the dates)",
}


def _groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    out: list[tuple[str, list[str]]] = []
    for name in COLUMNS:
        if name in _STARTS or not out:
            out.append((_STARTS.get(name, "Fields"), []))
        out[-1][1].append(name)
    return tuple((title, tuple(names)) for title, names in out)


GROUPS = _groups()
"""(title, column names) in dictionary order; every column is in exactly one group."""

# The items of the scores, as the papers name them (the dictionary says only "<score> component:
# points"): Fisher et al. 2010 (SINS), Tomita et al. 2001, Tokuhashi et al. 2005.
_SCORE = {"sins": "SINS", "tomita": "Tomita", "tokuhashi": "Tokuhashi"}
_ITEMS = {
    "sins_location": "location", "sins_pain": "pain", "sins_lesion": "bone lesion",
    "sins_alignment": "radiographic spinal alignment", "sins_collapse": "vertebral body collapse",
    "sins_posterolateral": "posterolateral involvement of spinal elements",
    "tomita_growth": "growth of the primary tumour", "tomita_visceral": "visceral metastases",
    "tomita_bone": "bone metastases", "tokuhashi_kps": "general condition (KPS)",
    "tokuhashi_extraspinal": "extraspinal bone metastases",
    "tokuhashi_vertebral": "metastases in the vertebral body",
    "tokuhashi_organ": "metastases to major internal organs",
    "tokuhashi_primary": "primary site of the cancer", "tokuhashi_palsy": "palsy",
}


# Descriptions whose first clause reads badly as a label: (label, hint).
_LABELS = {
    "index_level": ("Level of the operated lesion", "C1-C7, T1-T12, L1-L5, S1-S5 or a range "
                    "like T11-L1; may be replaced by location"),
    "lc_event": ("Local progression (event)", "1 = local progression, 0 = censored"),
    "os_event": ("Death (event)", "1 = died, 0 = censored"),
}


def field_label(name: str) -> tuple[str, str]:
    """(label, hint) of a dictionary column: the description's first clause capitalised, and
    the rest of it (a long parenthesis, what may replace the column) as the hint."""
    if name in _ITEMS:
        score = _SCORE[name.split("_", 1)[0]]
        return f"{score}: {_ITEMS[name]}", "points"
    if name in _LABELS:
        return _LABELS[name]
    head, _, rest = COLUMNS[name].description.partition("; ")
    if head.endswith(")") and " (" in head:
        start = head.rindex(" (")
        inner = head[start + 2:-1]
        if len(inner) > 12:  # "(Gy)", "(SPINO)" stay in the label
            head, rest = head[:start], "; ".join(p for p in (inner, rest) if p)
    return head[:1].upper() + head[1:], rest


@dataclass(frozen=True)
class FormField:
    """One input of the form: its column, what it shows and the messages beside it."""

    name: str
    kind: str
    label: str
    description: str
    required: str
    choices: tuple[str, ...] | None
    value: str
    messages: tuple[str, ...]
    minimum: Any = None
    maximum: Any = None


def _choices(name: str) -> tuple[str, ...] | None:
    spec = COLUMNS[name]
    if spec.kind == "boolean":
        return ("true", "false")
    if spec.allowed is not None and spec.kind in ("category", "ordered"):
        return tuple(str(v) for v in spec.allowed)
    if spec.allowed is not None:
        return tuple(str(v) for v in spec.allowed)
    return None


def stored_text(values: Mapping[str, Any]) -> dict[str, str]:
    """The stored values of a patient as the text the form shows."""
    return {name: audit_text(values.get(name)) or "" for name in COLUMNS}


def form_groups(
    values: Mapping[str, str], messages: Mapping[str, list[str]] | None = None
) -> list[tuple[str, list[FormField]]]:
    """The fields of the form, grouped, with ``values`` (text) and their messages."""
    messages = messages or {}
    out: list[tuple[str, list[FormField]]] = []
    for title, names in GROUPS:
        fields = []
        for name in names:
            spec = COLUMNS[name]
            bounds = (spec.minimum, spec.maximum) if spec.kind in ("number", "integer") else (
                None, None)
            fields.append(FormField(name, spec.kind, *field_label(name), spec.required,
                                    _choices(name), values.get(name, ""),
                                    tuple(messages.get(name, ())), *bounds))
        out.append((title, fields))
    return out


def posted_values(form: Any, *, include_id: bool) -> dict[str, str | None]:
    """The dictionary fields present in a posted form: text, or None for a blank."""
    out: dict[str, str | None] = {}
    for name in COLUMNS:
        if name == "patient_id" and not include_id:
            continue
        raw = form.get(name)
        if not isinstance(raw, str):
            continue
        text = raw.strip()[:200]
        out[name] = text or None
    return out


_ROW_PREFIX = re.compile(r"^Row \d+ \(patient [^)]*\):\s*")


def messages_of(exc: InputError) -> tuple[dict[str, list[str]], list[str]]:
    """The messages of a refused record: by field (beside the input) and general ones."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    issues = exc.issues if isinstance(exc, CohortError) else []
    for issue in issues:
        text = _ROW_PREFIX.sub("", issue.message)  # one record: "Row 1 (patient X)" is noise
        if issue.column in COLUMNS:
            listed = by_field.setdefault(str(issue.column), [])
            if text not in listed:
                listed.append(text)
        elif text not in general:
            general.append(text)
    if not by_field and not general:
        general.append(str(exc))
    return by_field, general


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def score_lines(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each score: the stored total, the total computed from its components and its band.

    ``computed`` is None while a component is missing (the breakdown says which).
    """
    from rtdelay import scores

    totals = {"sins": (scores.sins_total, scores.sins_category, "SINS"),
              "tomita": (scores.tomita_total, scores.tomita_category, "Tomita"),
              "tokuhashi": (scores.tokuhashi_total, scores.tokuhashi_category,
                            "Revised Tokuhashi")}
    out = []
    for total, (add, band, label) in totals.items():
        parts = {c: _int(values.get(c)) for c in COLUMNS[total].components}
        missing = [c for c, v in parts.items() if v is None]
        computed, category, note = None, None, ""
        if missing:
            note = "missing: " + ", ".join(missing)
        else:
            try:
                computed = add({c.split("_", 1)[1]: int(v or 0) for c, v in parts.items()})
                category = band(computed)
            except InputError as exc:
                note = str(exc)
        stored = _int(values.get(total))
        if stored is not None and computed is not None and stored != computed:
            note = f"stored total {stored} differs from the components' sum {computed}"
        elif stored is not None and computed is None:
            try:
                category = f"{band(stored)} (from the stored total)"
            except InputError:
                pass
        out.append({"name": total, "label": label, "stored": stored, "computed": computed,
                    "category": category, "note": note,
                    "parts": [(c, "" if v is None else v) for c, v in parts.items()]})
    return out
