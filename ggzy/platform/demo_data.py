"""The ``seed-2021`` demo profile: a year of a municipal trading center, counted like the 2021 report.

At scale 1 the year 2021 holds exactly what the real report counts (docs: shared/reference):
175 articles in nine columns, 2,505 tender notices (1,242 tenders + 1,263 change notices;
construction 1,433 / procurement 1,072), 1,687 award notices (967 + 720) and 2,277,700 site visits.
``scale`` multiplies every 2021 count (benchmarks); ~30 recent items keep the home page alive today
without touching the 2021 numbers.

Organisations and users go through the accounts services (each audited). The content is bulk-loaded:
one transaction per batch of ~5,000 rows, indexed for search in the same transaction, with one
summarising ``demo.load`` audit event per batch instead of one per row. Deterministic for a seed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import multiprocessing
import os
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from multiprocessing.pool import Pool
from typing import Any

import django
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import Organisation, User
from ggzy.accounts.selectors import DEMO_PASSWORD
from ggzy.accounts.services import organisation_create, user_create
from ggzy.audit.services import audit_record
from ggzy.core.clock import SHANGHAI, Clock, system_clock
from ggzy.core.codes import make_credit_code
from ggzy.core.workdays import DEFAULT_CALENDAR
from ggzy.publishing.choices import NoticeKind, ReleaseStatus, TradeDomain
from ggzy.publishing.models import Article, Category, Notice, VisitDay
from ggzy.publishing.services.indexing import document_fields
from ggzy.search.services import search_index_bulk, search_prepare_text

PROFILE = "seed-2021"
BATCH = 5000
Progress = Callable[[int, int], None]

# The 2021 report (二、主动公开), the numbers ggzy must reproduce at scale 1.
REPORT_2021: dict[str, Any] = {
    "total": 4367,
    "articles": {
        "news": 51,
        "key_document": 34,
        "work_brief": 6,
        "industry_news": 15,
        "service_guide": 1,
        "consultation": 6,
        "exposure": 18,
        "finance": 2,
        "project_plan": 42,
    },
    "tender_notices_total": 2505,
    "change_notices": 1263,
    "tender_by_domain": {"construction": 1433, "procurement": 1072},
    "award_by_domain": {"construction": 967, "procurement": 720},
    "visits": 2_277_700,
}
# How the report's per-domain tender totals split into first notices and change notices
# (1,242 tenders + 1,263 changes = 2,505; the report gives only the sums).
TENDERS_BY_DOMAIN = {"construction": 700, "procurement": 542}
CHANGES_BY_DOMAIN = {"construction": 733, "procurement": 530}

YEAR_START = dt.date(2021, 1, 1)
YEAR_END = dt.date(2021, 12, 31)
LAST_TENDER_DAY = dt.date(2021, 11, 1)  # leaves room for deadline (≥20 days) and award in 2021

# --------------------------------------------------------------------------------------------
# Names
DISTRICTS = ["城东区", "城西区", "北山县", "南川县", "清水县"]
SUPERVISORS = [
    "示范市财政局",
    "示范市住房和城乡建设局",
    "示范市发展和改革委员会",
    "示范市水务局",
    "示范市交通运输局",
]
AGENCY_WORDS = ["恒信", "正诚", "中衡", "鼎盛", "华审", "明德", "宏远", "立信", "众和", "建研"]
AGENCY_TYPES = ["招标代理有限公司", "工程咨询有限公司", "项目管理有限公司"]
BIDDER_REGIONS = ["宁夏", "示范市", "甘肃", "陕西"]
BIDDER_WORDS = [
    "鑫盛",
    "华建",
    "恒达",
    "中宇",
    "天成",
    "博远",
    "瑞丰",
    "金诚",
    "永安",
    "宏图",
    "九州",
    "嘉禾",
]
BIDDER_TRADES = [
    "建设工程",
    "建筑安装工程",
    "市政工程",
    "水利水电工程",
    "信息技术",
    "医疗器械",
    "商贸",
    "装饰工程",
]

SCHOOLS = [f"示范市第{n}中学" for n in "一二三四五六七八"] + ["示范市职业技术学校", "示范市实验小学"]
HOSPITALS = [
    "示范市人民医院",
    "示范市中医医院",
    "示范市妇幼保健院",
    "示范市第二人民医院",
    "示范市疾病预防控制中心",
]
CITY_BODIES = [
    "示范市城市建设投资集团有限公司",
    "示范市水务投资有限公司",
    "示范市机关事务管理局",
    "示范市自然资源局",
    "示范市园林绿化管理局",
]

SUBJECTS = {
    "school": (
        ["教学楼", "学生宿舍楼", "综合实验楼", "风雨操场", "食堂", "校园道路及附属设施"],
        ["多媒体教学设备", "学生课桌椅", "图书", "实验室设备", "食堂设备", "校园安防监控系统"],
    ),
    "hospital": (
        ["门诊医技楼", "住院楼", "发热门诊", "污水处理站", "院区道路及管网"],
        ["医疗设备", "彩色多普勒超声诊断仪", "CT机", "医用耗材", "医院信息化系统", "负压救护车"],
    ),
    "district": (
        ["农村公路", "老旧小区", "高标准农田", "雨污分流管网", "村级文化活动中心", "卫生院", "养老服务中心"],
        ["办公设备", "物业管理服务", "绿化养护服务", "环卫保洁服务", "政务云服务", "应急物资"],
    ),
    "city": (
        ["市政道路", "供水管网", "污水处理厂", "城市公园", "公共停车场", "体育馆", "水库除险加固"],
        ["供水设备", "管材管件", "水质监测设备", "公务用车", "信息化建设", "档案数字化服务"],
    ),
}
WORKS = ["新建工程", "改造工程", "维修改造工程", "提升改造工程", "扩建工程", "建设项目"]
SERVICES = ["施工", "施工", "施工", "施工", "监理", "设计", "勘察设计", "工程总承包"]
METHODS = ["公开招标", "公开招标", "竞争性磋商", "竞争性谈判", "询价"]
QUALIFICATIONS = [
    "建筑工程施工总承包三级及以上",
    "市政公用工程施工总承包三级及以上",
    "水利水电工程施工总承包三级及以上",
]
FUNDS = ["财政资金", "地方政府专项债券资金", "中央预算内投资及地方配套资金", "单位自筹资金"]
CN_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class OrgSpec:
    kind: str
    name: str
    credit_code: str
    profile: str = ""  # for tenderers: school / hospital / district / city


def _code(prefix: str, kind_no: int, n: int) -> str:
    # 登记管理部门+机构类别 (2) · 行政区划 640400 (6) · organisation code (9) · check character.
    return make_credit_code(f"{prefix}640400{kind_no:02d}{n:07d}")


def organisation_specs() -> list[OrgSpec]:
    """The demo organisations: a center, 5 supervisors, an expert institution, 20 agencies,
    60 tenderers/purchasers and 80 bidders/suppliers. Fixed (independent of the seed)."""
    specs = [OrgSpec(OrganisationKind.CENTER, "示范市公共资源交易中心", _code("12", 1, 1))]
    specs += [
        OrgSpec(OrganisationKind.SUPERVISOR, n, _code("11", 2, i)) for i, n in enumerate(SUPERVISORS, 1)
    ]
    specs.append(OrgSpec(OrganisationKind.EXPERT, "示范市综合评标专家库", _code("12", 3, 1)))
    agencies = [f"宁夏{w}{t}" for t in AGENCY_TYPES for w in AGENCY_WORDS][:20]
    specs += [OrgSpec(OrganisationKind.AGENCY, n, _code("91", 4, i)) for i, n in enumerate(agencies, 1)]
    tenderers: list[tuple[str, str]] = [(n, "school") for n in SCHOOLS] + [(n, "hospital") for n in HOSPITALS]
    tenderers += [(n, "city") for n in CITY_BODIES]
    for district in DISTRICTS:
        for body in (
            "人民政府",
            "教育局",
            "卫生健康局",
            "交通运输局",
            "水务局",
            "农业农村局",
            "住房和城乡建设局",
            "民政局",
        ):
            tenderers.append((f"示范市{district}{body}", "district"))
    tenderers = tenderers[:60]
    specs += [
        OrgSpec(OrganisationKind.TENDERER, n, _code("12" if p != "city" else "91", 5, i), p)
        for i, (n, p) in enumerate(tenderers, 1)
    ]
    bidders = [f"{r}{w}{t}有限公司" for t in BIDDER_TRADES for w in BIDDER_WORDS for r in BIDDER_REGIONS[:1]]
    bidders += [
        f"{r}{w}{t}有限公司" for r in BIDDER_REGIONS[1:] for w in BIDDER_WORDS for t in BIDDER_TRADES[:2]
    ]
    specs += [OrgSpec(OrganisationKind.BIDDER, n, _code("91", 6, i)) for i, n in enumerate(bidders[:80], 1)]
    return specs


@dataclass(frozen=True)
class UserSpec:
    username: str
    display_name: str
    org_kind: str
    roles: tuple[str, ...]
    is_superuser: bool = False


DEMO_USERS = [
    UserSpec("demo-editor", "张编辑", OrganisationKind.CENTER, (Role.EDITOR,)),
    UserSpec("demo-first", "李初审", OrganisationKind.CENTER, (Role.FIRST_REVIEWER,)),
    UserSpec("demo-review", "王审核", OrganisationKind.CENTER, (Role.REVIEWER,)),
    UserSpec("demo-second", "赵复审", OrganisationKind.CENTER, (Role.SECOND_REVIEWER,)),
    UserSpec("demo-signer", "刘签发", OrganisationKind.CENTER, (Role.SIGNER,)),
    UserSpec("demo-patrol", "钱巡查", OrganisationKind.CENTER, (Role.PATROLLER,)),
    # 三员分立: three different people administer the system, security and the audit log.
    UserSpec("demo-security", "褚安全", OrganisationKind.CENTER, (Role.SECURITY_ADMIN,)),
    UserSpec("demo-auditor", "卫审计", OrganisationKind.CENTER, (Role.AUDIT_ADMIN,)),
    UserSpec("demo-admin", "陈管理员", OrganisationKind.CENTER, (Role.SYSTEM_ADMIN,), is_superuser=True),
    UserSpec("demo-agency", "孙代理", OrganisationKind.AGENCY, (Role.AGENCY_PUBLISHER,)),
    UserSpec("demo-tenderer", "周招标", OrganisationKind.TENDERER, (Role.TENDERER,)),
    UserSpec("demo-bidder", "吴投标", OrganisationKind.BIDDER, (Role.BIDDER,)),
    UserSpec("demo-expert", "郑专家", OrganisationKind.EXPERT, (Role.EXPERT,)),
    UserSpec("demo-supervisor", "冯监督", OrganisationKind.SUPERVISOR, (Role.SUPERVISOR,)),
]


@dataclass
class Cast:
    """The organisations and users the content refers to."""

    orgs: dict[str, list[Organisation]]
    profiles: dict[int, str]
    users: dict[str, User]

    @property
    def center(self) -> Organisation:
        return self.orgs[OrganisationKind.CENTER][0]


def ensure_cast() -> Cast:
    """Create (or reuse, by credit code / username) the demo organisations and users."""
    existing = {o.credit_code: o for o in Organisation.objects.all()}
    orgs: dict[str, list[Organisation]] = {k: [] for k in OrganisationKind.values}
    profiles: dict[int, str] = {}
    for spec in organisation_specs():
        org = existing.get(spec.credit_code)
        if org is None:
            org = organisation_create(
                actor=None, kind=spec.kind, name=spec.name, credit_code=spec.credit_code, region="示范市"
            )
        orgs[org.kind].append(org)
        profiles[org.pk] = spec.profile
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    for user_spec in DEMO_USERS:
        if user_spec.username not in users:
            users[user_spec.username] = user_create(
                actor=None,
                username=user_spec.username,
                password=DEMO_PASSWORD,
                organisation=orgs[user_spec.org_kind][0],
                display_name=user_spec.display_name,
                roles=list(user_spec.roles),
                is_superuser=user_spec.is_superuser,
            )
    return Cast(orgs=orgs, profiles=profiles, users=users)


# --------------------------------------------------------------------------------------------
# Time helpers
def _working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    return list(DEFAULT_CALENDAR.working_days(start, end))


def _at(day: dt.date, rng: random.Random, first_hour: int = 8, last_hour: int = 17) -> dt.datetime:
    minute = rng.randrange(first_hour * 60 + 30, last_hour * 60 + 30)
    return dt.datetime(
        day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60), tzinfo=SHANGHAI
    )


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    """Log-uniform: many small projects, a few large ones; rounded to hundreds of yuan."""
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return Decimal(int(value / 100) * 100)


def _fmt_money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y年%m月%d日%H时%M分")


def _paras(*texts: str) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


# --------------------------------------------------------------------------------------------
# Content
@dataclass
class LoadSummary:
    scale: int
    seed: int
    articles: int = 0
    notices: int = 0
    visit_rows: int = 0
    recent_items: int = 0
    audit_events: int = 0
    indexed: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class Project:
    domain: str
    code: str
    name: str
    tenderer: Organisation
    agency: Organisation
    budget: Decimal
    sections: int
    changes: int
    published: dt.datetime
    deadline: dt.datetime
    service: str = ""
    method: str = ""


def _index_text(item: Article | Notice) -> tuple[str, str]:
    """The title and text :func:`document_fields` indexes for ``item``, before it has a primary key
    (only the URL and object id depend on the key)."""
    saved = item.pk
    item.pk = 0
    try:
        fields = document_fields(item)
    finally:
        item.pk = saved
    return str(fields["title"]), str(fields["body_html_or_text"])


class Loader:
    def __init__(
        self,
        *,
        cast: Cast,
        scale: int,
        seed: int,
        progress: Progress | None,
        clock: Clock = system_clock,
        pool: Pool | None = None,
    ) -> None:
        self.cast, self.scale, self.seed, self.clock = cast, scale, seed, clock
        # Segmenting the text for the search index is the largest single cost of a load; with a
        # pool it runs in another process while this one inserts the batch's rows.
        self.pool = pool
        self._workday: dict[dt.date, bool] = {}
        self._deadline_base: dict[dt.date, dt.date] = {}
        self.progress = progress
        self.summary = LoadSummary(scale=scale, seed=seed)
        self.total_items = scale * REPORT_2021["total"]
        self.done_items = 0
        self.categories = {c.code: c for c in Category.objects.all()}
        self.workdays_2021 = _working_days(YEAR_START, LAST_TENDER_DAY)
        self.editor = cast.users["demo-editor"]
        self.agent = cast.users["demo-agency"]
        self.visit_sample: list[tuple[str, dt.date]] = []
        self._bidders: dict[str, list[Organisation]] = {}

    def bidders_for(self, domain: str) -> list[Organisation]:
        """Builders win works; suppliers win goods and services."""
        if domain not in self._bidders:
            everyone = self.cast.orgs[OrganisationKind.BIDDER]
            builders = [o for o in everyone if "工程" in o.name]
            chosen = (
                builders if domain == TradeDomain.CONSTRUCTION else [o for o in everyone if o not in builders]
            )
            self._bidders[domain] = chosen or everyone
        return self._bidders[domain]

    def is_working_day(self, day: dt.date) -> bool:
        """The calendar's answer, remembered (chinese_calendar validates its whole table per call)."""
        known = self._workday.get(day)
        if known is None:
            known = self._workday[day] = DEFAULT_CALENDAR.is_working_day(day)
        return known

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")  # noqa: S311 - demo data, not secrets

    def _tick(self, n: int) -> None:
        self.done_items += n
        if self.progress:
            self.progress(self.done_items, self.total_items)

    # -- one batch: rows, lineage, search index, one audit event, all in one transaction -----
    def _save(
        self, model: type[Article] | type[Notice], rows: Sequence[Article | Notice], what: str
    ) -> list[Any]:
        pending = (
            self.pool.starmap_async(search_prepare_text, [_index_text(r) for r in rows], chunksize=250)
            if self.pool is not None
            else None
        )
        with transaction.atomic():
            created = model.objects.bulk_create(rows, batch_size=1000)  # type: ignore[arg-type]
            pks = [r.pk for r in created]
            model.objects.filter(pk__in=pks).update(lineage_id=F("pk"))
            for r in created:
                r.lineage_id = r.pk
            docs: Iterator[dict[str, Any]] = (document_fields(r) for r in created)
            if pending is not None:
                prepared = pending.get(timeout=600)
                docs = ({**d, "prepared": p} for d, p in zip(docs, prepared, strict=True))
            indexed = search_index_bulk(docs, batch_size=1000)
            audit_record(
                actor=None,
                action="demo.load",
                target=None,
                data={
                    "profile": PROFILE,
                    "scale": self.scale,
                    "seed": self.seed,
                    "model": model._meta.label_lower,
                    "what": what,
                    "count": len(pks),
                    "first_id": min(pks) if pks else None,
                    "last_id": max(pks) if pks else None,
                },
            )
        self.summary.audit_events += 1
        self.summary.indexed += indexed
        return list(created)

    # -- articles -------------------------------------------------------------------------
    def load_articles(self) -> None:
        rng = self.rng("articles")
        rows: list[Article] = []
        days = _working_days(YEAR_START, YEAR_END)
        for code, per_scale in REPORT_2021["articles"].items():
            count = per_scale * self.scale
            for i in range(count):
                day = rng.choice(days)
                rows.append(self._article(rng, code, i, count, _at(day, rng)))
        rows.sort(key=lambda a: a.published_at or YEAR_START)
        for chunk in _chunks(rows, BATCH):
            created = self._save(Article, chunk, "articles-2021")
            self._sample_visits(rng, "article", created)
            self.summary.articles += len(created)
            self._tick(len(created))

    def _article(self, rng: random.Random, code: str, i: int, count: int, at: dt.datetime) -> Article:
        title, summary, doc_number, body = article_text(code, i, count, at, rng, self.cast)
        return Article(
            title=title,
            body_html=body,
            status=ReleaseStatus.PUBLISHED,
            author=self.editor,
            organisation=self.cast.center,
            published_at=at,
            version=1,
            category=self.categories[code],
            summary=summary,
            source="示范市公共资源交易中心",
            doc_number=doc_number,
        )

    # -- trade notices ----------------------------------------------------------------------
    def plan_projects(self, domain: str, rng: random.Random) -> list[tuple[int, int]]:
        """(sections, change notices) per project, summing exactly to the report's counts."""
        tenders = TENDERS_BY_DOMAIN[domain] * self.scale
        awards = REPORT_2021["award_by_domain"][domain] * self.scale
        changes = CHANGES_BY_DOMAIN[domain] * self.scale
        sections = [1] * tenders
        for _ in range(awards - tenders):
            sections[rng.randrange(tenders)] += 1
        change_counts = [0] * tenders
        for _ in range(changes):
            # Most changes concern a minority of projects (clarifications, deadline extensions).
            change_counts[rng.randrange(max(1, tenders * 2 // 3))] += 1
        rng.shuffle(change_counts)
        return list(zip(sections, change_counts, strict=True))

    def load_notices(self) -> None:
        for domain in (TradeDomain.CONSTRUCTION, TradeDomain.PROCUREMENT):
            rng = self.rng(f"notices:{domain}")
            plan = self.plan_projects(domain, rng)
            # Projects per batch so that tenders + changes + awards stay near BATCH rows.
            per_project = (
                REPORT_2021["tender_by_domain"][domain] + REPORT_2021["award_by_domain"][domain]
            ) / TENDERS_BY_DOMAIN[domain]
            step = max(1, int(BATCH / per_project))
            for start in range(0, len(plan), step):
                projects = [
                    self._project(domain, start + i + 1, sections, changes, rng)
                    for i, (sections, changes) in enumerate(plan[start : start + step])
                ]
                self._load_project_batch(projects, rng)

    def _project(self, domain: str, n: int, sections: int, changes: int, rng: random.Random) -> Project:
        tenderer = rng.choice(self.cast.orgs[OrganisationKind.TENDERER])
        profile = self.cast.profiles.get(tenderer.pk) or "district"
        works, goods = SUBJECTS[profile]
        day = rng.choice(self.workdays_2021)
        published = _at(day, rng)
        if day not in self._deadline_base:
            self._deadline_base[day] = DEFAULT_CALENDAR.add_working_days(day, 14)
        deadline_day = max(self._deadline_base[day], day + dt.timedelta(days=21 + rng.randrange(0, 10)))
        while not self.is_working_day(deadline_day):
            deadline_day += dt.timedelta(days=1)
        deadline = dt.datetime.combine(
            deadline_day, dt.time(9 if rng.random() < 0.6 else 14, 30), tzinfo=SHANGHAI
        )
        retender = "（二次）" if rng.random() < 0.08 else ""
        if domain == TradeDomain.CONSTRUCTION:
            name = f"{tenderer.name}{rng.choice(works)}{rng.choice(WORKS)}{retender}"
            code = f"SFGC2021-{n:04d}"
            budget = _money(rng, 500_000, 80_000_000)
            return Project(
                domain,
                code,
                name,
                tenderer,
                rng.choice(self.cast.orgs[OrganisationKind.AGENCY]),
                budget,
                sections,
                changes,
                published,
                deadline,
                service=rng.choice(SERVICES),
            )
        name = f"{tenderer.name}{rng.choice(goods)}采购项目{retender}"
        code = f"SFCG2021-{n:04d}"
        budget = _money(rng, 50_000, 10_000_000)
        return Project(
            domain,
            code,
            name,
            tenderer,
            rng.choice(self.cast.orgs[OrganisationKind.AGENCY]),
            budget,
            sections,
            changes,
            published,
            deadline,
            method=rng.choice(METHODS),
        )

    def _notice(self, p: Project, **fields: Any) -> Notice:
        return Notice(
            status=ReleaseStatus.PUBLISHED,
            author=self.agent,
            organisation=p.agency,
            version=1,
            domain=p.domain,
            project_code=p.code,
            project_name=p.name,
            tenderer_name=p.tenderer.name,
            agency_name=p.agency.name,
            budget=p.budget,
            **fields,
        )

    def _load_project_batch(self, projects: list[Project], rng: random.Random) -> None:
        tenders = [
            self._notice(
                p,
                kind=NoticeKind.TENDER,
                title=tender_title(p),
                body_html=tender_body(p),
                published_at=p.published,
                section_code=f"{p.code}-001",
                section_name=p.name if p.sections == 1 else f"{p.name}（共{p.sections}个标段）",
                price_cap=p.budget,
                bid_deadline=p.deadline,
                opening_at=p.deadline,
            )
            for p in projects
        ]
        tenders = self._save(Notice, tenders, f"tenders-2021-{projects[0].domain}")
        followers: list[Notice] = []
        for p, tender in zip(projects, tenders, strict=True):
            day = p.published.astimezone(SHANGHAI).date()
            for k in range(1, p.changes + 1):
                change_day = min(
                    day + dt.timedelta(days=rng.randint(1, 15)), p.deadline.date() - dt.timedelta(days=1)
                )
                followers.append(
                    self._notice(
                        p,
                        kind=NoticeKind.CHANGE,
                        changes=tender,
                        title=change_title(p, k),
                        body_html=change_body(p, k),
                        published_at=_at(change_day, rng),
                        section_code=f"{p.code}-001",
                        section_name=tender.section_name,
                        price_cap=p.budget,
                        bid_deadline=p.deadline,
                        opening_at=p.deadline,
                    )
                )
            award_day = min(p.deadline.date() + dt.timedelta(days=rng.randint(3, 15)), YEAR_END)
            bidders = self.bidders_for(p.domain)
            for k in range(1, p.sections + 1):
                share = p.budget / p.sections if p.sections > 1 else p.budget
                winner = rng.choice(bidders)
                amount = (share * Decimal(str(round(rng.uniform(0.85, 0.99), 4)))).quantize(Decimal("0.01"))
                followers.append(
                    self._notice(
                        p,
                        kind=NoticeKind.AWARD,
                        title=award_title(p, k),
                        body_html=award_body(p, k, winner.name, amount),
                        published_at=_at(award_day, rng),
                        section_code=f"{p.code}-{k:03d}",
                        section_name=p.name if p.sections == 1 else f"{p.name}第{k}标段",
                        winner_name=winner.name,
                        award_amount=amount,
                        opening_at=p.deadline,
                    )
                )
        created = self._save(Notice, followers, f"changes-awards-2021-{projects[0].domain}")
        self._sample_visits(rng, "notice", tenders + created)
        self.summary.notices += len(tenders) + len(created)
        self._tick(len(tenders) + len(created))

    # -- visits -----------------------------------------------------------------------------
    def _sample_visits(self, rng: random.Random, key: str, items: Sequence[Article | Notice]) -> None:
        # ~300 items at any scale get per-item daily counts (the detail pages' "浏览次数").
        wanted = max(1, round(len(items) * 300 / max(1, self.total_items)))
        for item in rng.sample(list(items), min(wanted, len(items))):
            assert item.published_at is not None
            self.visit_sample.append((f"{key}:{item.pk}", item.published_at.astimezone(SHANGHAI).date()))

    def load_visits(self) -> None:
        rng = self.rng("visits")
        total = REPORT_2021["visits"] * self.scale
        days = [YEAR_START + dt.timedelta(days=i) for i in range((YEAR_END - YEAR_START).days + 1)]
        weights = [(1.0 if self.is_working_day(d) else 0.32) * rng.uniform(0.85, 1.15) for d in days]
        counts = apportion(total, weights)
        rows = [VisitDay(date=d, key="site", count=c) for d, c in zip(days, counts, strict=True)]
        for key, first in self.visit_sample:
            for offset in range(rng.randint(2, 6)):
                day = first + dt.timedelta(days=offset)
                if day <= YEAR_END:
                    rows.append(VisitDay(date=day, key=key, count=rng.randint(3, 240) // (offset + 1) + 1))
        with transaction.atomic():
            VisitDay.objects.bulk_create(rows, batch_size=2000)
            audit_record(
                actor=None,
                action="demo.load",
                data={
                    "profile": PROFILE,
                    "scale": self.scale,
                    "seed": self.seed,
                    "model": "publishing.visitday",
                    "what": "visits-2021",
                    "count": len(rows),
                    "site_total": total,
                },
            )
        self.summary.audit_events += 1
        self.summary.visit_rows += len(rows)

    # -- recent items (today's home page) -----------------------------------------------------
    def load_recent(self) -> None:
        rng = self.rng("recent")
        now = self.clock.now()
        today = now.astimezone(SHANGHAI).date()
        articles: list[Article] = []
        for i, code in enumerate(
            [
                "news",
                "news",
                "news",
                "key_document",
                "industry_news",
                "project_plan",
                "consultation",
                "exposure",
            ]
        ):
            day = today - dt.timedelta(days=2 * i + 1)
            articles.append(self._article(rng, code, i, 8, _at(day, rng)))
        created_articles = self._save(Article, articles, "articles-recent")
        notices: list[Notice] = []
        projects: list[Project] = []
        for i in range(12):
            domain = TradeDomain.CONSTRUCTION if i % 2 == 0 else TradeDomain.PROCUREMENT
            p = self._project(domain, 9000 + i, 1, 0, rng)
            p.code = p.code.replace("2021", str(today.year))
            if i < 4:  # opening today
                published_day = today - dt.timedelta(days=21 + i)
                p.deadline = dt.datetime.combine(today, dt.time(9 + 2 * i, 30), tzinfo=SHANGHAI)
            else:
                published_day = today - dt.timedelta(days=i)
                p.deadline = dt.datetime.combine(
                    today + dt.timedelta(days=20 + i), dt.time(9, 30), tzinfo=SHANGHAI
                )
            p.published = min(_at(published_day, rng), now - dt.timedelta(minutes=5))
            projects.append(p)
            notices.append(
                self._notice(
                    p,
                    kind=NoticeKind.TENDER,
                    title=tender_title(p),
                    body_html=tender_body(p),
                    published_at=p.published,
                    section_code=f"{p.code}-001",
                    section_name=p.name,
                    price_cap=p.budget,
                    bid_deadline=p.deadline,
                    opening_at=p.deadline,
                )
            )
        tenders = self._save(Notice, notices, "tenders-recent")
        followers: list[Notice] = []
        for p, tender in list(zip(projects, tenders, strict=True))[4:9]:
            followers.append(
                self._notice(
                    p,
                    kind=NoticeKind.CHANGE,
                    changes=tender,
                    title=change_title(p, 1),
                    body_html=change_body(p, 1),
                    published_at=now - dt.timedelta(hours=rng.randint(1, 30)),
                    section_code=f"{p.code}-001",
                    section_name=p.name,
                    price_cap=p.budget,
                    bid_deadline=p.deadline,
                    opening_at=p.deadline,
                )
            )
        for k in range(5):  # awards of projects tendered a month or two ago
            p = self._project(
                TradeDomain.CONSTRUCTION if k % 2 else TradeDomain.PROCUREMENT, 9100 + k, 1, 0, rng
            )
            bidders = self.bidders_for(p.domain)
            p.code = p.code.replace("2021", str(today.year))
            p.deadline = dt.datetime.combine(
                today - dt.timedelta(days=10 + k), dt.time(9, 30), tzinfo=SHANGHAI
            )
            winner = rng.choice(bidders)
            amount = (p.budget * Decimal("0.93")).quantize(Decimal("0.01"))
            followers.append(
                self._notice(
                    p,
                    kind=NoticeKind.AWARD,
                    title=award_title(p, 1),
                    body_html=award_body(p, 1, winner.name, amount),
                    published_at=now - dt.timedelta(days=k, hours=rng.randint(1, 8)),
                    section_code=f"{p.code}-001",
                    section_name=p.name,
                    winner_name=winner.name,
                    award_amount=amount,
                )
            )
        created = self._save(Notice, followers, "changes-awards-recent")
        self.summary.recent_items = len(created_articles) + len(tenders) + len(created)
        # Site visits of the last 30 days, so the counter moves today too.
        rows = [
            VisitDay(date=today - dt.timedelta(days=d), key="site", count=rng.randint(3000, 9000))
            for d in range(1, 31)
        ]
        with transaction.atomic():
            VisitDay.objects.bulk_create(rows, ignore_conflicts=True)

    def run(self) -> LoadSummary:
        if self.scale > 0:
            self.load_articles()
            self.load_notices()
            self.load_visits()
        self.load_recent()
        return self.summary


def _chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that sum to exactly ``total``
    (largest remainder method)."""
    weight_sum = sum(weights)
    if total < 0 or weight_sum <= 0:
        raise ValueError("apportion needs total >= 0 and positive weights")
    raw = [total * w / weight_sum for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


# --------------------------------------------------------------------------------------------
# Text templates (plausible Chinese, generated — never lorem ipsum)
def tender_title(p: Project) -> str:
    if p.domain == TradeDomain.CONSTRUCTION:
        return f"{p.name}{p.service}招标公告"
    return f"{p.name}{p.method}公告"


def change_title(p: Project, k: int) -> str:
    return f"{p.name}{'' if k == 1 else f'第{k}次'}变更公告"


def award_title(p: Project, k: int) -> str:
    section = "" if p.sections == 1 else f"（第{k}标段）"
    word = "中标结果公告" if p.domain == TradeDomain.CONSTRUCTION else "成交结果公告"
    return f"{p.name}{section}{word}"


def _contact(p: Project) -> str:
    digits = int(p.agency.credit_code[10:17]) % 10_000_000
    return f"联系方式：招标人（采购人）{p.tenderer.name}；代理机构{p.agency.name}，电话 0954-{digits:07d}。"


def tender_body(p: Project) -> str:
    deadline = _local(p.deadline)
    if p.domain == TradeDomain.CONSTRUCTION:
        qualification = QUALIFICATIONS[len(p.name) % len(QUALIFICATIONS)]
        return _paras(
            f"一、项目概况：{p.name}已由示范市发展和改革委员会批准建设，"
            f"建设资金来自{FUNDS[len(p.code) % len(FUNDS)]}，"
            f"招标人为{p.tenderer.name}。项目已具备招标条件，现对该项目的{p.service}进行公开招标。",
            f"二、招标范围：{p.name}施工图纸及工程量清单范围内的全部内容，共划分{p.sections}个标段，"
            f"最高投标限价{_fmt_money(p.budget)}元。",
            f"三、投标人资格要求：具备{qualification}资质，项目负责人具备相应专业注册建造师资格，"
            "并在人员、设备、资金等方面具有相应的履约能力；本次招标不接受联合体投标。",
            "四、招标文件的获取：投标人使用数字证书登录示范市公共资源交易网“不见面”交易系统免费下载招标文件。",
            f"五、投标截止时间及开标时间：{deadline}，远程不见面开标，投标人无需到达现场，"
            "在线完成投标文件解密。",
            _contact(p),
        )
    return _paras(
        f"一、项目基本情况：项目编号{p.code}，项目名称{p.name}，采购方式{p.method}，"
        f"预算金额{_fmt_money(p.budget)}元，采购人为{p.tenderer.name}。",
        "二、申请人的资格要求：满足《中华人民共和国政府采购法》第二十二条规定；落实政府采购政策需满足的资格要求："
        "本项目专门面向中小企业采购。",
        "三、获取采购文件：供应商使用数字证书登录示范市公共资源交易网下载采购文件，不收取费用。",
        f"四、提交响应文件截止时间、开启时间：{deadline}，通过“不见面”交易系统远程开启。",
        _contact(p),
    )


def change_body(p: Project, k: int) -> str:
    return _paras(
        f"{p.name}（项目编号：{p.code}）于{_local(p.published)}在示范市公共资源交易网发布公告，"
        f"现对原公告作第{k}次变更（澄清）。",
        f"变更内容：根据投标人提出的疑问，对招标（采购）文件中的技术参数和工程量清单作出澄清；"
        f"投标截止时间及开标时间为{_local(p.deadline)}。",
        "其他内容不变。本变更公告为原公告的组成部分，与原公告具有同等效力。",
        _contact(p),
    )


def award_body(p: Project, k: int, winner: str, amount: Decimal) -> str:
    section = "" if p.sections == 1 else f"第{k}标段"
    return _paras(
        f"{p.name}{section}（项目编号：{p.code}）于{_local(p.deadline)}在示范市公共资源交易中心远程开标，"
        "经评标委员会评审，并经招标人（采购人）确定，现将结果公告如下。",
        f"中标（成交）人：{winner}；中标（成交）金额：{_fmt_money(amount)}元。",
        "对本结果有异议的，请在公告期内以书面形式向招标人（采购人）或代理机构提出。",
        _contact(p),
    )


NEWS_EVENTS = [
    "召开党风廉政建设工作会议",
    "开展“政府开放日”活动",
    "推行远程异地评标工作",
    "举办代理机构业务培训会",
    "开展庆祝中国共产党成立100周年主题党日活动",
    "“古雁不见面”交易系统全流程电子化交易运行平稳",
    "开展网络意识形态安全承诺书签订工作",
    "召开评标专家管理工作座谈会",
    "开展“我为群众办实事”实践活动",
    "在LED电子大屏开展宪法宣传",
    "完成年度网站错链集中修复",
    "接受市政务公开工作专项检查",
    "开展疫情防控知识宣传",
    "组织开展保密教育培训",
    "召开工程建设项目招标投标专项整治推进会",
]
DOC_TOPICS = [
    "进一步加强信息发布审核工作",
    "进一步加强公文制作审核管理工作",
    "推行远程异地评标",
    "规范招标代理机构从业行为",
    "加强评标专家管理",
    "全面推行电子保函",
    "进一步优化营商环境",
    "开展工程建设招标投标领域专项整治",
    "规范政府采购项目开评标活动",
    "实行交易服务事项清单管理",
]
INDUSTRY_NEWS = [
    "国家发展改革委：进一步规范招标投标交易担保",
    "财政部：推进政府采购电子化交易",
    "自治区公共资源交易平台完成系统升级",
    "全国公共资源交易平台发布年度交易数据",
    "住建部：推行工程总承包招标",
    "多地推行“不见面”开标",
]


def article_text(
    code: str, i: int, count: int, at: dt.datetime, rng: random.Random, cast: Cast
) -> tuple[str, str, str, str]:
    """Title, summary, document number and body of one article of a category."""
    n = i + 1
    date = at.astimezone(SHANGHAI)
    center = "示范市公共资源交易中心"
    doc_number = ""
    if code == "news":
        title = f"{center}{NEWS_EVENTS[i % len(NEWS_EVENTS)]}"
        if i >= len(NEWS_EVENTS):
            title += f"（{date.month}月）"
        summary = f"{date.month}月{date.day}日，{title.removeprefix(center)}。"
    elif code == "key_document":
        title = f"关于{DOC_TOPICS[i % len(DOC_TOPICS)]}的通知"
        doc_number = f"示公交发〔{date.year}〕{n}号"
        summary = f"{doc_number}，请各有关单位认真贯彻执行。"
    elif code == "work_brief":
        title = f"{center}工作简报（{date.year}年第{n}期）"
        summary = f"本期简报介绍{date.year}年{date.month}月交易中心重点工作进展。"
    elif code == "industry_news":
        title = INDUSTRY_NEWS[i % len(INDUSTRY_NEWS)] + ("" if i < len(INDUSTRY_NEWS) else f"（{n}）")
        summary = "转载行业动态，供市场主体参考。"
    elif code == "service_guide":
        title = f"{center}“不见面”开标操作指南" + ("" if n == 1 else f"（第{n}版）")
        summary = "投标人使用数字证书登录系统，在线完成投标文件递交、解密和质疑。"
    elif code == "consultation":
        title = f"关于征求《示范市公共资源交易服务事项清单（第{CN_NUMBERS[i % 10]}批）》意见的公告"
        summary = "公开征求社会公众和市场主体意见，征求意见期15日。"
    elif code == "exposure":
        if i % 3 == 2:
            title = f"关于对评标专家违规行为的处理通报（{date.year}年第{n}号）"
        else:
            agency = cast.orgs[OrganisationKind.AGENCY][i % len(cast.orgs[OrganisationKind.AGENCY])].name
            title = f"关于对{agency}违规行为的通报"
        summary = "依据《中华人民共和国招标投标法实施条例》，对违规行为予以曝光。"
    elif code == "finance":
        year = date.year - (0 if i % 2 == 0 else 1)
        title = f"{center}{year}年部门{'预算' if i % 2 == 0 else '决算'}公开"
        summary = f"按照预决算公开要求，公开{year}年部门收支情况。"
    elif code == "project_plan":
        week = (date.timetuple().tm_yday - 1) // 7 + 1
        title = f"示范市公共资源交易中心{date.year}年第{week}周开标项目安排"
        if count > 52:
            title += f"（{n}）"
        summary = "本周开标项目安排如下，投标人可通过“不见面”交易系统远程参加开标。"
    else:
        title, summary = f"{center}信息（{n}）", ""
    body = _paras(
        summary,
        f"{center}坚持“公开为常态、不公开为例外”的原则，严格执行信息发布由业务科室初审、综合办公室审核、"
        "分管领导复审、主管领导签发的多级审核制度，确保发布信息准确、规范。",
        f"下一步，{center}将继续深化“不见面”交易和远程异地评标，提升公共资源交易服务质量，"
        "欢迎社会各界监督。联系电话：0954-0000000。",
        f"（{center} {date.year}年{date.month}月{date.day}日）",
    )
    return title, summary, doc_number, body


# From this scale on a second process segments the text for the search index (when there is a
# second core): below it, starting the process costs more than it saves.
PARALLEL_FROM_SCALE = 3


def demo_load(
    *,
    scale: int = 1,
    seed: int = 2021,
    progress: Progress | None = None,
    clock: Clock = system_clock,
    workers: int | None = None,
) -> LoadSummary:
    """Load the ``seed-2021`` profile into an empty database (the caller checks emptiness).

    ``workers`` processes segment text for the search index (default: one from
    ``PARALLEL_FROM_SCALE`` on a machine with two or more cores, else none). The data are the
    same either way.
    """
    if scale < 0:
        raise ValueError("scale must be >= 0")
    if workers is None:
        workers = 1 if scale >= PARALLEL_FROM_SCALE and (os.cpu_count() or 1) >= 2 else 0
    cast = ensure_cast()
    # spawn, not fork: forking a process that already runs threads (database drivers, Django's
    # autoreloader) can deadlock the child. The children set Django up from the inherited
    # DJANGO_SETTINGS_MODULE, run only pure text functions and never open a connection.
    pool = (
        multiprocessing.get_context("spawn").Pool(workers, initializer=django.setup)
        if workers > 0 and scale > 0
        else None
    )
    # With DEBUG on (``make run``'s local settings) Django formats every statement with its
    # parameters for connection.queries — on SQLite by sending them all to the database a second
    # time for quoting. For a bulk load that was a third of the time and gigabytes of memory.
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        with _bulk_load_cache():
            loader = Loader(cast=cast, scale=scale, seed=seed, progress=progress, clock=clock, pool=pool)
            summary = loader.run()
    finally:
        settings.DEBUG = debug
        if pool is not None:
            pool.terminate()
            pool.join()
    refresh_planner_statistics()
    summary.counts = {
        "organisations": Organisation.objects.count(),
        "users": User.objects.filter(username__startswith="demo-").count(),
    }
    return summary


@contextlib.contextmanager
def _bulk_load_cache() -> Iterator[None]:
    """On SQLite, a 256 MB page cache for this connection while loading (the default 2 MB makes
    every index insert into a large table a read from the OS). Restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous:d}")


def refresh_planner_statistics() -> None:
    """ANALYZE after a bulk load. Without statistics SQLite's planner walks the (status, published_at)
    index for ``project_code = …`` lookups and the notice page costs a full scan (measured: 233 ms
    → 7 ms at scale 20); PostgreSQL's autovacuum would get there eventually, this gets there now.

    On PostgreSQL (outside a transaction) a VACUUM as well: until the visibility map is set, an
    index-only scan still reads every heap page, and counting a list's matches at scale 200 took
    1.15 s instead of 0.15 s."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")


def content_exists() -> bool:
    return Article.objects.exists() or Notice.objects.exists()
