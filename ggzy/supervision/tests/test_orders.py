"""Correction orders: issued from a patrol problem with a working-day deadline, answered by the
agency (optionally with a file), closed or returned by the center; overdue derived; takedown."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ggzy.supervision import selectors, services
from ggzy.supervision.tests.conftest import sh

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def problem_item(clock: FixedClock, patroller: Any, agency_notice: Any) -> Any:
    agency_notice(sh(2026, 6, 10, 8, 0))
    round_ = services.patrol_rounds_create_due(clock=clock)[0]
    item = round_.items.get()
    return services.patrol_item_verdict(
        actor=patroller, item=item, verdict="problem", comment="投标截止时间不足20日", clock=clock
    )


def test_issue_answer_close(
    clock: FixedClock, patroller: Any, problem_item: Any, agency_user: Any, agency: Any
) -> None:
    order = services.correction_order_issue(
        actor=patroller,
        item=problem_item,
        problem="截止时间不足",
        requirement="发布变更公告顺延截止时间",
        days=5,
        clock=clock,
    )
    # Wednesday 2026-06-10 + 5 working days; 2026-06-19 is the Dragon Boat Festival holiday.
    assert order.deadline == dt.date(2026, 6, 17)
    assert order.number == "ZG2026-0001" and order.organisation == agency and order.status == "issued"
    answered = services.correction_order_answer(
        actor=agency_user,
        order=order,
        reply="已发布变更公告",
        attachment=("说明.pdf", io.BytesIO(PDF)),
        clock=clock,
    )
    assert answered.status == "answered" and answered.reply_file is not None
    assert answered.reply_file_name == "说明.pdf"
    closed = services.correction_order_close(actor=patroller, order=order, comment="已整改", clock=clock)
    assert closed.status == "closed" and closed.closed_by == patroller
    with pytest.raises(InvalidTransition):
        services.correction_order_close(actor=patroller, order=order, clock=clock)


def test_return_sends_it_back_and_overdue_is_derived(
    clock: FixedClock, patroller: Any, problem_item: Any, agency_user: Any
) -> None:
    order = services.correction_order_issue(
        actor=patroller, item=problem_item, problem="p", requirement="r", days=1, clock=clock
    )
    services.correction_order_answer(actor=agency_user, order=order, reply="改了", clock=clock)
    with pytest.raises(ValidationFailed, match="退回意见"):
        services.correction_order_return(actor=patroller, order=order, comment="", clock=clock)
    back = services.correction_order_return(
        actor=patroller, order=order, comment="变更公告未发布", clock=clock
    )
    assert back.status == "issued" and back.returned_count == 1
    assert selectors.orders_overdue(today=dt.date(2026, 6, 11)) == []
    assert selectors.orders_overdue(today=dt.date(2026, 6, 12)) == [back]
    # An answered order is not overdue: the ball is in the center's court.
    services.correction_order_answer(actor=agency_user, order=order, reply="已发布", clock=clock)
    assert selectors.orders_overdue(today=dt.date(2026, 6, 12)) == []


def test_bad_input_and_permissions(
    clock: FixedClock, patroller: Any, problem_item: Any, agency_user: Any, make_user: Any, make_org: Any
) -> None:
    with pytest.raises(ValidationFailed, match="存在问题"):
        services.correction_order_issue(
            actor=patroller, item=problem_item, problem=" ", requirement="r", clock=clock
        )
    with pytest.raises(ValidationFailed, match="1到60"):
        services.correction_order_issue(
            actor=patroller, item=problem_item, problem="p", requirement="r", days=0, clock=clock
        )
    with pytest.raises(PermissionDenied):
        services.correction_order_issue(
            actor=agency_user, item=problem_item, problem="p", requirement="r", clock=clock
        )
    order = services.correction_order_issue(
        actor=patroller, item=problem_item, problem="p", requirement="r", clock=clock
    )
    with pytest.raises(InvalidTransition, match="未办结"):
        services.correction_order_issue(
            actor=patroller, item=problem_item, problem="p", requirement="r", clock=clock
        )
    # Another agency can neither answer nor see the order.
    other = make_user("agency_publisher", org=make_org("agency"))
    with pytest.raises(PermissionDenied):
        services.correction_order_answer(actor=other, order=order, reply="x", clock=clock)
    with pytest.raises(NotFound):
        selectors.order_get(user=other, pk=order.pk)
    assert selectors.order_get(user=agency_user, pk=order.pk) == order
    # A disguised executable is refused and nothing changes.
    with pytest.raises(ValidationFailed, match="不符"):
        services.correction_order_answer(
            actor=agency_user,
            order=order,
            reply="x",
            attachment=("a.pdf", io.BytesIO(b"MZ\x90\x00evil")),
            clock=clock,
        )
    order.refresh_from_db()
    assert order.status == "issued" and order.reply == ""
    # The agency cannot close its own order.
    services.correction_order_answer(actor=agency_user, order=order, reply="x", clock=clock)
    with pytest.raises(PermissionDenied):
        services.correction_order_close(actor=agency_user, order=order, clock=clock)


def test_ok_items_get_no_order(clock: FixedClock, patroller: Any, agency_notice: Any) -> None:
    agency_notice(sh(2026, 6, 10, 8, 0))
    item = services.patrol_rounds_create_due(clock=clock)[0].items.get()
    services.patrol_item_verdict(actor=patroller, item=item, verdict="ok", clock=clock)
    with pytest.raises(InvalidTransition, match="有问题"):
        services.correction_order_issue(actor=patroller, item=item, problem="p", requirement="r", clock=clock)


def test_deadline_in_an_uncovered_year_fails_loudly(patroller: Any, agency_notice: Any) -> None:
    clock = FixedClock(sh(2026, 12, 28, 10, 0).astimezone(dt.UTC))
    agency_notice(sh(2026, 12, 28, 8, 0))
    item = services.patrol_rounds_create_due(clock=clock)[0].items.get()
    services.patrol_item_verdict(actor=patroller, item=item, verdict="problem", comment="c", clock=clock)
    with pytest.raises(Exception, match="工作日历缺少 2027 年"):
        services.correction_order_issue(actor=patroller, item=item, problem="p", requirement="r", clock=clock)


def test_take_down_leaves_a_public_tombstone(
    clock: FixedClock, problem_item: Any, staff: Any, patroller: Any, client: Any
) -> None:
    notice = problem_item.notice
    with pytest.raises(PermissionDenied):
        services.notice_take_down(actor=patroller, notice=notice, reason="违规", clock=clock)
    with pytest.raises(ValidationFailed):
        services.notice_take_down(actor=staff["signer"], notice=notice, reason=" ", clock=clock)
    withdrawn = services.notice_take_down(
        actor=staff["signer"], notice=notice, reason="含有排斥潜在投标人的条款", clock=clock
    )
    assert withdrawn.status == "withdrawn"
    page = client.get(notice.get_absolute_url())
    assert "含有排斥潜在投标人的条款" in page.content.decode()
