"""The selectors the pages, letters and API read through: the request's detail in a fixed number
of queries, the tracked request behind code + secret, the heads who may approve an extension and
the review-case list with its role check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ggzy.core.errors import NotFound, PermissionDenied
from ggzy.disclosure import selectors, services
from ggzy.disclosure.tests.conftest import applicant, at, info

pytestmark = pytest.mark.django_db
D = dt.date


def _replied_with(officer: Any, register: Callable[..., Any], files: int, cases: int) -> Any:
    request = register(D(2026, 3, 2))
    services.disclosure_consultation_start(
        actor=officer, request=request, party="third_party", on=D(2026, 3, 3), clock=at(2026, 3, 3)
    )
    services.disclosure_consultation_end(
        actor=officer, request=request, on=D(2026, 3, 5), clock=at(2026, 3, 5)
    )
    services.disclosure_reply(
        actor=officer,
        request=request,
        outcome="3.2",
        legal_basis="第三十七条",
        files=[(f"附件{i}.pdf", f"%PDF-1.4 {request.pk}-{i}".encode()) for i in range(files)],
        clock=at(2026, 3, 12),
    )
    for i in range(cases):
        services.review_case_record(
            actor=officer,
            kind="administrative_review",
            filed_on=D(2026, 3, 13 + i),
            request=request,
            case_number=f"复议{i}",
            clock=at(2026, 3, 20),
        )
    return request


@pytest.mark.parametrize(("files", "cases"), [(1, 1), (5, 4)])
def test_detail_in_a_bounded_number_of_queries(
    officer: Any, register: Callable[..., Any], django_assert_num_queries: Any, files: int, cases: int
) -> None:
    request = _replied_with(officer, register, files, cases)
    officer.refresh_from_db()  # drop the cached roles: they cost one query
    with django_assert_num_queries(5):  # roles; request+reply+fee; files; cases; events
        detail = selectors.disclosure_request_detail(actor=officer, pk=request.pk)
        assert detail.reply is not None and detail.reply.outcome == "3.2"
        assert [f.name for f in detail.reply_files] == [f"附件{i}.pdf" for i in range(files)]
        assert all(f.file.size > 0 for f in detail.reply_files)
        assert detail.fee_notice is None
        assert [c.case_number for c in detail.review_cases] == [f"复议{i}" for i in range(cases)]
        assert all(c.request.tracking_code == request.tracking_code for c in detail.review_cases)
        assert [e.kind for e in detail.events] == [
            "received",
            "consultation_started",
            "consultation_ended",
        ]
        assert detail.review_case(detail.review_cases[0].pk) is detail.review_cases[0]
        assert detail.review_case(0) is None


def test_detail_of_an_unreplied_request_and_refusals(
    officer: Any, register: Callable[..., Any], make_user: Callable[..., Any], center: Any
) -> None:
    request = register(D(2026, 3, 2))
    services.disclosure_fee_notice_issue(
        actor=officer, request=request, standard="by_volume", pages=40, clock=at(2026, 3, 3)
    )
    detail = selectors.disclosure_request_detail(actor=officer, pk=request.pk)
    assert (detail.reply, detail.reply_files, detail.review_cases) == (None, [], [])
    assert detail.fee_notice is not None and detail.fee_notice.units == 40
    with pytest.raises(NotFound):
        selectors.disclosure_request_detail(actor=officer, pk=request.pk + 1000)
    editor = make_user("editor", org=center, username="ed")
    with pytest.raises(PermissionDenied):
        selectors.disclosure_request_detail(actor=editor, pk=request.pk)


def test_get_tracked_needs_the_pair_and_fails_alike(officer: Any) -> None:
    submitted = services.disclosure_request_submit(
        applicant=applicant(), info=info(), secret="my-secret-1", clock=at(2026, 3, 2)
    )
    code = submitted.request.tracking_code
    found = selectors.disclosure_request_get_tracked(tracking_code=f" {code.lower()} ", secret="my-secret-1")
    assert found.pk == submitted.request.pk
    assert "id_number_encrypted" in found.get_deferred_fields()  # PII columns are not even loaded
    for pair in ((code, "wrong-secret"), ("YSQ-2026-AAAAAAAA", "my-secret-1"), ("", "my-secret-1")):
        with pytest.raises(NotFound, match="查询码或查询密码不正确") as exc:
            selectors.disclosure_request_get_tracked(tracking_code=pair[0], secret=pair[1])
        assert exc.value.code == "tracking_not_found"


def test_head_list_is_active_center_heads_only(
    head: Any, officer: Any, make_user: Callable[..., Any], center: Any
) -> None:
    second = make_user("disclosure_head", org=center, username="ahead")
    gone = make_user("disclosure_head", org=center, username="gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert list(selectors.disclosure_head_list()) == [second, head]


def test_review_case_list_checks_the_role(
    officer: Any, register: Callable[..., Any], make_user: Callable[..., Any], center: Any
) -> None:
    request = _replied_with(officer, register, files=0, cases=2)
    assert [c.request_id for c in selectors.review_case_list(actor=officer)] == [request.pk] * 2
    assert list(selectors.review_case_list(actor=officer, year=2025)) == []
    editor = make_user("editor", org=center, username="ed")
    with pytest.raises(PermissionDenied):
        selectors.review_case_list(actor=editor)
