"""OCDS 1.1.5 releases from notices — pure mapping, no Django (see docs/adr/0013-open-data.md).

One public notice version becomes one release; a withdrawn one also gets a withdrawal release:

==============  ===================================  ==============================================
notice kind     release tag                          what the release carries
==============  ===================================  ==============================================
tender          ``tender`` (``tenderUpdate`` when    ``tender`` (active, value, tenderPeriod)
                the notice is a correction)
change          ``tenderAmendment``                  ``tender.amendments`` (+ the new tenderPeriod)
candidate       ``award``                            ``awards[]`` with status ``pending``
award           ``award`` (``awardUpdate``)          ``awards[]`` with status ``active``
termination     ``tenderCancellation``               ``tender.status = cancelled``
==============  ===================================  ==============================================

Identifiers are stable so that a consumer can merge releases into records:

- ``ocid`` = ``<prefix>-<project code>`` (every notice of a project shares it);
- release ``id`` = ``notice-<pk>`` — one row per notice *version* (a correction is a new row),
  so the id never changes and never repeats; the withdrawal release is ``notice-<pk>-withdrawal``;
- an award's id is its section code, so the candidate publicity (pending) and the award (active)
  of the same section are the same award in a compiled record.

Organisations: ``CN-USCC-<统一社会信用代码>`` when the credit code is known (scheme ``CN-USCC``: the
GB 32100-2015 unified social credit code; org-id.guide has no list for it yet, so the scheme name
is ours and documented), otherwise ``<ocid prefix>-org-<sha1 of the name, 12 hex>``.

The input is one plain mapping per notice (:data:`NoticeData` keys, produced by
``ggzy.api.ocds_data``); the output is plain JSON-ready dicts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCDS_VERSION = "1.1"
CURRENCY = "CNY"
ORG_SCHEME = "CN-USCC"
DEFAULT_PREFIX = "ocds-ggzy00"
PUBLIC_STATUSES = ("published", "corrected", "withdrawn")

# Method of the procedure (OCDS closed codelist procurementMethod).
PROCUREMENT_METHOD = {
    "open_tendering": "open",
    "invited_tendering": "selective",
    "competitive_negotiation": "limited",
    "competitive_consultation": "limited",
    "inquiry": "limited",
    "single_source": "direct",
}
PROCEDURE_NAMES = {
    "open_tendering": "公开招标",
    "invited_tendering": "邀请招标",
    "competitive_negotiation": "竞争性谈判",
    "competitive_consultation": "竞争性磋商",
    "inquiry": "询价",
    "single_source": "单一来源采购",
}
# Only construction is unambiguous (works); a procurement may be goods or services.
MAIN_CATEGORY = {"construction": "works"}
NOTICE_DOCUMENT_TYPE = {
    "tender": "tenderNotice",
    "change": "clarifications",
    "candidate": "evaluationReports",
    "award": "awardNotice",
    "termination": "tenderNotice",
}

_SLUG_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


class OcdsDataError(ValueError):
    """A notice that cannot become a release (no project code, never published)."""


def ocid(prefix: str, project_code: str) -> str:
    code = _SLUG_UNSAFE.sub("-", project_code.strip()).strip("-")
    if not code:
        raise OcdsDataError("项目编号为空，无法生成 ocid")
    return f"{prefix}-{code}"


def iso(moment: dt.datetime | dt.date | None, *, end_of_day: bool = False) -> str | None:
    """ISO 8601 with the +08:00 offset; a date is that Shanghai day's start (or end)."""
    if moment is None:
        return None
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(23, 59, 59) if end_of_day else dt.time(0, 0))
        moment = moment.replace(tzinfo=SHANGHAI)
    if moment.tzinfo is None:
        raise OcdsDataError("时间缺少时区")
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def value(amount: Decimal | float | int | None) -> dict[str, Any] | None:
    if amount is None:
        return None
    # A JSON number: OCDS says amount is a number. Decimal → float loses nothing below 2^53 fen.
    return {"amount": float(Decimal(amount)), "currency": CURRENCY}


def org_id(prefix: str, name: str, credit_code: str = "") -> str:
    if credit_code:
        return f"{ORG_SCHEME}-{credit_code}"
    digest = hashlib.sha1(name.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]
    return f"{prefix}-org-{digest}"


class _Parties:
    """The ``parties`` array, one entry per organisation, roles merged."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.by_id: dict[str, dict[str, Any]] = {}

    def add(self, name: str, credit_code: str, role: str) -> dict[str, str] | None:
        name = (name or "").strip()
        if not name:
            return None
        pid = org_id(self.prefix, name, credit_code)
        party = self.by_id.get(pid)
        if party is None:
            party = {"id": pid, "name": name, "roles": []}
            if credit_code:
                party["identifier"] = {"scheme": ORG_SCHEME, "id": credit_code, "legalName": name}
            self.by_id[pid] = party
        if role not in party["roles"]:
            party["roles"].append(role)
        return {"id": pid, "name": name}

    def as_list(self) -> list[dict[str, Any]]:
        return list(self.by_id.values())


def _documents(n: Mapping[str, Any]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = [
        {
            "id": f"notice-{n['id']}",
            "documentType": NOTICE_DOCUMENT_TYPE.get(n["kind"], "tenderNotice"),
            "title": n["title"],
            "url": n["url"],
            "datePublished": iso(n.get("published_at")),
            "format": "text/html",
            "language": "zh",
        }
    ]
    for i, a in enumerate(n.get("attachments") or (), start=1):
        docs.append(
            {
                "id": f"notice-{n['id']}-file-{i}",
                "documentType": "biddingDocuments" if n["kind"] == "tender" else "clarifications",
                "title": a["name"],
                # The URL carries the SHA-256 of the bytes (content-addressed files), and the
                # description repeats it, so a consumer can check what it downloaded.
                "description": f"SHA-256: {a['sha256']}；大小 {a['size']} 字节",
                "url": a["url"],
                "datePublished": iso(n.get("published_at")),
                "format": a.get("media_type") or "application/octet-stream",
            }
        )
    return docs


def _tender_core(n: Mapping[str, Any], parties: _Parties) -> dict[str, Any]:
    tender: dict[str, Any] = {"id": n["project_code"], "title": n.get("project_name") or n["title"]}
    procuring = parties.add(n.get("agency_name", ""), n.get("agency_credit_code", ""), "procuringEntity")
    if procuring:
        tender["procuringEntity"] = procuring
    procedure = n.get("procedure") or ""
    if procedure in PROCUREMENT_METHOD:
        tender["procurementMethod"] = PROCUREMENT_METHOD[procedure]
        tender["procurementMethodDetails"] = PROCEDURE_NAMES[procedure]
    if n.get("domain") in MAIN_CATEGORY:
        tender["mainProcurementCategory"] = MAIN_CATEGORY[n["domain"]]
    return tender


def _period(start: Any, end: Any) -> dict[str, Any] | None:
    period = {k: v for k, v in (("startDate", iso(start)), ("endDate", iso(end))) if v}
    return period or None


def _award(n: Mapping[str, Any], parties: _Parties, status: str) -> dict[str, Any]:
    award: dict[str, Any] = {
        "id": n.get("section_code") or n["project_code"],
        "title": n.get("section_name") or n["title"],
        "status": status,
    }
    if status == "active":
        award["date"] = iso(n.get("published_at"))
    amount = value(n.get("award_amount"))
    if amount:
        award["value"] = amount
    supplier = parties.add(
        n.get("winner_name", ""),
        n.get("winner_credit_code", ""),
        "supplier" if status == "active" else "tenderer",
    )
    if supplier:
        award["suppliers"] = [supplier]
    return award


def release_id(notice_id: int, *, withdrawal: bool = False) -> str:
    return f"notice-{notice_id}-withdrawal" if withdrawal else f"notice-{notice_id}"


def notice_releases(n: Mapping[str, Any], *, prefix: str = DEFAULT_PREFIX) -> list[dict[str, Any]]:
    """The releases of one public notice version: its publication, and its withdrawal if any."""
    if n.get("status") not in PUBLIC_STATUSES or n.get("published_at") is None:
        raise OcdsDataError("只有已发布的公告可以导出")
    releases = [_publication(n, prefix=prefix)]
    if n["status"] == "withdrawn":
        releases.append(_withdrawal(n, prefix=prefix))
    return releases


def _base(n: Mapping[str, Any], *, prefix: str, rid: str, date: Any, tag: str) -> dict[str, Any]:
    return {
        "ocid": ocid(prefix, n["project_code"]),
        "id": rid,
        "date": iso(date),
        "tag": [tag],
        "initiationType": "tender",
        "language": "zh",
    }


def _publication(n: Mapping[str, Any], *, prefix: str) -> dict[str, Any]:
    kind = n["kind"]
    corrected = (n.get("version") or 1) > 1
    parties = _Parties(prefix)
    buyer = parties.add(n.get("tenderer_name", ""), n.get("tenderer_credit_code", ""), "buyer")
    tender = _tender_core(n, parties)
    awards: list[dict[str, Any]] = []
    if kind == "tender":
        tag = "tenderUpdate" if corrected else "tender"
        tender["status"] = "active"
        tender["value"] = value(n.get("budget") if n.get("budget") is not None else n.get("price_cap"))
        tender["tenderPeriod"] = _period(
            n.get("file_issue_start") or n.get("published_at"), n.get("bid_deadline")
        )
        tender["documents"] = _documents(n)
    elif kind == "change":
        tag = "tenderAmendment"
        tender["status"] = "active"
        tender["tenderPeriod"] = _period(None, n.get("bid_deadline"))
        amendment: dict[str, Any] = {
            "id": release_id(n["id"]),
            "date": iso(n.get("published_at")),
            "rationale": n["title"],
            "releaseID": release_id(n["id"]),
        }
        if n.get("body_text"):
            amendment["description"] = n["body_text"][:2000]
        if n.get("changes_id"):
            amendment["amendsReleaseID"] = release_id(n["changes_id"])
        tender["amendments"] = [amendment]
        tender["documents"] = _documents(n)
    elif kind == "termination":
        tag = "tenderCancellation"
        tender["status"] = "cancelled"
        tender["documents"] = _documents(n)
    elif kind in ("candidate", "award"):
        tag = ("awardUpdate" if corrected else "award") if kind == "award" else "award"
        award = _award(n, parties, "active" if kind == "award" else "pending")
        award["documents"] = _documents(n)
        if kind == "candidate" and (n.get("publicity_start") or n.get("publicity_end")):
            award["description"] = (
                f"中标候选人公示期：{n.get('publicity_start') or ''} 至 {n.get('publicity_end') or ''}"
            )
        awards.append(award)
    else:
        raise OcdsDataError(f"未知的公告类型：{kind}")
    release = _base(n, prefix=prefix, rid=release_id(n["id"]), date=n["published_at"], tag=tag)
    release["parties"] = parties.as_list()
    if buyer:
        release["buyer"] = buyer
    release["tender"] = _drop_none(tender)
    if awards:
        release["awards"] = [_drop_none(a) for a in awards]
    return release


def _withdrawal(n: Mapping[str, Any], *, prefix: str) -> dict[str, Any]:
    """The notice was taken down: the tender (or the award) it announced is withdrawn."""
    date = n.get("withdrawn_at") or n["published_at"]
    reason = n.get("withdrawal_reason") or "公告已撤回"
    if n["kind"] in ("candidate", "award"):
        release = _base(
            n, prefix=prefix, rid=release_id(n["id"], withdrawal=True), date=date, tag="awardCancellation"
        )
        release["awards"] = [
            {
                "id": n.get("section_code") or n["project_code"],
                "status": "cancelled",
                "description": f"公告已撤回：{reason}",
            }
        ]
        return release
    release = _base(n, prefix=prefix, rid=release_id(n["id"], withdrawal=True), date=date, tag="tenderUpdate")
    release["tender"] = {
        "id": n["project_code"],
        "status": "withdrawn",
        "description": f"公告已撤回：{reason}",
    }
    return release


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def package_header(
    *, uri: str, published_date: dt.datetime, publisher_name: str, publisher_uid: str = ""
) -> dict[str, Any]:
    publisher: dict[str, Any] = {"name": publisher_name}
    if publisher_uid:
        publisher.update(scheme=ORG_SCHEME, uid=publisher_uid)
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": iso(published_date),
        "publisher": publisher,
        "license": "https://creativecommons.org/licenses/by/4.0/",
    }


def release_package(header: Mapping[str, Any], releases: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {**header, "releases": list(releases)}


def package_chunks(header: Mapping[str, Any], releases: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The package as JSON text, one release at a time, so an export of any size streams in
    constant memory. ``releases`` is consumed lazily."""
    head = json.dumps(dict(header), ensure_ascii=False, indent=None)
    yield head[:-1] + ', "releases": ['
    first = True
    for release in releases:
        yield ("\n" if first else ",\n") + json.dumps(release, ensure_ascii=False)
        first = False
    yield "\n]}\n"
