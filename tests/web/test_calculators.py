"""Calculators: score breakdowns (hand-computed totals), the risk-by-wait page and figure."""

from __future__ import annotations

import pytest
from web14a_helpers import foreign_scripts

pytest.importorskip("fastapi")


@pytest.fixture
def viewer(make_client, web):
    from rtdelay.web import WebSettings

    client = make_client(WebSettings(run_worker=False))
    assert web.login(client, "viewer").status_code == 303
    return client


# Totals by hand from the points tables (DOMAIN.md): SINS junctional 3 + mechanical 3 + lytic 2
# + subluxation 4 + collapse > 50 % 3 + bilateral 3 = 18 (13-18: unstable); Tomita rapid 4 +
# untreatable visceral 4 + multiple bone 2 = 10; revised Tokuhashi good KPS 2 + no extraspinal
# focus 2 + one vertebra 2 + no organ metastasis 2 + prostate 5 + Frankel E 2 = 15.
CASES = [
    ({"score": "sins", "location": "junctional", "pain": "mechanical", "lesion": "lytic",
      "alignment": "subluxation", "collapse": "over50", "posterolateral": "bilateral"},
     "18", "unstable"),
    ({"score": "sins", "location": "rigid", "pain": "none", "lesion": "blastic",
      "alignment": "normal", "collapse": "none", "posterolateral": "none"}, "0", "stable"),
    ({"score": "tomita", "growth": "rapid", "visceral": "untreatable", "bone": "multiple"},
     "10", None),
    ({"score": "tokuhashi", "kps": "good", "extraspinal": "0", "vertebral": "1",
      "organ": "none", "primary": "prostate", "palsy": "E"}, "15", None),
    ({"score": "escc", "grade": "1c"}, "1c", "low grade"),
]


@pytest.mark.parametrize(("params", "total", "category"), CASES)
def test_score_with_breakdown(viewer, params, total, category):
    page = viewer.get("/calculators", params=params)
    assert page.status_code == 200
    assert f": {total} (" in page.text
    if category:
        assert f"({category})" in page.text
    if params["score"] != "escc":
        for key in params:
            if key != "score":
                assert f"<td>{key}</td>" in page.text  # one row per component
    assert foreign_scripts(page.text) == []


def test_bad_component_gives_the_allowed_values(viewer):
    page = viewer.get("/calculators", params={"score": "tomita", "growth": "fast",
                                              "visceral": "none", "bone": "solitary"})
    assert page.status_code == 400 and "slow" in page.text and "class=\"error\"" in page.text
    page = viewer.get("/calculators", params={"score": "sins", "location": "mobile"})
    assert page.status_code == 400 and "missing" in page.text
    assert viewer.get("/calculators", params={"score": "nope"}).status_code == 400


def test_risk_on_the_demo_cohort_says_it_is_synthetic(viewer):
    page = viewer.get("/calculators/risk", params={"histology": "lung", "surgery":
                                                   "separation", "escc": "2", "weeks": "4,8"})
    assert page.status_code == 200
    text = page.text
    assert "the synthetic demo cohort" in text and "not real patients" in text
    assert text.count("<tr><td>") == 2  # two waits
    assert 'src="/calculators/risk.svg?histology=lung&amp;surgery=separation' in text
    svg = viewer.get("/calculators/risk.svg", params={"histology": "lung"})
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in svg.content and b"<script" not in svg.content
    png = viewer.get("/calculators/risk.png", params={"histology": "lung"})
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"


def test_risk_bad_input(viewer):
    page = viewer.get("/calculators/risk", params={"histology": "martian"})
    assert page.status_code == 400 and "histology must be one of" in page.text
    page = viewer.get("/calculators/risk", params={"histology": "lung", "weeks": "soon"})
    assert page.status_code == 400 and "numbers of weeks" in page.text
    page = viewer.get("/calculators/risk", params={"histology": "lung", "weeks": "-3"})
    assert page.status_code == 400
    assert viewer.get("/calculators/risk.svg", params={"histology": "x"}).status_code == 400
    assert viewer.get("/calculators/risk").status_code == 200  # the empty form


def test_risk_uses_the_registry_when_it_has_enough_patients(make_client, web):
    from rtdelay.demo import demo_cohort_path
    from rtdelay.registry import cli_actor, import_table, read_import_file
    from rtdelay.web import WebSettings

    client = make_client(WebSettings(run_worker=False, min_registry_patients=30))
    reg = client.app.state.registry
    import_table(reg, cli_actor(), read_import_file(demo_cohort_path()), site="A",
                 reason="test")
    assert web.login(client, "viewer").status_code == 303
    page = client.get("/calculators/risk", params={"histology": "breast"})
    assert page.status_code == 200
    assert "the registry (" in page.text and "eligible patients of your sites" in page.text
    assert "synthetic" not in page.text
    # a user of site B (one patient) still gets the demo model
    from rtdelay.registry import add_user

    with reg.session(actor="cli", write=True) as s:
        add_user(s, cli_actor(), "viewer_b", role="viewer", password=web.PASSWORD,
                 sites=["B"])
    other = make_client(WebSettings(run_worker=False))
    assert web.login(other, "viewer_b").status_code == 303
    assert "synthetic demo cohort" in other.get("/calculators/risk",
                                                params={"histology": "breast"}).text
