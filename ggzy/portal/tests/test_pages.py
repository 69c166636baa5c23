"""The public pages render, show what a reader looks for, and refuse bad filters with a message."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.portal.tests.conftest import MONEY
from ggzy.portal.views import common

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_home_shows_search_domains_kinds_openings_news_and_documents(pub, browser, monkeypatch):
    now = dt.datetime(2021, 6, 25, 0, 0, tzinfo=dt.UTC)  # 08:00 in Shanghai
    monkeypatch.setattr(common, "clock", FixedClock(now))
    opening = dt.datetime(2021, 6, 25, 1, 30, tzinfo=dt.UTC)  # 09:30 Shanghai, today
    pub.notice(title="城区道路改造工程施工招标公告", bid_deadline=opening, opening_at=opening)
    pub.notice(
        title="明日开标的项目",
        bid_deadline=opening + dt.timedelta(days=1),
        opening_at=opening + dt.timedelta(days=1),
    )
    pub.notice(title="办公设备采购公告", domain="procurement")
    pub.article(title="中心召开年度工作会议", category="news")
    pub.article(title="关于启用新版交易系统的通知", category="key_document")
    response = browser.get("/")
    body = text(response)
    assert response.status_code == 200
    for label in (
        "信息检索",
        "工程建设",
        "政府采购",
        "土地矿业",
        "国有产权",
        "招标/采购公告",
        "变更公告",
        "中标候选人公示",
        "中标结果公告",
        "今日开标",
        "要闻速递",
        "通知公告",
    ):
        assert label in body, label
    assert body.index('id="home-q"') < body.index("今日开标")  # search comes first
    openings = body[body.index("今日开标") : body.index('id="news-title"')]
    assert "城区道路改造工程施工招标公告" in openings and "09:30" in openings
    assert "明日开标的项目" not in openings
    assert "中心召开年度工作会议" in body and "关于启用新版交易系统的通知" in body
    assert "2021-06-01" in body  # item dates


def test_home_query_count_is_bounded(pub, browser, django_assert_max_num_queries, no_visit_writes):
    for i in range(12):
        pub.notice(
            title=f"工程{i}", domain=["construction", "procurement", "land_mining", "state_assets"][i % 4]
        )
    for code in ("news", "key_document"):
        for _ in range(3):
            pub.article(category=code)
    with django_assert_max_num_queries(15):
        assert browser.get("/").status_code == 200


def test_layout_has_site_identity_skip_link_and_no_inline_styles(pub, browser, settings):
    response = browser.get("/notices/")
    body = text(response)
    site = settings.GGZY_SITE
    for value in (
        site["center_name"],
        site["sponsor"],
        site["site_code"],
        site["icp"],
        site["police_record"],
        site["address"],
        site["phone"],
        site["email"],
    ):
        assert value in body
    assert '<meta charset="utf-8">' in body
    assert 'class="skip-link" href="#main"' in body and 'id="main"' in body
    assert "主办单位" in body and "网站标识码" in body
    assert " style=" not in body and "<style" not in body  # CSP: style-src 'self'
    assert "<script" not in body or all("nonce=" in tag for tag in re.findall(r"<script[^>]*>", body))
    assert "<svg" in body  # the emblem is inline, no external image


def test_every_input_has_a_label(pub, browser):
    for url in ("/", "/notices/", "/articles/", "/search/?q=x", "/accounts/login/"):
        body = text(browser.get(url))
        ids = re.findall(
            r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', body
        )
        controls = re.findall(r"<(?:input|select|textarea)(?![^>]*type=\"(?:hidden|submit)\")[^>]*>", body)
        assert len(ids) == len(controls), url
        for control_id in ids:
            assert f'for="{control_id}"' in body, (url, control_id)


def test_notice_list_filters_and_paginates(pub, browser):
    for i in range(23):
        pub.notice(title=f"施工项目{i:02d}")
    pub.notice(title="电脑采购项目", domain="procurement")
    pub.notice(title="中标结果：施工项目00", kind="award", winner_name="某建设公司")
    response = browser.get("/notices/")
    assert response.status_code == 200
    body = text(response)
    assert "共 25 条" in body and 'aria-label="分页"' in body and "下一页" in body
    assert text(browser.get("/notices/?page=2")).count('href="/notices/') >= 5
    body = text(browser.get("/notices/?domain=procurement"))
    assert "电脑采购项目" in body and "施工项目01" not in body and "共 1 条" in body
    body = text(browser.get("/notices/?kind=award"))
    assert "中标结果：施工项目00" in body and "共 1 条" in body
    assert "共 0 条" in text(browser.get("/notices/?date_from=2021-06-02"))
    assert "共 25 条" in text(browser.get("/notices/?date_from=2021-06-01&date_to=2021-06-01"))
    # pagination keeps the filters
    assert "domain=construction&amp;page=2" in text(browser.get("/notices/?domain=construction"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("domain=xyz", "“交易类别”的取值“xyz”无效"),
        ("kind=bogus", "“公告类型”的取值“bogus”无效"),
        ("date_from=notadate", "“开始日期”应为“年-月-日”格式的日期"),
        ("date_to=2021-13-01", "“结束日期”应为“年-月-日”格式的日期"),
        ("date_to=9999-12-31", "超出可查询范围"),
        ("date_from=2021-06-02&date_to=2021-06-01", "开始日期不能晚于结束日期"),
        ("page=-1", "页码应为正整数"),
        ("page=abc", "页码应为正整数"),
        ("page=0", "页码应为正整数"),
        ("page=99", "页码超出范围"),
    ],
)
def test_notice_list_bad_filters_give_400_with_message(pub, browser, query, message):
    pub.notice()
    response = browser.get(f"/notices/?{query}")
    assert response.status_code == 400
    body = text(response)
    assert message in body
    assert 'role="alert"' in body and "查询条件有误" in body


def test_article_lists_by_category_with_date_filter(pub, browser):
    pub.article(title="要闻一", category="news")
    pub.article(title="曝光某代理机构违规", category="exposure")
    body = text(browser.get("/articles/"))
    assert "要闻一" in body and "曝光某代理机构违规" in body
    for name in (
        "要闻速递",
        "重要文件",
        "工作简报",
        "行业动态",
        "办事指南",
        "调查征集",
        "曝光台",
        "财务公开",
        "项目安排",
    ):
        assert name in body  # the nine categories in the sidebar
    body = text(browser.get("/articles/c/exposure/"))
    assert "曝光某代理机构违规" in body and "要闻一" not in body and 'aria-current="page">曝光台' in body
    assert "共 0 条" in text(browser.get("/articles/c/news/?date_to=2021-05-31"))
    response = browser.get("/articles/c/news/?date_from=yesterday")
    assert response.status_code == 400 and "开始日期" in text(response)
    response = browser.get("/articles/c/no-such-column/")
    assert response.status_code == 404 and "栏目不存在" in text(response)


def test_notice_detail_shows_structured_fields_attachments_and_related(pub, browser, pdf_upload):
    tender = pub.notice(
        title="示范市第一中学教学楼施工招标公告",
        project_code="SFGC-2021-001",
        project_name="示范市第一中学教学楼",
        section_code="SFGC-2021-001-01",
        section_name="土建",
        tenderer_name="示范市教育局",
        agency_name="示范工程咨询有限公司",
        budget=MONEY,
        price_cap=MONEY,
        body_html="<p>本招标项目已批准建设。</p>",
        uploads=[pdf_upload("招标文件.pdf")],
    )
    change = pub.notice(
        title="教学楼施工招标变更公告", kind="change", changes=tender, project_code="SFGC-2021-001"
    )
    award = pub.notice(
        title="教学楼施工中标结果公告",
        kind="award",
        project_code="SFGC-2021-001",
        winner_name="示范建设集团有限公司",
        award_amount=MONEY,
    )
    candidate = pub.notice(
        title="教学楼施工中标候选人公示",
        kind="candidate",
        project_code="SFGC-2021-001",
        publicity_start=dt.date(2021, 6, 2),
        publicity_end=dt.date(2021, 6, 4),
    )
    response = browser.get(f"/notices/{tender.pk}/")
    assert response.status_code == 200
    body = text(response)
    for value in (
        "SFGC-2021-001",
        "示范市第一中学教学楼",
        "土建",
        "示范市教育局",
        "示范工程咨询有限公司",
        "¥12,345,678.90",
        "1,234.57万元",
        "投标截止时间",
        "2021-06-25 09:30",
        "开标时间",
        "本招标项目已批准建设。",
        "发布机构：示范市公共资源交易中心",
        "浏览次数：",
    ):
        assert value in body, value
    attachment = tender.attachments.select_related("file").get()
    assert attachment.file.sha256 in body and f"/files/{attachment.file.sha256}/" in body
    related = body[body.index("本项目相关公告") :]
    order = [
        related.index(t)
        for t in (
            "示范市第一中学教学楼施工招标公告",
            "教学楼施工招标变更公告",
            "教学楼施工中标候选人公示",
            "教学楼施工中标结果公告",
        )
    ]
    assert order == sorted(order)
    body = text(browser.get(f"/notices/{change.pk}/"))
    assert "本公告为对" in body and f"/notices/{tender.pk}/" in body
    body = text(browser.get(f"/notices/{candidate.pk}/"))
    assert "2021-06-02 至 2021-06-04" in body
    body = text(browser.get(f"/notices/{award.pk}/"))
    assert "示范建设集团有限公司" in body and "中标(成交)金额" in body


def test_article_detail_shows_meta(pub, browser):
    article = pub.article(
        title="关于印发交易规则的通知",
        category="key_document",
        source="市发展改革委",
        doc_number="示发改〔2021〕12号",
        summary="印发新版交易规则。",
    )
    body = text(browser.get(f"/articles/{article.pk}/"))
    for value in (
        "关于印发交易规则的通知",
        "来源：市发展改革委",
        "文号：示发改〔2021〕12号",
        "印发新版交易规则。",
        ">2021-06-01 10:00<",
        "浏览次数：",
    ):
        assert value in body, value


def test_unpublished_and_missing_items_are_404_in_chinese(pub, browser):
    draft = pub.notice(publish=False)
    article_draft = pub.article(publish=False)
    for url in (
        f"/notices/{draft.pk}/",
        f"/articles/{article_draft.pk}/",
        "/notices/999999/",
        "/no-such-page/",
    ):
        response = browser.get(url)
        assert response.status_code == 404, url
        assert "页面不存在" in text(response)
    assert "公告不存在或尚未发布" in text(browser.get(f"/notices/{draft.pk}/"))


def test_withdrawn_item_is_a_tombstone_with_410(pub, browser, pdf_upload):
    notice = pub.notice(title="已撤回的招标公告", body_html="<p>秘密正文</p>", uploads=[pdf_upload()])
    pub.withdraw(notice, reason="招标人申请终止本次招标")
    response = browser.get(f"/notices/{notice.pk}/")
    assert response.status_code == 410
    body = text(response)
    assert "已撤回的招标公告" in body and "招标人申请终止本次招标" in body and "2021年6月1日" in body
    assert "秘密正文" not in body
    article = pub.article(title="撤回的文章")
    pub.withdraw(article, reason="内容有误")
    response = browser.get(f"/articles/{article.pk}/")
    assert response.status_code == 410 and "内容有误" in text(response)


def test_corrected_version_has_banner_to_latest_and_history(pub, browser):
    first = pub.notice(title="原标题招标公告")
    second = pub.correct(first, note="更正投标截止时间", title="更正后的招标公告")
    old = browser.get(f"/notices/{first.pk}/")
    assert old.status_code == 200
    body = text(old)
    assert "本信息已更正" in body and f'href="/notices/{second.pk}/"' in body and "第 2 版" in body
    body = text(browser.get(f"/notices/{second.pk}/"))
    assert "本信息已更正" not in body
    assert "版本记录" in body and "更正投标截止时间" in body and "首次发布" in body
    assert f'href="/notices/{first.pk}/"' in body
    article = pub.article(title="原文章")
    newer = pub.correct(article, note="修正错别字")
    body = text(browser.get(f"/articles/{article.pk}/"))
    assert "本信息已更正" in body and f'href="/articles/{newer.pk}/"' in body


def test_column_pages(pub, browser, settings):
    pub.article(title="交易规则（试行）", category="key_document")
    pub.article(title="某代理机构违规处理决定", category="exposure")
    pub.article(title="投标人注册指南", category="service_guide")
    pub.article(title="关于征集交易规则意见的公告", category="consultation")
    pub.notice()
    pages = {
        "/gk/": ["政府信息公开指南", "法定主动公开内容", "依申请公开", "政策解读"],
        "/gk/guide/": ["主动公开", "依申请公开", "20个工作日", settings.GGZY_SITE["email"], "行政复议"],
        "/gk/catalogue/": ["政府信息公开目录", "要闻速递", "招标/采购公告", "工程建设"],
        "/gk/rules/": ["交易规则（试行）"],
        "/gk/statutory/": [
            "要闻速递",
            "重要文件",
            "工作简报",
            "行业动态",
            "办事指南",
            "调查征集",
            "曝光台",
            "财务公开",
            "项目安排",
        ],
        "/gk/apply/": ["在线申请", "办理进度查询", "补正"],
        "/gk/reports/": ["本平台尚未发布年度报告"],
        "/gk/interpretations/": ["目前暂无政策解读"],
        "/interaction/": ["调查征集", "关于征集交易规则意见的公告", "留言咨询", "监督投诉"],
        "/credit/": ["曝光台", "某代理机构违规处理决定"],
        "/service/": ["投标人注册指南"],
    }
    for url, expected in pages.items():
        response = browser.get(url)
        assert response.status_code == 200, url
        body = text(response)
        for value in expected:
            assert value in body, (url, value)
    body = text(browser.get("/gk/catalogue/"))
    row = re.search(r'kind=tender">招标/采购公告</a></td><td class="num">(\d+)<', body)
    assert row and row.group(1) == "1"


def test_feeds(pub, browser):
    pub.notice(title="RSS里的招标公告")
    pub.article(title="RSS里的要闻")
    response = browser.get("/feeds/notices.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    assert "RSS里的招标公告" in text(response)
    assert "RSS里的要闻" in text(browser.get("/feeds/articles.xml"))


def test_care_mode_toggle_sets_cookie_and_redirects_safely(browser):
    response = browser.get("/care/?on=1&next=/notices/")
    assert response.status_code == 302 and response["Location"] == "/notices/"
    assert response.cookies["ggzy_care"].value == "1"
    assert '<body class="care' in text(browser.get("/"))
    assert "退出关怀模式" in text(browser.get("/"))
    response = browser.get("/care/?on=0&next=https://evil.example/")
    assert response["Location"] == "/"
    assert response.cookies["ggzy_care"].value == ""
    assert '<body class="care' not in text(browser.get("/"))


def test_today_is_shanghai_date(monkeypatch):
    monkeypatch.setattr(common, "clock", FixedClock(dt.datetime(2021, 6, 30, 16, 30, tzinfo=dt.UTC)))
    assert common.today() == dt.date(2021, 7, 1)
    assert dt.datetime(2021, 7, 1, tzinfo=SHANGHAI).date() == common.today()
