"""The draw record (专家抽取记录) of one draw, as DOCX (python-docx) and PDF (typst with the
shipped Noto Sans CJK font, data passed as JSON — never spliced into markup), in the manner of
``disclosure.letters``: the request, the commitment and its hashes, the entropy contributions, the
seed, the results by expert id and status (names only once the evaluation has started) and the
timestamps of every step."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

from ggzy.core.clock import SHANGHAI
from ggzy.experts import rules, selectors
from ggzy.experts.choices import DrawStatus
from ggzy.experts.models import Draw

TEMPLATE = Path(__file__).parent / "data" / "draw_record.typ"


@dataclass(frozen=True)
class Record:
    center_name: str
    title: str
    number: str
    facts: list[list[str]]  # [label, value]
    hashes: list[list[str]]
    entropy: list[list[str]]  # [role, value, time]
    results: list[list[str]]  # [specialty, order, expert, role, status]
    timeline: list[list[str]]
    note: str


def _t(moment: object) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[attr-defined]


def record_for(draw: Draw, *, names: list[selectors.SeatRow] | None = None) -> Record:
    """``names``: rows from ``services.committee_view`` (audited) — else results show ids only."""
    rows = names if names is not None else selectors.seat_rows(draw, with_names=False)
    # Before the evaluation starts even the pool ids of the selected experts stay secret.
    open_ = draw.status in (DrawStatus.EVALUATING, DrawStatus.REVEALED)
    section = draw.section
    demands = "；".join(
        f"{d.specialty} {d.name} {d.count} 人（备选 {d.reserves} 人）" for d in selectors.draw_counts(draw)
    )
    avoid = "；".join(f"{k} {v} 人" for k, v in selectors.avoidance_summary(draw).items()) or "无"
    facts = [
        ["标段(包)", f"{section.code} {section.name}"],
        ["抽取专业及人数", demands],
        ["招标人代表", f"{draw.representatives} 人"],
        ["抽取地区", "、".join(draw.region_scope) or "全部"],
        ["评标时间", _t(draw.evaluation_at)],
        ["评标地点", draw.evaluation_place],
        ["回避情况", avoid],
        [
            "投标人名单来源",
            {"bids": "投标记录"}.get(draw.bidder_source, "—"),
        ],
        ["状态", draw.get_status_display()],
    ]
    if draw.failure_reason:
        facts.append(["失败/取消原因", draw.failure_reason])
    hashes = [
        ["承诺值", draw.commitment or "—"],
        ["候选库哈希", draw.pool_hash or "—"],
        ["回避名单哈希", draw.avoidance_hash or "—"],
        ["服务器密钥哈希", draw.secret_hash or "—"],
        ["种子", draw.seed or "—"],
        ["服务器密钥（评标结束后公开）", draw.secret_revealed or "尚未公开"],
    ]
    entropy = [[e.get_role_display(), e.value, _t(e.at)] for e in draw.entropies.order_by("at", "pk")]
    results = [
        [
            r.specialty,
            str(r.position + 1),
            f"{r.expert_id} {r.name}".strip()
            if names is not None
            else (str(r.expert_id) if open_ else "保密"),
            "首选" if r.principal else "备选",
            r.status_label,
        ]
        for r in rows
    ]
    timeline = [
        ["申请", _t(draw.created_at)],
        ["公布承诺值", _t(draw.committed_at)],
        ["抽取", _t(draw.drawn_at)],
        ["委员会组成", _t(draw.completed_at)],
        ["评标开始", _t(draw.evaluation_started_at)],
        ["公开验证数据", _t(draw.revealed_at)],
        ["失败", _t(draw.failed_at)],
    ]
    return Record(
        center_name=str(settings.GGZY_SITE["center_name"]),
        title="评标专家抽取记录",
        number=f"抽取编号 {draw.ref}",
        facts=facts,
        hashes=hashes,
        entropy=entropy,
        results=results,
        timeline=timeline,
        note=(
            "专家以专家库内部编号列示；评标开始前不显示编号和姓名。评标结束后，任何人可在"
            f"交易网“专家抽取验证”页面或以命令 ggzy experts verify-draw {draw.pk} 用公开数据重算本次抽取。"
            f"回避原因代码：{'、'.join(rules.REASON_LABELS.values())}。"
        ),
    )


def render_pdf(record: Record) -> bytes:
    import typst

    from ggzy.disclosure.letters import font_dirs

    result = typst.compile(
        str(TEMPLATE),
        font_paths=font_dirs(),
        ignore_system_fonts=True,
        sys_inputs={"data": json.dumps(asdict(record), ensure_ascii=False)},
    )
    assert isinstance(result, bytes)
    return result


def render_docx(record: Record) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(11)
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.add_run(record.center_name).font.size = Pt(16)
    document.add_heading(record.title, level=1).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(record.number).alignment = WD_ALIGN_PARAGRAPH.CENTER

    def table(title: str, header: list[str] | None, rows: list[list[str]]) -> None:
        document.add_heading(title, level=2)
        if not rows:
            document.add_paragraph("无")
            return
        width = len(rows[0])
        t = document.add_table(rows=0, cols=width)
        t.style = "Table Grid"
        for row in ([header] if header else []) + rows:
            cells = t.add_row().cells
            for i, value in enumerate(row):
                cells[i].text = value

    table("一、抽取申请", None, record.facts)
    table("二、承诺值与种子", None, record.hashes)
    table("三、随机数", ["提交方", "随机数", "时间"], record.entropy)
    table("四、抽取结果", ["专业", "顺序", "专家", "类别", "状态"], record.results)
    table("五、时间记录", None, record.timeline)
    document.add_paragraph(record.note)
    props = document.core_properties
    props.title = record.title
    props.author = record.center_name
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
