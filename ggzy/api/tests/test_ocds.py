"""OCDS 1.1.5: the mapping per notice kind, the API pages and the ``ggzy export ocds`` command,
every package validated against the vendored official release-package schema (references
resolved to the local release schema, never the network)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from ggzy.api import ocds
from ggzy.api.ocds_schema import package_errors, package_validator
from ggzy.api.tests.helpers import T0, assert_error, get_json
from ggzy.core.clock import SHANGHAI
from ggzy.publishing.models import Notice

URL = "/api/v1/ocds/releases"
PUBLISHED = dt.datetime(2021, 6, 1, 10, 0, tzinfo=SHANGHAI)


def _notice(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 7,
        "version": 1,
        "kind": "tender",
        "domain": "construction",
        "status": "published",
        "procedure": "open_tendering",
        "title": "示范中学教学楼工程招标公告",
        "url": "https://ggzy.example.cn/notices/7/",
        "project_code": "SFGC2021-0001",
        "project_name": "示范中学教学楼工程",
        "section_code": "SFGC2021-0001-001",
        "section_name": "示范中学教学楼工程",
        "tenderer_name": "示范市教育局",
        "tenderer_credit_code": "11640400MB1234567X",
        "agency_name": "示范招标代理有限公司",
        "agency_credit_code": "",
        "winner_name": "",
        "winner_credit_code": "",
        "budget": Decimal("12345678.90"),
        "price_cap": None,
        "award_amount": None,
        "bid_deadline": dt.datetime(2021, 6, 25, 9, 30, tzinfo=SHANGHAI),
        "opening_at": dt.datetime(2021, 6, 25, 9, 30, tzinfo=SHANGHAI),
        "publicity_start": None,
        "publicity_end": None,
        "published_at": PUBLISHED,
        "withdrawn_at": None,
        "withdrawal_reason": "",
        "changes_id": None,
        "body_text": "",
        "attachments": [
            {
                "name": "招标文件.pdf",
                "sha256": "a" * 64,
                "size": 1024,
                "media_type": "application/pdf",
                "url": "https://ggzy.example.cn/files/" + "a" * 64 + "/招标文件.pdf",
            }
        ],
    }
    return {**base, **over}


def _valid(releases: list[dict[str, Any]]) -> dict[str, Any]:
    header = ocds.package_header(
        uri="https://ggzy.example.cn/api/v1/ocds/releases", published_date=PUBLISHED, publisher_name="中心"
    )
    package = ocds.release_package(header, releases)
    assert package_errors(package) == []
    return package


# ---------------------------------------------------------------- the mapping (pure)


def test_tender_notice_becomes_a_tender_release() -> None:
    [release] = ocds.notice_releases(_notice(), prefix="ocds-abc123")
    _valid([release])
    assert release["ocid"] == "ocds-abc123-SFGC2021-0001"
    assert release["id"] == "notice-7"
    assert release["tag"] == ["tender"]
    assert release["date"] == "2021-06-01T10:00:00+08:00"
    tender = release["tender"]
    assert tender["status"] == "active"
    assert tender["value"] == {"amount": 12345678.9, "currency": "CNY"}
    assert tender["tenderPeriod"] == {
        "startDate": "2021-06-01T10:00:00+08:00",
        "endDate": "2021-06-25T09:30:00+08:00",
    }
    assert tender["procurementMethod"] == "open"
    assert tender["mainProcurementCategory"] == "works"
    buyer = release["buyer"]
    assert buyer == {"id": "CN-USCC-11640400MB1234567X", "name": "示范市教育局"}
    parties = {p["id"]: p for p in release["parties"]}
    assert parties[buyer["id"]]["identifier"] == {
        "scheme": "CN-USCC",
        "id": "11640400MB1234567X",
        "legalName": "示范市教育局",
    }
    # No credit code known: a stable id derived from the name, in the publisher's namespace.
    agency_id = tender["procuringEntity"]["id"]
    assert agency_id.startswith("ocds-abc123-org-") and parties[agency_id]["roles"] == ["procuringEntity"]
    notice_doc, file_doc = tender["documents"]
    assert notice_doc["url"] == "https://ggzy.example.cn/notices/7/"
    assert "a" * 64 in file_doc["url"] and "a" * 64 in file_doc["description"]


def test_change_notice_becomes_a_tender_amendment() -> None:
    [release] = ocds.notice_releases(
        _notice(id=9, kind="change", changes_id=7, body_text="投标截止时间延长至6月30日"),
        prefix="ocds-abc123",
    )
    _valid([release])
    assert release["tag"] == ["tenderAmendment"]
    [amendment] = release["tender"]["amendments"]
    assert amendment["amendsReleaseID"] == "notice-7"
    assert amendment["releaseID"] == "notice-9"
    assert amendment["description"] == "投标截止时间延长至6月30日"


def test_candidate_is_a_pending_award_and_award_an_active_one_with_the_same_id() -> None:
    candidate = _notice(
        id=11,
        kind="candidate",
        winner_name="示范建设集团有限公司",
        publicity_start=dt.date(2021, 7, 1),
        publicity_end=dt.date(2021, 7, 3),
    )
    award = _notice(
        id=12,
        kind="award",
        winner_name="示范建设集团有限公司",
        winner_credit_code="91640400MA76543210",
        award_amount=Decimal("11000000.00"),
    )
    [r1] = ocds.notice_releases(candidate, prefix="ocds-abc123")
    [r2] = ocds.notice_releases(award, prefix="ocds-abc123")
    _valid([r1, r2])
    assert r1["tag"] == ["award"] and r1["awards"][0]["status"] == "pending"
    assert r2["tag"] == ["award"] and r2["awards"][0]["status"] == "active"
    assert r1["awards"][0]["id"] == r2["awards"][0]["id"] == "SFGC2021-0001-001"
    assert r1["ocid"] == r2["ocid"]
    assert r2["awards"][0]["value"] == {"amount": 11000000.0, "currency": "CNY"}
    assert r2["awards"][0]["suppliers"] == [
        {"id": "CN-USCC-91640400MA76543210", "name": "示范建设集团有限公司"}
    ]


def test_termination_cancels_the_tender() -> None:
    [release] = ocds.notice_releases(_notice(id=13, kind="termination"), prefix="ocds-abc123")
    _valid([release])
    assert release["tag"] == ["tenderCancellation"]
    assert release["tender"]["status"] == "cancelled"


def test_corrected_tender_is_an_update_and_withdrawn_one_gets_a_withdrawal_release() -> None:
    [update] = ocds.notice_releases(_notice(id=20, version=2), prefix="p")
    assert update["tag"] == ["tenderUpdate"]
    withdrawn = _notice(
        id=21,
        status="withdrawn",
        withdrawn_at=dt.datetime(2021, 6, 3, 8, 0, tzinfo=dt.UTC),
        withdrawal_reason="项目暂停",
    )
    publication, withdrawal = ocds.notice_releases(withdrawn, prefix="p")
    _valid([update, publication, withdrawal])
    assert withdrawal["id"] == "notice-21-withdrawal"
    assert withdrawal["date"] == "2021-06-03T16:00:00+08:00"
    assert withdrawal["tender"]["status"] == "withdrawn"
    assert "项目暂停" in withdrawal["tender"]["description"]
    [award] = ocds.notice_releases(_notice(id=22, kind="award", status="withdrawn"), prefix="p")[1:]
    assert award["tag"] == ["awardCancellation"] and award["awards"][0]["status"] == "cancelled"


def test_unexportable_notices_are_refused() -> None:
    with pytest.raises(ocds.OcdsDataError):
        ocds.notice_releases(_notice(project_code="  "), prefix="p")
    with pytest.raises(ocds.OcdsDataError):
        ocds.notice_releases(_notice(status="draft"), prefix="p")
    with pytest.raises(ocds.OcdsDataError):
        ocds.notice_releases(_notice(published_at=dt.datetime(2021, 6, 1, 10, 0)), prefix="p")  # noqa: DTZ001 - naive on purpose
    # Unsafe characters in a project code cannot break the ocid.
    assert ocds.ocid("p", "SF/GC 2021#1") == "p-SF-GC-2021-1"


def test_the_validator_rejects_what_ocds_rejects() -> None:
    """The tests would prove nothing if the schema accepted anything."""
    [release] = ocds.notice_releases(_notice(), prefix="p")
    bad = json.loads(json.dumps(release))
    bad["tag"] = ["announcement"]
    del bad["initiationType"]
    bad["tender"]["status"] = "open"
    header = ocds.package_header(uri="https://x.example/p", published_date=PUBLISHED, publisher_name="中心")
    errors = package_errors(ocds.release_package(header, [bad]))
    assert len(errors) >= 3, errors
    assert not package_validator().is_valid(ocds.release_package(header, []))  # minItems 1


def test_package_chunks_stream_valid_json() -> None:
    releases = ocds.notice_releases(_notice(), prefix="p") + ocds.notice_releases(
        _notice(id=8, kind="award", winner_name="甲公司"), prefix="p"
    )
    header = ocds.package_header(uri="https://x.example/p", published_date=PUBLISHED, publisher_name="中心")
    text = "".join(ocds.package_chunks(header, iter(releases)))
    package = json.loads(text)
    assert package_errors(package) == []
    assert [r["id"] for r in package["releases"]] == ["notice-7", "notice-8"]


# ---------------------------------------------------------------- the API


@pytest.mark.django_db
def test_api_pages_validate_and_follow_links(client: Client, make_notice: Callable[..., Notice]) -> None:
    tender = make_notice("tender", at=T0)
    make_notice("change", at=T0 + dt.timedelta(hours=1), changes=tender, project_code=tender.project_code)
    make_notice(
        "award",
        at=T0 + dt.timedelta(hours=2),
        project_code=tender.project_code,
        winner_name="示范建设集团有限公司",
        award_amount=Decimal("99.50"),
    )
    make_notice("tender", domain="procurement", at=T0 + dt.timedelta(hours=3))
    make_notice(published=False)  # drafts never appear

    body = get_json(client, URL, limit=2)
    assert package_errors(body) == []
    assert [r["tag"] for r in body["releases"]] == [["tender"], ["tenderAmendment"]]
    assert body["releases"][1]["tender"]["amendments"][0]["amendsReleaseID"] == f"notice-{tender.pk}"
    assert body["releases"][0]["ocid"] == f"ocds-ggzy00-{tender.project_code}"
    assert body["releases"][0]["tender"]["documents"][0]["url"].startswith("http://testserver/notices/")
    nxt = body["links"]["next"]
    body2 = client.get(nxt).json()
    assert package_errors(body2) == []
    assert [r["tag"] for r in body2["releases"]] == [["award"], ["tender"]]
    assert "links" not in body2

    only = get_json(client, URL, domain="procurement")
    assert [r["tender"]["id"] for r in only["releases"]] == [r["tender"]["id"] for r in body2["releases"][1:]]
    none = get_json(client, URL, since="2021-06-02")
    assert none["releases"] == []


@pytest.mark.django_db
def test_api_bad_input(client: Client) -> None:
    assert_error(get_json(client, URL, status=400, cursor="garbage!"), "validation_failed", "cursor")
    assert_error(
        get_json(client, URL, status=400, since="2021-06-02", until="2021-06-01"),
        "validation_failed",
        "until",
    )
    assert_error(get_json(client, URL, status=400, since="yesterday"), "validation_failed", "since")
    assert_error(get_json(client, URL, status=400, domain="space"), "validation_failed", "domain")
    assert_error(get_json(client, URL, status=400, limit=501), "validation_failed", "limit")


# ---------------------------------------------------------------- the command


@pytest.mark.django_db
def test_export_command_bad_input(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="没有可导出"):
        call_command("export", "ocds", "--year", "2021", stdout=StringIO())
    with pytest.raises(CommandError, match="同时使用"):
        call_command("export", "ocds", "--year", "2021", "--since", "2021-01-01", stdout=StringIO())
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export", "ocds", "--since", "June", stdout=StringIO())
    with pytest.raises(CommandError, match="不能早于"):
        call_command("export", "ocds", "--since", "2021-02-01", "--until", "2021-01-01", stdout=StringIO())
    assert not list(tmp_path.iterdir())


@pytest.mark.django_db
def test_export_of_the_demo_year_validates(tmp_path: Path) -> None:
    """Done-when of issue 3: the OCDS export of the demo year 2021 validates, whole."""
    from ggzy.platform import demo_data

    demo_data.demo_load(scale=1, seed=2021, workers=0)
    out = tmp_path / "ocds-2021.json"
    call_command("export", "ocds", "--year", "2021", "--out", str(out), stdout=StringIO())
    package = json.loads(out.read_text(encoding="utf-8"))
    releases = package["releases"]
    notices_2021 = Notice.objects.filter(
        published_at__gte=dt.datetime(2021, 1, 1, tzinfo=SHANGHAI),
        published_at__lt=dt.datetime(2022, 1, 1, tzinfo=SHANGHAI),
    ).exclude(project_code="")
    assert len(releases) >= notices_2021.count() > 4000
    assert package_errors(package) == []
    tags = {t for r in releases for t in r["tag"]}
    assert {"tender", "tenderAmendment", "award"} <= tags
    assert len({r["id"] for r in releases}) == len(releases)
    # Stable: a second export gives the same releases (only the package's publishedDate moves).
    again = tmp_path / "again.json"
    call_command("export", "ocds", "--year", "2021", "--out", str(again), stdout=StringIO())
    assert json.loads(again.read_text(encoding="utf-8"))["releases"] == releases


@pytest.mark.django_db
def test_bench_ocds_export_runs(make_notice: Callable[..., Notice]) -> None:
    from ggzy.api.bench_ocds import bench_ocds_export

    for i in range(3):
        make_notice(at=T0 + dt.timedelta(minutes=i))
    result = bench_ocds_export(year=2021)
    assert result["releases"] == 3 and result["sample_valid"] is True
    assert bench_ocds_export(year=2021, limit=2)["releases"] == 2
