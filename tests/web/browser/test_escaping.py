"""Hostile patient identifiers show as text everywhere in the browser and never run.

The fixture fails the test if any JavaScript dialog opens (alert) or the page breaks its
Content-Security-Policy; here we also check that no element was injected.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from web_live import XSS, XSS_ATTR


def _no_injection(page) -> None:
    assert page.page.locator("img[src=x]").count() == 0
    assert page.page.locator("main script").count() == 0


@pytest.mark.parametrize("hostile", [XSS, XSS_ATTR], ids=["script", "attribute"])
def test_hostile_patient_id_is_text_in_list_search_and_patient_page(page, hostile):
    page.login("admin")
    page.goto("/patients")
    link = page.page.get_by_role("link", name=hostile, exact=True)
    assert link.count() == 1
    _no_injection(page)
    page.goto("/patients?q=" + quote(hostile, safe=""))
    assert page.page.locator("input[name=q]").input_value() == hostile
    assert page.page.get_by_role("link", name=hostile, exact=True).count() == 1
    _no_injection(page)
    with page.page.expect_navigation():
        page.page.get_by_role("link", name=hostile, exact=True).click()
    assert page.page.locator("h1").inner_text().startswith(f"Patient {hostile}")
    assert hostile in page.page.title()
    _no_injection(page)
    if hostile == XSS:
        page.shot("patient-xss")
    page.page.wait_for_timeout(200)  # give a stray script the time to fire
    assert page.dialogs == []
