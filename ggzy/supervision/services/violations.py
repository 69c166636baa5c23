"""Violations (违规处理) and the exposure board (曝光台).

A violation is published the way everything is: the service drafts a 曝光台 article carrying the
decision document and submits it into the normal article review chain. The board shows the
violation once that article is published. Its effects (the agency flagged in the compliance
gate for a period) start at publication: the worker calls :func:`violation_effects_apply_due`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils.html import format_html, format_html_join, linebreaks

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import Organisation, User
from ggzy.audit.services import audit_record
from ggzy.compliance import services as compliance
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import InvalidTransition, NotFound, ValidationFailed
from ggzy.publishing import services as publishing
from ggzy.publishing.choices import ReleaseStatus
from ggzy.publishing.models import Article, Category
from ggzy.supervision.choices import SubjectKind
from ggzy.supervision.models import Violation
from ggzy.supervision.services._common import require_center

EXPOSURE_CATEGORY = "exposure"
ID_NUMBER = re.compile(r"^(\d{17}[\dXx]|\d{15})$")


def mask_id_number(value: str) -> str:
    """``110105********002X``: enough to tell two people apart on the board, not enough to misuse."""
    value = value.strip().upper()
    if not ID_NUMBER.match(value):
        raise ValidationFailed(
            "专家身份证号码格式不正确（15或18位）", fields={"expert_id_number": "格式不正确"}
        )
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def _body(v: Violation) -> str:
    rows = [
        ("当事人", v.subject_name + (f"（{v.expert_id_masked}）" if v.expert_id_masked else "")),
        ("类型", v.get_subject_kind_display()),
        ("处理机关", v.authority),
        ("处理决定文号", v.decision_number),
        ("决定日期", v.decided_on.isoformat()),
        ("处理结果", v.penalty),
    ]
    if v.effective_from or v.effective_until:
        rows.append(("执行期限", f"{v.effective_from or '—'} 至 {v.effective_until or '—'}"))
    table = format_html(
        '<table class="table"><tbody>{}</tbody></table>',
        format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', rows),
    )
    return format_html("{}<h2>违规事实</h2>{}", table, linebreaks(v.facts, autoescape=True))


def _check(
    *,
    subject_kind: str,
    organisation: Organisation | None,
    expert_name: str,
    facts: str,
    authority: str,
    decision_number: str,
    penalty: str,
    decided_on: dt.date | None,
    effective_from: dt.date | None,
    effective_until: dt.date | None,
    today: dt.date,
) -> None:
    errors: dict[str, str] = {}
    if subject_kind not in SubjectKind.values:
        errors["subject_kind"] = "请选择对象类型"
    elif subject_kind == SubjectKind.AGENCY:
        if organisation is None or organisation.kind != OrganisationKind.AGENCY:
            errors["organisation"] = "请选择被处理的代理机构"
    elif not expert_name.strip():
        errors["expert_name"] = "请填写专家姓名"
    for name, value, label in (
        ("facts", facts, "违规事实"),
        ("authority", authority, "处理机关"),
        ("decision_number", decision_number, "处理决定文号"),
        ("penalty", penalty, "处理结果"),
    ):
        if not value.strip():
            errors[name] = f"请填写{label}"
    if decided_on is None:
        errors["decided_on"] = "请填写决定日期"
    elif decided_on > today:
        errors["decided_on"] = "决定日期不能晚于今天"
    if effective_from and effective_until and effective_until < effective_from:
        errors["effective_until"] = "执行截止日期不能早于起始日期"
    if errors:
        raise ValidationFailed("；".join(errors.values()), fields=errors)


@transaction.atomic
def violation_create(
    *,
    actor: User,
    subject_kind: str,
    organisation: Organisation | None = None,
    expert_name: str = "",
    expert_id_number: str = "",
    expert_ref: str = "",
    facts: str,
    authority: str,
    decision_number: str,
    penalty: str,
    decided_on: dt.date | None,
    effective_from: dt.date | None = None,
    effective_until: dt.date | None = None,
    bars_draws_until: dt.date | None = None,
    gate_flag_until: dt.date | None = None,
    document: tuple[str, IO[bytes]] | None = None,
    clock: Clock = system_clock,
) -> Violation:
    """Record a decided violation and submit its 曝光台 article for review. The actor drafts the
    article, so it must be a center 信息编辑 (the article service checks)."""
    _check(
        subject_kind=subject_kind,
        organisation=organisation,
        expert_name=expert_name,
        facts=facts,
        authority=authority,
        decision_number=decision_number,
        penalty=penalty,
        decided_on=decided_on,
        effective_from=effective_from,
        effective_until=effective_until,
        today=local_date(clock.now()),
    )
    assert decided_on is not None
    is_agency = subject_kind == SubjectKind.AGENCY
    masked = mask_id_number(expert_id_number) if (not is_agency and expert_id_number.strip()) else ""
    category = Category.objects.filter(code=EXPOSURE_CATEGORY).first()
    violation = Violation(
        subject_kind=subject_kind,
        organisation=organisation if is_agency else None,
        expert_name="" if is_agency else expert_name.strip()[:50],
        expert_id_masked=masked,
        expert_ref="" if is_agency else expert_ref.strip()[:100],
        facts=facts.strip(),
        authority=authority.strip()[:200],
        decision_number=decision_number.strip()[:100],
        penalty=penalty.strip(),
        decided_on=decided_on,
        effective_from=effective_from,
        effective_until=effective_until,
        bars_draws_until=None if is_agency else bars_draws_until,
        gate_flag_until=gate_flag_until if is_agency else None,
        created_by=actor,
    )
    article = publishing.article_create(
        actor=actor,
        category=category,
        title=f"关于{violation.subject_name}违规行为的处理情况"[:300],
        body_html=_body(violation),
        summary=violation.penalty[:500],
        source=violation.authority[:100],
        doc_number=violation.decision_number,
        uploads=[document] if document is not None else [],
    )
    article = publishing.release_submit(actor=actor, item=article, clock=clock)
    violation.article = article
    attachment = article.attachments.select_related("file").first()
    violation.decision_document = attachment.file if attachment is not None else None
    violation.decision_document_name = attachment.name if attachment is not None else ""
    violation.save()
    audit_record(
        actor=actor,
        action="supervision.violation_create",
        target=violation,
        data={
            "subject_kind": subject_kind,
            "subject": violation.subject_name,
            "decision_number": violation.decision_number,
            "article": article.pk,
        },
        clock=clock,
    )
    return violation


def violation_effects_apply_due(*, clock: Clock = system_clock) -> int:
    """Start the effects of every violation whose exposure article has been published: an agency
    is flagged in the compliance gate until ``gate_flag_until``. Idempotent; run by the worker."""
    today = local_date(clock.now())
    pending = list(
        Violation.objects.filter(
            effects_applied_at__isnull=True,
            article__status__in=(ReleaseStatus.PUBLISHED, ReleaseStatus.CORRECTED),
        ).values_list("pk", flat=True)
    )
    applied = 0
    for pk in pending:
        with transaction.atomic():
            v = Violation.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=pk)
            if v.effects_applied_at is not None:
                continue
            flagged = False
            if v.organisation is not None and v.gate_flag_until is not None and v.gate_flag_until >= today:
                compliance.agency_flag_set(
                    actor=None,
                    organisation=v.organisation,
                    until=v.gate_flag_until,
                    reason=f"曝光台：{v.authority} {v.decision_number}：{v.penalty}"[:300],
                    source="violation",
                    clock=clock,
                )
                flagged = True
            v.effects_applied_at = clock.now()
            v.save(update_fields=["effects_applied_at"])
            audit_record(
                actor=None,
                action="supervision.violation_effects",
                target=v,
                data={
                    "gate_flag_until": str(v.gate_flag_until) if flagged else None,
                    "bars_draws_until": str(v.bars_draws_until) if v.bars_draws_until else None,
                },
                clock=clock,
            )
            applied += 1
    return applied


# ---------------------------------------------------------------- several violations, one 通报

MAX_PER_ARTICLE = 50
# An article still on its way through the review chain, or already public, can carry violations;
# a withdrawn, returned or superseded one cannot (it will never, or no longer, be what the board shows).
GROUP_STATUSES = (
    ReleaseStatus.DRAFT,
    ReleaseStatus.IN_REVIEW,
    ReleaseStatus.SCHEDULED,
    ReleaseStatus.PUBLISHED,
)


@dataclass(frozen=True)
class ViolationEntry:
    """One decided violation to be listed in a 通报 (the fields of :func:`violation_create`)."""

    subject_kind: str
    facts: str
    authority: str
    decision_number: str
    penalty: str
    decided_on: dt.date | None
    organisation: Organisation | None = None
    expert_name: str = ""
    expert_id_number: str = ""
    expert_ref: str = ""
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    bars_draws_until: dt.date | None = None
    gate_flag_until: dt.date | None = None


@transaction.atomic
def violations_record_for_article(
    *,
    actor: User,
    article: Article,
    violations: Sequence[ViolationEntry],
    clock: Clock = system_clock,
) -> list[Violation]:
    """Record several decided violations carried by one existing 曝光台 article — how centers
    publish: one 通报 listing several agencies or experts. The article goes (or went) through
    the normal review chain on its own; the board shows the violations once it is published, and
    their effects start then (the worker's :func:`violation_effects_apply_due`). Center editors
    only; one audit event per violation."""
    require_center(actor, (Role.EDITOR, Role.SYSTEM_ADMIN), "只有交易中心的信息编辑可以登记违规处理")
    locked = Article.objects.select_for_update().select_related("category").filter(pk=article.pk).first()
    if locked is None:
        raise NotFound("曝光台信息不存在")
    if locked.category is None or locked.category.code != EXPOSURE_CATEGORY:
        raise ValidationFailed("只能在“曝光台”栏目的信息中登记违规处理", fields={"article": "栏目不符"})
    if locked.status not in GROUP_STATUSES:
        raise InvalidTransition(f"该信息当前状态为“{locked.get_status_display()}”，不能再登记违规处理")
    if not violations:
        raise ValidationFailed("请至少登记一条违规处理", fields={"violations": "必填"})
    if len(violations) > MAX_PER_ARTICLE:
        raise ValidationFailed(f"一条通报最多登记{MAX_PER_ARTICLE}条违规处理", fields={"violations": "过多"})
    today = local_date(clock.now())
    published_on = local_date(locked.published_at) if locked.published_at else None
    seen: set[tuple[str, str]] = set()
    rows: list[Violation] = []
    for n, entry in enumerate(violations, 1):
        try:
            _check(
                subject_kind=entry.subject_kind,
                organisation=entry.organisation,
                expert_name=entry.expert_name,
                facts=entry.facts,
                authority=entry.authority,
                decision_number=entry.decision_number,
                penalty=entry.penalty,
                decided_on=entry.decided_on,
                effective_from=entry.effective_from,
                effective_until=entry.effective_until,
                today=today,
            )
        except ValidationFailed as exc:
            raise ValidationFailed(f"第{n}条：{exc.message}", fields=exc.fields) from None
        assert entry.decided_on is not None
        if published_on is not None and entry.decided_on > published_on:
            raise ValidationFailed(
                f"第{n}条：决定日期不能晚于通报的发布日期（{published_on.isoformat()}）",
                fields={"decided_on": "晚于发布日期"},
            )
        is_agency = entry.subject_kind == SubjectKind.AGENCY
        subject = (
            str(entry.organisation.pk) if is_agency and entry.organisation else entry.expert_name.strip()
        )
        key = (subject, entry.decision_number.strip())
        if key in seen:
            raise ValidationFailed(
                f"第{n}条：同一当事人的同一处理决定重复登记", fields={"violations": "重复"}
            )
        seen.add(key)
        masked = (
            mask_id_number(entry.expert_id_number)
            if (not is_agency and entry.expert_id_number.strip())
            else ""
        )
        rows.append(
            Violation(
                subject_kind=entry.subject_kind,
                organisation=entry.organisation if is_agency else None,
                expert_name="" if is_agency else entry.expert_name.strip()[:50],
                expert_id_masked=masked,
                expert_ref="" if is_agency else entry.expert_ref.strip()[:100],
                facts=entry.facts.strip(),
                authority=entry.authority.strip()[:200],
                decision_number=entry.decision_number.strip()[:100],
                penalty=entry.penalty.strip(),
                decided_on=entry.decided_on,
                effective_from=entry.effective_from,
                effective_until=entry.effective_until,
                bars_draws_until=None if is_agency else entry.bars_draws_until,
                gate_flag_until=entry.gate_flag_until if is_agency else None,
                article=locked,
                created_by=actor,
            )
        )
    for violation in rows:
        violation.save()
        audit_record(
            actor=actor,
            action="supervision.violation_create",
            target=violation,
            data={
                "subject_kind": violation.subject_kind,
                "subject": violation.subject_name,
                "decision_number": violation.decision_number,
                "article": locked.pk,
                "grouped": len(rows),
            },
            clock=clock,
        )
    return rows
