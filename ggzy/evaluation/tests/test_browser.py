"""Issue #8's "done when", in a real browser (preconditions through services: the section with
its frozen method, the opened bids as summaries and the confirmed committee): five experts
declare, elect a chair, review and score two bids, one deviation is justified, the scores and
the report are signed; the candidate notice is published and appears on the portal; a bidder
files an objection and the tenderer answers it; the winner is confirmed, the award notice is
published and the award letter verifies (on the page and with openssl)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.evaluation import services
from ggzy.evaluation.models import Evaluation
from ggzy.evaluation.tests.conftest import seats, summaries
from ggzy.evaluation.views import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-1234567890"
NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)  # Thursday 10:00 Beijing time
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


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/|/accounts/"))


def local(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def test_committee_to_award_letter(
    page: Any,
    live_server: Any,
    world: Any,
    make_section: Any,
    publish: Any,
    monkeypatch: Any,
    tmp_path: Path,
) -> None:
    base = live_server.url
    clock = FixedClock(NOW)
    monkeypatch.setattr(pages, "clock", clock)
    section = make_section(params=WORKS, domain="construction", deadline=NOW - dt.timedelta(days=1))
    evaluation = services.evaluation_start(
        actor=world.staff,
        section=section,
        opened=summaries(world, prices=("9000000", "10000000"), objective=False),
        committee=seats(world),
        clock=clock,
    )
    chair, *_ = world.experts

    # -- every expert: the room lists only its committee; declare before seeing the bids
    for i, user in enumerate(world.experts, 1):
        login(page, base, user.username)
        page.goto(f"{base}/manage/evaluation/")
        page.locator(f"#room-{evaluation.pk}").click()
        assert page.locator("#bid-table").count() == 0
        page.get_by_label(re.compile("不存在利害关系")).check()
        page.locator("#btn-declare").click()
        page.wait_for_load_state()
        assert page.locator("#bid-table").is_visible()
        if i <= 3:  # three of five vote for 专家1 (the first option): a majority
            page.locator("#btn-vote").click()
            page.wait_for_load_state()
    assert page.locator("#chair-name").inner_text() == "专家1"

    # -- the chair records the review and ends it
    login(page, base, chair.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
    for ref in ("B1", "B2"):
        form = page.locator(f"#review-{ref}")
        form.get_by_label("通过").check()
        form.locator("button").click()
        page.wait_for_load_state()
    page.locator("#btn-finish-review").click()
    page.wait_for_load_state()
    assert page.locator("#eval-status").inner_text() == "专家评分"

    # -- each expert scores both bids; expert 5 is far from the others on B2's 施工组织设计
    given = {"B1": ("32", "16"), "B2": ("30", "15")}
    for i, user in enumerate(world.experts, 1):
        login(page, base, user.username)
        page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
        for ref, (tech, service) in given.items():
            page.locator(f"#score-{ref}-tech").fill("5" if (i == 5 and ref == "B2") else tech)
            page.locator(f"#score-{ref}-service").fill(service)
            page.locator(f"#btn-score-{ref}").click()
            page.wait_for_load_state()
    # an out-of-range score is refused on the page
    page.locator("#score-B1-tech").fill("45")
    page.locator("#btn-score-B1").click()
    assert "超出范围" in page.locator("#action-error").inner_text()
    for user in world.experts[:4]:
        login(page, base, user.username)
        page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
        page.locator("#btn-sign-scores").click()
        page.wait_for_load_state()
        assert page.locator("#scores-signed").is_visible()
    login(page, base, world.experts[4].username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
    page.locator("#btn-sign-scores").click()
    assert "书面理由" in page.locator("#action-error").inner_text()
    page.get_by_label("偏离理由").fill("施工组织设计未针对深基坑支护提出措施")
    page.locator("#btn-justify-B2-tech").click()
    page.wait_for_load_state()
    page.locator("#btn-sign-scores").click()
    page.wait_for_load_state()
    assert page.locator("#scores-signed").is_visible()

    # -- the chair computes the result; everyone signs the report (one dissent)
    login(page, base, chair.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
    page.locator("#btn-compute").click()
    page.wait_for_load_state()
    ranking = page.locator("#result-table tbody tr")
    assert ranking.nth(0).inner_text().split("\t")[:2] == ["1", "甲科技有限公司"]
    for i, user in enumerate(world.experts, 1):
        login(page, base, user.username)
        page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
        if i == 5:
            page.get_by_label("不同意见（可不填）").fill("对乙设备施工组织设计的评分保留意见")
        page.locator("#btn-sign-report").click()
        page.wait_for_load_state()
    assert page.locator("#eval-status").inner_text() == "评标报告已签署"
    with page.expect_download() as info:
        page.locator("#report-pdf").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")

    # -- the center's editor drafts the candidate notice; it goes through the release pipeline
    login(page, base, world.staff.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/award/")
    page.get_by_label("公示开始").fill(local(NOW))
    page.get_by_label("公示结束").fill(local(NOW + dt.timedelta(days=2)))
    page.locator("#btn-publicity").click()
    assert "不得少于 3 日" in page.locator("#action-error").inner_text()
    page.get_by_label("公示开始").fill(local(NOW))
    page.get_by_label("公示结束").fill(local(NOW + dt.timedelta(days=3)))
    page.locator("#btn-publicity").click()
    page.wait_for_load_state()
    evaluation.refresh_from_db()
    assert evaluation.candidate_notice is not None
    publish(evaluation.candidate_notice)
    page.goto(f"{base}{evaluation.candidate_notice.get_absolute_url()}")
    assert "中标候选人公示" in page.content() and "甲科技有限公司" in page.content()

    # -- a bidder objects during the publicity; the tenderer answers; award blocked meanwhile
    clock.advance(days=1)
    login(page, base, world.bidders[1].username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/objection/")
    page.get_by_label("异议内容").fill("我方施工组织设计得分明显偏低，请复核。")
    page.locator("#btn-objection").click()
    page.wait_for_load_state()
    assert "待答复" in page.locator(".objection-answer").inner_text()
    clock.advance(days=3)
    login(page, base, world.tenderer.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/award/")
    page.locator("#btn-confirm").click()
    assert "尚未答复的异议" in page.locator("#action-error").inner_text()
    page.get_by_label("答复内容").fill("经评标委员会复核，评分符合招标文件规定。")
    page.locator("[id^=btn-answer-]").click()
    page.wait_for_load_state()
    page.locator("#btn-confirm").click()
    page.wait_for_load_state()
    assert page.locator("#winner").inner_text() == "甲科技有限公司"

    # -- the award notice through the pipeline, then the public verification of the letter
    login(page, base, world.staff.username)
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
