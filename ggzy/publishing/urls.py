"""The staff back office, mounted at /manage/."""

from django.urls import path, register_converter

from ggzy.publishing import views


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
