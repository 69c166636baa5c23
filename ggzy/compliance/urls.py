"""Compliance staff pages, included at the site root (all under /manage/compliance/)."""

from django.urls import path

from ggzy.compliance import views

app_name = "compliance"
urlpatterns = [
    path("manage/compliance/", views.rule_list, name="rules"),
    path("manage/compliance/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("manage/compliance/terms/", views.term_list, name="terms"),
    path("manage/compliance/terms/<int:pk>/remove/", views.term_remove, name="term_remove"),
    path("manage/compliance/policy/", views.policy, name="policy"),
    path("manage/compliance/flags/", views.flag_list, name="flags"),
    path("manage/compliance/flags/<int:pk>/lift/", views.flag_lift, name="flag_lift"),
    path("manage/compliance/trial/", views.trial, name="trial"),
]
