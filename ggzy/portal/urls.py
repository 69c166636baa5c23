from django.urls import path

from ggzy.portal import feeds
from ggzy.portal.views import audit, care, columns, files, opendata, pages, screen, search, signatures

app_name = "portal"
urlpatterns = [
    path("", pages.home, name="home"),
    path("notices/", pages.notice_list, name="notice_list"),
    path("notices/<int:pk>/", pages.notice_detail, name="notice_detail"),
    path(
        "notices/<int:pk>/signature/notice.json", signatures.notice_signed_bytes, name="notice_signed_bytes"
    ),
    path("notices/<int:pk>/signature/notice.sig", signatures.notice_signature_file, name="notice_signature"),
    path(
        "notices/<int:pk>/signature/cert.pem", signatures.notice_certificate_file, name="notice_certificate"
    ),
    path("articles/", pages.article_list, name="article_list"),
    path("articles/c/<slug:code>/", pages.article_category, name="article_category"),
    path("articles/<int:pk>/", pages.article_detail, name="article_detail"),
    path("search/", search.search, name="search"),
    path("files/<str:sha256>/<path:name>", files.file_download, name="file_download"),
    path("care/", care.care_mode, name="care_mode"),
    path("gk/", columns.gk_index, name="gk_index"),
    path("gk/guide/", columns.gk_guide, name="gk_guide"),
    path("gk/catalogue/", columns.gk_catalogue, name="gk_catalogue"),
    path("gk/rules/", columns.gk_rules, name="gk_rules"),
    path("gk/statutory/", columns.gk_statutory, name="gk_statutory"),
    path("gk/apply/", columns.gk_apply, name="gk_apply"),
    path("gk/reports/", columns.gk_reports, name="gk_reports"),
    path("gk/interpretations/", columns.gk_interpretations, name="gk_interpretations"),
    path("interaction/", columns.interaction, name="interaction"),
    path("credit/", columns.credit, name="credit"),
    path("service/", columns.service_guide, name="service_guide"),
    path("audit/checkpoints/", audit.checkpoint_list, name="checkpoints"),
    path(
        "audit/checkpoints/<int:seq>/message.json", audit.checkpoint_message_file, name="checkpoint_message"
    ),
    path(
        "audit/checkpoints/<int:seq>/signature.der",
        audit.checkpoint_signature_file,
        name="checkpoint_signature",
    ),
    path(
        "audit/checkpoints/<int:seq>/pub.pem", audit.checkpoint_public_key_file, name="checkpoint_public_key"
    ),
    path("feeds/notices.xml", feeds.NoticeFeed(), name="feed_notices"),
    path("feeds/articles.xml", feeds.ArticleFeed(), name="feed_articles"),
    path("feeds/notices.atom", feeds.NoticeAtomFeed(), name="feed_notices_atom"),
    path("feeds/articles.atom", feeds.ArticleAtomFeed(), name="feed_articles_atom"),
    path("feeds/notices/<slug:domain>.xml", feeds.NoticeFeed(), name="feed_notices_domain"),
    path("feeds/notices/<slug:domain>.atom", feeds.NoticeAtomFeed(), name="feed_notices_domain_atom"),
    path("feeds/articles/<slug:code>.xml", feeds.ArticleFeed(), name="feed_articles_category"),
    path("feeds/articles/<slug:code>.atom", feeds.ArticleAtomFeed(), name="feed_articles_category_atom"),
    path("sitemap.xml", opendata.sitemap_index, name="sitemap"),
    path("sitemaps/<slug:section>-<int:number>.xml", opendata.sitemap_page, name="sitemap_page"),
    path("robots.txt", opendata.robots_txt, name="robots"),
    path("screen/", screen.screen, name="screen"),
    path("screen/data.json", screen.screen_data, name="screen_data"),
    path("manage/screen/", screen.manage_screen, name="manage_screen"),
    path("manage/screen/<int:pk>/", screen.manage_screen_edit, name="manage_screen_edit"),
    path("manage/screen/<int:pk>/delete/", screen.manage_screen_delete, name="manage_screen_delete"),
]
