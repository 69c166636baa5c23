from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.core.clock import SHANGHAI, FixedClock


def at(day: dt.date, hour: int = 10) -> FixedClock:
    return FixedClock(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI).astimezone(dt.UTC))


@pytest.fixture
def people(make_user: Any, center: Any) -> dict[str, Any]:
    return {
        "officer": make_user("disclosure_officer", org=center, username="ar-officer"),
        "head": make_user("disclosure_head", org=center, username="ar-head"),
        "leader": make_user("second_reviewer", org=center, username="ar-leader"),
        "editor": make_user("editor", org=center, username="ar-editor"),
    }


@pytest.fixture
def jan_2026() -> FixedClock:
    """A working day in January 2026, when the 2025 report is due."""
    return at(dt.date(2026, 1, 12))


def reply(officer: Any, request: Any, outcome: str, day: dt.date) -> None:
    from ggzy.disclosure import services

    services.disclosure_reply(
        actor=officer,
        request=request,
        outcome=outcome,
        legal_basis="《中华人民共和国政府信息公开条例》第三十六条",
        replied_on=day,
        clock=at(day),
    )


def register(officer: Any, day: dt.date, kind: str = "natural_person") -> Any:
    from ggzy.disclosure import services
    from ggzy.disclosure.tests.conftest import applicant, info

    return services.disclosure_request_register(
        actor=officer,
        channel="in_person",
        applicant=applicant(kind),
        info=info(),
        arrived_on=day,
        clock=at(day),
    ).request


def case(
    officer: Any,
    kind: str,
    filed: dt.date,
    result: str | None,
    decided: dt.date | None,
    role: str = "original_actor",
) -> Any:
    from ggzy.disclosure import services

    c = services.review_case_record(
        actor=officer, kind=kind, center_role=role, filed_on=filed, subject="信息公开答复", clock=at(filed)
    )
    if result is not None and decided is not None:
        c = services.review_case_decide(
            actor=officer, case=c, result=result, decided_on=decided, clock=at(decided)
        )
    return c


D = dt.date
# 2025 (the report year): (applicant column, outcome or None for still open on 31 December).
PLAN_2025 = [
    ("natural_person", "3.1"),
    ("natural_person", "3.2"),
    ("natural_person", "3.4.1"),
    ("business", "3.1"),
    ("business", "3.3.4"),
    ("research", "3.5.2"),
    ("public_interest", "3.6.3"),
    ("legal_service", "3.3.6"),
    ("other", "3.4.2"),
    ("business", None),
    ("legal_service", None),
]


@pytest.fixture
def applications(people: dict[str, Any]) -> dict[str, Any]:
    """A known data set: one 2024 application carried into 2025 and closed there, eleven 2025
    applications (two still open on 31 December), and review/lawsuit cases."""
    officer = people["officer"]
    carried = register(officer, D(2024, 12, 23), "natural_person")
    reply(officer, carried, "3.1", D(2025, 1, 8))
    for i, (kind, outcome) in enumerate(PLAN_2025):
        req = register(officer, D(2025, 3, 3 + i % 4), kind)
        if outcome is not None:
            reply(officer, req, outcome, D(2025, 3, 24))
    case(officer, "administrative_review", D(2025, 4, 1), "upheld", D(2025, 6, 3))
    case(officer, "administrative_review", D(2025, 5, 6), "corrected", D(2025, 7, 1))
    case(officer, "administrative_review", D(2025, 11, 3), "upheld", D(2026, 1, 5))  # decided after 31 Dec
    case(officer, "lawsuit_direct", D(2025, 6, 2), None, None)
    case(officer, "lawsuit_after_review", D(2025, 8, 4), "other", D(2025, 10, 9))
    case(
        officer,
        "lawsuit_after_review",
        D(2025, 8, 4),
        "upheld",
        D(2025, 10, 9),
        role="review_body_co_defendant",
    )
    return {"carried": carried}
