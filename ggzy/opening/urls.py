from django.urls import path, re_path

from ggzy.opening import views, views_custody

app_name = "opening"
urlpatterns = [
    path("opening/<str:code>/", views.hall, name="hall"),
    path("opening/<str:code>/events/", views.events, name="events"),
    path("opening/<str:code>/key/", views.key_submit, name="key"),
    re_path(r"^opening/(?P<code>[^/]+)/record\.(?P<ext>pdf|docx|sig)$", views.record_file, name="record"),
    path("opening/<str:code>/act/<str:step>/", views.act, name="act"),
    path("opening/<str:code>/backup/", views_custody.backup, name="backup"),
    path("opening/<str:code>/recordings/", views_custody.recordings, name="recordings"),
]
