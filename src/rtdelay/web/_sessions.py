"""Server-side sessions in the registry database (table ``web_sessions``): revocable, with
idle and absolute timeouts. Only the SHA-256 of the session token is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, lazyload

from rtdelay.registry import Registry, User, web_sessions
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


def touch_interval_s(settings: WebSettings) -> float:
    """The idle clock is moved at most this often (a write per request would serialise reads)."""
    return min(TOUCH_EVERY_S, max(settings.idle_timeout_s, 0) / 10)


def _expired(row: Any, now: dt.datetime, settings: WebSettings) -> bool:
    return (now - row.last_seen_at).total_seconds() > settings.idle_timeout_s or (
        now - row.created_at).total_seconds() > settings.absolute_timeout_s


def _row(session: Session, token: str) -> Any:
    return session.execute(select(web_sessions).where(
        web_sessions.c.token_hash == _hash(token))).first()


def touch_due_at(session: Session, token: str, settings: WebSettings) -> dt.datetime | None:
    """When the idle clock of the session of ``token`` should next move (UTC, naive): its last
    move plus ``min(60 s, idle timeout / 10)`` (the idle timeout is thus exact to that much);
    None for an unknown, revoked or expired session. Reads only."""
    row = _row(session, token)
    if row is None or row.revoked_at is not None or _expired(row, _now(), settings):
        return None
    moved: dt.datetime = row.last_seen_at
    return moved + dt.timedelta(seconds=touch_interval_s(settings))


def touch_due(session: Session, token: str, settings: WebSettings) -> bool:
    """Whether the idle clock of the session of ``token`` should move now (see
    :func:`touch_due_at`). Reads only."""
    due_at = touch_due_at(session, token, settings)
    return due_at is not None and _now() > due_at


def touch_session(session: Session, token: str, settings: WebSettings) -> None:
    """Move the idle clock of the session of ``token`` to now when :func:`touch_due` (meant
    for a short write transaction of its own)."""
    if touch_due(session, token, settings):
        session.execute(update(web_sessions).where(web_sessions.c.token_hash == _hash(token))
                        .values(last_seen_at=_now()))


#: Sessions whose next idle-clock time a process remembers before it forgets the past ones.
MAX_REMEMBERED_SESSIONS = 10_000
_MEMO_LOCK = threading.Lock()


def move_idle_clock(registry: Registry, token: str, settings: WebSettings,
                    memo: dict[str, dt.datetime] | None = None) -> None:
    """Move the idle clock of the session of ``token`` when it is due, each step in a short
    transaction of its own (a read, then a write only when due).

    ``memo`` (one dict per process) remembers when each session's clock is next due: until then
    the clock is not read again. This changes only when the clock is looked at, never who is
    signed in: :func:`load_session` reads the session (revoked, idle, too old) on every request.
    """
    key, now = _hash(token), _now()
    if memo is not None and memo.get(key, now) > now:
        return
    with registry.session() as peek:
        due_at = touch_due_at(peek, token, settings)
    if due_at is None:
        return
    if now > due_at:
        with registry.session(write=True) as clock:
            touch_session(clock, token, settings)
        due_at = now + dt.timedelta(seconds=touch_interval_s(settings))
    if memo is not None:
        remember(memo, key, due_at, now)


def remember(memo: dict[str, dt.datetime], key: str, due_at: dt.datetime,
             now: dt.datetime) -> None:
    """Note in ``memo`` when the clock of session ``key`` is next due. Past entries are
    forgotten once the memo holds :data:`MAX_REMEMBERED_SESSIONS`; if none is past, all are (the
    memo only saves reads). Safe from several threads at once."""
    with _MEMO_LOCK:
        if len(memo) >= MAX_REMEMBERED_SESSIONS:
            for stale in [k for k, when in memo.items() if when <= now]:
                del memo[stale]
            if len(memo) >= MAX_REMEMBERED_SESSIONS:
                memo.clear()
        memo[key] = due_at


def load_session(session: Session, token: str, settings: WebSettings) -> WebSession | None:
    """The live session of ``token``, or None when unknown, revoked, idle too long, too old, or
    of an inactive user. Reads only (the idle clock moves with :func:`touch_session`)."""
    # One statement for the session and its user; the user's sites are not loaded here (the
    # Actor reads them with one query of its own).
    found = session.execute(
        select(web_sessions, User).join(User, User.id == web_sessions.c.user_id)
        .where(web_sessions.c.token_hash == _hash(token)).options(lazyload(User.sites))
    ).first()
    if found is None:
        return None
    row, user = found, found.User
    if row.revoked_at is not None or _expired(row, _now(), settings) or not user.active:
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
