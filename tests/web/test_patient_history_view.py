"""The patient's history: a creation is one entry ("created with N fields", expandable), every
later change one row per field, old -> new."""

from __future__ import annotations

import re

from web14a_helpers import audit_rows, signed_in, url, version_of


def _history(text: str) -> list[str]:
    body = re.search(r'<table id="history">.*?<tbody>(.*?)</tbody>', text, re.S).group(1)
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_a_creation_is_one_entry_and_an_edit_a_row_per_field(make_client, web, web_registry):
    client, token = signed_in(make_client, web, "entry")
    audit = audit_rows(web_registry)
    created = audit[
        (audit["action"] == "create")
        & (audit["entity"] == "patient")
        & (audit["patient_id"] == "A-001")
    ]
    assert len(created) > 10  # the audit keeps one row per field
    rows = _history(client.get(url("A", "A-001")).text)
    creations = [r for r in rows if "created with" in r]
    assert len(creations) == 1 and len(rows) == 1
    assert f"created with {len(created)} fields" in creations[0]
    assert "<details>" in creations[0] and "<code>age</code></dt><dd>61</dd>" in creations[0]
    version = version_of(client, "A", "A-001")
    answer = client.post(
        url("A", "A-001", "/edit"),
        data={
            "csrf_token": token,
            "version": str(version),
            "age": "62",
            "kps_pre": "20",
            "reason": "clinic letter",
        },
    )
    assert answer.status_code == 303
    rows = _history(client.get(url("A", "A-001")).text)
    assert sum("created with" in r for r in rows) == 1
    edits = [r for r in rows if "clinic letter" in r]
    changes = {
        c[4]: (c[5], c[6]) for c in (re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in edits)
    }
    assert len(changes) == len(edits) == 2
    assert changes["age"] == ("61", "62") and changes["kps_pre"][1] == "20"


def test_history_entries_groups_only_the_rows_of_one_creation():
    from rtdelay.web.routers.pages import history_entries

    def row(action, key, field, new, at="t1", entity="patient", version=1):
        return {
            "at": at,
            "actor": "a",
            "action": action,
            "entity": entity,
            "entity_key": key,
            "entity_version": version,
            "field": field,
            "old_value": None,
            "new_value": new,
            "reason": "r",
        }

    rows = [
        row("create", "1", "age", "61"),
        row("create", "1", "sex", "male"),
        row("create", "7", "phase", "surgery", entity="complication"),
        row("update", "1", "age", "62", at="t2", version=2),
        row("update", "1", "sex", "female", at="t2", version=2),
        row("create", "1", "age", "70", at="t3", version=1),
    ]
    entries = history_entries(rows)
    assert [e.get("created") for e in entries] == [
        [("age", "61"), ("sex", "male")],
        [("phase", "surgery")],
        None,
        None,
        [("age", "70")],
    ]
    assert [e["field"] for e in entries[2:4]] == ["age", "sex"]
