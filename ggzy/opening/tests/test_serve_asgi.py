"""`ggzy serve --interface asgi` (the hall's live streams need it; docs/adr/0019) keeps the WSGI
default and refuses an unknown interface."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command


def _line(*args: str) -> str:
    out = io.StringIO()
    call_command("serve", "--print-command", "--port", "8123", *args, stdout=out)
    return out.getvalue()


def test_asgi_interface_and_default() -> None:
    asgi = _line("--interface", "asgi")
    assert "--interface asgi" in asgi and asgi.strip().endswith("config.asgi:application")
    assert "--blocking-threads" not in asgi and "--backpressure 4096" in asgi
    assert "--interface wsgi" in _line()


def test_interface_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_INTERFACE", "asgi")
    assert "config.asgi:application" in _line()
    monkeypatch.setenv("WEB_INTERFACE", "bogus")
    with pytest.raises(CommandError):
        _line()


def test_asgi_application_loads() -> None:
    from config.asgi import application

    assert callable(application)
