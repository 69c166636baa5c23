"""GET /api/v1/ocds/releases: public notices as one OCDS 1.1.5 release package per page.

Pages follow publication order (``published_at``, ``pk``) with an opaque cursor; the package's
``links.next`` (an extra property the package schema allows, as OCDS record packages do) is the
URL of the next page, absent on the last one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, JsonResponse
from ninja import Field, Query, Router

from ggzy.api import ocds, ocds_data
from ggzy.api.cursors import decode_cursor, encode_cursor
from ggzy.api.schemas import CURSOR_MAX_CHARS, ErrorOut, Params
from ggzy.core.clock import system_clock
from ggzy.core.errors import ValidationFailed
from ggzy.publishing.choices import TradeDomain

OCDS_SCOPE = "o"
MAX_PAGE = 500

router = Router(tags=["开放数据"])


class OcdsParams(Params):
    since: dt.date | None = Field(None, description="发布日期起（含），北京时间，YYYY-MM-DD")
    until: dt.date | None = Field(None, description="发布日期止（含），北京时间，YYYY-MM-DD")
    domain: TradeDomain | None = Field(None, description="交易类别")
    cursor: str | None = Field(None, max_length=CURSOR_MAX_CHARS, description="上一页 links.next 中的 cursor")
    limit: int = Field(100, ge=1, le=MAX_PAGE, description="每页公告数，1–500（撤回的公告另有一条撤回发布）")


@router.get(
    "/releases",
    response={200: dict[str, Any], 400: ErrorOut, 500: ErrorOut},
    summary="OCDS 1.1.5 发布包（交易公告，按发布时间正序，游标分页）",
    description=(
        "招标公告→tender，变更公告→tenderAmendment，中标候选人公示→award（pending），"
        "中标结果公告→award（active），终止公告→tenderCancellation。ocid 为“前缀-项目编号”。"
        "下一页地址见 links.next。所选范围内没有公告时 releases 为空数组。"
    ),
)
def ocds_releases(request: HttpRequest, params: Query[OcdsParams]) -> JsonResponse:
    if params.since and params.until and params.until < params.since:
        raise ValidationFailed("结束日期不能早于开始日期", fields={"until": "不能早于 since"})
    position = decode_cursor(OCDS_SCOPE, params.cursor) if params.cursor else None
    f = ocds_data.ExportFilter(since=params.since, until=params.until, domain=params.domain)
    qs = ocds_data.export_notices(f)
    rows = list(ocds_data.after(qs, (position.moment, position.pk) if position else None)[: params.limit + 1])
    page = rows[: params.limit]
    base_url = request.build_absolute_uri("/").rstrip("/")
    releases: list[dict[str, Any]] = []
    for data in ocds_data.notice_data(page, base_url=base_url):
        releases.extend(ocds.notice_releases(data, prefix=ocds_data.ocds_prefix()))
    body = ocds_data.package_header(uri=request.build_absolute_uri(), now=system_clock.now())
    body["releases"] = releases
    if len(rows) > params.limit and page[-1].published_at is not None:
        query = {k: v for k, v in request.GET.items() if k != "cursor"}
        query["cursor"] = encode_cursor(OCDS_SCOPE, page[-1].published_at, page[-1].pk)
        body["links"] = {"next": f"{base_url}{request.path}?{urlencode(query)}"}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
