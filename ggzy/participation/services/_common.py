"""What the participation services share: who may act, text checks, contact checks, audit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Model

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.participation import workflow
from ggzy.publishing.choices import ReleaseStatus
from ggzy.publishing.models import Article, Category

# Who handles the public's input: the business department (信息编辑, 初审) and the general office
# (审核) moderate comments and answer questions. Anything that becomes an article (a consultation
# text, a Q&A publication, an interpretation) is drafted by an editor and then passes the normal
# review chain, where the reviewers of each step decide as for any release.
MODERATOR_ROLES: tuple[str, ...] = (Role.EDITOR, Role.FIRST_REVIEWER, Role.REVIEWER)
DRAFTER_ROLES: tuple[str, ...] = (Role.EDITOR,)

# The longest text each input may have, in characters after trimming.
LIMITS: dict[str, tuple[str, int]] = {
    "display_name": ("署名", 40),
    "contact": ("联系方式", 100),
    "comment": ("意见内容", 2000),
    "asker_name": ("姓名", 50),
    "subject": ("主题", 100),
    "question": ("留言内容", 3000),
    "answer": ("答复内容", 5000),
    "reason": ("说明", 300),
    "title": ("标题", 300),
}

_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,24}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PERIOD = dt.timedelta(days=366)


def require_staff(actor: User | None, roles: tuple[str, ...], what: str) -> User:
    if actor is None or not actor.is_active or not actor.is_center_staff or not actor.has_role(*roles):
        raise PermissionDenied(f"只有本中心的{what}可以进行此操作")
    return actor


def require_moderator(actor: User | None) -> User:
    return require_staff(actor, MODERATOR_ROLES, "信息编辑、初审或审核人员")


def require_drafter(actor: User | None) -> User:
    return require_staff(actor, DRAFTER_ROLES, "信息编辑")


def text(value: object, name: str, *, required: bool = True) -> str:
    """The trimmed text, or a Chinese refusal when it is missing, not text, or too long."""
    label, limit = LIMITS[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{label}格式不正确", fields={name: "格式不正确"})
    value = value.strip()
    if "\x00" in value:
        raise ValidationFailed(f"{label}含有无效字符", fields={name: "含有无效字符"})
    if required and not value:
        raise ValidationFailed(f"请填写{label}", fields={name: "必填"})
    if len(value) > limit:
        raise ValidationFailed(
            f"{label}不能超过{limit}个字（现有{len(value)}个字）",
            code="too_long",
            fields={name: f"不能超过{limit}个字"},
        )
    return value


def contact(value: object) -> str:
    """An optional phone number or e-mail address."""
    value = text(value, "contact", required=False)
    if value and not (_PHONE.match(value) or _EMAIL.match(value)):
        raise ValidationFailed(
            "联系方式请填写手机/电话号码或电子邮箱", fields={"contact": "请填写电话号码或电子邮箱"}
        )
    return value


def parse_id(value: object, label: str, field: str) -> int:
    """A row id from a form or URL; garbage is refused in Chinese, never a 500."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value) < 12:
        number = int(value.strip())
    else:
        raise ValidationFailed(f"{label}编号无效", code="bad_id", fields={field: "编号无效"})
    if number <= 0 or number > 2**62:
        raise ValidationFailed(f"{label}编号无效", code="bad_id", fields={field: "编号无效"})
    return number


def period(opens_at: object, closes_at: object, *, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    errors: dict[str, str] = {}
    if not isinstance(opens_at, dt.datetime) or opens_at.tzinfo is None:
        errors["opens_at"] = "请填写征集开始时间"
    if not isinstance(closes_at, dt.datetime) or closes_at.tzinfo is None:
        errors["closes_at"] = "请填写征集截止时间"
    if errors:
        raise ValidationFailed("；".join(errors.values()), fields=errors)
    assert isinstance(opens_at, dt.datetime)
    assert isinstance(closes_at, dt.datetime)
    if closes_at <= opens_at:
        raise ValidationFailed("征集截止时间必须晚于开始时间", fields={"closes_at": "必须晚于开始时间"})
    if closes_at - opens_at > MAX_PERIOD:
        raise ValidationFailed("征集期不能超过一年", fields={"closes_at": "征集期不能超过一年"})
    if closes_at <= now:
        raise ValidationFailed("征集截止时间已过，请重新设定", fields={"closes_at": "不能早于现在"})
    return opens_at, closes_at


def category(code: str) -> Category:
    found = Category.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise ValidationFailed(f"栏目“{code}”不存在或已停用，请联系系统管理员", code="no_category")
    return found


def published_article(value: object, *, label: str, field: str) -> Article:
    """A published article by id — the newest version when the id names a corrected one."""
    pk = parse_id(value, label, field)
    article = Article.objects.filter(pk=pk).select_related("category").first()
    if article is not None and article.status == ReleaseStatus.CORRECTED:
        article = (
            Article.objects.filter(lineage_id=article.lineage_id, status=ReleaseStatus.PUBLISHED)
            .select_related("category")
            .order_by("-version")
            .first()
        )
    if article is None:
        raise ValidationFailed(f"{label}不存在", code="not_found", fields={field: "不存在"})
    if article.status != ReleaseStatus.PUBLISHED:
        raise ValidationFailed(
            f"{label}尚未发布（当前状态：{article.get_status_display()}），只能关联已发布的文件",
            code="not_published",
            fields={field: "尚未发布"},
        )
    return article


def transition_comment(name: str, status: str) -> str:
    try:
        return workflow.ensure_comment(name, status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None


def transition_question(name: str, status: str) -> str:
    try:
        return workflow.ensure_question(name, status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None


def audit(target: Model | None, *, actor: User | None, action: str, clock: Clock, **data: Any) -> None:
    audit_record(actor=actor, action=action, target=target, data=data, clock=clock)
