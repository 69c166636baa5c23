import datetime as dt

import pytest

from ggzy.audit.models import Event
from ggzy.core.errors import CalendarDataMissing, ValidationFailed
from ggzy.workcalendar import selectors, services
from ggzy.workcalendar.models import CalendarYear, DayOverride

pytestmark = pytest.mark.django_db
D = dt.date


def test_entering_2027_makes_it_computable_and_is_audited() -> None:
    with pytest.raises(CalendarDataMissing):
        selectors.work_calendar().add_working_days(D(2027, 1, 4), 3)
    services.calendar_year_enter(
        actor=None,
        year=2027,
        source="国务院办公厅关于2027年部分节假日安排的通知",
        holidays=[D(2027, 1, 1)],
        makeup_days=[D(2027, 2, 6)],
    )
    cal = selectors.work_calendar()
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert cal.is_working_day(D(2027, 2, 6))
    assert Event.objects.filter(action="calendar.year_enter").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"year": 1999}, "年份"),
        ({"source": " "}, "依据"),
        ({"holidays": [D(2026, 1, 1)]}, "不属于"),
        ({"holidays": [D(2027, 2, 6)], "makeup_days": [D(2027, 2, 6)]}, "既放假又上班"),
    ],
)
def test_bad_year_entry_changes_nothing(kwargs: dict, message: str) -> None:
    args = {"actor": None, "year": 2027, "source": "依据", "holidays": [], "makeup_days": [], **kwargs}
    with pytest.raises(ValidationFailed, match=message):
        services.calendar_year_enter(**args)
    assert CalendarYear.objects.count() == 0
    assert DayOverride.objects.count() == 0


def test_day_override_beats_package_data() -> None:
    assert selectors.work_calendar().is_working_day(D(2026, 3, 9))
    services.day_override_set(actor=None, date=D(2026, 3, 9), is_working_day=False, note="临时调整")
    assert not selectors.work_calendar().is_working_day(D(2026, 3, 9))
    event = Event.objects.get(action="calendar.day_override")
    assert event.data["after"]["is_working_day"] is False
