"""The XSS corpus through the public participation forms in a real Chromium (issue 9 §5): Q&A
questions (name, subject, text) asked on the public page, staff answers and the published Q&A
typed into the staff forms, and citizens' consultation comments (text, signature) posted through
the comment form. Every page that shows them — the staff question list and page, the moderation
queue, the asker's tracking page, the public Q&A list and article, the consultation page — is
opened in the browser: nothing runs, no payload becomes markup, and the texts show as text.

``make test`` uses one payload of each family (xsskit.REPRESENTATIVE); ``-m fuzz`` the whole
corpus (ggzy/security/data/xss.txt)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from ggzy.core.clock import system_clock
from ggzy.participation import services as participation
from ggzy.participation.models import Comment, Question
from ggzy.publishing import services as publishing
from ggzy.publishing.models import Article
from ggzy.security.tests.xsskit import CORPORA, Watch, assert_inert, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-xss-1234567"


@pytest.fixture(autouse=True)
def _open_forms(settings: Any) -> None:
    # Playwright types faster than a person, and one address posts every payload.
    settings.GGZY_PARTICIPATION_MIN_FORM_SECONDS = 0
    settings.GGZY_PARTICIPATION_QUESTIONS_PER_HOUR = 10_000
    settings.GGZY_PARTICIPATION_COMMENTS_PER_HOUR = 10_000
    settings.GGZY_PARTICIPATION_TRACK_PER_HOUR = 10_000
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def people(make_user: Any, center: Any) -> dict[str, Any]:
    roles = ("editor", "first_reviewer", "reviewer", "second_reviewer", "signer")
    return {role: make_user(role, org=center, username=f"xss-{role}", password=PASSWORD) for role in roles}


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/"))


@pytest.mark.parametrize("payloads", CORPORA)
def test_qa_questions_and_answers(
    page: Any, live_server: Any, people: dict[str, Any], payloads: list[str]
) -> None:
    base = live_server.url
    watch = Watch(page)
    asked: list[tuple[str, str, str, str]] = []  # (payload, subject, text, tracking code)
    for i, payload in enumerate(payloads):
        subject = f"主题{i}{payload}"[:100]
        text = f"留言{i}：{payload}"
        page.goto(f"{base}/interaction/qa/ask/")
        page.get_by_label("姓名", exact=True).fill(f"市民{i}{payload}"[:50])
        page.get_by_label("主题", exact=True).fill(subject)
        page.get_by_label("留言内容", exact=True).fill(text)
        page.get_by_label("同意将留言内容和答复公开").check()
        page.locator("#btn-ask").click()
        page.wait_for_load_state()
        code = page.locator("#tracking-code").inner_text().strip()
        asked.append((payload, subject, text, code))
    assert Question.objects.count() == len(payloads)

    # staff: the list and each question; the answer typed into the staff form
    login(page, base, "xss-first_reviewer")
    assert_inert(page, f"{base}/manage/participation/questions/")
    for i, (payload, subject, text, _) in enumerate(asked):
        question = Question.objects.get(subject=subject.strip())
        assert_inert(page, f"{base}/manage/participation/questions/{question.pk}/", shown=[text])
        page.locator("#form-answer textarea").fill(f"答复{i}：{payload}")
        page.locator("#btn-answer").click()
        page.wait_for_load_state()
        assert_inert(page, page.url, shown=[f"答复{i}：{payload}"])

    # the asker reads the answer with the tracking code
    page.context.clear_cookies()
    for i, (payload, _, _, code) in enumerate(asked):
        page.goto(f"{base}/interaction/qa/track/")
        page.get_by_label("查询码").fill(code)
        page.locator("#btn-track").click()
        page.wait_for_load_state()
        check_page(page, shown=[f"答复{i}：{payload}"])  # the answer to the form post

    # the editor publishes each Q&A with the payload in its public text; the chain approves it
    login(page, base, "xss-editor")
    for i, (payload, subject, _, _) in enumerate(asked):
        question = Question.objects.get(subject=subject.strip())
        page.goto(f"{base}/manage/participation/questions/{question.pk}/")
        page.locator("#panel-publish > summary").click()
        page.locator("#id_publish-public_question").fill(f"公开{i}：{payload}")
        page.locator("#btn-publish").click()
        page.wait_for_load_state()
        question.refresh_from_db()
        assert question.article_id is not None, page.content()[:2000]
        article = Article.objects.get(pk=question.article_id)
        for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
            article = publishing.release_approve(actor=people[role], item=article)
        assert article.status == "published"

    # the public pages
    page.context.clear_cookies()
    assert_inert(page, f"{base}/interaction/qa/")
    for i, (payload, subject, _, _) in enumerate(asked):
        question = Question.objects.get(subject=subject.strip())
        assert_inert(
            page,
            f"{base}/articles/{question.article_id}/",
            shown=[f"公开{i}：{payload}", f"答复{i}：{payload}"],
        )
    assert watch.dialogs == []


@pytest.mark.parametrize("payloads", CORPORA)
def test_consultation_comments(
    page: Any, live_server: Any, people: dict[str, Any], payloads: list[str]
) -> None:
    base = live_server.url
    watch = Watch(page)
    now = system_clock.now()
    consultation = participation.consultation_create(
        actor=people["editor"],
        title="关于开标大厅网上预约的意见征集",
        body_html="<p>欢迎提出意见。</p>",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=10),
    )
    article = consultation.article
    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        article = publishing.release_approve(actor=people[role], item=article)
    url = f"{base}/interaction/consultations/{consultation.pk}/"
    for i, payload in enumerate(payloads):
        page.goto(url)
        page.get_by_label("意见内容").fill(f"意见{i}：{payload}")
        page.get_by_label("署名（选填）").fill(payload[:40])
        page.locator("#btn-comment").click()
        page.wait_for_load_state()
    assert Comment.objects.filter(consultation=consultation).count() == len(payloads)

    # the moderation queue shows them before anyone approved: staff are the first readers
    login(page, base, "xss-first_reviewer")
    assert_inert(
        page,
        f"{base}/manage/participation/comments/",
        shown=[f"意见{i}：{p}" for i, p in enumerate(payloads)],
    )
    for comment in Comment.objects.filter(consultation=consultation):
        page.goto(f"{base}/manage/participation/comments/")
        page.locator(f"#approve-{comment.pk}").click()
        page.wait_for_load_state()
    assert set(Comment.objects.values_list("status", flat=True)) == {"approved"}

    page.context.clear_cookies()
    assert_inert(
        page,
        url,
        shown=[f"意见{i}：{p}" for i, p in enumerate(payloads)] + [p[:40].strip() for p in payloads],
    )
    assert watch.dialogs == []
