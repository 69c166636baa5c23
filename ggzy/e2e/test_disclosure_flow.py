"""Issue #4's "done when", in a real browser: a member of the public applies online and tracks the
application; staff confirm receipt, issue a 补正 notice, receive the amendment, consult a third
party (start and end), extend (approved by the head of the disclosure office) and reply with
部分公开 (三(二)); the reply letter downloads as DOCX and PDF with the right Chinese text; a review
case is recorded; the applicant sees the outcome and downloads the same letter; the application
lands in exactly one outcome cell of table 三 and every cross-check holds.

The browser drives real time, so every date is "today". chinesecalendar covers only up to 2026:
when today's due dates run into 2027 the core raises CalendarDataMissing, so the test first enters
the 2027 calendar year the way an administrator would (calendar_year_enter, dates as in an
official notice) — the test must not depend on the day it runs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import docx
import pypdf
import pytest

from ggzy.core.clock import local_date, system_clock
from ggzy.disclosure import outcomes, selectors
from ggzy.disclosure.config import remedy_texts
from ggzy.disclosure.models import DisclosureRequest, ReviewCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-password-123"
ID_NUMBER = "11010519491231002X"

# A plausible 2027 holiday schedule (New Year, Spring Festival, Qingming, Labour Day, Dragon Boat,
# Mid-Autumn, National Day), entered only so that deadlines running into 2027 can be computed.
HOLIDAYS_2027 = [
    dt.date(2027, 1, 1),
    *(dt.date(2027, 2, d) for d in range(6, 13)),
    dt.date(2027, 4, 5),
    *(dt.date(2027, 5, d) for d in range(1, 6)),
    dt.date(2027, 6, 9),
    dt.date(2027, 9, 15),
    *(dt.date(2027, 10, d) for d in range(1, 8)),
]


@pytest.fixture
def people(make_user: Any, center: Any) -> dict[str, Any]:
    officer = make_user("disclosure_officer", org=center, username="e2e-officer", password=PASSWORD)
    head = make_user("disclosure_head", org=center, username="e2e-head", password=PASSWORD)
    head.display_name = "李主任"
    head.save(update_fields=["display_name"])
    return {"officer": officer, "head": head}


@pytest.fixture
def calendar_2027() -> None:
    from ggzy.workcalendar.services import calendar_year_enter

    calendar_year_enter(actor=None, year=2027, source="测试用", holidays=HOLIDAYS_2027, makeup_days=[])


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/"))


def act(page: Any, action: str, fields: dict[str, str], selects: dict[str, str] | None = None) -> None:
    """Open the action's panel on the request page, fill it and submit; expect the success message."""
    page.locator(f"#panel-{action} > summary").click()
    form = page.locator(f"#form-{action}")
    for name, value in fields.items():
        form.locator(f"[name='{action}-{name}']").fill(value)
    for name, value in (selects or {}).items():
        form.locator(f"select[name='{action}-{name}']").select_option(value)
    form.locator(f"#btn-{action}").click()
    page.wait_for_load_state()
    assert page.locator("#action-error").count() == 0, page.locator("#action-error").inner_text()
    assert page.locator(".messages .alert-success").count() == 1


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_letter_text(text: str, code: str) -> None:
    text = squash(text)
    assert squash(outcomes.outcome_label("3.2")) in text
    assert "政府信息部分公开告知书" in text
    assert code in text
    for remedy in remedy_texts().values():
        assert squash(remedy) in text
    assert "公民甲：" in text
    assert ID_NUMBER not in text


def test_apply_track_handle_reply_letter_and_review(
    page: Any, live_server: Any, people: dict[str, Any], calendar_2027: None, tmp_path: Path
) -> None:
    base = live_server.url
    today = local_date(system_clock.now()).isoformat()

    # -- the public applies online
    page.goto(f"{base}/gk/apply/")
    page.locator("#link-apply-online").click()
    page.wait_for_url(re.compile(r"/gk/apply/online/"))
    page.get_by_label("自然人").check()
    page.get_by_label("申请人姓名或名称").fill("公民甲")
    page.get_by_label("身份证明类型").select_option(label="居民身份证")
    page.get_by_label("身份证明号码").fill(ID_NUMBER)
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("电子邮箱").fill("jia@example.com")
    page.get_by_label("所需信息名称").fill("2026年度某道路工程招标文件及开标记录")
    page.get_by_label("电子文档").check()
    page.locator("#row-delivery_method").get_by_label("电子邮件").check()
    page.get_by_label("本人承诺所填信息真实").check()
    page.locator("#btn-apply").click()
    page.wait_for_load_state()
    assert "请妥善保存，仅显示一次" in page.content()
    code = page.locator("#tracking-code").inner_text().strip()
    secret = page.locator("#tracking-secret").inner_text().strip()
    assert code.startswith("YSQ-")

    # -- and tracks it
    page.locator("#link-track").click()
    page.locator("#id_tracking_code").fill(code)
    page.locator("#id_secret").fill(secret)
    page.locator("#btn-track").click()
    page.wait_for_load_state()
    assert page.locator("#tracking-status").inner_text() == "待确认受理"
    # a wrong secret is refused in Chinese
    page.locator("#id_tracking_code").fill(code)
    page.locator("#id_secret").fill("wrong-secret")
    page.locator("#btn-track").click()
    page.wait_for_load_state()
    assert "查询码或查询密码不正确" in page.locator("#track-error").inner_text()

    # -- staff handle it
    login(page, base, "e2e-officer")
    page.locator("#nav-disclosure").click()
    page.get_by_role("link", name=code).click()
    page.wait_for_url(re.compile(r"/manage/disclosure/\d+/"))
    act(page, "confirm", {"confirmed_on": today})
    assert page.locator("#request-status").inner_text() == "办理中"

    deadline = (local_date(system_clock.now()) + dt.timedelta(days=10)).isoformat()
    act(page, "amendment", {"items": "请写明招标文件对应的项目编号", "deadline": deadline, "on": today})
    assert page.locator("#request-status").inner_text() == "待补正"
    act(page, "amendment_received", {"on": today, "note": "申请人电话补充了项目编号"})
    act(
        page,
        "consultation_start",
        {"on": today, "note": "涉及投标人商业秘密，征求投标人意见"},
        {"party": "third_party"},
    )
    assert page.locator("#request-status").inner_text() == "征求意见中"
    act(page, "consultation_end", {"on": today, "note": "投标人不同意公开报价明细"})
    due_before = page.locator("#fact-due").inner_text()
    act(
        page,
        "extend",
        {"days": "10", "reason": "需要对开标记录作区分处理", "on": today},
        {"approved_by": str(people["head"].pk)},
    )
    assert page.locator("#fact-due").inner_text() > due_before
    assert "李主任" in page.locator("#events").inner_text()

    act(
        page,
        "reply",
        {
            "legal_basis": "《中华人民共和国政府信息公开条例》第十五条、第三十七条",
            "text": "招标文件予以公开；开标记录中投标人报价明细涉及商业秘密，不予公开。",
            "replied_on": today,
        },
        {"outcome": "3.2"},
    )
    assert page.locator("#request-status").inner_text() == "已办结"
    assert "部分公开" in page.locator("#reply-outcome").inner_text()

    # -- the letter downloads as DOCX and PDF with the right Chinese text
    with page.expect_download() as info:
        page.locator("#letter-docx").click()
    docx_path = tmp_path / "letter.docx"
    info.value.save_as(docx_path)
    document = docx.Document(str(docx_path))
    check_letter_text("\n".join(p.text for p in document.paragraphs), code)

    with page.expect_download() as info:
        page.locator("#letter-pdf").click()
    pdf_bytes = Path(info.value.path()).read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    check_letter_text("".join(p.extract_text() for p in reader.pages), code)

    act(page, "delivered", {}, {"method": "email"})
    act(
        page,
        "review_case",
        {"case_number": "示政复〔2026〕1号", "subject": "不服部分公开答复", "filed_on": today},
        {"kind": "administrative_review", "center_role": "original_actor"},
    )
    assert "示政复〔2026〕1号" in page.locator("#cases").inner_text()

    # -- the applicant sees the outcome and gets the same letter
    page.context.clear_cookies()
    page.goto(f"{base}/gk/apply/track/")
    page.locator("#id_tracking_code").fill(code)
    page.locator("#id_secret").fill(secret)
    page.locator("#btn-track").click()
    page.wait_for_load_state()
    assert "部分公开" in page.locator("#tracking-outcome").inner_text()
    page.locator("#letter-secret").fill(secret)
    with page.expect_download() as info:
        page.locator("#btn-letter-pdf").click()
    public_pdf = pypdf.PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
    check_letter_text("".join(p.extract_text() for p in public_pdf.pages), code)

    # -- the record: one outcome cell in table 三, every cross-check holds, the case in table 四
    request = DisclosureRequest.objects.get(tracking_code=code)
    assert request.outcome == "3.2"
    assert request.closed_on is not None
    year = request.closed_on.year
    stats = selectors.disclosure_stats(year=year)
    outcome_rows = [r for r in stats.table3 if r.code in outcomes.OUTCOME_CODES and r.cells[6]]
    assert [(r.code, r.cells) for r in outcome_rows] == [("3.2", [1, 0, 0, 0, 0, 0, 1])]
    assert stats.all_passed, [c for c in stats.checks if not c.passed]
    assert ReviewCase.objects.get().request == request
