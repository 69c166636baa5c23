"""Reply letters (答复告知书): one per outcome of report table 三, as DOCX and PDF.

The letter carries the center's header (``settings.GGZY_SITE["center_name"]``), the applicant's
name (never an identity number or contact detail), the tracking code and receipt date, what was
asked for, the outcome with its legal basis and the staff's text, the released files, the remedy
paragraphs from :func:`ggzy.disclosure.config.remedy_texts` (行政复议 60 days / 行政诉讼 6 months),
the date and the seal line.

* DOCX (python-docx): A4 with the GB/T 9704 margins; the title is named 方正小标宋简体 and the body
  仿宋_GB2312, each declared in the font table with an alternative (宋体 / 仿宋) so Word, WPS and
  LibreOffice substitute sensibly on a machine without the official fonts.
* PDF (typst): A4, the CJK font is the SIL-OFL Noto Sans CJK shipped by the ``noto-cjk-sans-otc``
  package and is subset-embedded, so the PDF never depends on fonts on the reader's machine.
  The data go to typst as JSON through ``sys.inputs``, never spliced into markup, so nothing an
  applicant typed can change the document.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from ggzy.core.errors import NotFound
from ggzy.disclosure import outcomes, selectors
from ggzy.disclosure.config import remedy_texts
from ggzy.disclosure.models import DisclosureRequest, Reply, ReplyFile

TEMPLATE = Path(__file__).parent / "data" / "reply_letter.typ"

TITLE_FONT = "方正小标宋简体"
TITLE_FONT_FALLBACK = "宋体"
BODY_FONT = "仿宋_GB2312"
BODY_FONT_FALLBACK = "仿宋"

# Each group of table 三 has its own 告知书 title.
TITLES = {
    "3.1": "政府信息公开告知书",
    "3.2": "政府信息部分公开告知书",
    "3.3": "政府信息不予公开告知书",
    "3.4": "政府信息无法提供告知书",
    "3.5": "政府信息公开申请不予处理告知书",
    "3.6": "政府信息公开申请办理结果告知书",
}

# The opening of the decision paragraph, per outcome; the legal basis the staff entered follows it.
OPENINGS = {
    "3.1": "经审查，您申请获取的政府信息属于公开范围，本机关决定予以公开。",
    "3.2": (
        "经审查，您申请获取的政府信息中，部分内容属于不予公开的范围，且能够作区分处理。"
        "本机关向您提供可以公开的部分，对不予公开的部分说明理由如下。"
    ),
    "3.3.1": "经审查，您申请获取的政府信息属于国家秘密，本机关决定不予公开。",
    "3.3.2": "经审查，您申请获取的政府信息属于法律、行政法规禁止公开的信息，本机关决定不予公开。",
    "3.3.3": (
        "经审查，您申请获取的政府信息公开后可能危及国家安全、公共安全、经济安全、社会稳定，"
        "本机关决定不予公开。"
    ),
    "3.3.4": (
        "经审查，您申请获取的政府信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害，"
        "本机关决定不予公开。"
    ),
    "3.3.5": (
        "经审查，您申请获取的政府信息属于人事管理、后勤管理、内部工作流程等内部事务信息，本机关决定不予公开。"
    ),
    "3.3.6": (
        "经审查，您申请获取的政府信息属于讨论记录、过程稿、磋商信函、请示报告等过程性信息，"
        "本机关决定不予公开。"
    ),
    "3.3.7": "经审查，您申请获取的政府信息属于行政执法案卷信息，本机关决定不予公开。",
    "3.3.8": ("经审查，您申请获取的信息属于依照有关法律、行政法规的规定办理查询的事项，请按照相应规定办理。"),
    "3.4.1": "经检索，本机关未制作、获取您申请公开的政府信息，该政府信息不存在。",
    "3.4.2": "经审查，您申请获取的信息需要本机关对现有政府信息进行加工、分析，本机关不予提供。",
    "3.4.3": "本机关已告知您补正申请内容，但补正后申请内容仍不明确，无法确定您所需的政府信息。",
    "3.5.1": (
        "经审查，您以政府信息公开申请形式提出的是信访、投诉、举报等诉求，"
        "本机关不作为政府信息公开申请处理，请通过相应渠道提出。"
    ),
    "3.5.2": "经审查，您提出的申请与此前已经答复的申请内容相同，本机关不予重复处理。",
    "3.5.3": "经审查，您申请获取的是公开出版物，请通过公开出版物的发行渠道获取。",
    "3.5.4": (
        "您申请公开政府信息的数量、频次明显超过合理范围，经要求说明理由，所说明的理由不合理，本机关不予处理。"
    ),
    "3.5.5": "经审查，您要求本机关确认或者重新出具已获取的信息，本机关不作为政府信息公开申请处理。",
    "3.6.1": (
        "本机关已书面告知您补正申请内容，您无正当理由逾期未补正，视为放弃申请，"
        "本机关不再处理您的政府信息公开申请。"
    ),
    "3.6.2": (
        "本机关已向您发出信息处理费收费通知，您逾期未按收费通知要求缴纳费用，"
        "本机关不再处理您的政府信息公开申请。"
    ),
    "3.6.3": "经办理，现将有关情况告知如下。",
}
assert set(OPENINGS) == set(outcomes.OUTCOME_CODES)


def title_for(outcome: str) -> str:
    return TITLES[".".join(outcome.split(".")[:2])]


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Letter:
    """Everything a 告知书 prints, already as text."""

    center_name: str
    title: str
    number: str  # the tracking code, printed as the letter's number
    applicant_name: str
    intro: str
    outcome: str
    outcome_label: str
    opening: str
    text: list[str]  # the staff's paragraphs
    legal_basis: str
    files: list[str]
    remedies: list[str]
    date: str
    seal: str
    closing: str = "特此告知。"
    tracking_code: str = ""
    received_on: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def paragraphs(self) -> list[str]:
        """The body in reading order (what both renderers print between salutation and seal)."""
        parts = [self.intro, self.opening, *self.text]
        parts.append(f"办理结果：{self.outcome_label}。")
        if self.legal_basis:
            parts.append(f"法律依据：{self.legal_basis}")
        if self.files:
            names = "；".join(f"{i}. {name}" for i, name in enumerate(self.files, 1))
            parts.append(f"随本告知书提供的政府信息：{names}。")
        parts.extend(self.remedies)
        parts.append(self.closing)
        return parts


def _info_wanted(request: DisclosureRequest) -> str:
    bits = []
    if request.info_name:
        bits.append(f"“{request.info_name}”")
    if request.info_doc_number:
        bits.append(f"（文号：{request.info_doc_number}）")
    if request.info_description:
        description = request.info_description.strip().replace("\n", " ")
        if len(description) > 120:
            description = description[:120] + "……"
        bits.append(("，" if bits else "") + f"具体描述为：{description}")
    return "".join(bits) or "有关政府信息"


def letter_for(detail: selectors.RequestDetail) -> Letter:
    """The 告知书 of a replied request, from ``selectors.disclosure_request_detail`` (``NotFound``
    before the reply)."""
    return _compose(detail.request, detail.reply, detail.reply_files)


def _compose(request: DisclosureRequest, reply: Reply | None, files: list[ReplyFile]) -> Letter:
    if reply is None:
        raise NotFound("该申请尚未答复，暂无答复告知书", code="no_reply")
    received = cn_date(request.received_on) if request.received_on else cn_date(request.arrived_on)
    center = str(settings.GGZY_SITE["center_name"])
    remedies = remedy_texts()
    return Letter(
        center_name=center,
        title=title_for(reply.outcome),
        number=f"查询码：{request.tracking_code}",
        applicant_name=request.applicant_name,
        intro=(
            f"本机关于{received}收到您提出的政府信息公开申请（查询码：{request.tracking_code}），"
            f"申请获取{_info_wanted(request)}。经办理，现答复如下："
        ),
        outcome=reply.outcome,
        outcome_label=outcomes.outcome_label(reply.outcome),
        opening=OPENINGS[reply.outcome],
        text=[line.strip() for line in reply.text.splitlines() if line.strip()],
        legal_basis=reply.legal_basis.strip(),
        files=[rf.name for rf in files],
        remedies=[remedies["administrative_review"], remedies["lawsuit"]],
        date=cn_date(reply.replied_on),
        seal=f"{center}（印章）",
        tracking_code=request.tracking_code,
        received_on=received,
    )


def letter_for_applicant(*, tracking_code: str, secret: str) -> Letter:
    """The applicant's own letter: the same code + secret check as the tracking page first
    (``NotFound`` "查询码或查询密码不正确" on a wrong pair), then the letter."""
    request = selectors.disclosure_request_get_tracked(tracking_code=tracking_code, secret=secret)
    reply: Reply | None = getattr(request, "reply", None)  # loaded with the request
    return _compose(request, reply, list(reply.reply_files.all()) if reply is not None else [])


def filename(letter: Letter, ext: str) -> str:
    return f"{letter.title}-{letter.tracking_code}.{ext}"


# ---------------------------------------------------------------- PDF (typst)


def font_dirs() -> list[str]:
    """Where typst finds the embedded CJK font: the font package, then any configured extra
    directories (e.g. official fonts a center has licensed), never the system's fonts."""
    import noto_cjk_sans_otc

    dirs = [str(Path(str(noto_cjk_sans_otc.FONT_PATH)).parent)]
    dirs.extend(str(p) for p in getattr(settings, "GGZY_LETTER_FONT_DIRS", ()))
    return dirs


def render_pdf(letter: Letter) -> bytes:
    import typst

    data = asdict(letter) | {"paragraphs": letter.paragraphs()}
    result = typst.compile(
        str(TEMPLATE),
        font_paths=font_dirs(),
        ignore_system_fonts=True,
        sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
    )
    assert isinstance(result, bytes)
    return result


# ---------------------------------------------------------------- DOCX (python-docx)


def _declare_fonts(document: object) -> None:
    """Put the official fonts in the font table with their alternatives (w:altName) and the
    GB2312 character set, so a machine without them substitutes 宋体 / 仿宋, not a Latin font."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from lxml import etree

    part = document.part  # type: ignore[attr-defined]
    font_part = next((rel.target_part for rel in part.rels.values() if rel.reltype == RT.FONT_TABLE), None)
    if font_part is None:  # pragma: no cover - python-docx's default template has one
        return
    root = parse_xml(font_part.blob)
    for name, alt, family in (
        (TITLE_FONT, TITLE_FONT_FALLBACK, "roman"),
        (BODY_FONT, BODY_FONT_FALLBACK, "modern"),
        (TITLE_FONT_FALLBACK, "SimSun", "roman"),
        (BODY_FONT_FALLBACK, "FangSong", "modern"),
    ):
        root.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
                f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'
            )
        )
    font_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _run_font(run: object, name: str, size_pt: float, *, color: str | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    font = run.font  # type: ignore[attr-defined]
    font.name = name
    font.size = Pt(size_pt)
    if color:
        font.color.rgb = RGBColor.from_string(color)
    rpr = run._element.get_or_add_rPr()  # type: ignore[attr-defined]
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    rfonts.set(qn("w:hint"), "eastAsia")


def render_docx(letter: Letter) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Mm, Pt

    document = Document()
    _declare_fonts(document)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)

    def para(
        text: str,
        *,
        font: str = BODY_FONT,
        size: float = 16,
        align: Any = None,
        indent: bool = True,
        color: str | None = None,
    ) -> object:
        p = document.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        _run_font(p.add_run(text), font, size, color=color)
        return p

    header = para(
        letter.center_name,
        font=TITLE_FONT,
        size=26,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        color="C00000",
    )
    # The red rule under the header (版头分隔线), as a bottom border of the header paragraph.
    ppr = header._p.get_or_add_pPr()  # type: ignore[attr-defined]
    ppr.append(
        parse_xml(
            f"<w:pBdr {nsdecls('w')}>"
            '<w:bottom w:val="single" w:sz="18" w:space="6" w:color="C00000"/></w:pBdr>'
        )
    )
    para("", indent=False)
    para(letter.title, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    para(letter.number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    para("", indent=False)
    para(f"{letter.applicant_name}：", indent=False)
    for text in letter.paragraphs():
        para(text)
    para("", indent=False)
    para(letter.seal, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    para(letter.date, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)

    props = document.core_properties
    props.title = letter.title
    props.author = letter.center_name
    props.comments = letter.tracking_code
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
