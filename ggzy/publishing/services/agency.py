"""Agency notices (代理机构公告): mandates, drafting, the compliance gate and signed submission.

An agency publishes only for projects a tenderer mandated it for (:class:`AgencyMandate`). It
drafts a notice, sees every finding of the compliance gate, signs the canonical form of the
stored draft (``publishing.notice_canonical``) with a certificate bound to its organisation, and
submits. The server rebuilds the bytes, checks the certificate and the signature, refuses on
gate errors or unconfirmed warnings, stores the signature, and then — per the center's
``publication_mode`` for the notice's kind and domain — publishes at once (the notice enters
patrol) or sends it into the center's review queue (the ordinary release pipeline).
Every refusal raises before anything is written, inside one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import Organisation, User
from ggzy.accounts.selectors import certificate_usable
from ggzy.audit.services import audit_record
from ggzy.compliance import selectors as compliance_selectors
from ggzy.compliance import services as compliance_services
from ggzy.compliance.facts import CheckResult
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ggzy.publishing import selectors, workflow
from ggzy.publishing.choices import NoticeKind, Procedure, ReleaseStatus
from ggzy.publishing.models import AgencyMandate, Notice, NoticeSignature
from ggzy.publishing.sanitize import clean_html
from ggzy.publishing.services import releases
from ggzy.publishing.services.articles import Upload, attach_files, precheck_uploads
from ggzy.publishing.services.notices import validate_notice_fields
from ggzy.sealing import certs

PUBLISH_AT_ONCE = "publish_then_patrol"
APPROVE_FIRST = "approve_first"

# What an agency fills in; ``agency_name`` is always its own organisation's name.
AGENCY_FIELDS = (
    "kind",
    "domain",
    "procedure",
    "is_prequalification",
    "changes",
    "project_code",
    "project_name",
    "section_code",
    "section_name",
    "tenderer_name",
    "budget",
    "price_cap",
    "bid_deadline",
    "opening_at",
    "file_issue_start",
    "file_issue_end",
    "affects_bid_preparation",
    "publicity_start",
    "publicity_end",
    "winner_name",
    "award_amount",
)


def _subject(notice: Notice) -> str:
    return f"notice:{notice.pk}"


# ---------------------------------------------------------------------------------------------
# Mandates


def _may_manage_mandates(actor: User, tenderer: Organisation) -> bool:
    if actor.is_center_staff and actor.has_role(Role.SYSTEM_ADMIN, Role.EDITOR):
        return True
    return actor.has_role(Role.TENDERER) and actor.organisation_id == tenderer.pk


@transaction.atomic
def agency_mandate_grant(
    *,
    actor: User,
    tenderer: Organisation,
    agency: Organisation,
    project_code: str,
    project_name: str,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    clock: Clock = system_clock,
) -> AgencyMandate:
    """The tenderer (or center staff on its behalf) mandates an agency for one project."""
    if not _may_manage_mandates(actor, tenderer):
        raise PermissionDenied("只有该招标人/采购人本单位的人员或交易中心管理人员可以委托代理机构")
    errors: dict[str, str] = {}
    if tenderer.kind != OrganisationKind.TENDERER or not tenderer.is_active:
        errors["tenderer"] = "委托方必须是有效的招标人/采购人"
    if agency.kind != OrganisationKind.AGENCY or not agency.is_active:
        errors["agency"] = "受托方必须是已登记的有效代理机构"
    code, name = project_code.strip(), project_name.strip()
    if not code:
        errors["project_code"] = "请填写项目编号"
    elif len(code) > 60:
        errors["project_code"] = "项目编号不能超过60个字符"
    if not name:
        errors["project_name"] = "请填写项目名称"
    elif len(name) > 300:
        errors["project_name"] = "项目名称不能超过300字"
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = "委托截止日期不能早于开始日期"
    if errors:
        raise ValidationFailed("；".join(errors.values()), fields=errors)
    now = clock.now()
    mandate = AgencyMandate.objects.select_for_update().filter(agency=agency, project_code=code).first()
    if mandate is not None and mandate.revoked_at is None and mandate.tenderer_id != tenderer.pk:
        raise ValidationFailed(
            f"项目编号 {code} 已由其他招标人委托给该代理机构，请核对项目编号",
            fields={"project_code": "已被其他招标人委托"},
        )
    if mandate is None:
        mandate = AgencyMandate(agency=agency, project_code=code)
    mandate.tenderer = tenderer
    mandate.project_name = name
    mandate.valid_from = valid_from
    mandate.valid_until = valid_until
    mandate.granted_by = actor
    mandate.granted_at = now
    mandate.revoked_at = None
    mandate.revoked_by = None
    mandate.revoke_reason = ""
    mandate.save()
    audit_record(
        actor=actor,
        action="agency_mandate.grant",
        target=mandate,
        data={
            "tenderer": tenderer.credit_code,
            "agency": agency.credit_code,
            "project_code": code,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    return mandate


@transaction.atomic
def agency_mandate_revoke(
    *, actor: User, mandate: AgencyMandate, reason: str, clock: Clock = system_clock
) -> AgencyMandate:
    """End a mandate: the agency can no longer submit notices for the project."""
    mandate = AgencyMandate.objects.select_for_update().select_related("tenderer").get(pk=mandate.pk)
    if not _may_manage_mandates(actor, mandate.tenderer):
        raise PermissionDenied("只有该招标人/采购人本单位的人员或交易中心管理人员可以撤销委托")
    if mandate.revoked_at is not None:
        raise InvalidTransition("该委托已撤销")
    if not reason.strip():
        raise ValidationFailed("请填写撤销原因", fields={"reason": "必填"})
    mandate.revoked_at = clock.now()
    mandate.revoked_by = actor
    mandate.revoke_reason = reason.strip()[:300]
    mandate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        actor=actor,
        action="agency_mandate.revoke",
        target=mandate,
        data={"project_code": mandate.project_code, "reason": mandate.revoke_reason},
    )
    return mandate


# ---------------------------------------------------------------------------------------------
# Drafting


def _check_agency_actor(actor: User) -> Organisation:
    org = actor.organisation
    if not actor.has_role(Role.AGENCY_PUBLISHER) or org is None or org.kind != OrganisationKind.AGENCY:
        raise PermissionDenied("只有代理机构的信息发布员可以起草和提交代理公告")
    if not org.is_active:
        raise PermissionDenied("本机构已停用，不能发布公告")
    return org


def _require_mandate(agency: Organisation, project_code: str, on: dt.date) -> AgencyMandate:
    if not project_code:
        raise ValidationFailed(
            "请填写项目编号（须为招标人已委托本机构代理的项目）", fields={"project_code": "必填"}
        )
    mandate = selectors.agency_mandate_active(agency=agency, project_code=project_code, on=on)
    if mandate is None:
        raise PermissionDenied(
            f"本机构没有项目 {project_code} 的有效代理委托，不能为该项目发布公告；"
            "请由招标人/采购人在平台上委托本机构后再试",
            fields={"project_code": "没有有效委托"},
        )
    return mandate


def _check_fields(*, agency: Organisation, title: str, fields: dict[str, Any], on: dt.date) -> AgencyMandate:
    unknown = set(fields) - set(AGENCY_FIELDS)
    if unknown:
        raise ValidationFailed(f"未知字段：{'、'.join(sorted(unknown))}")
    procedure = fields.get("procedure") or ""
    if procedure not in ("", *Procedure.values):
        raise ValidationFailed("请选择有效的招标/采购方式", fields={"procedure": "无效"})
    fields["procedure"] = procedure
    fields["project_code"] = str(fields.get("project_code") or "").strip()
    if fields.get("kind") == NoticeKind.CHANGE and fields.get("changes") is None:
        raise ValidationFailed(
            "变更公告必须指明所变更的原公告（已发布的公告编号）", fields={"changes": "必填"}
        )
    validate_notice_fields({"title": title, **fields})
    target: Notice | None = fields.get("changes")
    if target is not None and target.project_code != fields["project_code"]:
        raise ValidationFailed(
            f"变更公告只能变更同一项目的公告：原公告的项目编号为 {target.project_code or '（空）'}",
            fields={"changes": "不是同一项目的公告"},
        )
    return _require_mandate(agency, fields["project_code"], on)


@transaction.atomic
def agency_notice_create(
    *,
    actor: User,
    title: str,
    body_html: str = "",
    uploads: Sequence[Upload] = (),
    clock: Clock = system_clock,
    **fields: Any,
) -> Notice:
    """An agency drafts a notice for a project it is mandated for."""
    agency = _check_agency_actor(actor)
    mandate = _check_fields(agency=agency, title=title, fields=fields, on=local_date(clock.now()))
    precheck_uploads(uploads)  # a bad file is refused before any row is written
    if not fields.get("tenderer_name"):
        fields["tenderer_name"] = mandate.tenderer.name
    notice = Notice.objects.create(
        title=title.strip(),
        body_html=clean_html(body_html),
        author=actor,
        organisation=agency,
        agency_name=agency.name,
        **fields,
    )
    notice.lineage_id = notice.pk
    notice.save(update_fields=["lineage_id"])
    attach_files(notice=notice, uploads=uploads)
    audit_record(
        actor=actor,
        action="agency_notice.create",
        target=notice,
        data={"title": notice.title, "kind": notice.kind, "project_code": notice.project_code},
    )
    return notice


def _lock_own_draft(actor: User, notice: Notice) -> Notice:
    notice = Notice.objects.select_for_update().select_related("organisation").get(pk=notice.pk)
    if notice.organisation_id != actor.organisation_id:
        raise NotFound("公告不存在或您无权查看")
    return notice


@transaction.atomic
def agency_notice_update(
    *,
    actor: User,
    notice: Notice,
    title: str,
    body_html: str,
    uploads: Sequence[Upload] = (),
    clock: Clock = system_clock,
    **fields: Any,
) -> Notice:
    """Change a draft (or a notice the center returned); its old signature no longer matches."""
    agency = _check_agency_actor(actor)
    notice = _lock_own_draft(actor, notice)
    try:
        workflow.ensure_allowed("edit", notice.status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None
    mandate = _check_fields(agency=agency, title=title, fields=fields, on=local_date(clock.now()))
    precheck_uploads(uploads)
    if not fields.get("tenderer_name"):
        fields["tenderer_name"] = mandate.tenderer.name
    notice.title = title.strip()
    notice.body_html = clean_html(body_html)
    notice.agency_name = agency.name
    for name, value in fields.items():
        setattr(notice, name, value)
    notice.save(update_fields=["title", "body_html", "agency_name", *fields.keys(), "updated_at"])
    attach_files(notice=notice, uploads=uploads)
    audit_record(actor=actor, action="agency_notice.update", target=notice, data={"title": notice.title})
    return notice


# ---------------------------------------------------------------------------------------------
# The gate and the signed submission


def agency_notice_findings(*, notice: Notice, clock: Clock = system_clock) -> CheckResult:
    """Run the compliance gate on the stored draft, recording nothing (the page's panel)."""
    facts = selectors.agency_notice_facts(notice=notice, publish_at=clock.now())
    return compliance_selectors.compliance_check(facts=facts)


@transaction.atomic
def agency_notice_check(*, actor: User, notice: Notice, clock: Clock = system_clock) -> CheckResult:
    """The agency asks for a check: run the gate and record what it was shown."""
    _check_agency_actor(actor)
    notice = _lock_own_draft(actor, notice)
    result = agency_notice_findings(notice=notice, clock=clock)
    compliance_services.compliance_record(actor=actor, subject=_subject(notice), result=result, clock=clock)
    return result


def _gate_message(result: CheckResult) -> str:
    lines = [f"{f.message}（依据：{f.legal_basis}）" if f.legal_basis else f.message for f in result.errors]
    return "合规检查未通过，不能提交：" + "；".join(lines)


@transaction.atomic
def agency_notice_submit(
    *,
    actor: User,
    notice: Notice,
    certificate_der: bytes,
    signature: bytes,
    confirm_warnings: bool = False,
    clock: Clock = system_clock,
) -> Notice:
    """Verify the agency's signature over the stored draft and submit it (see the module doc)."""
    agency = _check_agency_actor(actor)
    notice = _lock_own_draft(actor, notice)
    try:
        workflow.ensure_allowed("submit", notice.status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None
    now = clock.now()
    _require_mandate(agency, notice.project_code, local_date(now))
    if notice.kind == NoticeKind.CHANGE:
        target = notice.changes
        if target is None or target.status not in (ReleaseStatus.PUBLISHED, ReleaseStatus.CORRECTED):
            raise ValidationFailed("变更公告所指的原公告不存在或未发布", fields={"changes": "原公告无效"})

    # Authenticity first: the bytes the server rebuilds, a certificate of this agency, a signature.
    canonical = selectors.notice_canonical_bytes(notice)
    if not certificate_der:
        raise ValidationFailed("请提供签名证书", fields={"certificate": "必填"})
    if not signature:
        raise ValidationFailed("请提供签名值", fields={"signature": "必填"})
    try:
        cert = certs.load_certificate(bytes(certificate_der))
    except certs.CertificateProblem as exc:
        raise ValidationFailed(exc.message, code=exc.code, fields={"certificate": exc.message}) from None
    der = certs.der(cert)
    certificate_usable(organisation=agency, certificate_der=der, at=now)
    try:
        certs.verify_signature(cert, canonical, bytes(signature))
    except certs.SignatureInvalid:
        raise ValidationFailed(
            "签名验证失败：签名与本公告当前内容不符（公告在签名后被修改过，或签名所用私钥与证书不匹配）。"
            "请重新下载签名原文并签名",
            code="signature_invalid",
            fields={"signature": "签名无效"},
        ) from None
    except certs.CertificateProblem as exc:
        raise ValidationFailed(exc.message, code=exc.code, fields={"certificate": exc.message}) from None

    # Then the gate: errors block, warnings need the agency's confirmation.
    result = agency_notice_findings(notice=notice, clock=clock)
    if result.has_errors:
        raise ValidationFailed(
            _gate_message(result), code="compliance_errors", fields={"compliance": "有错误"}
        )
    if result.warnings and not confirm_warnings:
        raise ValidationFailed(
            f"合规检查有 {len(result.warnings)} 项提示，请逐项阅读并勾选“已阅读并确认”后再提交",
            code="warnings_unconfirmed",
            fields={"confirm_warnings": "请确认"},
        )

    compliance_services.compliance_record(actor=actor, subject=_subject(notice), result=result, clock=clock)
    stored = NoticeSignature.objects.create(
        notice=notice,
        canonical=canonical,
        canonical_sha256=hashlib.sha256(canonical).hexdigest(),
        signature=bytes(signature),
        certificate_der=der,
        serial_hex=certs.serial_hex(cert),
        fingerprint=certs.fingerprint(cert),
        certificate_subject=certs.subject_text(cert)[:300],
        signer_organisation=agency,
        signed_by=actor,
        signed_at=now,
        warnings_confirmed=bool(result.warnings),
    )
    mode = compliance_selectors.publication_mode(kind=notice.kind, domain=notice.domain)
    audit_record(
        actor=actor,
        action="agency_notice.sign",
        target=notice,
        data={
            "signature": stored.pk,
            "canonical_sha256": stored.canonical_sha256,
            "serial": stored.serial_hex,
            "fingerprint": stored.fingerprint,
            "key_type": certs.key_type(cert),
            "warnings_confirmed": [f.rule_code for f in result.warnings],
            "mode": mode,
        },
    )
    if mode == APPROVE_FIRST:
        return releases.release_submit(actor=actor, item=notice, clock=clock)
    try:
        workflow.ensure_allowed("publish_signed", notice.status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None
    notice.publish_at = None
    notice.save(update_fields=["publish_at", "updated_at"])
    before = notice.status
    # The release pipeline's own publication step: audit "notice.publish" and the search index.
    releases._publish(notice, actor=actor, now=now, before=before)
    return notice
