"""The participation flows in a real Chromium at phone width (390×844): a citizen comments on an
open consultation, staff approve, the comment appears; a citizen asks a question, staff answer,
an editor publishes it and after the review chain it is public, and the asker reads the answer
with the tracking code; a policy interpretation page links to the document it explains and the
政策解读 column lists both. Staff work at desktop width."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from ggzy.core.clock import system_clock
from ggzy.participation import services
from ggzy.participation.models import Comment, Question
from ggzy.publishing import services as publishing
from ggzy.publishing.models import Article, Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-password-123"
PHONE = "13700001111"
ROLES = {
    "editor": "editor",
    "first": "first_reviewer",
    "review": "reviewer",
    "second": "second_reviewer",
    "signer": "signer",
}


@pytest.fixture
def people(make_user: Any, center: Any) -> dict[str, Any]:
    return {
        name: make_user(role, org=center, username=f"pc-{name}", password=PASSWORD)
        for name, role in ROLES.items()
    }


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture(autouse=True)
def _human_speed(settings: Any) -> None:
    # Playwright fills a form faster than any person; the minimum-time check is tested elsewhere.
    settings.GGZY_PARTICIPATION_MIN_FORM_SECONDS = 0


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/"))


def approve_chain(page: Any, base: str, title: str) -> None:
    for reviewer in ("first", "review", "second", "signer"):
        login(page, base, f"pc-{reviewer}")
        page.goto(f"{base}/manage/")
        page.get_by_role("link", name=title).first.click()
        page.wait_for_url(re.compile(r"/manage/article/\d+/"))
        page.locator("#btn-approve").click()
        page.wait_for_load_state()


def fits_the_phone(pg: Any) -> bool:
    return bool(pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def publish_via_services(people: dict[str, Any], article: Article) -> Article:
    for name in ("first", "review", "second", "signer"):
        article = publishing.release_approve(actor=people[name], item=article)
    return article


def test_citizen_comments_staff_approve_comment_appears(
    page: Any, phone: Any, live_server: Any, people: dict[str, Any]
) -> None:
    base = live_server.url
    now = system_clock.now()
    consultation = services.consultation_create(
        actor=people["editor"],
        title="关于开标大厅网上预约的意见征集",
        body_html="<p>拟实行开标场地网上预约，请提出意见。</p>",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=10),
    )
    publish_via_services(people, consultation.article)

    # -- a citizen on a phone finds the consultation from 互动交流 and comments
    phone.goto(f"{base}/interaction/")
    phone.locator("#link-consultations").click()
    phone.wait_for_url(re.compile(r"/interaction/consultations/$"))
    phone.get_by_role("link", name="关于开标大厅网上预约的意见征集").click()
    phone.wait_for_url(re.compile(r"/interaction/consultations/\d+/"))
    assert phone.locator("#consultation-state").inner_text() == "征集中"
    assert fits_the_phone(phone)
    phone.get_by_label("意见内容").fill("建议预约系统支持手机短信提醒。")
    phone.get_by_label("署名（选填）").fill("市民小王")
    phone.get_by_label("联系方式（选填）").fill(PHONE)
    phone.locator("#btn-comment").click()
    phone.wait_for_load_state()
    assert "您的意见已提交" in phone.content()
    assert "建议预约系统支持手机短信提醒" not in phone.locator("#comments").inner_text()
    assert Comment.objects.get().contact_encrypted.startswith("gf1.")

    # -- staff approve it in the moderation queue
    login(page, base, "pc-first")
    page.locator("#nav-participation").click()
    page.locator("#nav-pc-comments").click()
    assert "建议预约系统支持手机短信提醒" in page.locator("#moderation-queue").inner_text()
    assert PHONE not in page.content()
    comment = Comment.objects.get()
    page.locator(f"#approve-{comment.pk}").click()
    page.wait_for_load_state()
    assert "已通过" in page.content()

    # -- the comment appears on the public page, without the contact
    phone.reload()
    comments = phone.locator("#comment-list").inner_text()
    assert "建议预约系统支持手机短信提醒" in comments and "市民小王" in comments
    assert PHONE not in phone.content() and "137****1111" not in phone.content()


def test_citizen_asks_staff_answer_published_after_review(
    page: Any, phone: Any, live_server: Any, people: dict[str, Any]
) -> None:
    base = live_server.url

    # -- a citizen asks on a phone
    phone.goto(f"{base}/interaction/")
    phone.locator("#link-ask").click()
    phone.wait_for_url(re.compile(r"/interaction/qa/ask/"))
    assert fits_the_phone(phone)
    phone.get_by_label("姓名", exact=True).fill("陈女士")
    phone.get_by_label("联系方式（选填）").fill("chen@example.com")
    phone.get_by_label("主题", exact=True).fill("投标保证金退还时间")
    phone.get_by_label("留言内容", exact=True).fill("未中标的投标保证金多久退还？我是陈女士。")
    phone.get_by_label("同意将留言内容和答复公开").check()
    phone.locator("#btn-ask").click()
    phone.wait_for_load_state()
    code = phone.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    question = Question.objects.get()

    # -- staff answer
    login(page, base, "pc-first")
    page.goto(f"{base}/manage/participation/questions/")
    page.get_by_role("link", name="投标保证金退还时间").click()
    page.locator("#form-answer textarea").fill("招标人应在中标通知书发出后5日内退还。")
    page.locator("#btn-answer").click()
    page.wait_for_load_state()
    assert page.locator("#question-status").inner_text() == "已答复"

    # -- the asker reads the answer with the code (not yet public)
    phone.goto(f"{base}/interaction/qa/track/")
    phone.get_by_label("查询码").fill(code.lower())
    phone.locator("#btn-track").click()
    phone.wait_for_load_state()
    assert "5日内退还" in phone.locator("#track-answer").inner_text()
    assert phone.locator("#track-public-link").count() == 0

    # -- an editor removes the name and sends it into the review chain; the page refuses the name first
    login(page, base, "pc-editor")
    page.goto(f"{base}/manage/participation/questions/{question.pk}/")
    page.locator("#panel-publish > summary").click()
    page.locator("#btn-publish").click()
    page.wait_for_load_state()
    assert "含有留言人的姓名或联系方式" in page.locator("#action-error").inner_text()
    page.locator("#id_publish-public_question").fill("未中标的投标保证金多久退还？")
    page.locator("#btn-publish").click()
    page.wait_for_load_state()
    assert "提交审核" in page.content()
    title = "关于“投标保证金退还时间”的咨询"
    approve_chain(page, base, title)
    article = Article.objects.get(title=title)
    assert article.status == "published"

    # -- public: the Q&A list and the article page; the tracking page links to it
    phone.context.clear_cookies()
    phone.goto(f"{base}/interaction/qa/")
    phone.get_by_role("link", name=title).click()
    phone.wait_for_url(re.compile(rf"/articles/{article.pk}/"))
    content = phone.content()
    assert "5日内退还" in content and "陈女士" not in content and "chen@example.com" not in content
    phone.goto(f"{base}/interaction/qa/track/")
    phone.get_by_label("查询码").fill(code)
    phone.locator("#btn-track").click()
    phone.wait_for_load_state()
    assert phone.locator("#track-public-link").get_attribute("href") == f"/articles/{article.pk}/"


def test_interpretation_page_links_both_ways(
    page: Any, phone: Any, live_server: Any, people: dict[str, Any]
) -> None:
    base = live_server.url
    document = publishing.article_create(
        actor=people["editor"],
        category=Category.objects.get(code="key_document"),
        title="示范市公共资源交易平台服务管理细则",
        body_html="<p>第一条 ……</p>",
        doc_number="示公管〔2026〕3号",
    )
    publishing.release_submit(actor=people["editor"], item=document)
    document = publish_via_services(people, document)

    # -- the editor drafts the interpretation in the back office and submits it
    login(page, base, "pc-editor")
    page.goto(f"{base}/manage/participation/interpretations/")
    page.locator("#panel-new > summary").click()
    page.locator("#id_new-explains").fill(str(document.pk))
    page.locator("#id_new-title").fill("《平台服务管理细则》政策解读")
    page.locator("#id_new-body_html").fill("<p>一、为什么制定细则</p>")
    page.locator("#btn-new").click()
    page.wait_for_load_state()
    assert "解读已创建并提交审核" in page.content()
    approve_chain(page, base, "《平台服务管理细则》政策解读")

    # -- the public finds it in 政策解读, and each page links to the other
    phone.goto(f"{base}/gk/interpretations/")
    phone.get_by_role("link", name="《平台服务管理细则》政策解读").click()
    phone.wait_for_url(re.compile(r"/interaction/interpretations/\d+/"))
    assert fits_the_phone(phone)
    interpretation_url = phone.url
    phone.locator("#link-explained").click()
    phone.wait_for_url(re.compile(rf"/articles/{document.pk}/"))
    assert "示范市公共资源交易平台服务管理细则" in phone.content()
    phone.goto(f"{base}/gk/interpretations/")
    assert (
        phone.locator("#interpretation-list")
        .get_by_role("link", name="示范市公共资源交易平台服务管理细则")
        .count()
        == 1
    )
    phone.goto(interpretation_url)
    phone.locator("#link-interpretation-article").click()
    phone.wait_for_url(re.compile(r"/articles/\d+/"))
    assert "为什么制定细则" in phone.content()
