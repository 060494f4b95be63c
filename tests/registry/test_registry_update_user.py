"""update_user: role, site grants and active flag, admin only, audited field by field."""

from __future__ import annotations

import pytest

from rtdelay.errors import InputError


def test_update_user_changes_role_sites_and_active_and_is_audited(registry, admin):
    from rtdelay.registry import (
        Actor,
        PermissionDeniedError,
        actor_for,
        add_site,
        add_user,
        audit_frame,
        update_user,
    )

    with registry.session(actor=admin.name, write=True, reason="setup") as s:
        add_site(s, admin, "S1", "one")
        add_site(s, admin, "S2", "two")
        add_user(s, admin, "ann", role="viewer", password="long password", sites=["S1"])
    with registry.session(actor=admin.name, write=True, reason="promotion") as s:
        user = update_user(s, admin, "ann", role="entry", sites=["S2"], active=True)
        actor = actor_for(s, user)
        assert actor.role == "entry" and len(actor.site_ids or ()) == 1
        assert [site.code for site in user.sites] == ["S2"]
    with registry.session(actor=admin.name, write=True) as s:
        with pytest.raises(InputError, match="at least one site"):
            update_user(s, admin, "ann", sites=[])
        with pytest.raises(InputError, match="no site"):
            update_user(s, admin, "ann", sites=["S9"])
        with pytest.raises(InputError, match="role"):
            update_user(s, admin, "ann", role="owner")
        with pytest.raises(InputError, match="no user"):
            update_user(s, admin, "bob", active=False)
        with pytest.raises(PermissionDeniedError):
            update_user(s, Actor("ann", "entry", frozenset()), "ann", role="admin")
    with registry.session(actor=admin.name, write=True, reason="left") as s:
        update_user(s, admin, "ann", active=False)
    with registry.session() as s:
        frame = audit_frame(s, admin)
    promoted = frame[frame["reason"] == "promotion"]
    assert set(promoted["entity"]) == {"user", "grant"}
    assert set(promoted["action"]) == {"update", "create", "revoke"}
    assert ((frame["field"] == "active") & (frame["reason"] == "left")).any()
