"""Yearly counts for the annual report and the public lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.participation import selectors, services
from ggzy.participation.models import Consultation
from ggzy.participation.tests.conftest import NOW, publish_rest

pytestmark = pytest.mark.django_db


def test_participation_stats_counts_by_year(
    open_consultation: Consultation, clock: FixedClock, staff: dict[str, Any], document: Any
) -> None:
    a = services.comment_submit(consultation_id=open_consultation.pk, text="一", clock=clock)
    services.comment_submit(consultation_id=open_consultation.pk, text="二", clock=clock)
    services.comment_moderate(actor=staff["editor"], comment=a, decision="approve", clock=clock)
    q1 = services.question_submit(
        asker_name="甲", subject="问一", text="内容", publish_consent=True, clock=clock
    ).question
    services.question_submit(asker_name="乙", subject="问二", text="内容", clock=clock)
    services.question_answer(actor=staff["editor"], question=q1, answer="答", clock=clock)
    article = services.question_publish(
        actor=staff["editor"], question=q1, public_question="内容", clock=clock
    )
    publish_rest(staff, article, clock)
    link = services.interpretation_create(
        actor=staff["editor"], explains_id=document.pk, title="解读", body_html="<p>x</p>", clock=clock
    )
    publish_rest(staff, link.article, clock)
    # A question from the next year (Shanghai time: 2027-01-01 00:30 is 2026-12-31 16:30 UTC).
    next_year = FixedClock(at=dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC))
    services.question_submit(asker_name="丙", subject="问三", text="内容", clock=next_year)

    stats = selectors.participation_stats(year=2026)
    assert stats.consultations_held == 1
    assert (stats.comments_received, stats.comments_approved) == (2, 1)
    assert (stats.questions_received, stats.questions_answered, stats.questions_published) == (2, 1, 1)
    assert stats.interpretations_published == 1
    assert selectors.participation_stats(year=2027).questions_received == 1
    assert selectors.participation_stats(year=2025).comments_received == 0


def test_public_consultation_list_hides_unpublished_and_orders_open_first(
    open_consultation: Consultation, clock: FixedClock, staff: dict[str, Any]
) -> None:
    draft = services.consultation_create(
        actor=staff["editor"],
        title="尚在审核的征集",
        body_html="<p>x</p>",
        opens_at=NOW,
        closes_at=NOW + dt.timedelta(days=1),
        clock=clock,
    )
    views = selectors.consultation_list_public(now=clock.now())
    assert [v.consultation.pk for v in views] == [open_consultation.pk]
    assert views[0].is_open
    staff_views = selectors.consultation_list_staff(actor=staff["editor"], now=clock.now())
    assert {v.consultation.pk for v in staff_views} == {open_consultation.pk, draft.pk}
    later = NOW + dt.timedelta(days=30)
    assert selectors.consultation_list_public(now=later)[0].state == "closed"


def test_bench_runs_and_cleans_up() -> None:
    from ggzy.participation.bench import bench_participation
    from ggzy.participation.models import Comment
    from ggzy.publishing.models import Article

    result = bench_participation(5, backlog=20, repeat=2)
    assert result["comment_submit"]["n"] == 5
    assert result["moderation_list"]["pending_in_table"] == 25
    assert Comment.objects.count() == 0 and not Article.objects.filter(title="BENCH-participation").exists()
