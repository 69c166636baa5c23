"""Selectors and services on a real database: defaults, the check with DB terms/flags/calendar,
recording, rule tuning with validation, terms, policy lookup, flags and their expiry, audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ggzy.audit.models import Event
from ggzy.compliance import selectors, services
from ggzy.compliance.defaults import RULES, TERMS, ensure_defaults
from ggzy.compliance.facts import AttachmentFacts, CheckResult, Finding, NoticeFacts
from ggzy.compliance.models import (
    AgencyFlag,
    ComplianceCheck,
    ComplianceRule,
    PublicationPolicy,
    RestrictedTerm,
)
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.workcalendar.models import DayOverride

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def admin(make_user: Callable[..., Any], center: Any) -> Any:
    return make_user("system_admin", org=center)


@pytest.fixture
def agency(make_org: Callable[..., Any]) -> Any:
    return make_org("agency", "示范招标代理有限公司")


@pytest.fixture
def clock2026() -> FixedClock:
    return FixedClock(at(2026, 3, 1))


def procurement(
    *, org: int | None = None, body: str = "采购办公设备", end: dt.datetime | None = None
) -> NoticeFacts:
    return NoticeFacts(
        kind="tender",
        domain="procurement",
        procedure="open_tendering",
        fields={
            "title": "示范市办公设备采购项目公开招标公告",
            "project_code": "SFCG-2026-001",
            "project_name": "办公设备采购",
            "tenderer_name": "示范市财政局",
            "agency_name": "示范招标代理有限公司",
            "bid_deadline": at(2026, 10, 30),
            "opening_at": at(2026, 10, 30),
            "file_issue_start": at(2026, 9, 29),
            "file_issue_end": end or at(2026, 10, 12, 17),
            "body_text": body,
        },
        publish_at=at(2026, 9, 29, 8),
        organisation_id=org,
    )


def test_defaults_exist_and_ensure_defaults_is_idempotent_and_keeps_tuning() -> None:
    assert ComplianceRule.objects.count() == len(RULES)
    assert RestrictedTerm.objects.count() == len(TERMS) >= 20
    ComplianceRule.objects.filter(code="tender_period").update(params={"min_days": 30})
    RestrictedTerm.objects.filter(term="本地注册").delete()
    ensure_defaults(ComplianceRule, RestrictedTerm)
    assert ComplianceRule.objects.count() == len(RULES)
    assert ComplianceRule.objects.get(code="tender_period").params == {"min_days": 30}
    assert RestrictedTerm.objects.filter(term="本地注册").exists()


def test_check_clean_notice_has_no_findings() -> None:
    result = selectors.compliance_check(facts=procurement())
    assert result.findings == ()


def test_check_uses_terms_from_the_table() -> None:
    result = selectors.compliance_check(facts=procurement(body="投标人须为本地注册企业，并提供原厂授权"))
    codes = [(f.rule_code, f.severity) for f in result.findings]
    assert ("restricted_terms", "error") in codes and ("restricted_terms", "warning") in codes
    assert result.has_errors


def test_check_uses_work_calendar_overrides() -> None:
    # 09-29..10-09 has 4 working days → error; a staff override making 10-03 a working day fixes it.
    facts = procurement(end=at(2026, 10, 9, 17))
    assert [f.rule_code for f in selectors.compliance_check(facts=facts).findings] == [
        "procurement_file_period"
    ]
    DayOverride.objects.create(date=dt.date(2026, 10, 3), is_working_day=True, note="测试")
    assert selectors.compliance_check(facts=facts).findings == ()


def test_disabled_rule_does_not_run_and_severity_comes_from_row(admin: Any) -> None:
    facts = procurement(end=at(2026, 10, 9, 17))
    rule = ComplianceRule.objects.get(code="procurement_file_period")
    services.rule_update(
        actor=admin,
        rule=rule,
        severity="warning",
        enabled=True,
        params=rule.params,
        message=rule.message,
        legal_basis=rule.legal_basis,
    )
    assert [f.severity for f in selectors.compliance_check(facts=facts).findings] == ["warning"]
    services.rule_update(
        actor=admin,
        rule=rule,
        severity="warning",
        enabled=False,
        params=rule.params,
        message=rule.message,
        legal_basis=rule.legal_basis,
    )
    assert selectors.compliance_check(facts=facts).findings == ()


def test_agency_flag_active_then_expired_then_lifted(admin: Any, agency: Any, clock2026: FixedClock) -> None:
    flag = services.agency_flag_set(
        actor=admin,
        organisation=agency,
        until=dt.date(2026, 10, 1),
        reason="违规收取费用",
        source="manual",
        clock=clock2026,
    )
    on_last_day = NoticeFacts(**{**procurement(org=agency.pk).__dict__, "publish_at": at(2026, 10, 1, 20)})
    found = selectors.compliance_check(facts=on_last_day).findings
    assert [f.rule_code for f in found] == ["agency_flagged"] and "违规收取费用" in found[0].message
    after = NoticeFacts(**{**procurement(org=agency.pk).__dict__, "publish_at": at(2026, 10, 2, 8)})
    assert selectors.compliance_check(facts=after).findings == ()
    assert selectors.compliance_check(facts=procurement(org=agency.pk + 1000)).findings == ()
    services.agency_flag_lift(actor=admin, flag=flag, clock=clock2026)
    assert selectors.compliance_check(facts=on_last_day).findings == ()
    with pytest.raises(InvalidTransition):
        services.agency_flag_lift(actor=admin, flag=flag, clock=clock2026)
    assert set(
        Event.objects.filter(action__startswith="compliance.flag").values_list("action", flat=True)
    ) == {
        "compliance.flag_set",
        "compliance.flag_lift",
    }


def test_agency_flag_bad_input(
    admin: Any, agency: Any, make_org: Callable[..., Any], clock2026: FixedClock
) -> None:
    kwargs: dict[str, Any] = {"actor": admin, "organisation": agency, "reason": "r", "source": "manual"}
    with pytest.raises(ValidationFailed, match="不能早于今天"):
        services.agency_flag_set(until=dt.date(2026, 2, 28), clock=clock2026, **kwargs)
    with pytest.raises(ValidationFailed, match="只能标记招标代理机构"):
        services.agency_flag_set(
            **{**kwargs, "organisation": make_org("bidder")}, until=dt.date(2026, 12, 1), clock=clock2026
        )
    with pytest.raises(ValidationFailed, match="来源"):
        services.agency_flag_set(
            **{**kwargs, "source": "gossip"}, until=dt.date(2026, 12, 1), clock=clock2026
        )
    with pytest.raises(ValidationFailed, match="原因"):
        services.agency_flag_set(**{**kwargs, "reason": "  "}, until=dt.date(2026, 12, 1), clock=clock2026)
    assert not AgencyFlag.objects.exists()


def test_violation_source_may_flag_without_actor(agency: Any, clock2026: FixedClock) -> None:
    flag = services.agency_flag_set(
        actor=None,
        organisation=agency,
        until=dt.date(2026, 6, 1),
        reason="曝光台处理决定",
        source="violation",
        clock=clock2026,
    )
    assert flag.created_by is None
    with pytest.raises(PermissionDenied):
        services.agency_flag_set(
            actor=None,
            organisation=agency,
            until=dt.date(2026, 6, 1),
            reason="x",
            source="manual",
            clock=clock2026,
        )


def test_record_and_latest(make_user: Callable[..., Any], agency: Any, clock2026: FixedClock) -> None:
    submitter = make_user("agency_publisher", org=agency)
    assert selectors.compliance_latest(subject="notice:1") is None
    first = CheckResult((Finding("r1", "error", "错", "依据", "title"),))
    services.compliance_record(actor=submitter, subject="notice:1", result=first, clock=clock2026)
    clock2026.advance(minutes=5)
    second = CheckResult((Finding("r2", "warning", "警", "", ""),))
    services.compliance_record(actor=submitter, subject="notice:1", result=second, clock=clock2026)
    services.compliance_record(actor=submitter, subject="notice:2", result=CheckResult(), clock=clock2026)
    latest = selectors.compliance_latest(subject="notice:1")
    assert latest is not None
    assert (latest.error_count, latest.warning_count) == (0, 1)
    assert selectors.findings_of(latest) == [Finding("r2", "warning", "警", "", "")]
    assert selectors.compliance_history(subject="notice:1").count() == 2
    assert Event.objects.filter(action="compliance.check_record").count() == 3


@pytest.mark.parametrize("subject", ["", "notice", "x" * 70])
def test_record_rejects_bad_subject(subject: str) -> None:
    with pytest.raises(ValidationFailed):
        services.compliance_record(actor=None, subject=subject, result=CheckResult())
    assert not ComplianceCheck.objects.exists()


def test_rule_update_validates_params_and_saves_nothing_on_error(admin: Any) -> None:
    rule = ComplianceRule.objects.get(code="tender_period")
    base = {"severity": "error", "enabled": True, "message": "m", "legal_basis": "b"}
    for params, text in [
        ('{"min_days": "x"}', "min_days"),
        ("{not json", "JSON"),
        ('{"min_days": 20, "scope": {"moon": []}}', "moon"),
        ("[1]", "JSON 对象"),
    ]:
        with pytest.raises(ValidationFailed, match=text):
            services.rule_update(actor=admin, rule=rule, params=params, **base)
    with pytest.raises(ValidationFailed, match="严重程度"):
        services.rule_update(
            actor=admin, rule=rule, params='{"min_days": 20}', **{**base, "severity": "fatal"}
        )
    with pytest.raises(ValidationFailed, match="提示文字"):
        services.rule_update(actor=admin, rule=rule, params='{"min_days": 20}', **{**base, "message": " "})
    rule.refresh_from_db()
    assert rule.params["min_days"] == 20 and rule.message != "m"
    services.rule_update(
        actor=admin, rule=rule, params='{"min_days": "25", "scope": {"construction": []}}', **base
    )
    rule.refresh_from_db()
    assert rule.params == {"min_days": 25, "scope": {"construction": []}} and rule.message == "m"
    event = Event.objects.get(action="compliance.rule_update")
    assert (
        event.data["before"]["params"]["min_days"] == 20 and event.data["after"]["params"]["min_days"] == 25
    )


def test_rule_update_needs_tuning_role(make_user: Callable[..., Any], center: Any, agency: Any) -> None:
    rule = ComplianceRule.objects.get(code="tender_period")
    kwargs = {"rule": rule, "severity": "error", "enabled": True, "params": {"min_days": 20}, "message": "m",
              "legal_basis": ""}  # fmt: skip
    for actor in (make_user("editor", org=center), make_user("agency_publisher", org=agency), None):
        with pytest.raises(PermissionDenied):
            services.rule_update(actor=actor, **kwargs)
    services.rule_update(actor=make_user("signer", org=center), **kwargs)


def test_rule_create_custom_terms(admin: Any) -> None:
    rule = services.rule_create(
        actor=admin, code="local_onsite", name="驻场要求", check_name="custom_terms", severity="warning",
        params={"terms": ["驻场服务"]}, message="含有驻场要求",
    )  # fmt: skip
    assert rule.position > ComplianceRule.objects.get(code="agency_flagged").position
    result = selectors.compliance_check(facts=procurement(body="须提供驻场服务"))
    assert [f.rule_code for f in result.findings] == ["local_onsite"]
    with pytest.raises(ValidationFailed, match="已存在"):
        services.rule_create(actor=admin, code="local_onsite", name="x", check_name="custom_terms",
                             severity="warning", params={"terms": ["a"]}, message="m")  # fmt: skip
    with pytest.raises(ValidationFailed, match="规则代码"):
        services.rule_create(actor=admin, code="Bad Code", name="x", check_name="custom_terms",
                             severity="warning", params={"terms": ["a"]}, message="m")  # fmt: skip
    with pytest.raises(ValidationFailed, match="参数"):
        services.rule_create(actor=admin, code="x2", name="x", check_name="custom_terms",
                             severity="warning", params={}, message="m")  # fmt: skip


def test_terms_add_remove_and_bad_input(admin: Any) -> None:
    term = services.restricted_term_add(actor=admin, term="本县企业", category="地域限制", severity="error")
    result = selectors.compliance_check(facts=procurement(body="限本县企业参加"))
    assert [f.severity for f in result.findings] == ["error"]
    with pytest.raises(ValidationFailed, match="已在词库中"):
        services.restricted_term_add(actor=admin, term="本县企业", category="地域限制", severity="error")
    with pytest.raises(ValidationFailed, match="至少2个字"):
        services.restricted_term_add(actor=admin, term="本", category="地域限制", severity="error")
    with pytest.raises(ValidationFailed, match="类别"):
        services.restricted_term_add(actor=admin, term="某某", category="星座", severity="error")
    services.restricted_term_remove(actor=admin, term=term)
    assert selectors.compliance_check(facts=procurement(body="限本县企业参加")).findings == ()
    assert Event.objects.filter(action__in=["compliance.term_add", "compliance.term_remove"]).count() == 2


def test_publication_policy_default_set_and_bad_input(admin: Any) -> None:
    assert selectors.publication_mode(kind="tender", domain="construction") == "publish_then_patrol"
    services.publication_policy_set(actor=admin, kind="tender", domain="construction", mode="approve_first")
    assert selectors.publication_mode(kind="tender", domain="construction") == "approve_first"
    assert selectors.publication_mode(kind="tender", domain="procurement") == "publish_then_patrol"
    assert selectors.publication_mode(kind="award", domain="construction") == "publish_then_patrol"
    services.publication_policy_set(
        actor=admin, kind="tender", domain="construction", mode="publish_then_patrol"
    )
    assert PublicationPolicy.objects.count() == 1
    assert selectors.publication_mode(kind="tender", domain="construction") == "publish_then_patrol"
    grid = selectors.publication_policy_grid()
    assert len(grid) == 5 and all(len(row["cells"]) == 5 for row in grid)
    for bad in ({"kind": "memo"}, {"domain": "moon"}, {"mode": "never"}):
        args = {"kind": "tender", "domain": "construction", "mode": "approve_first", **bad}
        with pytest.raises(ValidationFailed):
            services.publication_policy_set(actor=admin, **args)
    assert Event.objects.filter(action="compliance.policy_set").count() == 2


def test_attachment_rules_through_selector() -> None:
    facts = NoticeFacts(
        **{
            **procurement().__dict__,
            "attachments": (AttachmentFacts("招标文件.exe", "application/x-msdownload", 60 * 1024 * 1024),),
        }
    )
    assert sorted(f.rule_code for f in selectors.compliance_check(facts=facts).errors) == [
        "attachment_size",
        "attachment_types",
    ]
