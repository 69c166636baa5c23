"""A section that fails at its opening (不予开标: fewer than three bidders under the tendering
law): the section becomes failed in trading in the host's transaction, the center's editor drafts
the 流标公告 (the same termination notice as after a failed evaluation), it goes through the
release pipeline and reaches the portal once signed off. Real database, real sealed bids."""

from __future__ import annotations

from typing import Any

import pytest

from ggzy.audit.models import Event
from ggzy.core.errors import InvalidTransition, PermissionDenied
from ggzy.opening import services, workflow
from ggzy.opening.tests.hallkit import publish
from ggzy.trading import services as trading
from ggzy.trading.models import Section

pytestmark = pytest.mark.django_db

NOTE = "截止时仅两家投标人递交投标文件，不予开标，通知招标人重新招标"


def _failed(hall: Any, host: Any) -> Any:
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    return services.opening_too_few_record(actor=host, session=session, note=NOTE, clock=hall.clock)


def test_failed_opening_fails_the_section_and_its_notice_reaches_the_portal(
    make_hall: Any, client: Any
) -> None:
    hall = make_hall(2, backup=False)
    staff = hall.staff
    # the host is center staff without the editor role: hosting is not drafting notices
    host = staff["first_reviewer"]
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    with pytest.raises(InvalidTransition, match="起草流标公告"):  # the opening has not failed (yet)
        services.opening_termination_notice_create(actor=staff["editor"], session=session, clock=hall.clock)
    session = services.opening_too_few_record(actor=host, session=session, note=NOTE, clock=hall.clock)
    assert session.state == workflow.FAILED

    section = Section.objects.get(pk=hall.section.pk)
    assert section.status == "failed"
    assert "第二十八条" in section.termination_reason and "共收到 2 份投标文件" in section.termination_reason
    fail_event = Event.objects.get(action="trading.section_fail")
    record_event = Event.objects.get(action="opening.too_few_record")
    # the platform applied the consequence; the host is named by the opening's event right after
    assert fail_event.actor_id is None and record_event.actor_id == host.pk
    assert record_event.data["bid_count"] == 2 and fail_event.data["retender"] is True

    # drafting is the center editor's, not the host's or a bidder's
    for who in (host, hall.bidders[0].user):
        with pytest.raises(PermissionDenied):
            services.opening_termination_notice_create(actor=who, session=session, clock=hall.clock)
    session = services.opening_termination_notice_create(
        actor=staff["editor"], session=session, clock=hall.clock
    )
    notice = session.termination_notice
    assert notice is not None and notice.kind == "termination" and notice.status == "draft"
    assert notice.title == "示范市体育馆改造工程施工一标段流标公告"
    assert (notice.project_code, notice.section_code, notice.domain) == (
        section.tender_project.project.code,
        section.code,
        "construction",
    )
    with pytest.raises(InvalidTransition, match="已起草"):
        services.opening_termination_notice_create(actor=staff["editor"], session=session, clock=hall.clock)
    assert Event.objects.filter(action="opening.termination_notice_create").count() == 1

    assert client.get(notice.get_absolute_url()).status_code == 404  # not public before sign-off
    notice = publish(staff, notice)
    assert notice.status == "published"
    page = client.get(notice.get_absolute_url()).content.decode()
    for text in (
        "流标公告",
        section.code,
        "开标结果为：投标人少于三个，不予开标",
        "共收到 2 份投标文件",
        "第二十八条",
        "第四十四条",
        "招标人将依法重新招标",
    ):
        assert text in page, text


def test_failing_the_section_and_recording_are_one_transaction(make_hall: Any) -> None:
    hall = make_hall(2, backup=False)
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    # the tenderer already failed the section some other way: trading refuses the transition,
    # and the host's record is undone with it
    tenderer = hall.section.tender_project.project.tenderer.users.get()
    trading.section_fail(actor=tenderer, section=hall.section, retender=True, reason="招标人另行认定流标")
    with pytest.raises(InvalidTransition, match="流标"):
        services.opening_too_few_record(actor=hall.host, session=session, note=NOTE, clock=hall.clock)
    session.refresh_from_db()
    assert session.state == workflow.CHECKING_IN and session.too_few_note == ""
    assert not Event.objects.filter(action="opening.too_few_record").exists()
    assert Event.objects.filter(action="trading.section_fail").count() == 1


def test_procurement_with_two_bids_does_not_fail_at_the_opening(make_hall: Any) -> None:
    hall = make_hall(2, backup=False, domain="procurement")
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    session = services.opening_too_few_record(actor=hall.host, session=session, note=NOTE, clock=hall.clock)
    # the procurement rule the hall applies: the host records, the opening may go on
    assert session.state == workflow.CHECKING_IN and session.too_few_consequence == "review"
    assert Section.objects.get(pk=hall.section.pk).status == "bidding_closed"
    with pytest.raises(InvalidTransition):
        services.opening_termination_notice_create(actor=hall.host, session=session, clock=hall.clock)


def test_only_the_legal_consequence_fails_without_a_deciding_actor(make_hall: Any) -> None:
    hall = make_hall(3, backup=False)
    # trading accepts no actor only for the re-tender the law fixes, never for a termination
    with pytest.raises(Exception, match="招标人决定"):
        trading.section_fail(actor=None, section=hall.section, retender=False, reason="终止")
    assert Section.objects.get(pk=hall.section.pk).status == "bidding_closed"


def test_hall_page_offers_the_draft_to_the_editor(make_hall: Any, client: Any) -> None:
    hall = make_hall(2, backup=False)
    staff = hall.staff
    _failed(hall, staff["first_reviewer"])
    url = f"/opening/{hall.section.code}/"
    client.force_login(staff["first_reviewer"])  # host, not editor: told who drafts it
    page = client.get(url).content.decode()
    assert "由交易中心信息编辑生成流标公告稿" in page and "step-termination-notice" not in page
    assert "流标（重新招标）" in page
    client.force_login(hall.bidders[0].user)  # a bidder cannot post the step
    client.post(f"{url}act/termination_notice/")
    assert not Event.objects.filter(action="opening.termination_notice_create").exists()
    client.force_login(staff["editor"])
    assert 'id="step-termination-notice"' in client.get(url).content.decode()
    response = client.post(f"{url}act/termination_notice/", follow=True)
    page = response.content.decode()
    assert "流标公告已起草" in page and 'id="termination-notice-status"' in page
    assert Event.objects.filter(action="opening.termination_notice_create").count() == 1
