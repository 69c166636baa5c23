"""One error format for every failure under /api/v1:

    {"error": {"code": "<stable English>", "message": "<Chinese for people>", "fields": {...}}}

``fields`` maps a parameter name to what is wrong with it (Chinese), and is ``{}`` when the problem
is not about one parameter. Nothing here ever puts a traceback or an exception text of an
unexpected error into a response.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    JsonResponse,
)
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from ggzy.core.errors import GgzyError

logger = logging.getLogger("ggzy.api")

NOT_FOUND_MESSAGE = "请求的接口或资源不存在"
INTERNAL_ERROR_MESSAGE = "服务器内部错误，请稍后重试；如问题持续，请联系网站管理员"

_STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求不正确"),
    401: ("authentication_required", "请先登录或提供有效凭证"),
    403: ("permission_denied", "没有访问权限"),
    404: ("not_found", NOT_FOUND_MESSAGE),
    405: ("method_not_allowed", "不支持该请求方法"),
    429: ("throttled", "请求过于频繁，请稍后再试"),
}


def error_body(code: str, message: str, fields: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": dict(fields or {})}}


def error_response(
    status: int, code: str, message: str, fields: Mapping[str, str] | None = None
) -> JsonResponse:
    """A response in the error format, for views that are not ninja operations."""
    return json_response(error_body(code, message, fields), status=status)


def json_response(data: dict[str, Any], *, status: int = 200) -> JsonResponse:
    """UTF-8 JSON with Chinese as it is, like the ninja operations answer."""
    return JsonResponse(
        data,
        status=status,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )


# ---------------------------------------------------------------- pydantic errors in Chinese


def _field_message(error: Mapping[str, Any]) -> str:
    """What a validation error of one parameter means, in Chinese."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"不能小于{bound}" if kind == "greater_than_equal" else f"必须大于{bound}"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"不能大于{bound}" if kind == "less_than_equal" else f"必须小于{bound}"
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", "、").replace(", ", "、")
        return f"取值无效，可选值：{expected}" if expected else "取值无效"
    if kind.startswith("int_") or kind == "int_type":
        return "应为整数"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "应为日期，格式 YYYY-MM-DD"
    if kind in ("string_too_long",):
        return f"不能超过{ctx.get('max_length')}个字符"
    if kind in ("string_too_short",):
        return f"不能少于{ctx.get('min_length')}个字符"
    if kind == "bool_parsing":
        return "应为 true 或 false"
    return "取值无效"


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    """``{"limit": "不能大于100"}`` from ninja's error list (``loc`` = [source, name, …])."""
    fields: dict[str, str] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body", "header")]
        name = ".".join(loc) or "request"
        fields.setdefault(name, _field_message(error))
    return fields


# ---------------------------------------------------------------- handlers


def too_big_body() -> dict[str, Any]:
    """A request body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django refuses to read it)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    size = f"{limit / (1024 * 1024):g} MB" if limit and limit >= 1024 * 1024 else f"{limit} 字节"
    return error_body(
        "payload_too_large",
        f"请求体过大：不能超过 {size}；附件较多的，请分批提交",
        {"request": f"不能超过 {size}"},
    )


def install_exception_handlers(api: NinjaAPI) -> None:
    """Replace ninja's defaults (``{"detail": …}``, 422, tracebacks under DEBUG) with ours."""

    @api.exception_handler(GgzyError)
    def on_ggzy_error(request: HttpRequest, exc: GgzyError) -> HttpResponse:
        return api.create_response(request, {"error": exc.as_dict()}, status=exc.http_status)

    @api.exception_handler(NinjaValidationError)
    def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = validation_fields(exc.errors)
        detail = "；".join(f"{name}：{problem}" for name, problem in fields.items())
        message = f"请求参数不正确（{detail}）" if detail else "请求参数不正确"
        return api.create_response(request, error_body("validation_failed", message, fields), status=400)

    @api.exception_handler(Http404)
    def on_http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", NOT_FOUND_MESSAGE), status=404)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code, message = _STATUS_CODES.get(exc.status_code, ("error", "请求失败"))
        return api.create_response(request, error_body(code, message), status=exc.status_code)

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(request, too_big_body(), status=413)

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unexpected error in API %s %s", request.method, request.path)
        return api.create_response(request, error_body("internal_error", INTERNAL_ERROR_MESSAGE), status=500)


# ---------------------------------------------------------------- outside ninja's operations


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Every path under /api/v1/ that no operation matches."""
    return error_response(404, "not_found", NOT_FOUND_MESSAGE)


def json_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap a URL callback that ninja builds itself (path dispatch, OpenAPI, docs) so that its
    405 answer and any Http404 it raises come out in the error format too."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found_view(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            out = error_response(405, "method_not_allowed", f"不支持该请求方法，允许：{allowed}")
            out["Allow"] = allowed
            return out
        return response

    return wrapper
