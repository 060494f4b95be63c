"""The whole path of the issue in chromium: sign in, import the demo cohort through the preview,
commit, open a patient, change a field with a reason and see it in the history, run the
analysis and see the report with its figures, download a Word table, try a malformed file and
see the row messages, sign out. And a viewer sees no edit form and cannot post one."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest

DEMO = Path(__file__).parents[3] / "src" / "rtdelay" / "demo" / "data" / "cohort.csv"


def _demo_rows() -> list[dict[str, str]]:
    with DEMO.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _upload(page, path: Path, *, site: str = "A") -> None:
    page.goto("/imports")
    page.page.set_input_files("#upload input[name=file]", str(path))
    page.page.select_option("#upload select[name=site]", site)
    page.click("#upload button[type=submit]")


def _counts(page) -> dict[str, int]:
    text = page.page.locator("#counts").inner_text()
    return {k.strip(): int(v) for k, v in re.findall(r"([a-z ]+): (\d+)", text.lower())}


@pytest.fixture(scope="module")
def imported(browser, live, shots, tmp_path_factory):
    """The demo cohort imported into site A through the preview (once per module)."""
    from conftest import Watched

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = Watched(context.new_page(), live, shots)
    page.login("admin")
    _upload(page, DEMO)
    assert page.page.locator("h1").inner_text().startswith("Import preview")
    counts = _counts(page)
    page.shot("import-preview")
    page.page.fill("#commit input[name=reason]", "demo cohort for the browser test")
    page.click("#commit button[type=submit]")
    assert page.page.locator("h1").inner_text().startswith("Imported")
    page.shot("import-done")
    done = _counts(page)
    context.close()
    assert not page.dialogs and not page.csp
    return counts, done


def test_import_preview_and_commit_of_the_demo_cohort(imported):
    preview, done = imported
    n = len(_demo_rows())
    assert preview["new"] == n and preview["rejected"] == 0
    assert done["new"] == n


def test_edit_a_field_with_a_reason_and_see_it_in_the_history(imported, page):
    first = _demo_rows()[0]
    pid, old = first["patient_id"], first["kps_pre"]
    new = "90" if old != "90" else "80"
    page.login("entry")
    page.goto("/patients?q=" + pid)
    page.click(f"a:text-is('{pid}')")
    assert page.page.locator("h1").inner_text().startswith(f"Patient {pid}")
    page.shot("patient-form")
    page.page.fill("#edit [name=kps_pre]", new)
    page.page.fill("#edit input[name=reason]", "corrected from the clinic letter")
    page.click("#edit button[type=submit]")
    assert page.page.locator("#edit [name=kps_pre]").input_value() == new
    rows = page.page.locator("#history tbody tr", has_text="corrected from the clinic letter")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[1] == "entry" and cells[4:8] == ["kps_pre", old, new,
                                                  "corrected from the clinic letter"]
    page.shot("patient-history")


def test_a_field_against_the_rules_is_refused_beside_the_field(imported, page):
    pid = _demo_rows()[1]["patient_id"]
    page.login("entry")
    page.goto(f"/patients/A/{pid}")
    page.page.fill("#edit [name=kps_pre]", "250")
    page.page.fill("#edit input[name=reason]", "typo test")
    page.click("#edit button[type=submit]")
    assert page.page.locator("[role=alert]").first.inner_text().startswith("Not saved")
    message = page.page.locator("tr.invalid #m-kps_pre")
    assert message.count() == 1 and "kps_pre" in message.inner_text()
    assert "250" in message.inner_text()
    assert page.page.locator("#history tbody tr", has_text="typo test").count() == 0


def test_run_the_analysis_see_the_report_and_download_a_word_table(imported, page, tmp_path):
    page.login("analyst")
    page.goto("/analyses")
    page.page.check("input[name=source][value=upload]")
    page.page.set_input_files("input[name=file]", str(DEMO))
    assert page.page.is_checked("input[name=beyond]")  # the whole study by default
    page.shot("analyses")
    page.click("form[action='/analyses'] button[type=submit]")
    # A marker in the page's JavaScript world: a full reload would remove it. With JavaScript
    # on, HTMX follows the job by swapping in #job-live; the noscript refresh does not fire.
    page.page.evaluate("window.__rtdelayMarker = 1")
    status = page.page.locator("#job-status")
    for _ in range(120):  # HTMX re-reads the page every 3 s while the job runs
        if status.inner_text() in ("done", "failed"):
            break
        page.page.wait_for_timeout(1000)
    assert status.inner_text() == "done", page.page.locator("main").inner_text()
    assert page.page.evaluate("window.__rtdelayMarker") == 1  # followed without a reload
    report = page.page.frame_locator("iframe.report")
    assert report.locator("h1").first.inner_text() != ""
    figures = report.locator("img, svg")
    assert figures.count() >= 2
    # The report comes first, in the first screen; the downloads follow it.
    frame = page.page.locator("iframe.report").bounding_box()
    downloads = page.page.locator("#downloads").bounding_box()
    assert frame["y"] < 300 and frame["height"] > 500
    assert downloads["y"] >= frame["y"] + frame["height"]
    first = page.page.locator("#downloads a").first
    assert first.inner_text() == "Every output (zip)"
    other = page.page.locator("#downloads details")
    assert not other.locator("a[href$='/files/tables/table1.csv']").is_visible()
    other.locator("summary").click()
    assert other.locator("a[href$='/files/tables/table1.csv']").is_visible()
    assert page.page.locator("#downloads li", has_text="fig2_pbr_risk").locator("a") \
        .all_inner_texts() == ["PDF", "PNG", "SVG"]
    page.shot("analysis-report")
    links = page.page.locator("h3:text-is('Word tables') + ul a")
    assert links.count() >= 1
    with page.page.expect_download() as info:
        links.first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".docx"
    with zipfile.ZipFile(target) as docx:
        assert "word/document.xml" in docx.namelist()
        assert "<w:tbl>" in docx.read("word/document.xml").decode()


def test_a_malformed_file_shows_the_row_messages(imported, page, tmp_path):
    rows = _demo_rows()[:4]
    rows[1] = {**rows[1], "patient_id": "BAD-AGE", "age": "two hundred"}
    rows[2] = {**rows[2], "patient_id": "BAD-DATE", "surgery_date": "2013-02-31"}
    rows = [{**r, "patient_id": r["patient_id"] + "-X"} for r in rows]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    bad = tmp_path / "cohort_with_errors.csv"
    bad.write_text(out.getvalue(), encoding="utf-8")
    page.login("admin")
    _upload(page, bad)
    counts = _counts(page)
    assert counts["rejected"] == 2 and counts["new"] == 2
    rejected = page.page.locator("#rejected tbody tr")
    texts = {r.locator("td").nth(1).inner_text(): r.locator("td").all_inner_texts()
             for r in rejected.all()}
    assert set(texts) == {"BAD-AGE-X", "BAD-DATE-X"}
    assert texts["BAD-AGE-X"][0] == "3"  # the line a person sees (header is line 1)
    assert "age" in texts["BAD-AGE-X"][2] and "two hundred" in texts["BAD-AGE-X"][2]
    assert "surgery_date" in texts["BAD-DATE-X"][2]
    page.shot("import-rejected")
    page.click("form[action='/imports/cancel'] button")
    garbage = tmp_path / "not_a_table.csv"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    _upload(page, garbage)
    assert page.page.locator("[role=alert]").count() >= 1
    assert "Traceback" not in page.page.content()
    page.shot("import-refused")
    page.logout()
    assert page.page.url.endswith("/login")


def test_a_viewer_sees_no_edit_form_and_cannot_post_one(page):
    page.login("viewer")
    page.goto("/patients/A/A-001")
    assert page.page.locator("h1").inner_text().startswith("Patient A-001")
    assert page.page.locator("form#edit").count() == 0
    assert page.page.locator("button:text('Save changes')").count() == 0
    assert page.page.locator("form#delete").count() == 0
    assert page.page.locator("input[name=kps_pre]").count() == 0
    csrf = page.page.locator("form[action='/logout'] input[name=csrf_token]").input_value()
    response = page.page.request.post(page.base + "/patients/A/A-001/edit", form={
        "csrf_token": csrf, "version": "1", "kps_pre": "10", "reason": "not allowed"},
        max_redirects=0)
    assert response.status == 403
    page.goto("/patients/A/A-001")
    assert page.page.locator("#history tbody tr", has_text="not allowed").count() == 0
    page.shot("patient-viewer")
