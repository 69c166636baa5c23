"""Every bad input named in issue #4, through the API: refused in the one error format with the
legal reason, and nothing changed (no row, no clock event, no audit event).

Application received Monday 2026-09-28 (day 0). The 补正 window (7 working days) ends 2026-10-13:
09-29, 09-30, [10-01…07 holiday], 10-08, 10-09, Saturday 10-10 (调休), 10-12, 10-13.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.api.tests import test_disclosure as shared
from ggzy.api.tests.helpers import assert_error
from ggzy.api.tests.test_disclosure import BASE, CSRF, post, register, snapshot, submit

pytestmark = pytest.mark.django_db

# The fixtures of the workflow tests (pytest finds them by these names).
_fresh_cache = shared._fresh_cache
today = shared.today
officer = shared.officer
head = shared.head
staff = shared.staff

PUBLISHED_BASIS = "《中华人民共和国政府信息公开条例》第二十七条、第三十六条第（二）项"


def refused(
    client: Client, url: str, body: dict[str, Any], status: int, code: str, *reason: str, field: str = ""
) -> dict[str, Any]:
    before = snapshot()
    result = post(client, url, body, status)
    assert_error(result, code, *([field] if field else []))
    for words in reason:
        assert words in result["error"]["message"], result
    assert snapshot() == before
    return result  # type: ignore[no-any-return]


@pytest.fixture
def rid(today: Callable[..., None], staff: Client) -> int:
    return int(register(staff)["id"])


def test_reply_before_registration(today: Callable[..., None], staff: Client) -> None:
    created = submit()  # online: waits for confirmation, no receipt date yet
    refused(
        staff,
        f"{BASE}/requests/{created['id']}/reply",
        {"outcome": "3.1", "legal_basis": PUBLISHED_BASIS},
        409,
        "invalid_transition",
        "尚未登记受理",
    )


def test_two_outcomes_in_one_reply(staff: Client, rid: int) -> None:
    refused(
        staff,
        f"{BASE}/requests/{rid}/reply",
        {"outcome": ["3.1", "3.2"], "legal_basis": PUBLISHED_BASIS},
        400,
        "one_outcome_only",
        "只能有一个办理结果",
        field="outcome",
    )


def test_second_reply_is_a_second_outcome(staff: Client, rid: int) -> None:
    post(staff, f"{BASE}/requests/{rid}/reply", {"outcome": "3.1", "legal_basis": PUBLISHED_BASIS})
    refused(
        staff,
        f"{BASE}/requests/{rid}/reply",
        {"outcome": "3.3.4", "legal_basis": "第十五条"},
        409,
        "already_replied",
        "只能有一个办理结果",
    )


def test_unknown_outcome(staff: Client, rid: int) -> None:
    refused(
        staff,
        f"{BASE}/requests/{rid}/reply",
        {"outcome": "3.9", "legal_basis": PUBLISHED_BASIS},
        400,
        "unknown_outcome",
        "21种情形",
        field="outcome",
    )


def test_reply_without_legal_basis(staff: Client, rid: int) -> None:
    refused(
        staff,
        f"{BASE}/requests/{rid}/reply",
        {"outcome": "3.1", "legal_basis": "  "},
        400,
        "validation_failed",
        "法律依据",
        field="legal_basis",
    )


def test_extension_beyond_20_working_days(staff: Client, rid: int, head: Any) -> None:
    refused(
        staff,
        f"{BASE}/requests/{rid}/extend",
        {"days": 21, "approved_by": head.username, "reason": "情况复杂", "on": "2026-10-09"},
        400,
        "extension_too_long",
        "第三十三条第二款",
        field="days",
    )


def test_extension_approved_by_the_wrong_role(staff: Client, rid: int, officer: Any) -> None:
    refused(
        staff,
        f"{BASE}/requests/{rid}/extend",
        {"days": 10, "approved_by": officer.username, "reason": "情况复杂", "on": "2026-10-09"},
        403,
        "extension_not_approved_by_head",
        "负责人同意",
    )


def test_extension_approved_by_nobody_known(staff: Client, rid: int) -> None:
    refused(
        staff,
        f"{BASE}/requests/{rid}/extend",
        {"days": 10, "approved_by": "no-such-user", "reason": "情况复杂", "on": "2026-10-09"},
        400,
        "validation_failed",
        "负责人同意",
        field="approved_by",
    )


def test_second_extension(staff: Client, rid: int, head: Any) -> None:
    body = {"days": 5, "approved_by": head.username, "reason": "情况复杂", "on": "2026-10-09"}
    post(staff, f"{BASE}/requests/{rid}/extend", body)
    refused(staff, f"{BASE}/requests/{rid}/extend", body, 409, "already_extended", "延长只能一次")


def test_second_amendment_notice(staff: Client, rid: int) -> None:
    body = {"items": "请说明所需信息的项目名称", "deadline": "2026-10-16", "on": "2026-09-30"}
    post(staff, f"{BASE}/requests/{rid}/amendment-request", body)
    post(staff, f"{BASE}/requests/{rid}/amendment-receive", {"on": "2026-10-09"})
    refused(
        staff,
        f"{BASE}/requests/{rid}/amendment-request",
        {**body, "on": "2026-10-12", "deadline": "2026-10-20"},
        409,
        "amendment_already_requested",
        "一次性告知",
    )


def test_amendment_notice_after_7_working_days(staff: Client, rid: int) -> None:
    url = f"{BASE}/requests/{rid}/amendment-request"
    refused(
        staff,
        url,
        {"items": "请说明所需信息的项目名称", "deadline": "2026-10-23", "on": "2026-10-14"},
        400,
        "amendment_window_passed",
        "7个工作日",
        "2026年10月13日",
        field="on",
    )
    # The last day of the window is still fine.
    post(staff, url, {"items": "请说明所需信息的项目名称", "deadline": "2026-10-23", "on": "2026-10-13"})


def test_fee_with_both_standards(staff: Client, rid: int) -> None:
    refused(
        staff,
        f"{BASE}/requests/{rid}/fee-notice",
        {"standard": "by_volume", "pages": 120, "items": 12, "on": "2026-10-09"},
        400,
        "fee_both_standards",
        "只能适用一种收费标准",
        field="standard",
    )


def test_free_fee_notice_is_refused(staff: Client, rid: int) -> None:
    refused(
        staff,
        f"{BASE}/requests/{rid}/fee-notice",
        {"standard": "by_volume", "pages": 30, "on": "2026-10-09"},
        400,
        "fee_free",
        "不收费",
    )


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("confirm-receipt", {"confirmed_on": "2003-06-02"}, "date"),
        ("amendment-request", {"items": "请补正", "deadline": "2003-06-20", "on": "2026-09-30"}, "date"),
        ("later-deadline", {"until": "2035-06-01", "reason": "数量过大", "on": "2026-10-09"}, "date"),
    ],
)
def test_date_outside_the_calendar(
    today: Callable[..., None], staff: Client, path: str, body: dict[str, Any], field: str
) -> None:
    rid = submit()["id"] if path == "confirm-receipt" else register(staff)["id"]
    result = refused(
        staff,
        f"{BASE}/requests/{rid}/{path}",
        body,
        400,
        "calendar_data_missing",
        "工作日历缺少",
        field=field,
    )
    assert result["error"]["fields"]["date"][:4] in ("2003", "2035")


def test_registration_dated_outside_the_calendar(today: Callable[..., None], staff: Client) -> None:
    before = snapshot()
    result = post(
        staff,
        f"{BASE}/requests/register",
        {"channel": "in_person", "arrived_on": "2003-06-02", "applicant": {}, "info": {}},
        400,
    )
    assert_error(result, "validation_failed", "applicant.kind", "info.form")
    result = post(
        staff,
        f"{BASE}/requests/register",
        {
            "channel": "in_person",
            "arrived_on": "2003-06-02",
            "applicant": {
                "kind": "natural_person",
                "name": "张三",
                "id_doc_type": "passport",
                "id_number": "E1",
            },
            "info": {"form": "paper", "delivery_method": "collect", "name": "某文件"},
        },
        400,
    )
    assert_error(result, "calendar_data_missing")
    assert snapshot() == before


def test_future_date_is_refused(staff: Client, rid: int) -> None:
    refused(
        staff,
        f"{BASE}/requests/{rid}/consultation-start",
        {"party": "third_party", "on": "2026-11-23"},  # "today" is 2026-11-20
        400,
        "validation_failed",
        "不能晚于今天",
        field="on",
    )


def test_reply_files_must_be_base64(staff: Client, rid: int) -> None:
    refused(
        staff,
        f"{BASE}/requests/{rid}/reply",
        {
            "outcome": "3.1",
            "legal_basis": PUBLISHED_BASIS,
            "files": [{"name": "a.pdf", "content_base64": "@@"}],
        },
        400,
        "validation_failed",
        "base64",
        field="files.0",
    )


def test_delivery_before_reply(staff: Client, rid: int) -> None:
    refused(
        staff, f"{BASE}/requests/{rid}/reply-delivered", {"method": "post"}, 400, "not_replied", "尚未答复"
    )


def test_transition_in_the_wrong_status(staff: Client, rid: int) -> None:
    refused(
        staff, f"{BASE}/requests/{rid}/amendment-receive", {"on": "2026-10-09"}, 409, "invalid_transition"
    )
    refused(staff, f"{BASE}/requests/{rid}/consultation-end", {"on": "2026-10-09"}, 409, "invalid_transition")
    refused(
        staff,
        f"{BASE}/requests/{rid}/fee-payment",
        {"amount": "100.00", "on": "2026-10-09"},
        409,
        "invalid_transition",
    )


# ---------------------------------------------------------------- oversized bodies


@pytest.mark.parametrize("auth", ["public", "staff"])
def test_body_over_the_upload_limit_is_413_in_the_error_format(
    settings: Any, auth: str, staff: Client, rid: int
) -> None:
    """Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig): the
    API answers 413 payload_too_large, not 500, and nothing changes."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    before = snapshot()
    big = {"legal_basis": "第三十六条", "outcome": "3.1", "text": "长" * 2000}  # ~6 KB of UTF-8
    if auth == "public":
        response = Client().post(
            f"{BASE}/requests", {"applicant": {"name": "长" * 2000}}, content_type="application/json"
        )
    else:
        response = staff.post(
            f"{BASE}/requests/{rid}/reply",
            big,
            content_type="application/json",
            headers={"X-CSRFToken": CSRF},
        )
    assert response.status_code == 413
    body = response.json()
    assert_error(body, "payload_too_large")
    assert "请求体过大" in body["error"]["message"]
    assert "Traceback" not in response.content.decode()
    assert snapshot() == before
