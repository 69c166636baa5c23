"""The search page: highlighted hits, filters, pagination, empty and no-result states, bad input."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_results_are_highlighted_and_filtered(pub, browser):
    pub.notice(title="示范市体育中心维修工程施工招标公告", body_html="<p>体育中心看台维修。</p>")
    pub.notice(title="体育器材采购公告", domain="procurement")
    pub.article(title="体育中心项目顺利开工", category="news")
    response = browser.get("/search/?q=体育")
    assert response.status_code == 200
    body = text(response)
    assert "<mark>体育</mark>" in body
    assert "找到约 3 条" in body
    assert "交易公告" in body and "政务信息" in body and "要闻速递" in body
    body = text(browser.get("/search/?q=体育&kind=notice&domain=procurement"))
    assert "找到约 1 条" in body and "采购公告" in body
    body = text(browser.get("/search/?q=体育&kind=article"))
    assert "找到约 1 条" in body and "顺利开工" in body
    assert "没有找到与“体育”相关的结果" in text(browser.get("/search/?q=体育&date_from=2030-01-01"))


def test_empty_query_and_no_results(pub, browser):
    pub.notice()
    body = text(browser.get("/search/"))
    assert "请输入关键词后搜索" in body
    body = text(browser.get("/search/?q=量子纠缠望远镜"))
    assert "没有找到与“量子纠缠望远镜”相关的结果" in body


def test_query_is_escaped(pub, browser):
    body = text(browser.get("/search/?q=<script>alert(1)</script>"))
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_search_paginates(pub, browser):
    for i in range(23):
        pub.notice(title=f"污水处理厂工程第{i}标段招标公告")
    body = text(browser.get("/search/?q=污水处理"))
    assert "找到约 23 条" in body and "q=%E6%B1%A1%E6%B0%B4%E5%A4%84%E7%90%86&amp;page=2" in body
    body = text(browser.get("/search/?q=污水处理&page=2"))
    assert body.count('class="search-hit"') == 3
    response = browser.get("/search/?q=污水处理&page=9")
    assert response.status_code == 400 and "页码超出范围" in text(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=a&kind=video", "“信息类型”的取值“video”无效"),
        ("q=a&domain=moon", "“交易类别”的取值“moon”无效"),
        ("q=a&date_from=2021/06/01", "“开始日期”应为“年-月-日”格式"),
        ("q=a&page=x", "页码应为正整数"),
        ("q=a&page=100000", "最多可翻到第"),
        ("q=" + "长" * 101, "搜索词过长"),
    ],
)
def test_bad_search_input_gives_400(browser, query, message):
    response = browser.get(f"/search/?{query}")
    assert response.status_code == 400
    assert message in text(response) and 'role="alert"' in text(response)
