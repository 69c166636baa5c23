from django.urls import path

from ggzy.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
]
