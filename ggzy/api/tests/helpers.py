"""Plain helpers for the API tests (fixtures are in conftest.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from ggzy.core.clock import SHANGHAI

T0 = dt.datetime(2021, 6, 1, 2, 0, tzinfo=dt.UTC)  # 2021-06-01 10:00 in Shanghai


def shanghai(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def get_json(client: Client, url: str, status: int = 200, **params: Any) -> Any:
    response = client.get(url, params)
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def assert_error(body: Any, code: str, *fields: str) -> None:
    """The one error format: {"error": {"code", "message" (Chinese), "fields"}}."""
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert error["code"] == code, error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error
    assert isinstance(error["fields"], dict)
    for name in fields:
        assert name in error["fields"], error
