"""One error format for every failure: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.http import Http404
from django.test import Client

from ggzy.api.cursors import decode_cursor, encode_cursor
from ggzy.api.tests.helpers import T0, assert_error, get_json
from ggzy.core.errors import GgzyError, InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.publishing.models import Notice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/notices", {"kind": "bogus"}, "kind"),
        ("/api/v1/notices", {"domain": "mining"}, "domain"),
        ("/api/v1/notices", {"limit": 0}, "limit"),
        ("/api/v1/notices", {"limit": 1000}, "limit"),
        ("/api/v1/notices", {"limit": "ten"}, "limit"),
        ("/api/v1/notices", {"date_from": "garbage"}, "date_from"),
        ("/api/v1/notices", {"date_to": "2021-02-30"}, "date_to"),
        ("/api/v1/notices", {"date_from": "2021-06-02", "date_to": "2021-06-01"}, "date_to"),
        ("/api/v1/notices", {"cursor": "not a cursor"}, "cursor"),
        ("/api/v1/notices", {"cursor": "bi4xLj"}, "cursor"),  # truncated: "n.1."
        ("/api/v1/notices", {"cursor": "Zm9vYmFy"}, "cursor"),  # base64 of "foobar"
        ("/api/v1/notices", {"cursor": "x" * 121}, "cursor"),
        ("/api/v1/articles", {"category": "nope"}, "category"),
        ("/api/v1/articles", {"limit": 101}, "limit"),
        ("/api/v1/articles", {"date_from": "yesterday"}, "date_from"),
        ("/api/v1/notices/changes", {"since": "@@@"}, "since"),
        ("/api/v1/search", {}, "q"),
        ("/api/v1/search", {"q": "   "}, "q"),
        ("/api/v1/search", {"q": "招标", "kind": "tender"}, "kind"),
        ("/api/v1/search", {"q": "招标", "offset": -1}, "offset"),
        ("/api/v1/search", {"q": "招标", "limit": 0}, "limit"),
        ("/api/v1/search", {"q": "招标", "date_to": "06/01/2021"}, "date_to"),
        ("/api/v1/stats/publications", {}, "year"),
        ("/api/v1/stats/publications", {"year": 1999}, "year"),
        ("/api/v1/stats/publications", {"year": 2101}, "year"),
        ("/api/v1/stats/publications", {"year": "2021.5"}, "year"),
        ("/api/v1/stats/publications", {"year": "二〇二一"}, "year"),
    ],
)
def test_bad_input_is_400(client: Client, url: str, params: dict[str, Any], field: str) -> None:
    body = get_json(client, url, status=400, **params)
    assert_error(body, "validation_failed", field)


def test_several_bad_parameters_are_reported_together(client: Client) -> None:
    body = get_json(client, "/api/v1/notices", status=400, kind="x", limit=0, date_from="zz")
    assert_error(body, "validation_failed", "kind", "limit", "date_from")
    assert body["error"]["fields"]["limit"] == "不能小于1"
    assert "tender" in body["error"]["fields"]["kind"]


def test_well_formed_cursor_of_a_vanished_row_still_pages(client: Client) -> None:
    """A cursor names a position, not a row: the row it came from may be gone by now."""
    body = get_json(client, "/api/v1/notices", cursor=encode_cursor("n", T0, 999_999))
    assert body == {"items": [], "next_cursor": None}


def test_well_formed_cursor_round_trips() -> None:
    moment = dt.datetime(2021, 6, 1, 2, 0, 0, 123456, tzinfo=dt.UTC)
    token = encode_cursor("n", moment, 42)
    assert "=" not in token
    position = decode_cursor("n", token)
    assert (position.moment, position.pk) == (moment, 42)
    with pytest.raises(ValidationFailed):
        decode_cursor("a", token)


def test_unknown_route_is_404_json(client: Client) -> None:
    for path in ("/api/v1/nope", "/api/v1/notices/abc", "/api/v1/notices/1/extra", "/api/v1/notices/"):
        assert_error(get_json(client, path, status=404), "not_found")


def test_api_root_says_where_the_description_is(client: Client) -> None:
    body = get_json(client, "/api/v1/")
    assert body["openapi"] == "/api/v1/openapi.json"
    assert body["title"] == "ggzy 开放接口"


def test_wrong_method_is_405_json(client: Client) -> None:
    response = client.post("/api/v1/notices", {})
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert_error(response.json(), "method_not_allowed")


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ValidationFailed("标题不能为空", fields={"title": "必填"}), 400, "validation_failed"),
        (PermissionDenied("没有权限"), 403, "permission_denied"),
        (InvalidTransition("不能撤回草稿"), 409, "invalid_transition"),
        (GgzyError("规则不允许", code="custom_rule"), 400, "custom_rule"),
    ],
)
def test_ggzy_errors_keep_their_status_code_and_fields(
    client: Client, monkeypatch: pytest.MonkeyPatch, exc: GgzyError, status: int, code: str
) -> None:
    def boom(**kwargs: Any) -> Notice:
        raise exc

    monkeypatch.setattr("ggzy.publishing.selectors.notice_get_public", boom)
    body = get_json(client, "/api/v1/notices/1", status=status)
    assert body == {"error": exc.as_dict()}
    assert_error(body, code)


def test_http404_inside_an_operation(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(**kwargs: Any) -> Notice:
        raise Http404("internal detail that must not leak")

    monkeypatch.setattr("ggzy.publishing.selectors.notice_get_public", boom)
    body = get_json(client, "/api/v1/notices/1", status=404)
    assert_error(body, "not_found")
    assert "internal detail" not in str(body)


@pytest.mark.parametrize("debug", [False, True])
def test_unexpected_exception_is_500_without_traceback(
    client: Client, monkeypatch: pytest.MonkeyPatch, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug

    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("secret database password in message")

    monkeypatch.setattr("ggzy.publishing.selectors.notice_list_public", boom)
    response = client.get("/api/v1/notices")
    assert response.status_code == 500
    text = response.content.decode()
    assert "secret" not in text
    assert "Traceback" not in text
    assert_error(response.json(), "internal_error")


def test_error_responses_are_utf8_json(client: Client) -> None:
    response = client.get("/api/v1/notices", {"limit": 0})
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "不能小于1".encode() in response.content  # not \\u escapes


def test_no_csrf_needed_for_reads(make_notice: Callable[..., Notice]) -> None:
    make_notice(at=T0)
    client = Client(enforce_csrf_checks=True)
    assert client.get("/api/v1/notices").status_code == 200
    assert client.post("/api/v1/notices").status_code == 405
