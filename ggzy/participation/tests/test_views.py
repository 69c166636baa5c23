"""The pages through Django's test client: public forms (anti-spam, rate limit, clear refusals,
no personal data in public HTML), tracking, staff pages and their gate."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ggzy.core.clock import FixedClock
from ggzy.participation import services
from ggzy.participation.models import Comment, Consultation, Question
from ggzy.participation.tests.conftest import publish_rest
from ggzy.participation.views import common

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _view_clock(clock: FixedClock, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    monkeypatch.setattr(common, "clock", clock)
    settings.GGZY_PARTICIPATION_MIN_FORM_SECONDS = 0
    cache.clear()


def _token(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    match = re.search(r'name="started" value="([^"]+)"', html)
    assert match, "form token missing"
    return match.group(1)


def _comment(client: Client, consultation: Consultation, **data: str) -> Any:
    url = reverse("participation:consultation", args=[consultation.pk])
    payload = {
        "text": "建议延长预约时段",
        "display_name": "王先生",
        "contact": PHONE,
        "started": _token(client, url),
    }
    payload.update(data)
    return client.post(reverse("participation:comment", args=[consultation.pk]), payload)


def test_comment_round_trip_and_no_personal_data_in_public_html(
    client: Client, open_consultation: Consultation, staff: dict[str, Any], clock: FixedClock
) -> None:
    response = _comment(client, open_consultation)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "您的意见已提交" in page
    assert "建议延长预约时段" not in page  # pending: not shown
    comment = Comment.objects.get()
    services.comment_moderate(actor=staff["first_reviewer"], comment=comment, decision="approve", clock=clock)
    page = Client().get(reverse("participation:consultation", args=[open_consultation.pk])).content.decode()
    assert "建议延长预约时段" in page and "王先生" in page
    for secret in (PHONE, "138****5678", comment.contact_encrypted):
        assert secret not in page


def test_honeypot_and_missing_token_are_refused(client: Client, open_consultation: Consultation) -> None:
    response = _comment(client, open_consultation, website="http://spam.example")
    assert response.status_code == 400 and "请不要填写“网址”" in response.content.decode()
    response = client.post(
        reverse("participation:comment", args=[open_consultation.pk]), {"text": "意见", "started": "forged"}
    )
    assert response.status_code == 400 and "页面已过期" in response.content.decode()
    assert Comment.objects.count() == 0


def test_too_fast_is_refused(client: Client, open_consultation: Consultation, settings: Any) -> None:
    settings.GGZY_PARTICIPATION_MIN_FORM_SECONDS = 3
    response = _comment(client, open_consultation)
    assert response.status_code == 400 and "提交过快" in response.content.decode()
    assert Comment.objects.count() == 0


def test_oversized_and_empty_comments_get_chinese_messages(
    client: Client, open_consultation: Consultation
) -> None:
    response = _comment(client, open_consultation, text="")
    assert response.status_code == 400 and "意见未提交" in response.content.decode()
    response = _comment(client, open_consultation, text="长" * 2500)
    assert response.status_code == 400
    response = _comment(client, open_consultation, contact="no-contact")
    assert response.status_code == 400 and "联系方式请填写" in response.content.decode()
    assert Comment.objects.count() == 0


def test_closed_consultation_shows_no_form_and_refuses_posts(
    client: Client, open_consultation: Consultation, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = reverse("participation:consultation", args=[open_consultation.pk])
    token = _token(client, url)
    monkeypatch.setattr(common, "clock", FixedClock(at=open_consultation.closes_at + dt.timedelta(minutes=1)))
    page = client.get(url).content.decode()
    assert 'id="comment-form"' not in page and "不再接收意见" in page
    response = client.post(
        reverse("participation:comment", args=[open_consultation.pk]),
        {"text": "晚到的意见", "started": token},
    )
    assert response.status_code == 409
    assert "已于 2026-06-11 10:00 截止" in response.content.decode()
    assert Comment.objects.count() == 0


def test_comment_rate_limit(client: Client, open_consultation: Consultation, settings: Any) -> None:
    settings.GGZY_PARTICIPATION_COMMENTS_PER_HOUR = 2
    assert _comment(client, open_consultation).status_code == 302
    assert _comment(client, open_consultation).status_code == 302
    response = _comment(client, open_consultation)
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()
    assert response["Retry-After"]
    assert Comment.objects.count() == 2


@pytest.mark.parametrize(
    "path", ["/interaction/consultations/99999999999999999999999/", "/interaction/consultations/4242/"]
)
def test_unknown_consultation_pages_are_404(client: Client, path: str) -> None:
    assert client.get(path).status_code == 404
    assert client.post(path + "comment/", {"text": "x"}).status_code in (400, 404)


def test_ask_track_and_wrong_code(client: Client, staff: dict[str, Any], clock: FixedClock) -> None:
    url = reverse("participation:ask")
    response = client.post(
        url,
        {
            "asker_name": "赵女士",
            "contact": "zhao@example.com",
            "subject": "如何办理CA证书",
            "text": "新注册企业如何办理CA数字证书？",
            "publish_consent": "on",
            "started": _token(client, url),
        },
    )
    assert response.status_code == 200
    code = re.search(r'id="tracking-code">([^<]+)<', response.content.decode()).group(1)  # type: ignore[union-attr]
    question = Question.objects.get()
    assert code not in question.tracking_digest
    services.question_answer(
        actor=staff["editor"], question=question, answer="请到服务大厅窗口办理。", clock=clock
    )
    page = client.post(reverse("participation:track"), {"code": code}).content.decode()
    assert "请到服务大厅窗口办理。" in page and "已答复" in page
    response = client.post(reverse("participation:track"), {"code": "ZZZZ-ZZZZ-ZZZZ"})
    assert response.status_code == 404 and "查询码不正确" in response.content.decode()


def test_track_failures_are_limited(client: Client, settings: Any) -> None:
    settings.GGZY_PARTICIPATION_TRACK_FAILURES_PER_10_MIN = 2
    for _ in range(2):
        assert client.post(reverse("participation:track"), {"code": "WRONG"}).status_code == 404
    response = client.post(reverse("participation:track"), {"code": "WRONG"})
    assert response.status_code == 429 and "查询失败次数过多" in response.content.decode()


def test_published_qa_page_has_no_personal_data(
    client: Client, staff: dict[str, Any], clock: FixedClock
) -> None:
    asked = services.question_submit(
        asker_name="钱先生",
        contact=PHONE,
        subject="开标时间",
        text="开标几点开始？",
        publish_consent=True,
        clock=clock,
    )
    services.question_answer(
        actor=staff["editor"], question=asked.question, answer="按公告时间。", clock=clock
    )
    article = services.question_publish(actor=staff["editor"], question=asked.question, clock=clock)
    publish_rest(staff, article, clock)
    for url in (reverse("participation:qa"), article.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "开标几点开始" in page
        for secret in ("钱先生", PHONE, "138****5678", asked.tracking_code):
            assert secret not in page


def test_staff_pages_gate_and_render(
    client: Client, staff: dict[str, Any], open_consultation: Consultation, clock: FixedClock, make_user: Any
) -> None:
    home = reverse("participation:manage_home")
    assert client.get(home).status_code == 302  # login first
    client.force_login(make_user("disclosure_officer"))
    assert client.get(home).status_code == 403
    client.force_login(staff["first_reviewer"])
    services.comment_submit(consultation_id=open_consultation.pk, text="待审意见", contact=PHONE, clock=clock)
    for name in (
        "manage_home",
        "manage_consultations",
        "manage_comments",
        "manage_questions",
        "manage_interpretations",
    ):
        response = client.get(reverse(f"participation:{name}"))
        assert response.status_code == 200, name
    page = client.get(reverse("participation:manage_comments")).content.decode()
    assert "待审意见" in page and "138****5678" in page and PHONE not in page
    comment = Comment.objects.get()
    response = client.post(
        reverse("participation:manage_comment_moderate", args=[comment.pk]),
        {"decision": "approve", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("participation:manage_comments")
    assert Comment.objects.get().status == "approved"
    response = client.post(reverse("participation:manage_comment_contact", args=[comment.pk]))
    assert PHONE in response.content.decode()
    assert client.get(reverse("participation:manage_consultation", args=[424242])).status_code == 404
    assert (
        client.post(
            reverse("participation:manage_comment_moderate", args=[424242]), {"decision": "approve"}
        ).status_code
        == 404
    )


def test_staff_create_consultation_with_bad_period_shows_the_reason(
    client: Client, staff: dict[str, Any]
) -> None:
    client.force_login(staff["editor"])
    response = client.post(
        reverse("participation:manage_consultations"),
        {
            "form": "new",
            "new-title": "征集",
            "new-body_html": "<p>x</p>",
            "new-opens_at": "2026-06-05T09:00",
            "new-closes_at": "2026-06-04T09:00",
            "new-submit": "on",
        },
    )
    assert response.status_code == 400
    assert "征集截止时间必须晚于开始时间" in response.content.decode()
    assert Consultation.objects.count() == 0


def test_staff_interpretation_of_unpublished_document_is_refused_on_the_page(
    client: Client, staff: dict[str, Any]
) -> None:
    client.force_login(staff["editor"])
    response = client.post(
        reverse("participation:manage_interpretations"),
        {"form": "new", "new-explains": "abc", "new-title": "解读", "new-body_html": "<p>x</p>"},
    )
    assert response.status_code == 400 and "所解读的文件编号无效" in response.content.decode()
    response = client.post(
        reverse("participation:manage_interpretations"),
        {"form": "new", "new-explains": "77777", "new-title": "解读", "new-body_html": "<p>x</p>"},
    )
    assert response.status_code == 400 and "所解读的文件不存在" in response.content.decode()


def test_question_page_actions(client: Client, staff: dict[str, Any], clock: FixedClock) -> None:
    q = services.question_submit(asker_name="孙", subject="主题", text="内容", clock=clock).question
    client.force_login(staff["first_reviewer"])
    url = reverse("participation:manage_question_act", args=[q.pk, "answer"])
    response = client.post(url, {"answer-answer": ""})
    assert response.status_code == 400
    response = client.post(url, {"answer-answer": "答复内容"})
    assert response.status_code == 302
    assert Question.objects.get().status == "answered"
    assert (
        client.post(reverse("participation:manage_question_act", args=[q.pk, "explode"])).status_code == 404
    )
    # Without consent the editor's publish is refused with the reason.
    client.force_login(staff["editor"])
    response = client.post(
        reverse("participation:manage_question_act", args=[q.pk, "publish"]),
        {"publish-title": "标题", "publish-public_question": "内容"},
    )
    assert response.status_code == 409 and "未同意公开" in response.content.decode()


def test_gk_interpretations_column_lists_published_interpretations(
    client: Client, staff: dict[str, Any], document: Any, clock: FixedClock
) -> None:
    link = services.interpretation_create(
        actor=staff["editor"],
        explains_id=document.pk,
        title="目录管理办法政策解读",
        body_html="<p>解读正文</p>",
        clock=clock,
    )
    publish_rest(staff, link.article, clock)
    page = client.get(reverse("portal:gk_interpretations")).content.decode()
    assert "目录管理办法政策解读" in page and document.get_absolute_url() in page
    page = client.get(reverse("participation:interpretation", args=[link.pk])).content.decode()
    assert document.get_absolute_url() in page and "解读正文" in page


def test_article_links_tag_renders_both_directions(
    staff: dict[str, Any], document: Any, clock: FixedClock
) -> None:
    from django.template import Context, Template

    link = services.interpretation_create(
        actor=staff["editor"], explains_id=document.pk, title="办法解读", body_html="<p>x</p>", clock=clock
    )
    publish_rest(staff, link.article, clock)
    tpl = Template("{% load participation_tags %}{% participation_links item %}")
    html = tpl.render(Context({"item": document}))
    assert reverse("participation:interpretation", args=[link.pk]) in html
    html = tpl.render(Context({"item": link.article}))
    assert document.get_absolute_url() in html


def test_admin_is_read_only_and_shows_no_contact(
    client: Client, make_user: Any, open_consultation: Consultation, clock: FixedClock
) -> None:
    from ggzy.accounts import services as accounts

    services.comment_submit(consultation_id=open_consultation.pk, text="意见", contact=PHONE, clock=clock)
    admin_user = accounts.user_create(
        actor=None, username="pc-admin", password="pw-1234567890", organisation=None, is_superuser=True
    )
    client.force_login(admin_user)
    for model in ("consultation", "comment", "question", "interpretation"):
        response = client.get(f"/admin/participation/{model}/")
        assert response.status_code == 200, model
        assert PHONE not in response.content.decode()
    comment = Comment.objects.get()
    page = client.get(f"/admin/participation/comment/{comment.pk}/change/").content.decode()
    assert PHONE not in page and comment.contact_encrypted not in page
    assert client.get("/admin/participation/comment/add/").status_code == 403
