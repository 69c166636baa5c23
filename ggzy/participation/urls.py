"""Participation pages, included at the site root: public under /interaction/, staff under
/manage/participation/ (listed before the publishing back office's /manage/ patterns)."""

from django.urls import path

from ggzy.participation.views import public, staff

app_name = "participation"
urlpatterns = [
    path("interaction/consultations/", public.consultation_list, name="consultations"),
    path("interaction/consultations/<int:pk>/", public.consultation_detail, name="consultation"),
    path("interaction/consultations/<int:pk>/comment/", public.comment_post, name="comment"),
    path("interaction/qa/", public.qa_list, name="qa"),
    path("interaction/qa/ask/", public.qa_ask, name="ask"),
    path("interaction/qa/track/", public.qa_track, name="track"),
    path("interaction/interpretations/<int:pk>/", public.interpretation, name="interpretation"),
    path("manage/participation/", staff.home, name="manage_home"),
    path("manage/participation/consultations/", staff.consultations, name="manage_consultations"),
    path("manage/participation/consultations/<int:pk>/", staff.consultation, name="manage_consultation"),
    path("manage/participation/comments/", staff.comments, name="manage_comments"),
    path(
        "manage/participation/comments/<int:pk>/moderate/",
        staff.comment_moderate,
        name="manage_comment_moderate",
    ),
    path(
        "manage/participation/comments/<int:pk>/contact/",
        staff.comment_contact,
        name="manage_comment_contact",
    ),
    path("manage/participation/questions/", staff.questions, name="manage_questions"),
    path("manage/participation/questions/<int:pk>/", staff.question, name="manage_question"),
    path(
        "manage/participation/questions/<int:pk>/<slug:action>/",
        staff.question_act,
        name="manage_question_act",
    ),
    path("manage/participation/interpretations/", staff.interpretations, name="manage_interpretations"),
]
