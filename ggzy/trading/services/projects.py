"""Projects (项目) and tender projects (招标项目): create and update, with national codes."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import Organisation, User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.trading import access, codes
from ggzy.trading.choices import Procedure, TradeDomain
from ggzy.trading.config import trading_rules
from ggzy.trading.models import Project, TenderProject
from ggzy.trading.services import _common as c

NAME_MAX = 300


def _name(value: str, *, label: str, field: str = "name") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"请填写{label}", fields={field: "必填"})
    if len(value) > NAME_MAX:
        raise ValidationFailed(f"{label}不能超过{NAME_MAX}字", fields={field: "过长"})
    return value


def _facts(domain: str, procedure: str, budget: Decimal | None) -> None:
    if domain not in TradeDomain.values:
        raise ValidationFailed("请选择有效的交易类别", fields={"domain": "无效"})
    if procedure not in Procedure.values:
        raise ValidationFailed("请选择有效的招标/采购方式", fields={"procedure": "无效"})
    if budget is not None and budget < 0:
        raise ValidationFailed("项目预算不能为负数", fields={"budget": "无效"})


def _fallback_code(industry: str, clock: Clock) -> str:
    """The next fallback code of today for this industry and the configured region."""
    try:
        prefix = codes.make_project_code(
            industry=industry, region=trading_rules().region_code, day=c.today(clock), seq=1
        )[:-4]
    except codes.CodeProblem as exc:
        raise ValidationFailed(exc.message, fields={"industry": "无效"}) from None
    taken = Project.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    seq = (
        max(
            (int(code[-4:]) for code in taken if len(code) == len(prefix) + 4 and code[-4:].isdigit()),
            default=0,
        )
        + 1
    )
    if seq > 9999:
        raise ValidationFailed("今日该行业的项目编号已用完，请使用投资项目代码", fields={"code": "已用完"})
    return f"{prefix}{seq:04d}"


@transaction.atomic
def project_create(
    *,
    actor: User,
    tenderer: Organisation,
    name: str,
    domain: str,
    procedure: str,
    budget: Decimal | None = None,
    code: str = "",
    industry: str = "",
    agency: Organisation | None = None,
    clock: Clock = system_clock,
) -> Project:
    """Create a project. ``code`` is the investment approval code; without one the platform gives
    the fallback code from ``industry`` (e.g. A08), the configured region and today's date. An
    agency must give the project code of its mandate (it can only act on mandated projects)."""
    name = _name(name, label="项目名称")
    _facts(domain, procedure, budget)
    if tenderer.kind != OrganisationKind.TENDERER:
        raise ValidationFailed("招标人必须是已登记的招标人/采购人单位", fields={"tenderer": "无效"})
    code = (code or "").strip().upper()
    if actor.has_role(Role.AGENCY_PUBLISHER) and actor.organisation is not None and not code:
        raise ValidationFailed(
            "代理机构创建项目时须填写委托书中的项目编号", fields={"code": "代理机构须填写项目编号"}
        )
    if code:
        problem = codes.project_code_problem(code)
        if problem:
            raise ValidationFailed(problem, fields={"code": "格式不正确"})
        if Project.objects.filter(code=code).exists():
            raise ValidationFailed(f"项目编号“{code}”已存在", fields={"code": "已存在"})
    if not access.may_manage_for(actor, tenderer=tenderer, project_code=code or "\x00", today=c.today(clock)):
        raise PermissionDenied(
            "只有招标人本单位的用户、持有该项目有效委托的代理机构或交易中心系统管理员可以创建项目"
        )
    acting_org = actor.organisation
    if (
        actor.has_role(Role.AGENCY_PUBLISHER)
        and acting_org is not None
        and acting_org.kind == OrganisationKind.AGENCY
    ):
        agency = acting_org
    if agency is not None and agency.kind != OrganisationKind.AGENCY:
        raise ValidationFailed("代理机构必须是已登记的招标代理机构", fields={"agency": "无效"})
    if not code:
        code = _fallback_code((industry or "").strip().upper(), clock)
    try:
        with transaction.atomic():
            project = Project.objects.create(
                code=code,
                name=name,
                tenderer=tenderer,
                agency=agency,
                domain=domain,
                procedure=procedure,
                budget=budget,
                created_by=actor,
                created_at=clock.now(),
            )
    except IntegrityError:
        raise ValidationFailed(f"项目编号“{code}”已被占用，请重试", fields={"code": "已存在"}) from None
    c.audit(project, actor=actor, action="trading.project_create", clock=clock, code=code, name=name)
    return project


@transaction.atomic
def project_update(
    *,
    actor: User,
    project: Project,
    name: str,
    domain: str,
    procedure: str,
    budget: Decimal | None = None,
    clock: Clock = system_clock,
) -> Project:
    """Change a project's name, domain, procedure or budget (its code never changes)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    access.require_manager(actor, project, today=c.today(clock))
    name = _name(name, label="项目名称")
    _facts(domain, procedure, budget)
    before = {"name": project.name, "domain": project.domain, "procedure": project.procedure}
    project.name, project.domain, project.procedure, project.budget = name, domain, procedure, budget
    project.save(update_fields=["name", "domain", "procedure", "budget", "updated_at"])
    c.audit(project, actor=actor, action="trading.project_update", clock=clock, before=before)
    return project


@transaction.atomic
def tender_project_create(
    *, actor: User, project: Project, name: str, clock: Clock = system_clock
) -> TenderProject:
    """Add a tender project: code = project code + the next 3-digit sequence."""
    project = Project.objects.select_for_update().get(pk=project.pk)  # serialises the sequence
    access.require_manager(actor, project, today=c.today(clock))
    name = _name(name, label="招标项目名称")
    try:
        code = codes.next_child_code(project.code, project.tender_projects.values_list("code", flat=True))
    except codes.CodeProblem as exc:
        raise ValidationFailed(exc.message) from None
    tender_project = TenderProject.objects.create(
        project=project, code=code, name=name, created_by=actor, created_at=clock.now()
    )
    c.audit(tender_project, actor=actor, action="trading.tender_project_create", clock=clock, code=code)
    return tender_project


@transaction.atomic
def tender_project_update(
    *, actor: User, tender_project: TenderProject, name: str, clock: Clock = system_clock
) -> TenderProject:
    tender_project = (
        TenderProject.objects.select_for_update().select_related("project").get(pk=tender_project.pk)
    )
    access.require_manager(actor, tender_project.project, today=c.today(clock))
    before = tender_project.name
    tender_project.name = _name(name, label="招标项目名称")
    tender_project.save(update_fields=["name"])
    c.audit(tender_project, actor=actor, action="trading.tender_project_update", clock=clock, before=before)
    return tender_project
