"""Server-side sessions in the registry database (table ``web_sessions``): revocable, with
idle and absolute timeouts. Only the SHA-256 of the session token is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from rtdelay.registry import User, web_sessions
from rtdelay.web._settings import WebSettings

TOUCH_EVERY_S = 60.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class WebSession:
    """A live session: its user and its synchronizer CSRF token."""

    token_hash: str
    user: User
    csrf_token: str


def start_session(session: Session, user: User) -> tuple[str, str]:
    """Create a session for ``user``; return (cookie token, csrf token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = _now()
    session.execute(insert(web_sessions).values(
        token_hash=_hash(token), user_id=user.id, csrf_token=csrf, created_at=now,
        last_seen_at=now, revoked_at=None))
    return token, csrf


def _touch_every_s(settings: WebSettings) -> float:
    """The idle clock is moved at most this often (a write per request would serialise reads)."""
    return min(TOUCH_EVERY_S, max(settings.idle_timeout_s, 0) / 10)


def _expired(row: Any, now: dt.datetime, settings: WebSettings) -> bool:
    return (now - row.last_seen_at).total_seconds() > settings.idle_timeout_s or (
        now - row.created_at).total_seconds() > settings.absolute_timeout_s


def _row(session: Session, token: str) -> Any:
    return session.execute(select(web_sessions).where(
        web_sessions.c.token_hash == _hash(token))).first()


def touch_due(session: Session, token: str, settings: WebSettings) -> bool:
    """Whether the idle clock of the session of ``token`` should move now: a live, unexpired
    session whose clock last moved more than ``min(60 s, idle timeout / 10)`` ago (the idle
    timeout is thus exact to that much). Reads only."""
    row = _row(session, token)
    now = _now()
    if row is None or row.revoked_at is not None or _expired(row, now, settings):
        return False
    return (now - row.last_seen_at).total_seconds() > _touch_every_s(settings)


def touch_session(session: Session, token: str, settings: WebSettings) -> None:
    """Move the idle clock of the session of ``token`` to now when :func:`touch_due` (meant
    for a short write transaction of its own)."""
    if touch_due(session, token, settings):
        session.execute(update(web_sessions).where(web_sessions.c.token_hash == _hash(token))
                        .values(last_seen_at=_now()))


def load_session(session: Session, token: str, settings: WebSettings) -> WebSession | None:
    """The live session of ``token``, or None when unknown, revoked, idle too long, too old, or
    of an inactive user. Reads only (the idle clock moves with :func:`touch_session`)."""
    row = _row(session, token)
    if row is None or row.revoked_at is not None or _expired(row, _now(), settings):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return WebSession(row.token_hash, user, row.csrf_token)


def revoke_session(session: Session, token_hash: str) -> None:
    """End one session now."""
    session.execute(update(web_sessions).where(web_sessions.c.token_hash == token_hash)
                    .values(revoked_at=_now()))


def revoke_user_sessions(session: Session, user_id: int) -> int:
    """End every session of a user; return how many were live."""
    result = session.execute(update(web_sessions).where(
        (web_sessions.c.user_id == user_id) & web_sessions.c.revoked_at.is_(None))
        .values(revoked_at=_now()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
