"""One source, three renderings. :func:`report_view` turns a report (its frozen snapshot once
signed off, else the draft's data and texts) into everything a rendering prints; the HTML page,
:func:`render_docx` and :func:`render_pdf` draw only that.

Fonts follow the reply letters (``ggzy.disclosure.letters``): the DOCX names the official fonts
(方正小标宋简体 / 仿宋_GB2312, declared with 宋体 / 仿宋 alternatives, headings 黑体); the PDF is set by
typst with the SIL-OFL Noto Sans CJK font of the ``noto-cjk-sans-otc`` package, subset-embedded,
never a system font. The chart is one SVG (``layout.chart_svg``): inline on the page, embedded as
vector in the PDF and rasterised to PNG by typst for the DOCX.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from ggzy.annual_report import layout, selectors, text
from ggzy.annual_report.models import AnnualReport
from ggzy.core.clock import SHANGHAI
from ggzy.disclosure import letters

TEMPLATE = Path(__file__).parent / "data" / "annual_report.typ"
CHART_TEMPLATE = Path(__file__).parent / "data" / "chart.typ"
HEADING_FONT = "黑体"


def report_view(report: AnnualReport) -> dict[str, Any]:
    """Everything a rendering prints. A frozen report (signed, published, corrected) prints its
    snapshot only; a draft prints its data and texts as they are now, marked as a draft."""
    if report.snapshot:
        data = report.snapshot["data"]
        texts = report.snapshot["texts"]
        checks = report.snapshot["checks"]
    else:
        data = report.data
        rendered = selectors.render_texts(report, data)
        texts = {k: rendered[k] for k in ("intro", "general", "problems", "other")}
        checks = [c.as_dict() for c in selectors.report_checks(report, data).checks]
    title = f"{data['year']}年政府信息公开工作年度报告"
    chart_title = f"{data['year']}年各月发布信息数量（按类别）"
    tables2 = layout.table2(data)
    t3 = layout.table3(data, selectors.COLUMN_KEYS)
    t4 = layout.table4(data, selectors.TABLE4_GROUP_LABELS, selectors.TABLE4_CELL_LABELS)
    return {
        "year": data["year"],
        "version": report.version,
        "status": report.status,
        "status_label": report.get_status_display(),
        "is_draft": not report.snapshot,
        "center_name": data["center_name"],
        "title": title,
        "intro": text.paragraphs(texts["intro"]),
        "general": text.paragraphs(texts["general"]),
        "problems": text.paragraphs(texts["problems"]),
        "other": text.paragraphs(texts["other"]),
        "section_titles": list(text.SECTION_TITLES),
        "table2": tables2,
        "table3": t3,
        "table4": t4,
        "chart": data["chart"],
        "chart_title": chart_title,
        "chart_svg": layout.chart_svg(data["chart"], title=chart_title),
        "figures": data["figures"],
        "checks": checks,
        "sha256": report.snapshot_sha256,
        "correction_note": report.correction_note,
        "corrects_version": report.corrects.version if report.corrects_id and report.corrects else None,
        "published_on": (
            report.published_at.astimezone(SHANGHAI).date().isoformat() if report.published_at else ""
        ),
        "date_line": _date_line(report),
    }


def _date_line(report: AnnualReport) -> str:
    moment = report.published_at or report.signed_at
    if moment is None:
        return ""
    return letters.cn_date(moment.astimezone(SHANGHAI).date())


def as_json(view: dict[str, Any]) -> dict[str, Any]:
    """The view as plain JSON (tables as layouts) for the API and typst."""
    out = {k: v for k, v in view.items() if k not in ("table2", "table3", "table4", "chart_svg")}
    out["table2"] = [t.as_dict() for t in view["table2"]]
    out["table3"] = view["table3"].as_dict()
    out["table4"] = view["table4"].as_dict()
    return out


def filename(view: dict[str, Any], ext: str) -> str:
    suffix = f"（第{view['version']}版）" if view["version"] > 1 else ""
    draft = "（草稿）" if view["is_draft"] else ""
    return f"{view['center_name']}{view['title']}{suffix}{draft}.{ext}"


# ---------------------------------------------------------------- chart PNG and PDF (typst)


def chart_png(view: dict[str, Any], *, ppi: int = 144) -> bytes:
    import typst

    result = typst.compile(
        str(CHART_TEMPLATE),
        font_paths=letters.font_dirs(),
        ignore_system_fonts=True,
        format="png",
        ppi=ppi,
        sys_inputs={"svg": view["chart_svg"]},
    )
    assert isinstance(result, bytes)
    return result


def render_pdf(view: dict[str, Any]) -> bytes:
    import typst

    result = typst.compile(
        str(TEMPLATE),
        font_paths=letters.font_dirs(),
        ignore_system_fonts=True,
        sys_inputs={"data": json.dumps(as_json(view), ensure_ascii=False), "svg": view["chart_svg"]},
    )
    assert isinstance(result, bytes)
    return result


def render_page_png(view: dict[str, Any], *, page: int = 1, ppi: int = 72) -> bytes:
    """Page ``page`` of the PDF's own source rendered to PNG by typst (the same layout and fonts;
    used to check the first page is not blank without a PDF rasteriser on the machine)."""
    import typst

    result = typst.compile(
        str(TEMPLATE),
        font_paths=letters.font_dirs(),
        ignore_system_fonts=True,
        format="png",
        ppi=ppi,
        sys_inputs={"data": json.dumps(as_json(view), ensure_ascii=False), "svg": view["chart_svg"]},
    )
    pages = result if isinstance(result, list) else [result]
    return bytes(pages[page - 1])


# ---------------------------------------------------------------- DOCX (python-docx)


def _cell_text(cell: Any, value: str, *, bold: bool, size: float, center: bool) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(value)
    letters._run_font(run, letters.BODY_FONT, size)
    run.bold = bold


def _docx_table(document: Any, table: layout.Table, *, size: float = 10.5) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    placed = layout.grid(table)
    n_rows = len(placed)
    t = document.add_table(rows=n_rows, cols=table.columns)
    t.style = "Table Grid"
    header_rows = len(table.head)
    # Text first, into the plain grid read once (Table.cell re-reads the whole grid on every call,
    # which made a 28 × 10 table take seconds); then merge the spans, which keeps that text.
    cells = [row.cells for row in t.rows]
    spans = []
    for r, row in enumerate(placed):
        for item in row:
            assert item is not None
            rr, cc, cell = item
            _cell_text(
                cells[rr][cc],
                cell.text,
                bold=cell.header and r < header_rows,
                size=size,
                center=not cell.scope.startswith("row"),
            )
            if cell.rowspan > 1 or cell.colspan > 1:
                spans.append((rr, cc, rr + cell.rowspan - 1, cc + cell.colspan - 1))
    for r0, c0, r1, c1 in spans:
        t.cell(r0, c0).merge(t.cell(r1, c1))
    # Repeat the header rows on every page (w:tblHeader).
    for r in range(header_rows):
        tr_pr = t.rows[r]._tr.get_or_add_trPr()
        tr_pr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))


def render_docx(view: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = Document()
    letters._declare_fonts(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name = letters.BODY_FONT
    normal.font.size = Pt(16)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)

    def para(
        value: str,
        *,
        font: str = letters.BODY_FONT,
        size: float = 16,
        center: bool = False,
        indent: bool = True,
    ) -> Any:
        p = document.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(size * 2) if indent else Pt(0)
        letters._run_font(p.add_run(value), font, size)
        return p

    para(view["center_name"], font=letters.TITLE_FONT, size=22, center=True, indent=False)
    para(view["title"], font=letters.TITLE_FONT, size=22, center=True, indent=False)
    if view["is_draft"]:
        para(f"（草稿，{view['status_label']}，未经签发）", size=14, center=True, indent=False)
    if view["corrects_version"]:
        para(
            f"（第{view['version']}版，更正第{view['corrects_version']}版）",
            size=14,
            center=True,
            indent=False,
        )
    para("", indent=False)
    for p in view["intro"]:
        para(p)
    titles = view["section_titles"]
    para(titles[0], font=HEADING_FONT, indent=True)
    for p in view["general"]:
        para(p)
    from docx.shared import Mm as _Mm

    png = chart_png(view)
    document.add_picture(io.BytesIO(png), width=_Mm(150))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    para(f"图1  {view['chart_title']}", size=12, center=True, indent=False)
    para(titles[1], font=HEADING_FONT, indent=True)
    for t in view["table2"]:
        _docx_table(document, t, size=12)
        para("", size=8, indent=False)
    para(titles[2], font=HEADING_FONT, indent=True)
    _docx_table(document, view["table3"], size=9)
    para(titles[3], font=HEADING_FONT, indent=True)
    _docx_table(document, view["table4"], size=9)
    para(titles[4], font=HEADING_FONT, indent=True)
    for p in view["problems"] or ["（未填写）"]:
        para(p)
    para(titles[5], font=HEADING_FONT, indent=True)
    for p in view["other"]:
        para(p)
    if view["correction_note"]:
        para(f"更正说明：{view['correction_note']}")
    if view["date_line"]:
        para("", indent=False)
        right = para(view["center_name"], indent=False)
        right.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        right = para(view["date_line"], indent=False)
        right.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    props = document.core_properties
    props.title = f"{view['center_name']}{view['title']}"
    props.author = view["center_name"]
    props.comments = f"SHA-256 {view['sha256']}" if view["sha256"] else "草稿"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
