from django.urls import path

from ggzy.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("totp/", views.totp_verify_view, name="totp_verify"),
    path("totp/enrol/", views.totp_enrol_view, name="totp_enrol"),
    path("logout/", views.logout_view, name="logout"),
]
