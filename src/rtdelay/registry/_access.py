"""Who may do what: actors, roles, permissions and site-scoped queries.

An :class:`Actor` is the user a unit of work runs for: a name (recorded in the audit trail), a
role and the sites granted to them (``None``: every site, administrators and the local command
line). Every query of patients, complications and audit rows goes through :func:`patients_query`
or :func:`visible_site_ids`, so a record of a site the actor may not see is *not found*
(:class:`NotFoundError`), exactly like a record that does not exist: its existence does not leak.
A role that lacks a permission gets :class:`PermissionDeniedError` (403 in the web app).

Roles and permissions:

=========  ====================================================
viewer     read
entry      read, write, import
analyst    read, export, analyze
admin      all of the above, audit, admin (users, sites)
=========  ====================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from rtdelay.registry._errors import NotFoundError, PermissionDeniedError
from rtdelay.registry._models import ROLES, Patient, Site

__all__ = [
    "Actor",
    "PERMISSIONS",
    "require",
    "visible_site_ids",
    "patients_query",
    "get_patient",
    "resolve_site",
    "cli_actor",
]

PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "entry": frozenset({"read", "write", "import"}),
    "analyst": frozenset({"read", "export", "analyze"}),
    "admin": frozenset({"read", "write", "import", "export", "analyze", "audit", "admin"}),
}


@dataclass(frozen=True)
class Actor:
    """The user a unit of work runs for.

    Attributes
    ----------
    name : str
        Recorded as ``actor`` in every audit row.
    role : str
        One of ``viewer``, ``entry``, ``analyst``, ``admin``.
    site_ids : frozenset of int or None
        The sites granted; None = every site.
    """

    name: str
    role: str
    site_ids: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise PermissionDeniedError(f"unknown role {self.role!r} (roles: {', '.join(ROLES)})")

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role]

    def sees(self, site_id: int | None) -> bool:
        return self.site_ids is None or site_id in self.site_ids

    def restricted_to(self, site_ids: frozenset[int]) -> Actor:
        """The same actor limited to ``site_ids`` (intersected with what it may see)."""
        allowed = site_ids if self.site_ids is None else site_ids & self.site_ids
        return Actor(self.name, self.role, frozenset(allowed))


def cli_actor() -> Actor:
    """The local command line: the operating-system user, as administrator of every site."""
    import getpass

    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        who = "unknown"
    return Actor(name=f"cli:{who}"[:64], role="admin", site_ids=None)


def require(actor: Actor, permission: str) -> None:
    """Raise :class:`PermissionDeniedError` unless the actor's role allows ``permission``."""
    if not actor.can(permission):
        raise PermissionDeniedError(
            f"user {actor.name!r} (role {actor.role}) may not {permission} in the registry"
        )


def visible_site_ids(session: Session, actor: Actor) -> list[int]:
    """Ids of the sites the actor sees."""
    query = select(Site.id).order_by(Site.id)
    if actor.site_ids is not None:
        query = query.where(Site.id.in_(sorted(actor.site_ids)))
    return list(session.scalars(query))


def resolve_site(session: Session, actor: Actor, code: str) -> Site:
    """The site with ``code`` if the actor sees it; else :class:`NotFoundError`."""
    site = session.scalar(select(Site).where(Site.code == code))
    if site is None or not actor.sees(site.id):
        raise NotFoundError(f"no site {code!r} in this registry")
    return site


def patients_query(actor: Actor, *, include_deleted: bool = False) -> Select[Any]:
    """``select(Patient)`` limited to the actor's sites (and to live records by default)."""
    query = select(Patient)
    if actor.site_ids is not None:
        query = query.where(Patient.site_id.in_(sorted(actor.site_ids)))
    if not include_deleted:
        query = query.where(Patient.deleted_at.is_(None))
    return query


def get_patient(
    session: Session,
    actor: Actor,
    patient_id: str,
    *,
    site: str | None = None,
    include_deleted: bool = False,
) -> Patient:
    """One patient by study number (and site code when the number is not unique).

    Raises
    ------
    NotFoundError
        No such patient among the sites the actor sees (another site's patient answers the
        same), or a deleted one without ``include_deleted``.
    """
    require(actor, "read")
    query = patients_query(actor, include_deleted=include_deleted).where(
        Patient.patient_id == patient_id
    )
    if site is not None:
        query = query.join(Site, Site.id == Patient.site_id).where(Site.code == site)
    found = list(session.scalars(query))
    if not found:
        raise NotFoundError(f"no patient {patient_id!r} in this registry")
    if len(found) > 1:
        codes = sorted(p.site.code for p in found)
        raise NotFoundError(
            f"patient {patient_id!r} exists in several sites ({', '.join(codes)}): name the site"
        )
    return found[0]
