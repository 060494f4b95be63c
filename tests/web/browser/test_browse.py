"""Signing in, browsing the read-only pages and signing out, in chromium."""

from __future__ import annotations

import re
from urllib.parse import quote


def test_sign_in_browse_and_sign_out(page):
    page.goto("/")
    assert page.page.url.endswith("/login")
    page.shot("login")
    page.login("admin")
    assert page.page.url == page.base + "/"
    page.shot("dashboard")
    page.click("nav a[href='/patients']")
    assert page.page.locator("h1").inner_text().startswith("Patients")
    page.shot("patients")
    page.click("a:text-is('A-001')")
    assert page.page.locator("h1").inner_text().startswith("Patient A-001")
    assert page.page.locator("text=History").count() >= 1
    page.shot("patient")
    page.logout()
    assert page.page.url.endswith("/login")
    page.goto("/patients")
    assert page.page.url.endswith("/login")  # the session is gone server-side


def test_wrong_password_says_so_and_stays_signed_out(page):
    page.login("viewer", "not the password")
    assert page.page.locator("[role=alert]").inner_text() == "Unknown user or wrong password."
    page.goto("/")
    assert page.page.url.endswith("/login")


def test_other_sites_patient_is_not_found_for_a_site_user(page):
    page.login("viewer")
    response = page.goto("/patients/B/B-001")
    assert response.status == 404
    page.goto("/patients")
    assert page.page.locator("a:text-is('B-001')").count() == 0


def test_search_finds_by_patient_id(page):
    page.login("viewer")
    page.goto("/patients")
    page.page.fill("input[name=q]", "A-00")
    page.click("form[action='/patients'] button")
    assert re.search(r"Patients \(1\)", page.page.locator("h1").inner_text())
    assert page.page.url.endswith("q=A-00")
    page.goto(f"/patients/A/{quote('A-001', safe='')}")


def test_search_follows_the_typing_without_a_reload(page):
    # HTMX (served from the package) swaps in the list and the title; the address follows.
    page.login("viewer")
    page.goto("/patients")
    assert page.page.evaluate("typeof window.htmx") == "object"
    page.page.evaluate("window.__rtdelayMarker = 1")
    page.page.fill("input[name=q]", "A-00")
    title = page.page.locator("#patients-title")
    for _ in range(100):  # (wait_for_function would need eval, which the CSP refuses)
        if "(1)" in title.inner_text():
            break
        page.page.wait_for_timeout(100)
    assert title.inner_text() == "Patients (1)"
    assert page.page.locator("#patient-results a:text-is('A-001')").count() == 1
    assert page.page.evaluate("window.__rtdelayMarker") == 1  # no reload
    assert page.page.url.endswith("q=A-00")
    assert page.page.locator("input[name=q]").input_value() == "A-00"  # the field kept
    assert page.csp == [] and page.dialogs == []
