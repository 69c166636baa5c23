"""Agency onboarding pages: public registration, and the agency's own page at /accounts/agency/ to
bind certificates and sign the platform documents in the browser (certsign.js; the private key
never leaves the browser — only the DER signature is posted)."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts import agreements, selectors, services, throttle
from ggzy.accounts.choices import CertificateStatus, Role
from ggzy.accounts.forms import AgencyRegisterForm, CertificateUploadForm
from ggzy.accounts.models import Certificate, Organisation, User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import GgzyError

# Views read the time from here; tests may replace it.
clock: Clock = system_clock

MAX_CERTIFICATE_BYTES = 64 * 1024

AgencyView = Callable[Concatenate[HttpRequest, User, Organisation, ...], HttpResponseBase]


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "accounts/agency/error.html", {"message": message}, status=status)


def agency_required(view: AgencyView) -> Callable[..., HttpResponseBase]:
    """Logged in as an agency publisher (the services check again)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        org = user.organisation
        if org is None or not user.has_role(Role.AGENCY_PUBLISHER):
            return _error(request, "此页面供代理机构信息发布员使用，您的账号没有该职责。", 403)
        return view(request, user, org, *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------- public


@require_http_methods(["GET", "POST"])
def agency_register(request: HttpRequest) -> HttpResponse:
    form = AgencyRegisterForm(request.POST or None)
    status, error = 200, ""
    address = request.META.get("REMOTE_ADDR", "")
    if request.method == "POST" and not throttle.registration_allowed(address):
        status, error = 429, "本网络地址注册次数过多，请一小时后再试或联系交易中心"
    elif request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                user = services.agency_register(
                    name=d["name"],
                    credit_code=d["credit_code"],
                    username=d["username"],
                    password=d["password"],
                    display_name=d["display_name"],
                    phone=d["phone"],
                )
            except GgzyError as exc:
                form.put_error(exc.fields)
                status, error = exc.http_status, exc.message
            else:
                throttle.record_registration(address)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request, "注册成功。请绑定数字证书并签署平台协议；交易中心审核通过后即可发布公告。"
                )
                return redirect("accounts:agency_home")
        else:
            status, error = 400, "未注册：请按提示修改"
    return render(
        request,
        "accounts/agency/register.html",
        {"form": form, "error": error, "user_agreement": agreements.current("user-agreement")},
        status=status,
    )


@require_http_methods(["GET"])
def agreement_text(request: HttpRequest, code: str) -> HttpResponse:
    document = agreements.current(code)
    if document is None:
        raise Http404("没有这个文书")
    return render(request, "accounts/agency/agreement.html", {"document": document})


# ---------------------------------------------------------------- the agency's page


@require_http_methods(["GET"])
@agency_required
def agency_home(request: HttpRequest, user: User, org: Organisation) -> HttpResponse:
    return _home(request, org, CertificateUploadForm(), "", 200)


def _home(
    request: HttpRequest, org: Organisation, form: CertificateUploadForm, error: str, status: int
) -> HttpResponse:
    now = clock.now()
    return render(
        request,
        "accounts/agency/home.html",
        {
            "org": org,
            "rows": selectors.certificate_list(organisation=org, at=now),
            "documents": selectors.pledge_status(organisation=org, at=now),
            "pledges": selectors.pledge_list(organisation=org)[:50],
            "form": form,
            "error": error,
            "year": selectors.local_year(now),
        },
        status=status,
    )


@require_POST
@agency_required
def agency_certificate_bind(request: HttpRequest, user: User, org: Organisation) -> HttpResponse:
    form = CertificateUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _home(request, org, form, "请选择证书文件", 400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_CERTIFICATE_BYTES:
        form.add_error("file", "文件过大")
        return _home(request, org, form, "证书文件过大：证书文件通常只有几 KB，请确认没有选错文件", 400)
    try:
        cert = services.certificate_bind(actor=user, organisation=org, data=upload.read(), clock=clock)
    except GgzyError as exc:
        form.add_error("file", exc.message)
        return _home(request, org, form, exc.message, exc.http_status)
    messages.success(request, f"证书已绑定：{cert.subject}（序列号 {cert.serial_hex}）")
    return redirect("accounts:agency_home")


@require_POST
@agency_required
def agency_certificate_unbind(request: HttpRequest, user: User, org: Organisation, pk: int) -> HttpResponse:
    cert = Certificate.objects.filter(pk=pk, organisation=org).first()
    if cert is None:
        raise Http404("没有这个证书")
    try:
        services.certificate_unbind(actor=user, certificate=cert, clock=clock)
    except GgzyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"证书已解绑（序列号 {cert.serial_hex}）")
    return redirect("accounts:agency_home")


def _b64(value: str) -> bytes:
    return base64.b64decode(value.strip(), validate=True)


@require_http_methods(["GET", "POST"])
@agency_required
def agency_pledge(request: HttpRequest, user: User, org: Organisation, code: str) -> HttpResponse:
    document = agreements.current(code)
    if document is None:
        raise Http404("没有这个文书")
    status, error = 200, ""
    selected = ""
    if request.method == "POST":
        selected = request.POST.get("certificate", "")
        try:
            canonical = _b64(request.POST.get("canonical", ""))
            signature = _b64(request.POST.get("signature", ""))
        except (binascii.Error, ValueError):
            canonical = signature = b""
        cert = (
            Certificate.objects.filter(pk=selected, organisation=org).first() if selected.isdigit() else None
        )
        if not canonical or not signature:
            status, error = 400, "没有收到签名：请选择私钥文件后点击“签署”（需要浏览器启用 JavaScript）"
        elif cert is None:
            status, error = 400, "请选择用于签署的证书"
        else:
            try:
                services.pledge_sign(
                    actor=user, certificate=cert, canonical=canonical, signature=signature, clock=clock
                )
            except GgzyError as exc:
                status, error = exc.http_status, exc.message
            else:
                messages.success(request, f"已签署《{document.title}》（第{document.version}版），签名已验证")
                return redirect("accounts:agency_home")
    now = clock.now()
    canonical_now = agreements.pledge_canonical(
        document=document, org_name=org.name, credit_code=org.credit_code, issued_at=now
    )
    usable = [
        r.certificate
        for r in selectors.certificate_list(organisation=org, at=now)
        if r.status == CertificateStatus.USABLE
    ]
    return render(
        request,
        "accounts/agency/pledge.html",
        {
            "org": org,
            "document": document,
            "existing": selectors.pledge_existing(organisation=org, document=document, at=now),
            "canonical_b64": base64.b64encode(canonical_now).decode("ascii"),
            "canonical_text": canonical_now.decode("utf-8"),
            "certificates": usable,
            "selected": selected,
            "error": error,
        },
        status=status,
    )
