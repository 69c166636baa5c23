from django.urls import path

from ggzy.accounts import agency_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("totp/", views.totp_verify_view, name="totp_verify"),
    path("totp/enrol/", views.totp_enrol_view, name="totp_enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("agency/register/", agency_views.agency_register, name="agency_register"),
    path("agency/", agency_views.agency_home, name="agency_home"),
    path("agency/certificates/", agency_views.agency_certificate_bind, name="agency_certificate_bind"),
    path(
        "agency/certificates/<int:pk>/unbind/",
        agency_views.agency_certificate_unbind,
        name="agency_certificate_unbind",
    ),
    path("agency/agreements/<slug:code>/", agency_views.agency_pledge, name="agency_pledge"),
    path("agreements/<slug:code>/", agency_views.agreement_text, name="agreement_text"),
]
