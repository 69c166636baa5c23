"""Disclosure pages: the public ones under /gk/apply/ (beside the portal's 依申请公开 column page)
and the staff back office under /manage/disclosure/. Included at the site root."""

from django.urls import path

from ggzy.disclosure.views import public, staff

app_name = "disclosure"
urlpatterns = [
    path("gk/apply/online/", public.apply, name="apply"),
    path("gk/apply/track/", public.track, name="track"),
    path("gk/apply/track/letter/", public.track_letter, name="track_letter"),
    path("manage/disclosure/", staff.queue, name="manage_queue"),
    path("manage/disclosure/register/", staff.register, name="manage_register"),
    path("manage/disclosure/<int:pk>/", staff.request_detail, name="manage_request"),
    path("manage/disclosure/<int:pk>/pii/", staff.pii_view, name="manage_pii"),
    path("manage/disclosure/<int:pk>/letter.<str:fmt>", staff.letter, name="manage_letter"),
    path(
        "manage/disclosure/<int:pk>/cases/<int:case_pk>/decide/", staff.case_decide, name="manage_case_decide"
    ),
    path("manage/disclosure/<int:pk>/<slug:action>/", staff.act, name="manage_act"),
]
