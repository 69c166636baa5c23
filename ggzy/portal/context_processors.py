from typing import Any

from django.conf import settings
from django.http import HttpRequest

# URL prefix → the main-navigation column it belongs to (for aria-current and the highlight).
NAV_SECTIONS: tuple[tuple[str, str], ...] = (
    ("/notices/", "notices"),
    ("/articles/", "articles"),
    ("/gk/", "gk"),
    ("/interaction/", "interaction"),
    ("/credit/", "credit"),
    ("/service/", "service"),
    ("/search/", "search"),
    ("/audit/", "gk"),
)


def site(request: HttpRequest) -> dict[str, Any]:
    """The site identity for the header and footer, the reader's display mode and the current
    navigation column. Runs no queries."""
    path = request.path
    section = (
        "home"
        if path == "/"
        else next((name for prefix, name in NAV_SECTIONS if path.startswith(prefix)), "")
    )
    return {
        "site": settings.GGZY_SITE,
        "care_mode": request.COOKIES.get("ggzy_care") == "1",
        "nav_section": section,
    }
