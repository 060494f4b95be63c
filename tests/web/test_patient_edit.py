"""Patient page and its writes: grouped form, rule messages beside fields, scores, reasons,
optimistic concurrency, soft delete and restore, complications, new patient, roles, sites."""

from __future__ import annotations

import html

import pytest
from web14a_helpers import audit_rows, message_beside, signed_in, stored_patient, url, version_of


def test_patient_page_groups_fields_and_shows_scores_and_history(make_client, web):
    client, _ = signed_in(make_client, web, "entry")
    text = client.get(url("A", "A-001")).text
    for title in ("Identification and demographics", "Tumour and spine", "Surgery",
                  "Radiotherapy", "Outcomes after radiotherapy", "Quality of life"):
        assert f"<legend>{title}</legend>" in text
    assert 'id="edit"' in text and 'name="reason"' in text and "Save changes" in text
    assert "Scores from their components" in text and "SINS" in text
    assert "test setup" in text  # the reason of the creation, in the history


def test_every_dictionary_column_is_in_one_group():
    from rtdelay.cohort import COLUMNS
    from rtdelay.web._patientform import GROUPS

    names = [n for _, group in GROUPS for n in group]
    assert names == list(COLUMNS)


def test_scores_are_computed_from_components():
    from rtdelay.web._patientform import score_lines

    # SINS: location 2 + pain 3 + lesion 1 + alignment 0 + collapse 1 + posterolateral 0 = 7
    # (Fisher 2010: 7-12 potentially unstable); Tomita: growth 4 + visceral 2 + bone 1 = 7.
    values = {"sins_location": 2, "sins_pain": 3, "sins_lesion": 1, "sins_alignment": 0,
              "sins_collapse": 1, "sins_posterolateral": 0, "sins": 7,
              "tomita_growth": 4, "tomita_visceral": 2, "tomita_bone": 1, "tomita": 6}
    lines = {s["name"]: s for s in score_lines(values)}
    assert lines["sins"]["computed"] == 7 and lines["sins"]["category"] == "potentially unstable"
    assert lines["tomita"]["computed"] == 7 and "differs" in lines["tomita"]["note"]
    assert lines["tokuhashi"]["computed"] is None and "missing" in lines["tokuhashi"]["note"]


def test_viewer_sees_no_edit_controls_and_cannot_post(make_client, web):
    client, csrf = signed_in(make_client, web, "viewer")
    text = client.get(url("A", "A-001")).text
    for control in ('id="edit"', 'id="delete"', 'id="add-complication"', "Save changes",
                    "/patients/new"):
        assert control not in text
    version = 1
    for suffix, data in [("/edit", {"age": "62", "reason": "x", "version": version}),
                         ("/delete", {"reason": "x"}),
                         ("/complications", {"phase": "surgery", "complication": "x"}),
                         ("/restore", {"reason": "x"})]:
        response = client.post(url("A", "A-001", suffix), data={**data, "csrf_token": csrf})
        assert response.status_code == 403, suffix
    assert client.post("/patients/new", data={"csrf_token": csrf, "site": "A"}).status_code == 403
    assert client.get("/patients/new").status_code == 403


def test_edit_with_reason_is_saved_and_shown_in_the_history(make_client, web, web_registry):
    client, csrf = signed_in(make_client, web, "entry")
    version = version_of(client, "A", "A-001")
    response = client.post(url("A", "A-001", "/edit"), data={
        "csrf_token": csrf, "version": version, "age": "62", "reason": "typo in the age"})
    assert response.status_code == 303
    assert stored_patient(web_registry, "A", "A-001").age == 62
    text = client.get(url("A", "A-001")).text
    assert "typo in the age" in text and "<td>61</td><td>62</td>" in text
    assert version_of(client, "A", "A-001") == version + 1
    rows = audit_rows(web_registry)
    row = rows[(rows["field"] == "age") & (rows["action"] == "update")].iloc[-1]
    assert (row["actor"], row["old_value"], row["new_value"], row["reason"]) == (
        "entry", "61", "62", "typo in the age")
    assert (rows["reason"] == "typo in the age").sum() == 1  # only the field that changed


def test_edit_without_reason_or_csrf_is_refused(make_client, web, web_registry):
    client, csrf = signed_in(make_client, web, "entry")
    version = version_of(client, "A", "A-001")
    response = client.post(url("A", "A-001", "/edit"), data={
        "csrf_token": csrf, "version": version, "age": "62"})
    assert response.status_code == 200 and "Give the reason" in response.text
    assert 'value="62"' in response.text  # what was typed is shown again
    assert client.post(url("A", "A-001", "/edit"), data={
        "version": version, "age": "62", "reason": "r"}).status_code == 403
    assert stored_patient(web_registry, "A", "A-001").age == 61


@pytest.mark.parametrize("field,value,words", [
    ("age", "5", "age"), ("sex", "unknown", "sex"), ("rt_start_date", "not a date", "date")])
def test_rule_messages_are_shown_beside_their_field(make_client, web, web_registry, field,
                                                    value, words):
    client, csrf = signed_in(make_client, web, "entry")
    version = version_of(client, "A", "A-001")
    response = client.post(url("A", "A-001", "/edit"), data={
        "csrf_token": csrf, "version": version, field: value, "reason": "test"})
    assert response.status_code == 200
    beside = message_beside(response.text, field)
    assert beside and words in html.unescape(beside).lower(), beside
    assert message_beside(response.text, "histology") == ""
    assert f'id="f-{field}"' in response.text and 'aria-invalid="true"' in response.text
    assert stored_patient(web_registry, "A", "A-001").version == version  # nothing saved


def test_stale_version_is_a_conflict_naming_the_fields(make_client, web, web_registry):
    first, csrf1 = signed_in(make_client, web, "entry")
    second, csrf2 = signed_in(make_client, web, "admin")
    version = version_of(first, "A", "A-001")
    assert version_of(second, "A", "A-001") == version
    assert first.post(url("A", "A-001", "/edit"), data={
        "csrf_token": csrf1, "version": version, "age": "63", "reason": "first"}
    ).status_code == 303
    response = second.post(url("A", "A-001", "/edit"), data={
        "csrf_token": csrf2, "version": version, "age": "64", "reason": "second"})
    assert response.status_code == 409
    text = html.unescape(response.text)
    assert "Not saved" in text and "changed by someone else" in text and "age" in text
    assert stored_patient(web_registry, "A", "A-001").age == 63


def test_soft_delete_with_reason_and_restore_by_admin(make_client, web, web_registry):
    client, csrf = signed_in(make_client, web, "entry")
    response = client.post(url("A", "A-001", "/delete"), data={"csrf_token": csrf})
    assert response.status_code == 200 and "needs a reason" in response.text
    version = version_of(client, "A", "A-001")
    response = client.post(url("A", "A-001", "/delete"), data={
        "csrf_token": csrf, "reason": "duplicate record", "version": version})
    assert response.status_code == 303
    assert "A-001" not in client.get("/patients").text
    assert client.get(url("A", "A-001")).status_code == 404
    assert client.post(url("A", "A-001", "/restore"), data={
        "csrf_token": csrf, "reason": "x"}).status_code == 403  # entry may not restore
    stored = stored_patient(web_registry, "A", "A-001")
    assert stored.deleted_at is not None and stored.deleted_reason == "duplicate record"
    admin, acsrf = signed_in(make_client, web, "admin")
    listed = admin.get("/patients", params={"deleted": "true"}).text
    assert "A-001" in listed and "duplicate record" in listed
    page = admin.get(url("A", "A-001")).text
    assert "Deleted on" in page and "/restore" in page
    assert admin.post(url("A", "A-001", "/restore"), data={
        "csrf_token": acsrf, "reason": "not a duplicate"}).status_code == 303
    assert stored_patient(web_registry, "A", "A-001").deleted_at is None
    assert "A-001" in client.get("/patients").text


def test_complications_add_and_remove_with_reason(make_client, web, web_registry):
    client, csrf = signed_in(make_client, web, "entry")
    base = url("A", "A-001")
    bad = client.post(base + "/complications", data={"csrf_token": csrf, "phase": "surgery",
                                                     "complication": ""})
    assert bad.status_code == 200 and 'role="alert"' in bad.text
    assert client.post(base + "/complications", data={
        "csrf_token": csrf, "phase": "radiotherapy", "complication": "skin <b>reaction</b>",
        "date": "2018-04-01"}).status_code == 303
    text = client.get(base).text
    assert "skin &lt;b&gt;reaction&lt;/b&gt;" in text
    import re

    item = re.search(r'name="complication_id" value="(\d+)"', text).group(1)
    no_reason = client.post(base + "/complications/remove",
                            data={"csrf_token": csrf, "complication_id": item})
    assert "needs a reason" in no_reason.text
    assert client.post(base + "/complications/remove", data={
        "csrf_token": csrf, "complication_id": item, "reason": "entered twice"}
    ).status_code == 303
    text = client.get(base).text
    assert "No complication." in text and "entered twice" in text
    other = client.post(url("A", "A-001", "/complications/remove"),
                        data={"csrf_token": csrf, "complication_id": "999", "reason": "x"})
    assert other.status_code == 404


def test_new_patient_form_validates_and_creates(make_client, web, web_registry):
    from registry_rows import make_rows

    client, csrf = signed_in(make_client, web, "entry")
    form = client.get("/patients/new").text
    assert "<legend>Surgery</legend>" in form and 'name="patient_id"' in form
    row = {k: v for k, v in make_rows(5).iloc[4].to_dict().items() if v == v and v is not None}
    data = {k: str(v) for k, v in row.items()}
    data.update(patient_id="A-NEW", csrf_token=csrf, site="A")
    refused = client.post("/patients/new", data={**data, "age": "200"})
    assert refused.status_code == 200 and message_beside(refused.text, "age")
    assert client.post("/patients/new", data={**data, "site": "B"}).status_code == 200
    response = client.post("/patients/new", data=data)
    assert response.status_code == 303 and response.headers["location"] == url("A", "A-NEW")
    assert stored_patient(web_registry, "A", "A-NEW").version == 1
    again = client.post("/patients/new", data=data)
    assert again.status_code == 200 and "already exists" in again.text


@pytest.mark.parametrize("role", ["viewer", "entry"])
def test_another_sites_patient_is_404_on_every_patient_route(make_client, web, role):
    from rtdelay.web import ROUTE_PERMISSIONS

    client, csrf = signed_in(make_client, web, role)
    routes = [(m, p) for (m, p) in ROUTE_PERMISSIONS if "{patient_id:path}" in p]
    assert len(routes) >= 6
    for method, path in routes:
        target = path.replace("{site}", "B").replace("{patient_id:path}", "B-001")
        response = client.request(method, target, data={
            "csrf_token": csrf, "reason": "r", "version": "1", "complication_id": "1",
            "phase": "surgery", "complication": "x"})
        needed = ROUTE_PERMISSIONS[(method, path)]
        allowed = needed in {"viewer": {"read"}, "entry": {"read", "write", "import"}}[role]
        assert response.status_code == (404 if allowed else 403), (method, path)
