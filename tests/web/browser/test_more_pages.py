"""The pages the end-to-end test does not walk, in chromium: REDCap import (data + dictionary
through the preview and the commit), export (an analyst downloads a format; a viewer has no
link and is refused), administration (add a user, reset a password, revoke a session), the
calculators (score breakdowns checked against the papers' point tables; risk by wait with its
curve) and soft delete with a reason, then restore."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

DEMO = Path(__file__).parents[3] / "src" / "rtdelay" / "demo" / "data" / "cohort.csv"


def _redcap_files(tmp_path: Path) -> tuple[Path, Path]:
    """Three demo patients as a REDCap raw export (yes/no fields as 1/0, as REDCap writes them)
    and rtdelay's REDCap data dictionary without the complication form."""
    from rtdelay.cohort import COLUMNS, dictionary_redcap

    with DEMO.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:3]
    for i, row in enumerate(rows, 1):
        row["patient_id"] = f"RC-{i}"
        for name, value in row.items():
            if name in COLUMNS and COLUMNS[name].kind == "boolean" and value:
                row[name] = "1" if value.lower() == "true" else "0"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    export = tmp_path / "redcap_export.csv"
    export.write_text(out.getvalue(), encoding="utf-8")
    dictionary = tmp_path / "redcap_dictionary.csv"
    dictionary.write_text(
        "".join(
            line for line in dictionary_redcap().splitlines(True) if not line.startswith("comp_")
        ),
        encoding="utf-8",
    )
    return export, dictionary


def test_redcap_export_and_dictionary_through_the_preview_and_commit(page, tmp_path):
    export, dictionary = _redcap_files(tmp_path)
    page.login("entry")
    page.goto("/imports")
    page.page.set_input_files("#upload input[name=file]", str(export))
    page.page.set_input_files("#upload input[name=dictionary]", str(dictionary))
    page.page.select_option("#upload select[name=site]", "A")
    page.click("#upload button[type=submit]")
    assert page.page.locator("h1").inner_text() == "Import preview: redcap_export.csv"
    assert page.page.locator("#counts").inner_text().startswith("New: 3 · changed: 0")
    assert page.page.locator("#new tbody td:nth-child(3)").all_inner_texts() == [
        "RC-1",
        "RC-2",
        "RC-3",
    ]
    page.shot("import-redcap-preview")
    page.page.fill("#commit input[name=reason]", "REDCap export of the study")
    page.click("#commit button[type=submit]")
    assert page.page.locator("h1").inner_text().startswith("Imported")
    page.goto("/patients?q=RC-")
    assert page.page.locator("a:text-matches('^RC-[123]$')").count() == 3
    page.click("a:text-is('RC-2')")
    with DEMO.open(newline="", encoding="utf-8") as handle:
        second = list(csv.DictReader(handle))[1]
    assert page.page.locator("#edit [name=age]").input_value() == second["age"]
    expected = "true" if second["surgery_at_site"].lower() == "true" else "false"
    assert page.page.locator("#edit [name=surgery_at_site]").input_value() == expected


def test_an_analyst_downloads_an_export_and_a_viewer_cannot(pages, tmp_path):
    analyst = pages()
    analyst.login("analyst")
    analyst.click("nav a[href='/export']")
    analyst.page.select_option("#export select[name=format]", "xlsx")
    analyst.shot("export")
    with analyst.page.expect_download() as info:
        analyst.page.click("#export button[type=submit]")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name == "rtdelay-registry-all.zip"
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert any(n.endswith(".xlsx") for n in names) and len(names) == 2
        cohort = next(n for n in names if "complication" not in n)
        import openpyxl

        with archive.open(cohort) as handle:
            sheet = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True).active
            ids = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "A-001" in ids and "B-001" not in ids  # the analyst's site only
    viewer = pages()
    viewer.login("viewer")
    assert viewer.page.locator("a[href='/export']").count() == 0
    response = viewer.goto("/export")
    assert response.status == 403
    assert viewer.page.locator("h1").inner_text() == "Not allowed"
    viewer.goto("/")
    csrf = viewer.page.locator("form[action='/logout'] input[name=csrf_token]").input_value()
    posted = viewer.page.request.post(
        viewer.base + "/export", max_redirects=0, form={"csrf_token": csrf, "format": "csv"}
    )
    assert posted.status == 403 and "zip" not in posted.headers.get("content-type", "")


def _row(page, table: str, text: str):
    return page.page.locator(f"#{table} tbody tr", has_text=text)


def test_administration_add_a_user_reset_a_password_revoke_a_session(pages):
    admin = pages()
    admin.login("admin")
    admin.click("nav a[href='/admin']")
    admin.page.fill("#add-user input[name=name]", "nurse")
    admin.page.select_option("#add-user select[name=role]", "entry")
    admin.page.check("#add-user input[name=sites][value=A]")
    admin.page.fill("#add-user input[name=password]", "first password 1")
    admin.page.fill("#add-user input[name=reason]", "new study nurse")
    admin.click("#add-user button[type=submit]")
    assert admin.page.locator("[role=alert]").count() == 0
    assert _row(admin, "users", "nurse").count() == 1
    nurse = pages()
    nurse.login("nurse", "first password 1")
    assert nurse.page.url == nurse.base + "/"
    assert nurse.page.locator("a[href='/patients/new']").count() == 1  # an entry user
    # The administrator resets the password: the old one stops working, the new one works.
    admin.goto("/admin")
    row = _row(admin, "users", "nurse")
    row.locator("input[name=password]").fill("second password 2")
    admin.click("#users tbody tr:has-text('nurse') form[action='/admin/users/password'] button")
    assert admin.page.locator("[role=alert]").count() == 0
    admin.shot("admin")
    other = pages()
    other.login("nurse", "first password 1")
    assert other.page.url.endswith("/login")
    other.login("nurse", "second password 2")
    assert other.page.url == other.base + "/"
    # Revoking the nurse's sessions signs them out on their next page.
    admin.goto("/admin")
    sessions = _row(admin, "sessions", "nurse")
    assert sessions.count() >= 1
    while _row(admin, "sessions", "nurse").count():
        admin.click("#sessions tbody tr:has-text('nurse') button")
    for signed_out in (nurse, other):
        signed_out.goto("/patients")
        assert signed_out.page.url.endswith("/login")
    admin.goto("/patients")
    assert admin.page.url.endswith("/patients")  # the administrator's own session lives on


def _compute(page, score: str, choices: dict[str, str]) -> tuple[str, dict[str, str]]:
    form = page.page.locator(f"form:has(input[name=score][value={score}])")
    for name, level in choices.items():
        form.locator(f"select[name='{name}']").select_option(level)
    page.click(f"form:has(input[name=score][value={score}]) button")
    heading = page.page.locator("#result h2").inner_text()
    points = {}
    for row in page.page.locator("#result tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        if len(cells) == 3:
            points[cells[0]] = cells[2]
    return heading, points


def test_calculators_give_the_papers_points_and_the_risk_curve(page):
    page.login("viewer")
    page.click("nav a[href='/calculators']")
    # SINS (Fisher et al. 2010): junctional 3, mechanical pain 3, lytic 2, normal alignment 0,
    # collapse < 50 % 2, unilateral posterolateral 1: 11, potentially unstable (7-12).
    heading, points = _compute(
        page,
        "sins",
        {
            "location": "junctional",
            "pain": "mechanical",
            "lesion": "lytic",
            "alignment": "normal",
            "collapse": "under50",
            "posterolateral": "unilateral",
        },
    )
    assert heading == "SINS: 11 (potentially unstable)"
    assert points == {
        "location": "3",
        "pain": "3",
        "lesion": "2",
        "alignment": "0",
        "collapse": "2",
        "posterolateral": "1",
    }
    page.shot("calculator-sins")
    # Tomita (2001): rapid growth 4, treatable visceral 2, multiple bone 2: 8.
    heading, points = _compute(
        page, "tomita", {"growth": "rapid", "visceral": "treatable", "bone": "multiple"}
    )
    assert heading.startswith("TOMITA: 8")
    assert points == {"growth": "4", "visceral": "2", "bone": "2"}
    # Revised Tokuhashi (2005): good KPS 2, no extraspinal 2, one vertebra 2, no organ
    # metastases 2, breast 5, Frankel E 2: 15 (12-15 band).
    heading, points = _compute(
        page,
        "tokuhashi",
        {
            "kps": "good",
            "extraspinal": "0",
            "vertebral": "1",
            "organ": "none",
            "primary": "breast",
            "palsy": "E",
        },
    )
    assert heading.startswith("TOKUHASHI: 15")
    assert points == {
        "kps": "2",
        "extraspinal": "2",
        "vertebral": "2",
        "organ": "2",
        "primary": "5",
        "palsy": "2",
    }
    # Bilsky ESCC: grade 2 is high grade, 1b low grade.
    heading, _ = _compute(page, "escc", {"grade": "2"})
    assert heading == "ESCC: 2 (high grade)"
    heading, _ = _compute(page, "escc", {"grade": "1b"})
    assert heading == "ESCC: 1b (low grade)"
    # Risk by wait: the table, its band and the curve (an SVG the page shows).
    page.click("a[href='/calculators/risk']")
    page.page.select_option("select[name=histology]", "lung")
    page.page.fill("input[name=weeks]", "2, 6, 12")
    page.click("form[action='/calculators/risk'] button")
    rows = page.page.locator("#result tbody tr")
    assert rows.count() == 3
    risks = []
    for row in rows.all():
        wait, risk, band = row.locator("td").all_inner_texts()
        low, high = (float(x) for x in re.findall(r"[\d.]+", band))
        value = float(risk.rstrip(" %"))
        assert 0 <= low <= value <= high <= 100, (wait, risk, band)
        risks.append(value)
    assert risks == sorted(risks)  # a longer wait never lowers the predicted risk
    image = page.page.locator("#result figure img")
    page.page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    svg = page.page.request.get(page.base + image.get_attribute("src"))
    assert svg.status == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in svg.text()
    page.shot("calculator-risk")


def test_soft_delete_with_a_reason_and_restore(pages):
    entry = pages()
    entry.login("entry")
    entry.goto("/patients/A/A-001")
    entry.page.fill("#delete input[name=reason]", "duplicate of another record")
    entry.click("#delete button[type=submit]")
    assert entry.page.url.endswith("/patients")
    assert entry.page.locator("a:text-is('A-001')").count() == 0
    assert entry.goto("/patients/A/A-001").status == 404  # gone for the site's users
    admin = pages()
    admin.login("admin")
    admin.goto("/patients?deleted=true")
    row = admin.page.locator("tbody tr", has_text="A-001")
    assert row.count() == 1 and "duplicate of another record" in row.inner_text()
    admin.click("a:text-is('A-001')")
    assert "duplicate of another record" in admin.page.locator("#deleted").inner_text()
    assert admin.page.locator("#edit").count() == 0  # a deleted record is not edited
    admin.shot("patient-deleted")
    admin.page.fill("form[action$='/restore'] input[name=reason]", "not a duplicate after all")
    admin.click("form[action$='/restore'] button")
    assert admin.page.locator("#deleted").count() == 0
    history = admin.page.locator("#history tbody").inner_text()
    assert "duplicate of another record" in history and "not a duplicate after all" in history
    entry.goto("/patients")
    assert entry.page.locator("a:text-is('A-001')").count() == 1
    assert entry.goto("/patients/A/A-001").status == 200
