"""The report's texts: live figure placeholders, the default section 一 in the shape of a real
report, rendering and the 雷同 (copied paragraph) comparison. Pure: no Django.

A placeholder is ``{{figure:NAME}}`` with NAME from the figure registry
(``ggzy.annual_report.figures.FIGURES``). Stored texts keep the placeholders; every rendering
(HTML, DOCX, PDF, API) replaces them with the values of one data set, so the text cannot say a
number the tables do not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*figure:([a-z0-9_.]+)\s*\}\}")
# A literal count typed into the text (e.g. "新收申请5件"): allowed, but flagged for the reviewer,
# because only placeholders are guaranteed to match the tables.
LITERAL_COUNT = re.compile(r"(?<![\d.{:a-z_])\d[\d,，]*\s*(?:条|件|份|家|名|轮|处|次|万人次)")

SECTION_TITLES = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
FORMAT_NAME = "国办公开办函〔2021〕30号"


def ph(name: str) -> str:
    return "{{figure:" + name + "}}"


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


@dataclass(frozen=True)
class Rendered:
    text: str
    unknown: list[str]  # placeholders whose figure is not in the data


def render(text: str, values: Mapping[str, Any], fmt: Callable[[str, Any], str]) -> Rendered:
    unknown: list[str] = []

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            unknown.append(name)
            return f"【未知数字：{name}】"
        return fmt(name, values[name])

    return Rendered(PLACEHOLDER.sub(sub, text), unknown)


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def literal_counts(text: str) -> list[str]:
    """Numbers with a counting unit typed as plain text (outside placeholders)."""
    return LITERAL_COUNT.findall(PLACEHOLDER.sub("", text))


def _normalise(paragraph: str) -> str:
    return re.sub(r"\s+", "", paragraph)


def copied_paragraphs(this_year: list[str], last_year: list[str], *, min_chars: int = 20) -> list[str]:
    """Paragraphs of this year's rendered text that appear word for word in last year's (the
    format forbids 雷同). Short lines (headings such as “（四）平台建设”) do not count."""
    previous = {_normalise(p) for p in last_year if len(_normalise(p)) >= min_chars}
    return [p for p in this_year if len(_normalise(p)) >= min_chars and _normalise(p) in previous]


# ---------------------------------------------------------------- the default texts


def default_intro(center: str) -> str:
    return (
        "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定和《国务院办公厅政府信息与政务公开办公室"
        "关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（" + FORMAT_NAME + "）要求，"
        f"{center}坚持“公开为常态、不公开为例外”，严格按照有关规定发布信息。本报告中所列数据的统计期限"
        "自当年1月1日起至12月31日止，所有数字均由平台根据发布、申请、巡查等记录自动统计。现总结报告如下："
    )


def default_general(values: Mapping[str, Any], *, year: int, center_short: str = "本中心") -> str:
    """Section 一 with its five parts, the clauses chosen from the data (a clause about something
    that did not happen is left out), every number a placeholder."""
    v = values

    def has(name: str) -> bool:
        return name in v and str(v[name]) not in ("0", "0.00")

    cats = [
        ("news", "要闻速递"),
        ("key_document", "重要文件"),
        ("work_brief", "工作简报"),
        ("industry_news", "行业动态"),
        ("service_guide", "办事指南"),
        ("consultation", "调查征集"),
        ("exposure", "曝光台"),
        ("finance", "财务公开"),
        ("project_plan", "项目安排"),
    ]
    parts = [f"{label}{ph('articles.' + code)}条" for code, label in cats if has(f"articles.{code}")]
    if has("articles.other"):
        parts.append(f"其他栏目{ph('articles.other')}条")
    articles = f"政务信息{ph('articles.total')}条" + (f"（包括{'、'.join(parts)}）" if parts else "")

    def domains(prefix: str) -> str:
        bits = []
        if has(f"{prefix}.construction"):
            bits.append(f"工程建设类{ph(prefix + '.construction')}条")
        if has(f"{prefix}.procurement"):
            bits.append(f"政府采购类{ph(prefix + '.procurement')}条")
        if has(f"{prefix}.other"):
            bits.append(f"其他交易类{ph(prefix + '.other')}条")
        return f"（其中：{'、'.join(bits)}）" if bits else ""

    tender = f"招标公告{ph('notices.tender')}条"
    if has("notices.change"):
        tender += f"（含变更公告{ph('notices.change')}条）"
    tender += domains("notices.tender")
    award = f"中标公示{ph('notices.award')}条" + domains("notices.award")
    extra = []
    if has("notices.candidate"):
        extra.append(f"中标候选人公示{ph('notices.candidate')}条")
    if has("notices.termination"):
        extra.append(f"终止公告{ph('notices.termination')}条")
    listing = "；".join([articles, tender, award, *extra])
    proactive = (
        f"（一）主动公开。全年通过{center_short}网站共发布各类信息{ph('items.total')}条，其中：{listing}，"
        f"全部按规定审核发布。网站访问量累计达到{ph('visits.wan')}万人次。"
    )
    if has("applications.received") or has("applications.carried_in") or has("applications.carried_out"):
        on_request = (
            f"（二）依申请公开。本年新收政府信息公开申请{ph('applications.received')}件，"
            f"上年结转{ph('applications.carried_in')}件；本年办结{ph('applications.closed')}件，"
            f"其中予以公开{ph('applications.disclosed')}件、部分公开{ph('applications.partial')}件；"
            f"结转下年度继续办理{ph('applications.carried_out')}件。"
        )
    else:
        on_request = "（二）依申请公开。本年没有依申请公开办理事项。"
    if has("reviews.total") or has("lawsuits.total"):
        on_request += (
            f"本年因政府信息公开被申请行政复议{ph('reviews.total')}件、被提起行政诉讼{ph('lawsuits.total')}件，"
            "办理情况见第四部分。"
        )
    management = ["（三）政府信息管理。"]
    n = 0
    numerals = "一二三四五六七八九十"

    def point(sentence: str) -> None:
        nonlocal n
        management.append(f"{numerals[n]}是{sentence}")
        n += 1

    point(
        "严格执行信息发布审核制度，发布的政务信息由业务科室初审、综合办公室审核、分管领导复审、"
        "主要领导签发，交易公告由代理机构使用数字证书签名发布并经平台自动合规检查。"
    )
    if has("pledges.signed"):
        point(
            f"继续实行网络安全承诺制度，全年与{ph('pledges.signed')}家代理机构签订《网络意识形态安全承诺书》，"
            "切实增强代理机构网络意识形态安全责任。"
        )
    patrol = "对代理机构发布的招标公告、中标公示信息安排专人每天巡查"
    if has("patrol.rounds"):  # only once the figure is registered (figures.PENDING)
        patrol += f"，全年完成巡查{ph('patrol.rounds')}轮"
    point(patrol + "，发现问题及时发出整改通知并跟踪办结。")
    if has("broken_links.fixed"):
        point(f"定期检查网站链接，全年修复错链{ph('broken_links.fixed')}处，确保网上信息正确、健康。")
    general = "".join(management[:1]) + "".join(f"{p}" for p in management[1:])
    platform = (
        f"（四）政府信息公开平台建设。{center_short}网站设置政府信息公开专栏，集中发布法定主动公开内容、"
        "政府信息公开指南和年度报告，提供在线申请和办理进度查询；交易项目实行全流程电子化“不见面”交易。"
    )
    if has("trading.sections_opened"):
        platform += (
            f"全年电子化开标{ph('trading.sections_opened')}个标段（包），"
            f"接收电子投标文件{ph('trading.bids')}份"
        )
        if has("trading.paperless_savings.wan"):
            platform += (
                f"，按每份投标文件节省的标书印刷费、差旅费测算，为投标企业节省费用约"
                f"{ph('trading.paperless_savings.wan')}万元"
            )
        platform += "。"
    if has("platform.agencies") or has("platform.bidders"):
        platform += (
            f"截至报告生成时，平台登记代理机构{ph('platform.agencies')}家、"
            f"投标人（供应商）{ph('platform.bidders')}家。"
        )
    if has("consultations.held") or has("questions.answered") or has("interpretations.published"):
        platform += (
            f"全年开展网上调查征集{ph('consultations.held')}次，答复留言咨询{ph('questions.answered')}条，"
            f"发布政策解读{ph('interpretations.published')}篇。"
        )
    oversight = ["（五）监督保障。"]
    if has("rules.in_force"):
        oversight.append(f"现行有效的规章和行政规范性文件共{ph('rules.in_force')}件，均已在网站公开。")
    else:
        oversight.append("及时更新政府信息公开目录，确保公开的信息符合有关规定、及时准确。")
    if has("violations.agency") or has("violations.expert"):
        oversight.append(
            f"全年对{ph('violations.agency')}家代理机构及{ph('violations.expert')}名评标专家违规违纪"
            f"被行政主管部门处理情况在{center_short}网站曝光台进行通报曝光。"
        )
    return "\n".join([proactive, on_request, general, platform, "".join(oversight)])


def default_other(values: Mapping[str, Any], *, year: int) -> str:
    if str(values.get("fees.collected_yuan", "0")) in ("0", "0.00") and not values.get("fees.notices"):
        return f"本单位{year}年未收取信息处理费。"
    return (
        f"本单位{year}年依据《政府信息公开信息处理费管理办法》发出信息处理费缴费通知{ph('fees.notices')}份，"
        f"实际收取信息处理费{ph('fees.collected_yuan')}元。"
    )
