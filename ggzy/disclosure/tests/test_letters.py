"""Reply letters: for every outcome of table 三 the DOCX opens with python-docx and the PDF with pypdf,
the Chinese text (outcome label, tracking code, remedy paragraphs) is there and extractable, the PDF
embeds its CJK font, the DOCX names the official fonts, and the applicant's identity number never
appears. Text the applicant typed cannot change the typst document."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import docx
import pypdf
import pytest

from ggzy.accounts.models import User
from ggzy.core.errors import NotFound
from ggzy.disclosure import letters, outcomes, selectors, services
from ggzy.disclosure.config import remedy_texts
from ggzy.disclosure.tests.conftest import ID_NUMBER, PHONE, at

pytestmark = pytest.mark.django_db
D = dt.date


def letter_of(req: Any) -> letters.Letter:
    """The staff path: the letter from the request's detail, read as the officer."""
    officer = User.objects.get(username="officer")
    return letters.letter_for(selectors.disclosure_request_detail(actor=officer, pk=req.pk))


def squash(text: str) -> str:
    """Extracted PDF text wraps lines; compare without whitespace."""
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes) -> str:
    return squash("".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages))


def docx_text(data: bytes) -> str:
    return squash("\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs))


def embedded_font_files(data: bytes) -> list[str]:
    found = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                descriptor = desc.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                found.extend(
                    k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor.get_object()
                )
    return found


@pytest.fixture
def replied(officer: Any, register: Callable[..., Any]) -> Callable[[str], Any]:
    def make(outcome: str, text: str = "", files: tuple[tuple[str, bytes], ...] = ()) -> Any:
        req = register(D(2026, 3, 2))
        if outcome == outcomes.STILL_UNCLEAR_AFTER_AMENDMENT:
            services.disclosure_amendment_request(
                actor=officer,
                request=req,
                items="请写明名称",
                deadline=D(2026, 3, 10),
                on=D(2026, 3, 3),
                clock=at(2026, 3, 3),
            )
            services.disclosure_amendment_receive(
                actor=officer, request=req, on=D(2026, 3, 5), clock=at(2026, 3, 5)
            )
        services.disclosure_reply(
            actor=officer,
            request=req,
            outcome=outcome,
            legal_basis="《中华人民共和国政府信息公开条例》第三十六条",
            text=text,
            files=files,
            clock=at(2026, 3, 12),
        )
        req.refresh_from_db()
        return req

    return make


STAFF_OUTCOMES = [code for code in outcomes.OUTCOME_CODES if code not in ("3.6.1", "3.6.2")]


@pytest.mark.parametrize("outcome", STAFF_OUTCOMES)
def test_letter_for_each_outcome_docx_and_pdf(outcome: str, replied: Callable[..., Any]) -> None:
    req = replied(outcome)
    letter = letter_of(req)
    label = squash(outcomes.outcome_label(outcome))
    remedies = [squash(t) for t in remedy_texts().values()]
    for text in (pdf_text(letters.render_pdf(letter)), docx_text(letters.render_docx(letter))):
        assert label in text
        assert req.tracking_code in text
        assert "示范市公共资源交易中心" in text
        assert letters.title_for(outcome) in text
        assert "张三：" in text
        assert "2026年3月2日" in text  # the receipt date
        assert "2026年3月12日" in text  # the reply date
        assert "（印章）" in text
        for remedy in remedies:
            assert remedy in text
        assert ID_NUMBER not in text and PHONE not in text


def test_remedy_texts_mention_60_days_and_6_months() -> None:
    texts = remedy_texts()
    assert "六十日" in texts["administrative_review"] and "行政复议" in texts["administrative_review"]
    assert "六个月" in texts["lawsuit"] and "行政诉讼" in texts["lawsuit"]


def test_remedy_texts_are_configurable(settings: Any, replied: Callable[..., Any]) -> None:
    settings.GGZY_DISCLOSURE = {
        "remedy_texts": {"administrative_review": "可向示范市人民政府申请行政复议（六十日内）。"}
    }
    letter = letter_of(replied("3.1"))
    assert "可向示范市人民政府申请行政复议（六十日内）。" in pdf_text(letters.render_pdf(letter))


def test_pdf_embeds_its_cjk_font_and_is_a4(replied: Callable[..., Any]) -> None:
    data = letters.render_pdf(letter_of(replied("3.2")))
    assert embedded_font_files(data), "the CJK font must be embedded"
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    width_mm = float(page.mediabox.width) / 72 * 25.4
    height_mm = float(page.mediabox.height) / 72 * 25.4
    assert round(width_mm) == 210 and round(height_mm) == 297


def test_docx_is_a4_with_official_margins_and_fonts(replied: Callable[..., Any]) -> None:
    data = letters.render_docx(letter_of(replied("3.2")))
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    xml = document.element.xml
    assert 'w:eastAsia="方正小标宋简体"' in xml and 'w:eastAsia="仿宋_GB2312"' in xml
    import zipfile

    font_table = zipfile.ZipFile(io.BytesIO(data)).read("word/fontTable.xml").decode()
    assert 'w:name="仿宋_GB2312"' in font_table and 'w:val="仿宋"' in font_table
    assert 'w:name="方正小标宋简体"' in font_table and 'w:val="宋体"' in font_table


def test_partial_letter_prints_staff_text_and_files(replied: Callable[..., Any]) -> None:
    req = replied(
        "3.2",
        text="第一项予以公开。\n第二项涉及商业秘密，不予公开。",
        files=(("开标记录.pdf", b"%PDF-1.4 x"),),
    )
    text = pdf_text(letters.render_pdf(letter_of(req)))
    assert "第二项涉及商业秘密，不予公开。" in text
    assert "开标记录.pdf" in text
    assert "第三十六条" in text


def test_markup_in_applicant_text_is_printed_not_executed(officer: Any, replied: Callable[..., Any]) -> None:
    req = replied("3.1", text='#panic("boom") *粗体* $x^2$ <script>')
    text = pdf_text(letters.render_pdf(letter_of(req)))
    assert '#panic("boom")' in text and "*粗体*" in text and "$x^2$" in text


def test_no_letter_before_the_reply(register: Callable[..., Any]) -> None:
    req = register(D(2026, 3, 2))
    with pytest.raises(NotFound, match="尚未答复"):
        letter_of(req)


def test_applicant_letter_needs_the_right_pair(replied: Callable[..., Any]) -> None:
    req = replied("3.1")
    with pytest.raises(NotFound, match="查询码或查询密码不正确"):
        letters.letter_for_applicant(tracking_code=req.tracking_code, secret="wrong-one")


def test_applicant_letter_with_the_right_pair_matches_the_staff_letter(
    officer: Any, django_assert_max_num_queries: Any
) -> None:
    from ggzy.disclosure.tests.conftest import applicant, info

    submitted = services.disclosure_request_register(
        actor=officer,
        channel="in_person",
        applicant=applicant(),
        info=info(),
        arrived_on=D(2026, 3, 2),
        secret="applicant-secret",
        clock=at(2026, 3, 2),
    )
    req = submitted.request
    services.disclosure_reply(
        actor=officer,
        request=req,
        outcome="3.2",
        legal_basis="《中华人民共和国政府信息公开条例》第三十七条",
        files=(("甲.pdf", b"%PDF-1.4 a"), ("乙.pdf", b"%PDF-1.4 b")),
        clock=at(2026, 3, 12),
    )
    with django_assert_max_num_queries(2):  # the request with its reply; the files
        mine = letters.letter_for_applicant(tracking_code=req.tracking_code, secret="applicant-secret")
    assert mine == letter_of(req)
    assert mine.files == ["甲.pdf", "乙.pdf"]


def test_every_outcome_has_an_opening_and_a_title() -> None:
    for code in outcomes.OUTCOME_CODES:
        assert letters.OPENINGS[code]
        assert letters.title_for(code).endswith("告知书")
