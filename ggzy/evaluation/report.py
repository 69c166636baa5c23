"""The evaluation report (评标报告) and the award letter (中标通知书) as DOCX and PDF.

A document is a list of blocks (heading, paragraph, table) built from the database once and
rendered twice: DOCX with python-docx (real tables), PDF with typst and the CJK font shipped by
``noto-cjk-sans-otc`` (the font directory comes from :func:`ggzy.disclosure.letters.font_dirs`).
The data go to typst as JSON through ``sys.inputs``, never spliced into markup.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from ggzy.core.clock import SHANGHAI, local_date
from ggzy.evaluation import clarify_workflow, methods
from ggzy.evaluation.models import Evaluation

TEMPLATE = Path(__file__).parent / "data" / "report.typ"


@dataclass(frozen=True)
class Document:
    """Everything a report or letter prints, already as text."""

    center_name: str
    title: str
    subtitle: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    seal: str = ""
    date: str = ""


def _cn_date(moment: Any) -> str:
    day = local_date(moment)
    return f"{day.year}年{day.month}月{day.day}日"


def _center() -> str:
    return str(getattr(settings, "GGZY_SITE", {}).get("center_name", "公共资源交易中心"))


def _fmt(value: Any) -> str:
    return "—" if value is None else str(value)


def report_document(evaluation: Evaluation, *, with_signatures: bool = True) -> Document:
    """The report from the stored result. Signatures list the members who signed so far; the
    PDF whose hash members sign is the one rendered before any signature (``with_signatures=False``)."""
    config = methods.parse(evaluation.config)
    section = evaluation.section
    result = evaluation.result or {}
    names = dict(evaluation.bids.values_list("bid_ref", "bidder_name"))
    members = list(evaluation.members.order_by("pk"))
    blocks: list[dict[str, Any]] = []

    def h(text: str) -> None:
        blocks.append({"kind": "heading", "text": text})

    def p(text: str) -> None:
        blocks.append({"kind": "para", "text": text})

    def t(header: list[str], rows: list[list[str]]) -> None:
        blocks.append({"kind": "table", "header": header, "rows": rows})

    h("一、基本情况")
    p(f"标段（包）：{section.code} {section.name}")
    p(f"评标办法：{config.label}；评标开始时间：{_cn_date(evaluation.started_at)}。")
    h("二、评标委员会")
    t(
        ["姓名", "身份", "专家编号", "职务", "无利害关系声明"],
        [
            [
                m.name,
                m.get_role_display(),
                m.expert_code or "—",
                "主任" if m.is_chair else "成员",
                "已声明" if m.declared_at else "未声明",
            ]
            for m in members
        ],
    )
    h("三、评分因素")
    rows = [[c.name, methods.CRITERION_KINDS[c.kind], str(c.points)] for c in config.criteria]
    if config.is_scoring:
        rows.append(["价格分", "客观分（系统计算）", str(config.price_points)])
    t(["评分因素", "类型", "分值"], rows or [["—", "—", "—"]])
    h("四、资格审查与符合性审查")
    t(
        ["投标人", "投标报价（元）", "审查结论", "否决理由"],
        [
            [b.bidder_name, str(b.price), "通过" if b.compliant else "否决", b.rejection_reason or "—"]
            for b in evaluation.bids.order_by("pk")
        ],
    )
    h("五、专家评分")
    scores: dict[tuple[int, int], dict[str, str]] = {}
    from ggzy.evaluation.models import Score

    for s in Score.objects.filter(member__evaluation=evaluation).select_related("bid"):
        scores.setdefault((s.member_id, s.bid_id), {})[s.criterion] = str(s.value)
    subjective = [c for c in config.criteria if c.kind == methods.SUBJECTIVE]
    for m in members:
        t(
            [f"投标人（{m.get_role_display()}：{m.name}）", *[c.name for c in subjective]],
            [
                [b.bidder_name, *[scores.get((m.pk, b.pk), {}).get(c.key, "—") for c in subjective]]
                for b in evaluation.bids.filter(compliant=True).order_by("pk")
            ]
            or [["—", *["—" for _ in subjective]]],
        )
    h("六、评审结果与排序")
    if result.get("base_price") is not None:
        p(f"评标基准价：{result['base_price']} 元。")
    t(
        ["名次", "投标人", "投标报价", "评审价", "价格分", "技术分", "总分", "候选人"],
        [
            [
                str(r["rank"]),
                names.get(r["bid_id"], r["bid_id"]),
                r["contract_price"],
                r["evaluated_price"],
                _fmt(r["price_score"]),
                r["technical_score"],
                _fmt(r["total"]),
                "是" if r["candidate"] else "",
            ]
            for r in result.get("results", [])
        ]
        or [["—"] * 8],
    )
    abnormal = result.get("abnormal_low", [])
    if abnormal:
        p("异常低价提示（投标人须书面说明其报价合理性）：")
        t(
            ["投标人", "投标报价", "参照", "阈值"],
            [
                [
                    names.get(a["bid_id"], a["bid_id"]),
                    a["price"],
                    methods.ABNORMAL_REFERENCES[a["reference"]],
                    a["threshold"],
                ]
                for a in abnormal
            ],
        )
    if evaluation.failure_reason:
        p(f"说明：{evaluation.failure_reason}")
    numbers = iter("七八九十")
    h(f"{next(numbers)}、澄清、说明与异常低价认定")
    clarifications = _clarification_rows(evaluation)
    if clarifications:
        t(
            ["投标人", "类型", "澄清事项（发出时间）", "答复截止", "投标人答复（答复时间；附件）", "结果"],
            clarifications,
        )
        p("投标人答复时均已确认：" + clarify_workflow.SUBSTANCE_NOTICE)
    else:
        p("评标过程中未向投标人发出澄清或说明要求。")
    flags = result.get("deviation_flags", [])
    if flags:
        h(f"{next(numbers)}、评分偏离及说明")
        from ggzy.evaluation.models import DeviationReason

        reasons = {
            (str(r.member_id), r.bid.bid_ref, r.criterion): r.reason
            for r in DeviationReason.objects.filter(member__evaluation=evaluation).select_related("bid")
        }
        member_names = {str(m.pk): m.name for m in members}
        t(
            ["专家", "投标人", "评分因素", "评分", "其他专家平均", "理由"],
            [
                [
                    member_names.get(f["expert_id"], ""),
                    names.get(f["bid_id"], f["bid_id"]),
                    f["criterion"],
                    f["score"],
                    f["others_mean"],
                    reasons.get((f["expert_id"], f["bid_id"], f["criterion"]), "—"),
                ]
                for f in flags
            ],
        )
    h(f"{next(numbers)}、签字")
    signed = [
        [
            m.name,
            m.get_role_display(),
            _cn_date(m.report_signed_at) if m.report_signed_at else "",
            m.dissent or "无",
        ]
        for m in members
        if with_signatures
    ]
    t(
        ["评标委员会成员", "身份", "签署日期", "不同意见"],
        signed or [[m.name, m.get_role_display(), "", ""] for m in members],
    )
    return Document(
        center_name=_center(),
        title="评标报告",
        subtitle=f"{section.code}",
        blocks=blocks,
        seal="评标委员会",
        date=_cn_date(evaluation.result_at or evaluation.started_at),
    )


def _local(moment: Any) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def _clarification_rows(evaluation: Evaluation) -> list[list[str]]:
    from ggzy.evaluation import selectors

    rows = []
    for c in selectors.clarifications_of(evaluation):
        if c.answered_at is not None:
            files = "；附件：" + "、".join(f.name for f in c.files.all()) if c.files.all() else ""
            answer = f"{c.answer}（{_local(c.answered_at)}{files}）"
        elif c.status == clarify_workflow.SENT and evaluation.result_at and c.deadline < evaluation.result_at:
            answer = "逾期未答复"
        else:
            answer = "—"
        outcome = clarify_workflow.STATUS_LABELS[c.status]
        if c.status == clarify_workflow.WITHDRAWN:
            outcome += f"：{c.withdraw_reason}"
        elif c.decision_note:
            outcome += f"：{c.decision_note}"
        question = c.question
        if c.flag:
            question += f"（报价 {c.flag['price']} 元低于阈值 {c.flag['threshold']} 元）"
        rows.append(
            [
                c.bid.bidder_name,
                clarify_workflow.KIND_LABELS[c.kind],
                f"{question}（{_local(c.asked_at)}）",
                _local(c.deadline),
                answer,
                outcome,
            ]
        )
    return rows


def render_pdf(document: Document) -> bytes:
    import typst

    from ggzy.disclosure.letters import font_dirs

    result = typst.compile(
        str(TEMPLATE),
        font_paths=font_dirs(),
        ignore_system_fonts=True,
        sys_inputs={"data": json.dumps(asdict(document), ensure_ascii=False, default=str)},
    )
    assert isinstance(result, bytes)
    return result


def render_docx(document: Document) -> bytes:
    from docx import Document as Docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Docx()
    heading = doc.add_paragraph(document.center_name)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = doc.add_heading(document.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(document.subtitle).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for block in document.blocks:
        if block["kind"] == "heading":
            doc.add_heading(block["text"], level=2)
        elif block["kind"] == "para":
            doc.add_paragraph(block["text"])
        else:
            header, rows = block["header"], block["rows"]
            table = doc.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = str(text)
            # row.cells once per row: table.cell(r, c) rebuilds the whole grid on every call.
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = str(text)
    doc.add_paragraph(document.seal).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph(document.date).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def award_letter_document(evaluation: Evaluation) -> Document:
    """中标通知书 to the winner."""
    assert evaluation.winner is not None
    assert evaluation.awarded_at is not None
    section = evaluation.section
    winner = evaluation.winner
    project = section.tender_project.project
    blocks = [
        {"kind": "para", "text": f"{winner.bidder_name}："},
        {
            "kind": "para",
            "text": (
                f"你方于投标截止前递交的“{project.name}”{section.name}（标段编号 {section.code}）投标文件，"
                f"经评标委员会评审、中标候选人公示期满，招标人确定你方为中标人。"
            ),
        },
        {"kind": "para", "text": f"中标价：人民币 {winner.price} 元。"},
        {
            "kind": "para",
            "text": "请自本通知书发出之日起 30 日内，按照招标文件和你方投标文件与招标人订立书面合同。",
        },
        {"kind": "para", "text": "本通知书由平台电子签名，可在平台公开核验页核验。"},
    ]
    return Document(
        center_name=_center(),
        title="中标通知书",
        subtitle=f"编号：ZB-{section.code}",
        blocks=blocks,
        seal=str(project.tenderer.name) if getattr(project, "tenderer", None) else "招标人",
        date=_cn_date(evaluation.awarded_at),
    )


def result_json(ev: Any) -> dict[str, Any]:
    """``scoring.Evaluation`` → JSON-ready dict (Decimals as strings)."""

    def conv(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: conv(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [conv(v) for v in value]
        return value

    data: dict[str, Any] = conv(asdict(ev))
    return data
