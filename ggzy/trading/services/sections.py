"""Sections (标段/包): create, update, link the tender notice, publish, change the deadline, close
bidding, terminate. One function per transition of ``trading.workflow``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import SHANGHAI, Clock, system_clock
from ggzy.core.errors import ValidationFailed
from ggzy.publishing.choices import NoticeKind, ReleaseStatus
from ggzy.publishing.models import Notice
from ggzy.trading import access, codes, workflow
from ggzy.trading.choices import DeadlineChangeCause, EvaluationMethod, SectionStatus, TradeDomain
from ggzy.trading.config import trading_rules
from ggzy.trading.models import DeadlineChange, Section, TenderFile, TenderProject
from ggzy.trading.services import _common as c
from ggzy.trading.services.projects import _name

SHANGHAI_FMT = "%Y-%m-%d %H:%M"


def _fmt(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime(SHANGHAI_FMT)


def summary_fields_for(keys: Sequence[str]) -> list[dict[str, str]]:
    """The bid-summary items for ``keys``, copied from the configured catalogue (in catalogue
    order) so a later change of the catalogue does not change a published section."""
    rules = trading_rules()
    catalogue = {item["key"]: item for item in rules.summary_catalogue}
    unknown = [k for k in keys if k not in catalogue]
    if unknown:
        raise ValidationFailed(f"未知的唱标内容：{'、'.join(unknown)}", fields={"summary_keys": "无效"})
    missing = [catalogue[k]["label"] for k in rules.required_summary_keys if k not in keys]
    if missing:
        raise ValidationFailed(
            f"唱标内容必须包含：{'、'.join(missing)}", fields={"summary_keys": "缺少必选项"}
        )
    return [dict(item) for item in rules.summary_catalogue if item["key"] in keys]


def _money(value: Decimal | None, label: str, field: str) -> None:
    if value is not None and value < 0:
        raise ValidationFailed(f"{label}不能为负数", fields={field: "无效"})


def check_times(
    *, bid_deadline: dt.datetime | None, opening_at: dt.datetime | None, now: dt.datetime
) -> None:
    """Deadline in the future; opening not before the deadline (投标截止时间的同一时间开标 is the
    rule; later is allowed for a scheduled hall); both or neither."""
    if (bid_deadline is None) != (opening_at is None):
        raise ValidationFailed(
            "投标截止时间和开标时间须同时填写",
            fields={"bid_deadline" if bid_deadline is None else "opening_at": "必填"},
        )
    if bid_deadline is None or opening_at is None:
        return
    if bid_deadline <= now:
        raise ValidationFailed(
            f"投标截止时间（{_fmt(bid_deadline)}）必须晚于当前时间（{_fmt(now)}）",
            fields={"bid_deadline": "须晚于当前时间"},
        )
    if opening_at < bid_deadline:
        raise ValidationFailed(
            f"开标时间（{_fmt(opening_at)}）不能早于投标截止时间（{_fmt(bid_deadline)}）",
            fields={"opening_at": "不能早于投标截止时间"},
        )


def _decryption(minutes: int | None) -> int:
    rules = trading_rules()
    if minutes is None:
        return rules.decryption_minutes
    if not 1 <= minutes <= rules.max_decryption_minutes:
        raise ValidationFailed(
            f"解密时限应在 1 至 {rules.max_decryption_minutes} 分钟之间",
            fields={"decryption_minutes": "超出范围"},
        )
    return minutes


def _backup(allows: bool, k: int | None, n: int | None) -> tuple[int | None, int | None]:
    if not allows:
        return None, None
    if k is None or n is None:
        raise ValidationFailed("允许备用解密时须填写门限 k 和保管人数 n", fields={"backup_k": "必填"})
    if not (2 <= n <= 9 and 1 <= k <= n):
        raise ValidationFailed(
            "备用解密应满足 1 ≤ k ≤ n，且保管人数 n 在 2 至 9 之间", fields={"backup_k": "无效"}
        )
    return k, n


def _evaluation(method: str, params: Mapping[str, Any] | None, *, domain: str) -> tuple[str, dict[str, Any]]:
    """The method must suit the project's domain (政府采购：综合评分法/最低评标价法；工程建设：
    综合评估法/经评审的最低投标价法) and agree with the method named in its parameters, if any.
    The parameters themselves are checked by the evaluation when the committee starts."""
    method = (method or "").strip()
    if method and method not in EvaluationMethod.values:
        raise ValidationFailed("请选择有效的评标办法", fields={"evaluation_method": "无效"})
    if params is not None and not isinstance(params, Mapping):
        raise ValidationFailed("评标办法参数应为 JSON 对象", fields={"evaluation_params": "无效"})
    params = dict(params or {})
    named = params.get("method")
    problem = workflow.method_problem(
        domain=domain,
        domain_label=TradeDomain(domain).label if domain in TradeDomain.values else domain,
        method=method,
        params_method=named if isinstance(named, str) else str(named or ""),
    )
    if problem:
        field = "evaluation_params" if named and named != method else "evaluation_method"
        raise ValidationFailed(problem, fields={field: "与交易类别或评标办法不符"})
    return method, params


@transaction.atomic
def section_create(
    *,
    actor: User,
    tender_project: TenderProject,
    name: str,
    budget: Decimal | None = None,
    price_cap: Decimal | None = None,
    clock: Clock = system_clock,
) -> Section:
    """Add a section: code = tender project code + the next 3-digit sequence. Times, summary items
    and the evaluation method are set with :func:`section_update` while it is a draft."""
    tender_project = (
        TenderProject.objects.select_for_update().select_related("project").get(pk=tender_project.pk)
    )
    access.require_manager(actor, tender_project.project, today=c.today(clock))
    name = _name(name, label="标段(包)名称")
    _money(budget, "标段预算", "budget")
    _money(price_cap, "最高投标限价", "price_cap")
    try:
        code = codes.next_child_code(
            tender_project.code, tender_project.sections.values_list("code", flat=True)
        )
    except codes.CodeProblem as exc:
        raise ValidationFailed(exc.message) from None
    rules = trading_rules()
    section = Section.objects.create(
        tender_project=tender_project,
        code=code,
        name=name,
        budget=budget,
        price_cap=price_cap,
        decryption_minutes=rules.decryption_minutes,
        summary_fields=summary_fields_for(rules.required_summary_keys),
        created_by=actor,
        created_at=clock.now(),
    )
    c.audit(section, actor=actor, action="trading.section_create", clock=clock, code=code, name=name)
    return section


@transaction.atomic
def section_update(
    *,
    actor: User,
    section: Section,
    name: str,
    budget: Decimal | None = None,
    price_cap: Decimal | None = None,
    bid_deadline: dt.datetime | None = None,
    opening_at: dt.datetime | None = None,
    decryption_minutes: int | None = None,
    allows_backup_decryption: bool = False,
    backup_k: int | None = None,
    backup_n: int | None = None,
    summary_keys: Sequence[str] = ("price",),
    evaluation_method: str = "",
    evaluation_params: Mapping[str, Any] | None = None,
    clock: Clock = system_clock,
) -> Section:
    """Change a section's facts. Times are set here only while it is a draft (afterwards
    :func:`section_deadline_change`, with a reason). Nothing changes once the bid deadline has
    passed: the evaluation method and the readout are then frozen."""
    section = c.lock_section(section)
    access.require_manager(actor, section.project, today=c.today(clock))
    c.transition("edit", section)
    now = clock.now()
    if section.bid_deadline is not None and now >= section.bid_deadline:
        raise ValidationFailed("投标已截止，标段信息（含评标办法、唱标内容）已冻结，不能修改")
    name = _name(name, label="标段(包)名称")
    _money(budget, "标段预算", "budget")
    _money(price_cap, "最高投标限价", "price_cap")
    times_changed = (bid_deadline, opening_at) != (section.bid_deadline, section.opening_at)
    if times_changed:
        c.transition("set_times", section)  # published: only through section_deadline_change
        check_times(bid_deadline=bid_deadline, opening_at=opening_at, now=now)
    k, n = _backup(allows_backup_decryption, backup_k, backup_n)
    method, params = _evaluation(evaluation_method, evaluation_params, domain=section.project.domain)
    before = {"bid_deadline": c.iso(section.bid_deadline), "opening_at": c.iso(section.opening_at)}
    section.name, section.budget, section.price_cap = name, budget, price_cap
    section.bid_deadline, section.opening_at = bid_deadline, opening_at
    section.decryption_minutes = _decryption(decryption_minutes)
    section.allows_backup_decryption, section.backup_k, section.backup_n = allows_backup_decryption, k, n
    section.summary_fields = summary_fields_for(summary_keys)
    section.evaluation_method, section.evaluation_params = method, params
    section.save()
    c.audit(
        section,
        actor=actor,
        action="trading.section_update",
        clock=clock,
        before=before,
        bid_deadline=c.iso(bid_deadline),
        opening_at=c.iso(opening_at),
        summary=[f["key"] for f in section.summary_fields],
        evaluation_method=method,
    )
    return section


@transaction.atomic
def section_link_tender_notice(
    *, actor: User, section: Section, notice: Notice, clock: Clock = system_clock
) -> Section:
    """Link the published tender notice (招标公告) of the publishing app to a draft section."""
    section = c.lock_section(section)
    access.require_manager(actor, section.project, today=c.today(clock))
    c.transition("link_tender_notice", section)
    if notice.kind != NoticeKind.TENDER:
        raise ValidationFailed("只能关联招标/采购公告", fields={"notice": "不是招标公告"})
    if notice.status != ReleaseStatus.PUBLISHED:
        raise ValidationFailed("只能关联已发布（且未被更正或撤回）的招标公告", fields={"notice": "未发布"})
    if notice.project_code.strip().upper() != section.project.code:
        raise ValidationFailed(
            f"公告的项目编号（{notice.project_code or '未填写'}）"
            f"与本项目编号（{section.project.code}）不一致",
            fields={"notice": "项目编号不一致"},
        )
    if notice.section_code and notice.section_code.strip().upper() != section.code:
        raise ValidationFailed(
            f"公告的标段编号（{notice.section_code}）与本标段编号（{section.code}）不一致",
            fields={"notice": "标段编号不一致"},
        )
    section.tender_notice = notice
    section.save(update_fields=["tender_notice", "updated_at"])
    c.audit(section, actor=actor, action="trading.section_link_tender_notice", clock=clock, notice=notice.pk)
    return section


@transaction.atomic
def section_publish(*, actor: User, section: Section, clock: Clock = system_clock) -> Section:
    """Open a section for bidding: it needs its tender notice, its times and a tender file."""
    section = c.lock_section(section)
    access.require_manager(actor, section.project, today=c.today(clock))
    status = c.transition("publish", section)
    missing = []
    if section.tender_notice_id is None:
        missing.append("关联已发布的招标公告")
    if section.bid_deadline is None or section.opening_at is None:
        missing.append("设置投标截止时间和开标时间")
    if not TenderFile.objects.filter(section=section).exists():
        missing.append("上传招标文件")
    if missing:
        raise ValidationFailed(f"发布前请先{'、'.join(missing)}")
    check_times(bid_deadline=section.bid_deadline, opening_at=section.opening_at, now=clock.now())
    section.status, section.published_at = status, clock.now()
    section.save(update_fields=["status", "published_at", "updated_at"])
    c.audit(
        section,
        actor=actor,
        action="trading.section_publish",
        clock=clock,
        bid_deadline=c.iso(section.bid_deadline),
    )
    return section


def move_deadline(
    section: Section,
    *,
    actor: User,
    new_deadline: dt.datetime,
    new_opening_at: dt.datetime | None,
    reason: str,
    cause: str,
    clock: Clock,
    tender_file: TenderFile | None = None,
) -> DeadlineChange:
    """Move a locked, published section's deadline (and opening: by the same amount unless
    given); the caller has checked the transition. Recorded as a DeadlineChange and audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写变更投标截止时间的原因", fields={"reason": "必填"})
    assert section.bid_deadline is not None
    assert section.opening_at is not None
    now = clock.now()
    if now >= section.bid_deadline:
        raise ValidationFailed("投标已截止，不能再变更投标截止时间")
    if new_opening_at is None:
        new_opening_at = section.opening_at + (new_deadline - section.bid_deadline)
    check_times(bid_deadline=new_deadline, opening_at=new_opening_at, now=now)
    change = DeadlineChange.objects.create(
        section=section,
        cause=cause,
        old_deadline=section.bid_deadline,
        new_deadline=new_deadline,
        old_opening_at=section.opening_at,
        new_opening_at=new_opening_at,
        reason=reason,
        tender_file=tender_file,
        changed_by=actor,
        changed_at=now,
    )
    section.bid_deadline, section.opening_at = new_deadline, new_opening_at
    section.save(update_fields=["bid_deadline", "opening_at", "updated_at"])
    c.audit(
        section,
        actor=actor,
        action="trading.section_deadline_change",
        clock=clock,
        cause=cause,
        old_deadline=c.iso(change.old_deadline),
        new_deadline=c.iso(new_deadline),
        old_opening_at=c.iso(change.old_opening_at),
        new_opening_at=c.iso(new_opening_at),
        reason=reason,
        tender_file=tender_file.pk if tender_file else None,
    )
    return change


@transaction.atomic
def section_deadline_change(
    *,
    actor: User,
    section: Section,
    new_deadline: dt.datetime,
    reason: str,
    new_opening_at: dt.datetime | None = None,
    clock: Clock = system_clock,
) -> DeadlineChange:
    """The tenderer moves a published section's deadline before it passes, with a reason."""
    section = c.lock_section(section)
    access.require_manager(actor, section.project, today=c.today(clock))
    c.transition("change_deadline", section)
    return move_deadline(
        section,
        actor=actor,
        new_deadline=new_deadline,
        new_opening_at=new_opening_at,
        reason=reason,
        cause=DeadlineChangeCause.MANUAL,
        clock=clock,
    )


@transaction.atomic
def section_close_bidding(*, actor: User | None, section: Section, clock: Clock = system_clock) -> Section:
    """Close bidding once the deadline has passed by the server clock (``actor`` None: the
    scheduled job). Managers may trigger it too; it never closes early."""
    section = c.lock_section(section)
    if actor is not None:
        access.require_manager(actor, section.project, today=c.today(clock))
    status = c.transition("close_bidding", section)
    now = clock.now()
    assert section.bid_deadline is not None
    if now < section.bid_deadline:
        raise ValidationFailed(f"投标截止时间（{_fmt(section.bid_deadline)}）未到，不能截止投标")
    section.status, section.closed_at = status, now
    section.save(update_fields=["status", "closed_at", "updated_at"])
    c.audit(section, actor=actor, action="trading.section_close_bidding", clock=clock)
    return section


@transaction.atomic
def sections_close_due(*, clock: Clock = system_clock) -> int:
    """Close every published section whose deadline has passed (for the worker); returns how many."""
    due = Section.objects.filter(status=SectionStatus.PUBLISHED, bid_deadline__lte=clock.now()).values_list(
        "pk", flat=True
    )
    count = 0
    for pk in list(due):
        section_close_bidding(actor=None, section=Section(pk=pk), clock=clock)
        count += 1
    return count


@transaction.atomic
def section_terminate(*, actor: User, section: Section, reason: str, clock: Clock = system_clock) -> Section:
    """Terminate a section before bidding closes (招标终止), with the reason."""
    section = c.lock_section(section)
    access.require_manager(actor, section.project, today=c.today(clock))
    status = c.transition("terminate", section)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写终止原因", fields={"reason": "必填"})
    if (
        section.bid_deadline is not None
        and clock.now() >= section.bid_deadline
        and section.status != SectionStatus.DRAFT
    ):
        raise ValidationFailed("投标已截止，不能在此终止；请按开标后的程序处理")
    section.status, section.terminated_at, section.termination_reason = status, clock.now(), reason
    section.save(update_fields=["status", "terminated_at", "termination_reason", "updated_at"])
    c.audit(section, actor=actor, action="trading.section_terminate", clock=clock, reason=reason)
    return section


@transaction.atomic
def section_fail(
    *, actor: User | None, section: Section, retender: bool, reason: str, clock: Clock = system_clock
) -> Section:
    """After a failed evaluation (评标失败: all bids rejected, too few valid bids, every candidate
    declined) or a failed opening (不予开标): the section is failed and re-tendered (流标，重新招标 —
    the new round is a new tender project of the same project) or terminated (终止招标). Only
    after bidding has closed.

    ``actor`` is the tenderer's side deciding (tenderer, mandated agency, center administrator),
    or ``None``: the platform applying a consequence the law fixes — the opening app when fewer
    than three bidders submitted under the tendering law (招标投标法第二十八条: the tenderer *shall*
    re-tender, nobody decides), or when too few bids (or none) were decrypted at the opening
    (电子招标投标办法第三十一条 with 实施条例第四十四条 or 政府采购法第三十六条).
    That caller has checked its own actor (the host) and writes its own audit event naming the
    host in the same transaction."""
    section = c.lock_section(section)
    if actor is not None:
        access.require_manager(actor, section.project, today=c.today(clock))
    elif not retender:
        raise ValidationFailed("终止招标须由招标人决定")
    status = c.transition("fail_retender" if retender else "fail_terminate", section)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写流标或终止的原因", fields={"reason": "必填"})
    section.status, section.terminated_at, section.termination_reason = status, clock.now(), reason
    section.save(update_fields=["status", "terminated_at", "termination_reason", "updated_at"])
    c.audit(
        section,
        actor=actor,
        action="trading.section_fail",
        clock=clock,
        retender=retender,
        reason=reason,
    )
    return section
