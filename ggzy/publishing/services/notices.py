"""Drafting trade notices (交易公告) published by the center. Agency-signed notices arrive through
the agency-publishing issue and reuse these field rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.publishing import workflow
from ggzy.publishing.choices import NoticeKind, ReleaseStatus, TradeDomain
from ggzy.publishing.models import Notice
from ggzy.publishing.sanitize import clean_html
from ggzy.publishing.services.articles import Upload, attach_files, precheck_uploads

FIELDS = (
    "kind",
    "domain",
    "is_prequalification",
    "changes",
    "project_code",
    "project_name",
    "section_code",
    "section_name",
    "tenderer_name",
    "agency_name",
    "budget",
    "price_cap",
    "bid_deadline",
    "opening_at",
    "publicity_start",
    "publicity_end",
    "winner_name",
    "award_amount",
)


def validate_notice_fields(data: dict[str, Any]) -> None:
    """Field rules every notice must meet, whoever publishes it. Raises with every problem at once."""
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > 300:
        errors["title"] = "标题不能超过300字"
    kind, domain = data.get("kind"), data.get("domain")
    if kind not in NoticeKind.values:
        errors["kind"] = "请选择公告类型"
    if domain not in TradeDomain.values:
        errors["domain"] = "请选择交易类别"
    for money in ("budget", "price_cap", "award_amount"):
        value = data.get(money)
        if value is not None and (not isinstance(value, Decimal) or value < 0 or value >= Decimal("1e14")):
            errors[money] = "金额应为不小于0的数字（单位：元）"
    if kind == NoticeKind.CHANGE:
        target = data.get("changes")
        if target is None:
            errors["changes"] = "变更公告必须指明所变更的原公告"
        elif target.status not in (ReleaseStatus.PUBLISHED, ReleaseStatus.CORRECTED):
            errors["changes"] = "只能变更已发布的公告"
    elif data.get("changes") is not None:
        errors["changes"] = "只有变更公告可以指向原公告"
    if kind == NoticeKind.TENDER:
        deadline, opening = data.get("bid_deadline"), data.get("opening_at")
        if deadline is None:
            errors["bid_deadline"] = "招标公告必须填写投标截止时间"
        if opening is not None and deadline is not None and opening < deadline:
            errors["opening_at"] = "开标时间不能早于投标截止时间"
    start, end = data.get("publicity_start"), data.get("publicity_end")
    if kind == NoticeKind.CANDIDATE and (start is None or end is None):
        errors["publicity_end"] = "中标候选人公示必须填写公示起止日期"
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors["publicity_end"] = "公示结束日期不能早于开始日期"
    if errors:
        raise ValidationFailed("；".join(errors.values()), fields=errors)


@transaction.atomic
def notice_create(
    *,
    actor: User,
    title: str,
    body_html: str = "",
    publish_at: dt.datetime | None = None,
    uploads: Sequence[Upload] = (),
    **fields: Any,
) -> Notice:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationFailed(f"未知字段：{'、'.join(sorted(unknown))}")
    if not actor.has_role(Role.EDITOR) or actor.organisation is None:
        raise PermissionDenied("只有交易中心的信息编辑可以起草交易公告")
    validate_notice_fields({"title": title, **fields})
    precheck_uploads(uploads)
    notice = Notice.objects.create(
        title=title.strip(),
        body_html=clean_html(body_html),
        publish_at=publish_at,
        author=actor,
        organisation=actor.organisation,
        **fields,
    )
    notice.lineage_id = notice.pk
    notice.save(update_fields=["lineage_id"])
    attach_files(notice=notice, uploads=uploads)
    audit_record(
        actor=actor,
        action="notice.create",
        target=notice,
        data={"title": notice.title, "kind": notice.kind, "domain": notice.domain},
    )
    return notice


@transaction.atomic
def notice_update(
    *,
    actor: User,
    notice: Notice,
    title: str,
    body_html: str,
    publish_at: dt.datetime | None = None,
    uploads: Sequence[Upload] = (),
    **fields: Any,
) -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    try:
        workflow.ensure_allowed("edit", notice.status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None
    if not (
        notice.author_id == actor.pk
        or (actor.has_role(Role.EDITOR) and actor.organisation_id == notice.organisation_id)
    ):
        raise PermissionDenied("只有起草人或本单位信息编辑可以修改")
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationFailed(f"未知字段：{'、'.join(sorted(unknown))}")
    validate_notice_fields({"title": title, **fields})
    precheck_uploads(uploads)
    notice.title = title.strip()
    notice.body_html = clean_html(body_html)
    notice.publish_at = publish_at
    for name, value in fields.items():
        setattr(notice, name, value)
    notice.save(update_fields=["title", "body_html", "publish_at", *fields.keys(), "updated_at"])
    attach_files(notice=notice, uploads=uploads)
    audit_record(actor=actor, action="notice.update", target=notice, data={"title": notice.title})
    return notice
