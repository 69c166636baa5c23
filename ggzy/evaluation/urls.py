"""Evaluation pages: the committee's room under /manage/evaluation/ (experts), the tenderer's and
center's pages for the publicity and the award, the bidders' objection page, and the public
verification of award letters under /evaluation/award/. To be included at the site root."""

from django.urls import path

from ggzy.evaluation.views import pages

app_name = "evaluation"
urlpatterns = [
    path("manage/evaluation/", pages.room_list, name="room_list"),
    path("manage/evaluation/<int:pk>/", pages.room, name="room"),
    path("manage/evaluation/<int:pk>/report.<str:ext>", pages.report_file, name="report_file"),
    path("manage/evaluation/<int:pk>/award/", pages.award, name="award"),
    path("manage/evaluation/<int:pk>/objection/", pages.objection, name="objection"),
    path("evaluation/award/<int:pk>/", pages.verify, name="verify"),
    path("evaluation/award/<int:pk>/letter.pdf", pages.letter_pdf, name="letter_pdf"),
    path("evaluation/award/<int:pk>/letter.sig", pages.letter_sig, name="letter_sig"),
    path("evaluation/platform-key.pem", pages.platform_key_pem, name="platform_key"),
]
