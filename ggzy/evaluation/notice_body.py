"""The bodies of the candidate notice and the award notice, generated from the stored result (the
termination notice is trading's, shared with the opening: ``trading.termination_notice``).
Values are escaped here; ``publishing`` sanitises the HTML again when it stores it."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join

from ggzy.evaluation import methods, periods, selectors
from ggzy.evaluation.models import Evaluation
from ggzy.trading import termination_notice


def common_fields(evaluation: Evaluation) -> dict[str, Any]:
    return termination_notice.common_fields(evaluation.section)


def candidate_html(evaluation: Evaluation) -> str:
    config = methods.parse(evaluation.config)
    rows = [r for r in selectors.result_rows(evaluation) if r["candidate"]]
    table = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        ((r["rank"], r["bidder_name"], r["contract_price"], r["total"] or "—") for r in rows),
    )
    days = periods.DEFAULT_PERIODS.objection_reply_days
    return format_html(
        "<p>{}评标工作已结束，评标办法为{}。现将中标候选人公示如下：</p>"
        "<table><thead><tr><th>排名</th><th>中标候选人</th><th>投标报价（元）</th><th>评审得分</th></tr></thead>"
        "<tbody>{}</tbody></table>"
        "<p>质量、工期（交货期）、项目负责人及其证书以投标文件为准。</p>"
        "<p>投标人或者其他利害关系人对评标结果有异议的，应当在公示期间通过本平台“评标结果异议”提出，"
        "招标人自收到异议之日起 {} 日内答复；作出答复前，暂停招标投标活动。</p>",
        evaluation.section.name,
        config.label,
        table,
        days,
    )


def award_html(evaluation: Evaluation) -> str:
    assert evaluation.winner is not None
    committee = ""
    if evaluation.section.tender_project.project.domain == "procurement":
        names = "、".join(evaluation.members.order_by("pk").values_list("name", flat=True))
        committee = format_html("<p>评审专家名单：{}</p>", names)
    return format_html(
        "<p>中标人：{}</p><p>中标金额：人民币 {} 元</p>{}<p>中标通知书已通过本平台以电子形式发出。</p>",
        evaluation.winner.bidder_name,
        evaluation.winner.price,
        committee,
    )
