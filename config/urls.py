from django.contrib import admin
from django.urls import include, path

from ggzy.platform import monitoring

urlpatterns = [
    # Probes and metrics first: answered without sessions, language or page middleware work.
    path("healthz", monitoring.healthz, name="healthz"),
    path("readyz", monitoring.readyz, name="readyz"),
    path("metrics", monitoring.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("ggzy.accounts.urls")),
    path("", include("ggzy.disclosure.urls")),
    path("", include("ggzy.supervision.urls")),
    path("", include("ggzy.participation.urls")),
    path("", include("ggzy.trading.urls")),
    path("", include("ggzy.experts.urls")),
    path("", include("ggzy.opening.urls")),
    path("", include("ggzy.evaluation.urls")),
    path("", include("ggzy.annual_report.urls")),
    path("", include("ggzy.compliance.urls")),
    path("manage/", include("ggzy.publishing.urls")),
    path("api/", include("ggzy.api.urls")),
    path("", include("ggzy.portal.urls")),
]

# A lost database is a 503 with a clear message, not a bare 500 (ggzy/portal/middleware.py).
handler500 = "ggzy.portal.middleware.server_error"
