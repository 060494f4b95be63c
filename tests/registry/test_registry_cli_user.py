"""``--user NAME`` on the registry commands, complication edits and the multi-site export note."""

from __future__ import annotations

import json

import pandas as pd
from registry_rows import make_rows, run_rtdelay, write_csv

_rtdelay = run_rtdelay


def _ok(res):
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def _error(res, text):
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0] and "Traceback" not in res.stderr, lines


def _registry(tmp_path):
    db = ["--db", f"sqlite:///{tmp_path / 'r.db'}"]
    _ok(_rtdelay("registry", "init", *db))
    _ok(_rtdelay("site", "add", "A", "Hospital A", *db))
    _ok(_rtdelay("site", "add", "B", "Hospital B", *db))
    _ok(
        _rtdelay("user", "add", "nina", "--role", "entry", "--site", "A", *db, stdin="password-n\n")
    )
    _ok(
        _rtdelay("user", "add", "vic", "--role", "viewer", "--site", "A", *db, stdin="password-v\n")
    )
    _ok(
        _rtdelay(
            "user",
            "add",
            "ann",
            "--role",
            "analyst",
            "--site",
            "A",
            "--site",
            "B",
            *db,
            stdin="password-a\n",
        )
    )
    return db


def test_user_option_acts_as_that_user_with_their_role_and_sites(tmp_path):
    db = _registry(tmp_path)
    rows = make_rows(3, seed=2)
    path = write_csv(rows, tmp_path / "c.csv")
    _error(
        _rtdelay("registry", "import", path, "--site", "A", "--user", "vic", *db), "may not import"
    )
    _error(
        _rtdelay("registry", "import", path, "--site", "B", "--user", "nina", *db), "no site 'B'"
    )  # another site answers as not found
    _error(
        _rtdelay("registry", "import", path, "--site", "A", "--user", "nobody", *db),
        "no active user 'nobody'",
    )
    _ok(_rtdelay("registry", "import", path, "--site", "A", "--user", "nina", *db))
    _error(
        _rtdelay("registry", "export", "--out", tmp_path / "x.csv", "--user", "nina", *db),
        "may not export",
    )
    _ok(_rtdelay("registry", "export", "--out", tmp_path / "x.csv", "--user", "ann", *db))
    _error(
        _rtdelay("registry", "audit-export", "--out", tmp_path / "a.csv", "--user", "ann", *db),
        "may not audit",
    )
    _error(_rtdelay("site", "add", "C", "Hospital C", "--user", "nina", *db), "may not admin")
    _error(
        _rtdelay("registry", "backup", tmp_path / "b.bin", "--user", "ann", *db), "may not admin"
    )
    _ok(_rtdelay("registry", "audit-export", "--out", tmp_path / "a.csv", *db))
    audit = pd.read_csv(tmp_path / "a.csv", dtype=str)
    created = audit[(audit["entity"] == "patient") & (audit["action"] == "create")]
    assert set(created["actor"]) == {"nina"}
    exports = audit[audit["action"] == "export"]
    assert list(exports["actor"]) == ["ann"]


def test_complications_are_listed_and_edited_from_the_command_line(tmp_path):
    db = _registry(tmp_path)
    rows = make_rows(1, seed=3)
    pid = rows["patient_id"].iloc[0]
    comps = pd.DataFrame(
        {
            "patient_id": [pid],
            "phase": ["surgery"],
            "complication": ["wound infection"],
            "date": [""],
        }
    )
    _ok(
        _rtdelay(
            "registry",
            "import",
            write_csv(rows, tmp_path / "c.csv"),
            "--site",
            "A",
            "--complications",
            write_csv(comps, tmp_path / "k.csv"),
            *db,
        )
    )
    listed = json.loads(_ok(_rtdelay("registry", "complications", pid, "--json", *db)))
    assert [(c["phase"], c["complication"], c["version"]) for c in listed] == [
        ("surgery", "wound infection", 1)
    ]
    cid = str(listed[0]["id"])
    _error(
        _rtdelay("registry", "edit-complication", cid, "--reason", "x", "--user", "vic", *db),
        "nothing to edit",
    )
    _error(
        _rtdelay(
            "registry",
            "edit-complication",
            cid,
            "--reason",
            "x",
            "--phase",
            "RT",
            "--user",
            "vic",
            *db,
        ),
        "may not write",
    )
    _error(
        _rtdelay(
            "registry", "edit-complication", cid, "--reason", "x", "--date", "32/13/2020", *db
        ),
        "complication",
    )
    assert "version 2" in _ok(
        _rtdelay(
            "registry",
            "edit-complication",
            cid,
            "--reason",
            "chart review",
            "--complication",
            "CSF leak",
            "--version",
            "1",
            "--user",
            "nina",
            *db,
        )
    )
    _error(
        _rtdelay(
            "registry",
            "edit-complication",
            cid,
            "--reason",
            "again",
            "--phase",
            "RT",
            "--version",
            "1",
            *db,
        ),
        "changed by someone else",
    )
    history = json.loads(_ok(_rtdelay("registry", "history", pid, "--json", *db)))
    edits = [h for h in history if h["entity"] == "complication" and h["action"] == "update"]
    assert [
        (h["actor"], h["field"], h["old_value"], h["new_value"], h["reason"]) for h in edits
    ] == [("nina", "complication", "wound infection", "CSF leak", "chart review")]


def test_export_of_sites_sharing_an_id_says_so_or_qualifies(tmp_path):
    db = _registry(tmp_path)
    rows = make_rows(2, seed=4)
    two = pd.concat([rows.assign(site="A"), rows.assign(site="B")], ignore_index=True)
    _ok(_rtdelay("registry", "import", write_csv(two, tmp_path / "m.csv"), *db))
    res = _rtdelay("registry", "export", "--out", tmp_path / "e.csv", *db)
    assert (
        res.returncode == 0
        and "repeat across sites" in res.stderr
        and "--qualify-ids" in res.stderr
    )
    res = _rtdelay("registry", "export", "--out", tmp_path / "q.csv", "--qualify-ids", *db)
    assert res.returncode == 0 and "repeat" not in res.stderr
    exported = pd.read_csv(tmp_path / "q.csv", dtype=str)
    assert exported["patient_id"].is_unique
    assert set(exported["patient_id"]) == {f"{s}:{p}" for s in "AB" for p in rows["patient_id"]}


def test_analyze_registry_of_sites_sharing_ids_keeps_every_patient(tmp_path):
    db = _registry(tmp_path)
    rows = make_rows(12, seed=12)
    _ok(_rtdelay("registry", "import", write_csv(rows, tmp_path / "a.csv"), "--site", "A", *db))
    _ok(_rtdelay("registry", "import", write_csv(rows, tmp_path / "b.csv"), "--site", "B", *db))
    out = tmp_path / "run"
    res = _rtdelay("analyze", "--registry", db[1], "--out", out, "--quiet")
    assert res.returncode == 0, res.stderr
    used = pd.read_csv(out / "registry_cohort.csv", dtype=str)
    assert len(used) == 24 and used["patient_id"].is_unique
    assert not (out / "quarantine.csv").exists() or len(pd.read_csv(out / "quarantine.csv")) == 0
