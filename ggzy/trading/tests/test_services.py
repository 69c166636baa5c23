"""The trading services against a real database: codes, every section transition, permissions,
the clarification deadline rule (dates computed by hand), download secrecy and bad uploads."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.publishing import services as publishing_services
from ggzy.publishing.models import AgencyMandate
from ggzy.sealing import certs, testing
from ggzy.trading import selectors, services
from ggzy.trading.models import DeadlineChange, DownloadRecord, Project, Section, TenderFile
from ggzy.trading.tests.conftest import PDF, PROJECT_CODE, T0, Parties, pdf

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _project(parties: Parties, clock: FixedClock, **kw: Any) -> Project:
    args: dict[str, Any] = {
        "actor": parties.tenderer,
        "tenderer": parties.tenderer_org,
        "name": "教学楼工程",
        "domain": "construction",
        "procedure": "open_tendering",
        "code": PROJECT_CODE,
        "clock": clock,
    }
    args.update(kw)
    return services.project_create(**args)


def _mandate(
    parties: Parties, *, code: str = PROJECT_CODE, valid_from: dt.date = dt.date(2026, 1, 1)
) -> AgencyMandate:
    return publishing_services.agency.agency_mandate_grant(
        actor=parties.tenderer,
        tenderer=parties.tenderer_org,
        agency=parties.agency_org,
        project_code=code,
        project_name="教学楼工程",
        valid_from=valid_from,
    )


# ---------------------------------------------------------------- codes


def test_codes_are_sequential_per_parent(parties: Parties, tclock: FixedClock) -> None:
    project = _project(parties, tclock)
    tp1 = services.tender_project_create(actor=parties.tenderer, project=project, name="施工", clock=tclock)
    tp2 = services.tender_project_create(actor=parties.tenderer, project=project, name="监理", clock=tclock)
    assert (tp1.code, tp2.code) == (PROJECT_CODE + "001", PROJECT_CODE + "002")
    s1 = services.section_create(actor=parties.tenderer, tender_project=tp2, name="一标段", clock=tclock)
    s2 = services.section_create(actor=parties.tenderer, tender_project=tp2, name="二标段", clock=tclock)
    s3 = services.section_create(actor=parties.tenderer, tender_project=tp1, name="一标段", clock=tclock)
    assert s1.code == PROJECT_CODE + "002001"
    assert s2.code == PROJECT_CODE + "002002"
    assert s3.code == PROJECT_CODE + "001001"
    assert s1.decryption_minutes == 30
    assert [f["key"] for f in s1.summary_fields] == ["price"]


def test_fallback_project_codes_count_up_per_day(parties: Parties, tclock: FixedClock) -> None:
    a = _project(parties, tclock, code="", industry="a08")
    b = _project(parties, tclock, code="", industry="A08")
    c = _project(parties, tclock, code="", industry="B01")
    assert (a.code, b.code, c.code) == ("A086404002606010001", "A086404002606010002", "B016404002606010001")
    with pytest.raises(ValidationFailed, match="行业代码"):
        _project(parties, tclock, code="", industry="")


def test_project_code_checked_and_unique(parties: Parties, tclock: FixedClock) -> None:
    with pytest.raises(ValidationFailed, match="格式不正确"):
        _project(parties, tclock, code="PRJ-1")
    _project(parties, tclock)
    with pytest.raises(ValidationFailed, match="已存在"):
        _project(parties, tclock)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "  ", "请填写项目名称"),
        ("domain", "space", "交易类别"),
        ("procedure", "auction", "招标/采购方式"),
    ],
)
def test_project_bad_facts(
    parties: Parties, tclock: FixedClock, field: str, value: str, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        _project(parties, tclock, **{field: value})


def test_project_tenderer_must_be_a_tenderer(parties: Parties, tclock: FixedClock) -> None:
    with pytest.raises(ValidationFailed, match="招标人必须"):
        _project(parties, tclock, actor=parties.admin, tenderer=parties.bidder_org)


# ---------------------------------------------------------------- permissions


def test_tenderer_of_another_org_cannot_create_or_edit(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    with pytest.raises(PermissionDenied):
        _project(parties, tclock, actor=parties.other_tenderer)
    section = build("draft")
    with pytest.raises(PermissionDenied):
        services.section_update(actor=parties.other_tenderer, section=section, name="改名", clock=tclock)
    with pytest.raises(PermissionDenied):
        services.tender_project_create(
            actor=parties.other_tenderer, project=section.project, name="x", clock=tclock
        )


def test_bidder_cannot_edit(parties: Parties, tclock: FixedClock, build: Callable[..., Any]) -> None:
    section = build("draft")
    with pytest.raises(PermissionDenied):
        services.section_update(actor=parties.bidder, section=section, name="改名", clock=tclock)
    with pytest.raises(PermissionDenied):
        services.tender_file_upload(
            actor=parties.bidder, section=section, name="a.pdf", content=pdf(), clock=tclock
        )
    with pytest.raises(PermissionDenied):
        _project(parties, tclock, actor=parties.bidder, code="2026-640400-48-01-000999")


def test_agency_needs_an_active_mandate(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("draft")
    with pytest.raises(PermissionDenied):
        services.section_update(actor=parties.agency, section=section, name="代理改名", clock=tclock)
    mandate = _mandate(parties)
    updated = services.section_update(actor=parties.agency, section=section, name="代理改名", clock=tclock)
    assert updated.name == "代理改名"
    assert list(selectors.project_list_manageable(actor=parties.agency, clock=tclock)) == [section.project]
    publishing_services.agency.agency_mandate_revoke(
        actor=parties.tenderer, mandate=mandate, reason="合同终止"
    )
    with pytest.raises(PermissionDenied):
        services.section_update(actor=parties.agency, section=section, name="再改", clock=tclock)
    assert list(selectors.project_list_manageable(actor=parties.agency, clock=tclock)) == []


def test_agency_mandate_not_yet_valid_is_refused(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("draft")
    _mandate(parties, valid_from=dt.date(2026, 7, 1))  # the clock says 2026-06-01
    with pytest.raises(PermissionDenied):
        services.section_update(actor=parties.agency, section=section, name="x", clock=tclock)


def test_agency_creates_project_only_for_its_mandated_code(parties: Parties, tclock: FixedClock) -> None:
    with pytest.raises(ValidationFailed, match="委托书中的项目编号"):
        _project(parties, tclock, actor=parties.agency, code="", industry="A08")
    with pytest.raises(PermissionDenied):
        _project(parties, tclock, actor=parties.agency)
    _mandate(parties)
    project = _project(parties, tclock, actor=parties.agency)
    assert project.agency == parties.agency_org


def test_center_admin_may_manage(parties: Parties, tclock: FixedClock, build: Callable[..., Any]) -> None:
    section = build("draft")
    assert (
        services.section_update(actor=parties.admin, section=section, name="中心改名", clock=tclock).name
        == "中心改名"
    )
    with pytest.raises(PermissionDenied):
        services.section_update(actor=parties.center_editor, section=section, name="编辑改名", clock=tclock)


# ---------------------------------------------------------------- section facts


def _update(section: Section, actor: Any, clock: FixedClock, **kw: Any) -> Section:
    args: dict[str, Any] = {"actor": actor, "section": section, "name": section.name, "clock": clock}
    args.update(kw)
    return services.section_update(**args)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"bid_deadline": T0 - dt.timedelta(minutes=1), "opening_at": T0}, "必须晚于当前时间"),
        (
            {"bid_deadline": T0 + dt.timedelta(days=20), "opening_at": T0 + dt.timedelta(days=19)},
            "不能早于投标截止时间",
        ),
        ({"bid_deadline": T0 + dt.timedelta(days=20)}, "须同时填写"),
        ({"summary_keys": ["duration"]}, "必须包含：投标报价"),
        ({"summary_keys": ["price", "shoe_size"]}, "未知的唱标内容"),
        ({"allows_backup_decryption": True}, "须填写门限"),
        ({"allows_backup_decryption": True, "backup_k": 4, "backup_n": 3}, "1 ≤ k ≤ n"),
        ({"decryption_minutes": 0}, "解密时限"),
        ({"evaluation_method": "coin_toss"}, "评标办法"),
        ({"price_cap": __import__("decimal").Decimal("-1")}, "不能为负数"),
    ],
)
def test_section_update_refuses_bad_facts(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any], kw: dict, message: str
) -> None:
    section = build("draft")
    with pytest.raises(ValidationFailed, match=message):
        _update(section, parties.tenderer, tclock, **kw)


def test_section_update_keeps_summary_as_data(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = _update(
        build("draft"),
        parties.tenderer,
        tclock,
        summary_keys=["project_manager", "price", "duration"],
        allows_backup_decryption=True,
        backup_k=2,
        backup_n=3,
        evaluation_method="comprehensive_assessment",
        evaluation_params={"价格权重": 30},
    )
    section.refresh_from_db()
    assert section.summary_fields == [
        {"key": "price", "label": "投标报价", "type": "money", "unit": "元"},
        {"key": "duration", "label": "工期/服务期", "type": "integer", "unit": "日历天"},
        {"key": "project_manager", "label": "项目经理", "type": "text", "unit": ""},
    ]
    assert (section.backup_k, section.backup_n, section.evaluation_params) == (2, 3, {"价格权重": 30})


@override_settings(
    GGZY_TRADING={"summary_catalogue": [{"key": "price", "label": "报价", "type": "money", "unit": "万元"}]}
)
def test_summary_catalogue_is_configurable(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = _update(build("draft"), parties.tenderer, tclock, summary_keys=["price"])
    assert section.summary_fields == [{"key": "price", "label": "报价", "type": "money", "unit": "万元"}]
    with pytest.raises(ValidationFailed, match="未知"):
        _update(section, parties.tenderer, tclock, summary_keys=["price", "duration"])


def test_times_of_a_published_section_change_only_with_a_reason(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("published")
    with pytest.raises(InvalidTransition, match="不能设置投标截止和开标时间"):
        _update(
            section,
            parties.tenderer,
            tclock,
            bid_deadline=section.bid_deadline + dt.timedelta(days=1),
            opening_at=section.opening_at + dt.timedelta(days=1),
            summary_keys=["price", "duration"],
        )
    with pytest.raises(ValidationFailed, match="原因"):
        services.section_deadline_change(
            actor=parties.tenderer,
            section=section,
            new_deadline=section.bid_deadline + dt.timedelta(days=3),
            reason=" ",
            clock=tclock,
        )
    old = section.bid_deadline
    change = services.section_deadline_change(
        actor=parties.tenderer,
        section=section,
        new_deadline=old + dt.timedelta(days=3),
        reason="现场踏勘延期",
        clock=tclock,
    )
    section.refresh_from_db()
    assert section.bid_deadline == old + dt.timedelta(days=3)
    assert section.opening_at == old + dt.timedelta(days=3)  # moved by the same amount
    assert (change.cause, change.old_deadline, change.reason) == ("manual", old, "现场踏勘延期")
    event = Event.objects.filter(action="trading.section_deadline_change").get()
    assert event.data["reason"] == "现场踏勘延期" and event.data["old_deadline"] == old.isoformat()


def test_everything_frozen_after_the_deadline(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("published")
    tclock.at = section.bid_deadline
    with pytest.raises(ValidationFailed, match="已冻结"):
        _update(
            section,
            parties.tenderer,
            tclock,
            summary_keys=["price", "duration"],
            evaluation_method="lowest_reviewed_price",
        )
    with pytest.raises(ValidationFailed, match="投标已截止"):
        services.section_deadline_change(
            actor=parties.tenderer,
            section=section,
            new_deadline=section.bid_deadline + dt.timedelta(days=3),
            reason="晚了",
            clock=tclock,
        )


# ---------------------------------------------------------------- transitions


def test_publish_needs_notice_times_and_file(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any], tender_notice: Any
) -> None:
    section = build("draft")
    with pytest.raises(ValidationFailed) as exc:
        services.section_publish(actor=parties.tenderer, section=section, clock=tclock)
    assert "关联已发布的招标公告" in exc.value.message and "上传招标文件" in exc.value.message
    assert "设置投标截止时间" in exc.value.message
    ready = build("ready") if False else None
    del ready
    deadline = T0 + dt.timedelta(days=20)
    _update(section, parties.tenderer, tclock, bid_deadline=deadline, opening_at=deadline)
    services.section_link_tender_notice(
        actor=parties.tenderer, section=section, notice=tender_notice, clock=tclock
    )
    with pytest.raises(ValidationFailed, match="上传招标文件"):
        services.section_publish(actor=parties.tenderer, section=section, clock=tclock)
    services.tender_file_upload(
        actor=parties.tenderer, section=section, name="招标文件.pdf", content=pdf(), clock=tclock
    )
    published = services.section_publish(actor=parties.tenderer, section=section, clock=tclock)
    assert (published.status, published.published_at) == ("published", T0)
    with pytest.raises(InvalidTransition, match="已发布"):
        services.section_publish(actor=parties.tenderer, section=section, clock=tclock)


def test_publish_refused_when_deadline_has_passed_meanwhile(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("ready", deadline_days=1)
    tclock.advance(days=2)
    with pytest.raises(ValidationFailed, match="必须晚于当前时间"):
        services.section_publish(actor=parties.tenderer, section=section, clock=tclock)


def test_link_notice_checks_kind_status_and_code(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any], staff: dict, publish: Any
) -> None:
    section = build("draft")
    base = {
        "actor": staff["editor"],
        "domain": "construction",
        "project_code": PROJECT_CODE,
        "bid_deadline": dt.datetime(2026, 12, 31, 1, 30, tzinfo=UTC),
    }
    draft = publishing_services.notice_create(title="未发布的招标公告", kind="tender", **base)
    with pytest.raises(ValidationFailed, match="已发布"):
        services.section_link_tender_notice(
            actor=parties.tenderer, section=section, notice=draft, clock=tclock
        )
    award = publish(
        publishing_services.notice_create(
            title="中标结果公告",
            kind="award",
            winner_name="甲公司",
            award_amount=__import__("decimal").Decimal("1"),
            **base,
        )
    )
    with pytest.raises(ValidationFailed, match="只能关联招标"):
        services.section_link_tender_notice(
            actor=parties.tenderer, section=section, notice=award, clock=tclock
        )
    other = publish(
        publishing_services.notice_create(
            title="别的项目招标公告", kind="tender", **{**base, "project_code": "2026-640400-48-01-000999"}
        )
    )
    with pytest.raises(ValidationFailed, match="项目编号"):
        services.section_link_tender_notice(
            actor=parties.tenderer, section=section, notice=other, clock=tclock
        )
    wrong_section = publish(
        publishing_services.notice_create(
            title="别的标段", kind="tender", section_code=PROJECT_CODE + "001009", **base
        )
    )
    with pytest.raises(ValidationFailed, match="标段编号"):
        services.section_link_tender_notice(
            actor=parties.tenderer, section=section, notice=wrong_section, clock=tclock
        )
    assert [n.pk for n in selectors.linkable_tender_notices(section)] == sorted(
        [n.pk for n in selectors.linkable_tender_notices(section)], reverse=True
    )
    assert draft.pk not in [n.pk for n in selectors.linkable_tender_notices(section)]


def test_close_bidding_only_at_the_deadline(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("published")
    with pytest.raises(ValidationFailed, match="未到"):
        services.section_close_bidding(actor=parties.tenderer, section=section, clock=tclock)
    assert services.sections_close_due(clock=tclock) == 0
    tclock.at = section.bid_deadline
    assert services.sections_close_due(clock=tclock) == 1
    section.refresh_from_db()
    assert (section.status, section.closed_at) == ("bidding_closed", section.bid_deadline)
    with pytest.raises(InvalidTransition):
        services.section_close_bidding(actor=parties.tenderer, section=section, clock=tclock)
    with pytest.raises(InvalidTransition):
        services.section_terminate(actor=parties.tenderer, section=section, reason="x", clock=tclock)


def test_terminate(parties: Parties, tclock: FixedClock, build: Callable[..., Any]) -> None:
    section = build("published")
    with pytest.raises(ValidationFailed, match="终止原因"):
        services.section_terminate(actor=parties.tenderer, section=section, reason="", clock=tclock)
    done = services.section_terminate(
        actor=parties.tenderer, section=section, reason="项目取消", clock=tclock
    )
    assert (done.status, done.termination_reason) == ("terminated", "项目取消")
    with pytest.raises(InvalidTransition, match="已终止"):
        _update(done, parties.tenderer, tclock)
    with pytest.raises(InvalidTransition):
        services.tender_file_download(
            actor=parties.bidder, tender_file=TenderFile.objects.get(section=done), clock=tclock
        )


def test_tender_file_only_in_draft_clarification_only_when_published(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    draft = build("draft")
    with pytest.raises(InvalidTransition, match="澄清"):
        services.clarification_publish(
            actor=parties.tenderer, section=draft, name="c.pdf", content=pdf(), clock=tclock
        )
    section = Section.objects.exclude(pk=draft.pk).first()
    assert section is None
    v1 = services.tender_file_upload(
        actor=parties.tenderer, section=draft, name="a.pdf", content=pdf("1"), clock=tclock
    )
    v2 = services.tender_file_upload(
        actor=parties.tenderer, section=draft, name="a.pdf", content=pdf("2"), clock=tclock
    )
    assert (v1.version, v2.version, v1.kind) == (1, 2, "tender_file")
    assert v1.sha256 != v2.sha256 and len(v1.sha256) == 64 and v1.publisher == parties.tenderer_org


# ---------------------------------------------------------------- clarification deadline rule


def test_clarification_far_from_deadline_needs_no_move(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    # deadline 2026-06-21 02:00Z; published 2026-06-06 02:00Z: exactly 15 days before → allowed
    section = build("published", deadline_days=20)
    tclock.at = dt.datetime(2026, 6, 6, 2, 0, tzinfo=UTC)
    tf = services.clarification_publish(
        actor=parties.tenderer,
        section=section,
        name="澄清1.pdf",
        content=pdf("c1"),
        affects_bids=True,
        clock=tclock,
    )
    assert (tf.kind, tf.version, tf.affects_bids) == ("clarification", 1, True)
    section.refresh_from_db()
    assert section.bid_deadline == dt.datetime(2026, 6, 21, 2, 0, tzinfo=UTC)


def test_clarification_close_to_deadline_forces_a_move(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    # deadline 2026-06-21 02:00Z; a clarification on 2026-06-06 02:01Z is 14 days 23 h 59 min before it
    section = build("published", deadline_days=20)
    tclock.at = dt.datetime(2026, 6, 6, 2, 1, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as exc:
        services.clarification_publish(
            actor=parties.tenderer,
            section=section,
            name="澄清.pdf",
            content=pdf("c"),
            affects_bids=True,
            clock=tclock,
        )
    # earliest new deadline: 2026-06-21 02:01Z = 10:01 Beijing time
    assert "不足15日" in exc.value.message and "2026-06-21 10:01" in exc.value.message
    assert exc.value.fields == {"new_deadline": "须不早于 2026-06-21 10:01"}
    with pytest.raises(ValidationFailed, match="2026-06-21 10:01"):
        services.clarification_publish(
            actor=parties.tenderer,
            section=section,
            name="澄清.pdf",
            content=pdf("c"),
            affects_bids=True,
            new_deadline=dt.datetime(2026, 6, 21, 2, 0, tzinfo=UTC),
            clock=tclock,
        )
    assert not TenderFile.objects.filter(kind="clarification").exists()  # nothing half-done
    tf = services.clarification_publish(
        actor=parties.tenderer,
        section=section,
        name="澄清.pdf",
        content=pdf("c"),
        affects_bids=True,
        new_deadline=dt.datetime(2026, 6, 21, 2, 1, tzinfo=UTC),
        clock=tclock,
    )
    section.refresh_from_db()
    assert section.bid_deadline == dt.datetime(2026, 6, 21, 2, 1, tzinfo=UTC)
    assert section.opening_at == dt.datetime(2026, 6, 21, 2, 1, tzinfo=UTC)
    change = DeadlineChange.objects.get(section=section)
    assert (change.cause, change.tender_file, change.old_deadline) == (
        "clarification",
        tf,
        dt.datetime(2026, 6, 21, 2, 0, tzinfo=UTC),
    )
    assert "澄清" in change.reason
    assert Event.objects.filter(
        action="trading.section_deadline_change", data__cause="clarification"
    ).exists()


def test_clarification_not_affecting_bids_needs_no_move(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("published", deadline_days=3)
    tf = services.clarification_publish(
        actor=parties.tenderer,
        section=section,
        name="答疑.pdf",
        content=pdf("q"),
        affects_bids=False,
        clock=tclock,
    )
    assert tf.affects_bids is False
    assert not DeadlineChange.objects.exists()


@override_settings(GGZY_TRADING={"clarification_min_days": 3})
def test_clarification_days_are_a_parameter(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("published", deadline_days=5)
    services.clarification_publish(
        actor=parties.tenderer,
        section=section,
        name="澄清.pdf",
        content=pdf("c"),
        affects_bids=True,
        clock=tclock,
    )


def test_no_clarification_after_the_deadline(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("published", deadline_days=2)
    tclock.advance(days=2)
    with pytest.raises(ValidationFailed, match="投标已截止"):
        services.clarification_publish(
            actor=parties.tenderer, section=section, name="c.pdf", content=pdf(), clock=tclock
        )


# ---------------------------------------------------------------- downloads and their secrecy


def test_bidder_downloads_without_sign_up(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("published")
    tf = TenderFile.objects.get(section=section)
    record = services.tender_file_download(actor=parties.bidder, tender_file=tf, clock=tclock)
    assert (record.organisation, record.user, record.at, record.file) == (
        parties.bidder_org,
        parties.bidder,
        T0,
        tf,
    )
    # not in the audit chain: staff can read that, and nobody may learn who downloaded yet
    assert not Event.objects.filter(action__icontains="download").exists()


@pytest.mark.parametrize("who", ["tenderer", "agency", "admin", "center_editor"])
def test_non_bidders_cannot_download(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any], who: str
) -> None:
    section = build("published")
    with pytest.raises(PermissionDenied, match="投标人"):
        services.tender_file_download(
            actor=getattr(parties, who), tender_file=TenderFile.objects.get(section=section), clock=tclock
        )


def test_no_download_of_a_draft_section(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any]
) -> None:
    section = build("ready")
    with pytest.raises(InvalidTransition):
        services.tender_file_download(
            actor=parties.bidder, tender_file=TenderFile.objects.get(section=section), clock=tclock
        )


def test_download_list_hidden_from_everybody_until_the_deadline(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any], make_user: Any, make_org: Any
) -> None:
    section = build("published")
    tf = TenderFile.objects.get(section=section)
    services.tender_file_download(actor=parties.bidder, tender_file=tf, clock=tclock)
    services.tender_file_download(actor=parties.bidder, tender_file=tf, clock=tclock)
    services.tender_file_download(actor=parties.bidder2, tender_file=tf, clock=tclock)
    _mandate(parties)
    supervisor = make_user("supervisor", org=make_org("supervisor", "示范市住建局"))
    everybody = [
        parties.tenderer,
        parties.agency,
        parties.admin,
        parties.center_editor,
        supervisor,
        parties.bidder,
    ]
    tclock.at = section.bid_deadline - dt.timedelta(seconds=1)
    for user in everybody:
        with pytest.raises(PermissionDenied, match="任何人不得查看"):
            selectors.section_downloads(actor=user, section=section, clock=tclock)
    tclock.at = section.bid_deadline  # by the clock, even while the status still says published
    assert Section.objects.get(pk=section.pk).status == "published"
    for user in [parties.tenderer, parties.agency, parties.admin, parties.center_editor, supervisor]:
        summary = selectors.section_downloads(actor=user, section=section, clock=tclock)
        assert (summary.bidder_count, summary.download_count) == (2, 3)
        assert [(r.organisation, r.downloads, r.users) for r in summary.rows] == [
            ("示范建设工程有限公司", 2, 1),
            ("另一建设有限公司", 1, 1),
        ]
        assert summary.rows[0].first_at == T0
    for user in [parties.bidder, parties.other_tenderer]:
        with pytest.raises(PermissionDenied, match="无权"):
            selectors.section_downloads(actor=user, section=section, clock=tclock)
    assert DownloadRecord.objects.count() == 3


# ---------------------------------------------------------------- bad uploads


def test_empty_upload_refused(parties: Parties, tclock: FixedClock, build: Callable[..., Any]) -> None:
    with pytest.raises(ValidationFailed, match="空文件"):
        services.tender_file_upload(
            actor=parties.tenderer,
            section=build("draft"),
            name="a.pdf",
            content=io.BytesIO(b""),
            clock=tclock,
        )
    assert not TenderFile.objects.exists()


@override_settings(GGZY_UPLOAD_MAX_BYTES=1024)
def test_oversized_upload_refused(parties: Parties, tclock: FixedClock, build: Callable[..., Any]) -> None:
    with pytest.raises(ValidationFailed, match="超过上限"):
        services.tender_file_upload(
            actor=parties.tenderer,
            section=build("draft"),
            name="a.pdf",
            content=io.BytesIO(PDF + b"x" * 2000),
            clock=tclock,
        )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "类型不允许"),
        ("招标文件.pdf", b"MZ\x90\x00" + b"\x00" * 60, "内容与扩展名"),
        ("招标文件.docx", PDF, "内容与扩展名"),
        ("noextension", PDF, "类型不允许"),
    ],
)
def test_wrong_type_refused(
    parties: Parties, tclock: FixedClock, build: Callable[..., Any], name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        services.tender_file_upload(
            actor=parties.tenderer, section=build("draft"), name=name, content=io.BytesIO(data), clock=tclock
        )


# ---------------------------------------------------------------- publisher signature


def _signing_material(
    credit_code: str, *, admin: Any = None, bind_to: Any = None, actor: Any = None
) -> tuple[bytes, bytes]:
    """A leaf certificate naming ``credit_code``; its root is trusted and the leaf bound to
    ``bind_to`` when given (through the accounts services, as in production)."""
    from ggzy.accounts import services as accounts_services

    ca, ca_key = testing.make_ca("测试CA")
    leaf, key = testing.make_leaf(
        ca,
        ca_key,
        org_name="示范市第一中学",
        credit_code=credit_code,
        not_before=dt.datetime(2026, 1, 1, tzinfo=UTC),
        not_after=dt.datetime(2027, 1, 1, tzinfo=UTC),
    )
    if admin is not None:
        accounts_services.trusted_root_import(actor=admin, data=testing.cert_pem(ca), name="测试CA")
    if bind_to is not None:
        accounts_services.certificate_bind(
            actor=actor, organisation=bind_to, data=testing.cert_der(leaf), clock=FixedClock(T0)
        )
    return testing.cert_der(leaf), testing.key_pem(key)


def test_signed_tender_file(parties: Parties, tclock: FixedClock, build: Callable[..., Any]) -> None:
    cert_der, key_pem = _signing_material(
        parties.tenderer_org.credit_code,
        admin=parties.admin,
        bind_to=parties.tenderer_org,
        actor=parties.admin,
    )
    data = PDF + b"signed"
    signature = certs.sign_bytes(key_pem, data)
    tf = services.tender_file_upload(
        actor=parties.tenderer,
        section=build("draft"),
        name="招标文件.pdf",
        content=io.BytesIO(data),
        signature=signature,
        certificate=testing.cert_pem(certs.load_certificate(cert_der)),
        clock=tclock,
    )
    tf.refresh_from_db()
    assert tf.is_signed and bytes(tf.signature) == signature and bytes(tf.certificate_der) == cert_der
    assert tf.certificate_fingerprint == certs.fingerprint(certs.load_certificate(cert_der))
    certs.verify_signature(certs.load_certificate(bytes(tf.certificate_der)), data, bytes(tf.signature))


def test_bad_signatures_refused(parties: Parties, tclock: FixedClock, build: Callable[..., Any]) -> None:
    section = build("draft")
    cert_der, key_pem = _signing_material(
        parties.tenderer_org.credit_code,
        admin=parties.admin,
        bind_to=parties.tenderer_org,
        actor=parties.admin,
    )
    data = PDF + b"signed"
    signature = certs.sign_bytes(key_pem, data)
    with pytest.raises(ValidationFailed, match="签名"):
        services.tender_file_upload(
            actor=parties.tenderer,
            section=section,
            name="a.pdf",
            content=io.BytesIO(data + b"tampered"),
            signature=signature,
            certificate=cert_der,
            clock=tclock,
        )
    # a certificate of the tenderer that was never bound on the platform
    unbound_der, unbound_key = _signing_material(parties.tenderer_org.credit_code)
    with pytest.raises(ValidationFailed, match="未绑定"):
        services.tender_file_upload(
            actor=parties.tenderer,
            section=section,
            name="a.pdf",
            content=io.BytesIO(data),
            signature=certs.sign_bytes(unbound_key, data),
            certificate=unbound_der,
            clock=tclock,
        )
    # the bidder's bound certificate cannot sign for the tenderer
    other_der, other_key = _signing_material(
        parties.bidder_org.credit_code, admin=parties.admin, bind_to=parties.bidder_org, actor=parties.admin
    )
    with pytest.raises(ValidationFailed, match=r"示范建设工程有限公司|不属于|其他"):
        services.tender_file_upload(
            actor=parties.tenderer,
            section=section,
            name="a.pdf",
            content=io.BytesIO(data),
            signature=certs.sign_bytes(other_key, data),
            certificate=other_der,
            clock=tclock,
        )
    with pytest.raises(ValidationFailed, match="同时提供"):
        services.tender_file_upload(
            actor=parties.tenderer,
            section=section,
            name="a.pdf",
            content=io.BytesIO(data),
            signature=signature,
            clock=tclock,
        )
    with pytest.raises(ValidationFailed):
        services.tender_file_upload(
            actor=parties.tenderer,
            section=section,
            name="a.pdf",
            content=io.BytesIO(data),
            signature=signature,
            certificate=b"not a certificate",
            clock=tclock,
        )
    with pytest.raises(ValidationFailed):
        services.check_publisher_signature(
            organisation=parties.tenderer_org,
            data=data,
            signature=signature,
            certificate=cert_der,
            at=dt.datetime(2027, 2, 1, tzinfo=UTC),
        )
    assert not TenderFile.objects.exists()


def test_bench_runs_and_leaves_no_rows() -> None:
    from ggzy.trading.bench import bench_trading

    result = bench_trading(n=5, pages=2)
    assert result["download_records_per_s"] > 0
    assert set(result["bidder_section_page"]) == {"mean_ms", "p50_ms", "p95_ms"}
    assert not Project.objects.exists() and not DownloadRecord.objects.exists()


def test_close_due_command(parties: Parties, build: Callable[..., Any], tclock: FixedClock) -> None:
    from django.core.management import call_command

    section = build("published", deadline_days=1)  # deadline 2026-06-02, long past by the system clock
    out = io.StringIO()
    call_command("trading", "close-due", "--json", stdout=out)
    assert out.getvalue().strip() == '{"closed": 1}'
    section.refresh_from_db()
    assert section.status == "bidding_closed"
    out = io.StringIO()
    call_command("trading", "close-due", stdout=out)
    assert "0 个" in out.getvalue()
