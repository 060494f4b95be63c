"""Bearer tokens of the JSON API: created for a user, stored as SHA-256 only, revocable.

A token is 32 random bytes (``secrets.token_urlsafe``) prefixed ``rtd_``; it is shown once, at
creation, and only its SHA-256 is stored (``api_tokens.token_hash``): a copy of the database
does not give API access. Creating and revoking a token are audit events; using one updates
``last_used_at`` (at most once a minute, in a transaction of its own).
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtdelay.registry._access import Actor, require
from rtdelay.registry._audit import record_event
from rtdelay.registry._errors import NotFoundError
from rtdelay.registry._models import ApiToken, User, utcnow

__all__ = ["create_api_token", "revoke_api_token", "token_record", "token_user",
           "touch_api_token", "token_hash"]

PREFIX = "rtd_"


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a token: what the table stores."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_api_token(session: Session, actor: Actor, user_name: str, *,
                     label: str | None = None) -> str:
    """A new token for ``user_name`` (admin, or the user themself); return it (shown once)."""
    if actor.name != user_name:
        require(actor, "admin")
    user = session.scalar(select(User).where(User.name == user_name))
    if user is None or not user.active:
        raise NotFoundError(f"no active user {user_name!r}")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(token_hash=token_hash(token), user_id=user.id, label=label,
                   created_at=utcnow())
    session.add(row)
    session.flush()
    record_event(session, "token_create", entity="user", entity_key=user.name,
                 detail=f"API token {row.id}")
    return token


def revoke_api_token(session: Session, actor: Actor, token_id: int) -> None:
    """Revoke token ``token_id`` (admin, or its user)."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFoundError(f"no API token {token_id}")
    owner = session.get(User, row.user_id)
    if owner is None or owner.name != actor.name:
        require(actor, "admin")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        record_event(session, "token_revoke", entity="user",
                     entity_key=owner.name if owner else None, detail=f"API token {row.id}")


def token_record(session: Session, token: str) -> ApiToken | None:
    """The live (not revoked) token row of ``token`` whose user is active, or None.

    Read only: record the use with :func:`touch_api_token` in a write transaction of its own
    (on SQLite, upgrading a read transaction to a write can fail when another writer has
    committed since it began).
    """
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return row


def token_user(session: Session, token: str) -> User | None:
    """The active user of a live token, or None (read only; see :func:`token_record`)."""
    row = token_record(session, token)
    return session.get(User, row.user_id) if row is not None else None


def touch_api_token(session: Session, token_id: int) -> None:
    """Record that token ``token_id`` was used now (``last_used_at``)."""
    row = session.get(ApiToken, token_id)
    if row is not None:
        row.last_used_at = utcnow()
        session.flush()
