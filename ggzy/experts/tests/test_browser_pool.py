"""The pool in a real browser: staff upload a spreadsheet with a bad specialty code and see the
row's error with nothing imported, then a good one; an expert asks for a new specialty and
registers leave on their own page; staff approve the specialty."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from ggzy.experts import pii, spreadsheet
from ggzy.experts.models import Expert, ExpertSpecialty
from ggzy.experts.tests.test_browser import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def xrow(n: int, code: str) -> list[object]:
    return [
        f"王五{n}",
        pii.make_id_number("640402", dt.date(1968, 3, n), n),
        "高级工程师",
        "副高级",
        20,
        "示范市",
        code,
        "",
        f"w{n}@example.com",
        "",
        "电子邮件",
    ]


def test_import_and_specialty_review(
    page: Any,
    live_server: Any,
    world: Any,
    make_user: Any,
    make_expert: Any,
    expert_login: Any,
    tmp_path: Path,
) -> None:
    base = live_server.url
    admin = make_user("system_admin", org=world.admin.organisation, username="pool-admin", password=PASSWORD)
    bad, good = tmp_path / "bad.xlsx", tmp_path / "good.xlsx"
    bad.write_bytes(spreadsheet.template_bytes([xrow(1, "A0801"), xrow(2, "Q123")]))
    good.write_bytes(spreadsheet.template_bytes([xrow(1, "A0801"), xrow(2, "A1101")]))
    before = Expert.objects.count()

    login(page, base, admin.username)
    page.goto(f"{base}/manage/experts/pool/")
    page.get_by_label("专家信息表（.xlsx）").set_input_files(str(bad))
    page.locator("#btn-import").click()
    page.wait_for_load_state()
    assert "第 3 行" in page.locator("#row-errors").inner_text()
    assert "Q123" in page.locator("#row-errors").inner_text()
    assert Expert.objects.count() == before
    page.get_by_label("专家信息表（.xlsx）").set_input_files(str(good))
    page.locator("#btn-import").click()
    page.wait_for_url(re.compile(r"/manage/experts/pool/$"))
    assert "已导入 2 名专家" in page.locator(".messages").inner_text()
    assert Expert.objects.count() == before + 2

    expert = make_expert(("A0801",), name="赵六")
    user = expert_login(expert, password=PASSWORD)
    login(page, base, user.username)
    page.goto(f"{base}/manage/experts/me/")
    page.get_by_label("申请增加的专业").select_option("C0103")
    page.locator("#btn-specialty").click()
    page.wait_for_url(re.compile(r"/manage/experts/me/$"))
    assert "C0103" in page.locator("#specialty-list").inner_text()
    assert "待审核" in page.locator("#specialty-list").inner_text()
    page.get_by_label("请假开始日期").fill("2099-01-01")
    page.get_by_label("请假结束日期").fill("2099-01-05")
    page.locator("#btn-leave").click()
    page.wait_for_url(re.compile(r"/manage/experts/me/$"))

    item = ExpertSpecialty.objects.get(expert=expert, specialty__code="C0103")
    login(page, base, admin.username)
    page.goto(f"{base}/manage/experts/pool/")
    page.locator(f"#approve-{item.pk}").check()
    page.locator(f"#btn-review-{item.pk}").click()
    page.wait_for_url(re.compile(r"/manage/experts/pool/$"))
    item.refresh_from_db()
    assert item.status == "approved"
