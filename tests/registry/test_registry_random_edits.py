"""1,000 random edits through every write path; the audit rows equal the field changes 1:1.

The expected changes are kept by the test itself (a model of each patient's fields as text),
independent of the audit listener: form-equivalent updates, imports of partial files (blank
cells keep values), soft deletes and restores, new patients. At the end the multiset of audit
rows ``(patient, field, old, new)`` must equal the multiset of modelled changes.
"""

from __future__ import annotations

import random
from collections import Counter

import pandas as pd
from registry_rows import make_rows
from sqlalchemy import select

FIELDS = {
    "age": lambda r: float(r.randint(18, 110)),
    "sex": lambda r: r.choice(["male", "female"]),
    "nrs_pre": lambda r: r.randint(0, 10),
    "nrs_fu": lambda r: r.randint(0, 10),
    "kps_pre": lambda r: 10 * r.randint(0, 10),
    "kps_fu": lambda r: 10 * r.randint(0, 10),
    "mobility_pre": lambda r: r.randint(0, 4),
    "mobility_fu": lambda r: r.randint(0, 4),
    "sphincter_pre": lambda r: r.randint(0, 1),
}


def test_thousand_random_edits_audit_one_to_one(registry, admin, tmp_path):
    from rtdelay.registry import (
        audit_text,
        delete_patient,
        get_patient,
        import_table,
        read_import_file,
        restore_patient,
        update_patient,
    )
    from rtdelay.registry._models import PATIENT_FIELDS, AuditEvent

    rnd = random.Random(20260313)
    seed = make_rows(40, seed=3)
    first = import_table(registry, admin, read_import_file(_csv(seed, tmp_path / "seed.csv")),
                         site="A")
    assert first.plan.counts()["new"] == 40
    expected: Counter = Counter()
    model: dict[str, dict] = {}
    deleted: dict[str, bool] = {}
    with registry.session(actor=admin.name) as s:
        for pid in seed["patient_id"]:
            p = get_patient(s, admin, pid)
            model[pid] = {n: audit_text(getattr(p, n)) for n in PATIENT_FIELDS}
            deleted[pid] = False
            for name, value in model[pid].items():
                if value is not None:
                    expected[(pid, name, None, value)] += 1
            expected[(pid, "site_id", None, str(p.site_id))] += 1
    ids = list(model)

    def change(pid: str, values: dict) -> None:
        for name, value in values.items():
            new = audit_text(value)
            if new != model[pid][name]:
                expected[(pid, name, model[pid][name], new)] += 1
                model[pid][name] = new

    edits = 0
    while edits < 1000:
        op = rnd.random()
        live = [p for p in ids if not deleted[p]]
        if op < 0.30:
            pid = rnd.choice(live)
            values = {f: FIELDS[f](rnd) for f in rnd.sample(sorted(FIELDS), rnd.randint(1, 3))}
            with registry.session(actor="editor", write=True) as s:
                version = get_patient(s, admin, pid).version
                update_patient(s, admin, pid, values, expected_version=version)
            change(pid, values)
            edits += 1
        elif op < 0.85:
            chosen = rnd.sample(live, rnd.randint(1, 16))
            rows = []
            for pid in chosen:
                values = {f: FIELDS[f](rnd) for f in rnd.sample(sorted(FIELDS), rnd.randint(1, 4))}
                rows.append({"patient_id": pid, **values})
            frame = pd.DataFrame(rows, columns=["patient_id", *sorted(FIELDS)])
            path = _csv(frame, tmp_path / f"edit{edits}.csv")
            import_table(registry, admin, read_import_file(path), site="A")
            for row in rows:
                change(row["patient_id"], {k: v for k, v in row.items() if k != "patient_id"})
            edits += len(rows)
        elif op < 0.93 and len(live) > 5:
            pid = rnd.choice(live)
            with registry.session(actor="editor", write=True) as s:
                delete_patient(s, admin, pid, reason=f"check {edits}")
            expected[(pid, "deleted_at", None, "<time>")] += 1
            expected[(pid, "deleted_reason", None, f"check {edits}")] += 1
            deleted[pid] = True
            edits += 1
        elif any(deleted.values()):
            pid = rnd.choice([p for p, d in deleted.items() if d])
            with registry.session(actor="editor", write=True) as s:
                p = get_patient(s, admin, pid, include_deleted=True)
                reason = p.deleted_reason
                restore_patient(s, admin, pid)
            expected[(pid, "deleted_at", "<time>", None)] += 1
            expected[(pid, "deleted_reason", reason, None)] += 1
            deleted[pid] = False
            edits += 1
    with registry.session(actor=admin.name) as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.entity == "patient"))
        seen = Counter(
            (r.patient_id, r.field,
             "<time>" if r.field == "deleted_at" and r.old_value else r.old_value,
             "<time>" if r.field == "deleted_at" and r.new_value else r.new_value)
            for r in rows
        )
    assert edits >= 1000
    assert seen == expected


def _csv(frame, path):
    frame.to_csv(path, index=False)
    return path
