"""The issue's "done when", in a real browser: an editor drafts an article, four reviewers take it
through 初审 → 审核 → 复审 → 签发, the public sees it on the portal and finds it by search.
A second test walks the return-with-comment path and the public tombstone of a withdrawal."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ggzy.publishing.models import Article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-password-123"
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
        name: make_user(role, org=center, username=f"e2e-{name}", password=PASSWORD)
        for name, role in ROLES.items()
    }


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/"))


def open_from_queue(page: Any, base: str, title: str) -> None:
    page.goto(f"{base}/manage/")
    page.get_by_role("link", name=title).first.click()
    page.wait_for_url(re.compile(r"/manage/article/\d+/"))


def draft_and_submit(page: Any, base: str, title: str, body: str) -> None:
    login(page, base, "e2e-editor")
    page.goto(f"{base}/manage/articles/new/")
    page.get_by_label("栏目").select_option(label="要闻速递")
    page.get_by_label("标题").fill(title)
    page.get_by_label("正文").fill(body)
    page.locator("#btn-save").click()
    page.wait_for_url(re.compile(r"/manage/article/\d+/"))
    page.locator("#btn-submit").click()
    page.wait_for_load_state()
    assert "审核中" in page.content()


def test_article_through_four_reviews_to_portal_and_search(
    page: Any, live_server: Any, people: dict[str, Any]
) -> None:
    base = live_server.url
    title = "示范市公共资源交易中心开展工程监理专项检查"
    draft_and_submit(page, base, title, "<p>本次检查覆盖全市在建工程的监理履职情况。</p>")

    for reviewer, step in (("first", "初审"), ("review", "审核"), ("second", "复审"), ("signer", "签发")):
        login(page, base, f"e2e-{reviewer}")
        open_from_queue(page, base, title)
        assert step in page.content()
        page.locator("#btn-approve").click()
        page.wait_for_load_state()

    article = Article.objects.get(title=title)
    assert article.status == "published"

    page.context.clear_cookies()
    page.goto(f"{base}/")
    page.get_by_role("link", name=title).first.click()
    page.wait_for_url(re.compile(rf"/articles/{article.pk}/"))
    assert "监理履职" in page.content()

    page.goto(f"{base}/")
    page.get_by_role("searchbox").first.fill("监理")
    page.get_by_role("searchbox").first.press("Enter")
    page.wait_for_url(re.compile(r"/search/"))
    result = page.locator("main").get_by_role("link", name=re.compile("工程监理专项检查"))
    assert result.count() >= 1
    assert page.locator("mark", has_text="监理").count() >= 1


def test_return_with_comment_then_withdrawal_tombstone(
    page: Any, live_server: Any, people: dict[str, Any]
) -> None:
    base = live_server.url
    title = "关于调整开标大厅开放时间的通知"
    draft_and_submit(page, base, title, "<p>自下月起开标大厅开放时间调整。</p>")

    login(page, base, "e2e-first")
    open_from_queue(page, base, title)
    page.locator("#btn-approve").click()
    page.wait_for_load_state()

    login(page, base, "e2e-review")
    open_from_queue(page, base, title)
    page.locator("#return-form textarea").fill("请写明具体开放时间")
    page.locator("#btn-return").click()
    page.wait_for_load_state()
    assert Article.objects.get(title=title).status == "returned"

    login(page, base, "e2e-editor")
    page.goto(f"{base}/manage/")
    assert "请写明具体开放时间" in page.content()

    # Publish it through the services and withdraw it in the browser as the signer.
    article = Article.objects.get(title=title)
    from ggzy.publishing import services

    services.release_submit(actor=people["editor"], item=article)
    for name in ("first", "review", "second", "signer"):
        services.release_approve(actor=people[name], item=Article.objects.get(pk=article.pk))
    login(page, base, "e2e-signer")
    page.goto(f"{base}/manage/article/{article.pk}/")
    page.locator("#withdraw-form textarea").fill("时间安排有变，另行通知")
    page.locator("#btn-withdraw").click()
    page.wait_for_load_state()

    page.context.clear_cookies()
    response = page.goto(f"{base}/articles/{article.pk}/")
    assert response.status == 410
    assert "时间安排有变，另行通知" in page.content()
