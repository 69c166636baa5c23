"""Services on the real database: the happy paths and every bad input we handle (nothing is
stored on refusal), personal data encrypted at rest and never in the audit log in clear."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ggzy.participation import pii, selectors, services
from ggzy.participation.models import Comment, Consultation, Interpretation, Question
from ggzy.participation.tests.conftest import NOW, publish_rest
from ggzy.publishing import services as publishing
from ggzy.publishing.models import Article, Category

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
EMAIL = "citizen.zhang@example.com"


def _events_text() -> str:
    return json.dumps(list(Event.objects.values("action", "data")), ensure_ascii=False)


# ---------------------------------------------------------------- consultations


def test_consultation_is_an_article_in_review_and_takes_comments_only_once_published(
    staff: dict[str, Any], clock: FixedClock
) -> None:
    consultation = services.consultation_create(
        actor=staff["editor"],
        title="征集意见：保证金退还流程",
        body_html="<p>正文</p><script>alert(1)</script>",
        opens_at=NOW - dt.timedelta(hours=1),
        closes_at=NOW + dt.timedelta(days=5),
        clock=clock,
    )
    article = consultation.article
    assert article.category.code == "consultation"
    assert article.status == "in_review"
    assert "<script" not in article.body_html  # the publishing sanitiser ran
    with pytest.raises(InvalidTransition, match="尚未发布"):
        services.comment_submit(consultation_id=consultation.pk, text="意见", clock=clock)
    publish_rest(staff, article, clock)
    comment = services.comment_submit(consultation_id=consultation.pk, text="建议缩短退还时间", clock=clock)
    assert comment.status == "pending"


def test_comment_outside_the_period_is_refused_with_the_dates(
    open_consultation: Consultation, clock: FixedClock
) -> None:
    early = FixedClock(at=open_consultation.opens_at - dt.timedelta(minutes=1))
    with pytest.raises(InvalidTransition, match="征集尚未开始") as exc:
        services.comment_submit(consultation_id=open_consultation.pk, text="太早了", clock=early)
    assert exc.value.code == "consultation_closed"
    late = FixedClock(at=open_consultation.closes_at)
    with pytest.raises(InvalidTransition, match="已于 2026-06-11 10:00 截止"):
        services.comment_submit(consultation_id=open_consultation.pk, text="太晚了", clock=late)
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": ""}, "请填写意见内容"),
        ({"text": "   "}, "请填写意见内容"),
        ({"text": "长" * 2001}, "意见内容不能超过2000个字"),
        ({"text": "好", "display_name": "名" * 41}, "署名不能超过40个字"),
        ({"text": "好", "contact": "not a phone"}, "联系方式请填写"),
        ({"text": "好", "contact": "x" * 101}, "联系方式不能超过100个字"),
        ({"text": 12345}, "意见内容格式不正确"),
        ({"text": "a\x00b"}, "含有无效字符"),
    ],
)
def test_bad_comment_input_is_refused_and_nothing_stored(
    open_consultation: Consultation, clock: FixedClock, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        services.comment_submit(consultation_id=open_consultation.pk, clock=clock, **kwargs)
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("garbage", ["abc", "", "-1", "0", None, "1e3", "9" * 30, 3.5, True, "٣"])
def test_garbage_consultation_id_is_refused(garbage: object, clock: FixedClock) -> None:
    with pytest.raises(ValidationFailed, match="征集编号无效"):
        services.comment_submit(consultation_id=garbage, text="意见", clock=clock)


def test_unknown_consultation_is_not_found(clock: FixedClock) -> None:
    with pytest.raises(NotFound):
        services.comment_submit(consultation_id=999999, text="意见", clock=clock)


def test_contact_is_encrypted_at_rest_and_kept_out_of_the_audit_log(
    open_consultation: Consultation, clock: FixedClock, staff: dict[str, Any]
) -> None:
    comment = services.comment_submit(
        consultation_id=open_consultation.pk,
        text="希望增加夜间开标",
        display_name="张先生",
        contact=PHONE,
        clock=clock,
    )
    row = Comment.objects.get(pk=comment.pk)
    assert row.contact_encrypted.startswith("gf1.")
    assert PHONE not in row.contact_encrypted
    assert row.contact_masked == "139****5678"
    assert pii.decrypt("comment", row.contact_encrypted) == PHONE
    # A token moved to another column does not decrypt.
    with pytest.raises(Exception):  # noqa: B017 - any decryption failure
        pii.decrypt("question", row.contact_encrypted)
    events = _events_text()
    assert "participation.comment_submit" in events
    for secret in (PHONE, "张先生", "夜间开标"):
        assert secret not in events
    # Staff read it in full only through the audited view.
    assert services.participation_contact_view(actor=staff["first_reviewer"], item=row, clock=clock) == PHONE
    assert Event.objects.filter(action="participation.contact_view").count() == 1
    assert PHONE not in _events_text()


def test_moderation_approve_reject_hide(
    open_consultation: Consultation, clock: FixedClock, staff: dict[str, Any]
) -> None:
    a = services.comment_submit(consultation_id=open_consultation.pk, text="意见甲", clock=clock)
    b = services.comment_submit(consultation_id=open_consultation.pk, text="广告内容", clock=clock)
    services.comment_moderate(actor=staff["first_reviewer"], comment=a, decision="approve", clock=clock)
    with pytest.raises(ValidationFailed, match="请填写说明"):
        services.comment_moderate(actor=staff["first_reviewer"], comment=b, decision="reject", clock=clock)
    services.comment_moderate(
        actor=staff["reviewer"], comment=b, decision="reject", reason="与征集事项无关的广告", clock=clock
    )
    assert [c.text for c in selectors.comments_public(consultation=open_consultation)] == ["意见甲"]
    with pytest.raises(InvalidTransition, match="已采纳展示"):
        services.comment_moderate(actor=staff["first_reviewer"], comment=a, decision="approve", clock=clock)
    with pytest.raises(ValidationFailed, match="审核结论无效"):
        services.comment_moderate(actor=staff["first_reviewer"], comment=a, decision="delete", clock=clock)
    services.comment_moderate(actor=staff["editor"], comment=a, decision="hide", reason="误审", clock=clock)
    assert selectors.comments_public(consultation=open_consultation) == []
    assert Comment.objects.get(pk=a.pk).moderated_by == staff["editor"]


def test_only_moderators_moderate(
    open_consultation: Consultation, clock: FixedClock, staff: dict[str, Any], make_user: Any, make_org: Any
) -> None:
    comment = services.comment_submit(consultation_id=open_consultation.pk, text="意见", clock=clock)
    agency_user = make_user("agency_publisher", org=make_org("agency"))
    for actor in (staff["signer"], staff["system_admin"], agency_user, None):
        with pytest.raises(PermissionDenied):
            services.comment_moderate(actor=actor, comment=comment, decision="approve", clock=clock)
    assert Comment.objects.get(pk=comment.pk).status == "pending"


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [
        (NOW + dt.timedelta(days=2), NOW + dt.timedelta(days=1), "必须晚于开始时间"),
        (NOW - dt.timedelta(days=5), NOW - dt.timedelta(days=1), "截止时间已过"),
        (NOW, NOW + dt.timedelta(days=400), "不能超过一年"),
        (None, NOW + dt.timedelta(days=1), "请填写征集开始时间"),
        (NOW.replace(tzinfo=None), NOW + dt.timedelta(days=1), "请填写征集开始时间"),  # naive
    ],
)
def test_bad_period_is_refused_and_nothing_stored(
    staff: dict[str, Any], clock: FixedClock, opens: Any, closes: Any, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        services.consultation_create(
            actor=staff["editor"],
            title="征集",
            body_html="<p>x</p>",
            opens_at=opens,
            closes_at=closes,
            clock=clock,
        )
    assert Consultation.objects.count() == 0
    assert Article.objects.count() == 0


def test_period_can_be_extended_and_the_change_is_audited(
    open_consultation: Consultation, clock: FixedClock, staff: dict[str, Any]
) -> None:
    later = FixedClock(at=open_consultation.closes_at + dt.timedelta(hours=1))
    services.consultation_period_set(
        actor=staff["editor"],
        consultation=open_consultation,
        opens_at=open_consultation.opens_at,
        closes_at=open_consultation.closes_at + dt.timedelta(days=3),
        clock=later,
    )
    assert services.comment_submit(consultation_id=open_consultation.pk, text="延期后的意见", clock=later)
    event = Event.objects.filter(action="participation.consultation_period_set").get()
    assert event.data["before"]["closes_at"] != event.data["after"]["closes_at"]
    with pytest.raises(PermissionDenied):
        services.consultation_period_set(
            actor=staff["first_reviewer"],
            consultation=open_consultation,
            opens_at=open_consultation.opens_at,
            closes_at=open_consultation.closes_at,
            clock=clock,
        )


def test_consultation_open_on_an_existing_draft(staff: dict[str, Any], clock: FixedClock) -> None:
    article = publishing.article_create(
        actor=staff["editor"], category=Category.objects.get(code="consultation"), title="征集：服务评价"
    )
    news = publishing.article_create(
        actor=staff["editor"], category=Category.objects.get(code="news"), title="要闻"
    )
    period = {"opens_at": NOW, "closes_at": NOW + dt.timedelta(days=3)}
    with pytest.raises(ValidationFailed, match="只能对“调查征集”栏目"):
        services.consultation_open(actor=staff["editor"], article_id=news.pk, clock=clock, **period)
    with pytest.raises(ValidationFailed, match="征集文件不存在"):
        services.consultation_open(actor=staff["editor"], article_id=987654, clock=clock, **period)
    with pytest.raises(ValidationFailed, match="编号无效"):
        services.consultation_open(actor=staff["editor"], article_id="x", clock=clock, **period)
    consultation = services.consultation_open(
        actor=staff["editor"], article_id=article.pk, clock=clock, **period
    )
    assert consultation.article == article
    with pytest.raises(InvalidTransition, match="已开放意见征集"):
        services.consultation_open(actor=staff["editor"], article_id=article.pk, clock=clock, **period)
    assert Consultation.objects.count() == 1


def test_discarding_a_draft_consultation_removes_its_period(staff: dict[str, Any], clock: FixedClock) -> None:
    consultation = services.consultation_create(
        actor=staff["editor"],
        title="草稿征集",
        body_html="<p>x</p>",
        opens_at=NOW,
        closes_at=NOW + dt.timedelta(days=1),
        submit=False,
        clock=clock,
    )
    publishing.release_discard(actor=staff["editor"], item=consultation.article)
    assert Consultation.objects.count() == 0


def test_a_withdrawn_consultation_takes_no_comments(
    open_consultation: Consultation, clock: FixedClock, staff: dict[str, Any]
) -> None:
    publishing.release_withdraw(
        actor=staff["signer"], item=open_consultation.article, reason="方案调整", clock=clock
    )
    with pytest.raises(InvalidTransition, match="已撤回"):
        services.comment_submit(consultation_id=open_consultation.pk, text="意见", clock=clock)
    with pytest.raises(NotFound):
        selectors.consultation_get_public(pk=open_consultation.pk, now=clock.now())


def test_a_corrected_consultation_keeps_its_comments_and_shows_the_new_version(
    open_consultation: Consultation, clock: FixedClock, staff: dict[str, Any], publish: Any
) -> None:
    services.comment_submit(consultation_id=open_consultation.pk, text="更正前的意见", clock=clock)
    new = publishing.release_correction_start(
        actor=staff["editor"], item=open_consultation.article, correction_note="补充预约规则"
    )
    publishing.article_update(
        actor=staff["editor"],
        article=new,
        category=new.category,
        title="关于优化开标大厅预约服务的意见征集（更正）",
        body_html="<p>新</p>",
    )
    publish(new, clock)
    view = selectors.consultation_get_public(pk=open_consultation.pk, now=clock.now())
    assert view.article.pk == new.pk and view.is_open
    assert services.comment_submit(consultation_id=open_consultation.pk, text="更正后的意见", clock=clock)
    assert open_consultation.comments.count() == 2


# ---------------------------------------------------------------- questions


def _ask(clock: FixedClock, **overrides: Any) -> services.Asked:
    data: dict[str, Any] = {
        "asker_name": "李女士",
        "contact": EMAIL,
        "subject": "投标保证金何时退还",
        "text": "我司参加了某项目投标，未中标，保证金何时退还？我的电话13912345678。",
        "publish_consent": True,
    }
    data.update(overrides)
    return services.question_submit(clock=clock, **data)


def test_question_answer_track_and_publish_through_the_review_chain(
    clock: FixedClock, staff: dict[str, Any]
) -> None:
    asked = _ask(clock)
    question = asked.question
    assert question.number.startswith("LY2026-")
    assert question.contact_encrypted.startswith("gf1.") and EMAIL not in question.contact_encrypted
    assert (
        question.tracking_digest != asked.tracking_code
        and asked.tracking_code not in question.tracking_digest
    )

    view = selectors.question_track(code=asked.tracking_code.lower().replace("-", " "))
    assert view.status == "received" and view.answer == ""

    services.question_answer(
        actor=staff["first_reviewer"], question=question, answer="中标通知书发出后5日内退还。", clock=clock
    )
    assert selectors.question_track(code=asked.tracking_code).answer == "中标通知书发出后5日内退还。"

    # The asker's phone is in the text: publishing it as is is refused.
    with pytest.raises(ValidationFailed, match="含有留言人"):
        services.question_publish(
            actor=staff["editor"], question=question, clock=clock, public_question=f"电话{EMAIL}"
        )
    article = services.question_publish(
        actor=staff["editor"],
        question=question,
        public_question="我司参加了某项目投标，未中标，保证金何时退还？",
        clock=clock,
    )
    assert article.category.code == "qa" and article.status == "in_review"
    assert "李女士" not in article.body_html and EMAIL not in article.body_html
    assert selectors.qa_list_public() == []  # not public before the last review step
    with pytest.raises(InvalidTransition, match="已进入公开发布流程"):
        services.question_answer(actor=staff["first_reviewer"], question=question, answer="改", clock=clock)
    with pytest.raises(InvalidTransition, match="已进入公开发布流程"):
        services.question_publish(actor=staff["editor"], question=question, clock=clock)
    publish_rest(staff, article, clock)
    items = selectors.qa_list_public()
    assert [i.title for i in items] == ["关于“投标保证金何时退还”的咨询"]
    assert "5日内退还" in items[0].answer_html
    assert selectors.question_track(code=asked.tracking_code).public_url == article.get_absolute_url()
    events = _events_text()
    for secret in (EMAIL, "李女士", "13912345678", asked.tracking_code):
        assert secret not in events


def test_no_publication_without_consent_or_answer(clock: FixedClock, staff: dict[str, Any]) -> None:
    private = _ask(clock, publish_consent=False).question
    with pytest.raises(InvalidTransition, match="不能公开答复"):
        services.question_publish(actor=staff["editor"], question=private, clock=clock)
    services.question_answer(actor=staff["editor"], question=private, answer="答复", clock=clock)
    with pytest.raises(InvalidTransition, match="未同意公开"):
        services.question_publish(actor=staff["editor"], question=private, clock=clock)
    with pytest.raises(PermissionDenied):
        services.question_publish(actor=staff["first_reviewer"], question=private, clock=clock)
    assert Article.objects.filter(category__code="qa").count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"asker_name": ""}, "请填写姓名"),
        ({"subject": ""}, "请填写主题"),
        ({"text": ""}, "请填写留言内容"),
        ({"text": "问" * 3001}, "留言内容不能超过3000个字"),
        ({"subject": "题" * 101}, "主题不能超过100个字"),
        ({"contact": "call me maybe"}, "联系方式请填写"),
    ],
)
def test_bad_question_input_is_refused_and_nothing_stored(
    clock: FixedClock, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        _ask(clock, **overrides)
    assert Question.objects.count() == 0


def test_close_and_bad_answers(clock: FixedClock, staff: dict[str, Any]) -> None:
    question = _ask(clock).question
    with pytest.raises(ValidationFailed, match="请填写答复内容"):
        services.question_answer(actor=staff["editor"], question=question, answer=" ", clock=clock)
    with pytest.raises(ValidationFailed, match="答复内容不能超过5000个字"):
        services.question_answer(actor=staff["editor"], question=question, answer="答" * 5001, clock=clock)
    with pytest.raises(ValidationFailed, match="请填写说明"):
        services.question_close(actor=staff["editor"], question=question, reason="", clock=clock)
    services.question_close(actor=staff["editor"], question=question, reason="广告信息", clock=clock)
    with pytest.raises(InvalidTransition, match="不予答复"):
        services.question_answer(actor=staff["editor"], question=question, answer="答复", clock=clock)
    assert Question.objects.get(pk=question.pk).answer == ""


def test_wrong_tracking_code_is_not_found(clock: FixedClock) -> None:
    _ask(clock)
    for code in ("", "AAAA-BBBB-CCCC", "💥" * 5, "x" * 40):
        with pytest.raises(NotFound, match="查询码不正确"):
            selectors.question_track(code=code)


def test_discarded_qa_draft_frees_the_question(clock: FixedClock, staff: dict[str, Any]) -> None:
    question = _ask(clock).question
    services.question_answer(actor=staff["editor"], question=question, answer="答复", clock=clock)
    article = services.question_publish(
        actor=staff["editor"], question=question, public_question="问题", clock=clock
    )
    publishing.release_return(actor=staff["first_reviewer"], item=article, comment="标题不准确", clock=clock)
    publishing.release_discard(actor=staff["editor"], item=Article.objects.get(pk=article.pk))
    question.refresh_from_db()
    assert question.article is None
    services.question_publish(actor=staff["editor"], question=question, public_question="问题", clock=clock)


# ---------------------------------------------------------------- interpretations


def test_interpretation_links_a_published_document(
    document: Article, clock: FixedClock, staff: dict[str, Any]
) -> None:
    link = services.interpretation_create(
        actor=staff["editor"],
        explains_id=str(document.pk),
        title="《示范市公共资源交易目录管理办法》解读",
        body_html="<p>一、制定背景</p>",
        clock=clock,
    )
    assert link.explains == document and link.article.category.code == "interpretation"
    # Not public until the interpretation passes review.
    assert selectors.interpretation_list_public() == []
    assert selectors.article_participation(article=document).interpretations == []
    publish_rest(staff, link.article, clock)
    [item] = selectors.interpretation_list_public()
    assert item.explains_url == document.get_absolute_url()
    links = selectors.article_participation(article=document)
    assert [i.pk for i in links.interpretations] == [link.pk]
    back = selectors.article_participation(article=Article.objects.get(pk=link.article.pk))
    assert back.explains is not None and back.explains.explains_url == document.get_absolute_url()


@pytest.mark.parametrize("garbage", ["", "abc", "-5", "0", None, "1; DROP TABLE", 10**30])
def test_interpretation_of_garbage_is_refused_and_nothing_stored(
    garbage: object, clock: FixedClock, staff: dict[str, Any]
) -> None:
    with pytest.raises(ValidationFailed, match="所解读的文件编号无效"):
        services.interpretation_create(
            actor=staff["editor"], explains_id=garbage, title="解读", body_html="<p>x</p>", clock=clock
        )
    assert Interpretation.objects.count() == 0 and Article.objects.count() == 0


def test_interpretation_of_a_missing_or_unpublished_document_is_refused(
    clock: FixedClock, staff: dict[str, Any]
) -> None:
    draft = publishing.article_create(
        actor=staff["editor"], category=Category.objects.get(code="key_document"), title="未发布的办法"
    )
    with pytest.raises(ValidationFailed, match="所解读的文件不存在"):
        services.interpretation_create(
            actor=staff["editor"],
            explains_id=draft.pk + 1000,
            title="解读",
            body_html="<p>x</p>",
            clock=clock,
        )
    with pytest.raises(ValidationFailed, match="尚未发布（当前状态：草稿）") as exc:
        services.interpretation_create(
            actor=staff["editor"], explains_id=draft.pk, title="解读", body_html="<p>x</p>", clock=clock
        )
    assert exc.value.code == "not_published"
    assert Interpretation.objects.count() == 0
    assert list(Article.objects.values_list("pk", flat=True)) == [draft.pk]


def test_interpretation_link_for_a_drafted_article(
    document: Article, clock: FixedClock, staff: dict[str, Any]
) -> None:
    interp = publishing.article_create(
        actor=staff["editor"], category=Category.objects.get(code="interpretation"), title="解读稿"
    )
    with pytest.raises(ValidationFailed, match="尚未发布"):
        services.interpretation_link(
            actor=staff["editor"], article_id=interp.pk, explains_id=interp.pk, clock=clock
        )
    with pytest.raises(ValidationFailed, match="只有“政策解读”栏目"):
        services.interpretation_link(
            actor=staff["editor"], article_id=document.pk, explains_id=document.pk, clock=clock
        )
    link = services.interpretation_link(
        actor=staff["editor"], article_id=interp.pk, explains_id=document.pk, clock=clock
    )
    assert link.explains == document
    publishing.release_submit(actor=staff["editor"], item=interp, clock=clock)
    publish_rest(staff, Article.objects.get(pk=interp.pk), clock)
    with pytest.raises(InvalidTransition, match="已发布"):
        services.interpretation_link(
            actor=staff["editor"], article_id=interp.pk, explains_id=document.pk, clock=clock
        )
    with pytest.raises(ValidationFailed, match="不能把解读关联到另一篇解读"):
        services.interpretation_create(
            actor=staff["editor"],
            explains_id=interp.pk,
            title="解读的解读",
            body_html="<p>x</p>",
            clock=clock,
        )
    assert Interpretation.objects.count() == 1


def test_categories_ensure_is_idempotent() -> None:
    services.participation_categories_ensure()
    services.participation_categories_ensure()
    assert Category.objects.filter(code__in=["qa", "interpretation"]).count() == 2
    assert Category.objects.get(code="qa").name == "留言咨询"


def test_a_correction_draft_cannot_relink_a_public_interpretation(
    document: Article, clock: FixedClock, staff: dict[str, Any], publish: Any
) -> None:
    link = services.interpretation_create(
        actor=staff["editor"], explains_id=document.pk, title="解读", body_html="<p>x</p>", clock=clock
    )
    publish_rest(staff, link.article, clock)
    other = publishing.article_create(
        actor=staff["editor"], category=Category.objects.get(code="key_document"), title="另一份文件"
    )
    other = publish(other, clock)
    draft = publishing.release_correction_start(
        actor=staff["editor"], item=Article.objects.get(pk=link.article.pk), correction_note="修正错字"
    )
    with pytest.raises(InvalidTransition, match="已有公开版本"):
        services.interpretation_link(
            actor=staff["editor"], article_id=draft.pk, explains_id=other.pk, clock=clock
        )
    assert Interpretation.objects.get().explains == document
