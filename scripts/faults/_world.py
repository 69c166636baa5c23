"""The Django side of the fault drills: run in a child process with Django set up on the scratch
instance (``Instance.child("<function>", payload)``). ``setup_*`` builds the world through the
real services and the test data builders (ggzy.trading.tests.bidkit, ggzy.opening.tests.hallkit)
and returns what the driver needs (ids, session keys, keys); ``verify_*`` checks the instance after
the drill and returns named checks ``{"name": {"ok": bool, ...}}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import secrets
from collections import Counter
from pathlib import Path
from typing import Any

# ------------------------------------------------------------------------------ building


def _session_for(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(12 * 3600)
    session.create()
    return str(session.session_key)


def _bidding_section(staff: dict[str, Any], *, name: str, draft: bool = False) -> tuple[Any, Any]:
    """A published (or, with ``draft``, still draft) construction section open for bids for 20
    days by the server clock, its tender notice published; returns (section, tenderer user)."""
    from ggzy.core.clock import system_clock
    from ggzy.opening.tests.hallkit import _org, _user, publish
    from ggzy.publishing import services as publishing
    from ggzy.trading import services

    code = f"2026-640400-48-01-{secrets.randbelow(900000) + 100000:06d}"
    deadline = system_clock.now() + dt.timedelta(days=20)
    tenderer_org = _org("tenderer", f"示范市{name}建设单位")
    tenderer = _user("tenderer", tenderer_org)
    project = services.project_create(
        actor=tenderer,
        tenderer=tenderer_org,
        name=f"示范市{name}工程",
        domain="construction",
        procedure="open_tendering",
        code=code,
    )
    tp = services.tender_project_create(actor=tenderer, project=project, name="施工招标")
    section = services.section_create(actor=tenderer, tender_project=tp, name="施工一标段", price_cap=None)
    section = services.section_update(
        actor=tenderer,
        section=section,
        name="施工一标段",
        bid_deadline=deadline,
        opening_at=deadline,
        summary_keys=["price"],
    )
    if draft:
        return section, tenderer
    notice = publishing.notice_create(
        actor=staff["editor"],
        title=f"示范市{name}工程施工招标公告",
        kind="tender",
        domain="construction",
        project_code=code,
        project_name=f"示范市{name}工程",
        bid_deadline=deadline,
    )
    notice = publish(staff, notice)
    services.tender_file_upload(
        actor=tenderer,
        section=section,
        name="招标文件.pdf",
        content=io.BytesIO(b"%PDF-1.4\n% tender " + secrets.token_bytes(16).hex().encode() + b"\n%%EOF\n"),
    )
    section = services.section_link_tender_notice(actor=tenderer, section=section, notice=notice)
    section = services.section_publish(actor=tenderer, section=section)
    return section, tenderer


def _bidders(section: Any, n: int, ca: Any) -> list[dict[str, Any]]:
    from ggzy.core.clock import system_clock
    from ggzy.opening.tests.hallkit import _org, _user
    from ggzy.sealing import testing as pki
    from ggzy.trading.tests.bidkit import make_sealer

    out = []
    for i in range(n):
        org = _org("bidder", f"示范演练第{i + 1}建设有限公司")
        user = _user("bidder", org, username=f"drill-bidder{i + 1}-{org.pk}")
        sealer = make_sealer(ca, user, system_clock)
        out.append(
            {
                "user": user.username,
                "session": _session_for(user),
                "section_pk": section.pk,
                "section_code": section.code,
                "bidder": org.credit_code,
                "signing_key_pem": pki.key_pem(sealer.signing_key).decode(),
                "public_pem": sealer.key.public_pem.decode(),
            }
        )
    return out


def setup_world(payload: dict[str, Any]) -> dict[str, Any]:
    """The kill/restart drills' world:

    * ``uploaders`` bidders of one published section open for bids (section A);
    * ``open_bids`` bids of ``open_bid_mb`` MiB each in a section whose opening is in its
      decryption window now (section B), with each bidder's content key (the browser would unwrap
      it with the bidder's private key) and session;
    * a disclosure officer (annual report) with a session;
    * with ``tender_uploads``: a tenderer of a draft section (tender file form uploads).
    """
    from ggzy.core.clock import FixedClock, system_clock
    from ggzy.opening import services as opening
    from ggzy.opening.tests.hallkit import _user, build_hall, make_staff
    from ggzy.trading.models import Section
    from ggzy.trading.tests.bidkit import trust_ca

    staff = make_staff()
    center = staff["editor"].organisation
    officer = _user("disclosure_officer", center, username=f"drill-officer-{center.pk}")
    world: dict[str, Any] = {"officer_session": _session_for(officer), "report_year": payload["report_year"]}
    ca = trust_ca(system_clock)
    if payload.get("uploaders"):
        section, _ = _bidding_section(staff, name="演练A")
        world["uploaders"] = _bidders(section, payload["uploaders"], ca)
    if payload.get("tender_uploads"):
        section, tenderer = _bidding_section(staff, name="演练草稿", draft=True)
        world["tenderer_session"] = _session_for(tenderer)
        world["draft_section_pk"] = section.pk
    n = payload.get("open_bids", 0)
    if n:
        now = system_clock.now()
        clock = FixedClock(now - dt.timedelta(days=20, minutes=2))
        hall = build_hall(
            clock, staff=staff, bids=n, backup=False, payload_size=payload["open_bid_mb"] * 1048576
        )
        # the drill must end inside the decryption window (fixture setting, not a state change)
        Section.objects.filter(pk=hall.section.pk).update(decryption_minutes=240)
        hall.section.refresh_from_db()
        session = opening.opening_session_open(actor=None, section=hall.section, clock=system_clock)
        opening.opening_decryption_start(actor=hall.host, session=session, clock=system_clock)
        world["opening"] = {
            "code": hall.section.code,
            "bids": [
                {
                    "bid": b.bid.pk,
                    "session": _session_for(b.user),
                    "content_key": b.content_key(b.bid).hex(),
                    "plain_sha256": hashlib.sha256(b.payload).hexdigest(),
                }
                for b in hall.bidders
            ],
        }
    return world


# ------------------------------------------------------------------------------ checking


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check(ok: bool, **detail: Any) -> dict[str, Any]:
    return {"ok": bool(ok), **detail}


def check_files() -> dict[str, Any]:
    """The file store against the rows: no row points at a missing or partial file, every blob's
    content matches its content address (nothing half-written under its final name), every blob is
    referenced by a row, and no temporary part is left behind but those of uploads still open."""
    from django.conf import settings

    from ggzy.publishing.models import StoredFile
    from ggzy.trading.choices import BidUploadStatus
    from ggzy.trading.models import BidUpload
    from ggzy.trading.services.bids import upload_dir

    media = Path(settings.MEDIA_ROOT)
    bad_rows: list[dict[str, Any]] = []
    row_paths: set[str] = set()
    for row in StoredFile.objects.all().iterator():
        path = media / row.path
        row_paths.add(row.path)
        if not path.is_file():
            bad_rows.append({"sha256": row.sha256, "problem": "missing"})
        elif path.stat().st_size != row.size:
            bad_rows.append({"sha256": row.sha256, "problem": f"size {path.stat().st_size} != {row.size}"})
        elif _sha256_file(path) != row.sha256:
            bad_rows.append({"sha256": row.sha256, "problem": "content does not match its hash"})
    partial_blobs, unreferenced, other_files, temporary = [], [], [], []
    blob_count = 0
    for path in sorted(media.rglob("*")) if media.exists() else []:
        if not path.is_file():
            continue
        rel = path.relative_to(media).as_posix()
        parts = rel.split("/")
        if len(parts) == 3 and parts[0] == "blobs" and len(parts[2]) == 64 and parts[2][:2] == parts[1]:
            blob_count += 1
            if _sha256_file(path) != parts[2]:
                partial_blobs.append({"path": rel, "size": path.stat().st_size})
            elif rel not in row_paths:
                unreferenced.append(rel)
        elif path.name.startswith(".partial-"):
            # a write of the atomic storage interrupted by kill -9 (never under a final name)
            temporary.append({"path": rel, "size": path.stat().st_size})
        else:
            other_files.append({"path": rel, "size": path.stat().st_size})
    open_tokens = {
        u.token: u.received for u in BidUpload.objects.filter(status=BidUploadStatus.OPEN).only("token")
    }
    stray_parts, open_parts_short = [], []
    for part in sorted(upload_dir().glob("*.part")):
        token = part.name.removesuffix(".part")
        if token not in open_tokens:
            stray_parts.append({"name": part.name, "size": part.stat().st_size})
        elif part.stat().st_size < open_tokens[token]:
            open_parts_short.append({"name": part.name, "size": part.stat().st_size})
    return {
        "rows_point_at_complete_files": _check(
            not bad_rows, rows=StoredFile.objects.count(), bad=bad_rows[:20]
        ),
        "no_partial_file_in_store": _check(not partial_blobs, blobs=blob_count, partial=partial_blobs[:20]),
        "no_stray_file_in_store": _check(not other_files, other_files=other_files[:20]),
        "temporary_writes_left": {"ok": True, "count": len(temporary), "files": temporary[:20]},
        "every_blob_referenced": _check(not unreferenced, unreferenced=unreferenced[:20]),
        "no_stray_upload_parts": _check(
            not stray_parts and not open_parts_short,
            stray=stray_parts[:20],
            open_parts_shorter_than_received=open_parts_short[:20],
            open_uploads=len(open_tokens),
        ),
    }


def check_bids(acked: list[dict[str, Any]]) -> dict[str, Any]:
    """Every bid whose receipt the client saw is there with the same envelope hash and a receipt
    that verifies; no envelope, receipt number or upload counted twice; one submit event per bid."""
    from django.db.models import Count

    from ggzy.audit.models import Event
    from ggzy.sealing import receipts
    from ggzy.trading.choices import BidUploadStatus
    from ggzy.trading.models import Bid, BidUpload
    from ggzy.trading.services.bids import platform_key

    public = platform_key().public_pem()
    lost, receipt_bad = [], []
    for a in acked:
        bid = Bid.objects.filter(pk=a["bid"]).first()
        if bid is None or bid.envelope_sha256 != a["sha256"] or bid.envelope.sha256 != a["sha256"]:
            lost.append(a)
            continue
        try:
            checked = receipts.verify_receipt(public, bid.receipt)
            if checked.envelope_sha256 != a["sha256"] or bid.receipt_sequence != a["receipt_sequence"]:
                receipt_bad.append(a["bid"])
        except Exception as exc:  # noqa: BLE001 - reported
            receipt_bad.append(f"{a['bid']}: {exc}")
    dup_sha = list(
        Bid.objects.values("envelope_sha256")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("envelope_sha256", flat=True)
    )
    two_current = list(
        Bid.objects.filter(is_current=True)
        .values("section_id", "organisation_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("section_id", "organisation_id")
    )
    upload_bids = Counter(BidUpload.objects.exclude(bid=None).values_list("bid_id", flat=True))
    dup_upload = [b for b, n in upload_bids.items() if n > 1]
    bids = set(Bid.objects.values_list("pk", flat=True))
    without_upload = sorted(bids - set(upload_bids))
    finalised_without_bid = BidUpload.objects.filter(status=BidUploadStatus.FINALISED, bid=None).count()
    events = Counter(Event.objects.filter(action="trading.bid_submit").values_list("target_id", flat=True))
    events_bad = sorted(
        {str(b) for b in bids if events.get(str(b), 0) != 1} | {t for t in events if int(t) not in bids}
    )
    return {
        "zero_lost_acknowledged_bids": _check(not lost, acknowledged=len(acked), lost=lost[:20]),
        "acknowledged_receipts_verify": _check(not receipt_bad, bad=receipt_bad[:20]),
        "zero_duplicate_bids": _check(
            not dup_sha
            and not two_current
            and not dup_upload
            and not without_upload
            and not finalised_without_bid,
            bids=len(bids),
            duplicate_envelopes=dup_sha[:10],
            two_current_versions=two_current[:10],
            upload_counted_twice=dup_upload[:10],
            bid_without_upload=without_upload[:10],
            finalised_upload_without_bid=finalised_without_bid,
        ),
        "one_submit_event_per_bid": _check(not events_bad, events=sum(events.values()), bad=events_bad[:20]),
    }


def check_opening(acked: list[dict[str, Any]], world: dict[str, Any] | None) -> dict[str, Any]:
    from ggzy.audit.models import Event
    from ggzy.opening.models import OpenedBid, OpeningEvent
    from ggzy.trading.models import Bid

    if not world:
        return {}
    expected_plain = {b["bid"]: b["plain_sha256"] for b in world["bids"]}
    lost = []
    for a in acked:
        row = OpenedBid.objects.filter(bid_id=a["bid"]).first()
        if row is None or row.file_sha256 != a["file_sha256"] or row.file.sha256 != a["file_sha256"]:
            lost.append(a)
        elif expected_plain.get(a["bid"]) != a["file_sha256"]:
            lost.append({**a, "problem": "plaintext hash is not the bidder's file"})
    opened = OpenedBid.objects.count()
    kinds = Counter(OpeningEvent.objects.filter(kind="bid_decrypted").values_list("data__bid", flat=True))
    audit_n = Event.objects.filter(action="opening.bid_decrypt").count()
    decrypted = Bid.objects.filter(pk__in=expected_plain, status="decrypted").count()
    dup_events = [b for b, n in kinds.items() if n > 1]
    return {
        "zero_lost_acknowledged_decryptions": _check(not lost, acknowledged=len(acked), lost=lost[:20]),
        "zero_duplicate_decryptions": _check(
            not dup_events and sum(kinds.values()) == opened == audit_n == decrypted,
            opened_bids=opened,
            hall_events=sum(kinds.values()),
            audit_events=audit_n,
            bids_marked_decrypted=decrypted,
            bids_with_two_events=dup_events,
        ),
    }


def check_reports(acked: int, year: int | None) -> dict[str, Any]:
    from ggzy.annual_report.models import AnnualReport
    from ggzy.audit.models import Event

    if not year:
        return {}
    rows = list(AnnualReport.objects.filter(year=year).values_list("version", flat=True))
    events = Event.objects.filter(action__startswith="annual_report.").count()
    return {
        "annual_report_single_draft": _check(
            (acked == 0 and len(rows) <= 1) or rows == [1],
            versions=rows,
            acknowledged_generations=acked,
            audit_events=events,
        ),
        "annual_report_generations_audited": _check(events >= acked, audit_events=events, acknowledged=acked),
    }


def verify(payload: dict[str, Any]) -> dict[str, Any]:
    """Every check of the drills (those that do not apply return nothing)."""
    out: dict[str, Any] = {}
    out.update(check_files())
    out.update(check_bids(payload.get("acked_bids", [])))
    out.update(check_opening(payload.get("acked_opened", []), payload.get("opening")))
    out.update(check_reports(payload.get("acked_reports", 0), payload.get("report_year")))
    from ggzy.audit.models import Checkpoint, Event

    out["facts"] = {
        "audit_events": Event.objects.count(),
        "checkpoints": Checkpoint.objects.count(),
        "database": os.environ.get("DATABASE_URL", "").split("@")[-1],
    }
    return out


def open_uploads(payload: Any) -> dict[str, Any]:
    """Upload sessions still open, for the full-disk drill's report."""
    from ggzy.trading.choices import BidUploadStatus
    from ggzy.trading.models import BidUpload

    return {
        "open": BidUpload.objects.filter(status=BidUploadStatus.OPEN).count(),
        "statuses": dict(Counter(BidUpload.objects.values_list("status", flat=True))),
    }


def upload_parts(payload: Any) -> dict[str, Any]:
    """Each open upload's temporary part against what the server says it received: after a
    refused write the part must hold exactly the received bytes (nothing half-written beyond)."""
    from ggzy.trading.choices import BidUploadStatus
    from ggzy.trading.models import BidUpload
    from ggzy.trading.services.bids import upload_path

    rows, mismatch = [], []
    for u in BidUpload.objects.filter(status=BidUploadStatus.OPEN):
        path = upload_path(u)
        size = path.stat().st_size if path.exists() else None
        rows.append({"received": u.received, "part_size": size})
        if size != u.received:
            mismatch.append({"token": u.token[:8], "received": u.received, "part_size": size})
    return {"open_uploads": rows[:20], "mismatch": mismatch}


def portal_ids(payload: Any) -> dict[str, Any]:
    """The article and notice the bench's detail-page targets use (newest published ones)."""
    from ggzy.publishing.choices import NoticeKind, ReleaseStatus
    from ggzy.publishing.models import Article, Notice

    article = Article.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("-published_at").first()
    notice = (
        Notice.objects.filter(status=ReleaseStatus.PUBLISHED, kind=NoticeKind.TENDER)
        .order_by("-published_at")
        .first()
    )
    return {
        "article_id": article.pk if article else None,
        "notice_id": notice.pk if notice else None,
        "notices": Notice.objects.count(),
        "articles": Article.objects.count(),
    }
