"""The pure checks: passing and failing cases with hand-computed dates, and param validation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ggzy.compliance import rules
from ggzy.compliance.defaults import RULES
from ggzy.compliance.facts import AttachmentFacts, ChangedNoticeFacts, Finding, NoticeFacts
from ggzy.core.errors import CalendarDataMissing
from ggzy.core.workdays import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def at(y: int, m: int, d: int, h: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=SH)


def count_working_days(start: dt.date, end: dt.date) -> int:
    return sum(1 for _ in CAL.working_days(start, end))


CTX = rules.CheckContext(count_working_days=count_working_days)


def tender(**overrides: Any) -> NoticeFacts:
    fields: dict[str, Any] = {
        "title": "示范市第一中学教学楼建设工程施工招标公告",
        "project_code": "2026-640400-47-01-000001",
        "project_name": "示范市第一中学教学楼建设工程",
        "tenderer_name": "示范市第一中学",
        "agency_name": "示范招标代理有限公司",
        "bid_deadline": at(2026, 3, 23),
        "opening_at": at(2026, 3, 23),
        "file_issue_start": at(2026, 3, 2),
        "file_issue_end": at(2026, 3, 6, 17),
        "body_text": "投标人须具备建筑工程施工总承包二级及以上资质。",
    }
    base: dict[str, Any] = {
        "kind": "tender",
        "domain": "construction",
        "procedure": "open_tendering",
        "fields": fields,
        "publish_at": at(2026, 3, 2, 8),
    }
    fields.update(overrides.pop("fields", {}))
    base.update(overrides)
    return NoticeFacts(**base)


def spec(code: str) -> rules.RuleSpec:
    for c, _name, check, severity, message, basis, params in RULES:
        if c == code:
            return rules.RuleSpec(c, check, severity, message, basis, params)
    raise KeyError(code)


def run(facts: NoticeFacts, code: str, ctx: rules.CheckContext = CTX) -> list[Finding]:
    return list(rules.run_rules(facts, [spec(code)], ctx).findings)


# ------------------------------------------------------------------------- required fields


def test_complete_tender_has_no_findings_from_any_default_rule() -> None:
    specs = [rules.RuleSpec(c, ch, s, m, b, p) for c, _n, ch, s, m, b, p in RULES]
    assert rules.run_rules(tender(), specs, CTX).findings == ()


def test_missing_required_fields_each_reported_with_field_name() -> None:
    found = run(
        tender(fields={"tenderer_name": "", "bid_deadline": None, "body_text": "   "}), "required_fields"
    )
    assert {f.field for f in found} == {"tenderer_name", "bid_deadline", "body_text"}
    assert all(f.severity == "error" for f in found)
    assert "缺少“招标人/采购人”" in next(f.message for f in found if f.field == "tenderer_name")
    assert "第五条" in found[0].legal_basis


def test_required_fields_depend_on_kind() -> None:
    award = NoticeFacts(
        kind="award",
        domain="construction",
        procedure="open_tendering",
        fields={
            "title": "t",
            "project_code": "c",
            "project_name": "n",
            "body_text": "b",
            "winner_name": "甲公司",
        },
        publish_at=at(2026, 3, 2),
    )
    assert [f.field for f in run(award, "required_fields")] == ["award_amount"]


# ------------------------------------------------------------------------- 20 days


def test_tender_period_exactly_20_days_passes() -> None:
    # Issue 2026-03-02, deadline 2026-03-22: 22 − 2 = 20 days (issue day not counted).
    assert run(tender(fields={"bid_deadline": at(2026, 3, 22)}), "tender_period") == []


def test_tender_period_19_days_fails_and_names_the_earliest_deadline() -> None:
    found = run(
        tender(fields={"bid_deadline": at(2026, 3, 21), "opening_at": at(2026, 3, 21)}), "tender_period"
    )
    assert len(found) == 1
    assert found[0].field == "bid_deadline" and found[0].severity == "error"
    assert "仅19日" in found[0].message and "2026年3月22日" in found[0].message
    assert "第二十四条" in found[0].legal_basis


def test_tender_period_uses_shanghai_dates() -> None:
    # 2026-03-01 20:00 UTC is already 2026-03-02 04:00 in Shanghai: the issue date is 03-02.
    facts = tender(
        fields={
            "file_issue_start": dt.datetime(2026, 3, 1, 20, tzinfo=dt.UTC),
            "bid_deadline": at(2026, 3, 21),
        }
    )
    assert len(run(facts, "tender_period")) == 1
    facts = tender(
        fields={
            "file_issue_start": dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC),
            "bid_deadline": at(2026, 3, 21),
        }
    )
    assert run(facts, "tender_period") == []  # 03-01 23:00 Shanghai → 20 days


def test_tender_period_applies_to_procurement_open_tendering_only() -> None:
    short = {"bid_deadline": at(2026, 3, 10)}
    assert run(tender(domain="procurement", procedure="open_tendering", fields=short), "tender_period")
    assert run(tender(domain="procurement", procedure="inquiry", fields=short), "tender_period") == []
    assert run(tender(domain="land_mining", fields=short), "tender_period") == []


def test_tender_period_minimum_is_a_param() -> None:
    rule = rules.RuleSpec(
        "p", "tender_period", "error", "m", "", {"min_days": 25, "scope": {"construction": []}}
    )
    assert rules.run_rules(tender(), [rule], CTX).has_errors  # 21 days < 25


def test_tender_period_without_issue_time_counts_from_publication() -> None:
    facts = tender(
        fields={"file_issue_start": None, "bid_deadline": at(2026, 3, 21)}, publish_at=at(2026, 3, 1)
    )
    assert run(facts, "tender_period") == []


# ------------------------------------------------------------------------- file issue period


def test_construction_file_sale_five_days_inclusive() -> None:
    assert run(tender(), "file_issue_days") == []  # 03-02..03-06 = 5 days
    found = run(tender(fields={"file_issue_end": at(2026, 3, 5)}), "file_issue_days")
    assert len(found) == 1 and "共4日" in found[0].message


def test_file_issue_end_before_start_is_reported() -> None:
    found = run(tender(fields={"file_issue_end": at(2026, 3, 1)}), "file_issue_days")
    assert "早于开始时间" in found[0].message


def procurement(start: dt.datetime, end: dt.datetime) -> NoticeFacts:
    return tender(
        domain="procurement",
        fields={"file_issue_start": start, "file_issue_end": end, "bid_deadline": at(2026, 11, 2)},
        publish_at=start,
    )


def test_procurement_five_working_days_across_national_day_2026() -> None:
    # 09-29 Tue, 09-30 Wed, [10-01..10-07 holiday], 10-08 Thu, 10-09 Fri = 4 working days.
    found = run(procurement(at(2026, 9, 29), at(2026, 10, 9, 17)), "procurement_file_period")
    assert len(found) == 1
    assert "仅4个工作日" in found[0].message and "87号" in found[0].legal_basis
    # 10-10 is a Saturday 调休 working day: the fifth.
    assert run(procurement(at(2026, 9, 29), at(2026, 10, 10, 17)), "procurement_file_period") == []


def test_procurement_plain_week_passes() -> None:
    # Mon 2026-03-02 .. Fri 2026-03-06 = 5 working days.
    assert run(procurement(at(2026, 3, 2), at(2026, 3, 6, 17)), "procurement_file_period") == []
    assert run(procurement(at(2026, 3, 2), at(2026, 3, 5, 17)), "procurement_file_period")


def test_working_days_rule_does_not_apply_to_construction() -> None:
    assert run(tender(fields={"file_issue_end": at(2026, 3, 3)}), "procurement_file_period") == []


def test_working_days_missing_calendar_year_is_a_warning_not_a_crash() -> None:
    def missing(start: dt.date, end: dt.date) -> int:
        raise CalendarDataMissing("工作日历缺少 2027 年的数据")

    ctx = rules.CheckContext(count_working_days=missing)
    found = run(procurement(at(2026, 12, 28), at(2027, 1, 5)), "procurement_file_period", ctx)
    assert len(found) == 1 and found[0].severity == "warning" and "2027" in found[0].message


def test_working_days_without_calendar_is_a_warning() -> None:
    found = run(procurement(at(2026, 3, 2), at(2026, 3, 6)), "procurement_file_period", rules.CheckContext())
    assert found[0].severity == "warning"


# ------------------------------------------------------------------------- 15 days


def change(publish: dt.datetime, *, new_deadline: dt.datetime | None, old_deadline: dt.datetime | None,
           affects: bool = True, target: ChangedNoticeFacts | None = None) -> NoticeFacts:  # fmt: skip
    return NoticeFacts(
        kind="change",
        domain="construction",
        procedure="open_tendering",
        fields={
            "title": "变更公告",
            "project_code": "P1",
            "project_name": "n",
            "body_text": "修改技术参数",
            "bid_deadline": new_deadline,
            "affects_bid_preparation": affects,
        },
        changes=target
        or ChangedNoticeFacts(
            found=True, status="published", kind="tender", project_code="P1", bid_deadline=old_deadline
        ),
        publish_at=publish,
    )


def test_clarification_15_days_before_old_deadline_passes() -> None:
    # Published 03-08, deadline 03-23: 15 days.
    assert (
        run(change(at(2026, 3, 8), new_deadline=None, old_deadline=at(2026, 3, 23)), "clarification_period")
        == []
    )


def test_clarification_14_days_before_deadline_without_moving_it_fails() -> None:
    found = run(
        change(at(2026, 3, 9), new_deadline=None, old_deadline=at(2026, 3, 23)), "clarification_period"
    )
    assert len(found) == 1 and found[0].severity == "error"
    assert "仅14日" in found[0].message and "2026年3月24日" in found[0].message


def test_clarification_late_but_deadline_moved_far_enough_passes() -> None:
    facts = change(at(2026, 3, 20), new_deadline=at(2026, 4, 4), old_deadline=at(2026, 3, 23))
    assert run(facts, "clarification_period") == []  # 04-04 − 03-20 = 15


def test_clarification_deadline_moved_but_not_far_enough_fails() -> None:
    facts = change(at(2026, 3, 20), new_deadline=at(2026, 4, 3), old_deadline=at(2026, 3, 23))
    found = run(facts, "clarification_period")
    assert len(found) == 1 and "顺延后的投标截止时间距发布仅14日" in found[0].message


def test_clarification_not_affecting_preparation_is_not_checked() -> None:
    facts = change(at(2026, 3, 20), new_deadline=None, old_deadline=at(2026, 3, 23), affects=False)
    assert run(facts, "clarification_period") == []


# ------------------------------------------------------------------------- candidate publicity


def candidate(start: dt.date | None, end: dt.date | None) -> NoticeFacts:
    return NoticeFacts(
        kind="candidate",
        domain="construction",
        procedure="open_tendering",
        fields={"publicity_start": start, "publicity_end": end},
        publish_at=at(2026, 5, 11),
    )


def test_candidate_publicity_three_days_passes_two_fails() -> None:
    assert run(candidate(dt.date(2026, 5, 11), dt.date(2026, 5, 14)), "candidate_publicity") == []
    found = run(candidate(dt.date(2026, 5, 11), dt.date(2026, 5, 13)), "candidate_publicity")
    assert len(found) == 1 and "仅2日" in found[0].message and "2026年5月14日" in found[0].message
    assert "第五十四条" in found[0].legal_basis


def test_candidate_publicity_start_defaults_to_publication() -> None:
    assert run(candidate(None, dt.date(2026, 5, 13)), "candidate_publicity")
    assert run(candidate(None, dt.date(2026, 5, 14)), "candidate_publicity") == []


def test_candidate_publicity_end_before_start_reports_zero_days() -> None:
    found = run(candidate(dt.date(2026, 5, 11), dt.date(2026, 5, 1)), "candidate_publicity")
    assert "仅0日" in found[0].message


# ------------------------------------------------------------------------- change target


def test_change_target_ok() -> None:
    assert run(change(at(2026, 3, 1), new_deadline=None, old_deadline=at(2026, 3, 30)), "change_target") == []


@pytest.mark.parametrize(
    ("target", "text"),
    [
        (None, "未指明"),
        (ChangedNoticeFacts(found=False), "不存在"),
        (ChangedNoticeFacts(found=True, status="withdrawn", project_code="P1"), "现行有效"),
        (ChangedNoticeFacts(found=True, status="published", project_code="P2"), "与原公告的项目编号P2不一致"),
    ],
)
def test_change_target_problems(target: ChangedNoticeFacts | None, text: str) -> None:
    facts = change(at(2026, 3, 1), new_deadline=None, old_deadline=None)
    facts = NoticeFacts(**{**facts.__dict__, "changes": target})
    found = run(facts, "change_target")
    assert len(found) == 1 and text in found[0].message


# ------------------------------------------------------------------------- restricted terms


TERMS = [
    rules.TermFacts("本地注册", "地域限制", "error", "《招标投标法实施条例》第三十二条"),
    rules.TermFacts("指定品牌", "指定品牌", "warning", "第三十二条第（五）项"),
    rules.TermFacts("iPhone", "指定品牌", "warning", ""),
]


def test_terms_found_in_title_body_and_attachment_names_with_their_own_severity() -> None:
    facts = tender(
        fields={"title": "指定品牌采购", "body_text": "投标人须为本 地 注 册企业"},
        attachments=[AttachmentFacts("ｉＰｈｏｎｅ参数.pdf", "application/pdf", 10)],
    )
    found = run(facts, "restricted_terms", rules.CheckContext(terms=TERMS))
    by_field = {f.field: f for f in found}
    assert set(by_field) == {"title", "body_text", "attachments"}
    assert by_field["body_text"].severity == "error" and "本地注册" in by_field["body_text"].message
    assert by_field["body_text"].legal_basis == "《招标投标法实施条例》第三十二条"
    assert by_field["title"].severity == "warning"
    assert "实施条例" in by_field["attachments"].legal_basis  # a term without basis keeps the rule's


def test_terms_category_filter_and_clean_text() -> None:
    ctx = rules.CheckContext(terms=TERMS)
    assert run(tender(), "restricted_terms", ctx) == []
    rule = rules.RuleSpec("t", "restricted_terms", "warning", "m", "", {"categories": ["指定品牌"]})
    facts = tender(fields={"body_text": "本地注册"})
    assert rules.run_rules(facts, [rule], ctx).findings == ()


def test_custom_terms_use_rule_severity() -> None:
    rule = rules.RuleSpec("c", "custom_terms", "error", "本地规则", "依据", {"terms": ["驻场服务"]})
    result = rules.run_rules(tender(fields={"body_text": "须提供驻场服务"}), [rule], CTX)
    assert result.has_errors and result.findings[0].legal_basis == "依据"


# ------------------------------------------------------------------------- attachments, flags, misc


def test_attachment_types_and_sizes() -> None:
    facts = tender(
        attachments=[
            AttachmentFacts("招标文件.pdf", "application/pdf", 1024),
            AttachmentFacts("setup.exe", "application/x-msdownload", 1024),
            AttachmentFacts("无扩展名", "", 10),
            AttachmentFacts("图纸.pdf", "text/html", 10),
            AttachmentFacts("大图.zip", "application/zip", 51 * 1024 * 1024),
        ]
    )
    types = run(facts, "attachment_types")
    assert [("setup.exe" in f.message, "无扩展名" in f.message, "text/html" in f.message) for f in types] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    sizes = run(facts, "attachment_size")
    assert len(sizes) == 1 and "大图.zip" in sizes[0].message and "51.0 MB" in sizes[0].message


def test_attachment_total_size() -> None:
    facts = tender(
        attachments=[AttachmentFacts(f"{i}.pdf", "application/pdf", 45 * 1024 * 1024) for i in range(5)]
    )
    found = run(facts, "attachment_size")
    assert len(found) == 1 and "合计" in found[0].message


def test_agency_flagged() -> None:
    ctx = rules.CheckContext(flags={7: rules.FlagFacts(7, dt.date(2026, 6, 30), "串通投标被处罚")})
    found = run(tender(organisation_id=7), "agency_flagged", ctx)
    assert len(found) == 1 and "2026年6月30日" in found[0].message and "串通投标" in found[0].message
    assert run(tender(organisation_id=8), "agency_flagged", ctx) == []
    assert run(tender(organisation_id=None), "agency_flagged", ctx) == []


def test_opening_time_and_price_cap() -> None:
    found = run(tender(fields={"opening_at": at(2026, 3, 23, 10)}), "opening_at_deadline")
    assert [f.field for f in found] == ["opening_at"]
    found = run(
        tender(fields={"bid_deadline": at(2026, 3, 1), "opening_at": at(2026, 3, 1)}), "opening_at_deadline"
    )
    assert [f.field for f in found] == ["bid_deadline"]
    assert run(tender(fields={"budget": Decimal("100"), "price_cap": Decimal("101")}), "price_cap")
    assert run(tender(fields={"budget": Decimal("100"), "price_cap": Decimal("100")}), "price_cap") == []
    assert run(tender(fields={"budget": "abc", "price_cap": "1"}), "price_cap")[0].message.endswith(
        "金额格式不正确"
    )


def test_unknown_check_is_reported_and_errors_come_first() -> None:
    specs = [
        rules.RuleSpec("x", "no_such_check", "error", "m", "", {}),
        spec("required_fields"),
    ]
    result = rules.run_rules(tender(fields={"title": ""}), specs, CTX)
    assert [f.severity for f in result.findings] == ["error", "warning"]
    assert "不存在" in result.findings[1].message
    assert result.has_errors and len(result.errors) == 1 and len(result.warnings) == 1


# ------------------------------------------------------------------------- param validation


def test_every_default_rule_has_valid_params() -> None:
    for code, _n, check, _s, _m, _b, params in RULES:
        assert rules.validate_params(check, params) == params, code


@pytest.mark.parametrize(
    ("check", "params", "key", "text"),
    [
        ("tender_period", {"min_days": "abc", "scope": {"construction": []}}, "min_days", "整数"),
        ("tender_period", {"min_days": 0}, "min_days", "1到365"),
        ("tender_period", {"min_days": True}, "min_days", "整数"),
        ("tender_period", {"scope": {"construction": []}}, "min_days", "必须填写"),
        ("tender_period", {"min_days": 20, "scope": {"mars": []}}, "scope", "交易领域"),
        ("tender_period", {"min_days": 20, "scope": {"procurement": ["auction"]}}, "scope", "auction"),
        ("tender_period", {"min_days": 20, "colour": "red"}, "colour", "没有这个参数"),
        ("required_fields", {"fields": {"tender": ["nonsense"]}}, "fields", "nonsense"),
        ("required_fields", {"fields": {"memo": []}}, "fields", "公告类型"),
        ("attachment_types", {"extensions": ["pdf"]}, "extensions", ".pdf"),
        ("attachment_types", {"extensions": []}, "extensions", "不能为空"),
        (
            "attachment_types",
            {"extensions": [".pdf"], "media_types": ["pdf"]},
            "media_types",
            "application/pdf",
        ),
        ("custom_terms", {"terms": "本地"}, "terms", "字符串列表"),
        ("restricted_terms", {"fields": ["budget"]}, "fields", "budget"),
        ("agency_flagged", {"x": 1}, "x", "无参数"),
    ],
)
def test_param_validation_errors(check: str, params: Any, key: str, text: str) -> None:
    with pytest.raises(rules.ParamError) as exc:
        rules.validate_params(check, params)
    assert key in exc.value.errors and text in exc.value.errors[key]


def test_param_validation_rejects_non_objects_and_unknown_checks() -> None:
    with pytest.raises(rules.ParamError):
        rules.validate_params("tender_period", [20])
    with pytest.raises(rules.ParamError):
        rules.validate_params("nope", {})


def test_param_validation_normalises() -> None:
    clean = rules.validate_params("attachment_types", {"extensions": [" .PDF ", ".zip"]})
    assert clean == {"extensions": [".pdf", ".zip"]}
    assert rules.validate_params("tender_period", {"min_days": "21"}) == {"min_days": 21}


def test_change_target_allowed_statuses_are_a_param() -> None:
    facts = change(at(2026, 3, 1), new_deadline=None, old_deadline=None)
    facts = NoticeFacts(
        **{**facts.__dict__, "changes": ChangedNoticeFacts(True, "corrected", "tender", "P1")}
    )
    assert run(facts, "change_target")
    rule = rules.RuleSpec("c", "change_target", "error", "m", "", {"statuses": ["published", "corrected"]})
    assert rules.run_rules(facts, [rule], CTX).findings == ()
