"""Mounted at "api/" by config/urls.py: /api/v1/… is the ninja API, and every other path under
/api/v1/ answers 404 in the API's error format rather than with the site's HTML error page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path

from ggzy.api.api import api, api_index
from ggzy.api.errors import json_errors, not_found_view


def _v1_patterns() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            if pattern.name == "api-root":  # ninja's root raises Http404 on purpose; say where the docs are
                pattern.callback = api_index
            else:
                pattern.callback = json_errors(pattern.callback)
    return patterns, app_name, namespace


_patterns, _app_name, _namespace = _v1_patterns()

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", include((_patterns, _app_name), namespace=_namespace)),
    re_path(r"^v1(?:/|$)", not_found_view),
]
