"""report.html, methods.md and the flow diagram."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from rtdelay.report import flow_svg, write_report_outputs
from rtdelay.report.formatting import format_percent, format_rate_ci
from rtdelay.study._beyond import run_beyond


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _page(written):
    out, _, report = written
    return report["report"].read_text(encoding="utf-8")


def test_html_prints_the_one_year_rates_of_results_json(written):
    out, paths, _ = written
    doc = json.loads(paths["results"].read_text())
    page = _page(written)
    lc = doc["details"]["local_control"]["rates"]["all"]
    os_ = doc["details"]["overall_survival"]["rates"]["all"]
    assert (
        "The 1-year local control rate was "
        + format_rate_ci(lc["survival"], lc["lower"], lc["upper"], ci_label="95% CI")
    ) in page
    assert (
        "The 1-year overall survival rate was "
        + format_rate_ci(os_["survival"], os_["lower"], os_["upper"], ci_label="95% CI")
    ) in page
    for key in ("lc_1y", "os_1y"):
        for group in ("PBR", "NPBR"):
            assert format_percent(doc[key][group]) in page


def test_html_is_self_contained(written):
    page = _page(written)
    parser = _Collect()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags
    for tag, attrs in parser.tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not re.match(r"^(https?:)?//", value), (tag, attrs)
    assert tags.count("svg") >= 5  # flow diagram + Figures 2, 3, 4a, 4b inline
    assert "<?xml" not in page
    for ident in ("table1", "table2", "survival_rates", "complications", "flow-diagram",
                  "fig2_pbr_risk", "fig3_pbr_by_surgery", "fig4a_local_control", "fig4b_overall_survival"):
        assert f'id="{ident}"' in page, ident


def test_html_sections_follow_the_article(written):
    page = _page(written)
    order = [page.index(f'<section id="{s}"') for s in (
        "patients", "progression-before-rt", "prognosis", "patient-reported-outcomes", "complications",
        "beyond", "reproduction", "methods")]
    assert order == sorted(order)


def test_synthetic_banner_and_reproduction_table(written, results, tmp_path):
    page = _page(written)
    assert 'id="synthetic-banner"' in page and "Synthetic cohort for the tests." in page
    assert "1 of 2 article numbers reproduced within tolerance." in page
    assert "small &lt;sample&gt;" in page  # escaped
    assert "0.728" in page and "0.7301" in page
    real = write_report_outputs(results, out_dir=tmp_path)
    page = real["report"].read_text(encoding="utf-8")
    assert "synthetic-banner" not in page and 'id="reproduction"' not in page


def test_run_metadata_shown(written):
    out, paths, _ = written
    doc = json.loads(paths["results"].read_text())
    page = _page(written)
    assert doc["metadata"]["input_sha256"] in page
    assert "2026-01-02" in page
    assert doc["metadata"]["rtdelay_version"] in page


def test_methods_md_says_what_was_run(written, results):
    out, _, report = written
    text = report["methods"].read_text(encoding="utf-8")
    conf = results.local_control.curves["all"].conf_type
    assert f"on the {conf} scale" in text
    assert results.local_control.logrank.method in text
    assert "Wilcoxon signed-rank (normal approximation" in text
    assert "30.4375" in text
    for package in ("rtdelay", "numpy", "scipy", "pandas"):
        assert re.search(rf"{package} \d", text), package


def test_flow_diagram_counts_labels_and_escaping():
    flow = {
        "screened": 10,
        "exclusions": {"rt_elsewhere": 2, "custom": 1},
        "included": 7,
        "by_group": {"PBR": 3, "NPBR": 4},
        "labels": {"custom": "Age < 18 & other"},
    }
    svg = flow_svg(flow)
    root = ET.fromstring(svg)
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Patients screened" in text and "n = 10" in text
    assert "Radiotherapy given at another hospital (n\u00a0=\u00a02)" in text  # cohort label
    assert "Age < 18 & other (n\u00a0=\u00a01)" in text
    assert "Excluded (n = 3)" in text and "n = 3" in text and "n = 4" in text
    # without a flow: included and groups only
    root = ET.fromstring(flow_svg(None, n_by_group={"PBR": 1, "NPBR": 2}, included=3))
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Patients screened" not in text and "n = 3" in text


def test_progress_goes_to_the_callback_and_nothing_is_printed(results, tmp_path, capsys):
    steps: list[str] = []
    paths = write_report_outputs(results, out_dir=tmp_path, progress=steps.append)
    assert paths["report"] == tmp_path / "report.html"
    assert steps == [
        "Writing tables (csv, md, html, docx, tex)",
        "Drawing figures (png, svg, pdf)",
        "Writing methods.md and report.html",
    ]
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_import_is_light():
    code = (
        "import sys, rtdelay.report, rtdelay.report.tables, rtdelay.report.figures; "
        "print(sorted(m for m in ('matplotlib', 'jinja2', 'docx') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_report_opens_in_headless_chromium(written, tmp_path):
    report = written[2]["report"]
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
        "--dump-dom", report.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [ln for ln in proc.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert console == [], console
    dom = proc.stdout
    assert dom.count("<svg") >= 5
    for ident in ("table1", "table2", "survival_rates", "fig4a_local_control", "fig4b_overall_survival", "flow-diagram"):
        assert f'id="{ident}"' in dom, ident
    assert "The 1-year local control rate was" in dom


def test_beyond_section_when_results_carry_beyond(results, included, tmp_path):
    import types

    frame = included.assign(inspection_months=included["ti_months"])
    beyond = run_beyond(frame)
    with_beyond = types.SimpleNamespace(**{k: getattr(results, k) for k in results.__dataclass_fields__ if k != "beyond"}, beyond=beyond)
    out = write_report_outputs(with_beyond, out_dir=tmp_path)
    page = out["report"].read_text(encoding="utf-8")
    assert '<section id="beyond"' in page
    for ident in ("fig5_waiting_risk", "fig6_lc_competing", "beyond_waiting_risk", "beyond_lc_competing"):
        assert f'id="{ident}"' in page, ident
    est, lo, hi = beyond.competing.cif_at["PBR"]
    assert format_rate_ci(est, lo, hi) in page
    assert (tmp_path / "figures" / "fig5_waiting_risk.pdf").is_file()
    if beyond.cox.os_adjusted is not None:
        assert 'id="beyond_cox"' in page
    methods = out["methods"].read_text(encoding="utf-8")
    assert "Beyond the article" in methods
