"""Every write of the annual report: draft (and regenerate), edit the texts, submit, review,
return, sign off (freezes the snapshot), publish, correct. One function per transition, checked
against ``workflow.TRANSITIONS`` (status and role), each writing its audit event in its
transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from ggzy.accounts.models import User
from ggzy.annual_report import figures, selectors, text, workflow
from ggzy.annual_report.models import AnnualReport
from ggzy.audit.services import audit_record
from ggzy.core.canonical import canonical_json
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed

EDITABLE = {
    "intro": "导语",
    "general": "一、总体情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}
TEXT_LIMIT = 20000


def _require(actor: User | None, transition: str, *, system_allowed: bool = False) -> None:
    roles = workflow.roles_for(transition)
    if actor is None:
        if system_allowed:
            return
        raise PermissionDenied("该操作必须由具体工作人员办理")
    if not actor.is_active or not actor.is_center_staff or not actor.has_role(*roles):
        who = "、".join(workflow.ROLE_LABELS[r] for r in roles)
        raise PermissionDenied(f"只有本中心的{who}可以{workflow.TRANSITIONS[transition].label}年度报告")


def _check(transition: str, report: AnnualReport) -> str:
    try:
        workflow.ensure_allowed(transition, report.status)
    except workflow.TransitionNotAllowed as exc:
        code = (
            "already_published" if report.status == workflow.PUBLISHED and transition == "publish" else None
        )
        raise InvalidTransition(str(exc), code=code) from None
    return workflow.TRANSITIONS[transition].target


def _lock(report: AnnualReport) -> AnnualReport:
    return AnnualReport.objects.select_for_update().get(pk=report.pk)


def _audit(report: AnnualReport, *, actor: User | None, action: str, clock: Clock, **data: Any) -> None:
    audit_record(
        actor=actor,
        action=f"annual_report.{action}",
        target=report,
        data={"year": report.year, "version": report.version, **data},
        clock=clock,
    )


def _default_texts(year: int, data: dict[str, Any]) -> dict[str, str]:
    center = str(settings.GGZY_SITE["center_name"])
    values = data["figures"]
    return {
        "intro": text.default_intro(center),
        "general": text.default_general(values, year=year),
        "problems": "",
        "other": text.default_other(values, year=year),
    }


def _clear_approvals(report: AnnualReport) -> None:
    report.reviewed_by = report.signed_by = None
    report.reviewed_at = report.signed_at = None
    report.snapshot, report.snapshot_sha256 = None, ""


@transaction.atomic
def report_draft(*, actor: User | None, year: int, clock: Clock = system_clock) -> AnnualReport:
    """Create the year's draft (texts generated from the data), or regenerate the current
    unpublished version. ``actor=None`` is the CLI. A published year needs :func:`report_correct`."""
    _require(actor, "regenerate", system_allowed=True)
    selectors.validate_year(year, clock=clock)
    current = selectors.report_current(year=year)
    if current is not None:
        if current.is_public:
            raise InvalidTransition(
                f"{year}年报告已公布（第{current.version}版），公布的报告不能重新生成；如数据有误，请生成更正版本",
                code="already_published",
            )
        return report_regenerate(actor=actor, report=current, clock=clock)
    data = selectors.report_data(year)
    texts = _default_texts(year, data)
    try:
        with transaction.atomic():
            report = AnnualReport.objects.create(
                year=year,
                version=1,
                data=data,
                computed_at=clock.now(),
                drafted_by=actor,
                **{f"text_{k}": v for k, v in texts.items()},
            )
    except IntegrityError:
        raise InvalidTransition(
            f"{year}年报告正在由他人起草，请刷新后重试", code="concurrent_draft"
        ) from None
    _audit(report, actor=actor, action="draft", clock=clock, data_sha256=selectors.data_digest(data))
    return report


@transaction.atomic
def report_regenerate(
    *, actor: User | None, report: AnnualReport, reset_texts: bool = False, clock: Clock = system_clock
) -> AnnualReport:
    """Recompute every number from the records (after the underlying data were corrected). The
    report returns to draft: every approval is cleared, so it needs a new review and sign-off."""
    _require(actor, "regenerate", system_allowed=True)
    report = _lock(report)
    target = _check("regenerate", report)
    previous = report.status
    report.data = selectors.report_data(report.year)
    report.computed_at = clock.now()
    report.status = target
    _clear_approvals(report)
    if reset_texts:
        texts = _default_texts(report.year, report.data)
        report.text_intro, report.text_general, report.text_other = (
            texts["intro"],
            texts["general"],
            texts["other"],
        )
    report.save()
    _audit(
        report,
        actor=actor,
        action="regenerate",
        clock=clock,
        previous_status=previous,
        reset_texts=reset_texts,
        data_sha256=selectors.data_digest(report.data),
    )
    return report


def _cell_name(key: str) -> str:
    """A readable name for a computed cell an edit tried to set (``table3.1.natural_person``)."""
    parts = key.split(".")
    if parts[0] == "table3" and len(parts) >= 2:
        from ggzy.disclosure import outcomes

        row = outcomes.ROW_BY_CODE.get(parts[1])
        col = parts[2] if len(parts) > 2 else ""
        columns = dict(zip(selectors.COLUMN_KEYS, selectors.COLUMNS, strict=True))
        if row is not None:
            return f"表三“{row.label}”行" + (f"“{columns.get(col, col)}”列" if col else "")
    if parts[0] == "table4" and len(parts) >= 2:
        group = selectors.TABLE4_GROUP_LABELS.get(parts[1], parts[1])
        cell = selectors.TABLE4_CELL_LABELS.get(parts[2], parts[2]) if len(parts) > 2 else ""
        return f"表四“{group}”{('“' + cell + '”') if cell else ''}"
    if parts[0] == "table2":
        return "表二“" + ".".join(parts[1:]) + "”"
    if parts[0] == "figures" and len(parts) >= 2:
        name = ".".join(parts[1:])
        figure = figures.FIGURES.get(name)
        return f"数字“{figure.label if figure else name}”"
    return key


@transaction.atomic
def report_update(
    *, actor: User, report: AnnualReport, changes: Mapping[str, str], clock: Clock = system_clock
) -> AnnualReport:
    """Edit the texts of a draft. Every number is computed: an attempt to set a table cell or a
    figure is refused (fix the underlying record — audited in its own app — and regenerate), and
    a text may only refer to figures that exist."""
    _require(actor, "edit")
    computed = [k for k in changes if k not in EDITABLE]
    if computed:
        names = "、".join(_cell_name(k) for k in computed)
        raise ValidationFailed(
            f"{names}由平台根据原始记录计算，不能手工修改。如数据有误，请更正原始记录（如申请、复议案件、"
            "发布记录）后重新生成报告。",
            code="computed_cell",
            fields=dict.fromkeys(computed, "计算值，不能修改"),
        )
    report = _lock(report)
    _check("edit", report)
    fields: dict[str, str] = {}
    for key, value in changes.items():
        value = value.replace("\r\n", "\n").strip()
        if len(value) > TEXT_LIMIT:
            fields[key] = f"不能超过{TEXT_LIMIT}个字符"
            continue
        unknown = [n for n in text.placeholders(value) if n not in figures.FIGURES]
        if unknown:
            fields[key] = "引用了不存在的数字：" + "、".join(unknown)
            continue
        setattr(report, f"text_{key}", value)
    if fields:
        raise ValidationFailed(
            "正文未保存：" + "；".join(f"{EDITABLE[k]}{v}" for k, v in fields.items()),
            code="bad_text",
            fields=fields,
        )
    report.save()
    _audit(report, actor=actor, action="edit", clock=clock, sections=sorted(changes))
    return report


@transaction.atomic
def report_submit(*, actor: User, report: AnnualReport, clock: Clock = system_clock) -> AnnualReport:
    _require(actor, "submit")
    report = _lock(report)
    report.status = _check("submit", report)
    report.return_comment = ""
    report.save()
    _audit(report, actor=actor, action="submit", clock=clock)
    return report


@transaction.atomic
def report_review(*, actor: User, report: AnnualReport, clock: Clock = system_clock) -> AnnualReport:
    """The head of the disclosure office approves the draft for sign-off."""
    _require(actor, "review")
    report = _lock(report)
    report.status = _check("review", report)
    report.reviewed_by, report.reviewed_at = actor, clock.now()
    report.save()
    _audit(report, actor=actor, action="review", clock=clock)
    return report


@transaction.atomic
def report_return(
    *, actor: User, report: AnnualReport, comment: str, clock: Clock = system_clock
) -> AnnualReport:
    _require(actor, "return")
    comment = comment.strip()
    if not comment:
        raise ValidationFailed("退回时请填写退回意见", fields={"comment": "必填"})
    report = _lock(report)
    previous = report.status
    report.status = _check("return", report)
    _clear_approvals(report)
    report.return_comment = comment[:2000]
    report.save()
    _audit(
        report, actor=actor, action="return", clock=clock, previous_status=previous, comment=comment[:2000]
    )
    return report


def _failures_message(result: selectors.CheckResult) -> str:
    lines = [f"{c.cell}：{c.rule}（{c.detail}）" for c in result.failures[:5]]
    more = f"等{len(result.failures)}项" if len(result.failures) > 5 else ""
    return "勾稽关系校验未通过，不能签发：" + "；".join(lines) + more


def snapshot_digest(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


@transaction.atomic
def report_sign_off(*, actor: User, report: AnnualReport, clock: Clock = system_clock) -> AnnualReport:
    """The leader in charge of disclosure signs off. The numbers are recomputed first: if the
    records changed since the draft was generated, the reviewed draft is not what would be
    signed, so it must be regenerated and reviewed again. Every blocking check must pass. The
    data and the rendered texts are then frozen with their SHA-256 (in the audit log too)."""
    _require(actor, "sign_off")
    report = _lock(report)
    target = _check("sign_off", report)
    live = selectors.report_data(report.year)
    if selectors.data_digest(live) != selectors.data_digest(report.data):
        raise InvalidTransition(
            "报告生成后原始数据发生了变化，签发的内容必须与审核的内容一致：请退回并重新生成报告、重新审核",
            code="data_changed",
        )
    result = selectors.report_checks(report, live)
    if not result.passed:
        raise ValidationFailed(
            _failures_message(result),
            code="checks_failed",
            fields={c.cell: f"{c.rule}（{c.detail}）" for c in result.failures},
        )
    rendered = selectors.render_texts(report, live)
    signed_at = clock.now()
    snapshot = {
        "year": report.year,
        "version": report.version,
        "title": str(report),
        "format": text.FORMAT_NAME,
        "sections": list(text.SECTION_TITLES),
        "data": live,
        "texts": {k: rendered[k] for k in EDITABLE},
        "sources": {k: getattr(report, f"text_{k}") for k in EDITABLE},
        "checks": [c.as_dict() for c in result.checks],
        "correction_note": report.correction_note,
        "corrects_version": report.corrects.version if report.corrects_id and report.corrects else None,
        "reviewed_by": str(report.reviewed_by.display_name if report.reviewed_by else ""),
        "signed_by": str(actor.display_name or actor.username),
        "signed_at": signed_at,
    }
    snapshot = _json_roundtrip(snapshot)
    report.snapshot = snapshot
    report.snapshot_sha256 = snapshot_digest(snapshot)
    report.status = target
    report.signed_by, report.signed_at = actor, signed_at
    report.save()
    _audit(report, actor=actor, action="sign_off", clock=clock, snapshot_sha256=report.snapshot_sha256)
    return report


def _json_roundtrip(value: dict[str, Any]) -> dict[str, Any]:
    import json

    result: dict[str, Any] = json.loads(canonical_json(value))
    return result


@transaction.atomic
def report_publish(*, actor: User, report: AnnualReport, clock: Clock = system_clock) -> AnnualReport:
    """Publish the signed snapshot, exactly. Refused when it was already published, when the
    stored snapshot no longer matches its hash, or when the records changed after sign-off
    (then a new sign-off is needed). A correction version supersedes the version it corrects."""
    _require(actor, "publish")
    report = _lock(report)
    target = _check("publish", report)
    assert report.snapshot is not None
    if snapshot_digest(report.snapshot) != report.snapshot_sha256:
        raise InvalidTransition("签发快照与其SHA-256不符（快照被改动），不能公布", code="snapshot_tampered")
    live = selectors.report_data(report.year)
    if selectors.data_digest(live) != selectors.data_digest(report.snapshot["data"]):
        raise InvalidTransition(
            "签发后原始数据发生了变化，已签发的内容不再与记录一致：请重新生成报告并重新审核、签发",
            code="data_changed_after_sign_off",
        )
    report.status = target
    report.published_by, report.published_at = actor, clock.now()
    report.save()
    superseded = None
    if report.corrects_id:
        old = AnnualReport.objects.select_for_update().get(pk=report.corrects_id)
        if old.status == workflow.PUBLISHED:
            old.status = _check("supersede", old)
            old.save()
            superseded = old.version
            _audit(old, actor=actor, action="supersede", clock=clock, by_version=report.version)
    _audit(
        report,
        actor=actor,
        action="publish",
        clock=clock,
        snapshot_sha256=report.snapshot_sha256,
        supersedes_version=superseded,
    )
    return report


@transaction.atomic
def report_correct(
    *, actor: User, report: AnnualReport, note: str, clock: Clock = system_clock
) -> AnnualReport:
    """Start a correction of a published report: a new draft version (texts carried over, numbers
    recomputed) that will be shown with ``note`` once signed off and published."""
    _require(actor, "regenerate")
    note = note.strip()
    if not note:
        raise ValidationFailed("请填写更正说明（更正了什么、为什么）", fields={"note": "必填"})
    report = _lock(report)
    if report.status != workflow.PUBLISHED:
        raise InvalidTransition("只能对已公布的最新版本生成更正版本", code="not_published")
    newest = selectors.report_current(year=report.year)
    if newest is not None and newest.pk != report.pk:
        raise InvalidTransition(
            f"{report.year}年报告已有更新的版本（第{newest.version}版），请在该版本上继续",
            code="newer_version",
        )
    data = selectors.report_data(report.year)
    new = AnnualReport.objects.create(
        year=report.year,
        version=report.version + 1,
        data=data,
        computed_at=clock.now(),
        drafted_by=actor,
        corrects=report,
        correction_note=note[:2000],
        text_intro=report.text_intro,
        text_general=report.text_general,
        text_problems=report.text_problems,
        text_other=report.text_other,
    )
    _audit(new, actor=actor, action="correct", clock=clock, corrects_version=report.version, note=note[:2000])
    return new
