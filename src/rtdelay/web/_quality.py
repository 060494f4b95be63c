"""Data quality of the registry per site, judged by the cohort rules (dashboard).

Every live patient the user sees is validated again with :func:`rtdelay.cohort.validate_cohort`
(through the registry's record validation), so a record stored under older rules, or imported
before a rule was added, shows up. Per site it counts patients whose record the rules would
reject (an error), patients with field-level problems (the value is left out of the analyses
that use it), and patients missing a field the analysis needs to include them (the eligibility
fields: a blank excludes the patient). The result is cached per app until a patient changes;
:func:`dashboard_quality` may reuse a check made less than ``max_age`` seconds ago although
records changed since, and says when the check was made.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rtdelay.cohort import COLUMNS
from rtdelay.registry import Actor, patients_query

__all__ = ["SiteQuality", "quality_by_site", "dashboard_quality", "ELIGIBILITY_FIELDS"]

ELIGIBILITY_FIELDS: tuple[str, ...] = tuple(
    n for n, spec in COLUMNS.items() if spec.required == "eligibility")


@dataclass(frozen=True)
class SiteQuality:
    """Counts of one site: patients, rejected by the rules, field problems, missing fields."""

    site_id: int
    patients: int = 0
    errors: int = 0
    field_problems: int = 0
    missing_eligibility: int = 0
    columns: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"site_id": self.site_id, "patients": self.patients, "errors": self.errors,
                "field_problems": self.field_problems,
                "missing_eligibility": self.missing_eligibility, "columns": dict(self.columns)}


def _key(session: Session, actor: Actor) -> tuple[Any, ...]:
    sub = patients_query(actor).subquery()
    row = session.execute(select(func.count(), func.max(sub.c.updated_at),
                                 func.coalesce(func.sum(sub.c.version), 0))).one()
    sites = None if actor.site_ids is None else tuple(sorted(actor.site_ids))
    return (sites, int(row[0]), str(row[1]), int(row[2]))


def _validate(records: list[dict[str, Any]]) -> Any:
    """The cohort rules on stored records (dates are ISO; every column present)."""
    import pandas as pd

    from rtdelay.cohort import RawTable, validate_cohort

    frame = pd.DataFrame({n: pd.Series([r.get(n) for r in records], dtype=object)
                          for n in COLUMNS})
    raw = RawTable(frame=frame, source_rows=list(range(1, len(records) + 1)), path="registry",
                   format="registry", original_columns={n: n for n in COLUMNS})
    return validate_cohort(raw, date_order="ymd")


def quality_by_site(session: Session, actor: Actor, cache: dict[Any, Any] | None = None
                    ) -> dict[int, SiteQuality]:
    """Data-quality counts of each site the actor sees (site id -> counts)."""
    key = _key(session, actor)
    if cache is not None and key in cache:
        found: dict[int, SiteQuality] = cache[key]
        return found
    sub = patients_query(actor).subquery()
    names = list(COLUMNS)
    rows = session.execute(select(sub.c.site_id, *[sub.c[n] for n in names])).all()
    records = [dict(zip(names, r[1:], strict=True)) for r in rows]
    site_of = {i + 1: r[0] for i, r in enumerate(rows)}
    errors: dict[int, set[int]] = {}
    fields: dict[int, set[int]] = {}
    columns: dict[int, Counter[str]] = {}
    if records:
        result = _validate(records)
        for issue in result.issues:
            if issue.row is None or int(issue.row) not in site_of:
                continue
            site = site_of[int(issue.row)]
            if issue.severity == "error":
                errors.setdefault(site, set()).add(int(issue.row))
            elif issue.severity == "field":
                fields.setdefault(site, set()).add(int(issue.row))
            else:
                continue
            columns.setdefault(site, Counter())[str(issue.column or "row")] += 1
    total: Counter[int] = Counter(r[0] for r in rows)
    missing: Counter[int] = Counter(
        site_of[i + 1] for i, rec in enumerate(records)
        if any(rec.get(n) is None for n in ELIGIBILITY_FIELDS))
    out = {site: SiteQuality(site, total[site], len(errors.get(site, ())),
                             len(fields.get(site, ())), missing[site],
                             tuple(columns.get(site, Counter()).most_common(5)))
           for site in total}
    if cache is not None:
        if len(cache) >= 32:
            cache.clear()
        cache[key] = out
    return out


def dashboard_quality(session: Session, actor: Actor, cache: dict[Any, Any], *,
                      max_age: float = 0.0) -> tuple[dict[int, SiteQuality], datetime]:
    """:func:`quality_by_site` for the dashboard, and when that check was made (UTC).

    The check of the current records is reused when nothing changed; when records changed, the
    last check of the same sites is still reused if it is younger than ``max_age`` seconds
    (0: never), so that a busy registry is not validated again on every dashboard view.
    """
    sites = None if actor.site_ids is None else tuple(sorted(actor.site_ids))
    latest = cache.get(("latest", sites))
    key = _key(session, actor)
    if key in cache and latest is not None and latest[0] == key:
        return cache[key], latest[2]
    if latest is not None and max_age > 0 and time.monotonic() - latest[1] < max_age:
        return latest[3], latest[2]
    result = quality_by_site(session, actor, cache)
    checked = datetime.now(UTC).replace(microsecond=0)
    cache[("latest", sites)] = (key, time.monotonic(), checked, result)
    return result, checked
