"""``ggzy demo``'s control data of 2021 (issue 3): what the report's section 一 says, loaded through
the real services, without changing the 2021 publication counts."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase

from ggzy.accounts.models import Organisation, Pledge, User
from ggzy.accounts.selectors import pledge_count
from ggzy.audit.models import Event
from ggzy.audit.selectors import audit_verify
from ggzy.core.clock import SHANGHAI, FixedClock, local_date, system_clock
from ggzy.core.workdays import DEFAULT_CALENDAR
from ggzy.participation.models import Comment, Consultation, Interpretation, Question
from ggzy.platform import demo_control, demo_data
from ggzy.portal.models import ScreenAnnouncement
from ggzy.publishing import selectors as publishing_selectors
from ggzy.publishing import services as publishing
from ggzy.publishing.models import AgencyMandate, Article, Notice, NoticeSignature
from ggzy.publishing.selectors import publication_stats
from ggzy.sealing import certs
from ggzy.supervision import selectors as supervision
from ggzy.supervision.models import BrokenLink, CorrectionOrder, LinkCheckRun, PatrolItem, PatrolRound
from ggzy.trading.models import Section, TenderFile
from ggzy.workcalendar.services import calendar_year_enter

HOLIDAYS_2027 = [
    dt.date(2027, 1, 1),
    *(dt.date(2027, 2, d) for d in range(6, 13)),
    dt.date(2027, 4, 5),
    *(dt.date(2027, 5, d) for d in range(1, 6)),
    dt.date(2027, 6, 9),
    dt.date(2027, 9, 15),
    *(dt.date(2027, 10, d) for d in range(1, 8)),
]
Y2021 = (dt.datetime(2021, 1, 1, tzinfo=SHANGHAI), dt.datetime(2022, 1, 1, tzinfo=SHANGHAI))


class ControlDemoTests(TestCase):
    """One load (scale 1) shared by every assertion about it."""

    key_dir: Path

    @classmethod
    def setUpClass(cls) -> None:
        cls.key_dir = Path(tempfile.mkdtemp(prefix="ggzy-demo-keys-"))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(cls.key_dir, ignore_errors=True)

    @classmethod
    def setUpTestData(cls) -> None:
        # Today's tender runs ~4 weeks ahead: from December 2026 on that is 2027, which the
        # official calendar lacks; enter it as an administrator would so the test runs any day.
        calendar_year_enter(
            actor=None,
            year=2027,
            source="测试用：假定的2027年节假日安排",
            holidays=HOLIDAYS_2027,
            makeup_days=[],
        )
        cls.out = StringIO()
        call_command("demo", "--seed", "7", "--key-dir", str(cls.key_dir), stdout=cls.out)

    def test_publication_counts_of_2021_are_unchanged(self) -> None:
        stats = publication_stats(year=2021)
        assert stats.total == 4367
        assert stats.articles_by_category["exposure"] == 18
        assert stats.articles_by_category["consultation"] == 6
        assert stats.articles_by_category["qa"] == 0
        assert stats.articles_by_category["interpretation"] == 0

    def test_194_agencies_signed_the_pledge_and_the_user_agreement_in_2021(self) -> None:
        assert pledge_count(2021) == 194
        assert pledge_count(2021, document_code="user-agreement") == 194
        assert pledge_count(2022) == 0
        assert Organisation.objects.filter(kind="agency").count() == 194
        for name, _ in demo_control.REPORT_AGENCIES:
            assert Organisation.objects.filter(name=name, kind="agency").exists()
        # Every stored signature verifies against the bound certificate.
        for pledge in Pledge.objects.select_related("certificate").order_by("?")[:20]:
            cert = certs.load_certificate(bytes(pledge.certificate.der))
            certs.verify_signature(cert, bytes(pledge.canonical), bytes(pledge.signature))
        # The extra agencies' publishers cannot log in with any password.
        assert not User.objects.get(username="agency-100").has_usable_password()

    def test_violations_are_listed_in_the_existing_exposure_articles(self) -> None:
        assert supervision.violation_counts(2021) == {"agency": 15, "expert": 11}
        board = list(supervision.exposure_list())
        names = {v.subject_name for v in board}
        assert {n for n, _ in demo_control.REPORT_AGENCIES} <= names
        assert set(demo_control.REPORT_EXPERTS) <= names
        articles = {v.article_id for v in board}
        assert len(articles) == 18  # several per 通报, no article of its own
        assert Article.objects.filter(category__code="exposure", published_at__range=Y2021).count() == 18
        for v in board:
            assert v.decided_on <= local_date(v.article.published_at)

    def test_three_patrol_rounds_every_day_all_done(self) -> None:
        rounds = PatrolRound.objects.filter(planned_at__gte=Y2021[0], planned_at__lt=Y2021[1])
        working_days = set(DEFAULT_CALENDAR.working_days(dt.date(2021, 1, 1), dt.date(2021, 12, 31)))
        on_working_days = [r for r in rounds if local_date(r.planned_at) in working_days]
        assert len(on_working_days) == 3 * len(working_days)
        assert rounds.count() == 3 * 365  # the plan runs every day ("每天不少于3次")
        assert not rounds.exclude(status="done").exists()
        assert not PatrolItem.objects.filter(verdict="").exists()
        agency_notices_2021 = Notice.objects.filter(
            organisation__kind="agency", published_at__gte=Y2021[0], published_at__lt=Y2021[1]
        ).count()
        assert PatrolItem.objects.filter(round__in=rounds).count() == agency_notices_2021
        assert (
            PatrolItem.objects.filter(round__in=rounds).values("notice").distinct().count()
            == agency_notices_2021
        )

    def test_correction_orders_closed_but_two_overdue(self) -> None:
        orders = CorrectionOrder.objects.all()
        assert orders.count() >= 5
        assert orders.filter(status="closed").count() == orders.count() - 2
        overdue = supervision.orders_overdue(today=local_date(system_clock.now()))
        assert len(overdue) == 2
        assert orders.filter(returned_count=1).count() == 1
        for order in orders:
            assert order.patrol_item is not None and order.patrol_item.verdict == "problem"
            assert order.number.startswith("ZG2021-")

    def test_weekly_link_checks_labelled_as_demo_history(self) -> None:
        runs = LinkCheckRun.objects.filter(started_at__gte=Y2021[0], started_at__lt=Y2021[1])
        assert runs.count() == 52
        assert set(runs.values_list("bounded_by", flat=True)) == {demo_control.LINK_NOTE}
        last = runs.order_by("-started_at").first()
        assert BrokenLink.objects.exists()
        assert set(BrokenLink.objects.filter(fixed_at__isnull=True).values_list("last_run", flat=True)) <= {
            last.pk
        }

    def test_seventeen_screen_campaigns(self) -> None:
        campaigns = ScreenAnnouncement.objects.all()
        assert campaigns.count() == 17
        assert all(a.starts_at.year == 2021 and a.ends_at and a.ends_at.year == 2021 for a in campaigns)

    def test_participation(self) -> None:
        assert Consultation.objects.count() == 3
        assert Comment.objects.filter(status="approved").count() == 6
        assert Comment.objects.filter(status="rejected").count() == 3
        published_qa = Article.objects.filter(category__code="qa", status="published")
        assert published_qa.count() == 2
        assert all(a.published_at and a.published_at.year == 2022 for a in published_qa)
        assert Question.objects.filter(status="answered", article__isnull=True).count() == 1
        assert Question.objects.filter(status="received").count() == 1
        link = Interpretation.objects.select_related("article", "explains__category").get()
        assert link.explains.category.code == "key_document"
        assert link.article.status == "published" and link.article.published_at.year == 2022

    def test_demo_agency_key_signs_a_notice_that_verifies(self) -> None:
        key_path = self.key_dir / "demo-agency.key.pem"
        assert str(key_path) in self.out.getvalue()
        assert key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
        assert key_path.stat().st_mode & 0o077 == 0
        agent = User.objects.get(username="demo-agency")
        mandate = AgencyMandate.objects.get(agency=agent.organisation)
        # The notice loaded today is signed, published and verifies.
        signed = NoticeSignature.objects.get(notice__project_code=mandate.project_code)
        cert = certs.load_certificate(bytes(signed.certificate_der))
        certs.verify_signature(cert, bytes(signed.canonical), bytes(signed.signature))
        assert signed.notice.status == "published"
        assert publishing_selectors.notice_signed_as_stored(signed.notice)
        # A person with the key file can sign a new notice, which the server accepts.
        source = signed.notice
        draft = publishing.agency_notice_create(
            actor=agent,
            title=source.title.replace("招标公告", "招标补充公告"),
            body_html="<p>补充说明：本项目不接受联合体投标。</p>",
            kind="tender",
            domain=source.domain,
            procedure=source.procedure,
            project_code=source.project_code,
            project_name=source.project_name,
            budget=source.budget,
            price_cap=source.price_cap,
            file_issue_start=source.file_issue_start,
            file_issue_end=source.file_issue_end,
            bid_deadline=source.bid_deadline,
            opening_at=source.opening_at,
        )
        signature = certs.sign_bytes(
            key_path.read_bytes(), publishing_selectors.notice_canonical_bytes(draft)
        )
        cert_der = certs.der(certs.load_certificates((self.key_dir / "demo-agency.cert.pem").read_bytes())[0])
        notice = publishing.agency_notice_submit(
            actor=agent, notice=draft, certificate_der=cert_der, signature=signature, confirm_warnings=True
        )
        assert notice.status == "published"

    def test_demo_bidder_can_download_the_tender_file(self) -> None:
        section = Section.objects.get(status="published")
        assert section.bid_deadline is not None and section.bid_deadline > system_clock.now()
        assert section.tender_notice is not None and section.tender_notice.organisation.kind == "agency"
        assert section.get_evaluation_method_display() == "综合评估法"  # the glossary's key, by domain
        tender_file = TenderFile.objects.get(section=section)
        self.client.force_login(User.objects.get(username="demo-bidder"))
        response = self.client.get(f"/trading/files/{tender_file.pk}/download/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(
            b"%PDF"
        )

    def test_a_missing_calendar_year_is_explained_and_nothing_of_the_step_stays(self) -> None:
        cast = demo_data.ensure_cast()
        agency = cast.users["demo-agency"].organisation
        assert agency is not None
        code = agency.credit_code
        files = {code: (self.key_dir / f"{code}.cert.pem", self.key_dir / f"{code}.key.pem")}
        summary = demo_control.ControlSummary()
        notices, mandates = Notice.objects.count(), AgencyMandate.objects.count()
        # 20 December 2027: the bidding period runs into 2028, which nobody entered.
        clock = FixedClock(dt.datetime(2027, 12, 20, 2, 0, tzinfo=dt.UTC))
        loaded = demo_control.load_current_or_explain(cast, files, self.key_dir, summary, clock=clock)
        assert loaded is False
        assert "需先录入下一年度的节假日安排" in summary.current_skipped and "2028" in summary.current_skipped
        assert (Notice.objects.count(), AgencyMandate.objects.count()) == (notices, mandates)

    def test_bulk_ok_verdicts_let_the_round_service_complete(self) -> None:
        """The scale > 1 path: one statement and one audit event per round, then the service."""
        from ggzy.supervision import services as supervision_services

        patroller = User.objects.get(username="demo-patrol")
        created = supervision_services.patrol_rounds_create_due(clock=system_clock)
        round_ = created[0]  # covers everything agencies published since the end of 2021
        items = PatrolItem.objects.filter(round=round_)
        assert items.exists()
        moment = system_clock.now()
        assert demo_control._bulk_ok_verdicts(round_, patroller, moment) == items.count()
        assert set(items.values_list("verdict", "verdict_by")) == {("ok", patroller.pk)}
        event = Event.objects.filter(action="demo.patrol_verdicts").get()
        assert event.data["count"] == items.count()
        done = supervision_services.patrol_round_complete(actor=patroller, round=round_, clock=system_clock)
        assert done.status == "done"

    def test_audit_chain_verifies(self) -> None:
        result = audit_verify()
        assert result.ok, result.reason
