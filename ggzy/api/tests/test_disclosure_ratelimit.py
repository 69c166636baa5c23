"""The public disclosure endpoints share one rate limiter (``ggzy.disclosure.ratelimit``): the HTML
pages and the API count in the same buckets per client address, so using both does not double an
address's budget. Limits come from settings; counters are keyed by a hash of the address."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ggzy.api import disclosure as disclosure_api
from ggzy.api.tests.helpers import assert_error
from ggzy.core.clock import FixedClock
from ggzy.disclosure import ratelimit
from ggzy.disclosure.models import DisclosureRequest
from ggzy.disclosure.views import common

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
API = "/api/v1/disclosure"
ADDRESS = "203.0.113.50"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    cache.clear()
    day = FixedClock(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC))
    monkeypatch.setattr(common, "clock", day)
    monkeypatch.setattr(disclosure_api, "clock", day)
    yield
    cache.clear()


def html_form() -> dict[str, str]:
    return {
        "applicant_kind": "natural_person",
        "applicant_name": "张三",
        "id_doc_type": "resident_id",
        "id_number": ID_NUMBER,
        "phone": "13912345678",
        "email": "zhang.san@example.com",
        "info_name": "2025年度政府采购项目开标记录",
        "info_form": "electronic",
        "delivery_method": "email",
        "agree": "on",
    }


def api_body() -> dict[str, Any]:
    return {
        "applicant": {
            "kind": "natural_person",
            "name": "张三",
            "id_doc_type": "resident_id",
            "id_number": ID_NUMBER,
            "email": "zhang.san@example.com",
        },
        "info": {"form": "electronic", "delivery_method": "email", "name": "开标记录"},
    }


def html_submit(client: Client) -> Any:
    return client.post(reverse("disclosure:apply"), html_form(), REMOTE_ADDR=ADDRESS)


def api_submit(client: Client) -> Any:
    return client.post(f"{API}/requests", api_body(), content_type="application/json", REMOTE_ADDR=ADDRESS)


def test_submissions_through_page_and_api_share_one_budget(settings: Any) -> None:
    settings.GGZY_DISCLOSURE_SUBMIT_PER_HOUR = 2
    client = Client()
    assert html_submit(client).status_code == 200
    assert api_submit(client).status_code == 201
    refused_api = api_submit(client)
    assert refused_api.status_code == 429
    assert_error(refused_api.json(), "rate_limited")
    refused_page = html_submit(client)
    assert refused_page.status_code == 429
    assert "提交过于频繁" in refused_page.content.decode()
    assert int(refused_page["Retry-After"]) == int(refused_api["Retry-After"])
    assert DisclosureRequest.objects.count() == 2
    # Another address has its own budget.
    other = client.post(
        f"{API}/requests", api_body(), content_type="application/json", REMOTE_ADDR="203.0.113.51"
    )
    assert other.status_code == 201


def test_wrong_pairs_through_the_api_block_the_tracking_page(settings: Any) -> None:
    settings.GGZY_DISCLOSURE_TRACK_FAILURES_PER_10_MIN = 3
    client = Client()
    created = api_submit(client).json()
    for i in range(3):
        response = client.post(
            f"{API}/requests/track",
            {"code": created["tracking_code"], "secret": f"guess-{i}"},
            content_type="application/json",
            REMOTE_ADDR=ADDRESS,
        )
        assert response.status_code == 404
    # Even the right pair now waits — on the page and on the API.
    page = client.post(
        reverse("disclosure:track"),
        {"tracking_code": created["tracking_code"], "secret": created["secret"]},
        REMOTE_ADDR=ADDRESS,
    )
    assert page.status_code == 429
    assert "查询失败次数过多" in page.content.decode()
    api = client.get(
        f"{API}/requests/track",
        {"code": created["tracking_code"], "secret": created["secret"]},
        REMOTE_ADDR=ADDRESS,
    )
    assert api.status_code == 429
    assert_error(api.json(), "rate_limited")
    letter = client.post(
        reverse("disclosure:track_letter"),
        {"tracking_code": created["tracking_code"], "secret": created["secret"], "format": "pdf"},
        REMOTE_ADDR=ADDRESS,
    )
    assert letter.status_code == 429


def test_tracking_attempts_through_page_and_api_share_the_hourly_budget(settings: Any) -> None:
    settings.GGZY_DISCLOSURE_TRACK_PER_HOUR = 4
    client = Client()
    created = api_submit(client).json()
    pair = {"tracking_code": created["tracking_code"], "secret": created["secret"]}
    for _ in range(2):
        assert client.post(reverse("disclosure:track"), pair, REMOTE_ADDR=ADDRESS).status_code == 200
        ok = client.get(
            f"{API}/requests/track",
            {"code": pair["tracking_code"], "secret": pair["secret"]},
            REMOTE_ADDR=ADDRESS,
        )
        assert ok.status_code == 200
    assert client.post(reverse("disclosure:track"), pair, REMOTE_ADDR=ADDRESS).status_code == 429


def test_a_new_window_restores_the_budget(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.GGZY_DISCLOSURE_SUBMIT_PER_HOUR = 1
    now = 1_800_000_000.0  # an exact hour boundary
    monkeypatch.setattr(ratelimit, "_now", lambda: now)
    client = Client()
    assert api_submit(client).status_code == 201
    refused = api_submit(client)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    monkeypatch.setattr(ratelimit, "_now", lambda: now + 3600)
    assert html_submit(client).status_code == 200


def test_the_cache_holds_no_raw_address(settings: Any) -> None:
    client = Client()
    assert api_submit(client).status_code == 201
    keys = [k for k in cache._cache if "disclosure-rl" in k]  # type: ignore[attr-defined]
    assert keys
    assert not any(ADDRESS in k for k in keys)
    assert ratelimit.count(ratelimit.SUBMIT, _request(ADDRESS)) == 1
    assert ratelimit.count(ratelimit.SUBMIT, _request("203.0.113.51")) == 0


def _request(address: str) -> Any:
    from django.test import RequestFactory

    return RequestFactory().get("/", REMOTE_ADDR=address)
