"""The supervision pages through Django's test client: access, forms, bad input → Chinese
messages with the right status (never a 500)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.supervision import services
from ggzy.supervision.models import CorrectionOrder, PatrolItem
from ggzy.supervision.tests.conftest import sh
from ggzy.supervision.views import common

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_view_clock(clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "clock", clock)


@pytest.fixture
def round_with_item(clock: FixedClock, patroller: Any, agency_notice: Any) -> Any:
    agency_notice(sh(2026, 6, 10, 8, 0), title="巡查用公告")
    return services.patrol_rounds_create_due(clock=clock)[0]


def test_dashboard_access_and_chart(
    client: Any, patroller: Any, agency_user: Any, round_with_item: Any
) -> None:
    client.force_login(agency_user)
    assert client.get("/manage/supervision/").status_code == 403
    client.force_login(patroller)
    page = client.get("/manage/supervision/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="patrol-chart"' in html and 'id="rounds-per-day"' in html
    assert f'id="round-link-{round_with_item.pk}"' in html
    assert 'id="nav-supervision"' in html
    client.logout()
    assert client.get("/manage/supervision/").status_code == 302  # to the login page


def test_round_page_verdict_order_flow(
    client: Any, patroller: Any, agency_user: Any, round_with_item: Any, make_user: Any, make_org: Any
) -> None:
    item = round_with_item.items.get()
    client.force_login(patroller)
    page = client.get(f"/manage/supervision/rounds/{round_with_item.pk}/").content.decode()
    assert "巡查用公告" in page and f'id="form-verdict-{item.pk}"' in page
    # Bad input: no verdict; a problem without a comment.
    bad = client.post(f"/manage/supervision/items/{item.pk}/verdict/", {})
    assert bad.status_code == 400 and "请选择巡查结论" in bad.content.decode()
    bad = client.post(f"/manage/supervision/items/{item.pk}/verdict/", {f"v{item.pk}-verdict": "problem"})
    assert bad.status_code == 400 and "必须写明问题" in bad.content.decode()
    ok = client.post(
        f"/manage/supervision/items/{item.pk}/verdict/",
        {f"v{item.pk}-verdict": "problem", f"v{item.pk}-comment": "截止时间不足"},
    )
    assert ok.status_code == 302
    bad = client.post(f"/manage/supervision/items/{item.pk}/order/", {f"o{item.pk}-days": "x"})
    assert bad.status_code == 400 and "请填写存在问题" in bad.content.decode()
    ok = client.post(
        f"/manage/supervision/items/{item.pk}/order/",
        {f"o{item.pk}-problem": "截止时间不足", f"o{item.pk}-requirement": "顺延", f"o{item.pk}-days": "5"},
    )
    order = CorrectionOrder.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/manage/supervision/orders/{order.pk}/"
    # The agency sees and answers its order; another agency gets 404; a GET on a POST URL is 405.
    client.force_login(make_user("agency_publisher", org=make_org("agency")))
    assert client.get(f"/manage/supervision/orders/{order.pk}/").status_code == 404
    client.force_login(agency_user)
    assert order.number in client.get("/manage/supervision/orders/").content.decode()
    assert client.get(f"/manage/supervision/orders/{order.pk}/answer/").status_code == 405
    bad = client.post(f"/manage/supervision/orders/{order.pk}/answer/", {"answer-reply": ""})
    assert bad.status_code == 400
    client.post(f"/manage/supervision/orders/{order.pk}/answer/", {"answer-reply": "已发布变更公告"})
    order.refresh_from_db()
    assert order.status == "answered"
    # The agency cannot close it (no button, and the service says no).
    refused = client.post(f"/manage/supervision/orders/{order.pk}/close/", {"review-comment": ""})
    assert refused.status_code == 403
    client.force_login(patroller)
    client.post(f"/manage/supervision/orders/{order.pk}/close/", {"review-comment": "同意"})
    order.refresh_from_db()
    assert order.status == "closed"
    # Completing the round.
    done = client.post(f"/manage/supervision/rounds/{round_with_item.pk}/complete/")
    assert done.status_code == 302
    assert PatrolItem.objects.get().round.status == "done"
    assert client.get("/manage/supervision/rounds/999999/").status_code == 404


def test_plan_page(client: Any, patroller: Any) -> None:
    client.force_login(patroller)
    bad = client.post("/manage/supervision/plan/", {"times": "9点", "correction_days": "5"})
    assert bad.status_code == 400 and "格式不正确" in bad.content.decode()
    ok = client.post("/manage/supervision/plan/", {"times": "08:00，12:00、16:30", "correction_days": "4"})
    assert ok.status_code == 302
    assert services.plan_get().times == ["08:00", "12:00", "16:30"]


def test_violation_form_and_board_filters(client: Any, staff: Any, agency: Any) -> None:
    client.force_login(staff["editor"])
    bad = client.post("/manage/supervision/violations/", {"subject_kind": "agency"})
    assert bad.status_code == 400
    bad = client.post(
        "/manage/supervision/violations/",
        {
            "subject_kind": "agency",
            "facts": "f",
            "authority": "a",
            "decision_number": "n",
            "penalty": "p",
            "decided_on": "2026-06-01",
        },
    )
    assert bad.status_code == 400 and "请选择被处理的代理机构" in bad.content.decode()
    ok = client.post(
        "/manage/supervision/violations/",
        {
            "subject_kind": "agency",
            "organisation": agency.pk,
            "facts": "f",
            "authority": "a",
            "decision_number": "n-1",
            "penalty": "p",
            "decided_on": "2026-06-01",
        },
    )
    assert ok.status_code == 302
    client.logout()
    for query in ("", "?kind=agency&year=2026", "?kind=bogus&year=abc", "?page=999"):
        assert client.get(f"/credit/exposure/{query}").status_code == 200
    assert 'id="link-exposure-board"' in client.get("/credit/").content.decode()


def test_links_page_and_mark_fixed(client: Any, staff: Any, patroller: Any) -> None:
    from ggzy.supervision.models import BrokenLink, LinkCheckRun

    now = dt.datetime(2026, 6, 10, tzinfo=dt.UTC)
    run = LinkCheckRun.objects.create(started_at=now, finished_at=now, base_url="http://x", broken=1)
    link = BrokenLink.objects.create(
        url="http://x/a", found_on="http://x/", status_code=404, first_seen=now, last_seen=now, last_run=run
    )
    client.force_login(patroller)
    page = client.get("/manage/supervision/links/").content.decode()
    assert "http://x/a" in page and f'id="btn-fixed-{link.pk}"' in page
    assert client.post(f"/manage/supervision/links/{link.pk}/fixed/").status_code == 302
    assert client.post(f"/manage/supervision/links/{link.pk}/fixed/").status_code == 409
    link.refresh_from_db()
    assert link.fixed_by == patroller


def test_take_down_from_the_round_page(client: Any, staff: Any, patroller: Any, round_with_item: Any) -> None:
    item = round_with_item.items.get()
    client.force_login(patroller)
    refused = client.post(f"/manage/supervision/items/{item.pk}/take-down/", {f"t{item.pk}-reason": "违规"})
    assert refused.status_code == 403 and "签发领导" in refused.content.decode()
    client.force_login(staff["signer"])
    assert (
        f'id="form-takedown-{item.pk}"'
        in client.get(f"/manage/supervision/rounds/{round_with_item.pk}/").content.decode()
    )
    bad = client.post(f"/manage/supervision/items/{item.pk}/take-down/", {})
    assert bad.status_code == 400
    done = client.post(
        f"/manage/supervision/items/{item.pk}/take-down/", {f"t{item.pk}-reason": "含歧视性条款"}
    )
    assert done.status_code == 302
    item.notice.refresh_from_db()
    assert item.notice.status == "withdrawn" and item.notice.withdrawal_reason == "含歧视性条款"
