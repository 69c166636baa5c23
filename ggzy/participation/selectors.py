"""Every read of the participation app: public pages (only approved comments, never personal
data), the staff queues, the tracking view and yearly counts for the annual report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, Q, QuerySet

from ggzy.accounts.models import User
from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import NotFound
from ggzy.participation.choices import ModerationStatus, QuestionStatus
from ggzy.participation.models import Comment, Consultation, Interpretation, Question
from ggzy.publishing.choices import ReleaseStatus
from ggzy.publishing.models import Article

PUBLIC_COMMENT_FIELDS = ("pk", "display_name", "text", "submitted_at", "consultation_id")


class ConsultationState(StrEnum):
    NOT_PUBLISHED = "not_published"
    NOT_STARTED = "not_started"
    OPEN = "open"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


STATE_LABELS = {
    ConsultationState.NOT_PUBLISHED: "未发布",
    ConsultationState.NOT_STARTED: "未开始",
    ConsultationState.OPEN: "征集中",
    ConsultationState.CLOSED: "已截止",
    ConsultationState.WITHDRAWN: "已撤回",
}


def _staff(actor: User | None) -> User:
    # Imported here: services import this module (consultation_state).
    from ggzy.participation.services._common import require_moderator

    return require_moderator(actor)


def current_versions(articles: list[Article]) -> dict[int, Article]:
    """For each lineage: the newest published version (absent when none is published)."""
    lineages = {a.lineage_id or a.pk for a in articles}
    rows = (
        Article.objects.filter(lineage_id__in=lineages, status=ReleaseStatus.PUBLISHED)
        .select_related("category")
        .order_by("lineage_id", "-version")
    )
    found: dict[int, Article] = {}
    for row in rows:
        assert row.lineage_id is not None
        found.setdefault(row.lineage_id, row)
    return found


def current_version(article: Article) -> Article | None:
    return current_versions([article]).get(article.lineage_id or article.pk)


def _withdrawn(article: Article) -> bool:
    return Article.objects.filter(
        lineage_id=article.lineage_id or article.pk, status=ReleaseStatus.WITHDRAWN
    ).exists()


def consultation_state(
    consultation: Consultation, *, now: dt.datetime, current: Article | None = None, checked: bool = False
) -> ConsultationState:
    """Open only while a version of the text is published and ``opens_at <= now < closes_at``."""
    if not checked:
        current = current_version(consultation.article)
    if current is None:
        return (
            ConsultationState.WITHDRAWN
            if _withdrawn(consultation.article)
            else ConsultationState.NOT_PUBLISHED
        )
    if now < consultation.opens_at:
        return ConsultationState.NOT_STARTED
    if now >= consultation.closes_at:
        return ConsultationState.CLOSED
    return ConsultationState.OPEN


@dataclass(frozen=True)
class ConsultationView:
    consultation: Consultation
    article: Article  # the newest published version (public) or the row itself (staff)
    state: ConsultationState
    approved: int = 0
    pending: int = 0
    total: int = 0

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def is_open(self) -> bool:
        return self.state == ConsultationState.OPEN


def _counted(qs: QuerySet[Consultation]) -> QuerySet[Consultation]:
    return qs.annotate(
        n_approved=Count("comments", filter=Q(comments__status=ModerationStatus.APPROVED)),
        n_pending=Count("comments", filter=Q(comments__status=ModerationStatus.PENDING)),
        n_total=Count("comments"),
    )


def _views(rows: list[Consultation], *, now: dt.datetime, public: bool) -> list[ConsultationView]:
    current = current_versions([r.article for r in rows])
    views = []
    for row in rows:
        article = current.get(row.article.lineage_id or row.article.pk)
        if public and article is None:
            continue
        state = consultation_state(row, now=now, current=article, checked=True)
        if article is None and state == ConsultationState.NOT_PUBLISHED:
            state = ConsultationState.WITHDRAWN if _withdrawn(row.article) else state
        views.append(
            ConsultationView(
                consultation=row,
                article=article or row.article,
                state=state,
                approved=getattr(row, "n_approved", 0),
                pending=getattr(row, "n_pending", 0),
                total=getattr(row, "n_total", 0),
            )
        )
    return views


def consultation_list_public(*, now: dt.datetime, limit: int = 100) -> list[ConsultationView]:
    """Consultations whose text is published, newest first (open ones first)."""
    rows = list(
        _counted(Consultation.objects.select_related("article")).order_by("-opens_at", "-pk")[: limit * 2]
    )
    views = _views(rows, now=now, public=True)
    views.sort(key=lambda v: v.state != ConsultationState.OPEN)
    return views[:limit]


def consultation_get_public(*, pk: int, now: dt.datetime) -> ConsultationView:
    row = _counted(Consultation.objects.filter(pk=pk).select_related("article")).first()
    views = _views([row], now=now, public=True) if row is not None else []
    if not views:
        raise NotFound("该征集不存在或尚未发布")
    return views[0]


def comments_public(*, consultation: Consultation, limit: int = 500) -> list[Comment]:
    """Approved comments, oldest first: display name, text and date only."""
    return list(
        Comment.objects.filter(consultation=consultation, status=ModerationStatus.APPROVED)
        .only(*PUBLIC_COMMENT_FIELDS)
        .order_by("submitted_at", "pk")[:limit]
    )


# ---------------------------------------------------------------- staff


def consultation_list_staff(*, actor: User, now: dt.datetime) -> list[ConsultationView]:
    _staff(actor)
    rows = list(_counted(Consultation.objects.select_related("article")).order_by("-opens_at", "-pk")[:200])
    return _views(rows, now=now, public=False)


def consultation_get_staff(*, actor: User, pk: int, now: dt.datetime) -> ConsultationView:
    _staff(actor)
    row = _counted(Consultation.objects.filter(pk=pk).select_related("article")).first()
    if row is None:
        raise NotFound("该征集不存在")
    return _views([row], now=now, public=False)[0]


def comment_queue(
    *, actor: User, status: str | None = ModerationStatus.PENDING, consultation: Consultation | None = None
) -> QuerySet[Comment]:
    _staff(actor)
    qs = Comment.objects.select_related("consultation__article", "moderated_by")
    if status:
        qs = qs.filter(status=status)
    if consultation is not None:
        qs = qs.filter(consultation=consultation)
    return qs.order_by("submitted_at", "pk")


def comment_get_staff(*, actor: User, pk: int) -> Comment:
    _staff(actor)
    comment = Comment.objects.filter(pk=pk).select_related("consultation__article").first()
    if comment is None:
        raise NotFound("该意见不存在")
    return comment


def consultation_articles_without_period(*, actor: User) -> list[Article]:
    """调查征集 articles of the actor's organisation that are not yet open for comments."""
    _staff(actor)
    if actor.organisation_id is None:
        return []
    return list(
        Article.objects.filter(category__code="consultation", organisation_id=actor.organisation_id)
        .exclude(status__in=[ReleaseStatus.WITHDRAWN, ReleaseStatus.CORRECTED])
        .exclude(consultation__isnull=False)
        .order_by("-pk")[:100]
    )


def question_queue(*, actor: User, status: str | None = None) -> QuerySet[Question]:
    _staff(actor)
    qs = Question.objects.select_related("article", "answered_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status" if not status else "submitted_at", "submitted_at", "pk")


def question_get_staff(*, actor: User, pk: int) -> Question:
    _staff(actor)
    question = Question.objects.filter(pk=pk).select_related("article", "answered_by").first()
    if question is None:
        raise NotFound("该留言不存在")
    return question


def interpretation_list_staff(*, actor: User) -> list[Interpretation]:
    _staff(actor)
    return list(
        Interpretation.objects.select_related("article", "explains").order_by("-linked_at", "-pk")[:200]
    )


def explainable_documents(*, limit: int = 200) -> list[Article]:
    """Published documents an interpretation may explain (not interpretations themselves)."""
    return list(
        Article.objects.filter(status=ReleaseStatus.PUBLISHED)
        .exclude(category__code="interpretation")
        .only("pk", "title", "published_at", "doc_number")
        .order_by("-published_at", "-pk")[:limit]
    )


# ---------------------------------------------------------------- the asker


@dataclass(frozen=True)
class TrackView:
    """What the asker sees with the tracking code: their own question, status and answer."""

    number: str
    subject: str
    text: str
    status: str
    status_label: str
    submitted_at: dt.datetime
    answered_at: dt.datetime | None
    answer: str
    close_reason: str
    publish_consent: bool
    public_url: str  # the published Q&A page, once public


def question_track(*, code: str) -> TrackView:
    from ggzy.participation.services.questions import tracking_digest

    question = (
        Question.objects.filter(tracking_digest=tracking_digest(code)).select_related("article").first()
        if code.strip()
        else None
    )
    if question is None:
        raise NotFound("查询码不正确，请核对后重新输入", code="tracking_not_found")
    public = current_version(question.article) if question.article is not None else None
    return TrackView(
        number=question.number,
        subject=question.subject,
        text=question.text,
        status=question.status,
        status_label=QuestionStatus(question.status).label,
        submitted_at=question.submitted_at,
        answered_at=question.answered_at,
        answer=question.answer if question.status == QuestionStatus.ANSWERED else "",
        close_reason=question.close_reason if question.status == QuestionStatus.CLOSED else "",
        publish_consent=question.publish_consent,
        public_url=public.get_absolute_url() if public else "",
    )


# ---------------------------------------------------------------- published Q&A, interpretations


@dataclass(frozen=True)
class PublicQA:
    title: str
    url: str
    published_at: dt.datetime | None
    question: str
    answer_html: str


def qa_list_public(*, limit: int = 50) -> list[PublicQA]:
    """Published Q&A, newest first: the public question text and the answer as published."""
    rows = list(
        Question.objects.filter(article__isnull=False).select_related("article").order_by("-pk")[: limit * 2]
    )
    current = current_versions([q.article for q in rows if q.article is not None])
    items = []
    for q in rows:
        assert q.article is not None
        article = current.get(q.article.lineage_id or q.article.pk)
        if article is None:
            continue
        items.append(
            PublicQA(
                title=article.title,
                url=article.get_absolute_url(),
                published_at=article.published_at,
                question=q.public_question,
                answer_html=article.body_html,
            )
        )
    items.sort(key=lambda i: i.published_at or dt.datetime.min.replace(tzinfo=dt.UTC), reverse=True)
    return items[:limit]


@dataclass(frozen=True)
class PublicInterpretation:
    pk: int
    title: str
    url: str  # this app's interpretation page
    article_url: str
    published_at: dt.datetime | None
    body_html: str
    summary: str
    explains_title: str
    explains_url: str
    explains_doc_number: str


def _public_interpretations(links: list[Interpretation]) -> list[PublicInterpretation]:
    from django.urls import reverse

    current = current_versions([i.article for i in links] + [i.explains for i in links])
    items = []
    for link in links:
        article = current.get(link.article.lineage_id or link.article.pk)
        document = current.get(link.explains.lineage_id or link.explains.pk)
        if article is None or document is None:
            continue
        items.append(
            PublicInterpretation(
                pk=link.pk,
                title=article.title,
                url=reverse("participation:interpretation", args=[link.pk]),
                article_url=article.get_absolute_url(),
                published_at=article.published_at,
                body_html=article.body_html,
                summary=article.summary,
                explains_title=document.title,
                explains_url=document.get_absolute_url(),
                explains_doc_number=document.doc_number,
            )
        )
    return items


def interpretation_list_public(*, limit: int = 100) -> list[PublicInterpretation]:
    """Published interpretations of published documents, newest first."""
    links = list(Interpretation.objects.select_related("article", "explains").order_by("-pk")[: limit * 2])
    items = _public_interpretations(links)
    items.sort(key=lambda i: i.published_at or dt.datetime.min.replace(tzinfo=dt.UTC), reverse=True)
    return items[:limit]


def interpretation_get_public(*, pk: int) -> PublicInterpretation:
    link = Interpretation.objects.filter(pk=pk).select_related("article", "explains").first()
    items = _public_interpretations([link]) if link is not None else []
    if not items:
        raise NotFound("该政策解读不存在或尚未发布")
    return items[0]


@dataclass(frozen=True)
class ArticleLinks:
    """What a public article page adds about participation: the interpretations of this document,
    the document this interpretation explains, the consultation page of this text."""

    interpretations: list[PublicInterpretation]
    explains: PublicInterpretation | None
    consultation_url: str


def article_participation(*, article: Article) -> ArticleLinks:
    from django.urls import reverse

    lineage = article.lineage_id or article.pk
    of_document = list(
        Interpretation.objects.filter(explains__lineage_id=lineage).select_related("article", "explains")
    )
    as_interpretation = list(
        Interpretation.objects.filter(article__lineage_id=lineage).select_related("article", "explains")[:1]
    )
    consultation = Consultation.objects.filter(article__lineage_id=lineage).only("pk").first()
    explains = _public_interpretations(as_interpretation)
    return ArticleLinks(
        interpretations=_public_interpretations(of_document),
        explains=explains[0] if explains else None,
        consultation_url=reverse("participation:consultation", args=[consultation.pk])
        if consultation
        else "",
    )


# ---------------------------------------------------------------- statistics


@dataclass(frozen=True)
class ParticipationStats:
    """Yearly counts for the annual report (calendar year in Asia/Shanghai)."""

    year: int
    consultations_held: int  # consultations whose period started in the year and whose text was published
    comments_received: int
    comments_approved: int
    questions_received: int
    questions_answered: int
    questions_published: int
    interpretations_published: int


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime(year, 1, 1, tzinfo=SHANGHAI),
        dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI),
    )


PUBLIC_STATUSES = (ReleaseStatus.PUBLISHED, ReleaseStatus.CORRECTED, ReleaseStatus.WITHDRAWN)


def participation_stats(*, year: int) -> ParticipationStats:
    start, end = _year_bounds(year)
    comments = Comment.objects.filter(submitted_at__gte=start, submitted_at__lt=end).aggregate(
        received=Count("pk"), approved=Count("pk", filter=Q(status=ModerationStatus.APPROVED))
    )
    questions = Question.objects.filter(submitted_at__gte=start, submitted_at__lt=end).count()
    answered = Question.objects.filter(
        status=QuestionStatus.ANSWERED, answered_at__gte=start, answered_at__lt=end
    ).count()
    # First publication counts (a correction is not a new item — ADR 0007).
    published = Question.objects.filter(
        article__status__in=PUBLIC_STATUSES, article__published_at__gte=start, article__published_at__lt=end
    ).count()
    held = Consultation.objects.filter(
        opens_at__gte=start, opens_at__lt=end, article__status__in=PUBLIC_STATUSES
    ).count()
    interpretations = Interpretation.objects.filter(
        article__status__in=PUBLIC_STATUSES, article__published_at__gte=start, article__published_at__lt=end
    ).count()
    return ParticipationStats(
        year=year,
        consultations_held=held,
        comments_received=int(comments["received"] or 0),
        comments_approved=int(comments["approved"] or 0),
        questions_received=questions,
        questions_answered=answered,
        questions_published=published,
        interpretations_published=interpretations,
    )
