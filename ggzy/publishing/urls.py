from django.urls import path

from ggzy.publishing import views

app_name = "publishing"
urlpatterns = [
    path("", views.workbench, name="workbench"),
]
