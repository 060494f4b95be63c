"""The patient form shows the dictionary's labels, in sections, the column name as a hint."""

from __future__ import annotations

import html
import re

from web14a_helpers import signed_in, url


def test_every_column_has_a_distinct_human_label():
    from rtdelay.cohort import COLUMNS
    from rtdelay.web._patientform import field_label

    labels = {name: field_label(name)[0] for name in COLUMNS}
    assert all(label and label != name and "_" not in label for name, label in labels.items())
    assert len(set(labels.values())) == len(labels)
    assert labels["kps_pre"] == "Karnofsky performance status before surgery"
    assert labels["sins_posterolateral"] == "SINS: posterolateral involvement of spinal elements"
    assert field_label("patient_id") == (
        "Pseudonymous study number",
        "1-64 characters, unique, no names",
    )
    assert field_label("death_date") == ("Date of death", "blank = alive at last follow-up")
    assert field_label("rt_dose_gy") == ("Total prescription dose (Gy)", "")


def test_the_scores_have_a_section_of_their_own():
    from rtdelay.web._patientform import GROUPS

    groups = dict(GROUPS)
    scores = next(names for title, names in groups.items() if title.startswith("Scores"))
    assert scores[0] == "sins" and scores[-1] == "tokuhashi_palsy" and len(scores) == 18
    assert "escc_grade" in groups["Tumour and spine"]
    assert groups["MRI before radiotherapy"][0] == "prert_mri_date"


def test_the_page_shows_labels_with_the_column_as_a_hint_and_messages_beside(make_client, web):
    client, token = signed_in(make_client, web, "entry")
    text = client.get(url("A", "A-001")).text
    assert '<label for="f-kps_pre">Karnofsky performance status before surgery</label>' in text
    assert "<code>kps_pre</code>" in text
    assert re.search(r"<legend>Scores \(SINS, Tomita, revised Tokuhashi\)", text)
    assert ">kps_pre</label>" not in text  # the raw name is no longer the label
    version = re.search(r'name="version" value="(\d+)"', text).group(1)
    refused = client.post(
        url("A", "A-001") + "/edit",
        data={"csrf_token": token, "version": version, "kps_pre": "250", "reason": "typo"},
    )
    row = re.search(r'<tr class="invalid">(.*?)</tr>', refused.text, re.S).group(1)
    assert "Karnofsky performance status before surgery" in row
    message = re.search(r'id="m-kps_pre">(.*?)</td>', row, re.S).group(1)
    assert "250" in html.unescape(message)
