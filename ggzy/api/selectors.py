"""Reads the API needs beyond ``ggzy.publishing.selectors``: keyset paging and the change feed.

The change feed (``notice_change_page``) is ordered by the audit chain's sequence numbers, which
commit in order (docs/adr/0013-open-data.md). It replaced an ordering by ``updated_at`` that had
to hold back recent rows for a "settle window" and could still skip a slow transaction.

The change feed belongs with the other publishing reads; it lives here until publishing takes it
(``notice_changes`` → ``ggzy.publishing.selectors``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Model, Q, QuerySet

from ggzy.api.cursors import FeedPosition, Position
from ggzy.audit.models import Event
from ggzy.publishing.models import Notice
from ggzy.publishing.selectors import PUBLIC_PAGE_STATUSES


def after_desc[M: Model](qs: QuerySet[M], field: str, position: Position | None) -> QuerySet[M]:
    """Rows after ``position`` in the ordering ``-field, -pk``."""
    if position is None:
        return qs
    same_moment = Q(**{field: position.moment, "pk__lt": position.pk})
    return qs.filter(Q(**{f"{field}__lt": position.moment}) | same_moment)


def after_asc[M: Model](qs: QuerySet[M], field: str, position: Position | None) -> QuerySet[M]:
    """Rows after ``position`` in the ordering ``field, pk``."""
    if position is None:
        return qs
    same_moment = Q(**{field: position.moment, "pk__gt": position.pk})
    return qs.filter(Q(**{f"{field}__gt": position.moment}) | same_moment)


# ---------------------------------------------------------------- change feed on the audit chain

NOTICE_TARGET = "publishing.notice"
# Statuses a notice event moves a notice *into* that the public sees: publication, correction
# (the old version becomes "corrected") and withdrawal. Review steps and draft edits are not changes
# of anything public. The release pipeline records {"before", "after"} in every transition event.
_PUBLIC_AFTER = [str(s) for s in PUBLIC_PAGE_STATUSES]
FEED_EVENTS = Q(target_type=NOTICE_TARGET, data__after__in=_PUBLIC_AFTER) | Q(
    action="demo.load", data__model=NOTICE_TARGET
)
_END = 2**63 - 1  # "after every notice of this event"
EVENTS_PER_ROUND = 200
MAX_ROUNDS = 20


@dataclass(frozen=True)
class FeedPage:
    items: list[tuple[FeedPosition, Notice]]
    next_position: FeedPosition | None  # where the next request starts (None: nothing read yet)
    has_more: bool


def legacy_feed_position(position: Position) -> FeedPosition:
    """Translate a cursor of the former ``updated_at`` feed: restart from the last event a minute
    before that moment. Some notices come again (allowed: the latest wins), none are skipped."""
    before = position.moment - dt.timedelta(seconds=60)
    seq = Event.objects.filter(at__lt=before).aggregate(m=Max("seq"))["m"] or 0
    return FeedPosition(seq=seq, pk=_END)


def _public(pks: set[int]) -> dict[int, Notice]:
    if not pks:
        return {}
    qs = Notice.objects.filter(pk__in=pks, status__in=PUBLIC_PAGE_STATUSES).defer("body_html")
    return {n.pk: n for n in qs}


def _last_event_seq(pks: set[int]) -> dict[int, int]:
    """For each notice, the sequence number of its latest public-state event (single-target)."""
    if not pks:
        return {}
    rows = (
        Event.objects.filter(
            target_type=NOTICE_TARGET, target_id__in=[str(pk) for pk in pks], data__after__in=_PUBLIC_AFTER
        )
        .values("target_id")
        .annotate(last=Max("seq"))
    )
    return {int(r["target_id"]): int(r["last"]) for r in rows}


def notice_change_page(*, since: FeedPosition | None, limit: int) -> FeedPage:
    """The next ``limit`` changes of public notices after ``since``, in commit order.

    A position is an audit event (and, for a demo batch event, a notice id within it). Every
    transition that changes what the public sees of a notice writes its audit event in the same
    transaction, and events are appended under a lock held to commit, so sequence numbers become
    visible strictly in order: a reader that has seen ``seq`` N has seen every event before it,
    and whatever commits later gets a larger number. A notice is listed at its *latest* such
    event (earlier occurrences are dropped when a later one exists), in its current state.
    """
    pos = since or FeedPosition(0, 0)
    items: list[tuple[FeedPosition, Notice]] = []
    exhausted = False
    for _ in range(MAX_ROUNDS):
        if len(items) > limit:
            break
        events = list(
            Event.objects.filter(FEED_EVENTS, seq__gte=pos.seq)
            .order_by("seq")
            .values_list("seq", "action", "target_id", "data")[:EVENTS_PER_ROUND]
        )
        candidates: list[tuple[FeedPosition, int, Notice | None]] = []
        round_end = pos
        for seq, action, target_id, data in events:
            if action == "demo.load":
                lo, hi = data.get("first_id"), data.get("last_id")
                after_pk = pos.pk if seq == pos.seq else 0
                if lo is None or hi is None or after_pk >= _END:
                    round_end = max(round_end, FeedPosition(seq, _END))
                    continue
                need = limit + 1 - len(items)
                rows = list(
                    Notice.objects.filter(
                        pk__gte=max(int(lo), after_pk + 1), pk__lte=int(hi), status__in=PUBLIC_PAGE_STATUSES
                    )
                    .defer("body_html")
                    .order_by("pk")[:need]
                )
                candidates.extend((FeedPosition(seq, n.pk), n.pk, n) for n in rows)
                if len(rows) == need:  # stop inside the batch; continue from its last row
                    round_end = FeedPosition(seq, rows[-1].pk)
                    break
                round_end = FeedPosition(seq, _END)
                continue
            if not target_id.isdigit():
                continue
            p = FeedPosition(seq, int(target_id))
            if p <= pos:
                continue
            candidates.append((p, p.pk, None))
            round_end = p
        else:
            if len(events) < EVENTS_PER_ROUND:
                exhausted = True
        public = _public({pk for _, pk, n in candidates if n is None})
        latest = _last_event_seq({pk for _, pk, _n in candidates})
        for p, pk, notice in candidates:
            notice = notice or public.get(pk)
            if notice is None or latest.get(pk, 0) > p.seq:
                continue
            items.append((p, notice))
        pos = round_end
        if exhausted:
            break
    if len(items) > limit:
        return FeedPage(items=items[:limit], next_position=items[limit - 1][0], has_more=True)
    return FeedPage(
        items=items, next_position=pos if pos != FeedPosition(0, 0) else since, has_more=not exhausted
    )
