"""The bodies of the candidate notice, the award notice and the termination notice, generated
from the stored result.
Values are escaped here; ``publishing`` sanitises the HTML again when it stores it."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join

from ggzy.core.clock import local_date
from ggzy.evaluation import methods, outcome_rules, periods, selectors
from ggzy.evaluation.models import Evaluation


def common_fields(evaluation: Evaluation) -> dict[str, Any]:
    section = evaluation.section
    project = section.tender_project.project
    return {
        "domain": project.domain,
        "project_code": project.code,
        "project_name": project.name,
        "section_code": section.code,
        "section_name": section.name,
        "tenderer_name": project.tenderer.name,
        "agency_name": project.agency.name if project.agency is not None else "",
    }


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


def termination_title(evaluation: Evaluation, next_step: str) -> str:
    """流标公告 / 废标公告 (re-tender: the tendering law's and the procurement law's words) or
    终止公告 (terminated); all are published as termination notices (``NoticeKind.TERMINATION``)."""
    section = evaluation.section
    project = section.tender_project.project
    if next_step == outcome_rules.TERMINATE:
        word = "终止公告"
    else:
        word = "废标公告" if outcome_rules.is_procurement(project.domain) else "流标公告"
    return f"{project.name}{section.name}{word}"


def termination_html(evaluation: Evaluation, *, next_step: str, category: str, basis: str) -> str:
    """The termination notice: project and section, the reason category with the committee's (or
    tenderer's) reason and the legal basis, and what happens next."""
    section = evaluation.section
    project = section.tender_project.project
    opened = section.opening_at or section.bid_deadline
    when = format_html("于 {} 开标，", local_date(opened).isoformat()) if opened is not None else ""
    basis_html = format_html("<p>依据：{}</p>", basis) if basis else ""
    agency = project.agency.name if project.agency is not None else "无"
    return format_html(
        "<p>{}（项目编号 {}）{}（标段（包）编号 {}）{}评标结果为：{}。</p>"
        "<p>原因：{}</p>{}<p>后续安排：{}</p>"
        "<p>招标人（采购人）：{}；代理机构：{}。</p>",
        project.name,
        project.code,
        section.name,
        section.code,
        when,
        category,
        evaluation.failure_reason or category,
        basis_html,
        outcome_rules.next_step_text(next_step, project.domain, evaluation.failure_code),
        project.tenderer.name,
        agency,
    )
