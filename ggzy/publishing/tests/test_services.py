"""The release pipeline on the real database: four review steps, returns, scheduling,
corrections, withdrawal, permissions, uploads — and the audit events each writes."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest

from ggzy.audit.models import Event
from ggzy.audit.selectors import audit_verify
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.publishing import selectors, services
from ggzy.publishing.models import Article, Attachment, Category, Notice, ReviewRecord, StoredFile
from ggzy.search.selectors import search_query

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _article(staff: dict[str, Any], **kw: Any) -> Article:
    defaults: dict[str, Any] = {
        "category": Category.objects.get(code="news"),
        "title": "示范市公共资源交易中心召开工程监理专题会议",
        "body_html": "<p>会议研究了工程监理招标工作。</p>",
    }
    defaults.update(kw)
    return services.article_create(actor=staff["editor"], **defaults)


def test_four_step_review_publishes_and_indexes(staff: dict[str, Any], publish: Any) -> None:
    article = _article(staff)
    assert article.status == "draft"
    article = services.release_submit(actor=staff["editor"], item=article)
    assert (article.status, article.review_position) == ("in_review", 1)
    positions = []
    for role in ("first_reviewer", "reviewer", "second_reviewer"):
        article = services.release_approve(actor=staff[role], item=article, comment="同意")
        positions.append(article.review_position)
    assert positions == [2, 3, 4]
    assert article.status == "in_review"
    assert not search_query(q="监理").hits  # not public yet
    article = services.release_approve(actor=staff["signer"], item=article)
    assert article.status == "published"
    assert article.published_at is not None
    hits = search_query(q="监理").hits
    assert [h.object_id for h in hits] == [article.pk]
    decisions = list(ReviewRecord.objects.filter(object_id=article.pk).values_list("decision", "step_code"))
    assert decisions == [
        ("submit", ""),
        ("approve", "first_review"),
        ("approve", "review"),
        ("approve", "second_review"),
        ("approve", "sign_off"),
    ]
    actions = list(
        Event.objects.filter(target_id=str(article.pk), target_type="publishing.article").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "article.create",
        "article.submit",
        "article.approve",
        "article.approve",
        "article.approve",
        "article.publish",
    ]
    assert audit_verify().ok


def test_wrong_role_cannot_approve_and_nothing_changes(staff: dict[str, Any]) -> None:
    article = services.release_submit(actor=staff["editor"], item=_article(staff))
    events_before = Event.objects.count()
    with pytest.raises(PermissionDenied, match="初审"):
        services.release_approve(actor=staff["signer"], item=article)
    article.refresh_from_db()
    assert (article.status, article.review_position) == ("in_review", 1)
    assert Event.objects.count() == events_before


def test_author_cannot_review_own_item(staff: dict[str, Any], make_user: Any) -> None:
    # An editor who also holds the first-review role still may not review their own draft.
    from ggzy.accounts.services import role_grant

    role_grant(actor=None, user=staff["editor"], role="first_reviewer")
    article = services.release_submit(actor=staff["editor"], item=_article(staff))
    with pytest.raises(PermissionDenied, match="自己"):
        services.release_approve(actor=staff["editor"], item=article)


def test_one_person_one_step(staff: dict[str, Any]) -> None:
    from ggzy.accounts.services import role_grant

    role_grant(actor=None, user=staff["first_reviewer"], role="reviewer")
    article = services.release_submit(actor=staff["editor"], item=_article(staff))
    article = services.release_approve(actor=staff["first_reviewer"], item=article)
    with pytest.raises(PermissionDenied, match="多个环节"):
        services.release_approve(actor=staff["first_reviewer"], item=article)


def test_return_needs_comment_and_author_sees_it(staff: dict[str, Any]) -> None:
    article = services.release_submit(actor=staff["editor"], item=_article(staff))
    article = services.release_approve(actor=staff["first_reviewer"], item=article)
    with pytest.raises(ValidationFailed, match="退回意见"):
        services.release_return(actor=staff["reviewer"], item=article, comment="  ")
    article = services.release_return(actor=staff["reviewer"], item=article, comment="标题请写明会议日期")
    assert article.status == "returned"
    assert selectors.last_return_comment(article) == "标题请写明会议日期"
    # The author fixes it and resubmits; review starts again at 初审.
    article = services.article_update(
        actor=staff["editor"],
        article=article,
        category=article.category,
        title="3月2日工程监理专题会议",
        body_html="<p>x</p>",
    )
    article = services.release_submit(actor=staff["editor"], item=article)
    assert article.review_position == 1


def test_published_content_is_immutable(staff: dict[str, Any], publish: Any) -> None:
    article = publish(_article(staff))
    with pytest.raises(InvalidTransition, match="已发布"):
        services.article_update(
            actor=staff["editor"], article=article, category=article.category, title="改", body_html=""
        )
    with pytest.raises(InvalidTransition):
        services.release_submit(actor=staff["editor"], item=article)


def test_correction_creates_new_version_and_supersedes(staff: dict[str, Any], publish: Any) -> None:
    v1 = publish(_article(staff))
    with pytest.raises(ValidationFailed, match="更正说明"):
        services.release_correction_start(actor=staff["editor"], item=v1, correction_note="")
    v2 = services.release_correction_start(actor=staff["editor"], item=v1, correction_note="更正会议日期")
    assert (v2.version, v2.previous_id, v2.lineage_id, v2.status) == (2, v1.pk, v1.pk, "draft")
    with pytest.raises(InvalidTransition, match="更正版本"):
        services.release_correction_start(actor=staff["editor"], item=v1, correction_note="再次")
    v2 = services.article_update(
        actor=staff["editor"],
        article=v2,
        category=v2.category,
        title="工程监理专题会议（更正）",
        body_html="<p>新</p>",
    )
    v2 = publish(v2)
    v1.refresh_from_db()
    assert (v1.status, v2.status) == ("corrected", "published")
    assert [a.version for a in selectors.version_history(v2)] == [1, 2]
    assert selectors.latest_version(v1).pk == v2.pk  # type: ignore[union-attr]
    assert [h.object_id for h in search_query(q="监理").hits] == [v2.pk]
    # A correction is not a new item in the year's statistics.
    year = v2.published_at.astimezone(dt.UTC).year
    assert selectors.publication_stats(year=year).articles_by_category["news"] == 1


def test_withdraw_needs_signer_and_reason(staff: dict[str, Any], publish: Any) -> None:
    article = publish(_article(staff))
    with pytest.raises(PermissionDenied):
        services.release_withdraw(actor=staff["editor"], item=article, reason="错误")
    with pytest.raises(ValidationFailed, match="原因"):
        services.release_withdraw(actor=staff["signer"], item=article, reason="")
    article = services.release_withdraw(actor=staff["signer"], item=article, reason="信息有误，已重新发布")
    assert article.status == "withdrawn"
    assert search_query(q="监理").total == 0
    assert selectors.article_get_public(pk=article.pk).withdrawal_reason == "信息有误，已重新发布"
    assert not selectors.article_list_public().filter(pk=article.pk).exists()


def test_scheduled_publication(staff: dict[str, Any], publish: Any) -> None:
    clock = FixedClock(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    article = _article(staff, publish_at=dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC))
    article = publish(article, clock=clock)
    assert article.status == "scheduled"
    assert services.release_publish_due(clock=clock) == 0
    clock.advance(days=1)
    assert services.release_publish_due(clock=clock) == 1
    article.refresh_from_db()
    assert article.status == "published"
    assert article.published_at == clock.now()


def test_disguised_executable_is_refused_and_nothing_written(staff: dict[str, Any]) -> None:
    exe = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(ValidationFailed, match="伪装"):
        _article(staff, uploads=[("招标文件.pdf", exe)])
    assert Article.objects.count() == 0
    assert StoredFile.objects.count() == 0


def test_oversized_and_unknown_type_refused(staff: dict[str, Any], settings: Any) -> None:
    settings.GGZY_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationFailed, match="超过上限"):
        _article(staff, uploads=[("a.pdf", io.BytesIO(PDF))])
    settings.GGZY_UPLOAD_MAX_BYTES = 10_000
    with pytest.raises(ValidationFailed, match="类型不允许"):
        _article(staff, uploads=[("a.exe", io.BytesIO(PDF))])
    assert Article.objects.count() == 0


def test_attachments_are_content_addressed(staff: dict[str, Any]) -> None:
    import hashlib

    a = _article(staff, uploads=[("公告.pdf", io.BytesIO(PDF)), ("副本.pdf", io.BytesIO(PDF))])
    files = list(Attachment.objects.filter(article=a).select_related("file"))
    assert len(files) == 2
    assert files[0].file_id == files[1].file_id
    assert files[0].file.sha256 == hashlib.sha256(PDF).hexdigest()
    from django.core.files.storage import default_storage

    with default_storage.open(files[0].file.path) as fh:
        assert fh.read() == PDF


def test_script_is_stripped(staff: dict[str, Any]) -> None:
    a = _article(
        staff, body_html='<p onclick="x()">正文<script>alert(1)</script><a href="javascript:x">链接</a></p>'
    )
    assert "script" not in a.body_html
    assert "onclick" not in a.body_html
    assert "javascript" not in a.body_html
    assert "正文" in a.body_html


def test_only_editors_draft(staff: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        services.article_create(actor=staff["signer"], category=Category.objects.get(code="news"), title="x")


def test_notice_rules(staff: dict[str, Any], publish: Any) -> None:
    base = {"title": "示范市第一中学教学楼施工招标公告", "domain": "construction"}
    with pytest.raises(ValidationFailed) as exc:
        services.notice_create(actor=staff["editor"], kind="tender", budget=Decimal("-1"), **base)
    assert {"bid_deadline", "budget"} <= set(exc.value.fields)
    deadline = dt.datetime(2026, 4, 1, 1, 30, tzinfo=dt.UTC)
    with pytest.raises(ValidationFailed, match="开标时间"):
        services.notice_create(
            actor=staff["editor"],
            kind="tender",
            bid_deadline=deadline,
            opening_at=deadline - dt.timedelta(hours=1),
            **base,
        )
    with pytest.raises(ValidationFailed, match="原公告"):
        services.notice_create(actor=staff["editor"], kind="change", **base)
    tender = services.notice_create(
        actor=staff["editor"],
        kind="tender",
        bid_deadline=deadline,
        opening_at=deadline,
        project_code="SFGC2026-0001",
        **base,
    )
    with pytest.raises(ValidationFailed, match="已发布"):
        services.notice_create(actor=staff["editor"], kind="change", changes=tender, **base)
    tender = publish(tender)
    change = services.notice_create(
        actor=staff["editor"],
        kind="change",
        changes=tender,
        project_code="SFGC2026-0001",
        **{**base, "title": "变更公告"},
    )
    publish(change)
    assert [n.kind for n in selectors.notice_related(tender)] == ["tender", "change"]
    with pytest.raises(ValidationFailed, match="未知字段"):
        services.notice_create(actor=staff["editor"], kind="tender", status="published", **base)
    assert Notice.objects.count() == 2


def test_review_queue_shows_each_reviewer_their_step(staff: dict[str, Any]) -> None:
    article = services.release_submit(actor=staff["editor"], item=_article(staff))
    assert [e.item.pk for e in selectors.review_queue(user=staff["first_reviewer"])] == [article.pk]
    assert selectors.review_queue(user=staff["reviewer"]) == []
    services.release_approve(actor=staff["first_reviewer"], item=article)
    assert selectors.review_queue(user=staff["first_reviewer"]) == []
    assert [e.step_name for e in selectors.review_queue(user=staff["reviewer"])] == ["审核"]


def test_queue_hides_items_the_user_already_approved_this_round(staff: dict[str, Any]) -> None:
    from ggzy.accounts.services import role_grant

    role_grant(actor=None, user=staff["first_reviewer"], role="reviewer")
    article = services.release_submit(actor=staff["editor"], item=_article(staff))
    services.release_approve(actor=staff["first_reviewer"], item=article)
    assert selectors.review_queue(user=staff["first_reviewer"]) == []
    assert [e.item.pk for e in selectors.review_queue(user=staff["reviewer"])] == [article.pk]


def test_correction_of_a_withdrawn_item_still_publishes(staff: dict[str, Any], publish: Any) -> None:
    v1 = publish(_article(staff))
    v2 = services.release_correction_start(actor=staff["editor"], item=v1, correction_note="重新发布")
    services.release_withdraw(actor=staff["signer"], item=v1, reason="内容有误")
    v2 = publish(v2)
    v1.refresh_from_db()
    assert (v1.status, v2.status) == ("withdrawn", "published")


def test_discard_abandoned_correction_allows_a_new_one(staff: dict[str, Any], publish: Any) -> None:
    v1 = publish(_article(staff))
    v2 = services.release_correction_start(actor=staff["editor"], item=v1, correction_note="第一次")
    with pytest.raises(PermissionDenied):
        services.release_discard(actor=staff["signer"], item=v2)
    services.release_discard(actor=staff["editor"], item=v2)
    assert not Article.objects.filter(pk=v2.pk).exists()
    assert Event.objects.filter(action="article.discard", target_id=str(v2.pk)).exists()
    v3 = services.release_correction_start(actor=staff["editor"], item=v1, correction_note="第二次")
    assert v3.version == 2
    with pytest.raises(InvalidTransition):
        services.release_discard(actor=staff["editor"], item=v1)  # published: never deleted
    assert audit_verify().ok


def test_attachment_removal_only_from_drafts(staff: dict[str, Any], publish: Any) -> None:
    article = _article(staff, uploads=[("a.pdf", io.BytesIO(PDF))])
    attachment = Attachment.objects.get(article=article)
    services.attachment_remove(actor=staff["editor"], attachment=attachment)
    assert not Attachment.objects.filter(article=article).exists()
    services.article_update(
        actor=staff["editor"],
        article=article,
        category=article.category,
        title=article.title,
        body_html="",
        uploads=[("b.pdf", io.BytesIO(PDF + b"1"))],
    )
    article = publish(article)
    with pytest.raises(InvalidTransition):
        services.attachment_remove(actor=staff["editor"], attachment=Attachment.objects.get(article=article))
    assert Attachment.objects.filter(article=article).count() == 1
