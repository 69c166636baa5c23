"""The staff back office, mounted at /manage/."""

from django.urls import path, register_converter

from ggzy.publishing import views, views_agency


class ContentTypeConverter:
    """``article`` or ``notice``: the two kinds of release the back office edits."""

    regex = "article|notice"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ContentTypeConverter, "release")

app_name = "publishing"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("articles/new/", views.article_create, name="article_create"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("agency/notices/", views_agency.notice_list, name="agency_notices"),
    path("agency/notices/new/", views_agency.notice_create, name="agency_notice_create"),
    path("agency/notices/<int:pk>/", views_agency.notice_detail, name="agency_notice"),
    path("agency/notices/<int:pk>/edit/", views_agency.notice_edit, name="agency_notice_edit"),
    path("agency/notices/<int:pk>/check/", views_agency.notice_check, name="agency_notice_check"),
    path(
        "agency/notices/<int:pk>/notice.json", views_agency.notice_canonical, name="agency_notice_canonical"
    ),
    path("agency/notices/<int:pk>/submit/", views_agency.notice_submit, name="agency_notice_submit"),
    path("agency/mandates/", views_agency.mandates, name="agency_mandates"),
    path("agency/mandates/<int:pk>/revoke/", views_agency.mandate_revoke, name="agency_mandate_revoke"),
    path("<release:content_type>/<int:pk>/", views.item_detail, name="item"),
    path(
        "<release:content_type>/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path("<release:content_type>/<int:pk>/submit/", views.item_submit, name="item_submit"),
    path("<release:content_type>/<int:pk>/approve/", views.item_approve, name="item_approve"),
    path("<release:content_type>/<int:pk>/return/", views.item_return, name="item_return"),
    path("<release:content_type>/<int:pk>/withdraw/", views.item_withdraw, name="item_withdraw"),
    path("<release:content_type>/<int:pk>/correct/", views.item_correct, name="item_correct"),
    path("<release:content_type>/<int:pk>/discard/", views.item_discard, name="item_discard"),
    path(
        "<release:content_type>/<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
]
