"""Helpers of the analysis, calculator and API tests (imported as ``web_jobs_helpers``)."""

from __future__ import annotations

from pathlib import Path

PASSWORD = "correct horse battery"
ROLES = ("viewer", "entry", "analyst", "admin")


def make_registry(path: Path, *, patients: bool = True) -> str:
    """A registry at ``path`` with sites A and B, one user per role of site A (admin: all),
    ``viewer_b`` and ``analyst_b`` of site B, ``lonely_admin`` (admin), and 3 patients."""
    from registry_rows import make_rows

    from rtdelay.registry import add_site, add_user, cli_actor, create_patient, init_registry

    url = f"sqlite:///{path}"
    reg, _ = init_registry(url)
    admin = cli_actor()
    with reg.session(actor=admin.name, write=True, reason="test setup") as s:
        add_site(s, admin, "A", "Hospital A")
        add_site(s, admin, "B", "Hospital B")
        for role in ROLES:
            add_user(s, admin, role, role=role, password=PASSWORD,
                     sites=[] if role == "admin" else ["A"])
        add_user(s, admin, "viewer_b", role="viewer", password=PASSWORD, sites=["B"])
        add_user(s, admin, "analyst_b", role="analyst", password=PASSWORD, sites=["B"])
        add_user(s, admin, "analyst_ab", role="analyst", password=PASSWORD, sites=["A", "B"])
        if patients:
            rows = make_rows(3)
            for i, (site, pid) in enumerate([("A", "A-001"), ("A", "A-002"), ("B", "B-001")]):
                row = {k: v for k, v in rows.iloc[i].to_dict().items()
                       if v == v and v is not None}
                create_patient(s, admin, site, {**row, "patient_id": pid})
    reg.dispose()
    return url


def token_for(url: str, name: str) -> str:
    """A new API token of user ``name``."""
    from rtdelay.registry import cli_actor, create_api_token, open_registry

    reg = open_registry(url)
    actor = cli_actor()
    with reg.session(actor=actor.name, write=True) as s:
        token = create_api_token(s, actor, name)
    reg.dispose()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def demo_bytes() -> bytes:
    """The synthetic demo cohort as csv bytes."""
    from rtdelay.demo import demo_cohort_path

    return Path(demo_cohort_path()).read_bytes()
