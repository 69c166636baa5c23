"""Evaluation pages: the committee's room under /manage/evaluation/ (experts), the tenderer's and
center's pages for the publicity and the award, the bidders' objection page, the committee's
clarification pages and the bidders' answers to them (/evaluation/clarifications/), and the public
verification of award letters under /evaluation/award/. To be included at the site root."""

from django.urls import path

from ggzy.evaluation.views import clarifications, outcomes, pages

app_name = "evaluation"
urlpatterns = [
    path("manage/evaluation/", pages.room_list, name="room_list"),
    path("manage/evaluation/<int:pk>/", pages.room, name="room"),
    path("manage/evaluation/<int:pk>/report.<str:ext>", pages.report_file, name="report_file"),
    path("manage/evaluation/<int:pk>/award/", pages.award, name="award"),
    path("manage/evaluation/<int:pk>/objection/", pages.objection, name="objection"),
    path("manage/evaluation/<int:pk>/clarifications/", clarifications.committee_list, name="clarifications"),
    path(
        "manage/evaluation/<int:pk>/clarifications/<int:cpk>/",
        clarifications.committee_detail,
        name="clarification",
    ),
    path(
        "manage/evaluation/<int:pk>/clarifications/<int:cpk>/files/<int:fpk>/",
        clarifications.committee_file,
        name="clarification_file",
    ),
    path("evaluation/clarifications/", clarifications.bidder_list, name="bidder_clarifications"),
    path("evaluation/clarifications/<int:cpk>/", clarifications.bidder_detail, name="bidder_clarification"),
    path(
        "evaluation/clarifications/<int:cpk>/files/<int:fpk>/",
        clarifications.bidder_file,
        name="bidder_clarification_file",
    ),
    path("evaluation/award/<int:pk>/", pages.verify, name="verify"),
    path("evaluation/award/<int:pk>/letter.pdf", pages.letter_pdf, name="letter_pdf"),
    path("evaluation/award/<int:pk>/letter.sig", pages.letter_sig, name="letter_sig"),
    path("evaluation/platform-key.pem", pages.platform_key_pem, name="platform_key"),
    # Outcomes (ADR 0027): result notifications, failed sections, statistics.
    path("manage/evaluation/stats/", outcomes.stats_dashboard, name="stats"),
    path("manage/evaluation/<int:pk>/notifications/", outcomes.deliveries, name="deliveries"),
    path("manage/evaluation/<int:pk>/termination/", outcomes.termination, name="termination"),
    path("evaluation/notifications/", outcomes.notification_list, name="notifications"),
    path("evaluation/notifications/<int:npk>/", outcomes.notification_detail, name="notification"),
    path(
        "evaluation/notifications/<int:npk>/notification.pdf",
        outcomes.notification_pdf,
        name="notification_pdf",
    ),
    path(
        "evaluation/notifications/<int:npk>/notification.sig",
        outcomes.notification_sig,
        name="notification_sig",
    ),
]
