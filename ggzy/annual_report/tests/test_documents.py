"""The three renderings agree: DOCX and PDF text extraction against the same view, the CJK font
embedded in the PDF, page 1 not blank, the chart in both, A4 and the official fonts."""

from __future__ import annotations

import io
import re
from typing import Any

import docx
import pypdf
import pytest

from ggzy.annual_report import documents, layout, services
from ggzy.annual_report.tests.pngcheck import ink_ratio
from ggzy.annual_report.tests.test_services import sign_and_publish

pytestmark = pytest.mark.django_db


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture
def published(applications: Any, people: Any, jan_2026: Any) -> Any:
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    return sign_and_publish(report, people, jan_2026)


def test_docx_and_pdf_carry_the_same_text(published: Any) -> None:
    view = documents.report_view(published)
    assert not view["is_draft"]
    d = docx.Document(io.BytesIO(documents.render_docx(view)))
    paragraphs = [p.text for p in d.paragraphs if p.text.strip()]
    assert paragraphs[0] == "示范市公共资源交易中心"
    assert paragraphs[1] == "2025年政府信息公开工作年度报告"
    for title in view["section_titles"]:
        assert title in paragraphs
    body = view["intro"] + view["general"] + view["problems"] + view["other"]
    for p in body:
        assert p in paragraphs
    section = d.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    title_run = d.paragraphs[1].runs[0]
    assert title_run.font.name == "方正小标宋简体"
    assert d.paragraphs[3].runs[0].font.name == "仿宋_GB2312"  # the intro
    assert d.paragraphs[4].runs[0].font.name == "黑体"  # 一、总体情况
    # The chart as a PNG picture.
    images = [r for r in d.part.rels.values() if "image" in r.reltype]
    assert len(images) == 1 and images[0].target_part.blob[:4] == b"\x89PNG"
    assert ink_ratio(images[0].target_part.blob) > 0.01

    pdf = pypdf.PdfReader(io.BytesIO(documents.render_pdf(view)))
    text = _squash("".join(page.extract_text() for page in pdf.pages))
    for p in body:
        assert _squash(p) in text, p
    for title in view["section_titles"]:
        assert _squash(title) in text
    assert _squash(view["chart_title"]) in text
    # Page size A4 and every font embedded (a fresh machine needs none installed).
    box = pdf.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    fonts = set()
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc_font in font.get("/DescendantFonts", [font]):
                desc = desc_font.get_object()["/FontDescriptor"].get_object()
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), desc
                fonts.add(str(desc["/FontName"]))
    assert any("NotoSansCJK" in f for f in fonts), fonts


def test_page_one_is_not_blank(published: Any) -> None:
    view = documents.report_view(published)
    png = documents.render_page_png(view, page=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    ratio = ink_ratio(png)
    assert 0.01 < ratio < 0.5, ratio


def test_draft_renderings_are_marked_as_drafts(people: Any, jan_2026: Any) -> None:
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    view = documents.report_view(report)
    assert view["is_draft"]
    assert "草稿" in documents.filename(view, "pdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(documents.render_pdf(view))).pages)
    assert "草稿" in text and "未经签发" in text
    d = docx.Document(io.BytesIO(documents.render_docx(view)))
    assert any("未经签发" in p.text for p in d.paragraphs)


def test_chart_svg_is_accessible_and_counts_every_series() -> None:
    chart = {
        "months": list(range(1, 13)),
        "series": [
            {"key": "articles", "label": "政务信息", "values": [1] * 12},
            {"key": "tender", "label": "招标公告", "values": [0] * 11 + [30]},
        ],
    }
    svg = layout.chart_svg(chart, title="2025年各月发布信息数量（按类别）")
    assert 'role="img"' in svg and '<title id="chart-title">2025年各月发布信息数量（按类别）</title>' in svg
    assert "政务信息全年12条；招标公告全年30条" in svg
    assert svg.count("<rect") == 1 + 12 + 1 + 2  # background, 12 + 1 bars, 2 legend keys
    empty = layout.chart_svg(
        {"months": chart["months"], "series": [{"key": "a", "label": "<x>", "values": [0] * 12}]}, title="t"
    )
    assert "&lt;x&gt;" in empty and "<x>" not in empty


def test_page_one_of_the_pdf_file_rasterises_with_ink(published: Any) -> None:
    """The PDF file itself, rendered by PDFium (the engine of Chromium's viewer) as a reader's
    machine would: page 1 is A4 and carries text, not a blank page or missing glyphs."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(documents.render_pdf(documents.report_view(published)))
    page = pdf[0]
    bitmap = page.render(scale=100 / 72)  # 100 dpi
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    buffer = bytes(bitmap.buffer)
    channels = stride // width if width else 0
    assert width == 827 and height in (1169, 1170)  # A4 (210 × 297 mm) at 100 dpi, rounded
    step = max(channels, 1)
    # A pixel is ink when it is clearly darker than the white page (any channel under 200).
    ink = sum(
        1
        for row in range(0, height, 2)
        for i in range(row * stride, row * stride + width * step, step * 2)
        if min(buffer[i : i + 3]) < 200
    )
    sampled = (height // 2 + height % 2) * (width // 2 + width % 2)
    ratio = ink / sampled
    assert 0.005 < ratio < 0.5, ratio
    pdf.close()
