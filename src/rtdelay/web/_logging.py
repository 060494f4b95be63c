"""Keep patient data out of the server's logs.

uvicorn's access log writes each request line, and the paths and queries of the pages carry
patient identifiers (``/patients/A/P000123``, ``/patients?q=P0001``). :class:`RedactPaths`
keeps the first path segment only (``/patients/…``) and drops the query, so an access log
still says which area was used, by which address, with which status, and nothing about whom.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"
# Paths kept whole: they name no patient.
_WHOLE = ("/static/", "/login", "/logout")


def redact_path(path: str) -> str:
    """``path`` with the query dropped and every segment after the first replaced by ``…``.

    >>> redact_path("/patients/A/P000123?x=1")
    '/patients/…'
    >>> redact_path("/login")
    '/login'
    """
    bare, _, query = path.partition("?")
    if bare.startswith(_WHOLE):
        return bare + ("?…" if query else "")
    head, sep, rest = bare.lstrip("/").partition("/")
    return "/" + head + ("/…" if sep and rest else sep) + ("?…" if query else "")


class RedactPaths(logging.Filter):
    """A filter for uvicorn's access logger: the path argument is redacted (see module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn: '%s - "%s %s HTTP/%s" %d' % (client, method, path, http version, status)
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact_path(args[2]), args[3], args[4])
        return True


def install_log_redaction() -> None:
    """Add :class:`RedactPaths` to uvicorn's access logger (once)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactPaths) for f in logger.filters):
        logger.addFilter(RedactPaths())
