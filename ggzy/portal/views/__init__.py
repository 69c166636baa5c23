"""The public site's views, one module per column (see urls.py)."""

from ggzy.portal.views.pages import (
    article_category,
    article_detail,
    article_list,
    home,
    notice_detail,
    notice_list,
)

__all__ = ["article_category", "article_detail", "article_list", "home", "notice_detail", "notice_list"]
