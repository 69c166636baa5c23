"""Each uncached list and detail page runs at most 10 SQL queries, however much data there is."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(pub, pdf_upload):
    tender = None
    for i in range(25):
        tender = pub.notice(project_code="P-1", uploads=[pdf_upload(f"文件{i}.pdf", extra=str(i).encode())])
    pub.notice(kind="change", changes=tender, project_code="P-1")
    corrected = pub.correct(tender, note="更正开标时间")
    for i in range(25):
        pub.article(category=["news", "key_document", "exposure"][i % 3], uploads=[pdf_upload("附件.pdf")])
    article = pub.article(category="news", uploads=[pdf_upload("附件.pdf")])
    newer = pub.correct(article, note="修正")
    return {"notice": tender, "notice_new": corrected, "article": article, "article_new": newer}


@pytest.mark.parametrize(
    "url",
    [
        "/notices/",
        "/notices/?domain=construction&kind=tender&date_from=2021-01-01&date_to=2021-12-31&page=2",
        "/articles/",
        "/articles/c/news/?page=1",
        "/search/?q=测试&kind=notice",
        "/gk/catalogue/",
        "/audit/checkpoints/",
    ],
)
def test_list_pages_within_budget(data, browser, django_assert_max_num_queries, no_visit_writes, url):
    with django_assert_max_num_queries(10):
        assert browser.get(url).status_code == 200


@pytest.mark.parametrize("which", ["notice", "notice_new", "article", "article_new"])
def test_detail_pages_within_budget(data, browser, django_assert_max_num_queries, no_visit_writes, which):
    item = data[which]
    with django_assert_max_num_queries(10):
        assert browser.get(item.get_absolute_url()).status_code == 200


def test_detail_page_within_budget_for_a_logged_in_user(
    data, browser, pub, django_assert_max_num_queries, no_visit_writes
):
    browser.force_login(pub.editor)
    # The first request of a staff session slides its idle expiry (a session write, at most once a
    # minute: ggzy.accounts.middleware.StaffIdleTimeoutMiddleware); the budget is for page views.
    browser.get("/")
    with django_assert_max_num_queries(10):
        assert browser.get(data["notice"].get_absolute_url()).status_code == 200
