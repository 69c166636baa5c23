"""Writes of the portal: the big screen's announcements (大屏公告). Center editors only; every
change is audited in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.errors import NotFound, PermissionDenied, ValidationFailed
from ggzy.portal.models import ScreenAnnouncement

MAX_TEXT = 200


def may_manage_screen(user: User) -> bool:
    return bool(user.is_authenticated and user.is_center_staff and user.has_role(Role.EDITOR))


def _check_actor(actor: User) -> None:
    if not may_manage_screen(actor):
        raise PermissionDenied("只有交易中心的信息编辑可以管理大屏公告")


def _clean(
    *, text: str, starts_at: dt.datetime | None, ends_at: dt.datetime | None, position: int
) -> tuple[str, dt.datetime, dt.datetime | None, int]:
    text = " ".join((text or "").split())
    fields: dict[str, str] = {}
    if not text:
        fields["text"] = "必填"
    elif len(text) > MAX_TEXT:
        fields["text"] = f"不超过 {MAX_TEXT} 字"
    if starts_at is None:
        fields["starts_at"] = "必填"
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        fields["ends_at"] = "结束时间应晚于开始时间"
    if not 0 <= position <= 999:
        fields["position"] = "应在 0 到 999 之间"
    if fields:
        raise ValidationFailed(
            "大屏公告填写有误：" + "；".join(f"{v}" for v in fields.values()), fields=fields
        )
    assert starts_at is not None
    return text, starts_at, ends_at, position


@transaction.atomic
def screen_announcement_create(
    *,
    actor: User,
    text: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None = None,
    position: int = 0,
    active: bool = True,
) -> ScreenAnnouncement:
    _check_actor(actor)
    text, starts_at, ends_at, position = _clean(
        text=text, starts_at=starts_at, ends_at=ends_at, position=position
    )
    item = ScreenAnnouncement.objects.create(
        text=text, starts_at=starts_at, ends_at=ends_at, position=position, active=active, created_by=actor
    )
    audit_record(actor=actor, action="portal.screen_announcement_create", target=item, data=_data(item))
    return item


@transaction.atomic
def screen_announcement_update(
    *,
    actor: User,
    announcement: ScreenAnnouncement,
    text: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    position: int,
    active: bool,
) -> ScreenAnnouncement:
    _check_actor(actor)
    item = ScreenAnnouncement.objects.select_for_update().filter(pk=announcement.pk).first()
    if item is None:
        raise NotFound("大屏公告不存在")
    before = _data(item)
    item.text, item.starts_at, item.ends_at, item.position = _clean(
        text=text, starts_at=starts_at, ends_at=ends_at, position=position
    )
    item.active = active
    item.save(update_fields=["text", "starts_at", "ends_at", "position", "active", "updated_at"])
    audit_record(
        actor=actor,
        action="portal.screen_announcement_update",
        target=item,
        data={"before": before, "after": _data(item)},
    )
    return item


@transaction.atomic
def screen_announcement_delete(*, actor: User, announcement: ScreenAnnouncement) -> None:
    _check_actor(actor)
    item = ScreenAnnouncement.objects.select_for_update().filter(pk=announcement.pk).first()
    if item is None:
        raise NotFound("大屏公告不存在")
    data = _data(item)
    target = ("portal.screenannouncement", str(item.pk))
    item.delete()
    audit_record(actor=actor, action="portal.screen_announcement_delete", target=target, data=data)


def _data(item: ScreenAnnouncement) -> dict[str, object]:
    return {
        "text": item.text,
        "starts_at": item.starts_at.isoformat(),
        "ends_at": item.ends_at.isoformat() if item.ends_at else None,
        "position": item.position,
        "active": item.active,
    }
