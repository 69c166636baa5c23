"""The annual report's pages: staff at /manage/annual-report/, public at /gk/reports/<year>/.
Included at the site root."""

from django.urls import path

from ggzy.annual_report import views

app_name = "annual_report"
urlpatterns = [
    path("manage/annual-report/", views.manage_index, name="manage_index"),
    path("manage/annual-report/draft/", views.manage_draft, name="manage_draft"),
    path("manage/annual-report/<int:pk>/", views.manage_detail, name="manage_detail"),
    path("manage/annual-report/<int:pk>/report.<str:fmt>", views.manage_download, name="manage_download"),
    path("manage/annual-report/<int:pk>/<slug:action>/", views.manage_act, name="manage_act"),
    path("gk/reports/<int:year>/", views.public_detail, name="public_detail"),
    path("gk/reports/<int:year>.<str:fmt>", views.public_download, name="public_download"),
]
