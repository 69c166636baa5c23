"""Issue 3's data for the ``seed-2021`` demo: what the 2021 report says about control (section 一).

Loaded after :mod:`ggzy.platform.demo_data` (which bulk-loads the year's articles and notices),
every row here goes through the real services, each call audited, under a :class:`FixedClock` at
the moment it happened in 2021, so years, windows and deadlines come out right:

* 194 agencies signed the 《网络意识形态安全承诺书》 and the 《网络用户协议》 in 2021 (report:
  "共 194 份"), each with a demo CA certificate bound (:func:`ggzy.accounts.demo.demo_pki`);
  the cast's 20 agencies plus 174 more, three of them named as in the report.
* 15 agencies and 11 experts exposed in 2021, listed in the 2021 曝光台 articles the content
  loader made (one 通报 lists several; no new article, so the column keeps its 18 articles).
* Patrol: three rounds every day of 2021 (the plan's default; the report: "每天不少于 3 次"),
  every agency notice given a verdict, a handful of problems turned into correction orders that
  were answered and closed — two are still owed (overdue).
* 52 weekly broken-link checks with findings recorded as demo history (labelled so: the crawler
  needs a running server) and the links marked fixed.
* 17 LED big-screen campaigns (期). The report's "88 次" plays are not modelled (no play count).
* Participation: comments on three of the 2021 consultations; questions answered in December
  2021 (two published in January 2022, one without the asker's consent left unpublished, one new
  unanswered); one interpretation of a 2021 key document, published in January 2022.
* Today: ``demo-agency`` mandated for a project of ``demo-tenderer``, its signing key and
  certificate written to ``key_dir``, a tender notice it signed (published at once, then
  patrolled) and the section open for bidding with its tender file, so ``demo-bidder`` can
  download it.

Per-year facts (pledges, violations, patrol rounds) do not grow with ``--scale``; the patrol looks at
every agency notice, so its item count does.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from ggzy.accounts import agreements
from ggzy.accounts import services as accounts
from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.demo import demo_pki
from ggzy.accounts.models import Certificate, Organisation, User
from ggzy.audit.services import audit_record
from ggzy.core.clock import SHANGHAI, Clock, FixedClock, local_date, system_clock
from ggzy.core.codes import make_credit_code
from ggzy.core.errors import CalendarDataMissing
from ggzy.core.workdays import DEFAULT_CALENDAR
from ggzy.participation import services as participation
from ggzy.portal import services as portal
from ggzy.publishing import selectors as publishing_selectors
from ggzy.publishing import services as publishing
from ggzy.publishing.choices import ReleaseStatus
from ggzy.publishing.models import Article, Notice
from ggzy.sealing import certs
from ggzy.supervision import services as supervision
from ggzy.supervision.linkcheck import Broken
from ggzy.supervision.models import CorrectionOrder, PatrolItem, PatrolRound
from ggzy.supervision.services import ViolationEntry
from ggzy.supervision.services.links import link_check_settings
from ggzy.trading import services as trading
from ggzy.workcalendar.selectors import work_calendar

from . import demo_data
from .demo_data import Cast

PLEDGE_AGENCIES_2021 = 194
AGENCIES_EXPOSED_2021 = 15
EXPERTS_EXPOSED_2021 = 11
SCREEN_CAMPAIGNS_2021 = 17
LINK_RUNS_2021 = 52
LINK_NOTE = "演示历史数据：2021年每周错链检查的合成结果，非本站抓取"

# The report names three of the fifteen agencies and four of the eleven experts.
REPORT_AGENCIES = [
    ("宁夏星火工程咨询有限公司", "宁夏"),
    ("山东正方建设项目管理有限公司", "山东"),
    ("宁夏永恒信建设工程咨询有限公司", "宁夏"),
]
REPORT_EXPERTS = ["张军", "曹红霞", "范玉东", "陆建军"]
OTHER_EXPERTS = ["王建平", "李红梅", "马国强", "杨志刚", "刘玉兰", "何文斌", "周海燕"]
EXTRA_REGIONS = ["宁夏", "示范市", "甘肃", "陕西", "内蒙古", "山东", "四川", "河南"]
EXTRA_WORDS = [
    "华信",
    "正衡",
    "中天",
    "安泰",
    "同创",
    "鑫源",
    "信达",
    "诚信",
    "汇通",
    "天正",
    "兴业",
    "广厦",
    "瑞达",
    "金桥",
    "德信",
    "昊天",
    "中诚",
    "建信",
    "宏达",
    "聚鑫",
    "天元",
    "卓越",
]
EXTRA_TYPES = ["招标代理有限公司", "工程咨询有限公司", "项目管理有限公司", "工程造价咨询有限公司"]

SCREEN_TOPICS = [
    "新冠肺炎疫情防控知识：戴口罩、勤洗手、常通风、少聚集，进入交易大厅请主动出示健康码",
    "热烈庆祝中国共产党建党100周年",
    "脱贫攻坚优秀微视频作品展播",
    "铸牢中华民族共同体意识，共建美好家园",
    "学习宪法、遵守宪法、维护宪法——“12·4”国家宪法日宣传",
    "招投标业务知识：“不见面”开标全程网上办理，投标人无需到达现场",
    "招投标业务知识：电子保函替代现金保证金，降低企业交易成本",
    "新冠肺炎疫情防控知识：接种疫苗，共筑免疫屏障",
    "庆祝建党100周年——党史学习教育专题宣传",
    "招投标业务知识：远程异地评标全面推行",
    "《中华人民共和国民法典》宣传月",
    "招投标业务知识：投标文件须使用数字证书加密，逾期无法解密的视为撤回",
    "“我为群众办实事”实践活动专题宣传",
    "国家安全教育日：总体国家安全观",
    "新冠肺炎疫情防控知识：冬春季疫情防控提示",
    "招投标业务知识：拒绝围标串标，营造公平竞争的交易环境",
    "法治政府建设宣传：优化营商环境条例",
]

PROBLEMS = [
    ("投标截止时间距招标文件发出之日不足二十日", "按规定顺延投标截止时间并发布变更公告"),
    ("公告未载明招标人联系方式", "补充招标人联系人及联系电话后重新发布"),
    ("资格条件中要求特定地区业绩，涉嫌排斥潜在投标人", "删除地域性业绩要求并发布变更公告"),
    ("最高投标限价与招标文件不一致", "核实最高投标限价并发布更正公告"),
    ("中标结果公告未公示中标金额", "补充中标金额后重新发布"),
    ("公告附件无法打开", "重新上传可正常打开的附件"),
    ("公示期不足三日", "按规定补足公示期"),
    ("项目名称与招标文件不一致", "核对项目名称并发布更正公告"),
]

BROKEN_POOL = [
    ("http://www.nxggzyjy.org/ningxiaweb/002/002001/", "/", None, "连接超时", True),
    ("http://www.ccgp-ningxia.gov.cn/public/NXGPPNEW/dynamic/", "/credit/", 404, "", True),
    ("/gk/finance/2019/", "/gk/", 404, "", False),
    ("/files/old/2020年工作简报.doc", "/gk/work-brief/", 404, "", False),
    ("http://www.ggzy.gov.cn/information/html/a/640000/", "/", 502, "", True),
    ("/service/guide-2018.pdf", "/service/", 404, "", False),
    ("/news/2020-12-31/", "/news/", 404, "", False),
    ("http://zjj.nx.gov.cn/zcfg/", "/gk/key-document/", 404, "", True),
]

Progress = Callable[[str], None]


@dataclass
class ControlSummary:
    agencies_added: int = 0
    certificates: int = 0
    pledges_2021: int = 0
    user_agreements: int = 0
    violations: dict[str, int] = field(default_factory=dict)
    exposure_articles: int = 0
    patrol_rounds: int = 0
    patrol_items: int = 0
    orders: int = 0
    orders_open: int = 0
    link_runs: int = 0
    broken_links: int = 0
    screen_campaigns: int = 0
    consultations: int = 0
    comments: int = 0
    questions: int = 0
    interpretations: int = 0
    key_path: str = ""
    cert_path: str = ""
    signed_notice_id: int | None = None
    section_code: str = ""
    current_skipped: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def at(moment: dt.datetime) -> FixedClock:
    return FixedClock(moment.astimezone(dt.UTC))


def default_key_dir() -> Path:
    configured = getattr(settings, "GGZY_DEMO_KEY_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "demo-keys"


# ---------------------------------------------------------------------------------------------
# Agencies
@dataclass(frozen=True)
class AgencySpec:
    name: str
    credit_code: str
    region: str


def extra_agency_specs(existing_names: set[str] | None = None) -> list[AgencySpec]:
    """The agencies beyond the cast's 20 that signed in 2021 (the report's three first). Fixed."""
    taken = set(existing_names or ()) | {
        s.name for s in demo_data.organisation_specs() if s.kind == OrganisationKind.AGENCY
    }
    wanted = PLEDGE_AGENCIES_2021 - sum(
        1 for s in demo_data.organisation_specs() if s.kind == OrganisationKind.AGENCY
    )
    names: list[tuple[str, str]] = list(REPORT_AGENCIES)
    for kind in EXTRA_TYPES:
        for word in EXTRA_WORDS:
            for region in EXTRA_REGIONS:
                name = f"{region}{word}{kind}"
                if name not in taken and (name, region) not in names:
                    names.append((name, region))
    names = names[:wanted]
    # 登记管理部门 9 + 类别 1 (企业), 行政区划 640400, organisation code with class 07 (ours).
    return [
        AgencySpec(n, make_credit_code(f"91640400{7:02d}{i:07d}"), r) for i, (n, r) in enumerate(names, 1)
    ]


def _publisher_for(org: Organisation, n: int) -> User:
    user = User.objects.filter(organisation=org, role_grants__role=Role.AGENCY_PUBLISHER).first()
    if user is not None:
        return user
    # No password anyone knows: Django's make_password(None) gives an unusable one (documented),
    # which also spares 174 slow PBKDF2 hashes. These publishers exist to sign, not to log in.
    return accounts.user_create(
        actor=None,
        username=f"agency-{n:03d}",
        password=None,  # type: ignore[arg-type]
        organisation=org,
        display_name=f"{org.name[-8:]}信息员",
        roles=[Role.AGENCY_PUBLISHER],
    )


def load_agencies(cast: Cast, summary: ControlSummary) -> tuple[list[Organisation], dict[int, User]]:
    existing = {o.credit_code: o for o in Organisation.objects.filter(kind=OrganisationKind.AGENCY)}
    agencies = list(cast.orgs[OrganisationKind.AGENCY])
    for spec in extra_agency_specs():
        org = existing.get(spec.credit_code)
        if org is None:
            org = accounts.organisation_create(
                actor=None,
                kind=OrganisationKind.AGENCY,
                name=spec.name,
                credit_code=spec.credit_code,
                region=spec.region,
            )
            summary.agencies_added += 1
        agencies.append(org)
    publishers = {org.pk: _publisher_for(org, n) for n, org in enumerate(agencies, 1)}
    return agencies, publishers


def load_pledges(
    agencies: list[Organisation],
    publishers: dict[int, User],
    key_dir: Path,
    summary: ControlSummary,
    seed: int,
) -> dict[str, tuple[Path, Path]]:
    """A demo CA, one EC certificate per agency (bound the first working day of 2021), then both
    documents signed by each agency on a working day of January–March 2021."""
    rng = random.Random(f"{seed}:pledges")  # noqa: S311 - demo data
    trust = demo_pki(agencies=agencies, key_dir=key_dir, sign_pledges=False, clock=at(sh(2021, 1, 4, 8, 30)))
    files: dict[str, tuple[Path, Path]] = trust["certificates"]
    summary.certificates = len(files)
    days = list(DEFAULT_CALENDAR.working_days(dt.date(2021, 1, 4), dt.date(2021, 3, 31)))
    documents = [agreements.current("user-agreement"), agreements.current(agreements.YEARLY_PLEDGE_CODE)]
    certificates = {c.organisation_id: c for c in Certificate.objects.filter(organisation__in=agencies)}
    for org in agencies:
        _, key_path = files[org.credit_code]
        key = key_path.read_bytes()
        day = rng.choice(days)
        moment = sh(day.year, day.month, day.day, 9, 0) + dt.timedelta(minutes=rng.randrange(8 * 60))
        for document in documents:
            if document is None:
                continue
            clock = at(moment)
            canonical = agreements.pledge_canonical(
                document=document,
                org_name=org.name,
                credit_code=org.credit_code,
                issued_at=moment - dt.timedelta(minutes=3),
            )
            accounts.pledge_sign(
                actor=publishers[org.pk],
                certificate=certificates[org.pk],
                canonical=canonical,
                signature=certs.sign_bytes(key, canonical),
                clock=clock,
            )
            if document.yearly:
                summary.pledges_2021 += 1
            else:
                summary.user_agreements += 1
            moment += dt.timedelta(minutes=2)
    return files


# ---------------------------------------------------------------------------------------------
# Violations on the exposure board
TITLE_AGENCY = re.compile(r"^关于对(.+)违规行为的通报$")


def load_violations(cast: Cast, summary: ControlSummary, seed: int) -> None:
    rng = random.Random(f"{seed}:violations")  # noqa: S311 - demo data
    editor = cast.users["demo-editor"]
    articles = list(
        Article.objects.filter(
            category__code="exposure",
            status=ReleaseStatus.PUBLISHED,
            published_at__gte=sh(2021, 1, 1),
            published_at__lt=sh(2022, 1, 1),
        ).order_by("published_at", "pk")
    )
    by_name = {o.name: o for o in Organisation.objects.filter(kind=OrganisationKind.AGENCY)}
    agency_articles: list[tuple[Article, Organisation]] = []
    for a in articles:
        match = TITLE_AGENCY.match(a.title)
        named = by_name.get(match[1]) if match else None
        if named is not None:
            agency_articles.append((a, named))
    agency_articles = agency_articles[:12]
    expert_articles = [a for a in articles if "评标专家" in a.title]
    expert_articles = expert_articles[:6]
    if len(agency_articles) < 12 or len(expert_articles) < 6:
        raise RuntimeError("2021 年曝光台信息不足（需要 12 篇代理机构通报和 6 篇专家通报）")
    plan: dict[int, list[ViolationEntry]] = {}
    extra = [by_name[n] for n, _ in REPORT_AGENCIES]
    n_decision = 0

    def decision(article: Article, authority_no: int) -> tuple[str, str, dt.date]:
        nonlocal n_decision
        n_decision += 1
        published = local_date(article.published_at or sh(2021, 6, 1))
        decided = published - dt.timedelta(days=rng.randint(5, 25))
        authority = demo_data.SUPERVISORS[authority_no % len(demo_data.SUPERVISORS)]
        short = {"示范市财政局": "示财", "示范市住房和城乡建设局": "示建", "示范市发展和改革委员会": "示发改"}
        number = f"{short.get(authority, '示公管')}罚〔{decided.year}〕{n_decision}号"
        return authority, number, decided

    agency_facts = [
        "在代理项目中设置不合理的资格条件，排斥潜在投标人",
        "未按规定在指定媒介发布招标公告",
        "擅自修改招标文件实质性内容，未发布变更公告",
        "在代理项目中泄露应当保密的与招标投标活动有关的情况和资料",
        "代理项目评标过程中未按规定维护评标秩序",
    ]
    expert_facts = [
        "评标过程中未按照招标文件规定的评标标准和方法评标",
        "评标时对明显不符合招标文件要求的投标未予否决",
        "无正当理由拒绝在评标报告上签字，且未说明理由",
        "评标中发表倾向性意见，影响其他评委独立评审",
    ]
    for k, (article, named) in enumerate(agency_articles):
        orgs = [named] + ([extra[k // 4]] if k % 4 == 0 else [])
        entries = []
        for org in orgs:
            authority, number, decided = decision(article, k)
            entries.append(
                ViolationEntry(
                    subject_kind="agency",
                    organisation=org,
                    facts=agency_facts[rng.randrange(len(agency_facts))],
                    authority=authority,
                    decision_number=number,
                    penalty="通报批评，暂停在示范市公共资源交易平台承接代理业务3个月",
                    decided_on=decided,
                    effective_from=decided,
                    effective_until=decided + dt.timedelta(days=90),
                    gate_flag_until=decided + dt.timedelta(days=90),
                )
            )
        plan[article.pk] = entries
    experts = REPORT_EXPERTS + OTHER_EXPERTS
    for k, article in enumerate(expert_articles):
        names = experts[2 * k : 2 * k + 2] if k < 5 else experts[10:11]
        entries = []
        for j, name in enumerate(names):
            authority, number, decided = decision(article, k + 1)
            entries.append(
                ViolationEntry(
                    subject_kind="expert",
                    expert_name=name,
                    expert_ref=f"ZJ2021-{2 * k + j + 1:03d}",
                    facts=expert_facts[rng.randrange(len(expert_facts))],
                    authority=authority,
                    decision_number=number,
                    penalty="警告，暂停评标专家资格6个月",
                    decided_on=decided,
                    effective_from=decided,
                    effective_until=decided + dt.timedelta(days=182),
                    bars_draws_until=decided + dt.timedelta(days=182),
                )
            )
        plan[article.pk] = entries
    for article in [a for a, _ in agency_articles] + expert_articles:
        published = article.published_at or sh(2021, 6, 1)
        supervision.violations_record_for_article(
            actor=editor, article=article, violations=plan[article.pk], clock=at(published)
        )
        # Effects start at publication (the worker's job, here at the moment it would have run).
        supervision.violation_effects_apply_due(clock=at(published + dt.timedelta(minutes=5)))
    summary.exposure_articles = len(plan)
    summary.violations = {
        "agency": sum(1 for e in plan.values() for v in e if v.subject_kind == "agency"),
        "expert": sum(1 for e in plan.values() for v in e if v.subject_kind == "expert"),
    }


# ---------------------------------------------------------------------------------------------
# Patrol
def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _bulk_ok_verdicts(round_: PatrolRound, patroller: User, moment: dt.datetime) -> int:
    """The bulk path for scale > 1: the "no problem" verdicts of one round in one statement and
    one audit event (the verdict service costs ~10 ms per item, hours at benchmark scales). Only
    verdicts — the round is still completed by its service, which checks every item has one."""
    with transaction.atomic():
        count = PatrolItem.objects.filter(round=round_, verdict="").update(
            verdict="ok", verdict_by=patroller, verdict_at=moment
        )
        audit_record(
            actor=patroller,
            action="demo.patrol_verdicts",
            target=round_,
            data={"profile": demo_data.PROFILE, "verdict": "ok", "count": count},
            clock=at(moment),
        )
    return count


def load_patrol(
    cast: Cast, publishers: dict[int, User], summary: ControlSummary, seed: int, *, bulk_ok: bool = False
) -> None:
    """Every planned round of 2021 created by the scheduler's own service at its planned time,
    each item given a verdict and the round completed within the hour. A few problems become
    correction orders; all but the last two were answered and closed. ``bulk_ok`` (scale > 1)
    writes the "no problem" verdicts through :func:`_bulk_ok_verdicts` instead of the service."""
    rng = random.Random(f"{seed}:patrol")  # noqa: S311 - demo data
    patroller = cast.users["demo-patrol"]
    plan = supervision.plan_get()
    times = plan.slot_times()
    problem_days = sorted(
        rng.sample(list(DEFAULT_CALENDAR.working_days(dt.date(2021, 2, 1), dt.date(2021, 12, 20))), 9)
    )
    problems_left = list(problem_days)
    orders: list[tuple[CorrectionOrder, int, dt.datetime]] = []
    for day in _days(dt.date(2021, 1, 1), dt.date(2021, 12, 31)):
        for slot in times:
            planned = dt.datetime.combine(day, slot, tzinfo=SHANGHAI)
            created = supervision.patrol_rounds_create_due(clock=at(planned))
            for round_ in created:
                moment = planned + dt.timedelta(minutes=rng.randint(5, 40))
                items = list(PatrolItem.objects.filter(round=round_).select_related("notice__organisation"))
                flag_problem = bool(items) and bool(problems_left) and day >= problems_left[0]
                for i, item in enumerate(items):
                    clock = at(moment + dt.timedelta(seconds=20 * i))
                    if flag_problem and i == 0:
                        problem, requirement = PROBLEMS[len(orders) % len(PROBLEMS)]
                        supervision.patrol_item_verdict(
                            actor=patroller, item=item, verdict="problem", comment=problem, clock=clock
                        )
                        order = supervision.correction_order_issue(
                            actor=patroller, item=item, problem=problem, requirement=requirement, clock=clock
                        )
                        orders.append((order, item.notice.organisation_id, moment))
                        problems_left.pop(0)
                    elif not bulk_ok:
                        supervision.patrol_item_verdict(actor=patroller, item=item, verdict="ok", clock=clock)
                if bulk_ok:
                    _bulk_ok_verdicts(round_, patroller, moment)
                done = at(moment + dt.timedelta(seconds=20 * len(items) + 60))
                supervision.patrol_round_complete(actor=patroller, round=round_, clock=done)
                summary.patrol_rounds += 1
                summary.patrol_items += len(items)
    # The agencies answer within a few working days and the patroller accepts; one answer is sent
    # back once; the last two orders of the year are still owed (overdue).
    for n, (order, org_id, issued) in enumerate(orders):
        if n >= len(orders) - 2:
            continue
        publisher = publishers[org_id]
        answered = issued + dt.timedelta(days=2, hours=3)
        order = supervision.correction_order_answer(
            actor=publisher, order=order, reply="已按要求完成整改并重新发布，请审核。", clock=at(answered)
        )
        if n == 1:
            order = supervision.correction_order_return(
                actor=patroller,
                order=order,
                comment="变更公告未载明顺延后的开标时间，请补充。",
                clock=at(answered + dt.timedelta(hours=2)),
            )
            answered += dt.timedelta(days=1)
            order = supervision.correction_order_answer(
                actor=publisher, order=order, reply="已补充开标时间并重新发布变更公告。", clock=at(answered)
            )
        supervision.correction_order_close(
            actor=patroller,
            order=order,
            comment="整改到位，同意办结。",
            clock=at(answered + dt.timedelta(hours=4)),
        )
    summary.orders = len(orders)
    summary.orders_open = min(2, len(orders))


# ---------------------------------------------------------------------------------------------
# Broken links
def load_link_checks(cast: Cast, summary: ControlSummary, seed: int) -> None:
    rng = random.Random(f"{seed}:links")  # noqa: S311 - demo data
    patroller = cast.users["demo-patrol"]
    editor = cast.users["demo-editor"]
    base = link_check_settings().base_url
    first = sh(2021, 1, 4, 7, 30)  # Mondays, before office hours
    for week in range(LINK_RUNS_2021):
        started = first + dt.timedelta(days=7 * week)
        chosen = rng.sample(BROKEN_POOL, rng.choice([0, 0, 1, 1, 1, 2, 3]))
        found = [
            Broken(
                url=url if url.startswith("http") else base + url,
                found_on=base + page,
                status=status,
                error=error,
                external=external,
            )
            for url, page, status, error, external in chosen
        ]
        pages = 1200 + 85 * week + rng.randrange(40)
        run = supervision.link_check_record(
            actor=patroller,
            base_url=base,
            pages=pages,
            links=pages * 11 + rng.randrange(500),
            broken=found,
            note=LINK_NOTE,
            clock=at(started),
        )
        summary.link_runs += 1
        summary.broken_links += run.broken
        if week == LINK_RUNS_2021 - 1:
            continue  # the last week's findings stay open, as after any real run
        for link in run.sightings.select_related("link"):
            fixed = at(started + dt.timedelta(days=rng.randint(1, 3), hours=2))
            supervision.broken_link_mark_fixed(actor=editor, link=link.link, clock=fixed)


# ---------------------------------------------------------------------------------------------
# LED screen
def load_screen(cast: Cast, summary: ControlSummary) -> None:
    """Seventeen campaigns (期) of 2021 on the hall's LED screen, each shown for a few weeks."""
    editor = cast.users["demo-editor"]
    for n, text in enumerate(SCREEN_TOPICS[:SCREEN_CAMPAIGNS_2021]):
        start = sh(2021, 1, 6, 8, 0) + dt.timedelta(days=21 * n)
        portal.screen_announcement_create(
            actor=editor, text=text, starts_at=start, ends_at=start + dt.timedelta(days=14), position=n
        )
        summary.screen_campaigns += 1


# ---------------------------------------------------------------------------------------------
# Participation
def _approve_chain(cast: Cast, item: Any, moment: dt.datetime) -> Any:
    for n, username in enumerate(("demo-first", "demo-review", "demo-second", "demo-signer"), 1):
        if item.status != ReleaseStatus.IN_REVIEW:
            break
        item = publishing.release_approve(
            actor=cast.users[username], item=item, clock=at(moment + dt.timedelta(hours=n))
        )
    return item


def load_participation(cast: Cast, summary: ControlSummary, seed: int) -> None:
    rng = random.Random(f"{seed}:participation")  # noqa: S311 - demo data
    editor, moderator = cast.users["demo-editor"], cast.users["demo-first"]
    consultations = list(
        Article.objects.filter(
            category__code="consultation", published_at__gte=sh(2021, 1, 1), published_at__lt=sh(2021, 12, 1)
        ).order_by("published_at", "pk")[:3]
    )
    remarks = [
        ("李先生", "建议在服务事项清单中明确电子保函的办理时限。", "13800000001"),
        ("示范市某建设工程有限公司", "希望增加远程异地评标项目的技术支持电话。", ""),
        ("王女士", "清单中“场地预约”一项建议支持手机端办理。", "wang@example.com"),
        ("匿名", "", ""),
    ]
    for article in consultations:
        published = article.published_at or sh(2021, 6, 1)
        consultation = participation.consultation_open(
            actor=editor,
            article_id=article.pk,
            opens_at=published,
            closes_at=published + dt.timedelta(days=15),
            clock=at(published + dt.timedelta(minutes=1)),
        )
        summary.consultations += 1
        for k, (name, text, contact) in enumerate(remarks[:3]):
            submitted = published + dt.timedelta(days=1 + 3 * k, hours=rng.randint(1, 8))
            comment = participation.comment_submit(
                consultation_id=consultation.pk,
                text=text or "同意。",
                display_name=name,
                contact=contact,
                clock=at(submitted),
            )
            decision = "approve" if k < 2 else "reject"
            participation.comment_moderate(
                actor=moderator,
                comment=comment,
                decision=decision,
                reason="" if decision == "approve" else "与征求意见内容重复，已合并处理",
                clock=at(submitted + dt.timedelta(days=1)),
            )
            summary.comments += 1
    # Questions of December 2021, answered then; published (with consent) in January 2022 so the
    # 2021 columns keep the report's counts.
    asked = [
        (
            "赵先生",
            "投标保证金退还时间",
            "请问项目中标结果公告后，未中标人的投标保证金多久退还？",
            "13900000002",
            True,
        ),
        ("某招标代理公司", "CA证书办理", "请问代理机构在哪里办理数字证书，是否可以异地办理？", "", True),
        ("孙女士", "开标现场", "不见面开标时投标人需要准备哪些设备？", "13700000003", False),
    ]
    answers = [
        "根据规定，招标人最迟应当在书面合同签订后5日内向未中标人退还投标保证金及银行同期存款利息。",
        "数字证书可通过示范市电子认证服务中心网上办理，无需到现场。",
        "投标人需准备可上网的电脑、数字证书及其驱动程序，按开标时间登录系统解密即可。",
    ]
    for k, (name, subject, text, contact, consent) in enumerate(asked):
        submitted = sh(2021, 12, 6 + 2 * k, 10, 0)
        question = participation.question_submit(
            asker_name=name,
            subject=subject,
            text=text,
            contact=contact,
            publish_consent=consent,
            clock=at(submitted),
        ).question
        question = participation.question_answer(
            actor=editor, question=question, answer=answers[k], clock=at(submitted + dt.timedelta(days=2))
        )
        summary.questions += 1
        if consent:
            moment = sh(2022, 1, 5 + k, 9, 0)
            article = participation.question_publish(actor=editor, question=question, clock=at(moment))
            _approve_chain(cast, article, moment)
    participation.question_submit(
        asker_name="钱先生",
        subject="招标文件下载",
        text="请问招标文件下载后显示乱码如何处理？",
        clock=system_clock,
    )
    summary.questions += 1
    document = (
        Article.objects.filter(category__code="key_document", published_at__lt=sh(2022, 1, 1))
        .order_by("published_at", "pk")
        .first()
    )
    if document is not None:
        moment = sh(2022, 1, 10, 9, 0)
        link = participation.interpretation_create(
            actor=editor,
            explains_id=document.pk,
            title=f"《{document.title}》政策解读",
            body_html=demo_data._paras(
                f"一、制定背景：为贯彻落实政务公开工作要求，示范市公共资源交易中心制定了《{document.title}》。",
                "二、主要内容：信息发布实行业务科室初审、综合办公室审核、分管领导复审、主管领导签发的多级审核制度。",
                "三、适用范围：交易中心门户网站及各类信息发布平台发布的政务信息和交易信息。",
            ),
            summary="对该文件的制定背景、主要内容和适用范围进行解读。",
            clock=at(moment),
        )
        _approve_chain(cast, link.article, moment)
        summary.interpretations += 1


# ---------------------------------------------------------------------------------------------
# Today: the agency's mandate, its signed notice, the section open for bidding
def _next_working_day(day: dt.date) -> dt.date:
    # The center's calendar (with the years an administrator entered), as the gate uses.
    calendar = work_calendar()
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


PDF = b"%PDF-1.4\n% demo tender file\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def load_current(
    cast: Cast,
    files: dict[str, tuple[Path, Path]],
    key_dir: Path,
    summary: ControlSummary,
    clock: Clock = system_clock,
) -> None:
    agent, tenderer_user = cast.users["demo-agency"], cast.users["demo-tenderer"]
    agency, tenderer = agent.organisation, tenderer_user.organisation
    assert agency is not None
    assert tenderer is not None
    cert_path, key_path = files[agency.credit_code]
    # Easy to find for a person signing in the browser.
    named_key, named_cert = key_dir / "demo-agency.key.pem", key_dir / "demo-agency.cert.pem"
    shutil.copyfile(key_path, named_key)
    named_key.chmod(0o600)
    shutil.copyfile(cert_path, named_cert)
    summary.key_path, summary.cert_path = str(named_key), str(named_cert)

    now = clock.now()
    today = local_date(now)
    name = f"{tenderer.name}综合楼维修改造工程"
    code = f"{today.year}-640400-48-01-{9000 + today.timetuple().tm_yday:06d}"
    publishing.agency_mandate_grant(
        clock=clock,
        actor=tenderer_user,
        tenderer=tenderer,
        agency=agency,
        project_code=code,
        project_name=name,
        valid_from=today,
    )
    project = trading.project_create(
        clock=clock,
        actor=tenderer_user,
        tenderer=tenderer,
        name=name,
        domain="construction",
        procedure="open_tendering",
        budget=Decimal("8600000.00"),
        code=code,
        agency=agency,
    )
    tender_project = trading.tender_project_create(
        actor=tenderer_user, project=project, name="施工招标", clock=clock
    )
    section = trading.section_create(
        clock=clock,
        actor=tenderer_user,
        tender_project=tender_project,
        name="施工标段",
        budget=Decimal("8600000.00"),
        price_cap=Decimal("8350000.00"),
    )
    issue_day = _next_working_day(today + dt.timedelta(days=1))
    start = dt.datetime.combine(issue_day, dt.time(9, 0), tzinfo=SHANGHAI)
    deadline_day = _next_working_day(issue_day + dt.timedelta(days=22))
    deadline = dt.datetime.combine(deadline_day, dt.time(9, 30), tzinfo=SHANGHAI)
    notice = publishing.agency_notice_create(
        clock=clock,
        actor=agent,
        title=f"{name}施工招标公告",
        body_html=demo_data._paras(
            f"一、项目概况：{name}已具备招标条件，招标人为{tenderer.name}，现对该项目的施工进行公开招标。",
            "二、投标人资格要求：具备建筑工程施工总承包三级及以上资质。",
            "三、招标文件的获取：投标人使用数字证书登录示范市公共资源交易网“不见面”交易系统下载招标文件。",
            f"四、投标截止时间及开标时间：{deadline:%Y年%m月%d日%H时%M分}，远程不见面开标。",
        ),
        kind="tender",
        domain="construction",
        procedure="open_tendering",
        project_code=code,
        project_name=name,
        section_code=section.code,
        section_name=section.name,
        budget=Decimal("8600000.00"),
        price_cap=Decimal("8350000.00"),
        file_issue_start=start,
        file_issue_end=start + dt.timedelta(days=7),
        bid_deadline=deadline,
        opening_at=deadline,
    )
    certificate = certs.load_certificates(cert_path.read_bytes())[0]
    signature = certs.sign_bytes(key_path.read_bytes(), publishing_selectors.notice_canonical_bytes(notice))
    notice = publishing.agency_notice_submit(
        clock=clock,
        actor=agent,
        notice=notice,
        certificate_der=certs.der(certificate),
        signature=signature,
        confirm_warnings=True,
    )
    summary.signed_notice_id = notice.pk
    section = trading.section_update(
        clock=clock,
        actor=tenderer_user,
        section=section,
        name=section.name,
        budget=section.budget,
        price_cap=section.price_cap,
        bid_deadline=deadline,
        opening_at=deadline,
        summary_keys=["price", "duration"],
        evaluation_method="comprehensive_assessment",
        evaluation_params=DEMO_WORKS_METHOD,
    )
    trading.tender_file_upload(
        actor=tenderer_user,
        section=section,
        name="招标文件.pdf",
        content=io.BytesIO(PDF),
        title="招标文件",
        clock=clock,
    )
    published = Notice.objects.get(pk=notice.pk)
    section = trading.section_link_tender_notice(
        actor=tenderer_user, section=section, notice=published, clock=clock
    )
    trading.section_publish(actor=tenderer_user, section=section, clock=clock)
    summary.section_code = section.code


# The demo section's 综合评估法 as its tender file announces it (ggzy.evaluation.methods JSON).
DEMO_WORKS_METHOD: dict[str, Any] = {
    "method": "comprehensive_assessment",
    "category": "works",
    "criteria": [
        {"key": "tech", "name": "施工组织设计", "points": "35", "kind": "subjective"},
        {"key": "team", "name": "项目管理机构", "points": "15", "kind": "subjective"},
    ],
    "price_points": "50",
    "base_price": {"kind": "trimmed_mean", "k": {"low": "0.95", "high": "0.98", "step": "0.01"}},
    "slopes": {"above": "1", "below": "0.5"},
    "tie_break": ["lower_bid_price"],
    "candidate_count": 3,
    "deviation_check": {"points": "10"},
}


def load_current_or_explain(
    cast: Cast,
    files: dict[str, tuple[Path, Path]],
    key_dir: Path,
    summary: ControlSummary,
    clock: Clock = system_clock,
) -> bool:
    """:func:`load_current`, or — when its dates run into a year the calendar lacks — nothing
    (rolled back) and the reason in ``summary.current_skipped``. The official calendar ends with
    2026: in December the bidding period runs into a year nobody entered yet (``ggzy calendar``);
    saying so beats inventing working days."""
    try:
        with transaction.atomic():
            load_current(cast, files, key_dir, summary, clock=clock)
    except CalendarDataMissing as exc:
        summary.current_skipped = f"未导入当前招标项目（需先录入下一年度的节假日安排）：{exc.message}"
        summary.signed_notice_id, summary.section_code = None, ""
        return False
    return True


# ---------------------------------------------------------------------------------------------
def load_control_demo(
    *,
    cast: Cast | None = None,
    key_dir: Path | None = None,
    seed: int = 2021,
    scale: int = 1,
    progress: Progress | None = None,
) -> ControlSummary:
    """Load everything above (the caller ran :func:`demo_data.demo_load` with scale ≥ 1 first)."""
    cast = cast or demo_data.ensure_cast()
    key_dir = key_dir or default_key_dir()
    summary = ControlSummary()

    def step(label: str, run: Callable[[], Any]) -> Any:
        if progress:
            progress(label)
        started = time.monotonic()
        result = run()
        summary.seconds[label] = round(time.monotonic() - started, 2)
        return result

    debug = settings.DEBUG
    settings.DEBUG = False  # see demo_data.demo_load: no query log during a load
    try:
        agencies, publishers = step("agencies", lambda: load_agencies(cast, summary))
        files = step("pledges", lambda: load_pledges(agencies, publishers, key_dir, summary, seed))
        step("violations", lambda: load_violations(cast, summary, seed))
        step("patrol", lambda: load_patrol(cast, publishers, summary, seed, bulk_ok=scale > 1))
        step("links", lambda: load_link_checks(cast, summary, seed))
        step("screen", lambda: load_screen(cast, summary))
        step("participation", lambda: load_participation(cast, summary, seed))
        step("current", lambda: load_current_or_explain(cast, files, key_dir, summary))
    finally:
        settings.DEBUG = debug
    return summary
