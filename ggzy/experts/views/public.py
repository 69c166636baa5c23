"""The public verification pages: revealed draws, each recomputed from its published data."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from ggzy.core.errors import NotFound
from ggzy.experts import selectors
from ggzy.experts.views import common


def verify_list(request: HttpRequest) -> HttpResponse:
    return render(request, "experts/verify_list.html", {"draws": selectors.revealed_draws()})


def verify_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        draw = selectors.draw_get(pk=pk)
        record = selectors.json_ready(selectors.published_record(draw))
    except NotFound as exc:
        return common.error(request, exc.message, 404)
    result = selectors.verify_draw(draw)
    summary = {k: v for k, v in record.items() if k not in ("pool", "avoid")}
    pool_sizes = {k: len(v) for k, v in record["pool"].items()}
    return render(
        request,
        "experts/verify_detail.html",
        {
            "draw": draw,
            "record": record,
            "result": result,
            "pool_sizes": pool_sizes,
            "avoid_count": len(record["avoid"]),
            "summary_json": json.dumps(summary, ensure_ascii=False, indent=2),
        },
    )


def verify_json(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = selectors.json_ready(selectors.published_record(selectors.draw_get(pk=pk)))
    except NotFound as exc:
        return JsonResponse(
            {"error": {"code": "not_found", "message": exc.message, "fields": {}}}, status=404
        )
    return JsonResponse(record, json_dumps_params={"ensure_ascii": False})
