"""The login and TOTP templates, the error pages and the NotFound safety net."""

from __future__ import annotations

import pyotp
import pytest
from django.test import RequestFactory

from ggzy.accounts import services as account_services
from ggzy.accounts.models import TOTPDevice
from ggzy.core.errors import NotFound, PermissionDenied
from ggzy.portal.middleware import GgzyErrorMiddleware

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_login_page_lists_demo_accounts(pub, browser):
    account_services.user_create(
        actor=None,
        username="demo-editor",
        password="ggzy-demo-2021",
        organisation=pub.org,
        display_name="演示编辑",
        roles=["editor"],
    )
    response = browser.get("/accounts/login/?next=/manage/")
    assert response.status_code == 200
    body = text(response)
    assert "演示账号（仅演示环境显示）" in body
    assert (
        "demo-editor" in body
        and "信息编辑" in body
        and "示范市公共资源交易中心" in body
        and "ggzy-demo-2021" in body
    )
    assert 'for="id_username"' in body and 'for="id_password"' in body
    assert 'name="next" value="/manage/"' in body and "csrfmiddlewaretoken" in body


def test_login_page_without_demo_accounts(browser, settings):
    settings.GGZY_SHOW_DEMO_USERS = False
    assert "演示账号" not in text(browser.get("/accounts/login/"))


def test_login_error_is_an_alert(pub, browser):
    response = browser.post("/accounts/login/", {"username": "editor", "password": "wrong"})
    assert response.status_code == 400
    body = text(response)
    assert 'role="alert"' in body and "用户名或密码不正确" in body


def test_totp_enrol_and_verify_pages(pub, browser):
    browser.force_login(pub.editor)
    response = browser.get("/accounts/totp/enrol/")
    assert response.status_code == 200
    body = text(response)
    device = TOTPDevice.objects.get(user=pub.editor)
    assert device.secret in body and 'src="data:image/svg+xml;base64,' in body and "绑定动态口令" in body
    response = browser.post("/accounts/totp/enrol/", {"code": pyotp.TOTP(device.secret).now()})
    assert response.status_code == 302
    browser.logout()
    response = browser.post("/accounts/login/", {"username": "editor", "password": "x" * 12})
    assert response.status_code == 302 and response["Location"].endswith("/accounts/totp/")
    response = browser.get("/accounts/totp/")
    assert response.status_code == 200 and "动态口令验证" in text(response)
    response = browser.post("/accounts/totp/", {"code": "000000"})
    assert response.status_code == 400 and 'role="alert"' in text(response)


def test_404_page_is_chinese(browser):
    response = browser.get("/this/does/not/exist/")
    assert response.status_code == 404
    assert "抱歉，您访问的页面不存在" in text(response) and "返回首页" in text(response)


def test_error_middleware_turns_not_found_into_404_page(db):
    middleware = GgzyErrorMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().get("/manage/x/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = middleware.process_exception(request, NotFound("信息不存在"))
    assert response is not None and response.status_code == 404 and "信息不存在" in text(response)
    response = middleware.process_exception(request, PermissionDenied("没有权限"))
    assert response is not None and response.status_code == 403 and "没有权限" in text(response)
    assert middleware.process_exception(request, ValueError("x")) is None


def test_500_page_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "系统暂时无法处理您的请求" in html and '<meta charset="utf-8">' in html
