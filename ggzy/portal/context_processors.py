from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """The site identity for the header and footer, and the reader's display mode."""
    return {"site": settings.GGZY_SITE, "care_mode": request.COOKIES.get("ggzy_care") == "1"}
