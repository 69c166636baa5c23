"""Tenderer representatives (招标人代表) named with a draw, through the real services and
database: named at the request or later while it is a request, only verified users of the
tenderer itself, the composition rule refused in Chinese at the request, the draw refused until
every representative is named, a new draw after a failure keeps them, every step audited."""

from __future__ import annotations

from typing import Any

import pytest

from ggzy.accounts import services as accounts
from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.experts import services
from ggzy.experts.models import Draw, DrawRepresentative
from ggzy.experts.services import DemandInput
from ggzy.experts.tests.conftest import EVAL_AT
from ggzy.sealing import testing as pki

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def ca() -> Any:
    return pki.make_ca("示范CA根证书")


def verify_identity(ca: Any, org: Any, member: Any, clock: FixedClock) -> None:
    """The organisation binds a certificate of a trusted CA (the platform's identity check)."""
    from ggzy.accounts.models import TrustedRoot

    if not TrustedRoot.objects.exists():
        accounts.trusted_root_import(actor=None, data=pki.cert_pem(ca[0]), name="示范CA", clock=clock)
    leaf, _ = pki.make_leaf(*ca, org_name=org.name, credit_code=org.credit_code)
    accounts.certificate_bind(actor=member, organisation=org, data=pki.cert_pem(leaf), clock=clock)


@pytest.fixture
def rep(world: Any, make_user: Any, ca: Any, eclock: FixedClock) -> Any:
    user = make_user("tenderer", org=world.tenderer_org, username="rep-wang")
    user.display_name = "王代表"
    user.save(update_fields=["display_name"])
    verify_identity(ca, world.tenderer_org, world.tenderer, eclock)
    return user


def request(world: Any, section: Any, clock: FixedClock, *, reps: int, users: Any = None) -> Draw:
    return services.draw_request_create(
        actor=world.tenderer,
        section=section,
        demands=[DemandInput("A0801", 4, 2)],
        representatives=reps,
        representative_users=users,
        region_scope=[],
        evaluation_at=EVAL_AT,
        evaluation_place="示范市公共资源交易中心第三评标室",
        clock=clock,
    )


def test_named_at_request_then_drawn(
    world: Any, make_section: Any, pool: list[Any], rep: Any, eclock: FixedClock
) -> None:
    draw = request(world, make_section(), eclock, reps=1, users=[rep])
    assert [(r.user, r.name, r.named_by) for r in DrawRepresentative.objects.filter(draw=draw)] == [
        (rep, "王代表", world.tenderer)
    ]
    event = Event.objects.get(action="experts.representatives_named", target_id=str(draw.pk))
    assert event.data["names"] == ["王代表"] and event.data["users"] == [rep.pk]
    draw = services.draw_commit(actor=world.tenderer, draw=draw, clock=eclock)
    assert draw.status == "committed"
    # named representatives can no longer be changed once the commitment is published
    with pytest.raises(InvalidTransition):
        services.draw_representatives_set(actor=world.tenderer, draw=draw, users=[], clock=eclock)


def test_draw_refused_until_every_representative_is_named(
    world: Any, make_section: Any, pool: list[Any], rep: Any, eclock: FixedClock
) -> None:
    draw = request(world, make_section(), eclock, reps=1)
    assert not DrawRepresentative.objects.filter(draw=draw).exists()
    with pytest.raises(ValidationFailed, match="招标人代表人数为 1 人，已指定 0 人") as info:
        services.draw_commit(actor=world.tenderer, draw=draw, clock=eclock)
    assert info.value.code == "representatives"
    draw.refresh_from_db()
    assert draw.status == "draft" and draw.commitment == ""
    services.draw_representatives_set(actor=world.tenderer, draw=draw, users=[rep], clock=eclock)
    assert services.draw_commit(actor=world.tenderer, draw=draw, clock=eclock).status == "committed"


def test_composition_refused_at_request_in_chinese(
    world: Any, make_section: Any, pool: list[Any], rep: Any, eclock: FixedClock, settings: Any
) -> None:
    before = Draw.objects.count()
    # 3 experts + 2 representatives: 3/5 < 2/3
    with pytest.raises(
        ValidationFailed, match="专家不得少于评标委员会成员总数的三分之二：当前专家 3 人、招标人代表 2 人"
    ):
        services.draw_request_create(
            actor=world.tenderer,
            section=make_section(),
            demands=[DemandInput("A0801", 3, 0)],
            representatives=2,
            region_scope=[],
            evaluation_at=EVAL_AT,
            evaluation_place="第三评标室",
            clock=eclock,
        )
    # the share is configuration: at 5/6 even 4 experts + 1 representative is refused
    settings.GGZY_EXPERTS = {"min_expert_share": "5/6"}
    with pytest.raises(ValidationFailed, match="六分之五"):
        request(world, make_section(), eclock, reps=1, users=[rep])
    assert Draw.objects.count() == before


def test_only_verified_users_of_the_tenderer(
    world: Any, make_section: Any, make_user: Any, pool: list[Any], rep: Any, eclock: FixedClock, ca: Any
) -> None:
    section = make_section()
    draw = request(world, section, eclock, reps=1)
    agency_staff = make_user("agency_publisher", org=world.agency_org, username="agency-li")
    no_role = make_user(org=world.tenderer_org, username="clerk")
    unnamed = make_user("tenderer", org=world.tenderer_org, username="noname")
    unnamed.display_name = ""
    unnamed.save(update_fields=["display_name"])
    other_org_rep = world.other_tenderer  # a tenderer, but of another organisation (no certificate)
    for user, reason in [
        (agency_staff, "不是本项目招标人（采购人）单位的人员"),
        (other_org_rep, "不是本项目招标人（采购人）单位的人员"),
        (no_role, "没有招标人（采购人）角色"),
        (unnamed, "未登记真实姓名"),
    ]:
        with pytest.raises(ValidationFailed, match=reason):
            services.draw_representatives_set(actor=world.tenderer, draw=draw, users=[user], clock=eclock)
    with pytest.raises(ValidationFailed, match="须指定 1 人"):
        services.draw_representatives_set(actor=world.tenderer, draw=draw, users=[rep, rep], clock=eclock)
    # someone else's tenderer may not name anyone on this draw
    with pytest.raises(PermissionDenied):
        services.draw_representatives_set(actor=world.other_tenderer, draw=draw, users=[rep], clock=eclock)
    assert not DrawRepresentative.objects.filter(draw=draw).exists()
    # a deactivated account is refused even when named earlier: checked again at the commitment
    services.draw_representatives_set(actor=world.tenderer, draw=draw, users=[rep], clock=eclock)
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed, match="账号已停用"):
        services.draw_commit(actor=world.tenderer, draw=draw, clock=eclock)


def test_identity_not_verified_without_a_certificate(
    world: Any, make_section: Any, make_org: Any, make_user: Any, pool: list[Any], eclock: FixedClock
) -> None:
    org = make_org("tenderer", "示范市第二中学")
    owner = make_user("tenderer", org=org, username="t2")
    section = make_section()
    section.tender_project.project.tenderer = org
    section.tender_project.project.save(update_fields=["tenderer"])
    draw = services.draw_request_create(
        actor=owner,
        section=section,
        demands=[DemandInput("A0801", 4, 0)],
        representatives=1,
        region_scope=[],
        evaluation_at=EVAL_AT,
        evaluation_place="第三评标室",
        clock=eclock,
    )
    with pytest.raises(ValidationFailed, match="尚未绑定有效的数字证书，身份未经核验"):
        services.draw_representatives_set(actor=owner, draw=draw, users=[owner], clock=eclock)


def test_redo_keeps_the_representatives(
    world: Any, make_section: Any, pool: list[Any], rep: Any, eclock: FixedClock
) -> None:
    draw = services.draw_request_create(
        actor=world.tenderer,
        section=make_section(),
        demands=[DemandInput("A0801", 4, 0)],  # no reserves: a silent expert fails the draw
        representatives=1,
        representative_users=[rep],
        region_scope=[],
        evaluation_at=EVAL_AT,
        evaluation_place="第三评标室",
        clock=eclock,
    )
    draw = services.draw_commit(actor=world.tenderer, draw=draw, clock=eclock)
    services.draw_entropy_add(actor=world.tenderer, draw=draw, role="tenderer", value="5 1 4", clock=eclock)
    services.draw_execute(actor=world.tenderer, draw=draw, clock=eclock)
    eclock.advance(minutes=121)
    services.seats_sweep(clock=eclock)
    draw.refresh_from_db()
    assert draw.status == "failed"
    new = services.draw_redo(actor=world.tenderer, draw=draw, clock=eclock)
    assert new.representatives == 1
    assert list(DrawRepresentative.objects.filter(draw=new).values_list("user", flat=True)) == [rep.pk]


def test_draw_page_names_the_representatives(
    world: Any, make_section: Any, pool: list[Any], rep: Any, eclock: FixedClock
) -> None:
    from django.test import Client

    from ggzy.experts.views import common

    common.clock = eclock
    try:
        draw = request(world, make_section(), eclock, reps=1)
        c = Client()
        c.force_login(world.tenderer)
        page = c.get(f"/manage/experts/draws/{draw.pk}/").content.decode()
        assert 'id="representatives-form"' in page and f'value="{rep.pk}"' in page
        # garbage and someone not offered (another organisation's user) are refused in Chinese
        for bad in ("x", str(world.other_tenderer.pk)):
            r = c.post(f"/manage/experts/draws/{draw.pk}/representatives/", {"representative": bad})
            assert r.status_code == 400 and "请选择本单位的招标人代表" in r.content.decode()
        # committing first is refused with the reason on the page
        r = c.post(f"/manage/experts/draws/{draw.pk}/commit/")
        assert r.status_code == 400 and "须指定全部招标人代表后方可抽取" in r.content.decode()
        r = c.post(f"/manage/experts/draws/{draw.pk}/representatives/", {"representative": str(rep.pk)})
        assert r.status_code == 302
        assert list(DrawRepresentative.objects.filter(draw=draw).values_list("user", flat=True)) == [rep.pk]
        page = c.get(f"/manage/experts/draws/{draw.pk}/").content.decode()
        assert '<span id="representative-names">王代表</span>' in page
        # the supervisor's view of the draw does not show the representatives' names
        s = Client()
        s.force_login(world.supervisor)
        r = s.get(f"/manage/experts/draws/{draw.pk}/")
        assert r.status_code == 200 and "王代表" not in r.content.decode()
    finally:
        from ggzy.core.clock import system_clock

        common.clock = system_clock
