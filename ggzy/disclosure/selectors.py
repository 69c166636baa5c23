"""Every read of the disclosure app: staff lists with working-day deadlines, the applicant's
tracking page, the report statistics (tables 二, 三, 四 and the fee totals) and the 指南 facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import User
from ggzy.core.errors import NotFound
from ggzy.core.workdays import WorkCalendar
from ggzy.disclosure import deadlines, fees, outcomes
from ggzy.disclosure.choices import (
    APPLICANT_COLUMNS,
    ApplicantKind,
    CenterRole,
    Channel,
    DecisionKind,
    NormativeKind,
    RequestStatus,
    ReviewKind,
    ReviewResult,
)
from ggzy.disclosure.config import disclosure_rules, remedy_texts
from ggzy.disclosure.models import (
    AdminFeeRecord,
    AdministrativeDecision,
    ClockEvent,
    DisclosureRequest,
    FeeNotice,
    NormativeDocument,
    Reply,
    ReplyFile,
    ReviewCase,
)
from ggzy.disclosure.services._common import require_handler
from ggzy.workcalendar.selectors import work_calendar

# ---------------------------------------------------------------- staff lists


def disclosure_request_list_staff(
    *, actor: User, status: str | None = None, q: str = ""
) -> QuerySet[DisclosureRequest]:
    """All requests for handling staff, newest first; PII columns are only the masked forms."""
    require_handler(actor)
    qs = DisclosureRequest.objects.all()
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        term = q.strip()
        qs = qs.filter(
            Q(tracking_code__icontains=term)
            | Q(applicant_name__icontains=term)
            | Q(info_name__icontains=term)
        )
    return qs.defer(
        "id_number_encrypted", "phone_encrypted", "email_encrypted", "address_encrypted", "secret_hash"
    ).order_by("-arrived_on", "-pk")


def disclosure_request_get_staff(*, actor: User, pk: int) -> DisclosureRequest:
    require_handler(actor)
    request = DisclosureRequest.objects.filter(pk=pk).first()
    if request is None:
        raise NotFound("申请不存在")
    return request


@dataclass(frozen=True)
class RequestDetail:
    """A request with everything its staff page, the API detail and the reply letter show."""

    request: DisclosureRequest
    reply: Reply | None
    reply_files: list[ReplyFile]  # in position order, each with its ``file`` loaded
    fee_notice: FeeNotice | None
    review_cases: list[ReviewCase]  # oldest first, each with its ``request`` loaded
    events: list[ClockEvent]  # the clock log in order, with ``approved_by`` loaded

    def review_case(self, pk: int) -> ReviewCase | None:
        return next((case for case in self.review_cases if case.pk == pk), None)


PII_COLUMNS = ("id_number_encrypted", "phone_encrypted", "email_encrypted", "address_encrypted")


def disclosure_request_detail(*, actor: User, pk: int) -> RequestDetail:
    """The request (without the encrypted columns and the secret hash), its reply with the
    released files, fee notice, review cases and clock events: five queries whatever their number
    (request + reply + fee notice joined; reply files; cases; events; plus the actor's roles)."""
    require_handler(actor)
    request = (
        DisclosureRequest.objects.select_related("reply", "fee_notice")
        .defer(*PII_COLUMNS, "secret_hash")
        .prefetch_related(
            Prefetch(
                "reply__reply_files",
                queryset=ReplyFile.objects.select_related("file").order_by("position", "pk"),
            ),
            Prefetch("review_cases", queryset=ReviewCase.objects.order_by("filed_on", "pk")),
            Prefetch(
                "clock_events", queryset=ClockEvent.objects.select_related("approved_by").order_by("pk")
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise NotFound("申请不存在")
    reply: Reply | None = getattr(request, "reply", None)
    cases = list(request.review_cases.all())
    for case in cases:
        case.request = request  # the FK back to this request: no query per case
    return RequestDetail(
        request=request,
        reply=reply,
        reply_files=list(reply.reply_files.all()) if reply is not None else [],
        fee_notice=getattr(request, "fee_notice", None),
        review_cases=cases,
        events=list(request.clock_events.all()),
    )


def disclosure_head_list() -> QuerySet[User]:
    """Who may approve an extension (Art. 33 ¶2): active users of the center holding
    ``disclosure_head``, by username."""
    return (
        User.objects.filter(
            is_active=True,
            role_grants__role=Role.DISCLOSURE_HEAD,
            organisation__kind=OrganisationKind.CENTER,
        )
        .distinct()
        .order_by("username")
    )


@dataclass(frozen=True)
class RequestDeadline:
    request: DisclosureRequest
    due_date: dt.date
    days_left: int  # working days; 0 = due today; negative = overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def disclosure_request_deadlines(
    *,
    actor: User,
    today: dt.date,
    calendar: WorkCalendar | None = None,
    within: int | None = None,
    overdue_only: bool = False,
) -> list[RequestDeadline]:
    """Open requests whose clock is running, soonest due first, with working days left."""
    require_handler(actor)
    cal = calendar or work_calendar()
    rows = []
    qs = DisclosureRequest.objects.filter(
        status__in=[RequestStatus.PROCESSING], due_date__isnull=False
    ).order_by("due_date", "pk")
    for request in qs:
        assert request.due_date is not None
        left = deadlines.working_days_left(request.due_date, today, cal)
        if overdue_only and left >= 0:
            continue
        if within is not None and not (0 <= left <= within):
            continue
        rows.append(RequestDeadline(request=request, due_date=request.due_date, days_left=left))
    return rows


def disclosure_request_list_due_soon(
    *, actor: User, today: dt.date, within: int = 5, calendar: WorkCalendar | None = None
) -> list[RequestDeadline]:
    return disclosure_request_deadlines(actor=actor, today=today, calendar=calendar, within=within)


def disclosure_request_list_overdue(
    *, actor: User, today: dt.date, calendar: WorkCalendar | None = None
) -> list[RequestDeadline]:
    return disclosure_request_deadlines(actor=actor, today=today, calendar=calendar, overdue_only=True)


def disclosure_clock_events(*, request: DisclosureRequest) -> list[ClockEvent]:
    return list(ClockEvent.objects.filter(request=request).select_related("approved_by").order_by("pk"))


def disclosure_clock_state(
    *,
    request: DisclosureRequest,
    calendar: WorkCalendar | None = None,
    events: Sequence[ClockEvent] | None = None,
) -> deadlines.ClockState:
    """The folded clock; pass ``events`` (e.g. ``RequestDetail.events``) to skip the query."""
    rows = events if events is not None else ClockEvent.objects.filter(request=request).order_by("pk")
    events_in = [deadlines.Event(kind=e.kind, on=e.on, days=e.days, until=e.until) for e in rows]
    return deadlines.fold(events_in, calendar or work_calendar(), disclosure_rules())


# ---------------------------------------------------------------- the applicant's tracking page


@dataclass(frozen=True)
class TrackingView:
    """What the applicant sees: no personal data at all."""

    tracking_code: str
    status: str
    status_label: str
    arrived_on: dt.date
    received_on: dt.date | None
    due_date: dt.date | None
    outcome: str | None
    outcome_label: str
    replied_on: dt.date | None
    delivered_at: dt.datetime | None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return make_password("ggzy-tracking-dummy-secret")


TRACKING_REFUSAL = "查询码或查询密码不正确"


def disclosure_request_get_tracked(*, tracking_code: str, secret: str) -> DisclosureRequest:
    """The applicant's own request behind code + secret, with its reply and the reply's files
    loaded (for the letter). A wrong code and a wrong secret fail alike (``NotFound``
    ``tracking_not_found``, “查询码或查询密码不正确”) and take the same time — a password-hash
    check runs either way — so neither can be probed. Never returns the decrypted PII."""
    code = tracking_code.strip().upper()
    request = (
        DisclosureRequest.objects.select_related("reply")
        .defer(*PII_COLUMNS)
        .prefetch_related(
            Prefetch(
                "reply__reply_files",
                queryset=ReplyFile.objects.select_related("file").order_by("position", "pk"),
            )
        )
        .filter(tracking_code=code)
        .first()
        if code
        else None
    )
    if request is None:
        check_password(secret, _dummy_hash())
        raise NotFound(TRACKING_REFUSAL, code="tracking_not_found")
    if not check_password(secret, request.secret_hash):
        raise NotFound(TRACKING_REFUSAL, code="tracking_not_found")
    return request


def disclosure_request_track(*, tracking_code: str, secret: str) -> TrackingView:
    """The status page behind code + secret (see :func:`disclosure_request_get_tracked`)."""
    request = disclosure_request_get_tracked(tracking_code=tracking_code, secret=secret)
    reply: Reply | None = getattr(request, "reply", None)
    return TrackingView(
        tracking_code=request.tracking_code,
        status=request.status,
        status_label=request.get_status_display(),
        arrived_on=request.arrived_on,
        received_on=request.received_on,
        due_date=request.due_date if request.status != RequestStatus.CLOSED else None,
        outcome=request.outcome,
        outcome_label=outcomes.outcome_label(request.outcome) if request.outcome else "",
        replied_on=reply.replied_on if reply else None,
        delivered_at=reply.delivered_at if reply else None,
    )


# ---------------------------------------------------------------- table 三 and 四


@dataclass(frozen=True)
class Table3Row:
    code: str
    label: str
    full_label: str
    cells: list[int]  # six applicant columns then 总计


@dataclass(frozen=True)
class Check:
    rule: str
    passed: bool
    detail: str


@dataclass
class DisclosureStats:
    year: int
    table3: list[Table3Row]
    table4: dict[str, dict[str, int]]
    checks: list[Check] = field(default_factory=list)

    @property
    def all_passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def row(self, code: str) -> Table3Row:
        return next(r for r in self.table3 if r.code == code)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "columns": [*ApplicantKind.labels, "总计"],
            "table3": [{"code": r.code, "label": r.label, "cells": r.cells} for r in self.table3],
            "table4": self.table4,
            "checks": [{"rule": c.rule, "passed": c.passed, "detail": c.detail} for c in self.checks],
        }


TABLE4_GROUPS = {
    "review": ReviewKind.ADMINISTRATIVE_REVIEW,
    "lawsuit_direct": ReviewKind.LAWSUIT_DIRECT,
    "lawsuit_after_review": ReviewKind.LAWSUIT_AFTER_REVIEW,
}
TABLE4_CELLS = ("upheld", "corrected", "other", "pending", "total")
COLUMN_LABELS = dict(zip(APPLICANT_COLUMNS, ApplicantKind.labels, strict=True)) | {"total": "总计"}


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _flow(year: int) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Per column and in total: new (一), carried in (二), closed in the year (三(七), counted
    independently of the outcome cells) and carried out (四). One grouped query; the total adds
    up every group, including an applicant kind outside the six columns, so the row check
    "总计 = 六列之和" still catches such a row."""
    start, end = _year_bounds(year)
    base = DisclosureRequest.objects.filter(received_on__isnull=False, received_on__lte=end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=start)
    )
    measures = {
        "new": Count("pk", filter=Q(received_on__gte=start)),
        "carried_in": Count("pk", filter=Q(received_on__lt=start)),
        "closed": Count("pk", filter=Q(closed_on__gte=start, closed_on__lte=end)),
        "carried_out": Count("pk", filter=Q(closed_on__isnull=True) | Q(closed_on__gt=end)),
    }
    per_kind: dict[str, dict[str, int]] = {k: dict.fromkeys(measures, 0) for k in APPLICANT_COLUMNS}
    totals = dict.fromkeys(measures, 0)
    rows: list[Any] = list(base.values("applicant_kind").annotate(**measures).order_by())
    for row in rows:
        per_kind[row["applicant_kind"]] = {m: int(row[m]) for m in measures}
        for m in measures:
            totals[m] += int(row[m])
    return per_kind, totals


def _outcome_cells(year: int) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """(outcome, applicant kind) → count for the requests closed in the year, and per outcome the
    total over every kind (one grouped query)."""
    start, end = _year_bounds(year)
    closed = DisclosureRequest.objects.filter(closed_on__gte=start, closed_on__lte=end)
    pairs: list[Any] = list(closed.values("outcome", "applicant_kind").annotate(n=Count("pk")).order_by())
    cells: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = {}
    for r in pairs:
        cells[(r["outcome"], r["applicant_kind"])] = int(r["n"])
        totals[r["outcome"]] = totals.get(r["outcome"], 0) + int(r["n"])
    return cells, totals


def _carried_out(year: int) -> dict[str, int]:
    end = _year_bounds(year)[1]
    qs = DisclosureRequest.objects.filter(received_on__isnull=False, received_on__lte=end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=end)
    )
    counts = dict.fromkeys(APPLICANT_COLUMNS, 0)
    counts.update(
        {r["applicant_kind"]: r["n"] for r in qs.values("applicant_kind").annotate(n=Count("pk")).order_by()}
    )
    return counts


def table4_stats(*, year: int) -> dict[str, dict[str, int]]:
    """Cases filed in the year where the center is the original actor; the result as of 31 Dec."""
    start, end = _year_bounds(year)
    decided = Q(decided_on__lte=end)
    measures = {
        "upheld": Count("pk", filter=Q(result=ReviewResult.UPHELD) & decided),
        "corrected": Count("pk", filter=Q(result=ReviewResult.CORRECTED) & decided),
        "other": Count("pk", filter=Q(result=ReviewResult.OTHER) & decided),
        "pending": Count("pk", filter=Q(result=ReviewResult.PENDING) | Q(decided_on__gt=end)),
        "total": Count("pk"),
    }
    qs = ReviewCase.objects.filter(
        center_role=CenterRole.ORIGINAL_ACTOR, filed_on__gte=start, filed_on__lte=end
    )
    by_kind: dict[str, Any] = {r["kind"]: r for r in qs.values("kind").annotate(**measures).order_by()}
    return {
        group: {cell: by_kind.get(kind, {}).get(cell, 0) for cell in TABLE4_CELLS}
        for group, kind in TABLE4_GROUPS.items()
    }


def disclosure_stats(*, year: int) -> DisclosureStats:
    """Report table 三 (25 rows × 7 columns in the format's order), table 四 (15 cells) and the
    勾稽关系 checks. Aggregated in the database: four queries whatever the volume (the year's flow
    by column, which counts 三(七) on its own; the outcome cells; last year's 四; table 四)."""
    per_kind, flow_total = _flow(year)
    cells, outcome_totals = _outcome_cells(year)
    previous_out = _carried_out(year - 1)
    rows: list[Table3Row] = []
    for spec in outcomes.ROWS:
        if spec.is_outcome:
            values = [cells.get((spec.code, k), 0) for k in APPLICANT_COLUMNS]
            total = outcome_totals.get(spec.code, 0)
        else:
            measure = {
                outcomes.NEW: "new",
                outcomes.CARRIED_IN: "carried_in",
                outcomes.TOTAL: "closed",
                outcomes.CARRIED_OUT: "carried_out",
            }[spec.code]
            values = [per_kind[k][measure] for k in APPLICANT_COLUMNS]
            total = flow_total[measure]
        rows.append(Table3Row(spec.code, spec.label, spec.full_label, [*values, total]))
    table4 = table4_stats(year=year)
    stats = DisclosureStats(year=year, table3=rows, table4=table4)
    stats.checks = _checks(stats, previous_out)
    return stats


def _checks(stats: DisclosureStats, previous_out: dict[str, int]) -> list[Check]:
    checks: list[Check] = []
    by = {r.code: r.cells for r in stats.table3}
    columns = [*APPLICANT_COLUMNS, "total"]
    for i, col in enumerate(columns):
        name = COLUMN_LABELS[col]
        lhs = by[outcomes.NEW][i] + by[outcomes.CARRIED_IN][i]
        rhs = by[outcomes.TOTAL][i] + by[outcomes.CARRIED_OUT][i]
        checks.append(
            Check(
                f"表三“{name}”列：一 + 二 = 三（七）+ 四",
                lhs == rhs,
                f"{by[outcomes.NEW][i]} + {by[outcomes.CARRIED_IN][i]} = {lhs}；"
                f"{by[outcomes.TOTAL][i]} + {by[outcomes.CARRIED_OUT][i]} = {rhs}",
            )
        )
    for i, col in enumerate(columns):
        name = COLUMN_LABELS[col]
        leaf_sum = sum(by[code][i] for code in outcomes.OUTCOME_CODES)
        checks.append(
            Check(
                f"表三“{name}”列：三（七）总计 = 21种办理结果之和",
                leaf_sum == by[outcomes.TOTAL][i],
                f"办理结果之和 {leaf_sum}；三（七） {by[outcomes.TOTAL][i]}",
            )
        )
    bad_rows = [r.label for r in stats.table3 if sum(r.cells[:6]) != r.cells[6]]
    checks.append(
        Check(
            "表三每一行：总计 = 自然人 + 五类法人或其他组织之和",
            not bad_rows,
            "全部相等" if not bad_rows else "不相等的行：" + "；".join(bad_rows),
        )
    )
    for group, values in stats.table4.items():
        parts = values["upheld"] + values["corrected"] + values["other"] + values["pending"]
        checks.append(
            Check(
                f"表四“{dict(ReviewKind.choices)[TABLE4_GROUPS[group]]}”："
                "维持 + 纠正 + 其他 + 尚未审结 = 总计",
                parts == values["total"],
                f"{parts} / {values['total']}",
            )
        )
    carried = by[outcomes.CARRIED_IN][:6]
    expected = [previous_out[k] for k in APPLICANT_COLUMNS]
    checks.append(
        Check(
            f"跨年度：本年“二、上年结转” = {stats.year - 1}年“四、结转下年度继续办理”（逐列）",
            carried == expected,
            f"本年 {carried}；上年 {expected}",
        )
    )
    return checks


# ---------------------------------------------------------------- table 二 and fees


@dataclass(frozen=True)
class Table2Stats:
    year: int
    rules: dict[str, int]  # issued / repealed / in_force
    normative_documents: dict[str, int]
    licence: int
    penalty: int
    enforcement: int
    admin_fee_yuan: Decimal
    admin_fee_wan: Decimal  # the report's unit, 万元

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "rules": self.rules,
            "normative_documents": self.normative_documents,
            "licence": self.licence,
            "penalty": self.penalty,
            "enforcement": self.enforcement,
            "admin_fee_wan": str(self.admin_fee_wan),
        }


def table2_stats(*, year: int) -> Table2Stats:
    """Report table 二 computed from the registries (three queries); a center with none shows 0."""
    start, end = _year_bounds(year)
    measures = {
        "issued": Count("pk", filter=Q(issued_on__gte=start, issued_on__lte=end)),
        "repealed": Count("pk", filter=Q(repealed_on__gte=start, repealed_on__lte=end)),
        "in_force": Count(
            "pk", filter=Q(issued_on__lte=end) & (Q(repealed_on__isnull=True) | Q(repealed_on__gt=end))
        ),
    }
    docs: dict[str, Any] = {
        r["kind"]: r for r in NormativeDocument.objects.values("kind").annotate(**measures).order_by()
    }

    def doc_row(kind: str) -> dict[str, int]:
        return {m: docs.get(kind, {}).get(m, 0) for m in measures}

    decisions = dict(
        AdministrativeDecision.objects.filter(decided_on__gte=start, decided_on__lte=end)
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("kind", "n")
    )
    yuan = AdminFeeRecord.objects.filter(collected_on__gte=start, collected_on__lte=end).aggregate(
        s=Sum("amount")
    )["s"] or Decimal("0")
    return Table2Stats(
        year=year,
        rules=doc_row(NormativeKind.RULE),
        normative_documents=doc_row(NormativeKind.NORMATIVE_DOCUMENT),
        licence=decisions.get(DecisionKind.LICENCE, 0),
        penalty=decisions.get(DecisionKind.PENALTY, 0),
        enforcement=decisions.get(DecisionKind.ENFORCEMENT, 0),
        admin_fee_yuan=Decimal(yuan),
        admin_fee_wan=(Decimal(yuan) / Decimal(10000)).quantize(Decimal("0.0001")),
    )


@dataclass(frozen=True)
class FeeTotals:
    year: int
    notices: int
    amount_due: Decimal
    amount_paid: Decimal


def fee_totals(*, year: int) -> FeeTotals:
    """Information processing fees for report section 六: notices issued and amounts paid in the year."""
    start, end = _year_bounds(year)
    issued = FeeNotice.objects.filter(issued_on__gte=start, issued_on__lte=end).aggregate(
        n=Count("pk"), due=Sum("amount")
    )
    paid = FeeNotice.objects.filter(paid_on__gte=start, paid_on__lte=end).aggregate(s=Sum("amount_paid"))
    return FeeTotals(
        year=year,
        notices=issued["n"] or 0,
        amount_due=Decimal(issued["due"] or 0),
        amount_paid=Decimal(paid["s"] or 0),
    )


def review_case_list(*, actor: User, year: int | None = None) -> QuerySet[ReviewCase]:
    """Review cases and lawsuits, newest first, for handling staff only (``PermissionDenied``)."""
    require_handler(actor)
    qs = ReviewCase.objects.select_related("request").order_by("-filed_on", "-pk")
    if year is not None:
        qs = qs.filter(filed_on__year=year)
    return qs


# ---------------------------------------------------------------- the 指南


@dataclass(frozen=True)
class GuideFacts:
    """What the public 政府信息公开指南 states, taken from the rules the workflow enforces."""

    rules: deadlines.Rules
    channels: list[tuple[str, str]]
    by_item_tiers: list[str]
    by_volume_tiers: list[str]
    remedies: dict[str, str]


def guide_facts() -> GuideFacts:
    volume = []
    lower = 0
    for upper, rate in fees.BY_VOLUME_TIERS:
        span = f"{lower + 1}—{upper}页" if upper is not None else f"{lower + 1}页以上"
        volume.append(f"{span}：{'不收费' if rate == 0 else f'{rate}元/页'}")
        lower = upper or lower
    items = [
        f"同一申请人一个自然月内累计{fees.BY_ITEM_FREE}件以下（含）：不收费",
        f"{fees.BY_ITEM_FREE + 1}—{fees.BY_ITEM_FIRST_TIER_END}件的部分：{fees.BY_ITEM_FIRST_RATE}元/件",
        f"{fees.BY_ITEM_FIRST_TIER_END + 1}件以上的部分：以{fees.BY_ITEM_BLOCK}件为一档，"
        f"每增加一档，收费标准提高{fees.BY_ITEM_BLOCK_STEP}元/件",
    ]
    return GuideFacts(
        rules=disclosure_rules(),
        channels=list(Channel.choices),
        by_item_tiers=items,
        by_volume_tiers=volume,
        remedies=remedy_texts(),
    )
