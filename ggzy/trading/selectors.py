"""Every read of the trading app: the manager's projects and sections, the sections open for
bidding, and the download list — which nobody sees before the bid deadline (by the clock)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Max, Min, Q, QuerySet

from ggzy.accounts.choices import Role
from ggzy.accounts.models import Organisation, User
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import NotFound, PermissionDenied
from ggzy.publishing.choices import NoticeKind, ReleaseStatus
from ggzy.publishing.models import AgencyMandate, Notice
from ggzy.trading import access
from ggzy.trading.choices import SectionStatus
from ggzy.trading.models import (
    Bid,
    BidderKey,
    BidUpload,
    DeadlineChange,
    DownloadRecord,
    Project,
    Section,
    SectionEscrowKey,
    TenderFile,
    TenderProject,
)


def project_list_manageable(*, actor: User, clock: Clock = system_clock) -> QuerySet[Project]:
    """The projects ``actor`` may manage (tenderer's own, mandated agency's, or all for admins)."""
    qs = Project.objects.select_related("tenderer", "agency")
    if access.is_center_admin(actor):
        return qs
    if actor.organisation_id is None or not actor.is_active:
        return qs.none()
    cond = Q(pk__in=[])
    if actor.has_role(Role.TENDERER):
        cond |= Q(tenderer_id=actor.organisation_id)
    if actor.has_role(Role.AGENCY_PUBLISHER):
        today = local_date(clock.now())
        mandates = (
            AgencyMandate.objects.filter(
                agency_id=actor.organisation_id, revoked_at__isnull=True, valid_from__lte=today
            )
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .values_list("tenderer_id", "project_code")
        )
        for tenderer_id, code in mandates:
            cond |= Q(tenderer_id=tenderer_id, code=code)
    return qs.filter(cond)


def project_get_manageable(*, actor: User, pk: int, clock: Clock = system_clock) -> Project:
    project = Project.objects.select_related("tenderer", "agency").filter(pk=pk).first()
    if project is None or not access.may_manage(actor, project, today=local_date(clock.now())):
        raise NotFound("项目不存在，或您无权管理该项目")
    return project


def tender_project_get_manageable(*, actor: User, pk: int, clock: Clock = system_clock) -> TenderProject:
    tp = TenderProject.objects.select_related("project__tenderer").filter(pk=pk).first()
    if tp is None or not access.may_manage(actor, tp.project, today=local_date(clock.now())):
        raise NotFound("招标项目不存在，或您无权管理该项目")
    return tp


def section_get_manageable(*, actor: User, pk: int, clock: Clock = system_clock) -> Section:
    section = (
        Section.objects.select_related("tender_project__project__tenderer", "tender_notice")
        .filter(pk=pk)
        .first()
    )
    if section is None or not access.may_manage(actor, section.project, today=local_date(clock.now())):
        raise NotFound("标段(包)不存在，或您无权管理该标段")
    return section


def tender_project_tree(project: Project) -> list[tuple[TenderProject, list[Section]]]:
    tps = list(project.tender_projects.order_by("code"))
    sections = Section.objects.filter(tender_project__project=project).order_by("code")
    by_tp: dict[int, list[Section]] = {}
    for s in sections:
        by_tp.setdefault(s.tender_project_id, []).append(s)
    return [(tp, by_tp.get(tp.pk, [])) for tp in tps]


def section_files(section: Section) -> QuerySet[TenderFile]:
    return TenderFile.objects.filter(section=section).order_by("published_at", "pk")


def section_deadline_changes(section: Section) -> QuerySet[DeadlineChange]:
    return (
        DeadlineChange.objects.filter(section=section)
        .select_related("changed_by")
        .order_by("changed_at", "pk")
    )


def linkable_tender_notices(section: Section) -> QuerySet[Notice]:
    """Published tender notices carrying this section's project code (the link candidates)."""
    return Notice.objects.filter(
        kind=NoticeKind.TENDER, status=ReleaseStatus.PUBLISHED, project_code__iexact=section.project.code
    ).order_by("-published_at")


# ---------------------------------------------------------------- bidders


def sections_open_for_bidding(*, clock: Clock = system_clock) -> QuerySet[Section]:
    """Published sections whose deadline has not passed, soonest deadline first."""
    return (
        Section.objects.filter(status=SectionStatus.PUBLISHED, bid_deadline__gt=clock.now())
        .select_related("tender_project__project__tenderer")
        .order_by("bid_deadline", "pk")
    )


def section_get_public(*, pk: int) -> Section:
    """A section a bidder may look at: published (or closed after being published)."""
    section = (
        Section.objects.select_related("tender_project__project__tenderer", "tender_notice")
        .filter(pk=pk, status__in=[SectionStatus.PUBLISHED, SectionStatus.BIDDING_CLOSED])
        .first()
    )
    if section is None:
        raise NotFound("标段(包)不存在或尚未发布")
    return section


def tender_file_get_public(*, pk: int) -> TenderFile:
    tf = (
        TenderFile.objects.select_related("file", "section")
        .filter(pk=pk, section__status__in=[SectionStatus.PUBLISHED, SectionStatus.BIDDING_CLOSED])
        .first()
    )
    if tf is None:
        raise NotFound("文件不存在或所属标段尚未发布")
    return tf


# ---------------------------------------------------------------- downloads (secret until the deadline)


@dataclass(frozen=True)
class DownloadRow:
    """One bidder organisation that downloaded: how often, first and last time."""

    organisation: str
    credit_code: str
    downloads: int
    users: int
    first_at: dt.datetime
    last_at: dt.datetime


@dataclass(frozen=True)
class DownloadSummary:
    bidder_count: int
    download_count: int
    rows: list[DownloadRow]


def downloads_visible(section: Section, *, clock: Clock = system_clock) -> bool:
    """Whether the bid deadline has passed by the clock (the status may lag behind)."""
    return section.bid_deadline is not None and clock.now() >= section.bid_deadline


def section_downloads(*, actor: User, section: Section, clock: Clock = system_clock) -> DownloadSummary:
    """Who downloaded the section's files, and how many bidders. Refused to everybody —
    tenderer, agency, center staff, supervisors — before the bid deadline (电子招标投标办法:
    nobody may learn who or how many obtained the tender file before the deadline)."""
    if not downloads_visible(section, clock=clock):
        raise PermissionDenied("投标截止时间前，任何人不得查看招标文件的下载单位和数量")
    if not access.may_see_downloads(actor, section.project, today=local_date(clock.now())):
        raise PermissionDenied("您无权查看该标段的招标文件下载记录")
    grouped = (
        DownloadRecord.objects.filter(section=section)
        .values("organisation__name", "organisation__credit_code")
        .annotate(
            downloads=Count("pk"), users=Count("user", distinct=True), first_at=Min("at"), last_at=Max("at")
        )
        .order_by("first_at", "organisation__credit_code")
    )
    rows = [
        DownloadRow(
            organisation=g["organisation__name"],
            credit_code=g["organisation__credit_code"],
            downloads=g["downloads"],
            users=g["users"],
            first_at=g["first_at"],
            last_at=g["last_at"],
        )
        for g in grouped
    ]
    return DownloadSummary(bidder_count=len(rows), download_count=sum(r.downloads for r in rows), rows=rows)


# ---------------------------------------------------------------- bids (secret until the deadline)


def _bids_visible(section: Section, clock: Clock) -> bool:
    return section.bid_deadline is not None and clock.now() >= section.bid_deadline


def section_bids(
    *, section: Section, clock: Clock = system_clock, actor: User | None = None
) -> QuerySet[Bid]:
    """The current bid of every bidder of the section (one per organisation, withdrawn ones
    excluded). Before the deadline nobody may learn who or how many bid: only a bidder asking
    (``actor``) gets its own current bid; everybody else is refused."""
    qs = (
        Bid.objects.filter(section=section, is_current=True)
        .select_related("organisation", "envelope", "bidder_key", "signer_certificate")
        .order_by("receipt_sequence")
    )
    if _bids_visible(section, clock):
        return qs
    if actor is not None and access.is_bidder(actor) and actor.organisation_id is not None:
        return qs.filter(organisation_id=actor.organisation_id)
    raise PermissionDenied("投标截止时间前，任何人不得查看投标人名单和投标文件数量")


def section_bidders(*, section: Section, clock: Clock = system_clock) -> list[Organisation]:
    """The organisations with a current bid, in submission order; refused before the deadline."""
    if not _bids_visible(section, clock):
        raise PermissionDenied("投标截止时间前，任何人不得查看投标人名单和投标文件数量")
    return [b.organisation for b in section_bids(section=section, clock=clock)]


def my_bids(*, actor: User, section: Section) -> QuerySet[Bid]:
    """Every version the actor's organisation submitted to the section, newest first."""
    if actor.organisation_id is None:
        return Bid.objects.none()
    return (
        Bid.objects.filter(section=section, organisation_id=actor.organisation_id)
        .select_related("submitted_by")
        .order_by("-version")
    )


def bid_get_own(*, actor: User, pk: int) -> Bid:
    bid = Bid.objects.select_related("section", "organisation").filter(pk=pk).first()
    if bid is None or actor.organisation_id is None or bid.organisation_id != actor.organisation_id:
        raise NotFound("投标文件不存在")
    return bid


def bidder_keys(*, actor: User) -> QuerySet[BidderKey]:
    """The actor's organisation's registered envelope keys, active first."""
    if actor.organisation_id is None:
        return BidderKey.objects.none()
    return BidderKey.objects.filter(organisation_id=actor.organisation_id).order_by(
        F("revoked_at").desc(nulls_first=True), "-registered_at"
    )


def section_escrow_key(section: Section) -> SectionEscrowKey | None:
    return SectionEscrowKey.objects.filter(section=section).first()


def bid_upload_get(*, actor: User, token: str) -> BidUpload:
    upload = BidUpload.objects.filter(token=str(token)[:64]).first()
    if upload is None or upload.organisation_id != actor.organisation_id:
        raise NotFound("上传会话不存在")
    return upload
