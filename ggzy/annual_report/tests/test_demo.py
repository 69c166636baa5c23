"""Issue #5's first "done when": on the seed-2021 demo data the generated section 一 states 4,367
items with the same breakdown as the center's real 2021 report (reference/000_…txt)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.annual_report import documents, selectors, services
from ggzy.annual_report.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_2021(db: None) -> None:
    from ggzy.platform.demo_data import demo_load

    demo_load(scale=1, workers=0)


def test_section_one_states_the_2021_report_figures(demo_2021: None, people: dict[str, Any]) -> None:
    report = services.report_draft(actor=people["officer"], year=2021, clock=at(dt.date(2026, 1, 12)))
    figures = report.data["figures"]
    assert figures["items.total"] == 4367
    assert figures["articles.total"] == 175
    assert figures["notices.tender"] == 2505
    assert figures["notices.change"] == 1263
    assert figures["notices.award"] == 1687
    assert figures["visits.wan"] == "227.77"
    general = documents.report_view(report)["general"]
    proactive = general[0]
    assert proactive == (
        "（一）主动公开。全年通过本中心网站共发布各类信息4367条，其中：政务信息175条（包括要闻速递51条、"
        "重要文件34条、工作简报6条、行业动态15条、办事指南1条、调查征集6条、曝光台18条、财务公开2条、"
        "项目安排42条）；招标公告2505条（含变更公告1263条）（其中：工程建设类1433条、政府采购类1072条）；"
        "中标公示1687条（其中：工程建设类967条、政府采购类720条），全部按规定审核发布。"
        "网站访问量累计达到227.77万人次。"
    )
    # 2021 has no applications (the real report's table 三 is all zeros), and says so.
    assert general[1] == "（二）依申请公开。本年没有依申请公开办理事项。"
    assert all(row["cells"] == [0] * 7 for row in report.data["table3"]["rows"])
    # The chart's months add up to the same totals.
    series = {s["key"]: sum(s["values"]) for s in report.data["chart"]["series"]}
    assert series["articles"] == 175
    assert series["tender"] + series["change"] == 2505
    assert series["change"] == 1263
    assert series["award"] == 1687
    checks = selectors.report_checks(report)
    assert [c.code for c in checks.failures] == ["sections"]  # only 五 still to be written
