"""Export (analyst, admin; audited), administration (users, sites, passwords, sessions;
audited) and the dashboard's data quality per site."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from web14a_helpers import audit_rows, signed_in


def test_export_downloads_a_zip_and_is_audited(make_client, web, web_registry):
    client, csrf = signed_in(make_client, web, "analyst")
    assert 'name="format"' in client.get("/export").text
    response = client.post("/export", data={"csrf_token": csrf, "format": "csv", "site": "A"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = sorted(archive.namelist())
        cohort = archive.read(next(n for n in names if "complications" not in n)).decode()
    assert len(names) == 2 and all(n.endswith(".csv") for n in names)
    assert "A-001" in cohort and "B-001" not in cohort  # the analyst sees site A only
    rows = audit_rows(web_registry)
    export = rows[rows["action"] == "export"].iloc[-1]
    assert export["actor"] == "analyst" and "csv" in export["new_value"]
    assert "2 patients" in export["new_value"]


@pytest.mark.parametrize("fmt", ["xlsx", "sav", "dta", "parquet"])
def test_every_export_format_downloads(make_client, web, fmt):
    client, csrf = signed_in(make_client, web, "admin")
    response = client.post("/export", data={"csrf_token": csrf, "format": fmt})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert all(n.endswith(f".{fmt}") for n in archive.namelist())


def test_export_refuses_other_roles_bad_format_and_other_site(make_client, web):
    for role in ("viewer", "entry"):
        client, csrf = signed_in(make_client, web, role)
        assert client.get("/export").status_code == 403
        assert client.post("/export", data={"csrf_token": csrf, "format": "csv"}).status_code == 403
    client, csrf = signed_in(make_client, web, "analyst")
    assert "Choose an export format" in client.post(
        "/export", data={"csrf_token": csrf, "format": "exe"}).text
    other = client.post("/export", data={"csrf_token": csrf, "format": "csv", "site": "B"})
    assert other.status_code == 200 and "Choose one of your sites" in other.text
    assert client.post("/export", data={"format": "csv"}).status_code == 403  # no CSRF


def test_admin_adds_a_site_and_a_user_who_can_sign_in(make_client, web, web_registry):
    admin, csrf = signed_in(make_client, web, "admin")
    assert admin.post("/admin/sites", data={"csrf_token": csrf, "code": "C",
                                            "site_name": "Hospital C"}).status_code == 303
    bad = admin.post("/admin/sites", data={"csrf_token": csrf, "code": "C", "site_name": "x"})
    assert "already exists" in bad.text
    response = admin.post("/admin/users", data={
        "csrf_token": csrf, "name": "nurse", "role": "entry", "sites": ["C"],
        "password": "long enough pw", "reason": "new study nurse"})
    assert response.status_code == 303
    page = admin.get("/admin").text
    assert "nurse" in page and "Hospital C" in page
    short = admin.post("/admin/users", data={"csrf_token": csrf, "name": "x", "role": "entry",
                                             "sites": ["C"], "password": "short"})
    assert "at least 8" in short.text
    nurse = make_client()
    assert web.login(nurse, "nurse", "long enough pw").status_code == 303
    assert "Hospital C" in nurse.get("/").text and "Hospital A" not in nurse.get("/").text
    rows = audit_rows(web_registry)
    assert ((rows["entity"] == "site") & (rows["actor"] == "admin")).any()
    user_rows = rows[(rows["entity"] == "user") & (rows["actor"] == "admin")]
    assert (user_rows["reason"] == "new study nurse").any()
    assert "long enough pw" not in rows.to_csv()


def test_admin_changes_role_and_sites_and_deactivates(make_client, web, web_registry):
    admin, csrf = signed_in(make_client, web, "admin")
    viewer, _ = signed_in(make_client, web, "viewer")
    assert admin.post("/admin/users/update", data={
        "csrf_token": csrf, "name": "viewer", "role": "entry", "sites": ["A", "B"],
        "active": "on", "reason": "promoted"}).status_code == 303
    assert "Hospital B" in viewer.get("/").text  # the grant applies to the live session
    assert viewer.get("/patients/new").status_code == 200
    rows = audit_rows(web_registry)
    assert ((rows["entity"] == "grant") & (rows["reason"] == "promoted")).any()
    assert ((rows["field"] == "role") & (rows["new_value"] == "entry")).any()
    assert admin.post("/admin/users/update", data={
        "csrf_token": csrf, "name": "viewer", "role": "entry", "sites": ["A"]}
    ).status_code == 303  # no "active": deactivated
    assert viewer.get("/").status_code == 303  # signed out at once
    assert web.login(make_client(), "viewer").status_code == 401
    rows = audit_rows(web_registry)
    assert ((rows["entity"] == "grant") & (rows["action"] == "revoke")).any()
    assert (rows["action"] == "sessions_revoked").any()
    me = admin.post("/admin/users/update", data={"csrf_token": csrf, "name": "admin",
                                                 "role": "viewer", "active": "on"})
    assert "cannot deactivate or demote yourself" in me.text
    none = admin.post("/admin/users/update", data={"csrf_token": csrf, "name": "entry",
                                                   "role": "entry", "active": "on"})
    assert "needs at least one site" in none.text


def test_admin_resets_a_password_and_revokes_sessions(make_client, web, web_registry):
    admin, csrf = signed_in(make_client, web, "admin")
    entry, _ = signed_in(make_client, web, "entry")
    assert admin.post("/admin/users/password", data={
        "csrf_token": csrf, "name": "entry", "password": "a brand new one"}).status_code == 303
    assert entry.get("/").status_code == 303  # the old sessions end
    assert web.login(make_client(), "entry").status_code == 401
    assert web.login(make_client(), "entry", "a brand new one").status_code == 303
    rows = audit_rows(web_registry)
    changed = rows[rows["field"] == "password_hash"]
    assert set(changed["new_value"]) == {"(set)"}
    analyst, _ = signed_in(make_client, web, "analyst")
    page = admin.get("/admin").text
    assert "(this session)" in page
    sessions = page.split('id="sessions"', 1)[1]
    ids = re.findall(r'<tr><td>analyst</td>.*?name="id" value="([0-9a-f]{64})"', sessions,
                     re.S)
    assert ids
    assert admin.post("/admin/sessions/revoke", data={"csrf_token": csrf,
                                                      "id": ids[0]}).status_code == 303
    assert analyst.get("/").status_code == 303
    assert (audit_rows(web_registry)["action"] == "session_revoked").any()


@pytest.mark.parametrize("role", ["viewer", "entry", "analyst"])
def test_administration_is_for_admins_only(make_client, web, role):
    client, csrf = signed_in(make_client, web, role)
    assert client.get("/admin").status_code == 403
    for path in ("/admin/users", "/admin/users/update", "/admin/users/password",
                 "/admin/sites", "/admin/sessions/revoke"):
        assert client.post(path, data={"csrf_token": csrf, "name": "viewer", "role": "admin",
                                       "code": "Z", "site_name": "Z", "password": "x" * 10}
                           ).status_code == 403


def test_dashboard_counts_data_quality_per_site(make_client, web, web_registry):
    import sqlalchemy as sa

    # a record stored under older rules: an age out of range (field level) and a blank
    # eligibility field, written behind the registry's back
    engine = sa.create_engine(web_registry)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE patients SET age = 5, prert_mri_date = NULL "
                             "WHERE patient_id = 'A-001'"))
    engine.dispose()
    client, _ = signed_in(make_client, web, "viewer")
    text = client.get("/").text
    row = re.search(r"<tr><td>A</td>(.*?)</tr>", text, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[:5] == ["Hospital A", "2", "0", "1", "1"], cells
    assert "age (1)" in cells[5]
    assert "Last analyses" in text and 'id="last-analyses"' in text


def _quality_cells(text):
    row = re.search(r"<tr><td>A</td>(.*?)</tr>", text, re.S).group(1)
    checked = re.search(r'id="quality-checked">([^<]+)<', text).group(1)
    return re.findall(r"<td>(.*?)</td>", row, re.S)[:5], checked


def _spoil_a001(web_registry):
    # a blank eligibility field, through the registry's own write path (a new version)
    from rtdelay.registry import cli_actor, get_patient, open_registry, update_patient

    reg = open_registry(web_registry)
    admin = cli_actor()
    with reg.session(actor=admin.name, write=True, reason="test") as s:
        version = get_patient(s, admin, "A-001", site="A").version
        update_patient(s, admin, "A-001", {"prert_mri_date": None}, site="A",
                       expected_version=version, reason="test")
    reg.dispose()


def test_dashboard_reuses_a_recent_check_and_says_when_it_was_made(make_client, web, web_registry):
    from rtdelay.web import WebSettings

    client, _ = signed_in(make_client, web, "viewer", WebSettings(quality_max_age_s=3600))
    first, checked = _quality_cells(client.get("/").text)
    assert first[4] == "0"  # no missing eligibility field yet
    _spoil_a001(web_registry)
    again, checked_again = _quality_cells(client.get("/").text)
    assert (again, checked_again) == (first, checked)  # reused: younger than an hour


def test_dashboard_rechecks_every_change_when_max_age_is_zero(make_client, web, web_registry):
    from rtdelay.web import WebSettings

    client, _ = signed_in(make_client, web, "viewer", WebSettings(quality_max_age_s=0))
    first, _ = _quality_cells(client.get("/").text)
    _spoil_a001(web_registry)
    again, _ = _quality_cells(client.get("/").text)
    assert first[4] == "0" and again[4] == "1"
