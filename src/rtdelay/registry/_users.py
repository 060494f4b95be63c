"""Sites, users and sign-in: argon2id password hashes (argon2-cffi), roles, site grants.

Passwords are hashed with argon2id (``argon2.PasswordHasher`` defaults, RFC 9106 low-memory
profile); the hash, never the password, is stored, and the audit trail records only that a
password was set. Sign-in attempts, good and bad, are audit events (``login``,
``login_failed``); a failed attempt says the same for an unknown user and a wrong password.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtdelay.errors import InputError
from rtdelay.registry._access import Actor, require
from rtdelay.registry._audit import record_event
from rtdelay.registry._models import ROLES, Site, User, UserSite

__all__ = ["add_site", "add_user", "authenticate", "actor_for", "hash_password", "set_password",
           "update_user"]

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """argon2id hash of ``password`` (at least 8 characters)."""
    from argon2 import PasswordHasher

    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
    return PasswordHasher().hash(password)


def add_site(session: Session, actor: Actor, code: str, name: str) -> Site:
    """Create a site (admin only). ``code``: 1-32 letters, digits, ``_ . -``."""
    require(actor, "admin")
    if not _CODE.fullmatch(code):
        raise InputError(
            f"site code {code!r} must be 1-32 letters, digits, '_', '.' or '-' (starting with a "
            "letter or digit)"
        )
    if not name.strip():
        raise InputError("the site name is blank")
    if session.scalar(select(Site).where(Site.code == code)) is not None:
        raise InputError(f"site {code!r} already exists")
    site = Site(code=code, name=name.strip())
    session.add(site)
    session.flush()
    return site


def add_user(
    session: Session, actor: Actor, name: str, *, role: str, password: str, sites: list[str]
) -> User:
    """Create a user with a role and the sites they may see (admin only).

    An ``admin`` sees every site; other roles need at least one site.
    """
    require(actor, "admin")
    if not _NAME.fullmatch(name):
        raise InputError(
            f"user name {name!r} must be 1-64 letters, digits, '_', '.', '@' or '-'"
        )
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise InputError(f"user {name!r} already exists")
    found: list[Site] = []
    for code in sites:
        site = session.scalar(select(Site).where(Site.code == code))
        if site is None:
            raise InputError(f"no site {code!r}: add it first with 'rtdelay site add'")
        found.append(site)
    if role != "admin" and not found:
        raise InputError(f"a user with role {role} needs at least one --site")
    user = User(name=name, role=role, password_hash=hash_password(password), active=True)
    session.add(user)
    session.flush()
    for site in found:
        session.add(UserSite(user_id=user.id, site_id=site.id))
    session.flush()
    return user


def set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    """Replace a user's password (the user themself or an admin)."""
    if actor.name != user.name:
        require(actor, "admin")
    user.password_hash = hash_password(password)
    session.flush()


def actor_for(session: Session, user: User) -> Actor:
    """The :class:`Actor` of a signed-in user (admins see every site)."""
    if user.role == "admin":
        return Actor(user.name, user.role, None)
    ids = session.scalars(select(UserSite.site_id).where(UserSite.user_id == user.id))
    return Actor(user.name, user.role, frozenset(ids))


def authenticate(session: Session, name: str, password: str) -> Actor | None:
    """Check a sign-in; audit it; return the actor, or None (unknown user or wrong password)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = PasswordHasher()
    user = session.scalar(select(User).where(User.name == name))
    ok = False
    if user is not None and user.active:
        try:
            ok = hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        try:  # same work for an unknown user, so timing does not tell names apart
            hasher.verify(_DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            pass
    shown = name[:64]
    if not ok or user is None:
        record_event(session, "login_failed", entity="user", entity_key=shown, actor=shown)
        return None
    if hasher.check_needs_rehash(user.password_hash):
        session.info["actor"] = session.info.get("actor") or user.name
        user.password_hash = hasher.hash(password)
    record_event(session, "login", entity="user", entity_key=str(user.id), actor=user.name)
    return actor_for(session, user)


_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$"
    "2ZlHXRiSyX2mTt0OTVGj2d5LiHOwNeNGu6Yf6E9wGTc"
)


def update_user(
    session: Session, actor: Actor, name: str, *, role: str | None = None,
    sites: list[str] | None = None, active: bool | None = None,
) -> User:
    """Change a user's role, granted sites or active flag (admin only); every change is audited
    (the grants as ``grant`` create/revoke rows). A non-admin role keeps at least one site.
    """
    require(actor, "admin")
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise InputError(f"no user {name!r}")
    if role is not None:
        if role not in ROLES:
            raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
        user.role = role
    if sites is not None:
        wanted: dict[int, Site] = {}
        for code in sites:
            site = session.scalar(select(Site).where(Site.code == code))
            if site is None:
                raise InputError(f"no site {code!r}")
            wanted[site.id] = site
        if user.role != "admin" and not wanted:
            raise InputError(f"a user with role {user.role} needs at least one site")
        grants = {g.site_id: g for g in session.scalars(
            select(UserSite).where(UserSite.user_id == user.id))}
        for site_id, grant in grants.items():
            if site_id not in wanted:
                session.delete(grant)
        for site_id in wanted:
            if site_id not in grants:
                session.add(UserSite(user_id=user.id, site_id=site_id))
    elif role is not None and role != "admin":
        has = session.scalar(select(UserSite.site_id).where(UserSite.user_id == user.id))
        if has is None:
            raise InputError(f"a user with role {role} needs at least one site")
    if active is not None:
        user.active = active
    session.flush()
    session.expire(user, ["sites"])
    return user
