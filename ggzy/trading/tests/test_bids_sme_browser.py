"""In a real browser: a bidder declares 小微企业 on the bid page (中小企业声明), seals in the
browser and uploads; two other bidders seal with the kit (realkit). The opening runs for real,
the committee is drawn, the evaluation starts from the section — and the browser bid's evaluated
price is its price less the section's 10 % small/micro deduction (contract price unchanged).
Before that, the page refuses an invalid consortium share with the evaluation's own Chinese
message, before anything is sealed or uploaded."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ggzy.core.clock import FixedClock
from ggzy.evaluation import scoring, selectors, services
from ggzy.evaluation.tests import realkit
from ggzy.evaluation.tests.realkit import PASSWORD, BidPlan
from ggzy.opening.models import OpenedBid
from ggzy.opening.tests.hallkit import T0, Bidder, _org, _user
from ggzy.sealing import kit
from ggzy.sealing import testing as pki
from ggzy.trading import bid_summary
from ggzy.trading.models import Bid, BidUpload
from ggzy.trading.views import common

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 最低评标价法, goods: small/micro 10 %, consortium (share ≥ 30 %) 4 % (财库〔2022〕19号 ranges).
LOWEST = {
    "method": "lowest_evaluated_price",
    "category": "goods",
    "sme": {"small_micro_percent": "10", "consortium_percent": "4", "consortium_min_share_percent": "30"},
    "tie_break": ["lower_bid_price"],
    "candidate_count": 3,
}
KIT_PLANS = [
    BidPlan("甲科技有限公司", "950000.00"),
    BidPlan("乙设备有限公司", "880000.00", sme_kind="consortium", sme_share="40"),
]
BROWSER = "丙小微科技有限公司"
BROWSER_PRICE = "1000000.00"


def login(page: Any, base: str, username: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_url)))


def browser_bid(page: Any, base: str, tmp_path: Path, real: realkit.Real) -> None:
    """The third bidder, in the browser, before the deadline: imports a kit key file, tries a bad
    consortium share, then declares 小微企业, seals and uploads."""
    from ggzy.accounts import services as account_services

    clock = real.clock
    org = _org("bidder", BROWSER)
    user = _user("bidder", org, username=f"sme-browser-{org.pk}")
    ca = pki.make_ca("浏览器投标测试CA")
    account_services.trusted_root_import(
        actor=None, data=pki.cert_pem(ca[0]), name="浏览器投标测试CA", clock=clock
    )
    cert, signing_key = pki.make_leaf(*ca, org_name=org.name, credit_code=org.credit_code)
    account_services.certificate_bind(actor=user, organisation=org, data=pki.cert_pem(cert), clock=clock)
    bidder = Bidder(user=user, org=org, cert=cert, signing_key=signing_key, key=kit.generate_key())
    key_file = tmp_path / "bid-key.pem"
    key_file.write_bytes(bidder.key.private_pem)
    signing = tmp_path / "cert-key.pem"
    signing.write_bytes(pki.key_pem(signing_key))
    bid_file = tmp_path / "投标文件.pdf"
    bid_file.write_bytes(b"%PDF-1.7 small enterprise bid " * 2000)

    bid_url = f"/trading/sections/{real.section.pk}/bid/"
    login(page, base, user.username, bid_url)
    expect(page.locator("#key-status")).to_contain_text("还没有投标密钥")
    page.locator("#key-import-file").set_input_files(str(key_file))
    expect(page.locator("#key-status")).to_contain_text("已就绪")

    page.get_by_label("投标文件", exact=True).set_input_files(str(bid_file))
    page.get_by_label("投标报价（元）").fill(BROWSER_PRICE)
    page.get_by_label("签名证书私钥文件").set_input_files(str(signing))
    share = page.get_by_label("小微企业合同份额（%）")
    expect(page.get_by_label("非中小企业")).to_be_checked()  # the default declares nothing
    expect(share).to_be_disabled()

    # bad input: refused in the page, with the rules and messages the evaluation applies
    error = page.locator("#bid-error")
    page.get_by_label("联合体/分包（小微企业份额）").check()
    expect(share).to_be_enabled()
    for value, message in (
        ("", "联合体/分包须填写小微企业合同份额（%）。"),
        ("120", "小微企业合同份额须为 0–100 之间的数，最多两位小数。"),
        ("33.333", "小微企业合同份额须为 0–100 之间的数，最多两位小数。"),
        ("三十", "小微企业合同份额须为 0–100 之间的数，最多两位小数。"),
    ):
        share.fill(value)
        page.locator("#bid-submit").click()
        expect(error).to_have_text(message)
        expect(error).to_be_visible()
        expect(share).to_have_attribute("aria-invalid", "true")
        expect(share).to_have_accessible_description(re.compile(re.escape(message)))
        expect(share).to_be_focused()
        assert message in bid_summary.MESSAGES.values()  # the evaluation's own words
    expect(page.locator("#bid-progress")).to_be_hidden()  # nothing was sealed
    assert not BidUpload.objects.filter(organisation=org).exists()

    # 小微企业: the share is not asked for; seal, upload, the receipt verifies
    page.get_by_label("小微企业", exact=True).check()
    expect(share).to_be_disabled()
    expect(share).not_to_have_attribute("aria-invalid", "true")
    page.locator("#bid-submit").click()
    expect(page.locator("#receipt-status")).to_contain_text("回执验证通过", timeout=60000)
    expect(error).to_be_hidden()
    bidder.bid = Bid.objects.get(organisation=org, section=real.section, is_current=True)
    real.bidders[BROWSER] = bidder
    real.plans[BROWSER] = BidPlan(BROWSER, BROWSER_PRICE, sme_kind="small_micro")


def test_small_micro_declared_in_the_browser_is_deducted_after_a_real_opening(
    page: Any, live_server: Any, staff: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clock = FixedClock(T0)
    monkeypatch.setattr(common, "clock", clock)
    real = realkit.build_section(
        clock,
        staff,
        domain="procurement",
        params=LOWEST,
        plans=list(KIT_PLANS),
        before_close=lambda r: browser_bid(page, live_server.url, tmp_path, r),
    )
    assert BROWSER in real.bidders
    realkit.run_opening(real)
    # what the browser sealed is what the kit writes: the declaration's key, no share
    opened = OpenedBid.objects.get(bid=real.bid_of(BROWSER))
    assert opened.summary == {"price": BROWSER_PRICE, "sme_kind": "small_micro"}

    realkit.draw_committee(real, specialty="B0202", declines=0)
    evaluation = services.evaluation_start(actor=real.host, section=real.section, clock=clock)
    bids = {b.bidder_name: b for b in evaluation.bids.all()}
    assert sorted(bids) == sorted([BROWSER, "甲科技有限公司", "乙设备有限公司"])
    assert (bids[BROWSER].sme_kind, bids[BROWSER].sme_share) == ("small_micro", None)
    assert bids[BROWSER].bid_ref == str(real.bid_of(BROWSER).pk)

    members = list(evaluation.members.order_by("pk"))
    for m in members:
        services.member_declare(actor=m.user, evaluation=evaluation, no_conflict=True, clock=clock)
    chair = members[0]
    for m in members[:3]:
        services.chair_vote(actor=m.user, evaluation=evaluation, candidate=chair, clock=clock)
    for b in evaluation.bids.all():
        services.bid_review(actor=chair.user, bid=b, compliant=True, clock=clock)
    outcome = scoring.evaluate(selectors.config_of(evaluation), *selectors.scoring_inputs(evaluation))
    ref = {b.bid_ref: b.bidder_name for b in evaluation.bids.all()}
    ranked = [(ref[r.bid_id], r.contract_price, r.evaluated_price) for r in outcome.results]
    assert ranked == [
        ("乙设备有限公司", Decimal("880000.00"), Decimal("844800.00")),  # consortium share 40 %: − 4 %
        (BROWSER, Decimal("1000000.00"), Decimal("900000.00")),  # declared in the browser: − 10 %
        ("甲科技有限公司", Decimal("950000.00"), Decimal("950000.00")),  # none: ranked behind it
    ]
