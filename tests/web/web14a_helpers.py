"""Helpers of the 14a web tests (a uniquely named module: Ciw ships a top-level ``tests``)."""

from __future__ import annotations

import re
from urllib.parse import quote


def csrf_of(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def signed_in(make_client, web, role, settings=None):
    """A client signed in as ``role`` and its session's CSRF token."""
    client = make_client(settings) if settings is not None else make_client()
    assert web.login(client, role).status_code == 303
    return client, web.session_csrf(client)


def url(site: str, patient_id: str, suffix: str = "") -> str:
    return f"/patients/{quote(site, safe='')}/{quote(patient_id, safe='')}{suffix}"


def version_of(client, site, patient_id) -> int:
    page = client.get(url(site, patient_id)).text
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def message_beside(text: str, field: str) -> str:
    """The messages shown in the cell beside ``field``."""
    found = re.search(rf'<td class="error" id="m-{field}">(.*?)</td>', text, re.S)
    return found.group(1) if found else ""


def audit_rows(db_url):
    from rtdelay.registry import audit_frame, cli_actor, open_registry

    reg = open_registry(db_url)
    try:
        with reg.session() as s:
            return audit_frame(s, cli_actor())
    finally:
        reg.dispose()


def stored_patient(db_url, site, patient_id, include_deleted=True):
    from rtdelay.registry import cli_actor, get_patient, open_registry

    reg = open_registry(db_url)
    try:
        with reg.session() as s:
            p = get_patient(s, cli_actor(), patient_id, site=site,
                            include_deleted=include_deleted)
            s.expunge(p)
            return p
    finally:
        reg.dispose()


HTMX_TAG = re.compile(r'<script src="[^"]*/static/htmx/htmx\.min\.js" defer></script>')


def foreign_scripts(html: str) -> list[str]:
    """Script tags of a page other than the one that loads HTMX from the package (none expected)."""
    return re.findall(r"<script[^>]*>", HTMX_TAG.sub("", html), flags=re.IGNORECASE)
