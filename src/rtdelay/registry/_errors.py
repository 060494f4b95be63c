"""Errors of the registry; each is an :class:`rtdelay.errors.RtdelayError` (one line, exit 2)."""

from __future__ import annotations

from rtdelay.errors import InputError, RtdelayError

__all__ = ["RegistryError", "NotFoundError", "ConflictError", "PermissionDeniedError", "BusyError"]


class RegistryError(RtdelayError):
    """The registry cannot do what was asked (not initialised, unreachable, refused write)."""


class NotFoundError(InputError):
    """No such record *visible to this user*: a record of another site answers the same way."""


class ConflictError(RegistryError):
    """An edit was made on a stale copy (optimistic locking); names the fields changed since."""

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


class PermissionDeniedError(RegistryError):
    """The user's role does not allow this action (sites never raise this: they are not found)."""


class BusyError(RegistryError):
    """Another process holds the registry's write lock longer than the wait allows."""
