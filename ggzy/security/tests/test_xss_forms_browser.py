"""The XSS corpus through the other free-text fields, typed into their real forms in Chromium
(issue 9 §5): a bidder's objection to the evaluation result and the tenderer's answer; the public
online disclosure application (applicant name, address, the information asked for and its
description); the violation record behind the exposure board (subject, facts, authority, decision
number, penalty). Every page that shows them is opened in the browser: nothing runs, no payload
becomes markup, and the texts show as text.

``make test`` uses one payload of each family (xsskit.REPRESENTATIVE); ``-m fuzz`` the whole
corpus (ggzy/security/data/xss.txt)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from ggzy.core.clock import FixedClock, local_date, system_clock
from ggzy.disclosure.models import DisclosureRequest
from ggzy.disclosure.tests.conftest import ID_NUMBER, PHONE
from ggzy.evaluation import services as evaluation_services
from ggzy.evaluation.tests.conftest import (  # noqa: F401 - fixtures used by the objection test
    eclock,
    make_section,
    ready_for_scoring,
    room,
    score_all,
    world,
)
from ggzy.evaluation.views import pages as evaluation_pages
from ggzy.publishing import services as publishing
from ggzy.security.tests.xsskit import CORPORA, Watch, assert_inert, check_page
from ggzy.supervision.models import Violation
from ggzy.supervision.views.public import PAGE_SIZE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-1234567890"  # make_user's default
CHAIN = ("first_reviewer", "reviewer", "second_reviewer", "signer")


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/|/accounts/"))


@pytest.mark.parametrize("payloads", CORPORA)
def test_evaluation_objection_and_answer(
    page: Any,
    live_server: Any,
    world: Any,  # noqa: F811
    room: Any,  # noqa: F811
    eclock: FixedClock,  # noqa: F811
    publish: Any,
    monkeypatch: pytest.MonkeyPatch,
    payloads: list[str],
) -> None:
    # the evaluation up to the candidate publicity, through the services
    ready_for_scoring(world, room, eclock)
    score_all(world, room, eclock, outlier=None)
    for user in world.experts:
        evaluation_services.scores_sign(actor=user, evaluation=room, clock=eclock)
    room = evaluation_services.result_compute(actor=world.experts[0], evaluation=room, clock=eclock)
    signed = room.report_sha256
    for user in world.experts:
        evaluation_services.report_sign(actor=user, evaluation=room, report_sha256=signed, clock=eclock)
    room.refresh_from_db()
    start = eclock.now()
    room = evaluation_services.publicity_start(
        actor=world.staff,
        evaluation=room,
        starts_at=start,
        ends_at=start + dt.timedelta(days=3),
        clock=eclock,
    )
    publish(room.candidate_notice)
    eclock.advance(days=1)
    monkeypatch.setattr(evaluation_pages, "clock", eclock)

    base = live_server.url
    watch = Watch(page)
    objection = "\n".join(f"异议{i}：{p}" for i, p in enumerate(payloads))
    answer = "\n".join(f"答复{i}：{p}" for i, p in enumerate(payloads))
    login(page, base, world.bidders[1].username)
    url = f"{base}/manage/evaluation/{room.pk}/objection/"
    page.goto(url)
    page.get_by_label("异议内容").fill(objection)
    page.locator("#btn-objection").click()
    page.wait_for_load_state()
    check_page(page, shown=objection.splitlines())

    login(page, base, world.tenderer.username)
    award = f"{base}/manage/evaluation/{room.pk}/award/"
    assert_inert(page, award, shown=objection.splitlines())
    page.get_by_label("答复内容").fill(answer)
    page.locator("[id^=btn-answer-]").click()
    page.wait_for_load_state()
    check_page(page, shown=answer.splitlines())

    login(page, base, world.bidders[1].username)
    assert_inert(page, url, shown=objection.splitlines() + answer.splitlines())
    assert watch.dialogs == []


@pytest.mark.parametrize("payloads", CORPORA)
def test_disclosure_application_texts(
    page: Any, live_server: Any, make_user: Any, center: Any, settings: Any, payloads: list[str]
) -> None:
    settings.GGZY_DISCLOSURE_SUBMIT_PER_HOUR = 10_000
    from django.core.cache import cache

    cache.clear()
    officer = make_user("disclosure_officer", org=center, username="xss-officer")
    base = live_server.url
    watch = Watch(page)
    for i, payload in enumerate(payloads):
        page.goto(f"{base}/gk/apply/online/")
        page.locator("input[name=applicant_kind][value=natural_person]").check()
        page.locator("#id_applicant_name").fill(f"申请人{i}{payload}"[:200])
        page.locator("#id_id_doc_type").select_option("resident_id")
        page.locator("#id_id_number").fill(ID_NUMBER)
        page.locator("#id_phone").fill(PHONE)
        page.locator("#id_address").fill(f"地址{i}{payload}"[:200])
        page.locator("#id_info_name").fill(f"信息{i}：{payload}")
        page.locator("#id_info_description").fill(f"描述{i}：{payload}")
        page.locator("input[name=info_form][value=electronic]").check()
        page.locator("input[name=delivery_method][value=collect]").check()
        page.locator("#id_agree").check()
        page.locator("#btn-apply").click()
        page.wait_for_load_state()
        check_page(page)
        assert page.locator("#tracking-code").count() == 1, page.content()[:3000]
    assert DisclosureRequest.objects.count() == len(payloads)

    login(page, base, officer.username)
    assert_inert(page, f"{base}/manage/disclosure/")
    for i, payload in enumerate(payloads):
        request = DisclosureRequest.objects.get(info_name=f"信息{i}：{payload}".strip())
        assert_inert(
            page,
            f"{base}/manage/disclosure/{request.pk}/",
            shown=[f"申请人{i}{payload}"[:200].strip(), f"信息{i}：{payload}", f"描述{i}：{payload}"],
        )
    assert watch.dialogs == []


@pytest.mark.parametrize("payloads", CORPORA)
def test_exposure_board_texts(
    page: Any, live_server: Any, make_user: Any, center: Any, payloads: list[str]
) -> None:
    people = {role: make_user(role, org=center, username=f"xss-v-{role}") for role in ("editor", *CHAIN)}
    base = live_server.url
    watch = Watch(page)
    yesterday = local_date(system_clock.now()) - dt.timedelta(days=1)
    login(page, base, "xss-v-editor")
    for i, payload in enumerate(payloads):
        page.goto(f"{base}/manage/supervision/violations/")
        page.locator("input[name=subject_kind][value=expert]").check()
        page.locator("#id_expert_name").fill(f"专家{i}{payload}"[:50])
        page.locator("#id_facts").fill(f"事实{i}：{payload}")
        page.locator("#id_authority").fill(f"机关{i}{payload}"[:200])
        page.locator("#id_decision_number").fill(f"文号{i}{payload}"[:100])
        page.locator("#id_penalty").fill(f"处理{i}：{payload}")
        page.locator("#id_decided_on").fill(yesterday.isoformat())
        page.locator("#btn-violation").click()
        page.wait_for_load_state()
        assert page.locator("#action-error").count() == 0, page.locator("#action-error").inner_text()
    assert Violation.objects.count() == len(payloads)
    assert_inert(page, f"{base}/manage/supervision/violations/")
    for violation in Violation.objects.all():
        article = violation.article
        for role in CHAIN:
            article = publishing.release_approve(actor=people[role], item=article)
        assert article.status == "published"

    page.context.clear_cookies()
    board = ""  # the board's pages (paginated): every entry is on one of them, as text
    for number in range(1, len(payloads) // PAGE_SIZE + 2):
        board += assert_inert(page, f"{base}/credit/exposure/?page={number}")
    for i, p in enumerate(payloads):
        assert f"事实{i}：{p}" in board and f"处理{i}：{p}" in board, p
    for i, payload in enumerate(payloads):
        violation = Violation.objects.get(penalty=f"处理{i}：{payload}".strip())
        assert_inert(page, f"{base}/articles/{violation.article_id}/", shown=[f"处理{i}：{payload}"])
    assert watch.dialogs == []
