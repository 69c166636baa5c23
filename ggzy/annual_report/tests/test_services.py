"""The report's life: draft, edit, submit, review, sign-off (frozen snapshot + hash in the audit
log), publish, correct — and every bad input of the issue, each refused with a Chinese message."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.annual_report import selectors, services, workflow
from ggzy.annual_report.models import AnnualReport
from ggzy.annual_report.tests.conftest import D, at, register, reply
from ggzy.audit.models import Event
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

PROBLEMS = "一是代理机构发布信息仍需加强事前审核。二是公众参与度有待提高，将通过调查征集、留言咨询栏目改进。"


def sign_and_publish(report: AnnualReport, people: dict[str, Any], clock: Any) -> AnnualReport:
    if not report.text_problems:
        report = services.report_update(
            actor=people["officer"], report=report, changes={"problems": PROBLEMS}, clock=clock
        )
    report = services.report_submit(actor=people["officer"], report=report, clock=clock)
    report = services.report_review(actor=people["head"], report=report, clock=clock)
    report = services.report_sign_off(actor=people["leader"], report=report, clock=clock)
    return services.report_publish(actor=people["officer"], report=report, clock=clock)


def test_a_year_with_no_data_is_a_valid_all_zero_report(people: Any, jan_2026: Any) -> None:
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    assert report.status == "draft" and report.version == 1
    assert report.data["figures"]["items.total"] == 0
    assert all(r["cells"] == [0] * 7 for r in report.data["table3"]["rows"])
    assert report.data["table2"]["admin_fee_wan"] == "0.0000"
    assert "本年没有依申请公开办理事项" in report.text_general
    assert report.text_other == "本单位2025年未收取信息处理费。"
    published = sign_and_publish(report, people, jan_2026)
    assert published.status == "published"
    assert selectors.report_checks(published, published.snapshot["data"]).failures == []


def test_a_future_year_or_the_current_year_is_refused(people: Any, jan_2026: Any) -> None:
    for year in (2026, 2031):
        with pytest.raises(ValidationFailed) as err:
            services.report_draft(actor=people["officer"], year=year, clock=jan_2026)
        assert err.value.code == "year_not_ended"
        assert "尚未结束" in err.value.message
    with pytest.raises(ValidationFailed):
        services.report_draft(actor=people["officer"], year=1999, clock=jan_2026)
    assert not AnnualReport.objects.exists()


def test_only_disclosure_staff_draft_and_only_the_leader_signs(people: Any, jan_2026: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.report_draft(actor=people["editor"], year=2025, clock=jan_2026)
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    services.report_update(
        actor=people["officer"], report=report, changes={"problems": PROBLEMS}, clock=jan_2026
    )
    services.report_submit(actor=people["officer"], report=report, clock=jan_2026)
    with pytest.raises(PermissionDenied):
        services.report_review(actor=people["officer"], report=report, clock=jan_2026)
    services.report_review(actor=people["head"], report=report, clock=jan_2026)
    with pytest.raises(PermissionDenied):
        services.report_sign_off(actor=people["head"], report=report, clock=jan_2026)
    with pytest.raises(InvalidTransition):  # not signed yet
        services.report_publish(actor=people["officer"], report=report, clock=jan_2026)


def test_a_computed_cell_cannot_be_edited_by_hand(applications: Any, people: Any, jan_2026: Any) -> None:
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    before = report.data
    with pytest.raises(ValidationFailed) as err:
        services.report_update(
            actor=people["officer"],
            report=report,
            changes={"problems": "x", "table3.1.natural_person": "5"},
            clock=jan_2026,
        )
    assert err.value.code == "computed_cell"
    assert (
        "表三“一、本年新收政府信息公开申请数量”行“自然人”列由平台根据原始记录计算，不能手工修改"
        in err.value.message
    )
    with pytest.raises(ValidationFailed) as err:
        services.report_update(
            actor=people["officer"], report=report, changes={"figures.items.total": "4367"}, clock=jan_2026
        )
    assert "数字“发布各类信息”" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        services.report_update(
            actor=people["officer"],
            report=report,
            changes={"general": "共{{figure:made.up}}条"},
            clock=jan_2026,
        )
    assert err.value.code == "bad_text" and "made.up" in err.value.message
    report.refresh_from_db()
    assert report.data == before and report.text_problems == ""
    # Text edits keep the numbers live: the placeholder renders from the data, whatever the prose.
    services.report_update(
        actor=people["officer"],
        report=report,
        changes={"general": "全年新收申请{{figure:applications.received}}件，另手写5件。"},
        clock=jan_2026,
    )
    report.refresh_from_db()
    rendered = selectors.render_texts(report, report.data)["general"]
    assert rendered == "全年新收申请11件，另手写5件。"
    warnings = selectors.report_checks(report).warnings
    assert [w.detail for w in warnings if w.code == "literal"] == ["5件"]


def test_sign_off_freezes_the_snapshot_with_its_hash_in_the_audit_log(
    applications: Any, people: Any, jan_2026: Any
) -> None:
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    with pytest.raises(InvalidTransition):
        services.report_sign_off(actor=people["leader"], report=report, clock=jan_2026)  # not reviewed
    report = services.report_update(
        actor=people["officer"], report=report, changes={"problems": PROBLEMS}, clock=jan_2026
    )
    services.report_submit(actor=people["officer"], report=report, clock=jan_2026)
    services.report_review(actor=people["head"], report=report, clock=jan_2026)
    report = services.report_sign_off(actor=people["leader"], report=report, clock=jan_2026)
    assert report.status == "signed"
    assert len(report.snapshot_sha256) == 64
    assert report.snapshot_sha256 == services.snapshot_digest(report.snapshot)
    assert report.snapshot["texts"]["general"].count("11件") >= 1
    event = Event.objects.filter(action="annual_report.sign_off").get()
    assert event.data["snapshot_sha256"] == report.snapshot_sha256
    # Frozen: no edit, no second sign-off.
    with pytest.raises(InvalidTransition):
        services.report_update(
            actor=people["officer"], report=report, changes={"problems": "改"}, clock=jan_2026
        )
    report = services.report_publish(actor=people["officer"], report=report, clock=jan_2026)
    publish = Event.objects.filter(action="annual_report.publish").get()
    assert publish.data["snapshot_sha256"] == report.snapshot_sha256


def test_publishing_twice_is_refused(people: Any, jan_2026: Any) -> None:
    report = sign_and_publish(
        services.report_draft(actor=people["officer"], year=2025, clock=jan_2026), people, jan_2026
    )
    with pytest.raises(InvalidTransition) as err:
        services.report_publish(actor=people["officer"], report=report, clock=jan_2026)
    assert err.value.code == "already_published"
    assert "不能重复公布" in err.value.message
    with pytest.raises(InvalidTransition) as err:  # nor regenerated in place
        services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    assert err.value.code == "already_published"
    assert Event.objects.filter(action="annual_report.publish").count() == 1


def test_data_changed_between_sign_off_and_publication(applications: Any, people: Any, jan_2026: Any) -> None:
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    report = services.report_update(
        actor=people["officer"], report=report, changes={"problems": PROBLEMS}, clock=jan_2026
    )
    services.report_submit(actor=people["officer"], report=report, clock=jan_2026)
    services.report_review(actor=people["head"], report=report, clock=jan_2026)
    report = services.report_sign_off(actor=people["leader"], report=report, clock=jan_2026)
    signed_hash = report.snapshot_sha256
    # A 2025 application registered late, after sign-off.
    register(people["officer"], D(2025, 12, 29), "other")
    with pytest.raises(InvalidTransition) as err:
        services.report_publish(actor=people["officer"], report=report, clock=jan_2026)
    assert err.value.code == "data_changed_after_sign_off"
    report.refresh_from_db()
    assert report.status == "signed" and report.snapshot_sha256 == signed_hash
    # The way forward: regenerate (back to draft, approvals cleared), review and sign again.
    report = services.report_regenerate(actor=people["officer"], report=report, clock=jan_2026)
    assert report.status == "draft" and report.snapshot is None and report.signed_by is None
    assert report.data["figures"]["applications.received"] == 12
    report = sign_and_publish(report, people, jan_2026)
    assert report.snapshot_sha256 != signed_hash


def test_data_changed_after_publication_needs_a_correction_version(
    applications: Any, people: Any, jan_2026: Any
) -> None:
    v1 = sign_and_publish(
        services.report_draft(actor=people["officer"], year=2025, clock=jan_2026), people, jan_2026
    )
    frozen = dict(v1.snapshot)
    late = register(people["officer"], D(2025, 12, 29), "other")
    reply(people["officer"], late, "3.1", D(2026, 1, 9))
    v1.refresh_from_db()
    assert v1.snapshot == frozen  # the published snapshot does not change
    assert selectors.report_get_public(year=2025).pk == v1.pk
    with pytest.raises(ValidationFailed):
        services.report_correct(actor=people["officer"], report=v1, note="  ", clock=jan_2026)
    v2 = services.report_correct(
        actor=people["officer"], report=v1, note="补录2025年12月29日收到的1件申请", clock=jan_2026
    )
    assert (v2.version, v2.status, v2.corrects_id) == (2, "draft", v1.pk)
    assert v2.data["figures"]["applications.received"] == 12
    assert v2.text_problems == v1.text_problems
    v2 = sign_and_publish(v2, people, jan_2026)
    v1.refresh_from_db()
    assert v1.status == "corrected" and v2.status == "published"
    assert selectors.report_get_public(year=2025).pk == v2.pk
    assert [r.version for r in selectors.report_list_public()] == [2]
    assert v2.snapshot["correction_note"] == "补录2025年12月29日收到的1件申请"
    assert v2.snapshot["corrects_version"] == 1
    with pytest.raises(InvalidTransition):  # the superseded version cannot be corrected again
        services.report_correct(actor=people["officer"], report=v1, note="再改", clock=jan_2026)


def test_a_tampered_snapshot_is_not_published(people: Any, jan_2026: Any) -> None:
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    report = services.report_update(
        actor=people["officer"], report=report, changes={"problems": PROBLEMS}, clock=jan_2026
    )
    services.report_submit(actor=people["officer"], report=report, clock=jan_2026)
    services.report_review(actor=people["head"], report=report, clock=jan_2026)
    report = services.report_sign_off(actor=people["leader"], report=report, clock=jan_2026)
    snapshot = report.snapshot
    snapshot["data"]["figures"]["items.total"] = 9999
    AnnualReport.objects.filter(pk=report.pk).update(snapshot=snapshot)
    with pytest.raises(InvalidTransition) as err:
        services.report_publish(actor=people["officer"], report=report, clock=jan_2026)
    assert err.value.code == "snapshot_tampered"


def test_return_clears_approvals_and_needs_a_comment(people: Any, jan_2026: Any) -> None:
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    services.report_submit(actor=people["officer"], report=report, clock=jan_2026)
    with pytest.raises(ValidationFailed):
        services.report_return(actor=people["head"], report=report, comment=" ", clock=jan_2026)
    report = services.report_return(
        actor=people["head"], report=report, comment="请补充第五部分", clock=jan_2026
    )
    assert report.status == "draft" and report.return_comment == "请补充第五部分"


def test_copied_paragraphs_from_last_year_are_flagged(people: Any) -> None:
    r2024 = services.report_draft(actor=people["officer"], year=2024, clock=at(D(2025, 1, 13)))
    sign_and_publish(r2024, people, at(D(2025, 1, 13)))
    r2025 = services.report_draft(actor=people["officer"], year=2025, clock=at(D(2026, 1, 12)))
    services.report_update(
        actor=people["officer"], report=r2025, changes={"problems": PROBLEMS}, clock=at(D(2026, 1, 12))
    )
    r2025.refresh_from_db()
    comparison = selectors.report_comparison(r2025)
    assert PROBLEMS in comparison["copied"]
    warnings = [w for w in selectors.report_checks(r2025).warnings if w.code == "copied"]
    assert warnings and all(not w.blocking for w in warnings)
    assert comparison["source"] == "2024年已公布报告（第1版）"
    by_name = {row.name: row for row in comparison["rows"]}
    assert by_name["items.total"].change == "持平"


def test_deadline_card_data(people: Any) -> None:
    d = selectors.report_deadline(today=D(2026, 1, 12))
    assert (d.year, d.due, d.days_left, d.report) == (2025, D(2026, 1, 31), 19, None)
    assert not d.overdue
    late = selectors.report_deadline(today=D(2026, 2, 2))
    assert late.overdue and late.days_left == -2
    report = sign_and_publish(
        services.report_draft(actor=people["officer"], year=2025, clock=at(D(2026, 1, 12))),
        people,
        at(D(2026, 1, 12)),
    )
    done = selectors.report_deadline(today=D(2026, 2, 2))
    assert done.published and not done.overdue and done.report.pk == report.pk


def test_cli_drafts_and_reports_checks(people: Any, capsys: Any, tmp_path: Any) -> None:
    from ggzy.annual_report import views

    with pytest.raises(CommandError) as err:
        call_command("report", "annual", "--year", "2099")
    assert err.value.returncode == 2
    out = tmp_path / "r.docx"
    with pytest.raises(CommandError) as err:  # 五 is not written yet: exit 1 with the reason
        call_command("report", "annual", "--year", "2024", "--docx", str(out))
    assert err.value.returncode == 1
    text = capsys.readouterr().out
    assert "2024年政府信息公开工作年度报告：草稿" in text
    assert "[不通过] 五、存在的主要问题及改进情况" in text
    assert out.read_bytes()[:2] == b"PK"
    assert AnnualReport.objects.get(year=2024).drafted_by is None
    assert views  # the CLI uses the system clock; 2024 has ended
    assert workflow.STATUS_LABELS["draft"] == "草稿"
