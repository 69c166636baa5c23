"""Fixtures for the disclosure tests: handling staff, applicant data and a helper that registers
an application through the real services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ggzy.core.clock import FixedClock

ID_NUMBER = "11010519491231002X"  # the GB 11643 example number: valid check character
PHONE = "13912345678"
EMAIL = "zhang.san@example.com"
ADDRESS = "示范市民生路88号3单元502室"


def at(year: int, month: int, day: int) -> FixedClock:
    """A clock at 10:00 Shanghai time on the given day."""
    return FixedClock(dt.datetime(year, month, day, 2, 0, tzinfo=dt.UTC))


@pytest.fixture
def officer(make_user: Callable[..., Any], center: Any) -> Any:
    user = make_user("disclosure_officer", org=center, username="officer")
    user.email = "officer@example.gov.cn"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def head(make_user: Callable[..., Any], center: Any) -> Any:
    return make_user("disclosure_head", org=center, username="head")


def applicant(kind: str = "natural_person", **kw: Any) -> Any:
    from ggzy.disclosure.services import ApplicantInput

    values: dict[str, Any] = {
        "kind": kind,
        "name": "张三" if kind == "natural_person" else "示范科技有限公司",
        "id_doc_type": "resident_id",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "email": EMAIL,
        "address": ADDRESS,
    }
    values.update(kw)
    return ApplicantInput(**values)


def info(**kw: Any) -> Any:
    from ggzy.disclosure.services import InfoInput

    values: dict[str, Any] = {
        "form": "electronic",
        "delivery_method": "email",
        "name": "2026年度政府采购项目开标记录",
        "doc_number": "",
        "description": "",
    }
    values.update(kw)
    return InfoInput(**values)


@pytest.fixture
def register(officer: Any) -> Callable[..., Any]:
    """Register an in-person application received on ``day`` (day 0 of the clock)."""
    from ggzy.disclosure import services

    def run(day: dt.date, *, kind: str = "natural_person", clock: FixedClock | None = None, **kw: Any) -> Any:
        result = services.disclosure_request_register(
            actor=officer,
            channel=kw.pop("channel", "in_person"),
            applicant=applicant(kind, **kw.pop("applicant", {})),
            info=info(),
            arrived_on=day,
            clock=clock or at(day.year, day.month, day.day),
            **kw,
        )
        return result.request

    return run
