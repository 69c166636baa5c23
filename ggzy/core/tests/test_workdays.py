import datetime as dt

import pytest

from ggzy.core.errors import CalendarDataMissing
from ggzy.core.workdays import WorkCalendar

D = dt.date
cal = WorkCalendar()


def test_national_day_2026_with_makeup_saturday() -> None:
    # 2026-09-28 (Mon) is day 0. Oct 1–7 are holidays; Sat Oct 10 is a 调休 working day.
    # 29, 30 → 2; Oct 8, 9, 10 → 5; 12–16 → 10; 19–23 → 15; 26–30 → 20.
    assert cal.add_working_days(D(2026, 9, 28), 20) == D(2026, 10, 30)


def test_day_zero_is_the_start_date() -> None:
    assert cal.add_working_days(D(2026, 3, 2), 0) == D(2026, 3, 2)
    assert cal.add_working_days(D(2026, 3, 2), 1) == D(2026, 3, 3)


def test_weekend_start_counts_from_next_working_day_without_losing_one() -> None:
    # Saturday 2026-03-07 received: the first working day after it is Monday the 9th (day 1).
    assert cal.add_working_days(D(2026, 3, 7), 1) == D(2026, 3, 9)


def test_spring_festival_2021() -> None:
    # 2021 Spring Festival: Feb 11–17 off; Feb 7 (Sun) and Feb 20 (Sat) were working days.
    assert cal.is_working_day(D(2021, 2, 7))
    assert not cal.is_working_day(D(2021, 2, 11))
    assert cal.is_working_day(D(2021, 2, 20))
    assert cal.add_working_days(D(2021, 2, 10), 2) == D(2021, 2, 19)


def test_between_is_inverse_of_add() -> None:
    start = D(2026, 9, 28)
    for n in (0, 1, 5, 20, 37):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n
    assert cal.working_days_between(D(2026, 10, 30), D(2026, 9, 28)) == -20


def test_missing_year_fails_loudly() -> None:
    with pytest.raises(CalendarDataMissing) as exc:
        cal.add_working_days(D(2026, 12, 20), 20)
    assert "2027" in exc.value.message


def test_override_table_and_hand_entered_year() -> None:
    custom = WorkCalendar(
        overrides={D(2027, 1, 1): False, D(2027, 2, 6): True}, extra_years=frozenset({2027})
    )
    assert not custom.is_working_day(D(2027, 1, 1))
    assert custom.is_working_day(D(2027, 2, 6))  # a Saturday made a working day
    assert custom.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # An override beats the package's data too.
    assert WorkCalendar(overrides={D(2026, 3, 9): False}).add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 10)


def test_negative_days_rejected() -> None:
    with pytest.raises(ValueError, match="days"):
        cal.add_working_days(D(2026, 1, 5), -1)


def test_memo_does_not_change_answers_or_equality() -> None:
    a, b = WorkCalendar(), WorkCalendar()
    a.add_working_days(D(2026, 9, 28), 20)
    assert a == b
    assert [a.is_working_day(D(2026, 10, d)) for d in range(1, 12)] == [
        b.is_working_day(D(2026, 10, d)) for d in range(1, 12)
    ]
    with pytest.raises(CalendarDataMissing):  # a missing year is never memoised as an answer
        a.is_working_day(D(2027, 1, 4))
    with pytest.raises(CalendarDataMissing):
        a.is_working_day(D(2027, 1, 4))
