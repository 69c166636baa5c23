"""Demo data for 依申请公开: two demo accounts and a dozen applications in 2025 and 2026 that go
through the real services (receipt, 补正, consultation, extension, fees, replies, the automatic
closures, a review and a lawsuit), so every screen, the API and the report tables have something
to show and all 勾稽关系 hold.

2021 stays at **zero** applications: the seed-2021 profile reproduces the center's real 2021
annual report, whose table 三 is all zeros.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import Organisation, User
from ggzy.accounts.selectors import DEMO_PASSWORD
from ggzy.accounts.services import user_create
from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.disclosure import services
from ggzy.disclosure.models import DisclosureRequest

DEMO_OFFICER = "demo-disclosure"
DEMO_HEAD = "demo-disclosure-head"
YEARS = (2025, 2026)  # never 2021 (see the module docstring)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(first17: str) -> str:
    """A resident identity number with its GB 11643 check character (demo people only)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def at(day: dt.date, hour: int = 10) -> FixedClock:
    return FixedClock(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI).astimezone(dt.UTC))


D = dt.date
PEOPLE = {
    "wang": (
        "王建国",
        resident_id("64040219750312003"),
        "13995412345",
        "wjg1975@example.com",
        "示范市原州区文化路12号",
    ),
    "li": ("李秀兰", resident_id("64040219820517004"), "13709548765", "", "示范市西吉县吉强镇兴隆街8号"),
    "zhao": ("赵明", resident_id("64040220010908001"), "18695401234", "zhaoming@example.com", ""),
    "chen": (
        "陈静",
        resident_id("64040219900101002"),
        "15809541122",
        "chenjing@example.com",
        "示范市原州区六盘山路3号",
    ),
}
ORGS = {
    "business": ("示范宏远建设工程有限公司", "91640400MA76XK2P3L", "刘经理"),
    "research": ("宁夏示范大学公共管理学院", "12640000MB1234567X", "周老师"),
    "legal_service": ("宁夏正诚律师事务所", "31640000MD0123456Y", "孙律师"),
    "public_interest": ("示范市环保志愿者协会", "51640400MJ0011223Z", "吴会长"),
    "other": ("示范市原州区某村民委员会", "54640402MF0099887W", "郑主任"),
}


@dataclass
class DemoSummary:
    users: list[str] = field(default_factory=list)
    requests: int = 0
    review_cases: int = 0
    registries: int = 0
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "requests": self.requests,
            "review_cases": self.review_cases,
            "registries": self.registries,
            "skipped": self.skipped,
        }


def _center() -> Organisation:
    center = Organisation.objects.filter(kind=OrganisationKind.CENTER).order_by("pk").first()
    if center is None:
        raise ValueError("demo center missing: run the seed profile's cast first")
    return center


def ensure_users() -> tuple[User, User]:
    center = _center()
    users: dict[str, User] = {
        u.username: u for u in User.objects.filter(username__in=[DEMO_OFFICER, DEMO_HEAD])
    }
    for username, name, role in (
        (DEMO_OFFICER, "马经办", Role.DISCLOSURE_OFFICER),
        (DEMO_HEAD, "杨主任", Role.DISCLOSURE_HEAD),
    ):
        if username not in users:
            users[username] = user_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                organisation=center,
                display_name=name,
                roles=[role],
            )
    officer = users[DEMO_OFFICER]
    if not officer.email:
        officer.email = "xxgk@ggzy.example.gov.cn"  # receives the deadline reminders
        officer.save(update_fields=["email"])
    return officer, users[DEMO_HEAD]


def _person(key: str, **kw: Any) -> services.ApplicantInput:
    name, number, phone, email, address = PEOPLE[key]
    return services.ApplicantInput(
        kind="natural_person",
        name=name,
        id_doc_type="resident_id",
        id_number=number,
        phone=phone,
        email=email,
        address=address,
        **kw,
    )


def _org(kind: str) -> services.ApplicantInput:
    name, code, contact = ORGS[kind]
    return services.ApplicantInput(
        kind=kind,
        name=name,
        id_doc_type="credit_code",
        id_number=code,
        phone="0954-2012345",
        email=f"{kind}@example.com",
        address="示范市原州区中山街100号",
        contact_person=contact,
    )


def _info(name: str, *, delivery: str = "email", form: str = "electronic", **kw: Any) -> services.InfoInput:
    return services.InfoInput(form=form, delivery_method=delivery, name=name, **kw)


class _Loader:
    def __init__(self, officer: User, head: User) -> None:
        self.officer, self.head = officer, head
        self.summary = DemoSummary(users=[officer.username, head.username])

    def register(
        self,
        day: dt.date,
        applicant: services.ApplicantInput,
        info: services.InfoInput,
        channel: str = "in_person",
    ) -> DisclosureRequest:
        confirmed = day if channel in ("fax", "email", "post_unsigned") else None
        result = services.disclosure_request_register(
            actor=self.officer,
            channel=channel,
            applicant=applicant,
            info=info,
            arrived_on=day,
            confirmed_on=confirmed,
            clock=at(day),
        )
        self.summary.requests += 1
        return result.request

    def online(
        self, day: dt.date, confirm: dt.date, applicant: services.ApplicantInput, info: services.InfoInput
    ) -> Any:
        result = services.disclosure_request_submit(applicant=applicant, info=info, clock=at(day))
        self.summary.requests += 1
        return services.disclosure_request_confirm_receipt(
            actor=self.officer, request=result.request, confirmed_on=confirm, clock=at(confirm)
        )

    def reply(
        self, request: DisclosureRequest, outcome: str, basis: str, day: dt.date, text: str = ""
    ) -> None:
        reply = services.disclosure_reply(
            actor=self.officer,
            request=request,
            outcome=outcome,
            legal_basis=basis,
            text=text,
            replied_on=day,
            clock=at(day),
        )
        services.disclosure_reply_mark_delivered(
            actor=self.officer, reply=reply, method=request.delivery_method, clock=at(day, 16)
        )

    def year_2025(self) -> None:
        o = self.officer
        r = self.register(D(2025, 3, 10), _person("wang"), _info("2024年度示范市政府采购项目中标结果汇总"))
        self.reply(
            r,
            "3.1",
            "《中华人民共和国政府信息公开条例》第三十六条第（二）项",
            D(2025, 3, 24),
            "所申请信息予以公开，见附件。",
        )

        r = self.online(
            D(2025, 5, 11), D(2025, 5, 12), _org("business"), _info("示范市第一中学教学楼改造工程评标报告")
        )
        services.disclosure_consultation_start(
            actor=o,
            request=r,
            party="third_party",
            on=D(2025, 5, 20),
            note="涉及其他投标人商业秘密",
            clock=at(D(2025, 5, 20)),
        )
        services.disclosure_consultation_end(actor=o, request=r, on=D(2025, 6, 3), clock=at(D(2025, 6, 3)))
        self.reply(
            r,
            "3.2",
            "《中华人民共和国政府信息公开条例》第十五条、第三十七条",
            D(2025, 6, 10),
            "评标报告中涉及其他投标人商业秘密的内容不予公开，其余内容予以公开。",
        )

        wanted = _info("2019年示范市某水利工程招标文件原件", delivery="post", form="paper")
        legal = self.register(D(2025, 7, 1), _org("legal_service"), wanted, channel="post_signed")
        self.reply(legal, "3.4.1", "《中华人民共和国政府信息公开条例》第三十六条第（四）项", D(2025, 7, 15))
        case = services.review_case_record(
            actor=o,
            kind="administrative_review",
            filed_on=D(2025, 7, 28),
            request=legal,
            case_number="示复〔2025〕17号",
            subject="不服政府信息公开答复",
            clock=at(D(2025, 7, 28)),
        )
        services.review_case_decide(
            actor=o, case=case, result="upheld", decided_on=D(2025, 9, 26), clock=at(D(2025, 9, 26))
        )
        self.summary.review_cases += 1

        r = self.register(
            D(2025, 9, 15),
            _org("research"),
            _info("", description="近年来工程建设项目的有关数据"),
            channel="email",
        )
        services.disclosure_amendment_request(
            actor=o,
            request=r,
            items="请明确所需信息的年份范围、项目类别及具体内容",
            deadline=D(2025, 9, 30),
            on=D(2025, 9, 17),
            clock=at(D(2025, 9, 17)),
        )
        services.disclosure_close_unanswered_amendment(request=r, clock=at(D(2025, 10, 9)))

        # Open on 31 December 2025: carried over into 2026 and answered there.
        r = self.register(
            D(2025, 12, 15),
            _person("li"),
            _info("示范市某安置房项目施工合同", delivery="collect", form="paper"),
        )
        self.reply(
            r,
            "3.3.4",
            "《中华人民共和国政府信息公开条例》第十五条",
            D(2026, 1, 9),
            "所申请信息涉及第三方商业秘密，第三方不同意公开。",
        )

        services.normative_document_record(
            actor=o,
            kind="normative_document",
            title="示范市公共资源交易平台服务管理办法",
            doc_number="示公管规〔2025〕1号",
            issued_on=D(2025, 4, 1),
            clock=at(D(2025, 4, 1)),
        )
        self.summary.registries += 1

    def year_2026(self) -> None:
        o = self.officer
        r = self.register(
            D(2026, 2, 2),
            _person("chen"),
            _info("2025年度示范市建设工程招标投标情况统计", delivery="post", form="paper"),
        )
        services.disclosure_fee_notice_issue(
            actor=o, request=r, standard="by_volume", pages=150, on=D(2026, 2, 5), clock=at(D(2026, 2, 5))
        )
        services.disclosure_fee_payment_record(
            actor=o, request=r, amount=Decimal("1700.00"), on=D(2026, 2, 10), clock=at(D(2026, 2, 10))
        )
        self.reply(r, "3.1", "《中华人民共和国政府信息公开条例》第三十六条第（二）项", D(2026, 3, 2))

        complaint = self.online(
            D(2026, 3, 16),
            D(2026, 3, 17),
            _org("public_interest"),
            _info("", description="举报某工地夜间施工扰民，要求查处"),
        )
        self.reply(
            complaint,
            "3.5.1",
            "《中华人民共和国政府信息公开条例》第三十九条第一款",
            D(2026, 3, 27),
            "请通过12345热线反映。",
        )
        services.review_case_record(
            actor=o,
            kind="lawsuit_direct",
            filed_on=D(2026, 4, 20),
            request=complaint,
            case_number="（2026）宁0402行初5号",
            subject="政府信息公开答复",
            clock=at(D(2026, 4, 20)),
        )
        self.summary.review_cases += 1

        r = self.register(D(2026, 4, 13), _person("zhao"), _info("2025年示范市政府采购代理机构监督检查结果"))
        services.disclosure_extend(
            actor=o,
            request=r,
            days=10,
            approved_by=self.head,
            reason="涉及十余家代理机构的检查档案，需逐一调取核实",
            on=D(2026, 5, 6),
            clock=at(D(2026, 5, 6)),
        )
        self.reply(r, "3.2", "《中华人民共和国政府信息公开条例》第三十七条", D(2026, 5, 20))

        r = self.register(
            D(2026, 6, 1),
            _org("other"),
            _info("示范市某村道路硬化工程全部档案", delivery="post", form="paper"),
            channel="fax",
        )
        services.disclosure_fee_notice_issue(
            actor=o, request=r, standard="by_volume", pages=60, on=D(2026, 6, 4), clock=at(D(2026, 6, 4))
        )
        services.disclosure_close_unpaid_fee(request=r, clock=at(D(2026, 7, 15)))

        # Still open today: one running, one awaiting a 补正.
        self.online(
            D(2026, 11, 2), D(2026, 11, 3), _person("wang"), _info("2026年示范市第二批政府采购意向公开汇总")
        )
        r = self.register(
            D(2026, 11, 16), _org("business"), _info("", description="贵中心关于我公司的处理意见")
        )
        services.disclosure_amendment_request(
            actor=o,
            request=r,
            items="请写明所需处理意见的名称、文号或作出时间",
            deadline=D(2026, 12, 4),
            on=D(2026, 11, 18),
            clock=at(D(2026, 11, 18)),
        )

        for number, day in (("示公管罚〔2026〕1号", D(2026, 3, 18)), ("示公管罚〔2026〕2号", D(2026, 9, 8))):
            services.administrative_decision_record(
                actor=o,
                kind="penalty",
                decided_on=day,
                decision_number=number,
                title="招标代理机构违规行为处理",
                clock=at(day),
            )
            self.summary.registries += 1


def load_disclosure_demo(*, year_from: int = 2021) -> DemoSummary:
    """Create the two demo accounts (``demo-disclosure`` 信息公开经办人, ``demo-disclosure-head``
    负责人, password as the other demo accounts) and the demo applications of the years in
    ``YEARS`` from ``year_from`` on. Idempotent: when any application exists, only the accounts are
    ensured."""
    officer, head = ensure_users()
    loader = _Loader(officer, head)
    if DisclosureRequest.objects.exists():
        loader.summary.skipped = True
        return loader.summary
    with transaction.atomic():
        if year_from <= 2025:
            loader.year_2025()
        if year_from <= 2026:
            loader.year_2026()
    return loader.summary
