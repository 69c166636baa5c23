"""The bidder's pages under /trading/: sections open for bidding, a section with its tender
files and clarifications, and the recorded download. Made for a phone as much as a desk."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ggzy.accounts.models import User
from ggzy.core.errors import GgzyError, NotFound
from ggzy.trading import access, selectors, services
from ggzy.trading.views import common
from ggzy.trading.views.files import file_response


@require_http_methods(["GET"])
def section_list(request: HttpRequest) -> HttpResponse:
    sections = selectors.sections_open_for_bidding(clock=common.clock)[:200]
    return render(request, "trading/section_list.html", {"sections": sections, "nav_section": "trading"})


@require_http_methods(["GET"])
def section_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        section = selectors.section_get_public(pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    user = request.user if request.user.is_authenticated else None
    return render(
        request,
        "trading/section_detail.html",
        {
            "section": section,
            "project": section.project,
            "files": selectors.section_files(section),
            "changes": selectors.section_deadline_changes(section),
            "is_bidder": access.is_bidder(user if isinstance(user, User) else None),
            "deadline_passed": selectors.downloads_visible(section, clock=common.clock),
            "nav_section": "trading",
        },
    )


@require_http_methods(["GET"])
@common.bidder_required
def file_download(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    try:
        tf = selectors.tender_file_get_public(pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    try:
        services.tender_file_download(actor=user, tender_file=tf, clock=common.clock)
    except GgzyError as exc:
        return common.public_error(request, exc.message, exc.http_status)
    return file_response(tf)
