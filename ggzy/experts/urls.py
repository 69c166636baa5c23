"""Experts pages: the back office under /manage/experts/ (tenderer, expert, staff, supervisor)
and the public verification under /experts/verify/. Included at the site root."""

from django.urls import path

from ggzy.experts.views import draws, pool, public

app_name = "experts"
urlpatterns = [
    path("manage/experts/draws/", draws.draw_list, name="draw_list"),
    path("manage/experts/draws/new/<int:section_pk>/", draws.draw_new, name="draw_new"),
    path("manage/experts/draws/<int:pk>/", draws.draw_detail, name="draw_detail"),
    path("manage/experts/draws/<int:pk>/record.<str:ext>", draws.draw_record, name="draw_record"),
    path("manage/experts/draws/<int:pk>/<slug:action>/", draws.draw_act, name="draw_act"),
    path("manage/experts/me/", pool.me, name="me"),
    path("manage/experts/me/notices/<int:seat_pk>/", pool.respond, name="respond"),
    path("manage/experts/pool/", pool.pool, name="pool"),
    path("manage/experts/pool/template.xlsx", pool.import_template, name="import_template"),
    path("manage/experts/pool/review/<int:pk>/", pool.review, name="review"),
    path("experts/verify/", public.verify_list, name="verify_list"),
    path("experts/verify/<int:pk>/", public.verify_detail, name="verify_detail"),
    path("experts/verify/<int:pk>.json", public.verify_json, name="verify_json"),
]
