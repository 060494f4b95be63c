"""Commands of rtdelay (see the module name); registered on import."""

from rtdelay.cli._app import app  # noqa: F401
