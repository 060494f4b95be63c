"""rtdelay serve: warns outside loopback, passes host, port and database on."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner


@pytest.mark.parametrize("host,warned", [("127.0.0.1", False), ("0.0.0.0", True)])
def test_serve_warns_when_not_on_loopback(monkeypatch, web_registry, host, warned):
    import rtdelay.web
    from rtdelay.cli import app

    seen = {}
    monkeypatch.setattr(rtdelay.web, "serve", lambda db, **kw: seen.update(db=db, **kw))
    result = CliRunner().invoke(app, ["serve", "--host", host, "--port", "8123",
                                      "--db", web_registry])
    assert result.exit_code == 0, result.output
    assert seen == {"db": web_registry, "host": host, "port": 8123}
    assert ("TLS" in result.output) is warned
