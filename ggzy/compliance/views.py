"""Staff pages of the compliance gate, under /manage/compliance/: the rules and their tuning, the
restricted-term list, the publication policy grid, agency flags and 规则试算.

Who sees what: any center staff with a review, editing, flagging or admin role may read the
pages and use 规则试算 (``VIEW_ROLES``); changing rules, terms and the policy needs 系统管理员 or
签发 (``TUNING_ROLES``); flags also 审核 and 巡查员 (``FLAG_ROLES``). The services check again.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts.models import User
from ggzy.compliance import forms, rules, selectors, services
from ggzy.compliance.facts import DOMAINS, NOTICE_KINDS
from ggzy.compliance.models import AgencyFlag, PublicationMode, RestrictedTerm
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import GgzyError

# Views read the time from here; tests replace it.
clock: Clock = system_clock

StaffView = Callable[Concatenate[HttpRequest, User, ...], HttpResponseBase]


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "compliance/error.html", {"message": message, "status": status}, status=status)


def viewer_required(view: StaffView) -> Callable[..., HttpResponseBase]:
    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        if not services.can_view(user):
            return _error(request, "合规规则页面仅供本中心审核、巡查和系统管理人员使用。", 403)
        return view(request, user, *args, **kwargs)

    return wrapper


def _ctx(user: User, **extra: Any) -> dict[str, Any]:
    return {"can_tune": services.can_tune(user), "can_flag": services.can_flag(user), **extra}


# ---------------------------------------------------------------------------------------------
# Rules


@require_http_methods(["GET", "POST"])
@viewer_required
def rule_list(request: HttpRequest, user: User) -> HttpResponse:
    error, field_errors, status = "", {}, 200
    form = forms.RuleCreateForm()
    if request.method == "POST":
        form = forms.RuleCreateForm(request.POST)
        if form.is_valid():
            try:
                rule = services.rule_create(actor=user, clock=clock, **form.cleaned_data)
            except GgzyError as exc:
                error, field_errors, status = exc.message, exc.fields, exc.http_status
            else:
                messages.success(request, f"已新增规则“{rule.name}”。")
                return redirect("compliance:rules")
        else:
            error, status = "请检查标出的字段。", 400
    rows = [
        {
            "rule": r,
            "check_label": rules.CHECK_LABELS.get(r.check_name, r.check_name),
            "params_json": json.dumps(r.params, ensure_ascii=False),
        }
        for r in selectors.rule_list()
    ]
    return render(
        request,
        "compliance/rules.html",
        _ctx(user, rows=rows, form=form, error=error, field_errors=field_errors, section="rules"),
        status=status,
    )


@require_http_methods(["GET", "POST"])
@viewer_required
def rule_edit(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    rule = selectors.rule_get(pk=pk)
    if rule is None:
        return _error(request, "没有这条规则。", 404)
    if not services.can_tune(user):
        return _error(request, "只有系统管理员或签发领导可以调整合规规则。", 403)
    error, field_errors, status = "", {}, 200
    if request.method == "POST":
        form = forms.RuleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.rule_update(
                    actor=user,
                    rule=rule,
                    severity=d["severity"],
                    enabled=d["enabled"],
                    params=d["params"],
                    message=d["message"],
                    legal_basis=d["legal_basis"],
                    clock=clock,
                )
            except GgzyError as exc:
                error, field_errors, status = exc.message, exc.fields, exc.http_status
            else:
                messages.success(request, f"规则“{rule.name}”已保存。")
                return redirect("compliance:rules")
        else:
            error, status = "请检查标出的字段。", 400
    else:
        form = forms.RuleForm.for_rule(rule)
    return render(
        request,
        "compliance/rule_edit.html",
        _ctx(
            user,
            rule=rule,
            form=form,
            error=error,
            field_errors=field_errors,
            check_label=rules.CHECK_LABELS.get(rule.check_name, rule.check_name),
            check_doc=(rules.CHECKS[rule.check_name].__doc__ or "")
            if rule.check_name in rules.CHECKS
            else "",
            param_names=list(rules.PARAM_SPECS.get(rule.check_name, {})),
            section="rules",
        ),
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# Terms


@require_http_methods(["GET", "POST"])
@viewer_required
def term_list(request: HttpRequest, user: User) -> HttpResponse:
    error, status = "", 200
    form = forms.TermForm()
    if request.method == "POST":
        form = forms.TermForm(request.POST)
        if form.is_valid():
            try:
                services.restricted_term_add(actor=user, clock=clock, **form.cleaned_data)
            except GgzyError as exc:
                error, status = exc.message, exc.http_status
            else:
                messages.success(request, f"已加入词语“{form.cleaned_data['term']}”。")
                return redirect("compliance:terms")
        else:
            error, status = "请检查标出的字段。", 400
    return render(
        request,
        "compliance/terms.html",
        _ctx(user, terms=selectors.term_list(), form=form, error=error, section="terms"),
        status=status,
    )


@require_POST
@viewer_required
def term_remove(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    term = RestrictedTerm.objects.filter(pk=pk).first()
    if term is None:
        return _error(request, "该词语已不在词库中。", 404)
    try:
        services.restricted_term_remove(actor=user, term=term, clock=clock)
    except GgzyError as exc:
        return _error(request, exc.message, exc.http_status)
    messages.success(request, f"已删除词语“{term.term}”。")
    return redirect("compliance:terms")


# ---------------------------------------------------------------------------------------------
# Publication policy


@require_http_methods(["GET", "POST"])
@viewer_required
def policy(request: HttpRequest, user: User) -> HttpResponse:
    if request.method == "POST":
        current = {
            (row["kind"], cell["domain"]): cell["mode"]
            for row in selectors.publication_policy_grid()
            for cell in row["cells"]
        }
        changed = 0
        try:
            # All cells or none: a bad value must not leave half the grid saved.
            with transaction.atomic():
                for kind in NOTICE_KINDS:
                    for domain in DOMAINS:
                        mode = request.POST.get(f"mode-{kind}-{domain}")
                        if mode is None or mode == current[(kind, domain)]:
                            continue
                        services.publication_policy_set(
                            actor=user, kind=kind, domain=domain, mode=mode, clock=clock
                        )
                        changed += 1
        except GgzyError as exc:
            return _error(request, exc.message, exc.http_status)
        messages.success(request, f"发布方式已保存（修改{changed}项）。")
        return redirect("compliance:policy")
    return render(
        request,
        "compliance/policy.html",
        _ctx(
            user,
            grid=selectors.publication_policy_grid(),
            domains=[rules.DOMAIN_LABELS[d] for d in DOMAINS],
            modes=PublicationMode.choices,
            section="policy",
        ),
    )


# ---------------------------------------------------------------------------------------------
# Agency flags


@require_http_methods(["GET", "POST"])
@viewer_required
def flag_list(request: HttpRequest, user: User) -> HttpResponse:
    error, status = "", 200
    form = forms.FlagForm()
    if request.method == "POST":
        form = forms.FlagForm(request.POST)
        if form.is_valid():
            try:
                services.agency_flag_set(actor=user, clock=clock, **form.cleaned_data)
            except GgzyError as exc:
                error, status = exc.message, exc.http_status
            else:
                messages.success(request, f"已标记“{form.cleaned_data['organisation']}”。")
                return redirect("compliance:flags")
        else:
            error, status = "请检查标出的字段。", 400
    show_all = request.GET.get("all") == "1"
    today = local_date(clock.now())
    return render(
        request,
        "compliance/flags.html",
        _ctx(
            user,
            flags=selectors.agency_flag_list(on=today, include_inactive=show_all)[:500],
            today=today,
            form=form,
            error=error,
            show_all=show_all,
            section="flags",
        ),
        status=status,
    )


@require_POST
@viewer_required
def flag_lift(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    flag = AgencyFlag.objects.filter(pk=pk).first()
    if flag is None:
        return _error(request, "没有这个标记。", 404)
    try:
        services.agency_flag_lift(actor=user, flag=flag, clock=clock)
    except GgzyError as exc:
        return _error(request, exc.message, exc.http_status)
    messages.success(request, "标记已解除。")
    return redirect("compliance:flags")


# ---------------------------------------------------------------------------------------------
# 规则试算


@require_http_methods(["GET", "POST"])
@viewer_required
def trial(request: HttpRequest, user: User) -> HttpResponse:
    result, error, status = None, "", 200
    if request.method == "POST":
        form = forms.TrialForm(request.POST)
        if form.is_valid():
            try:
                result = selectors.compliance_check(facts=form.facts(now=clock.now()))
            except GgzyError as exc:
                error, status = exc.message, exc.http_status
        else:
            error, status = "请检查标出的字段。", 400
    else:
        form = forms.TrialForm(initial={"procedure": "open_tendering"})
    return render(
        request,
        "compliance/trial.html",
        _ctx(user, form=form, result=result, error=error, section="trial"),
        status=status,
    )
