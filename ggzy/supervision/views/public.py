"""The public exposure board (曝光台) at /credit/exposure/: published violations, by kind and year."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ggzy.supervision import forms, selectors

PAGE_SIZE = 20


@require_safe
def exposure_board(request: HttpRequest) -> HttpResponse:
    form = forms.BoardFilterForm(request.GET or None)
    kind, year = "", None
    if form.is_valid():
        kind, year = form.cleaned_data["kind"] or "", form.cleaned_data["year"]
    qs = selectors.exposure_list(kind=kind or None, year=year)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/exposure_board.html",
        {"form": form, "page": page, "years": selectors.exposure_years(), "kind": kind, "year": year},
    )
