"""Login (password, then TOTP when enrolled or required), TOTP enrolment, logout."""

from __future__ import annotations

import base64
import io

import pyotp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts import selectors, services, throttle
from ggzy.accounts.forms import LoginForm, TOTPForm
from ggzy.accounts.middleware import ENROL_SESSION_KEY
from ggzy.accounts.models import TOTPDevice, User
from ggzy.core.errors import GgzyError

PENDING_KEY = "ggzy_pending_2fa_user"
NEXT_KEY = "ggzy_login_next"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return "/manage/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        address = request.META.get("REMOTE_ADDR", "")
        if throttle.is_locked(username, address):
            error = "登录失败次数过多，请15分钟后再试"
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                throttle.record_failure(username, address)
                services.login_attempt_record(username=username, user=None, ok=False)
                error = "用户名或密码不正确"
            else:
                assert isinstance(user, User)
                throttle.reset(username)
                services.login_attempt_record(username=username, user=user, ok=True)
                needs = selectors.user_needs_second_factor(
                    user=user, required_for_staff=settings.GGZY_REQUIRE_STAFF_TOTP
                )
                device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
                if needs and device is not None:
                    request.session[PENDING_KEY] = user.pk
                    request.session[NEXT_KEY] = next_url
                    return redirect("accounts:totp_verify")
                login(request, user)
                if needs:  # required but not enrolled yet
                    request.session[ENROL_SESSION_KEY] = True
                    return redirect("accounts:totp_enrol")
                return redirect(_safe_next(request, next_url))
    elif request.method == "POST":
        error = "请填写用户名和密码"
    demo_users = selectors.demo_user_list() if settings.GGZY_SHOW_DEMO_USERS else []
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": next_url, "demo_users": demo_users},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def totp_verify_view(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING_KEY)
    if not user_id:
        return redirect("accounts:login")
    user = User.objects.get(pk=user_id)
    form = TOTPForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_verify(user=user, code=form.cleaned_data["code"])
        except GgzyError as exc:
            error = exc.message
        else:
            next_url = request.session.get(NEXT_KEY, "")
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request, next_url))
    return render(
        request, "accounts/totp_verify.html", {"form": form, "error": error}, status=400 if error else 200
    )


@require_http_methods(["GET", "POST"])
def totp_enrol_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = request.user
    assert isinstance(user, User)
    form = TOTPForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_confirm(user=user, code=form.cleaned_data["code"])
        except GgzyError as exc:
            error = exc.message
        else:
            request.session.pop(ENROL_SESSION_KEY, None)
            return redirect("publishing:workbench")
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None or device.is_confirmed or request.method == "GET":
        device = services.totp_begin_enrolment(user=user) if device is None or device.is_confirmed else device
    uri = pyotp.TOTP(device.secret).provisioning_uri(name=user.username, issuer_name="ggzy")
    svg = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage).save(svg)
    qr_data = "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode()
    return render(
        request,
        "accounts/totp_enrol.html",
        {"form": form, "error": error, "secret": device.secret, "qr_data": qr_data},
        status=400 if error else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:home")
