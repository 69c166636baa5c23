"""The LED big screen (/screen/, /screen/data.json) and its staff page (/manage/screen/)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from ggzy.audit.models import Event
from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.portal import services
from ggzy.portal.models import ScreenAnnouncement
from ggzy.portal.tests.conftest import Publisher
from ggzy.portal.views import common

pytestmark = pytest.mark.django_db

# 2021-06-25 09:00 in Shanghai: the Publisher's default notices open at 09:30 that day.
NOW = dt.datetime(2021, 6, 25, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def at_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "clock", FixedClock(NOW))


def _announce(pub: Publisher, text: str, **kw: Any) -> ScreenAnnouncement:
    fields: dict[str, Any] = {"starts_at": NOW - dt.timedelta(hours=1), **kw}
    return services.screen_announcement_create(actor=pub.editor, text=text, **fields)


@pytest.mark.usefixtures("at_now")
def test_screen_shows_todays_openings_current_tenders_and_announcements(
    client: Client, pub: Publisher
) -> None:
    today = pub.notice(title="今日开标的道路工程招标公告")  # opens 2021-06-25 09:30 Shanghai
    tomorrow = pub.notice(
        title="明日开标的学校工程招标公告",
        bid_deadline=NOW + dt.timedelta(days=1),
        opening_at=NOW + dt.timedelta(days=1),
    )
    closed = pub.notice(
        title="已截止的采购公告",
        bid_deadline=NOW - dt.timedelta(days=1),
        opening_at=NOW - dt.timedelta(days=1),
    )
    _announce(pub, "今日下午三点在三号开标室召开开标会", position=2)
    _announce(pub, "请投标人提前半小时签到", position=1)
    _announce(pub, "已停用的公告", active=False)
    _announce(pub, "尚未开始的公告", starts_at=NOW + dt.timedelta(hours=1))
    _announce(pub, "已过期的公告", starts_at=NOW - dt.timedelta(days=2), ends_at=NOW - dt.timedelta(days=1))

    response = client.get("/screen/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    openings = html[html.index('id="list-openings"') : html.index('id="slide-notices"')]
    assert today.title in openings and "09:30" in openings
    assert tomorrow.title not in openings and closed.title not in openings
    tenders = html[html.index('id="list-notices"') : html.index('id="slide-announcements"')]
    assert today.title in tenders and tomorrow.title in tenders and closed.title not in tenders
    board = html[html.index('id="list-announcements"') :]
    assert board.index("请投标人提前半小时签到") < board.index("今日下午三点在三号开标室召开开标会")
    for hidden in ("已停用的公告", "尚未开始的公告", "已过期的公告"):
        assert hidden not in html
    # Kiosk page under CSP: its script is a static file with the nonce, nothing inline.
    assert 'src="/static/ggzy/js/screen.js" nonce="' in html
    assert "<script>" not in html and "onclick" not in html

    data = client.get("/screen/data.json").json()
    assert [o["title"] for o in data["openings"]] == [today.title]
    assert data["openings"][0]["time"] == "09:30"
    assert [a["text"] for a in data["announcements"]] == [
        "请投标人提前半小时签到",
        "今日下午三点在三号开标室召开开标会",
    ]
    assert {n["title"] for n in data["notices"]} == {today.title, tomorrow.title}
    assert data["now"] == "2021-06-25T09:00:00+08:00"


@pytest.mark.usefixtures("at_now")
def test_opening_day_is_the_shanghai_day(client: Client, pub: Publisher) -> None:
    # 2021-06-24 23:30 UTC is already 06-25 07:30 in Shanghai: it opens "today".
    early_at = dt.datetime(2021, 6, 24, 23, 30, tzinfo=dt.UTC)
    late_at = dt.datetime(2021, 6, 24, 15, 59, tzinfo=dt.UTC)  # 06-24 23:59 in Shanghai
    early = pub.notice(title="早间开标公告", bid_deadline=early_at, opening_at=early_at)
    late = pub.notice(title="前一日开标公告", bid_deadline=late_at, opening_at=late_at)
    titles = [o["title"] for o in client.get("/screen/data.json").json()["openings"]]
    assert early.title in titles and late.title not in titles


@pytest.mark.parametrize(("interval", "expected"), [("5", "5"), ("1", "3"), ("9999", "120"), ("abc", "12")])
def test_screen_interval_parameter_is_clamped(client: Client, interval: str, expected: str) -> None:
    html = client.get("/screen/", {"interval": interval, "refresh": "zz"}).content.decode()
    assert f'data-interval="{expected}"' in html and 'data-refresh="60"' in html


def test_announcement_services_check_input_and_are_audited(pub: Publisher, make_user: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.screen_announcement_create(actor=pub.editor, text="   ", starts_at=NOW)
    assert "text" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.screen_announcement_create(
            actor=pub.editor, text="x", starts_at=NOW, ends_at=NOW - dt.timedelta(minutes=1)
        )
    assert "ends_at" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.screen_announcement_create(actor=pub.editor, text="字" * 201, starts_at=NOW)
    with pytest.raises(ValidationFailed):
        services.screen_announcement_create(actor=pub.editor, text="x", starts_at=None)
    # Only center editors: a reviewer of the center, or an editor of an agency, may not.
    agency_editor = make_user("editor", org=None, username="agency-editor")
    agency_editor.organisation.kind = "agency"
    agency_editor.organisation.save()
    agency_editor.refresh_from_db()
    for actor in (pub.reviewers[0], agency_editor):
        with pytest.raises(PermissionDenied):
            services.screen_announcement_create(actor=actor, text="越权公告", starts_at=NOW)
    assert not ScreenAnnouncement.objects.exists()

    item = services.screen_announcement_create(actor=pub.editor, text="  第一条   公告 ", starts_at=NOW)
    assert item.text == "第一条 公告"
    services.screen_announcement_update(
        actor=pub.editor,
        announcement=item,
        text="改过的公告",
        starts_at=NOW,
        ends_at=None,
        position=3,
        active=False,
    )
    services.screen_announcement_delete(actor=pub.editor, announcement=item)
    actions = list(
        Event.objects.filter(target_type="portal.screenannouncement", target_id=str(item.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "portal.screen_announcement_create",
        "portal.screen_announcement_update",
        "portal.screen_announcement_delete",
    ]
    assert not ScreenAnnouncement.objects.exists()


def test_staff_page_add_edit_delete_and_bad_input(client: Client, pub: Publisher) -> None:
    client.force_login(pub.editor)
    page = client.get("/manage/screen/")
    assert page.status_code == 200 and 'id="nav-screen"' in page.content.decode()
    response = client.post(
        "/manage/screen/",
        {
            "text": "开标室门禁调整",
            "starts_at": "2021-06-25T08:00",
            "ends_at": "",
            "position": "1",
            "active": "on",
        },
    )
    assert response.status_code == 302
    item = ScreenAnnouncement.objects.get()
    assert item.starts_at == dt.datetime(2021, 6, 25, 8, 0, tzinfo=SHANGHAI) and item.active
    for bad in (
        {"text": "", "starts_at": "2021-06-25T08:00"},
        {"text": "x", "starts_at": "not a time"},
        {"text": "x", "starts_at": "2021-06-25T08:00", "position": "first"},
        {"text": "x", "starts_at": "2021-06-25T08:00", "ends_at": "2021-06-25T07:00"},
    ):
        refused = client.post("/manage/screen/", bad)
        assert refused.status_code == 400, bad
        assert 'role="alert"' in refused.content.decode()
    assert ScreenAnnouncement.objects.count() == 1
    edit = client.post(
        f"/manage/screen/{item.pk}/",
        {"text": "开标室门禁时间调整", "starts_at": "2021-06-25T08:00", "position": "0"},
    )
    assert edit.status_code == 302
    item.refresh_from_db()
    assert item.text == "开标室门禁时间调整" and not item.active
    assert client.get("/manage/screen/999999/").status_code == 404
    assert client.post(f"/manage/screen/{item.pk}/delete/").status_code == 302
    assert not ScreenAnnouncement.objects.exists()
    assert client.post("/manage/screen/999999/delete/").status_code == 404


def test_staff_page_is_for_center_editors_only(client: Client, pub: Publisher) -> None:
    assert client.get("/manage/screen/").status_code == 302  # to the login page
    client.force_login(pub.reviewers[0])
    assert client.get("/manage/screen/").status_code == 403
    assert client.post("/manage/screen/", {"text": "x", "starts_at": "2021-06-25T08:00"}).status_code == 403
    assert not ScreenAnnouncement.objects.exists()


def test_footer_links_the_screen(client: Client) -> None:
    assert 'href="/screen/"' in client.get("/").content.decode()
