"""The termination notice (终止公告 / 流标公告 / 废标公告) of a failed section: its title, its
body and the notice fields that tie it to the project and section. Shared by the two places a
section fails — the opening (不予开标) and the evaluation — which sit above trading.
Values are escaped here; ``publishing`` sanitises the HTML again when it stores it."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html

from ggzy.core.clock import local_date
from ggzy.trading import termination_rules
from ggzy.trading.models import Section


def common_fields(section: Section) -> dict[str, Any]:
    """The notice fields naming the project and section (what the portal links notices by)."""
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


def title(section: Section, next_step: str) -> str:
    project = section.tender_project.project
    return f"{project.name}{section.name}{termination_rules.notice_word(project.domain, next_step)}"


def body_html(section: Section, *, outcome: str, reason: str, basis: str, next_step: str, code: str) -> str:
    """Project and section, when it was opened, the ``outcome`` sentence (the evaluation's result
    or the opening's count of bids received), the reason, the legal basis and what happens next."""
    project = section.tender_project.project
    opened = section.opening_at or section.bid_deadline
    when = format_html("于 {} 开标，", local_date(opened).isoformat()) if opened is not None else ""
    basis_html = format_html("<p>依据：{}</p>", basis) if basis else ""
    agency = project.agency.name if project.agency is not None else "无"
    return format_html(
        "<p>{}（项目编号 {}）{}（标段（包）编号 {}）{}{}。</p>"
        "<p>原因：{}</p>{}<p>后续安排：{}</p>"
        "<p>招标人（采购人）：{}；代理机构：{}。</p>",
        project.name,
        project.code,
        section.name,
        section.code,
        when,
        outcome,
        reason,
        basis_html,
        termination_rules.next_step_text(next_step, project.domain, code),
        project.tenderer.name,
        agency,
    )
