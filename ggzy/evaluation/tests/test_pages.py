"""The pages refuse garbage and strangers with a message (never a 500), and show an expert only
its own committee's sections."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ggzy.core.clock import FixedClock
from ggzy.evaluation.views import pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def fixed(monkeypatch: Any, eclock: FixedClock) -> FixedClock:
    monkeypatch.setattr(pages, "clock", eclock)
    return eclock


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_room_list_only_own_and_declaration_gate(world: Any, room: Any, fixed: Any) -> None:
    expert = as_user(world.experts[0])
    listing = expert.get("/manage/evaluation/").content.decode()
    assert room.section.code in listing
    page = expert.get(f"/manage/evaluation/{room.pk}/").content.decode()
    assert "无利害关系声明" in page and "乙设备有限公司" not in page
    response = expert.post(f"/manage/evaluation/{room.pk}/", {"action": "declare"})
    assert response.status_code == 200 and "回避" in response.content.decode()
    response = expert.post(f"/manage/evaluation/{room.pk}/", {"action": "declare", "no_conflict": "yes"})
    assert response.status_code == 302
    assert "乙设备有限公司" in expert.get(f"/manage/evaluation/{room.pk}/").content.decode()


def test_strangers_refused(world: Any, room: Any, fixed: Any, make_user: Any, make_org: Any) -> None:
    other_expert = make_user("expert", org=world.experts[0].organisation, username="outsider")
    response = as_user(other_expert).get(f"/manage/evaluation/{room.pk}/")
    assert response.status_code == 403 and "不是本标段评标委员会成员" in response.content.decode()
    assert room.section.code not in as_user(other_expert).get("/manage/evaluation/").content.decode()
    assert as_user(world.bidders[0]).get(f"/manage/evaluation/{room.pk}/report.pdf").status_code == 403
    assert as_user(world.experts[0]).get(f"/manage/evaluation/{room.pk}/award/").status_code == 403
    assert as_user(world.tenderer).get(f"/manage/evaluation/{room.pk}/report.pdf").status_code == 404
    assert as_user(world.tenderer).get(f"/manage/evaluation/{room.pk}/objection/").status_code == 403
    assert as_user(world.experts[0]).get("/manage/evaluation/999999/").status_code == 404
    assert Client().get(f"/manage/evaluation/{room.pk}/").status_code == 302  # login first


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "nonsense"},
        {"action": "vote", "candidate": "x"},
        {"action": "vote", "candidate": "999999"},
        {"action": "review", "bid": "abc", "verdict": "pass"},
        {"action": "review", "bid": "1"},
        {"action": "score", "bid": "-1"},
        {"action": "sign_report", "report_sha256": "zz"},
    ],
)
def test_garbage_posts_show_a_message(world: Any, room: Any, fixed: Any, data: dict[str, str]) -> None:
    expert = as_user(world.experts[0])
    expert.post(f"/manage/evaluation/{room.pk}/", {"action": "declare", "no_conflict": "yes"})
    response = expert.post(f"/manage/evaluation/{room.pk}/", data)
    assert response.status_code == 200
    assert 'id="action-error"' in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "publicity", "starts_at": "not a date", "ends_at": ""},
        {"action": "answer", "objection": "x"},
        {"action": "confirm"},
        {"action": "award_notice"},
        {"action": "?"},
    ],
)
def test_award_page_garbage(world: Any, room: Any, fixed: Any, data: dict[str, str]) -> None:
    response = as_user(world.staff).post(f"/manage/evaluation/{room.pk}/award/", data)
    assert response.status_code == 200 and 'id="action-error"' in response.content.decode()


def test_public_verify_of_missing_letter_is_404(world: Any, room: Any) -> None:
    for url in (
        f"/evaluation/award/{room.pk}/",
        f"/evaluation/award/{room.pk}/letter.pdf",
        "/evaluation/award/0/letter.sig",
    ):
        assert Client().get(url).status_code == 404
    assert b"PUBLIC KEY" in Client().get("/evaluation/platform-key.pem").content


def test_nav_has_the_evaluation_room_for_experts(world: Any) -> None:
    assert 'id="nav-evaluation"' in as_user(world.experts[0]).get("/manage/evaluation/").content.decode()
    assert 'id="nav-evaluation"' not in as_user(world.tenderer).get("/manage/").content.decode()
