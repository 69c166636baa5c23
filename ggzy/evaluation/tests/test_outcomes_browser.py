"""Outcomes in a real browser (preconditions through the services: a section taken through trading,
evaluated and awarded): a bidder who did not win reads its result notification, sees its rank and
the winner, the signature verifies on the page and with openssl, and another bidder's notification
is "not found"; center staff read the statistics dashboard, change the year and are told in
Chinese when the year is wrong."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.evaluation.models import ResultNotification
from ggzy.evaluation.tests.browser_support import login
from ggzy.evaluation.tests.conftest import T0
from ggzy.evaluation.tests.outcome_support import build_section, close, start, to_award
from ggzy.evaluation.views import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_losing_bidder_reads_its_notification_and_staff_read_the_statistics(
    page: Any,
    live_server: Any,
    world: Any,
    staff: Any,
    publish: Any,
    monkeypatch: Any,
    tmp_path: Path,
) -> None:
    base = live_server.url
    clock = FixedClock(T0)
    monkeypatch.setattr(pages, "clock", clock)
    deadline = T0 + dt.timedelta(days=20)
    section = build_section(world, staff, publish, clock, deadline=deadline)
    clock.at = deadline + dt.timedelta(minutes=5)
    close(section, clock)
    evaluation = to_award(world, start(world, section, clock, ("900000", "1000000", "950000")), clock)
    mine = ResultNotification.objects.get(evaluation=evaluation, bid__bid_ref="B2")
    theirs = ResultNotification.objects.get(evaluation=evaluation, bid__bid_ref="B3")
    clock.advance(hours=1)

    # -- 乙 (ranked 2nd) finds its notification among its own and opens it
    login(page, base, world.bidders[1].username)
    page.goto(f"{base}/evaluation/notifications/")
    assert page.locator(f"#notification-{theirs.pk}").count() == 0
    assert page.locator(f"#notification-{mine.pk} .notification-read").inner_text() == "未查阅"
    page.locator(f"#open-notification-{mine.pk}").click()
    page.wait_for_load_state()
    assert page.locator("#n-winner").inner_text() == "甲科技有限公司"
    assert page.locator("#n-rank").inner_text() == "第 2 名"
    assert "评审得分 80.00 分" in page.locator("#n-outcome").inner_text()
    assert "质疑" in page.locator("#n-complaint").inner_text()
    assert page.locator("#verify-result").inner_text() == "签名有效：通知书未被篡改"
    assert page.locator("#n-first-read").inner_text() != ""
    files = {}
    for name, link in (
        ("n.pdf", "#notification-pdf"),
        ("n.sig", "#notification-sig"),
        ("key.pem", "#platform-key"),
    ):
        href = page.locator(link).get_attribute("href")
        response = page.request.get(f"{base}{href}")
        assert response.ok, name
        files[name] = tmp_path / name
        files[name].write_bytes(response.body())
    checked = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            files["key.pem"],
            "-signature",
            files["n.sig"],
            files["n.pdf"],
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.stdout.strip() == "Verified OK", checked.stderr
    page.goto(f"{base}/evaluation/notifications/")
    assert page.locator(f"#notification-{mine.pk} .notification-read").inner_text() == "已查阅"
    # -- 丙's notification is not 乙's to see
    response = page.goto(f"{base}/evaluation/notifications/{theirs.pk}/")
    assert response is not None and response.status == 404
    assert "未找到该中标结果通知书" in page.locator("#error-message").inner_text()

    # -- the tenderer sees the delivery
    login(page, base, world.tenderer.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/award/")
    page.locator("#deliveries-link").click()
    page.wait_for_load_state()
    assert page.locator(f"#delivery-{theirs.pk} .first-read").inner_text() == "未查阅"
    assert page.locator(f"#delivery-{mine.pk} .first-read").inner_text() != "未查阅"

    # -- center staff: the dashboard of the clock's year, then another year, then a wrong one
    login(page, base, world.staff.username)
    page.goto(f"{base}/manage/evaluation/stats/")
    assert page.locator("h1").inner_text() == "交易统计（2026年）"
    assert page.locator("#s-awards").inner_text() == "1"
    assert page.locator("#s-amount").inner_text() == "900000.00"
    assert page.locator("#s-savings-rate").inner_text() == "10.00%"
    assert page.locator("#chart-activity svg[role=img]").is_visible()
    assert page.locator("#chart-awards svg title").first.text_content() == "2026年各月中标金额（万元）"
    july = page.locator("#stats-months tbody tr").nth(6)
    assert july.locator("th").inner_text() == "7月" and july.locator("td").nth(3).inner_text() == "900000.00"
    page.get_by_label("统计年度").select_option("2025")
    page.locator("#btn-year").click()
    page.wait_for_url(re.compile(r"year=2025"))
    assert page.locator("h1").inner_text() == "交易统计（2025年）"
    assert page.locator("#s-awards").inner_text() == "0"
    response = page.goto(f"{base}/manage/evaluation/stats/?year=2099")
    assert response is not None and response.status == 400
    assert "不能晚于今年（2026 年）" in page.locator("#stats-error").inner_text()
    # -- a bidder is not staff
    login(page, base, world.bidders[1].username)
    response = page.goto(f"{base}/manage/evaluation/stats/")
    assert response is not None and response.status == 403
