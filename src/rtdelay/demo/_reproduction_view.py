"""Readable view of the reproduction audit: human labels, figures printed as the article prints
them, and an honest three-way count.

Every figure of the article is compared at the precision it was printed with (the tolerance is
half a unit of its last printed digit). Each falls in one of three classes:

- ``identical``: the reproduced value prints exactly as the article prints it;
- ``band``: a p value that prints differently but lies within the ±0.005 calibration band the
  synthetic cohort was searched under (the search did not reach the printed value);
- ``not reproducible``: neither; the row carries the reason (with the arithmetic).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["describe", "printed", "classify", "counts_sentence", "STATUS_TEXT"]

STATUS_TEXT = {
    "identical": "prints identically",
    "band": "within the ±0.005 calibration band",
    "not reproducible": "not reproducible",
}

_GROUP = {"PBR": "PBR", "NPBR": "NPBR", "all": "all patients"}
_MEASURE = {
    "nrs": "pain (NRS)",
    "kps": "KPS",
    "mobility": "mobility",
    "sphincter_dysfunction": "sphincter dysfunction",
}
_STATS = {"0": "mean", "1": "SD"}
_SIMPLE = {
    "n_patients": "Patients included",
    "pbr_n": "Patients with PBR",
    "lost_to_followup": "Lost to follow-up, n",
    "followup_rate": "Follow-up rate",
    "lc_logrank_p": "Local control, PBR vs NPBR, log-rank P value",
    "os_logrank_p": "Overall survival, PBR vs NPBR, log-rank P value",
    "pbr_by_surgery_logrank_p": "PBR by operation type, log-rank P value",
    "ti_months_median": "Surgery to RT, median months",
}
_PREFIXES = {
    "ti_bin_counts": "Surgery to RT, months",
    "ti_months_range": "Surgery to RT, range (months)",
    "pbr_within_1_month": "PBR within 1 month of surgery",
    "complications": "Complications",
}
_COUNTS = {
    "histology_counts": "Primary tumour",
    "location_counts": "Location",
    "escc_counts": "ESCC grade",
    "surgery_counts": "Operation",
    "rt_technique_counts": "RT technique",
}


def _words(text: str) -> str:
    return text.replace("_", " ")


def describe(key: str) -> str:
    """A human label for a reproduction key: ``qol.nrs.NPBR.p`` -> ``NPBR, pain (NRS), P value``."""
    if key in _SIMPLE:
        return _SIMPLE[key]
    parts = key.split(".")
    head = parts[0]
    if head in _COUNTS and len(parts) == 2:
        return f"{_COUNTS[head]}: {_words(parts[1])}, n"
    if head in ("lc_1y", "os_1y") and len(parts) == 2:
        name = "Local control" if head == "lc_1y" else "Overall survival"
        return f"{name} at 1 year, {_GROUP.get(parts[1], parts[1])}"
    if head == "pbr_cumulative_risk" and len(parts) == 2:
        return f"Risk of progression before RT at {parts[1]} month{'s' if parts[1] != '1' else ''}"
    if head == "age_mean_sd" and len(parts) == 2:
        return f"Age, {_STATS.get(parts[1], parts[1])}"
    if head == "followup_months_after_rt_mean_sd" and len(parts) == 2:
        return f"Follow-up after RT (months), {_STATS.get(parts[1], parts[1])}"
    if head == "rt_median_dose_gy_fractions" and len(parts) == 3:
        return f"{parts[1]}: median {'dose (Gy)' if parts[2] == '0' else 'fractions'}"
    if head == "pbr_by_surgery" and len(parts) == 3:
        return f"PBR by operation, {_words(parts[1])}: {'PBR, n' if parts[2] == '0' else 'patients, n'}"
    if head == "qol" and len(parts) >= 3:
        measure = _MEASURE.get(parts[1], _words(parts[1]))
        if parts[2] == "between_groups_followup_p":
            return f"{measure[:1].upper()}{measure[1:]}, PBR vs NPBR at follow-up, P value"
        group = parts[2]
        rest = parts[3:]
        if rest == ["p"]:
            return f"{group}, {measure}, P value"
        if rest == ["p_below"]:
            return f"{group}, {measure}, P below the printed bound"
        if len(rest) == 2 and rest[0] in ("pre", "followup"):
            when = "before surgery" if rest[0] == "pre" else "at follow-up"
            return f"{group}, {measure} {when}, {_STATS.get(rest[1], rest[1])}"
        if group == "mobility_months" or parts[1] == "mobility_months":
            return f"Mobility after RT (months), {' '.join(parts[2:])}"
    if head == "qol" and len(parts) == 4 and parts[1] == "mobility_months_after_rt":
        return f"Mobility after RT (months), {parts[2]}, {_STATS.get(parts[3], parts[3])}"
    if head in _PREFIXES:
        return ", ".join([_PREFIXES[head], *(_words(p) for p in parts[1:])])
    return ", ".join(_words(p) for p in parts)


def _is_p(key: str) -> bool:
    last = key.split(".")[-1]
    return last == "p" or last.endswith("_p")


def _decimals(target: float) -> int:
    text = repr(float(target))
    if "e" in text or "." not in text:
        return 0
    frac = text.split(".")[1].rstrip("0")
    return len(frac)


def printed(value: Any, *, key: str, target: Any, below: bool = False) -> str:
    """``value`` printed the way the article prints ``target`` (p: 3 decimals or "< 0.001";
    rates: percent with one decimal; other numbers: the target's decimals)."""
    if value is None:
        return "—"
    if isinstance(value, bool) or isinstance(value, str):
        return "yes" if value is True else ("no" if value is False else str(value))
    if not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
        return str(value)
    v = float(value)
    if _is_p(key):
        bound = float(target) if below else 0.001
        return f"< {bound:.3f}" if v < bound or (below and value is target) else f"{v:.3f}"
    head = key.split(".")[0]
    if head in ("lc_1y", "os_1y", "pbr_cumulative_risk"):
        return f"{100 * v:.1f}%"
    if isinstance(target, int) and not isinstance(target, bool):
        return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.2f}"
    return f"{v:.{_decimals(float(target))}f}"


def classify(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row with ``label``, ``article``, ``reproduced_printed`` and ``status`` added."""
    key = str(row.get("key", ""))
    target = row.get("target")
    below = row.get("tolerance") == "< target"
    article = printed(target, key=key, target=target, below=below)
    shown = printed(row.get("reproduced"), key=key, target=target, below=below)
    if shown == article:
        status = "identical"
    elif (
        _is_p(key)
        and row.get("ok")
        and row.get("difference") is not None
        and abs(float(row["difference"])) <= 0.005 + 1e-12
    ):
        status = "band"
    else:
        status = "not reproducible"
    reason = str(row.get("reason") or "")
    if status == "not reproducible" and not reason:
        reason = f"prints {shown} where the article prints {article}"
    return dict(
        row,
        label=describe(key),
        article=article,
        reproduced_printed=shown,
        status=status,
        reason=reason,
    )


def counts_sentence(rows: Sequence[Mapping[str, Any]]) -> str:
    """``"110 of 113 figures print identically; 2 are p values within ...; 1 not reproducible ..."``."""
    n = len(rows)
    by = {k: sum(1 for r in rows if r.get("status") == k) for k in STATUS_TEXT}
    return (
        f"Of {n} figures printed in the article, {by['identical']} print identically; "
        f"{by['band']} are p values that print differently but lie within the ±0.005 calibration band"
        f"{' (the three-decimal print was not reached)' if by['band'] else ''}; {by['not reproducible']} "
        f"{'is' if by['not reproducible'] == 1 else 'are'} not reproducible, each with its reason."
    )
