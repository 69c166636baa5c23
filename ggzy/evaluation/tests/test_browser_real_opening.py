"""Issue #8's "done when", in a real browser, starting after the real opening of the trading
issue: the setup goes through the services of the other apps (``realkit``) — a construction
section with 综合评估法, three bidders sealing real envelopes, the opening hall (one bid fails to
decrypt and is marked 视为撤销, so two are read out), the expert draw with one decline answered by
a reserve — and the evaluation is started from that section (no bids or experts passed in).
Then, in the browser: the five drawn experts see exactly the two opened bids, declare, elect a
chair, review and score; one deviation is justified; scores and report are signed; the candidate
notice appears on the portal; an objection is filed and answered; the award notice is published
and the award letter verifies (on the page and with openssl)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.evaluation import services
from ggzy.evaluation.models import Evaluation
from ggzy.evaluation.tests import realkit
from ggzy.evaluation.tests.realkit import PASSWORD, BidPlan
from ggzy.evaluation.views import pages
from ggzy.opening.tests.hallkit import T0

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKS = {
    "method": "comprehensive_assessment",
    "category": "works",
    "criteria": [
        {"key": "tech", "name": "施工组织设计", "points": "40", "kind": "subjective"},
        {"key": "service", "name": "项目管理机构", "points": "20", "kind": "subjective"},
    ],
    "price_points": "40",
    "base_price": {"kind": "trimmed_mean"},
    "slopes": {"above": "1", "below": "0.5"},
    "tie_break": ["lower_bid_price"],
    "candidate_count": 2,
    "deviation_check": {"points": "10"},
}
PLANS = [
    BidPlan("甲建设工程有限公司", "9000000.00"),
    BidPlan("乙建筑安装有限公司", "10000000.00"),
    BidPlan("丙市政工程有限公司", "8500000.00", decrypt="fail"),
]


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/|/accounts/"))


def local(moment: Any) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def test_real_opening_and_draw_to_award_letter(
    page: Any, live_server: Any, staff: dict[str, Any], publish: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    base = live_server.url
    clock = FixedClock(T0)
    monkeypatch.setattr(pages, "clock", clock)
    real = realkit.build_section(
        clock, staff, domain="construction", params=WORKS, plans=PLANS, budget="12000000"
    )
    realkit.run_opening(real)
    realkit.draw_committee(real, specialty="A0801", declines=1)
    evaluation = services.evaluation_start(actor=staff["editor"], section=real.section, clock=clock)
    experts = list(evaluation.members.order_by("pk").select_related("user"))
    assert {m.user_id for m in experts} == {e.user_id for e in real.confirmed}
    ref = {name: str(real.bid_of(name).pk) for name in real.opened_names()}
    win, lose = ref["甲建设工程有限公司"], ref["乙建筑安装有限公司"]

    # -- the expert who declined has no room; every member sees only its committee's room and,
    #    after declaring, exactly the two opened bids with the prices read out at the opening
    login(page, base, real.declined[0].user.username)
    page.goto(f"{base}/manage/evaluation/")
    assert page.locator(f"#room-{evaluation.pk}").count() == 0
    for i, member in enumerate(experts, 1):
        login(page, base, member.user.username)
        page.goto(f"{base}/manage/evaluation/")
        page.locator(f"#room-{evaluation.pk}").click()
        assert page.locator("#bid-table").count() == 0
        page.get_by_label(re.compile("不存在利害关系")).check()
        page.locator("#btn-declare").click()
        page.wait_for_load_state()
        rows = page.locator("#bid-table tbody tr")
        assert rows.count() == 2
        assert page.locator(f"#bid-{win}").inner_text().split("\t")[:2] == [
            "甲建设工程有限公司",
            "9000000.00",
        ]
        assert page.locator(f"#bid-{lose}").inner_text().split("\t")[:2] == [
            "乙建筑安装有限公司",
            "10000000.00",
        ]
        assert "丙市政工程有限公司" not in page.locator("#bid-table").inner_text()
        if i <= 3:  # three of five vote for the first member (the first option): a majority
            page.locator("#btn-vote").click()
            page.wait_for_load_state()
    assert page.locator("#chair-name").inner_text() == experts[0].name
    chair = experts[0].user

    # -- the chair records the review and ends it
    login(page, base, chair.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
    for bid_ref in (win, lose):
        form = page.locator(f"#review-{bid_ref}")
        form.get_by_label("通过").check()
        form.locator("button").click()
        page.wait_for_load_state()
    page.locator("#btn-finish-review").click()
    page.wait_for_load_state()
    assert page.locator("#eval-status").inner_text() == "专家评分"

    # -- each expert scores both bids; the fifth is far from the others on the loser's 施工组织设计
    given = {win: ("32", "16"), lose: ("30", "15")}
    for i, member in enumerate(experts, 1):
        login(page, base, member.user.username)
        page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
        for bid_ref, (tech, service) in given.items():
            page.locator(f"#score-{bid_ref}-tech").fill("5" if (i == 5 and bid_ref == lose) else tech)
            page.locator(f"#score-{bid_ref}-service").fill(service)
            page.locator(f"#btn-score-{bid_ref}").click()
            page.wait_for_load_state()
    for member in experts[:4]:
        login(page, base, member.user.username)
        page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
        page.locator("#btn-sign-scores").click()
        expect(page.locator("#scores-signed")).to_be_visible()
    login(page, base, experts[4].user.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
    page.locator("#btn-sign-scores").click()
    assert "书面理由" in page.locator("#action-error").inner_text()
    page.get_by_label("偏离理由").fill("施工组织设计未针对深基坑支护提出措施")
    page.locator(f"#btn-justify-{lose}-tech").click()
    page.wait_for_load_state()
    page.locator("#btn-sign-scores").click()
    expect(page.locator("#scores-signed")).to_be_visible()

    # -- the chair computes the result; everyone signs the report
    login(page, base, chair.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
    page.locator("#btn-compute").click()
    page.wait_for_load_state()
    ranking = page.locator("#result-table tbody tr")
    assert ranking.nth(0).inner_text().split("\t")[:2] == ["1", "甲建设工程有限公司"]
    for member in experts:
        login(page, base, member.user.username)
        page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
        page.locator("#btn-sign-report").click()
        page.wait_for_load_state()
    assert page.locator("#eval-status").inner_text() == "评标报告已签署"
    with page.expect_download() as info:
        page.locator("#report-pdf").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")

    # -- the center's editor drafts the candidate notice; it goes through the release pipeline
    now = clock.now()
    login(page, base, staff["editor"].username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/award/")
    page.get_by_label("公示开始").fill(local(now))
    page.get_by_label("公示结束").fill(local(now + dt.timedelta(days=3)))
    page.locator("#btn-publicity").click()
    page.wait_for_load_state()
    evaluation.refresh_from_db()
    assert evaluation.candidate_notice is not None
    publish(evaluation.candidate_notice)
    page.goto(f"{base}{evaluation.candidate_notice.get_absolute_url()}")
    assert "中标候选人公示" in page.content() and "甲建设工程有限公司" in page.content()
    assert "丙市政工程有限公司" not in page.content()

    # -- a bidder objects during the publicity; the tenderer answers; then the award
    clock.advance(days=1)
    login(page, base, real.bidders["乙建筑安装有限公司"].user.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/objection/")
    page.get_by_label("异议内容").fill("我方施工组织设计得分明显偏低，请复核。")
    page.locator("#btn-objection").click()
    page.wait_for_load_state()
    assert "待答复" in page.locator(".objection-answer").inner_text()
    clock.advance(days=3)
    login(page, base, real.tenderer.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/award/")
    page.locator("#btn-confirm").click()
    assert "尚未答复的异议" in page.locator("#action-error").inner_text()
    page.get_by_label("答复内容").fill("经评标委员会复核，评分符合招标文件规定。")
    page.locator("[id^=btn-answer-]").click()
    page.wait_for_load_state()
    page.locator("#btn-confirm").click()
    page.wait_for_load_state()
    assert page.locator("#winner").inner_text() == "甲建设工程有限公司"

    # -- the award notice through the pipeline, then the public verification of the letter
    login(page, base, staff["editor"].username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/award/")
    page.locator("#btn-award-notice").click()
    page.wait_for_load_state()
    evaluation = Evaluation.objects.get(pk=evaluation.pk)
    assert evaluation.award_notice is not None
    publish(evaluation.award_notice)
    page.goto(f"{base}{evaluation.award_notice.get_absolute_url()}")
    assert "中标结果公告" in page.content() and "9000000" in page.content()
    page.context.clear_cookies()
    page.goto(f"{base}/evaluation/award/{evaluation.pk}/")
    assert page.locator("#verify-result").inner_text() == "签名有效：中标通知书未被篡改"
    files = {}
    for name, link in (
        ("award.pdf", "#letter-pdf"),
        ("award.sig", "#letter-sig"),
        ("key.pem", "#platform-key"),
    ):
        href = page.locator(link).get_attribute("href")
        files[name] = tmp_path / name
        files[name].write_bytes(page.request.get(f"{base}{href}").body())
    checked = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            files["key.pem"],
            "-signature",
            files["award.sig"],
            files["award.pdf"],
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.stdout.strip() == "Verified OK", checked.stderr
