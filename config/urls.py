from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("ggzy.accounts.urls")),
    path("", include("ggzy.disclosure.urls")),
    path("", include("ggzy.supervision.urls")),
    path("", include("ggzy.participation.urls")),
    path("", include("ggzy.trading.urls")),
    path("", include("ggzy.experts.urls")),
    path("", include("ggzy.annual_report.urls")),
    path("manage/", include("ggzy.publishing.urls")),
    path("api/", include("ggzy.api.urls")),
    path("", include("ggzy.portal.urls")),
]
