"""/api/v1/disclosure: the public form and tracking page, the staff workflow through every
transition, the report statistics, authentication (session + CSRF) and rate limiting.

Dates are worked out by hand from the 2026 calendar (chinesecalendar 1.11.0): National Day and
Mid-autumn are holidays 2026-09-25…27 and 2026-10-01…07; Saturday 2026-10-10 is a 调休 working day.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from ggzy.api import disclosure as disclosure_api
from ggzy.api.tests.helpers import assert_error
from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.disclosure.models import ClockEvent, DisclosureRequest, FeeNotice, Reply, ReviewCase

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"  # GB 11643 example number with a valid check character
CSRF = "abcdefghijklmnopqrstuvwxyzABCDEF"  # a 32-character CSRF secret
BASE = "/api/v1/disclosure"


def at(year: int, month: int, day: int) -> FixedClock:
    """10:00 Shanghai time on that day."""
    return FixedClock(dt.datetime(year, month, day, 2, 0, tzinfo=dt.UTC))


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()  # rate-limit counters must not leak between tests
    yield
    cache.clear()


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Callable[[int, int, int], None]:
    """Set the API's clock: ``today(2026, 11, 20)``."""

    def set_day(year: int, month: int, day: int) -> None:
        monkeypatch.setattr(disclosure_api, "clock", at(year, month, day))

    set_day(2026, 11, 20)
    return set_day


@pytest.fixture
def officer(make_user: Callable[..., Any], center: Any) -> Any:
    return make_user("disclosure_officer", org=center, username="officer")


@pytest.fixture
def head(make_user: Callable[..., Any], center: Any) -> Any:
    return make_user("disclosure_head", org=center, username="head")


def session(user: Any) -> Client:
    """A logged-in browser session that sends the CSRF token like the back office's pages do."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    return client


@pytest.fixture
def staff(officer: Any) -> Client:
    return session(officer)


def applicant(**kw: Any) -> dict[str, Any]:
    return {
        "kind": "natural_person",
        "name": "张三",
        "id_doc_type": "resident_id",
        "id_number": ID_NUMBER,
        "phone": "13912345678",
        "email": "zhang.san@example.com",
        "address": "示范市民生路88号3单元502室",
        **kw,
    }


def info(**kw: Any) -> dict[str, Any]:
    return {"form": "electronic", "delivery_method": "email", "name": "2026年度政府采购项目开标记录", **kw}


def post(client: Client, url: str, body: dict[str, Any], status: int = 200, **extra: Any) -> Any:
    response = client.post(url, body, content_type="application/json", headers={"X-CSRFToken": CSRF}, **extra)
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def get(client: Client, url: str, status: int = 200, **params: Any) -> Any:
    response = client.get(url, params)
    assert response.status_code == status, response.content.decode()
    return response.json()


def submit(client: Client | None = None, **kw: Any) -> dict[str, Any]:
    body = {"applicant": applicant(), "info": info(), **kw}
    return post(client or Client(), f"{BASE}/requests", body, status=201)  # type: ignore[no-any-return]


def register(staff: Client, day: str = "2026-09-28", **kw: Any) -> dict[str, Any]:
    body = {"channel": "in_person", "arrived_on": day, "applicant": applicant(), "info": info(), **kw}
    return post(staff, f"{BASE}/requests/register", body, status=201)  # type: ignore[no-any-return]


def snapshot() -> tuple[Any, ...]:
    rows = tuple(
        DisclosureRequest.objects.order_by("pk").values_list(
            "pk", "status", "due_date", "outcome", "received_on", "closed_on"
        )
    )
    return (
        rows,
        ClockEvent.objects.count(),
        Reply.objects.count(),
        FeeNotice.objects.count(),
        ReviewCase.objects.count(),
        Event.objects.count(),
    )


# ---------------------------------------------------------------- the public form and tracking


def test_apply_online_then_track_with_code_and_secret(today: Callable[..., None]) -> None:
    today(2026, 9, 28)
    created = submit()
    assert created["tracking_code"].startswith("YSQ-2026-")
    assert len(created["secret"]) >= 6
    assert created["status"] == "submitted"
    assert created["arrived_on"] == "2026-09-28"
    assert created["received_on"] is None  # Art. 31(三): waits for both sides to confirm
    request = DisclosureRequest.objects.get(tracking_code=created["tracking_code"])
    assert created["secret"] not in request.secret_hash
    assert ID_NUMBER not in request.id_number_encrypted

    body = get(Client(), f"{BASE}/requests/track", code=created["tracking_code"], secret=created["secret"])
    assert body["status"] == "submitted"
    assert body["status_label"] == "待确认受理"
    assert "张三" not in str(body) and "1391" not in str(body)  # no personal data at all

    by_post = post(
        Client(), f"{BASE}/requests/track", {"code": created["tracking_code"], "secret": created["secret"]}
    )
    assert by_post == body


def test_submit_response_is_not_cached_and_needs_no_csrf(today: Callable[..., None]) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"{BASE}/requests", {"applicant": applicant(), "info": info()}, content_type="application/json"
    )
    assert response.status_code == 201, response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_applicant_may_choose_the_secret(today: Callable[..., None]) -> None:
    created = submit(secret="my-own-secret")
    assert created["secret"] == "my-own-secret"
    get(Client(), f"{BASE}/requests/track", code=created["tracking_code"].lower(), secret="my-own-secret")


@pytest.mark.parametrize(
    ("code", "secret"),
    [
        ("right", "wrong-secret"),
        ("YSQ-2026-ZZZZZZZZ", "right"),
        ("right", ""),
    ],
)
def test_wrong_secret_or_code_is_refused_alike(today: Callable[..., None], code: str, secret: str) -> None:
    created = submit()
    code = created["tracking_code"] if code == "right" else code
    secret = created["secret"] if secret == "right" else secret
    before = snapshot()
    body = get(Client(), f"{BASE}/requests/track", status=404 if secret else 400, code=code, secret=secret)
    if secret:
        assert_error(body, "tracking_not_found")
        assert body["error"]["message"] == "查询码或查询密码不正确"
    else:
        assert_error(body, "validation_failed", "secret")
    assert snapshot() == before


def test_incomplete_application_is_refused_with_the_legal_reason(today: Callable[..., None]) -> None:
    before = snapshot()
    body = post(
        Client(),
        f"{BASE}/requests",
        {
            "applicant": applicant(phone="", email="", address=""),
            "info": info(name="", delivery_method="collect"),
        },
        status=400,
    )
    assert_error(body, "validation_failed", "contact", "info")
    assert "第二十九条" in body["error"]["message"]
    assert snapshot() == before


def test_bad_resident_id_number_is_refused(today: Callable[..., None]) -> None:
    body = post(
        Client(),
        f"{BASE}/requests",
        {"applicant": applicant(id_number="110105194912310021"), "info": info()},
        status=400,
    )
    assert_error(body, "validation_failed", "id_number")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"applicant": applicant(kind="company")}, "applicant.kind"),
        ({"applicant": applicant(id_doc_type="driver_licence")}, "applicant.id_doc_type"),
        ({"applicant": applicant(name="张" * 201)}, "applicant.name"),
        ({"applicant": applicant(id_number="1" * 41)}, "applicant.id_number"),
        ({"info": info(form="carrier_pigeon")}, "info.form"),
        ({"info": None}, "info"),
    ],
)
def test_malformed_body_is_400_naming_the_field(
    today: Callable[..., None], change: dict[str, Any], field: str
) -> None:
    body = {"applicant": applicant(), "info": info(), **change}
    if body["info"] is None:
        del body["info"]
    result = post(Client(), f"{BASE}/requests", body, status=400)
    assert_error(result, "validation_failed", field)


def test_submit_is_rate_limited_per_address(today: Callable[..., None], settings: Any) -> None:
    settings.GGZY_DISCLOSURE_SUBMIT_PER_HOUR = 3
    body = {"applicant": applicant(), "info": info()}
    client = Client()
    for _ in range(3):
        post(client, f"{BASE}/requests", body, status=201, REMOTE_ADDR="203.0.113.7")
    before = snapshot()
    response = client.post(
        f"{BASE}/requests", body, content_type="application/json", REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 429
    assert_error(response.json(), "rate_limited")
    assert 0 < int(response["Retry-After"]) <= 3600
    assert snapshot() == before
    # Another address is not affected.
    post(client, f"{BASE}/requests", body, status=201, REMOTE_ADDR="203.0.113.8")


def test_tracking_is_rate_limited_so_secrets_cannot_be_guessed(
    today: Callable[..., None], settings: Any
) -> None:
    settings.GGZY_DISCLOSURE_TRACK_PER_HOUR = 5
    created = submit()
    client = Client(REMOTE_ADDR="198.51.100.1")
    for i in range(5):
        get(client, f"{BASE}/requests/track", status=404, code=created["tracking_code"], secret=f"guess-{i}")
    body = get(client, f"{BASE}/requests/track", status=429, code=created["tracking_code"], secret="x" * 10)
    assert_error(body, "rate_limited")
    # Even the right secret waits out the window from that address.
    get(client, f"{BASE}/requests/track", status=429, code=created["tracking_code"], secret=created["secret"])


# ---------------------------------------------------------------- authentication


def test_staff_endpoints_need_a_session(today: Callable[..., None]) -> None:
    created = submit()
    anonymous = Client()
    body = get(anonymous, f"{BASE}/requests", status=401)
    assert_error(body, "authentication_required")
    body = post(
        anonymous, f"{BASE}/requests/{created['id']}/confirm-receipt", {"confirmed_on": "2026-11-20"}, 401
    )
    assert_error(body, "authentication_required")
    assert_error(get(anonymous, f"{BASE}/review-cases", status=401), "authentication_required")


def test_staff_endpoints_need_a_disclosure_role(
    today: Callable[..., None], make_user: Callable[..., Any], center: Any
) -> None:
    created = submit()
    editor = session(make_user("editor", org=center))
    before = snapshot()
    assert_error(get(editor, f"{BASE}/requests", status=403), "permission_denied")
    assert_error(get(editor, f"{BASE}/requests/{created['id']}", status=403), "permission_denied")
    assert_error(get(editor, f"{BASE}/review-cases", status=403), "permission_denied")
    body = post(
        editor, f"{BASE}/requests/{created['id']}/confirm-receipt", {"confirmed_on": "2026-11-20"}, 403
    )
    assert_error(body, "permission_denied")
    assert snapshot() == before


def test_staff_writes_need_the_csrf_token(today: Callable[..., None], officer: Any) -> None:
    created = submit()
    client = session(officer)
    before = snapshot()
    url = f"{BASE}/requests/{created['id']}/confirm-receipt"
    response = client.post(url, {"confirmed_on": "2026-11-20"}, content_type="application/json")
    assert response.status_code == 403
    assert_error(response.json(), "csrf_failed")
    response = client.post(
        url,
        {"confirmed_on": "2026-11-20"},
        content_type="application/json",
        headers={"X-CSRFToken": "x" * 32},
    )
    assert response.status_code == 403
    assert_error(response.json(), "csrf_failed")
    assert snapshot() == before
    # Reads need no token; with the token the write goes through.
    get(client, f"{BASE}/requests/{created['id']}")
    assert post(client, url, {"confirmed_on": "2026-11-20"})["status"] == "processing"


def test_user_who_must_enrol_a_second_factor_is_refused(today: Callable[..., None], officer: Any) -> None:
    from ggzy.accounts.middleware import ENROL_SESSION_KEY

    client = session(officer)
    s = client.session
    s[ENROL_SESSION_KEY] = True
    s.save()
    assert_error(get(client, f"{BASE}/requests", status=403), "second_factor_required")


# ---------------------------------------------------------------- the whole workflow


def test_full_workflow_partial_disclosure_counts_once_in_stats(
    today: Callable[..., None], staff: Client, head: Any
) -> None:
    # A member of the public applies online on Monday 2026-09-28; staff confirm the same day.
    today(2026, 9, 28)
    created = submit()
    rid = created["id"]
    today(2026, 11, 25)
    detail = post(staff, f"{BASE}/requests/{rid}/confirm-receipt", {"confirmed_on": "2026-09-28"})
    assert detail["status"] == "processing"
    assert detail["received_on"] == "2026-09-28"
    assert detail["due_date"] == "2026-10-30"  # 20 working days across National Day (see CLI tests)

    # 补正 within 7 working days (window ends 2026-10-13), received 2026-10-12: new day 0.
    detail = post(
        staff,
        f"{BASE}/requests/{rid}/amendment-request",
        {"items": "请明确所需开标记录的项目名称", "deadline": "2026-10-16", "on": "2026-09-30"},
    )
    assert detail["status"] == "awaiting_amendment"
    assert detail["due_date"] is None and detail["clock"]["awaiting_amendment"] is True
    detail = post(staff, f"{BASE}/requests/{rid}/amendment-receive", {"on": "2026-10-12"})
    # 20 WD after Monday 10-12: 10-13…10-16 (4), 10-19…23 (9), 10-26…30 (14), 11-02…06 (19), 11-09 (20).
    assert detail["due_date"] == "2026-11-09"

    # Third-party consultation 10-14 → 10-21 excludes the 5 working days (10-14, 10-21].
    detail = post(
        staff, f"{BASE}/requests/{rid}/consultation-start", {"party": "third_party", "on": "2026-10-14"}
    )
    assert detail["status"] == "consulting" and detail["due_date"] is None
    detail = post(staff, f"{BASE}/requests/{rid}/consultation-end", {"on": "2026-10-21"})
    assert detail["due_date"] == "2026-11-16"

    # Extension of 10 working days approved by the head: 11-17…20 (4), 11-23…27 (9), 11-30 (10).
    detail = post(
        staff,
        f"{BASE}/requests/{rid}/extend",
        {
            "days": 10,
            "approved_by": head.username,
            "reason": "涉及多个项目档案，需调取核实",
            "on": "2026-10-22",
        },
    )
    assert detail["due_date"] == "2026-11-30"
    assert detail["clock"]["extension_days"] == 10
    assert [e["kind"] for e in detail["events"]] == [
        "received",
        "amendment_requested",
        "amendment_received",
        "consultation_started",
        "consultation_ended",
        "extension",
    ]
    assert detail["events"][-1]["approved_by"] == str(head)
    assert detail["days_left"] == 3  # 11-26, 11-27, 11-30 after "today" 11-25

    # Staff list and deadlines show it with masked personal data only.
    page = get(staff, f"{BASE}/requests")
    assert [i["id"] for i in page["items"]] == [rid]
    assert page["items"][0]["id_number_masked"] == "11************002X"
    assert ID_NUMBER not in str(page)
    due = get(staff, f"{BASE}/deadlines", within=5)
    assert [(d["request"]["id"], d["days_left"]) for d in due] == [(rid, 3)]

    # Reply 部分公开 with a released file, then delivered.
    pdf = b"%PDF-1.4 fake content"
    detail = post(
        staff,
        f"{BASE}/requests/{rid}/reply",
        {
            "outcome": "3.2",
            "legal_basis": "《中华人民共和国政府信息公开条例》第三十七条",
            "text": "经审查，所申请信息中涉及第三方商业秘密的部分不予公开，其余部分予以公开。",
            "replied_on": "2026-11-25",
            "files": [{"name": "开标记录（删减版）.pdf", "content_base64": base64.b64encode(pdf).decode()}],
        },
    )
    assert detail["status"] == "closed"
    assert detail["outcome"] == "3.2"
    assert detail["reply"]["files"][0]["size"] == len(pdf)
    assert detail["days_left"] is None
    detail = post(staff, f"{BASE}/requests/{rid}/reply-delivered", {"method": "email"})
    assert detail["reply"]["delivery_method"] == "email"
    assert detail["reply"]["delivered_at"].endswith("+08:00")

    tracked = get(Client(), f"{BASE}/requests/track", code=created["tracking_code"], secret=created["secret"])
    assert tracked["outcome"] == "3.2"
    assert tracked["outcome_label"].startswith("（二）部分公开")

    # A review case is recorded and decided.
    case = post(
        staff,
        f"{BASE}/review-cases",
        {
            "kind": "administrative_review",
            "filed_on": "2026-11-25",
            "request_id": rid,
            "case_number": "示复〔2026〕1号",
        },
        status=201,
    )
    assert case["counted_in_table4"] is True
    assert case["request_tracking_code"] == created["tracking_code"]
    assert [c["id"] for c in get(staff, f"{BASE}/review-cases", year=2026)] == [case["id"]]
    decided = post(
        staff, f"{BASE}/review-cases/{case['id']}/decision", {"result": "upheld", "decided_on": "2026-11-25"}
    )
    assert decided["result"] == "upheld"

    # The stats: exactly one outcome cell, every cross-check holds.
    stats = get(Client(), f"{BASE}/stats", year=2026)
    assert len(stats["table3"]) == 25
    assert stats["table3"][0]["label"] == "一、本年新收政府信息公开申请数量"
    assert stats["table3"][-1]["label"] == "四、结转下年度继续办理"
    assert all(len(row["cells"]) == 7 for row in stats["table3"])
    outcome_rows = [row for row in stats["table3"][2:23] if row["cells"][6]]
    assert [(row["code"], row["cells"]) for row in outcome_rows] == [("3.2", [1, 0, 0, 0, 0, 0, 1])]
    assert stats["table4"]["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}
    assert stats["table4"]["lawsuit_direct"]["total"] == 0
    assert stats["checks"] and all(c["passed"] for c in stats["checks"])
    assert set(stats) >= {"table3", "table4", "checks"}


def test_staff_register_in_person_and_list_paging(today: Callable[..., None], staff: Client) -> None:
    ids = [register(staff, day)["id"] for day in ("2026-09-28", "2026-09-29", "2026-09-29", "2026-09-30")]
    first = get(staff, f"{BASE}/requests", limit=3)
    assert [i["id"] for i in first["items"]] == [ids[3], ids[2], ids[1]]
    assert first["next_cursor"]
    second = get(staff, f"{BASE}/requests", limit=3, cursor=first["next_cursor"])
    assert [i["id"] for i in second["items"]] == [ids[0]]
    assert second["next_cursor"] is None
    found = staff.get(f"{BASE}/requests", {"status": "processing", "q": "开标记录"}).json()["items"]
    assert len(found) == 4
    assert staff.get(f"{BASE}/requests", {"status": "closed"}).json()["items"] == []
    assert_error(get(staff, f"{BASE}/requests", status=400, cursor="bogus!"), "validation_failed", "cursor")


def test_registered_request_detail_and_audited_pii_view(today: Callable[..., None], staff: Client) -> None:
    created = register(staff)
    assert created["received_on"] == "2026-09-28" and created["due_date"] == "2026-10-30"
    before = Event.objects.filter(action="disclosure.pii_view").count()
    pii = get(staff, f"{BASE}/requests/{created['id']}/pii", purpose="电话联系补正事项")
    assert pii["id_number"] == ID_NUMBER
    assert pii["phone"] == "13912345678"
    assert Event.objects.filter(action="disclosure.pii_view").count() == before + 1
    assert_error(get(staff, f"{BASE}/requests/999999", status=404), "not_found")


def test_fee_notice_and_payment(today: Callable[..., None], staff: Client) -> None:
    rid = register(staff)["id"]
    detail = post(
        staff,
        f"{BASE}/requests/{rid}/fee-notice",
        {"standard": "by_volume", "pages": 120, "on": "2026-10-09"},
    )
    assert detail["status"] == "awaiting_fee"
    amount = detail["fee_notice"]["amount"]
    assert amount == "1100.00"  # 31–100 at 10 元 (700) + 101–120 at 20 元 (400)
    before = snapshot()
    body = post(staff, f"{BASE}/requests/{rid}/fee-payment", {"amount": "1000.00", "on": "2026-10-12"}, 400)
    assert_error(body, "validation_failed", "amount")
    assert snapshot() == before
    detail = post(staff, f"{BASE}/requests/{rid}/fee-payment", {"amount": amount, "on": "2026-10-12"})
    assert detail["status"] == "processing"
    assert detail["fee_notice"]["amount_paid"] == "1100.00"
    totals = get(Client(), f"{BASE}/fee-totals", year=2026)
    assert totals == {"year": 2026, "notices": 1, "amount_due": "1100.00", "amount_paid": "1100.00"}


def test_later_deadline(today: Callable[..., None], staff: Client) -> None:
    rid = register(staff)["id"]
    detail = post(
        staff,
        f"{BASE}/requests/{rid}/later-deadline",
        {"until": "2026-12-15", "reason": "申请数量明显超过合理范围（第三十五条）", "on": "2026-10-09"},
    )
    assert detail["due_date"] == "2026-12-15"


def test_lawsuit_where_center_is_co_defendant_is_not_counted(
    today: Callable[..., None], staff: Client
) -> None:
    review = post(
        staff, f"{BASE}/review-cases", {"kind": "administrative_review", "filed_on": "2026-10-09"}, 201
    )
    lawsuit = post(
        staff,
        f"{BASE}/review-cases",
        {"kind": "lawsuit_after_review", "filed_on": "2026-11-02", "previous_id": review["id"]},
        201,
    )
    assert lawsuit["previous_id"] == review["id"]
    post(
        staff,
        f"{BASE}/review-cases",
        {"kind": "lawsuit_direct", "center_role": "review_body_co_defendant", "filed_on": "2026-11-02"},
        201,
    )
    table4 = get(Client(), f"{BASE}/stats", year=2026)["table4"]
    assert table4["review"]["pending"] == 1
    assert table4["lawsuit_after_review"]["total"] == 1
    assert table4["lawsuit_direct"]["total"] == 0
    assert_error(get(staff, f"{BASE}/review-cases/999999", status=404), "not_found")


def test_stats_and_table2_of_an_empty_year(db: None) -> None:
    stats = get(Client(), f"{BASE}/stats", year=2021)
    assert all(cell == 0 for row in stats["table3"] for cell in row["cells"])
    assert stats["columns"] == [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]
    assert all(c["passed"] for c in stats["checks"])
    assert get(Client(), f"{BASE}/table2", year=2021) == {
        "year": 2021,
        "rules": {"issued": 0, "repealed": 0, "in_force": 0},
        "normative_documents": {"issued": 0, "repealed": 0, "in_force": 0},
        "licence": 0,
        "penalty": 0,
        "enforcement": 0,
        "admin_fee_wan": "0.0000",
    }
    assert_error(get(Client(), f"{BASE}/stats", status=400), "validation_failed", "year")
    assert_error(get(Client(), f"{BASE}/stats", status=400, year="去年"), "validation_failed", "year")


def test_openapi_documents_the_disclosure_operations(db: None) -> None:
    spec = get(Client(), "/api/v1/openapi.json")
    paths = spec["paths"]
    assert "post" in paths["/api/v1/disclosure/requests"]
    assert "get" in paths["/api/v1/disclosure/requests"]
    assert "/api/v1/disclosure/requests/{request_id}/reply" in paths
    assert "/api/v1/disclosure/stats" in paths
