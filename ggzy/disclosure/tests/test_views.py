"""The disclosure pages through HTTP: the public application (good and bad input), tracking (good,
wrong pair, throttled), staff permissions, each staff transition form (including refusals that
show the legal reason with nothing changed), the audited PII view and the letter downloads."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pypdf
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ggzy.audit.models import Event
from ggzy.disclosure import ratelimit, services
from ggzy.disclosure.models import ClockEvent, DisclosureRequest, Reply, ReviewCase
from ggzy.disclosure.tests.conftest import ID_NUMBER, PHONE, at
from ggzy.disclosure.views import common

pytestmark = pytest.mark.django_db
D = dt.date
PASSWORD = "pw-1234567890"


@pytest.fixture(autouse=True)
def _fresh_cache_and_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    monkeypatch.setattr(common, "clock", at(2026, 3, 2))


def good_application(**overrides: str) -> dict[str, str]:
    data = {
        "applicant_kind": "natural_person",
        "applicant_name": "张三",
        "contact_person": "",
        "id_doc_type": "resident_id",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "email": "zhang.san@example.com",
        "address": "示范市民生路88号",
        "postcode": "750001",
        "info_name": "2025年度政府采购项目开标记录",
        "info_doc_number": "",
        "info_description": "",
        "info_form": "electronic",
        "delivery_method": "email",
        "agree": "on",
    }
    data.update(overrides)
    return data


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


# ---------------------------------------------------------------- public: applying


def test_apply_form_renders_six_applicant_columns_with_help(client: Client) -> None:
    response = client.get(reverse("disclosure:apply"))
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"):
        assert label in html
    assert "律师事务所" in html  # the help text of 法律服务机构
    assert "<script" not in html.split("</header>")[1]  # strict CSP: no inline script in the page body
    assert "style=" not in html


def test_apply_creates_request_and_shows_code_and_secret_once(client: Client) -> None:
    response = client.post(reverse("disclosure:apply"), good_application())
    assert response.status_code == 200
    html = response.content.decode()
    request = DisclosureRequest.objects.get()
    assert request.tracking_code in html
    assert "请妥善保存，仅显示一次" in html
    assert request.status == "submitted" and request.channel == "online"
    assert ID_NUMBER not in html
    secret = response.context["secret"]
    assert secret in html and secret not in request.secret_hash
    # The secret works on the tracking page.
    tracked = client.post(
        reverse("disclosure:track"), {"tracking_code": request.tracking_code, "secret": secret}
    )
    assert tracked.status_code == 200
    assert "待确认受理" in tracked.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"applicant_name": ""}, "applicant_name", "此项为必填项"),
        ({"applicant_kind": "martian"}, "applicant_kind", "选择一个有效的选项"),
        ({"id_number": "110105194912310021"}, "id_number", "居民身份证号码不正确"),
        (
            {"phone": "", "email": "", "address": "", "delivery_method": "collect"},
            "phone",
            "至少填写一种联系方式",
        ),
        ({"info_name": ""}, "info_name", "名称、文号或者便于查询的其他特征性描述"),
        ({"postcode": "12ab"}, "postcode", "邮政编码应为6位数字"),
        ({"agree": ""}, "agree", "请确认所填信息真实"),
        ({"delivery_method": "post", "address": ""}, "address", "请填写通信地址"),
    ],
)
def test_bad_application_is_400_with_chinese_field_error_and_nothing_created(
    client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    before = Event.objects.count()
    response = client.post(reverse("disclosure:apply"), good_application(**overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in e for e in form.errors.get(field, [])), form.errors
    assert message in response.content.decode()
    assert DisclosureRequest.objects.count() == 0
    assert Event.objects.count() == before


def test_form_limits_are_the_services_limits() -> None:
    from ggzy.disclosure.forms import ApplicationForm, RegisterForm

    for form in (ApplicationForm(), RegisterForm()):
        for name, (_label, limit) in services.TEXT_LIMITS.items():
            if name == "postcode":  # six digits (a stricter format than the column's 10)
                assert form.fields[name].max_length == 6
                continue
            assert form.fields[name].max_length == limit, name


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "E" * 41),
        ("email", "a@" + "b" * 113 + ".cn"),  # 118: its masked copy would not fit the column
        ("applicant_name", "长" * 201),
        ("info_description", "长" * 4001),
    ],
)
def test_too_long_input_is_400_not_a_database_error(client: Client, field: str, value: str) -> None:
    overrides = {field: value, "id_doc_type": "passport"}
    response = client.post(reverse("disclosure:apply"), good_application(**overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert DisclosureRequest.objects.count() == 0


def test_submissions_are_throttled_per_address(client: Client, settings: Any) -> None:
    settings.GGZY_DISCLOSURE_SUBMIT_PER_HOUR = 2
    for _ in range(2):
        assert client.post(reverse("disclosure:apply"), good_application()).status_code == 200
    response = client.post(reverse("disclosure:apply"), good_application())
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 3600
    assert DisclosureRequest.objects.count() == 2
    # A form with errors does not reach the service and is not counted (nor refused).
    assert client.post(reverse("disclosure:apply"), good_application(agree="")).status_code == 400


# ---------------------------------------------------------------- public: tracking


def _submit() -> services.Submitted:
    from ggzy.disclosure.tests.conftest import applicant, info

    return services.disclosure_request_submit(applicant=applicant(), info=info(), clock=at(2026, 3, 2))


def test_tracking_wrong_pair_is_refused_in_chinese(client: Client) -> None:
    submitted = _submit()
    for code, secret in (
        (submitted.request.tracking_code, "wrong-secret"),
        ("YSQ-2026-AAAAAAAA", submitted.secret),
    ):
        response = client.post(reverse("disclosure:track"), {"tracking_code": code, "secret": secret})
        assert response.status_code == 404
        assert "查询码或查询密码不正确" in response.content.decode()
        assert "待确认受理" not in response.content.decode()
    empty = client.post(reverse("disclosure:track"), {"tracking_code": "", "secret": ""})
    assert empty.status_code == 400


def test_tracking_is_rate_limited_even_for_the_right_pair(client: Client) -> None:
    submitted = _submit()
    for _ in range(ratelimit.TRACK_FAILURES.limit):
        client.post(
            reverse("disclosure:track"), {"tracking_code": submitted.request.tracking_code, "secret": "x"}
        )
    response = client.post(
        reverse("disclosure:track"),
        {"tracking_code": submitted.request.tracking_code, "secret": submitted.secret},
    )
    assert response.status_code == 429
    assert "查询失败次数过多" in response.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9")
    ok = other.post(
        reverse("disclosure:track"),
        {"tracking_code": submitted.request.tracking_code, "secret": submitted.secret},
    )
    assert ok.status_code == 200


def test_tracking_shows_status_dates_and_outcome_and_letter(
    client: Client, officer: Any, register: Callable[..., Any]
) -> None:
    result = services.disclosure_request_register(
        actor=officer,
        channel="in_person",
        applicant=__import__("ggzy.disclosure.tests.conftest", fromlist=["applicant"]).applicant(),
        info=__import__("ggzy.disclosure.tests.conftest", fromlist=["info"]).info(),
        arrived_on=D(2026, 3, 2),
        clock=at(2026, 3, 2),
    )
    req = result.request
    data = {"tracking_code": req.tracking_code, "secret": result.secret}
    html = client.post(reverse("disclosure:track"), data).content.decode()
    assert "办理中" in html and "2026年3月2日" in html and "2026年3月30日" in html
    services.disclosure_reply(
        actor=officer,
        request=req,
        outcome="3.1",
        legal_basis="《中华人民共和国政府信息公开条例》第三十六条",
        clock=at(2026, 3, 5),
    )
    html = client.post(reverse("disclosure:track"), data).content.decode()
    assert "（一）予以公开" in html and "下载答复告知书" in html
    pdf = client.post(reverse("disclosure:track_letter"), {**data, "format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert req.tracking_code in text and "予以公开" in text
    wrong = client.post(reverse("disclosure:track_letter"), {**data, "secret": "nope-nope", "format": "pdf"})
    assert wrong.status_code == 404 and "查询码或查询密码不正确" in wrong.content.decode()


# ---------------------------------------------------------------- staff: permissions


def test_staff_pages_need_login_and_a_disclosure_role(
    client: Client, staff: dict[str, Any], officer: Any, register: Callable[..., Any]
) -> None:
    req = register(D(2026, 3, 2))
    urls = [
        reverse("disclosure:manage_queue"),
        reverse("disclosure:manage_register"),
        reverse("disclosure:manage_request", args=[req.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    login(client, staff["editor"])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403
        assert "信息公开经办人或负责人" in response.content.decode()
    post = client.post(reverse("disclosure:manage_pii", args=[req.pk]))
    assert post.status_code == 403
    assert not Event.objects.filter(action="disclosure.pii_view").exists()
    login(client, officer)
    for url in urls:
        assert client.get(url).status_code == 200
    assert client.get(reverse("disclosure:manage_request", args=[999999])).status_code == 404


def test_nav_shows_disclosure_entry_only_for_handlers(
    client: Client, staff: dict[str, Any], officer: Any
) -> None:
    login(client, staff["editor"])
    assert "nav-disclosure" not in client.get("/manage/").content.decode()
    login(client, officer)
    assert "nav-disclosure" in client.get("/manage/").content.decode()


# ---------------------------------------------------------------- staff: queue and register


def test_queue_shows_due_dates_days_left_and_overdue(
    client: Client, officer: Any, register: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = register(D(2026, 2, 2))  # due 2026-03-09 (Spring Festival in between)
    fresh = register(D(2026, 3, 2))  # due 2026-03-30
    monkeypatch.setattr(common, "clock", at(2026, 3, 12))
    html = login(client, officer).get(reverse("disclosure:manage_queue")).content.decode()
    assert old.tracking_code in html and fresh.tracking_code in html
    assert 'class="row-overdue"' in html
    assert "已超期" in html
    assert fresh.due_date.isoformat() in html


def test_register_in_person_application(client: Client, officer: Any) -> None:
    data = good_application(channel="in_person", arrived_on="2026-03-02", confirmed_on="")
    data.pop("agree")
    response = login(client, officer).post(reverse("disclosure:manage_register"), data)
    assert response.status_code == 200
    req = DisclosureRequest.objects.get()
    assert (req.channel, req.received_on, req.status) == ("in_person", D(2026, 3, 2), "processing")
    assert response.context["secret"] in response.content.decode()


def test_register_refuses_confirmation_date_for_in_person_with_the_legal_reason(
    client: Client, officer: Any
) -> None:
    data = good_application(channel="in_person", arrived_on="2026-03-02", confirmed_on="2026-03-03")
    response = login(client, officer).post(reverse("disclosure:manage_register"), data)
    assert response.status_code == 400
    assert "第三十一条" in response.content.decode()
    assert DisclosureRequest.objects.count() == 0


def test_register_future_date_refused(client: Client, officer: Any) -> None:
    data = good_application(channel="in_person", arrived_on="2026-03-20")
    response = login(client, officer).post(reverse("disclosure:manage_register"), data)
    assert response.status_code == 400
    assert "不能晚于今天" in response.content.decode()
    assert DisclosureRequest.objects.count() == 0


# ---------------------------------------------------------------- staff: the request page and transitions


def act(client: Client, req: Any, action: str, data: dict[str, Any]) -> Any:
    return client.post(
        reverse("disclosure:manage_act", args=[req.pk, action]), {f"{action}-{k}": v for k, v in data.items()}
    )


def test_online_request_confirmed_through_the_page(client: Client, officer: Any) -> None:
    req = _submit().request
    login(client, officer)
    page = client.get(reverse("disclosure:manage_request", args=[req.pk])).content.decode()
    assert "确认受理" in page and "发出补正通知" not in page
    response = act(client, req, "confirm", {"confirmed_on": "2026-03-02"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.received_on) == ("processing", D(2026, 3, 2))


def test_each_transition_through_http(
    client: Client, officer: Any, head: Any, register: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    req = register(D(2026, 3, 2))
    login(client, officer)
    monkeypatch.setattr(common, "clock", at(2026, 3, 4))
    r = act(
        client, req, "amendment", {"items": "请写明项目名称", "deadline": "2026-03-16", "on": "2026-03-04"}
    )
    assert r.status_code == 302, r.content.decode()
    req.refresh_from_db()
    assert req.status == "awaiting_amendment" and req.due_date is None

    # a second 补正 notice: refused with the legal reason, nothing changed
    events = ClockEvent.objects.count()
    r = act(client, req, "amendment", {"items": "再补", "deadline": "2026-03-20", "on": "2026-03-04"})
    assert r.status_code == 409
    assert "补正通知应当一次性告知" in r.content.decode()
    assert ClockEvent.objects.count() == events

    monkeypatch.setattr(common, "clock", at(2026, 3, 9))
    assert act(client, req, "amendment_received", {"on": "2026-03-09", "note": ""}).status_code == 302
    req.refresh_from_db()
    assert req.status == "processing" and req.due_date == D(2026, 4, 7)

    assert (
        act(
            client, req, "consultation_start", {"party": "third_party", "on": "2026-03-09", "note": "某公司"}
        ).status_code
        == 302
    )
    monkeypatch.setattr(common, "clock", at(2026, 3, 16))
    assert act(client, req, "consultation_end", {"on": "2026-03-16", "note": "不同意公开"}).status_code == 302
    req.refresh_from_db()
    assert req.status == "processing"

    # extension approved by a non-head: refused with Art. 33
    r = act(client, req, "extend", {"days": "10", "approved_by": str(officer.pk), "reason": "需要检索档案"})
    assert r.status_code == 400  # not offered in the select: form error
    assert "选择一个有效的选项" in r.content.decode()
    r = act(client, req, "extend", {"days": "25", "approved_by": str(head.pk), "reason": "需要检索档案"})
    assert r.status_code == 400 and "第三十三条" in r.content.decode()
    due_before = req.due_date
    r = act(client, req, "extend", {"days": "10", "approved_by": str(head.pk), "reason": "需要检索档案"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.due_date > due_before
    ext = ClockEvent.objects.get(request=req, kind="extension")
    assert ext.approved_by == head and ext.days == 10

    # reply with an unknown outcome → form error; then 部分公开 with a file
    r = act(client, req, "reply", {"outcome": "9.9", "legal_basis": "x"})
    assert r.status_code == 400
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        reverse("disclosure:manage_act", args=[req.pk, "reply"]),
        {
            "reply-outcome": "3.2",
            "reply-legal_basis": "《中华人民共和国政府信息公开条例》第三十七条",
            "reply-text": "涉及第三方商业秘密的部分不予公开。",
            "reply-released": SimpleUploadedFile(
                "开标记录.pdf", b"%PDF-1.4 test", content_type="application/pdf"
            ),
        },
    )
    assert r.status_code == 302, r.content.decode()
    req.refresh_from_db()
    assert (req.status, req.outcome) == ("closed", "3.2")

    # a second reply is refused with the reason
    r = act(client, req, "reply", {"outcome": "3.1", "legal_basis": "x"})
    assert r.status_code == 409 and "已办结" in r.content.decode()
    assert Reply.objects.count() == 1

    assert act(client, req, "delivered", {"method": "email"}).status_code == 302
    assert Reply.objects.get().delivered_at is not None

    r = act(
        client,
        req,
        "review_case",
        {
            "kind": "administrative_review",
            "center_role": "original_actor",
            "case_number": "示复〔2026〕3号",
            "filed_on": "2026-03-16",
        },
    )
    assert r.status_code == 302, r.content.decode()
    case = ReviewCase.objects.get()
    assert case.request == req and case.result == "pending"
    r = client.post(
        reverse("disclosure:manage_case_decide", args=[req.pk, case.pk]),
        {f"case{case.pk}-result": "upheld", f"case{case.pk}-decided_on": "2026-03-16"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.result == "upheld"

    page = client.get(reverse("disclosure:manage_request", args=[req.pk])).content.decode()
    for text in (
        "发出补正通知",
        "收到补正材料",
        "开始征求意见",
        "结束征求意见",
        "延长答复期限",
        "（二）部分公开",
        "示复〔2026〕3号",
    ):
        assert text in page


def test_fee_notice_and_payment_forms(
    client: Client, officer: Any, register: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    req = register(D(2026, 3, 2))
    login(client, officer)
    r = act(client, req, "fee_notice", {"standard": "by_volume", "pages": "10", "on": "2026-03-02"})
    assert r.status_code == 400 and "不收费" in r.content.decode()
    r = act(client, req, "fee_notice", {"standard": "by_volume", "pages": "40", "on": "2026-03-02"})
    assert r.status_code == 302, r.content.decode()
    req.refresh_from_db()
    assert req.status == "awaiting_fee"
    r = act(client, req, "payment", {"amount": "99", "on": "2026-03-02"})
    assert r.status_code == 400
    r = act(client, req, "payment", {"amount": "100.00", "on": "2026-03-02"})
    assert r.status_code == 302, r.content.decode()
    req.refresh_from_db()
    assert req.status == "processing"


def test_reply_before_confirmation_is_refused_with_reason(client: Client, officer: Any) -> None:
    req = _submit().request
    r = act(login(client, officer), req, "reply", {"outcome": "3.1", "legal_basis": "第三十六条"})
    assert r.status_code == 409
    assert "尚未登记受理" in r.content.decode()
    assert Reply.objects.count() == 0


def test_unknown_action_is_404(client: Client, officer: Any, register: Callable[..., Any]) -> None:
    req = register(D(2026, 3, 2))
    assert (
        login(client, officer).post(reverse("disclosure:manage_act", args=[req.pk, "explode"])).status_code
        == 404
    )


def test_pii_masked_until_the_audited_button(
    client: Client, officer: Any, register: Callable[..., Any]
) -> None:
    req = register(D(2026, 3, 2))
    login(client, officer)
    page = client.get(reverse("disclosure:manage_request", args=[req.pk])).content.decode()
    assert ID_NUMBER not in page and PHONE not in page
    assert req.id_number_masked in page and "查看完整信息" in page
    response = client.post(reverse("disclosure:manage_pii", args=[req.pk]), {"pii-purpose": "电话告知"})
    assert response.status_code == 200
    html = response.content.decode()
    assert ID_NUMBER in html and PHONE in html
    assert response["Cache-Control"] == "private, no-store"
    event = Event.objects.filter(action="disclosure.pii_view").get()
    assert ID_NUMBER not in str(event.data)
    assert ID_NUMBER not in client.get(reverse("disclosure:manage_request", args=[req.pk])).content.decode()


def test_staff_letter_downloads(client: Client, officer: Any, register: Callable[..., Any]) -> None:
    req = register(D(2026, 3, 2))
    login(client, officer)
    assert client.get(reverse("disclosure:manage_letter", args=[req.pk, "pdf"])).status_code == 404
    services.disclosure_reply(
        actor=officer, request=req, outcome="3.4.1", legal_basis="第三十六条第（四）项", clock=at(2026, 3, 2)
    )
    docx = client.get(reverse("disclosure:manage_letter", args=[req.pk, "docx"]))
    assert docx.status_code == 200
    assert "attachment" in docx["Content-Disposition"]
    assert docx.content[:2] == b"PK"
    assert client.get(reverse("disclosure:manage_letter", args=[req.pk, "exe"])).status_code == 404
