"""``ggzy demo --profile seed-2021``: at scale 1 the year 2021 counts exactly like the real report."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Min
from django.test import TestCase

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import Organisation, User
from ggzy.accounts.selectors import DEMO_PASSWORD
from ggzy.audit.models import Event
from ggzy.audit.selectors import audit_verify
from ggzy.core.clock import SHANGHAI, local_date
from ggzy.core.codes import credit_code_problem
from ggzy.platform import demo_control, demo_data
from ggzy.publishing.choices import NoticeKind, ReleaseStatus
from ggzy.publishing.models import Article, Notice, VisitDay
from ggzy.publishing.selectors import publication_stats
from ggzy.search.models import SearchDocument

Y2021 = (dt.datetime(2021, 1, 1, tzinfo=SHANGHAI), dt.datetime(2022, 1, 1, tzinfo=SHANGHAI))


class SeedProfileTests(TestCase):
    """One load (about ten seconds) shared by every assertion about it."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.out = StringIO()
        call_command("demo", "--profile", "seed-2021", "--seed", "7", stdout=cls.out)

    def test_2021_counts_equal_the_report(self) -> None:
        stats = publication_stats(year=2021)
        report = demo_data.REPORT_2021
        assert stats.total == 4367
        assert stats.articles_total == 175
        assert stats.articles_by_category == {
            "news": 51,
            "key_document": 34,
            "work_brief": 6,
            "industry_news": 15,
            "service_guide": 1,
            "consultation": 6,
            "exposure": 18,
            "finance": 2,
            "project_plan": 42,
            # Columns added by public participation (issue 3); the 2021 data have none.
            "interpretation": 0,
            "qa": 0,
            # The opening records' column (issue 6); the 2021 data have none.
            "opening_record": 0,
        }
        assert stats.tender_notices_total == 2505
        assert stats.change_notices == 1263
        assert stats.notices_by_kind["tender"] == 1242
        assert stats.tender_notices_by_domain["construction"] == 1433
        assert stats.tender_notices_by_domain["procurement"] == 1072
        assert stats.award_notices_total == 1687
        assert stats.award_notices_by_domain["construction"] == 967
        assert stats.award_notices_by_domain["procurement"] == 720
        assert stats.visits == 2_277_700
        assert stats.total == report["total"] and stats.visits == report["visits"]

    def test_every_item_is_published_version_1(self) -> None:
        for model in (Article, Notice):
            assert not model.objects.exclude(status=ReleaseStatus.PUBLISHED).exists()
            assert not model.objects.exclude(version=1).exists()
            assert not model.objects.exclude(lineage_id=F("pk")).exists()

    def test_recent_items_exist_outside_2021(self) -> None:
        recent = Notice.objects.filter(published_at__gte=Y2021[1]).count()
        recent += Article.objects.filter(published_at__gte=Y2021[1]).count()
        assert 25 <= recent <= 40
        today = local_date(dt.datetime.now(tz=dt.UTC))
        opening_today = [
            n
            for n in Notice.objects.filter(kind=NoticeKind.TENDER, published_at__gte=Y2021[1])
            if n.opening_at and local_date(n.opening_at) == today
        ]
        assert len(opening_today) >= 3
        assert not Notice.objects.filter(published_at__gt=dt.datetime.now(tz=dt.UTC)).exists()

    def test_change_notices_point_at_an_earlier_tender_of_the_same_project(self) -> None:
        changes = Notice.objects.filter(kind=NoticeKind.CHANGE).select_related("changes")
        for change in changes:
            tender = change.changes
            assert tender is not None and tender.kind == NoticeKind.TENDER
            assert tender.project_code == change.project_code
            assert tender.domain == change.domain
            assert tender.published_at < change.published_at

    def test_awards_follow_a_tender_of_their_project(self) -> None:
        first_tender = dict(
            Notice.objects.filter(kind=NoticeKind.TENDER, published_at__lt=Y2021[1])
            .values_list("project_code")
            .annotate(first=Min("published_at"))
        )
        awards = Notice.objects.filter(kind=NoticeKind.AWARD, published_at__lt=Y2021[1])
        bidders = set(
            Organisation.objects.filter(kind=OrganisationKind.BIDDER).values_list("name", flat=True)
        )
        for award in awards:
            assert award.project_code in first_tender
            assert award.published_at > first_tender[award.project_code]
            assert award.winner_name in bidders
            assert award.award_amount and award.award_amount > 0
            assert award.section_code.startswith(award.project_code + "-")

    def test_tender_fields_are_plausible(self) -> None:
        tenders = Notice.objects.filter(kind=NoticeKind.TENDER, published_at__lt=Y2021[1])
        for notice in tenders:
            assert notice.bid_deadline is not None and notice.published_at is not None
            assert notice.bid_deadline - notice.published_at >= dt.timedelta(days=20)
            assert notice.opening_at == notice.bid_deadline
            assert notice.section_code == notice.project_code + "-001"
            prefix = "SFGC2021-" if notice.domain == "construction" else "SFCG2021-"
            assert notice.project_code.startswith(prefix)
            assert notice.budget is not None
            low, high = (500_000, 80_000_000) if notice.domain == "construction" else (50_000, 10_000_000)
            assert low <= notice.budget <= high
            assert notice.title.endswith("公告")
            assert notice.body_html.count("<p>") >= 3
            assert "lorem" not in notice.body_html.lower()

    def test_one_tender_per_project(self) -> None:
        tenders = Notice.objects.filter(kind=NoticeKind.TENDER, published_at__lt=Y2021[1])
        assert tenders.values("project_code").distinct().count() == tenders.count() == 1242

    def test_site_visits_cover_every_day_of_2021(self) -> None:
        days = VisitDay.objects.filter(key="site", date__year=2021)
        assert days.count() == 365
        weekday = days.get(date=dt.date(2021, 3, 10)).count  # a Wednesday
        sunday = days.get(date=dt.date(2021, 3, 14)).count
        assert weekday > sunday
        assert VisitDay.objects.filter(key__startswith="notice:").exists()
        assert VisitDay.objects.filter(key__startswith="article:").exists()

    def test_every_published_item_is_indexed(self) -> None:
        assert SearchDocument.objects.filter(kind="article").count() == Article.objects.count()
        assert SearchDocument.objects.filter(kind="notice").count() == Notice.objects.count()

    def test_audit_chain_verifies_with_one_event_per_batch(self) -> None:
        result = audit_verify()
        assert result.ok, result.reason
        loads = Event.objects.filter(action="demo.load")
        assert 1 <= loads.count() <= 20
        loaded_2021 = sum(
            e.data["count"] for e in loads if "2021" in e.data["what"] and e.data["what"] != "visits-2021"
        )
        assert loaded_2021 == 4367

    def test_users_one_per_role(self) -> None:
        expected = {
            "demo-editor": Role.EDITOR,
            "demo-first": Role.FIRST_REVIEWER,
            "demo-review": Role.REVIEWER,
            "demo-second": Role.SECOND_REVIEWER,
            "demo-signer": Role.SIGNER,
            "demo-admin": Role.SYSTEM_ADMIN,
            "demo-agency": Role.AGENCY_PUBLISHER,
            "demo-tenderer": Role.TENDERER,
            "demo-bidder": Role.BIDDER,
            "demo-expert": Role.EXPERT,
            "demo-supervisor": Role.SUPERVISOR,
            "demo-patrol": Role.PATROLLER,
            "demo-security": Role.SECURITY_ADMIN,
            "demo-auditor": Role.AUDIT_ADMIN,
            "demo-disclosure": Role.DISCLOSURE_OFFICER,
            "demo-disclosure-head": Role.DISCLOSURE_HEAD,
        }
        for username, role in expected.items():
            user = User.objects.get(username=username)
            assert user.has_role(role), username
            assert user.check_password(DEMO_PASSWORD)
        assert User.objects.get(username="demo-admin").is_superuser
        assert set(Role.values) == set(expected.values())

    def test_organisations(self) -> None:
        by_kind = dict(Organisation.objects.values_list("kind").annotate(n=Count("pk")))
        assert by_kind[OrganisationKind.CENTER] == 1
        # The cast's 20 plus the agencies that signed the 2021 pledge (demo_control).
        assert by_kind[OrganisationKind.AGENCY] == 20 + len(demo_control.extra_agency_specs())
        assert by_kind[OrganisationKind.TENDERER] == 60
        assert by_kind[OrganisationKind.BIDDER] == 80
        assert by_kind[OrganisationKind.EXPERT] >= 1 and by_kind[OrganisationKind.SUPERVISOR] >= 2
        assert Organisation.objects.get(kind=OrganisationKind.CENTER).name == "示范市公共资源交易中心"
        for code in Organisation.objects.values_list("credit_code", flat=True):
            assert credit_code_problem(code) is None

    def test_if_empty_skips_and_plain_rerun_refuses(self) -> None:
        out = StringIO()
        call_command("demo", "--if-empty", stdout=out)
        assert "跳过" in out.getvalue()
        with pytest.raises(CommandError) as exc:
            call_command("demo", stdout=StringIO())
        assert exc.value.returncode == 1
        assert publication_stats(year=2021).total == 4367

    def test_summary_printed(self) -> None:
        assert "政务信息 175 条" in self.out.getvalue()


def test_apportion_sums_exactly() -> None:
    counts = demo_data.apportion(2_277_700, [1.0, 0.3, 0.3, 1.1, 0.97] * 73)
    assert sum(counts) == 2_277_700 and len(counts) == 365
    assert demo_data.apportion(7, [1, 1, 1]) in ([3, 2, 2], [2, 3, 2], [2, 2, 3])
    with pytest.raises(ValueError, match="apportion"):
        demo_data.apportion(5, [0, 0])


def test_organisation_specs_are_valid_and_unique() -> None:
    specs = demo_data.organisation_specs()
    assert len({s.credit_code for s in specs}) == len(specs)
    assert len({s.name for s in specs}) == len(specs)
    assert all(credit_code_problem(s.credit_code) is None for s in specs)


@pytest.mark.django_db
def test_bad_scale() -> None:
    with pytest.raises(CommandError) as exc:
        call_command("demo", "--scale", "-1")
    assert exc.value.returncode == 2


@pytest.mark.django_db
def test_scale_zero_loads_only_cast_and_recent_items() -> None:
    call_command("demo", "--scale", "0", "--seed", "3", stdout=StringIO())
    assert publication_stats(year=2021).total == 0
    assert 25 <= Article.objects.count() + Notice.objects.count() <= 40
    assert User.objects.filter(username__startswith="demo-").count() == 16  # one per role
    assert audit_verify().ok


@pytest.mark.django_db
def test_same_seed_same_titles() -> None:
    call_command("demo", "--scale", "0", "--seed", "5", stdout=StringIO())
    first = sorted(Notice.objects.values_list("title", flat=True))
    Notice.objects.filter(kind=NoticeKind.CHANGE).delete()
    Notice.objects.all().delete()
    Article.objects.all().delete()
    call_command("demo", "--scale", "0", "--seed", "5", stdout=StringIO())
    assert sorted(Notice.objects.values_list("title", flat=True)) == first


@pytest.mark.django_db
def test_a_second_process_segmenting_gives_the_same_index() -> None:
    """With a worker process (the default from PARALLEL_FROM_SCALE) the index is what the plain
    path writes: every row equals a fresh search_prepare_text of its owner."""
    from ggzy.publishing.services.indexing import document_fields
    from ggzy.search.services import search_prepare_text

    demo_data.demo_load(scale=1, seed=11, workers=1)
    assert publication_stats(year=2021).total == 4367
    assert SearchDocument.objects.count() == Article.objects.count() + Notice.objects.count()
    sample = list(Notice.objects.order_by("?")[:40]) + list(Article.objects.order_by("?")[:10])
    for item in sample:
        fields = document_fields(item)
        doc = SearchDocument.objects.get(kind=fields["kind"], object_id=item.pk)
        expected = search_prepare_text(str(fields["title"]), str(fields["body_html_or_text"]))
        assert (doc.title, doc.body_text, doc.title_tokens, doc.tokens) == expected
