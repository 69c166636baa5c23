"""An opening that fails after decryption: once the window, backup decryption and the Art. 31
marking are over, too few bids were decrypted — none at all, or fewer than the domain's minimum
(a setting per regime, default one: only "every bid failed" fails unless a center's local rule
asks for three). The host records the
failure instead of the readout; the reason and the counts stay on the session, the section fails
(re-tender) in the same transaction, the record is generated, and the center's editor drafts the
流标公告 / 废标公告 that goes through the release pipeline to the portal. Real database, real
sealed bids; an opening with enough decrypted bids goes on and closes normally."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from ggzy.audit.models import Event
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.evaluation import sources
from ggzy.opening import config, services, workflow
from ggzy.opening.tests.hallkit import publish
from ggzy.trading import services as trading
from ggzy.trading import termination_rules as rules
from ggzy.trading.models import Section

pytestmark = pytest.mark.django_db


def _start(hall: Any) -> Any:
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    for b in hall.bidders:
        services.opening_check_in(actor=b.user, session=session, clock=hall.clock)
    return services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)


def _decrypt(hall: Any, b: Any) -> None:
    services.content_key_submit(actor=b.user, bid=b.bid, content_key=b.content_key(b.bid), clock=hall.clock)


def _end_window(hall: Any, session: Any) -> Any:
    hall.clock.advance(minutes=hall.section.decryption_minutes)
    return services.opening_window_end(actor=None, session=session, clock=hall.clock)


def _mark(hall: Any, b: Any, *, fault: bool = True) -> None:
    services.decryption_failure_mark(
        actor=hall.host, bid=b.bid, bidder_fault=fault, cause="投标人未在解密时限内完成解密", clock=hall.clock
    )


# ---------------------------------------------------------------- the pure rule


def test_shortfall_rule_and_minimums() -> None:
    assert rules.decryption_shortfall(decrypted=0, minimum=1) == rules.ALL_DECRYPTION_FAILED
    assert rules.decryption_shortfall(decrypted=0, minimum=3) == rules.ALL_DECRYPTION_FAILED
    assert rules.decryption_shortfall(decrypted=2, minimum=3) == rules.TOO_FEW_DECRYPTED
    assert rules.decryption_shortfall(decrypted=3, minimum=3) == ""
    assert rules.decryption_shortfall(decrypted=1, minimum=1) == ""
    for code in (rules.ALL_DECRYPTION_FAILED, rules.TOO_FEW_DECRYPTED):
        for domain, law in (("construction", "第四十四条"), ("procurement", "第三十六条")):
            category = rules.failure_category(code, domain)
            assert category.label != rules.OTHER_LABEL and "第三十一条" in category.basis
            assert law in category.basis
    assert config.min_decrypted_bids("construction") == 1
    assert config.min_decrypted_bids("procurement") == 1
    with override_settings(GGZY_OPENING_PROCUREMENT_MIN_DECRYPTED_BIDS=3):
        assert config.min_decrypted_bids("procurement") == 3
        assert config.min_decrypted_bids("construction") == 1
    with override_settings(GGZY_OPENING_TENDERING_MIN_DECRYPTED_BIDS=3):
        assert config.min_decrypted_bids("construction") == 3
        assert config.min_decrypted_bids("procurement") == 1
    with override_settings(GGZY_OPENING_TENDERING_MIN_DECRYPTED_BIDS=7):
        assert config.min_decrypted_bids("construction") == 3
    with override_settings(GGZY_OPENING_PROCUREMENT_MIN_DECRYPTED_BIDS=0):
        assert config.min_decrypted_bids("procurement") == 1  # no decrypted bid always fails
    with override_settings(GGZY_OPENING_PROCUREMENT_MIN_DECRYPTED_BIDS=9):
        assert config.min_decrypted_bids("procurement") == 3


# ---------------------------------------------------------------- every bid failed decryption


def test_all_bids_fail_decryption_fails_the_section_and_the_notice_reaches_the_portal(
    make_hall: Any, client: Any
) -> None:
    hall = make_hall(3, backup=False)
    staff = hall.staff
    session = _start(hall)
    session = _end_window(hall, session)  # nobody handed in a key
    # a bid neither decrypted nor marked: the outcome is not known yet
    with pytest.raises(ValidationFailed, match="仍有未解密"):
        services.opening_decryption_shortfall_record(actor=hall.host, session=session, clock=hall.clock)
    _mark(hall, hall.bidders[0])
    _mark(hall, hall.bidders[1])
    _mark(hall, hall.bidders[2], fault=False)
    # the readout is refused: nothing to read out, nothing to evaluate
    with pytest.raises(ValidationFailed, match="全部投标文件解密失败"):
        services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)
    with pytest.raises(PermissionDenied):  # the host's step, not a bidder's
        services.opening_decryption_shortfall_record(
            actor=hall.bidders[0].user, session=session, clock=hall.clock
        )
    host = staff["first_reviewer"]  # center staff without the editor role
    session = services.opening_decryption_shortfall_record(actor=host, session=session, clock=hall.clock)

    assert session.state == workflow.FAILED_DECRYPTION and session.failed
    assert session.failure_code == rules.ALL_DECRYPTION_FAILED
    assert (session.bids_received, session.bids_decrypted, session.bids_decryption_failed) == (3, 0, 3)
    assert session.closed_at == hall.clock.now() and len(session.record_sha256) == 64  # record signed
    section = Section.objects.get(pk=hall.section.pk)
    assert section.status == "failed"
    assert "全部投标文件解密失败" in section.termination_reason
    assert "共收到 3 份投标文件" in section.termination_reason
    fail_event = Event.objects.get(action="trading.section_fail")
    record_event = Event.objects.get(action="opening.decryption_shortfall_record")
    assert fail_event.actor_id is None and fail_event.data["retender"] is True
    assert record_event.actor_id == host.pk
    assert record_event.data["code"] == rules.ALL_DECRYPTION_FAILED
    assert (record_event.data["received"], record_event.data["decrypted"], record_event.data["failed"]) == (
        3,
        0,
        3,
    )
    # once failed, nothing else happens in the hall, and the evaluation refuses to start
    with pytest.raises(InvalidTransition):
        services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)
    with pytest.raises(InvalidTransition):
        services.opening_decryption_shortfall_record(actor=hall.host, session=session, clock=hall.clock)
    with pytest.raises(ValidationFailed, match="开标失败"):
        sources.opened_bids(section)

    # the hall shows the outcome to everyone, the public included
    page = client.get(f"/opening/{section.code}/").content.decode()
    assert 'id="opening-outcome"' in page and "全部投标文件解密失败，开标失败" in page
    assert "3 份解密失败" in page

    with pytest.raises(PermissionDenied):
        services.opening_termination_notice_create(actor=host, session=session, clock=hall.clock)
    session = services.opening_termination_notice_create(
        actor=staff["editor"], session=session, clock=hall.clock
    )
    notice = session.termination_notice
    assert notice is not None and notice.kind == "termination" and notice.status == "draft"
    assert notice.title == "示范市体育馆改造工程施工一标段流标公告"
    assert Event.objects.get(action="opening.termination_notice_create").data["code"] == (
        rules.ALL_DECRYPTION_FAILED
    )
    assert client.get(notice.get_absolute_url()).status_code == 404
    publish(staff, notice)
    page = client.get(notice.get_absolute_url()).content.decode()
    for text in (
        "开标结果为：全部投标文件解密失败，开标失败",
        "共收到 3 份投标文件，3 份解密失败",
        "没有可供评审的投标文件",
        "第三十一条",
        "第四十四条",
        "招标人将依法重新招标",
    ):
        assert text in page, text


# ---------------------------------------------------------------- some failed, too few left


def test_construction_with_two_decrypted_bids_goes_on_by_default(make_hall: Any) -> None:
    # National rules leave "fewer valid bids" to the committee (评标委员会和评标方法暂行规定第二十七条)
    hall = make_hall(3, backup=False)
    session = _start(hall)
    _decrypt(hall, hall.bidders[0])
    _decrypt(hall, hall.bidders[1])
    session = _end_window(hall, session)
    _mark(hall, hall.bidders[2])
    with pytest.raises(ValidationFailed, match="不少于 1 份"):
        services.opening_decryption_shortfall_record(actor=hall.host, session=session, clock=hall.clock)
    session = services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)
    assert session.state == workflow.READING_OUT


@override_settings(GGZY_OPENING_TENDERING_MIN_DECRYPTED_BIDS=3)
def test_construction_with_two_decrypted_bids_fails_where_the_local_rule_asks_for_three(
    make_hall: Any, client: Any
) -> None:
    hall = make_hall(3, backup=False)
    session = _start(hall)
    _decrypt(hall, hall.bidders[0])
    _decrypt(hall, hall.bidders[1])
    session = _end_window(hall, session)
    _mark(hall, hall.bidders[2])
    with pytest.raises(ValidationFailed, match="解密后有效投标不足三家"):
        services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)

    # the hall offers the host the failure, not the readout
    client.force_login(hall.host)
    url = f"/opening/{hall.section.code}/"
    page = client.get(url).content.decode()
    assert 'id="step-shortfall"' in page and 'id="step-readout"' not in page
    page = client.post(f"{url}act/shortfall/", follow=True).content.decode()
    assert "已记录开标失败" in page and 'id="opening-outcome"' in page

    session.refresh_from_db()
    assert session.state == workflow.FAILED_DECRYPTION
    assert session.failure_code == rules.TOO_FEW_DECRYPTED
    assert (session.bids_received, session.bids_decrypted, session.bids_decryption_failed) == (3, 2, 1)
    assert session.bids_required == 3
    section = Section.objects.get(pk=hall.section.pk)
    assert section.status == "failed" and "有效投标不足三家" in section.termination_reason
    session = services.opening_termination_notice_create(
        actor=hall.staff["editor"], session=session, clock=hall.clock
    )
    assert session.termination_notice is not None
    body = session.termination_notice.body_html
    assert "解密后有效投标不足三家，开标失败" in body
    assert "解密成功 2 份，解密失败 1 份" in body and "第二十八条" in body
    # the opening record states the outcome and can be published like a closed opening's
    services.opening_record_publish(actor=hall.host, session=session, clock=hall.clock)
    session.refresh_from_db()
    assert session.record_article is not None and "有效投标不足三家" in session.record_article.body_html


def test_failing_the_section_and_recording_the_outcome_are_one_transaction(make_hall: Any) -> None:
    hall = make_hall(3, backup=False)
    session = _start(hall)
    session = _end_window(hall, session)
    for b in hall.bidders:
        _mark(hall, b)
    tenderer = hall.section.tender_project.project.tenderer.users.get()
    trading.section_fail(actor=tenderer, section=hall.section, retender=True, reason="招标人另行认定流标")
    with pytest.raises(InvalidTransition):
        services.opening_decryption_shortfall_record(actor=hall.host, session=session, clock=hall.clock)
    session.refresh_from_db()
    assert session.state == workflow.BACKUP_DECRYPTING and session.failure_code == ""
    assert session.bids_received is None and session.record_pdf_id is None
    assert not Event.objects.filter(action="opening.decryption_shortfall_record").exists()


# ---------------------------------------------------------------- enough remain: a normal close


@override_settings(GGZY_OPENING_TENDERING_MIN_DECRYPTED_BIDS=3)
def test_backup_decryption_restores_enough_bids_and_the_opening_closes_normally(make_hall: Any) -> None:
    hall = make_hall(3)  # backup decryption allowed
    session = _start(hall)
    _decrypt(hall, hall.bidders[0])
    session = _end_window(hall, session)
    services.backup_decrypt(actor=hall.host, session=session, shares=hall.shares(2), clock=hall.clock)
    with pytest.raises(ValidationFailed, match="不少于 3 份：请开始唱标"):
        services.opening_decryption_shortfall_record(actor=hall.host, session=session, clock=hall.clock)
    session = services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)
    session = services.opening_objections_open(actor=hall.host, session=session, clock=hall.clock)
    hall.clock.advance(minutes=60)
    session = services.opening_close(actor=hall.host, session=session, clock=hall.clock)
    assert session.state == workflow.CLOSED and not session.failed and session.failure_code == ""
    assert Section.objects.get(pk=hall.section.pk).status == "bidding_closed"
    assert len(sources.opened_bids(hall.section)) == 3


# ---------------------------------------------------------------- procurement


def test_procurement_goes_on_with_one_decrypted_bid_by_default(make_hall: Any) -> None:
    hall = make_hall(3, backup=False, domain="procurement")
    session = _start(hall)
    _decrypt(hall, hall.bidders[0])
    session = _end_window(hall, session)
    _mark(hall, hall.bidders[1])
    _mark(hall, hall.bidders[2])
    with pytest.raises(ValidationFailed, match="不少于 1 份"):
        services.opening_decryption_shortfall_record(actor=hall.host, session=session, clock=hall.clock)
    session = services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)
    assert session.state == workflow.READING_OUT


@override_settings(GGZY_OPENING_PROCUREMENT_MIN_DECRYPTED_BIDS=3)
def test_procurement_minimum_is_configurable_and_writes_a_feibiao_notice(make_hall: Any, client: Any) -> None:
    hall = make_hall(3, backup=False, domain="procurement")
    session = _start(hall)
    _decrypt(hall, hall.bidders[0])
    session = _end_window(hall, session)
    _mark(hall, hall.bidders[1])
    _mark(hall, hall.bidders[2], fault=False)
    session = services.opening_decryption_shortfall_record(actor=hall.host, session=session, clock=hall.clock)
    assert session.failure_code == rules.TOO_FEW_DECRYPTED and session.bids_required == 3
    # the editor's hall page names the procurement law's notice, and so does the confirmation
    client.force_login(hall.staff["editor"])
    url = f"/opening/{hall.section.code}/"
    page = client.get(url).content.decode()
    assert "生成废标公告稿" in page and "流标公告" not in page
    page = client.post(f"{url}act/termination_notice/", follow=True).content.decode()
    assert "废标公告已起草" in page
    session.refresh_from_db()
    notice = session.termination_notice
    assert notice is not None and notice.title.endswith("废标公告")
    assert "政府采购法》第三十六条" in notice.body_html and "解密成功 1 份，解密失败 2 份" in notice.body_html


def test_procurement_with_every_bid_failed_fails_by_default(make_hall: Any) -> None:
    hall = make_hall(3, backup=False, domain="procurement")
    session = _start(hall)
    session = _end_window(hall, session)
    for b in hall.bidders:
        _mark(hall, b)
    session = services.opening_decryption_shortfall_record(actor=hall.host, session=session, clock=hall.clock)
    assert session.failure_code == rules.ALL_DECRYPTION_FAILED
    assert Section.objects.get(pk=hall.section.pk).status == "failed"
