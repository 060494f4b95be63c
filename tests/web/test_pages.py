"""Pages: dashboard per site, patients list (search, pages, site scope), patient page."""

from __future__ import annotations

import re


def test_dashboard_counts_patients_of_the_users_sites(make_client, web):
    client = make_client()
    web.login(client, "viewer")
    text = client.get("/").text
    assert "Hospital A" in text and "Hospital B" not in text
    admin = make_client()
    web.login(admin, "admin")
    text = admin.get("/").text
    assert "Hospital A" in text and "Hospital B" in text


def test_patients_list_is_site_scoped_searchable_and_paginated(make_client, web):
    from rtdelay.web import WebSettings

    client = make_client(WebSettings(page_size=1))
    web.login(client, "viewer")
    first = client.get("/patients").text
    assert "Patients (2)" in first and "B-001" not in first and "Page 1 of 2" in first
    found = client.get("/patients", params={"q": "A-00"}).text
    assert "Patients (1)" in found and "A-001" in found
    assert "Patients (0)" in client.get("/patients", params={"q": "%"}).text
    row = re.search(r"<tr><td>A</td>.*?</tr>", found, re.S).group(0)
    assert "<td>61</td>" in row and "61.0" not in row  # the age as the form shows it


def test_another_sites_patient_is_404(make_client, web):
    client = make_client()
    web.login(client, "viewer")
    assert client.get("/patients/A/A-001").status_code == 200
    assert client.get("/patients/B/B-001").status_code == 404
    assert client.get("/patients/A/nobody").status_code == 404


def test_patient_page_shows_fields_and_history(make_client, web):
    client = make_client()
    web.login(client, "viewer")
    text = client.get("/patients/A/A-001").text
    assert "A-001" in text and "61" in text and "History" in text and "test setup" in text
