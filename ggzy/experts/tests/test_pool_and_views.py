"""The pool (import all-or-nothing, the expert's own profile, specialty review), the pages'
permissions and secrecy, the draw record documents and the command line."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import docx
import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.experts import pii, records, selectors, services, spreadsheet
from ggzy.experts.models import Expert, ExpertSpecialty
from ggzy.experts.services import DemandInput
from ggzy.experts.tests.conftest import EVAL_AT, T0
from ggzy.experts.views import common

pytestmark = pytest.mark.django_db


def row(n: int, *, code: str = "A0801", email: str | None = None) -> list[object]:
    return [
        "李四" + str(n),
        pii.make_id_number("640402", dt.date(1970, 1, n % 28 + 1), n),
        "高级工程师",
        "副高级",
        12,
        "示范市",
        code,
        "",
        email or f"li{n}@example.com",
        "",
        "电子邮件",
    ]


def test_import_bad_specialty_code_rejects_whole_file(world: Any) -> None:
    content = spreadsheet.template_bytes([row(1), row(2, code="Z9999"), row(3), row(4, email="bad")])
    rows = spreadsheet.read_rows(content)
    before = Expert.objects.count()
    with pytest.raises(services.ImportRejected) as exc:
        services.experts_import(actor=world.admin, rows=rows)
    assert [(r.row, r.problems) for r in exc.value.rows] == [
        (3, ["专业代码“Z9999”不存在"]),
        (5, ["电子邮箱“bad”格式不正确"]),
    ]
    assert Expert.objects.count() == before


def test_import_ok_encrypts_and_masks(world: Any) -> None:
    rows = spreadsheet.read_rows(spreadsheet.template_bytes([row(1), row(2, code="A0801、C0103")]))
    created = services.experts_import(actor=world.admin, rows=rows)
    assert len(created) == 2
    e = Expert.objects.get(pk=created[1].pk)
    assert "*" in e.id_number_masked and e.id_number_encrypted.startswith("gf1.")
    assert pii.decrypt("id_number", e.id_number_encrypted) == row(2)[1]
    assert sorted(s.specialty.code for s in selectors.expert_specialties(e)) == ["A0801", "C0103"]
    # The same person again (duplicate identity number) is refused.
    with pytest.raises(services.ImportRejected):
        services.experts_import(actor=world.admin, rows=rows[:1])


def test_import_garbage_and_missing_columns(world: Any) -> None:
    with pytest.raises(ValidationFailed, match="无法读取"):
        spreadsheet.read_rows(b"not a spreadsheet")
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名", "身份证号"])  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed, match="表头缺少列"):
        spreadsheet.read_rows(out.getvalue())


def test_import_command(world: Any, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(spreadsheet.template_bytes([row(11)]))
    bad.write_bytes(spreadsheet.template_bytes([row(12, code="X01")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("experts", "import", str(bad), "--user", world.admin.username, stderr=err)
    assert "第 2 行" in err.getvalue() and "X01" in err.getvalue()
    out = io.StringIO()
    call_command("experts", "import", str(good), "--user", world.admin.username, stdout=out)
    assert "已导入 1 名专家" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("experts", "import", str(good), "--user", world.tenderer.username)


def test_expert_profile_and_specialty_review(world: Any, make_expert: Any, expert_login: Any) -> None:
    clock = FixedClock(T0)
    expert = make_expert()
    user = expert_login(expert)
    other = make_expert()
    with pytest.raises(PermissionDenied):
        services.specialty_request(actor=user, expert=other, code="A1101", clock=clock)
    item = services.specialty_request(actor=user, expert=expert, code="A1101", clock=clock)
    assert item.status == "pending"
    with pytest.raises(PermissionDenied):
        services.specialty_review(actor=user, item=item, approve=True, clock=clock)
    with pytest.raises(ValidationFailed, match="审核意见"):
        services.specialty_review(actor=world.admin, item=item, approve=False, clock=clock)
    services.specialty_review(actor=world.admin, item=item, approve=True, clock=clock)
    assert ExpertSpecialty.objects.get(pk=item.pk).status == "approved"
    services.expert_profile_update(
        actor=user,
        expert=expert,
        title="正高级工程师",
        title_level="senior",
        years=20,
        region="示范市",
        email="new@example.com",
        phone="13912345678",
        preferred_channel="sms",
        clock=clock,
    )
    expert.refresh_from_db()
    assert (
        expert.phone_masked == "139****5678" and pii.decrypt("phone", expert.phone_encrypted) == "13912345678"
    )
    with pytest.raises(ValidationFailed, match="手机号"):
        services.expert_profile_update(
            actor=user,
            expert=expert,
            title="x",
            title_level="senior",
            years=20,
            region="示范市",
            email="",
            phone="123",
            preferred_channel="sms",
            clock=clock,
        )
    with pytest.raises(ValidationFailed, match="结束日期"):
        services.leave_add(
            actor=user, expert=expert, start=dt.date(2026, 7, 2), end=dt.date(2026, 7, 1), clock=clock
        )


def test_leave_removes_expert_from_pool(
    world: Any, make_section: Any, make_expert: Any, expert_login: Any
) -> None:
    clock = FixedClock(T0)
    experts = [make_expert() for _ in range(6)]
    services.leave_add(
        actor=expert_login(experts[0]),
        expert=experts[0],
        start=dt.date(2026, 6, 11),
        end=dt.date(2026, 6, 12),
        clock=clock,
    )
    draw = services.draw_request_create(
        actor=world.tenderer,
        section=make_section(),
        demands=[DemandInput("A0801", 5, 0)],
        representatives=0,
        region_scope=[],
        evaluation_at=EVAL_AT,
        evaluation_place="x",
        clock=clock,
    )
    draw = services.draw_commit(actor=world.tenderer, draw=draw, clock=clock)
    assert experts[0].pk not in draw.pool_snapshot["A0801"]
    assert len(draw.pool_snapshot["A0801"]) == 5


@pytest.fixture
def drawn(world: Any, make_section: Any, pool: list[Any]) -> Any:
    clock = FixedClock(T0)
    draw = services.draw_request_create(
        actor=world.tenderer,
        section=make_section(),
        demands=[DemandInput("A0801", 5, 1)],
        representatives=0,
        region_scope=[],
        evaluation_at=EVAL_AT,
        evaluation_place="第三评标室",
        clock=clock,
    )
    draw = services.draw_commit(actor=world.tenderer, draw=draw, clock=clock)
    services.draw_entropy_add(actor=world.tenderer, draw=draw, role="tenderer", value="42", clock=clock)
    return services.draw_execute(actor=world.tenderer, draw=draw, clock=clock)


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_pages_hide_names_from_tenderer_and_audit_staff_views(
    world: Any, drawn: Any, pool: list[Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr(common, "clock", FixedClock(T0))
    page = client_for(world.tenderer).get(f"/manage/experts/draws/{drawn.pk}/").content.decode()
    assert "已抽取，待专家确认" in page and not any(e.name in page for e in pool)
    # The tenderer cannot force the names.
    r = client_for(world.tenderer).post(f"/manage/experts/draws/{drawn.pk}/names/")
    assert r.status_code == 403 and not any(e.name in r.content.decode() for e in pool)
    # Another tenderer cannot even open the draw.
    assert client_for(world.other_tenderer).get(f"/manage/experts/draws/{drawn.pk}/").status_code == 404
    before = Event.objects.filter(action="experts.committee_viewed").count()
    r = client_for(world.admin).post(f"/manage/experts/draws/{drawn.pk}/names/")
    assert r.status_code == 200 and sum(e.name in r.content.decode() for e in pool) >= 5
    assert Event.objects.filter(action="experts.committee_viewed").count() == before + 1
    # Garbage in the URL / form: no 500.
    assert client_for(world.tenderer).post(f"/manage/experts/draws/{drawn.pk}/nonsense/").status_code == 404
    assert client_for(world.tenderer).post(f"/manage/experts/draws/{drawn.pk}/entropy/", {}).status_code in (
        400,
        409,
    )
    assert client_for(world.tenderer).get(f"/manage/experts/draws/{drawn.pk}/record.exe").status_code == 404
    # The public page refuses before the reveal.
    assert Client().get(f"/experts/verify/{drawn.pk}/").status_code == 404
    assert Client().get(f"/experts/verify/{drawn.pk}.json").status_code == 404


def test_draw_record_docx_and_pdf(world: Any, drawn: Any, pool: list[Any]) -> None:
    record = records.record_for(drawn)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(records.render_docx(record))).paragraphs)
    cells = "\n".join(
        c.text
        for t in docx.Document(io.BytesIO(records.render_docx(record))).tables
        for r in t.rows
        for c in r.cells
    )
    assert "评标专家抽取记录" in text and drawn.commitment in cells and drawn.seed in cells and "42" in cells
    assert not any(e.name in cells for e in pool)
    assert "保密" in cells  # not even the ids before the evaluation starts
    pdf = pypdf.PdfReader(io.BytesIO(records.render_pdf(record)))
    pdf_text = "".join(p.extract_text() for p in pdf.pages).replace(" ", "").replace("\n", "")
    assert "评标专家抽取记录" in pdf_text and drawn.commitment[:32] in pdf_text


def test_verify_command_refuses_unrevealed(world: Any, drawn: Any) -> None:
    with pytest.raises(CommandError):
        call_command("experts", "verify-draw", str(drawn.pk))
    with pytest.raises(CommandError):
        call_command("experts", "verify-draw", "999999")
