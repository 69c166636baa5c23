"""GET /api/v1/notices, /api/v1/notices/{id}: filters, keyset paging, visibility."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from ggzy.api.tests.helpers import T0, assert_error, get_json, shanghai
from ggzy.publishing.models import Notice

pytestmark = pytest.mark.django_db

URL = "/api/v1/notices"


def _ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def _walk(client: Client, limit: int, **params: Any) -> list[int]:
    """Every id of the list, following next_cursor until it is null."""
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        body = get_json(client, URL, limit=limit, **({"cursor": cursor} if cursor else {}), **params)
        assert len(body["items"]) <= limit
        seen.extend(_ids(body))
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("paging did not end")


def test_item_fields(client: Client, make_notice: Callable[..., Notice]) -> None:
    notice = make_notice(
        "tender",
        "procurement",
        budget=Decimal("1234567.5"),
        price_cap=Decimal("1200000"),
        section_code="JG2021-0001-01",
    )
    body = get_json(client, URL)
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item == {
        "id": notice.pk,
        "kind": "tender",
        "domain": "procurement",
        "title": notice.title,
        "url": f"/notices/{notice.pk}/",
        "published_at": "2021-06-01T10:00:00+08:00",
        "project_code": notice.project_code,
        "project_name": notice.project_name,
        "section_code": "JG2021-0001-01",
        "tenderer_name": "示范市教育局",
        "agency_name": "示范招标代理有限公司",
        "budget": "1234567.50",
        "price_cap": "1200000.00",
        "bid_deadline": "2021-07-01T10:00:00+08:00",
        "opening_at": "2021-07-01T10:00:00+08:00",
        "publicity_start": None,
        "publicity_end": None,
        "winner_name": "",
        "award_amount": None,
        "changes_id": None,
        "version": 1,
        "status": "published",
    }


def test_only_published_are_listed(
    client: Client, make_notice: Callable[..., Notice], withdraw: Callable[..., Any]
) -> None:
    shown = make_notice()
    make_notice(published=False)
    withdraw(make_notice())
    assert _ids(get_json(client, URL)) == [shown.pk]


def test_filters(client: Client, make_notice: Callable[..., Notice]) -> None:
    tender = make_notice("tender", "construction", at=shanghai(2021, 6, 1, 9))
    change = make_notice("change", "construction", changes=tender, at=shanghai(2021, 6, 2, 0, 30))
    award = make_notice("award", "procurement", at=shanghai(2021, 6, 2, 23, 59))
    later = make_notice("tender", "procurement", at=shanghai(2021, 6, 3, 0, 0))

    assert _ids(get_json(client, URL, kind="change")) == [change.pk]
    assert _ids(get_json(client, URL, domain="procurement")) == [later.pk, award.pk]
    assert _ids(get_json(client, URL, kind="tender", domain="procurement")) == [later.pk]
    # Dates are Shanghai calendar days, both ends inclusive.
    assert _ids(get_json(client, URL, date_from="2021-06-02", date_to="2021-06-02")) == [award.pk, change.pk]
    assert _ids(get_json(client, URL, date_from="2021-06-03")) == [later.pk]
    assert _ids(get_json(client, URL, date_to="2021-06-01")) == [tender.pk]
    # An empty parameter means "not given".
    assert len(_ids(get_json(client, URL, kind="", domain="", date_from=""))) == 4
    assert get_json(client, URL, kind="change")["items"][0]["changes_id"] == tender.pk


def test_cursor_paging_has_no_duplicates_or_gaps(client: Client, make_notice: Callable[..., Notice]) -> None:
    # 23 notices at 8 distinct moments: ties on published_at are broken by id.
    notices = [make_notice(at=T0 + dt.timedelta(hours=i % 8)) for i in range(23)]
    expected = [n.pk for n in sorted(notices, key=lambda n: (n.published_at, n.pk), reverse=True)]
    for limit in (1, 5, 7, 23, 100):
        assert _walk(client, limit) == expected
    # Filters and the cursor combine.
    assert _walk(client, 3, date_from="2021-06-01", date_to="2021-06-01") == expected


def test_cursor_is_stable_under_inserts(client: Client, make_notice: Callable[..., Notice]) -> None:
    old = [make_notice(at=T0 + dt.timedelta(minutes=i)) for i in range(6)]
    first = get_json(client, URL, limit=3)
    assert _ids(first) == [n.pk for n in reversed(old)][:3]
    # New publications arrive in front while the client is paging.
    make_notice(at=T0 + dt.timedelta(days=1))
    make_notice(at=T0 + dt.timedelta(days=1))
    second = get_json(client, URL, limit=3, cursor=first["next_cursor"])
    assert _ids(second) == [n.pk for n in reversed(old)][3:]
    assert second["next_cursor"] is None


def test_detail(client: Client, make_notice: Callable[..., Notice]) -> None:
    notice = make_notice("candidate", "construction", body_html="<p>第一中标候选人：甲公司</p>")
    body = get_json(client, f"{URL}/{notice.pk}")
    assert body["id"] == notice.pk
    assert body["kind"] == "candidate"
    assert body["body_html"] == "<p>第一中标候选人：甲公司</p>"
    assert body["publicity_start"] == "2021-06-02"
    assert body["publicity_end"] == "2021-06-05"
    assert body["status"] == "published"
    assert body["withdrawal_reason"] == ""
    assert body["attachments"] == []
    assert [v["id"] for v in body["versions"]] == [notice.pk]


def test_withdrawn_detail_shows_reason_but_no_body(
    client: Client, make_notice: Callable[..., Notice], withdraw: Callable[..., Any]
) -> None:
    notice = withdraw(make_notice(body_html="<p>不应再公开的正文</p>"), reason="招标人申请终止")
    body = get_json(client, f"{URL}/{notice.pk}")
    assert body["status"] == "withdrawn"
    assert body["withdrawal_reason"] == "招标人申请终止"
    assert body["withdrawn_at"] is not None
    assert body["body_html"] is None
    assert "不应再公开" not in str(body)


def test_corrected_detail_lists_versions(
    client: Client, make_notice: Callable[..., Notice], correct: Callable[..., Any]
) -> None:
    first = make_notice(budget=Decimal(100))
    second = correct(first, at=T0 + dt.timedelta(days=1), budget=Decimal(200))
    old = get_json(client, f"{URL}/{first.pk}")
    assert old["status"] == "corrected"
    assert [(v["id"], v["version"]) for v in old["versions"]] == [(first.pk, 1), (second.pk, 2)]
    new = get_json(client, f"{URL}/{second.pk}")
    assert new["budget"] == "200.00"
    assert new["previous_id"] == first.pk
    assert new["correction_note"] == "更正预算金额"
    assert _ids(get_json(client, URL)) == [second.pk]


def test_unpublished_and_missing_are_404(client: Client, make_notice: Callable[..., Notice]) -> None:
    draft = make_notice(published=False)
    assert_error(get_json(client, f"{URL}/{draft.pk}", status=404), "not_found")
    assert_error(get_json(client, f"{URL}/999999", status=404), "not_found")
    assert_error(get_json(client, f"{URL}/abc", status=404), "not_found")


def test_list_query_count(
    client: Client, make_notice: Callable[..., Notice], django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        make_notice(at=T0 + dt.timedelta(minutes=i))
    with django_assert_max_num_queries(5):
        body = get_json(client, URL, limit=25, kind="tender")
    assert len(body["items"]) == 25
    with django_assert_max_num_queries(5):
        get_json(client, URL, limit=25, cursor=body["next_cursor"])


def test_empty_parameters_take_their_defaults(client: Client, make_notice: Callable[..., Notice]) -> None:
    make_notice()
    body = get_json(client, URL, limit="", cursor="", kind="", date_to=" ")
    assert len(body["items"]) == 1
