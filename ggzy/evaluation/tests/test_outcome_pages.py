"""The outcome pages with good and bad input: a bidder reads only its own notification (anyone
else's is 404), delivery and failure pages only for the tenderer's side, the statistics only for
center staff and supervisors, a malformed or future year refused in Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from ggzy.core.clock import FixedClock
from ggzy.evaluation.models import ResultNotification, Termination
from ggzy.evaluation.tests.conftest import T0
from ggzy.evaluation.tests.outcome_support import build_section, close, reject_all, start, to_award
from ggzy.evaluation.views import pages

pytestmark = pytest.mark.django_db

DEADLINE = T0 + dt.timedelta(days=20)


@pytest.fixture(autouse=True)
def _clock(monkeypatch: Any, eclock: FixedClock) -> None:
    monkeypatch.setattr(pages, "clock", eclock)


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _section(world: Any, staff: Any, publish: Any, eclock: FixedClock) -> Any:
    section = build_section(world, staff, publish, eclock, deadline=DEADLINE)
    eclock.at = DEADLINE + dt.timedelta(minutes=5)
    return close(section, eclock)


@pytest.fixture
def awarded(world: Any, staff: Any, publish: Any, eclock: FixedClock) -> Any:
    section = _section(world, staff, publish, eclock)
    return to_award(world, start(world, section, eclock, ("900000", "1000000", "950000")), eclock)


def test_bidder_reads_only_its_own_notification(awarded: Any, world: Any, eclock: FixedClock) -> None:
    mine = ResultNotification.objects.get(evaluation=awarded, bid__bid_ref="B2")
    theirs = ResultNotification.objects.get(evaluation=awarded, bid__bid_ref="B3")
    yi = as_user(world.bidders[1])
    listing = yi.get("/evaluation/notifications/").content.decode()
    assert f"notification-{mine.pk}" in listing and f"notification-{theirs.pk}" not in listing
    page = yi.get(f"/evaluation/notifications/{mine.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("甲科技有限公司", "第 2 名", "80.00", "签名有效：通知书未被篡改", "质疑"):
        assert text in html, text
    mine.refresh_from_db()
    assert mine.first_read_at == eclock.now() and mine.first_read_by == world.bidders[1]
    pdf = yi.get(f"/evaluation/notifications/{mine.pk}/notification.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert yi.get(f"/evaluation/notifications/{mine.pk}/notification.sig").status_code == 200
    for url in (
        f"/evaluation/notifications/{theirs.pk}/",
        f"/evaluation/notifications/{theirs.pk}/notification.pdf",
        f"/evaluation/notifications/{theirs.pk}/notification.sig",
        "/evaluation/notifications/999999/",
    ):
        response = yi.get(url)
        assert response.status_code == 404, url
        assert "未找到该中标结果通知书" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.first_read_at is None  # a refused look is no reading
    # The winner, the tenderer and center staff are no addressees either.
    assert as_user(world.bidders[0]).get(f"/evaluation/notifications/{mine.pk}/").status_code == 404
    assert as_user(world.tenderer).get("/evaluation/notifications/").status_code == 403
    assert as_user(world.staff).get(f"/evaluation/notifications/{mine.pk}/").status_code == 403
    anonymous = Client().get(f"/evaluation/notifications/{mine.pk}/")
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]


def test_delivery_page_for_the_tenderer_side_only(awarded: Any, world: Any, eclock: FixedClock) -> None:
    url = f"/manage/evaluation/{awarded.pk}/notifications/"
    as_user(world.bidders[1]).get(
        f"/evaluation/notifications/{awarded.notifications.get(bid__bid_ref='B2').pk}/"
    )
    html = as_user(world.tenderer).get(url).content.decode()
    assert html.count('<tr id="delivery-') == 2 and "未查阅" in html
    assert eclock.now().astimezone(pages.SHANGHAI).strftime("%Y-%m-%d %H:%M") in html  # 乙 read it
    assert as_user(world.staff).get(url).status_code == 200
    assert as_user(world.bidders[1]).get(url).status_code == 403
    assert as_user(world.experts[0]).get(url).status_code == 403
    assert (
        'id="deliveries-link"'
        in as_user(world.tenderer).get(f"/manage/evaluation/{awarded.pk}/award/").content.decode()
    )


def test_termination_page(world: Any, staff: Any, publish: Any, eclock: FixedClock, room: Any) -> None:
    evaluation = reject_all(
        world, start(world, _section(world, staff, publish, eclock), eclock, ("1", "2", "3")), eclock
    )
    url = f"/manage/evaluation/{evaluation.pk}/termination/"
    tenderer = as_user(world.tenderer)
    html = tenderer.get(url).content.decode()
    assert "所有投标均未通过资格审查或者符合性审查" in html and "第三十六条" in html
    assert 'id="btn-decide"' in html and 'id="btn-termination-notice"' not in html
    refused = tenderer.post(url, {"action": "decide", "next_step": "maybe"})
    assert refused.status_code == 200 and "请选择后续处理方式" in refused.content.decode()
    assert tenderer.post(url, {"action": "bogus"}).status_code == 200
    assert not Termination.objects.exists()
    assert (
        as_user(world.bidders[0]).post(url, {"action": "decide", "next_step": "retender"}).status_code == 403
    )
    assert tenderer.post(url, {"action": "decide", "next_step": "retender"}).status_code == 302
    assert "流标（重新招标）" in tenderer.get(url).content.decode()
    editor = as_user(staff["editor"])
    assert 'id="btn-termination-notice"' in editor.get(url).content.decode()
    assert editor.post(url, {"action": "notice"}).status_code == 302
    html = editor.get(url).content.decode()
    assert "废标公告" in html and 'id="termination-notice-status"' in html
    again = editor.post(url, {"action": "notice"})
    assert "终止公告已起草" in again.content.decode()
    assert "无需处理" in tenderer.get(f"/manage/evaluation/{room.pk}/termination/").content.decode()
    assert (
        'id="termination-link"' in tenderer.get(f"/manage/evaluation/{evaluation.pk}/award/").content.decode()
    )


def test_statistics_page_access_and_years(world: Any, staff: Any, make_user: Any, make_org: Any) -> None:
    url = "/manage/evaluation/stats/"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    for user in (world.bidders[0], world.tenderer, world.experts[0]):
        response = as_user(user).get(url)
        assert (
            response.status_code == 403 and "仅供交易中心工作人员和行政监督人员" in response.content.decode()
        )
    supervisor = make_user("supervisor", org=make_org("supervisor", "示范市发展和改革委员会"))
    assert as_user(supervisor).get(url).status_code == 200
    editor = as_user(staff["editor"])
    page = editor.get(url).content.decode()  # the clock's year by default
    assert "交易统计（2026年）" in page and 'id="s-sections"' in page and page.count('role="img"') == 2
    assert 'id="stats-months"' in page  # every chart's numbers as a table too
    assert "交易统计（2025年）" in editor.get(url, {"year": "2025"}).content.decode()
    for bad, message in (
        ("2027", "不能晚于今年（2026 年）"),
        ("1999", "不能早于 2000 年"),
        ("abc", "四位数字"),
        ("", "四位数字"),
        ("2026<script>", "四位数字"),
    ):
        response = editor.get(url, {"year": bad})
        body = response.content.decode()
        assert response.status_code == 400 and message in body, bad
        assert "<script>" not in body.split('id="stats-error"')[1][:200]


def test_back_office_menu_links_the_dashboard_and_the_notifications(world: Any, staff: Any) -> None:
    """Staff find 交易统计 in the menu; bidders find 结果通知; neither sees the other's link."""
    editor_page = as_user(staff["editor"]).get("/manage/evaluation/stats/").content.decode()
    assert 'id="nav-trading-stats" ' not in editor_page  # the attribute order is href first
    assert 'href="/manage/evaluation/stats/" id="nav-trading-stats"' in editor_page
    assert "nav-result-notifications" not in editor_page
    bidder_page = as_user(world.bidders[0]).get("/manage/", follow=True).content.decode()
    assert 'href="/evaluation/notifications/" id="nav-result-notifications"' in bidder_page
    assert "nav-trading-stats" not in bidder_page
