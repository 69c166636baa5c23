"""Building what the evaluation reads, through the real services of the other apps (no rows made
by hand): a published section with its evaluation method (trading), bidders with bound
certificates and registered envelope keys whose bids are sealed with ggzy.sealing and submitted
(replaced or withdrawn when planned), the opening run to its close with each bid decrypted by its
bidder's own key or failed and marked per Art. 31 (opening), and the expert draw — pool, request,
commitment, entropy, draw, one decline answered by a reserve, confirmations (experts)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ggzy.core.clock import FixedClock
from ggzy.opening.tests.hallkit import PDF, Bidder, _org, _user, publish
from ggzy.sealing import kit
from ggzy.sealing import testing as pki

PASSWORD = "pw-1234567890"
_n = itertools.count(1)


@dataclass
class BidPlan:
    """What one bidder does: its price (and SME declaration) sealed in the bid summary; an
    optional replacement before the deadline; a withdrawal; how its bid fares at the opening
    (``decrypt``: "own" — its key opens it; "fail" — a wrong key, then marked 视为撤销)."""

    name: str
    price: str
    sme_kind: str | None = None
    sme_share: str | None = None
    replace_price: str | None = None
    withdraw: bool = False
    decrypt: str = "own"
    extra: dict[str, str] = field(default_factory=dict)

    def summary(self, price: str) -> dict[str, str]:
        out = {"price": price, **self.extra}
        if self.sme_kind is not None:
            out["sme_kind"] = self.sme_kind
        if self.sme_share is not None:
            out["sme_share"] = self.sme_share
        return out


@dataclass
class Real:
    """A section opened for real, and (after :func:`draw_committee`) its committee."""

    section: Any
    tenderer_org: Any
    tenderer: Any
    host: Any
    staff: dict[str, Any]
    clock: FixedClock
    bidders: dict[str, Bidder] = field(default_factory=dict)
    plans: dict[str, BidPlan] = field(default_factory=dict)
    first_versions: dict[str, Any] = field(default_factory=dict)
    session: Any = None
    draw: Any = None
    experts: list[Any] = field(default_factory=list)  # every pool expert made here
    confirmed: list[Any] = field(default_factory=list)  # experts who confirmed (the committee)
    declined: list[Any] = field(default_factory=list)
    avoided: list[Any] = field(default_factory=list)  # employed by a bidder: never drawn
    ca: Any = None  # the trusted CA (certificate, key) the section's organisations bind under

    def bid_of(self, name: str) -> Any:
        bid = self.bidders[name].bid
        bid.refresh_from_db()
        return bid

    def opened_names(self) -> list[str]:
        return sorted(n for n, p in self.plans.items() if not p.withdraw and p.decrypt == "own")


def build_section(
    clock: FixedClock,
    staff: dict[str, Any],
    *,
    domain: str,
    params: dict[str, Any],
    plans: list[BidPlan],
    budget: str = "1000000",
    price_cap: str | None = None,
    before_close: Callable[[Real], None] | None = None,
) -> Real:
    """Publish a section with ``params`` as its method (set through trading's section service),
    let each bidder seal and submit (and replace or withdraw) before the deadline, then
    ``before_close`` (e.g. a bidder sealing in the browser), and close bidding at the deadline."""
    from ggzy.accounts import services as account_services
    from ggzy.publishing import services as publishing
    from ggzy.trading import services

    n = next(_n)
    code = f"2026-640400-48-{'01' if domain == 'construction' else '02'}-{900000 + n:06d}"
    name = "示范市体育馆改造工程" if domain == "construction" else "示范市第一中学实验室设备采购"
    notice = publishing.notice_create(
        actor=staff["editor"],
        title=f"{name}{'施工招标' if domain == 'construction' else '采购'}公告",
        kind="tender",
        domain=domain,
        project_code=code,
        project_name=name,
        bid_deadline=dt.datetime(2026, 12, 31, 1, 30, tzinfo=dt.UTC),
    )
    notice = publish(staff, notice)
    tenderer_org = _org("tenderer", "示范市体育局" if domain == "construction" else "示范市第一中学")
    tenderer = _user("tenderer", tenderer_org, username=f"rt{n}-{tenderer_org.pk}")
    project = services.project_create(
        actor=tenderer,
        tenderer=tenderer_org,
        name=name,
        domain=domain,
        procedure="open_tendering",
        budget=Decimal(budget),
        code=code,
        clock=clock,
    )
    tp = services.tender_project_create(actor=tenderer, project=project, name="招标", clock=clock)
    section = services.section_create(
        actor=tenderer,
        tender_project=tp,
        name="一标段",
        budget=Decimal(budget),
        price_cap=Decimal(price_cap) if price_cap else None,
        clock=clock,
    )
    deadline = clock.now() + dt.timedelta(days=20)
    section = services.section_update(
        actor=tenderer,
        section=section,
        name=section.name,
        budget=section.budget,
        price_cap=section.price_cap,
        bid_deadline=deadline,
        opening_at=deadline,
        summary_keys=["price"],
        evaluation_method=str(params["method"]),
        evaluation_params=params,
        clock=clock,
    )
    services.tender_file_upload(
        actor=tenderer, section=section, name="招标文件.pdf", content=io.BytesIO(PDF), clock=clock
    )
    section = services.section_link_tender_notice(actor=tenderer, section=section, notice=notice, clock=clock)
    section = services.section_publish(actor=tenderer, section=section, clock=clock)
    ca = pki.make_ca("示范CA根证书")
    account_services.trusted_root_import(actor=None, data=pki.cert_pem(ca[0]), name="示范CA", clock=clock)
    real = Real(
        section=section,
        tenderer_org=tenderer_org,
        tenderer=tenderer,
        host=staff["editor"],
        staff=staff,
        clock=clock,
        ca=ca,
    )
    for plan in plans:
        org = _org("bidder", plan.name)
        user = _user("bidder", org, username=f"rb{n}-{org.pk}")
        cert, signing_key = pki.make_leaf(*ca, org_name=org.name, credit_code=org.credit_code)
        account_services.certificate_bind(actor=user, organisation=org, data=pki.cert_pem(cert), clock=clock)
        key = kit.generate_key()
        services.bidder_key_register(actor=user, public_key_pem=key.public_pem, clock=clock)
        b = Bidder(user=user, org=org, cert=cert, signing_key=signing_key, key=key)
        b.payload = b"%PDF-1.4 bid of " + org.name.encode() + b"\n" + os.urandom(64)
        sealed = b.seal(section, b.payload, summary=plan.summary(plan.price), escrow_pem=None)
        b.bid = services.bid_submit_file(actor=user, section=section, src=io.BytesIO(sealed), clock=clock)
        real.first_versions[plan.name] = b.bid
        if plan.replace_price is not None:
            clock.advance(minutes=5)
            sealed = b.seal(section, b.payload, summary=plan.summary(plan.replace_price), escrow_pem=None)
            b.bid = services.bid_submit_file(actor=user, section=section, src=io.BytesIO(sealed), clock=clock)
        if plan.withdraw:
            clock.advance(minutes=5)
            b.bid = services.bid_withdraw(actor=user, bid=b.bid, clock=clock)
        real.bidders[plan.name] = b
        real.plans[plan.name] = plan
    if before_close is not None:
        before_close(real)
    clock.at = deadline
    services.sections_close_due(clock=clock)
    section.refresh_from_db()
    real.section = section
    return real


def run_opening(real: Real) -> Any:
    """The opening hall from its start to its close: check-in, decryption (each bidder's own key;
    a "fail" bidder hands in a wrong key and is marked 视为撤销 after the window), readout,
    confirmations, the objection window, close (the record is generated and signed)."""
    from ggzy.core.errors import ValidationFailed
    from ggzy.opening import config as opening_config
    from ggzy.opening import services as opening

    clock, host = real.clock, real.host
    session = opening.opening_session_open(actor=None, section=real.section, clock=clock)
    current = {name: b for name, b in real.bidders.items() if not real.plans[name].withdraw}
    for b in current.values():
        opening.opening_check_in(actor=b.user, session=session, clock=clock)
    session = opening.opening_decryption_start(actor=host, session=session, clock=clock)
    failing = []
    for name, b in current.items():
        if real.plans[name].decrypt == "own":
            opening.content_key_submit(actor=b.user, bid=b.bid, content_key=b.content_key(b.bid), clock=clock)
        else:
            try:
                opening.content_key_submit(actor=b.user, bid=b.bid, content_key=os.urandom(32), clock=clock)
            except ValidationFailed:
                failing.append(b)
            else:  # pragma: no cover - a random key must not open an envelope
                raise AssertionError("a wrong content key opened a bid")
    clock.advance(minutes=real.section.decryption_minutes + 1)
    session = opening.opening_window_end(actor=host, session=session, clock=clock)
    for b in failing:
        opening.decryption_failure_mark(
            actor=host, bid=b.bid, bidder_fault=True, cause="投标人提交的解密密钥错误", clock=clock
        )
    session = opening.opening_readout_start(actor=host, session=session, clock=clock)
    for name, b in current.items():
        if real.plans[name].decrypt == "own":
            opening.readout_confirm(actor=b.user, bid=b.bid, clock=clock)
    session = opening.opening_objections_open(actor=host, session=session, clock=clock)
    clock.advance(minutes=opening_config.objection_minutes() + 1)
    real.session = opening.opening_close(actor=host, session=session, clock=clock)
    return real.session


def draw_committee(
    real: Real,
    *,
    specialty: str,
    size: int = 5,
    reserves: int = 2,
    pool: int = 8,
    declines: int = 1,
    avoid_bidder: str | None = None,
    answer: bool = True,
    representatives: Sequence[Any] = (),
) -> Any:
    """Give the center's pool ``pool`` experts with logins (plus, with ``avoid_bidder``, one
    employed by that bidder), request a committee of ``size`` with ``reserves`` reserves, commit,
    add the tenderer's entropy, draw; then (``answer``) :func:`answer_notices`."""
    from ggzy.experts import pii
    from ggzy.experts import services as experts

    clock, admin = real.clock, real.staff["system_admin"]
    expert_org = _org("expert", "示范市评标专家库")
    people = [(f"评审专家{chr(0x7532 + i)}", None) for i in range(pool)]  # 评审专家甲, 乙 …
    if avoid_bidder is not None:
        people.append(("回避专家", real.bidders[avoid_bidder].org))
    for i, (name, employer) in enumerate(people):
        n = next(_n)
        user = _user("expert", expert_org, username=f"re{n}-{i}")
        user.display_name = name
        user.save(update_fields=["display_name"])
        birth = dt.date(1970 + i % 20, 3, 1)
        data = experts.ExpertInput(
            name=name,
            id_number=pii.make_id_number("640402", birth, n % 900 + 1),
            title="高级工程师",
            title_level="deputy_senior",
            years=15,
            region="示范市",
            specialties=(specialty,),
            employer_credit_code=employer.credit_code if employer is not None else "",
            email=f"re{n}@example.com",
        )
        expert = experts.expert_create(actor=admin, data=data, user=user, clock=clock)
        real.experts.append(expert)
        if employer is not None:
            real.avoided.append(expert)
    draw = experts.draw_request_create(
        actor=real.tenderer,
        section=real.section,
        demands=[experts.DemandInput(specialty, size, reserves)],
        representatives=len(representatives),
        representative_users=list(representatives),
        region_scope=[],
        evaluation_at=clock.now() + dt.timedelta(hours=20),
        evaluation_place="示范市公共资源交易中心第三评标室",
        clock=clock,
    )
    draw = experts.draw_commit(actor=real.tenderer, draw=draw, clock=clock)
    experts.draw_entropy_add(
        actor=real.tenderer, draw=draw, role="tenderer", value="8 3 1 4 9 2", clock=clock
    )
    real.draw = experts.draw_execute(actor=real.tenderer, draw=draw, clock=clock)
    if answer:
        answer_notices(real, declines=declines)
    return real.draw


def answer_notices(real: Real, *, declines: int = 1) -> Any:
    """The notified experts answer: the first ``declines`` decline (a reserve is called up for
    each), every other one confirms, until nobody waits: the committee is formed."""
    from ggzy.experts import services as experts
    from ggzy.experts.models import Seat

    clock, draw = real.clock, real.draw
    left = declines
    while True:
        waiting = list(Seat.objects.filter(draw=draw, status="notified").select_related("expert"))
        if not waiting:
            break
        for seat in waiting:
            accept = left <= 0
            if not accept:
                left -= 1
                real.declined.append(seat.expert)
            else:
                real.confirmed.append(seat.expert)
            experts.seat_respond(
                actor=seat.expert.user,
                draw_id=draw.pk,
                seat_id=seat.pk,
                accept=accept,
                reason="" if accept else "评标当日另有公务",
                clock=clock,
            )
    draw.refresh_from_db()
    real.draw = draw
    return draw
