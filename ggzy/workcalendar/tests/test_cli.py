"""``ggzy calendar …``. Expected dates are worked out by hand from the chinesecalendar 1.11.0 data
for 2026 (National Day / Mid-autumn: holidays 2026-09-25…27 and 2026-10-01…07; 调休 working days
Sunday 2026-09-20 and Saturday 2026-10-10)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ggzy.audit.models import Event
from ggzy.workcalendar.models import CalendarYear

GGZY = str(Path(sys.executable).with_name("ggzy"))


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
class TestKnown2026:
    def test_add_working_days_across_national_day(self) -> None:
        # 2026-09-28 is a Monday (day 0). Working days after it: 09-29 (1), 09-30 (2); 10-01…10-07
        # holiday; 10-08 (3), 10-09 (4), Saturday 10-10 调休 (5), 10-12…10-16 (6–10),
        # 10-19…10-23 (11–15), 10-26…10-30 (16–20).
        assert run("add-working-days", "2026-09-28", "20") == "2026-10-30"

    def test_add_zero_days_is_the_start(self) -> None:
        assert run("add-working-days", "2026-10-03", "0") == "2026-10-03"

    def test_add_one_day_lands_on_the_makeup_saturday(self) -> None:
        # 10-09 is a Friday; the next working day is Saturday 10-10 (调休), not Monday 10-12.
        assert run("add-working-days", "2026-10-09", "1") == "2026-10-10"

    def test_between_counts_makeup_saturday(self) -> None:
        # (09-30, 10-12]: 10-08, 10-09, 10-10 (调休), 10-12 → 4.
        assert run("between", "2026-09-30", "2026-10-12") == "4"

    def test_between_reversed_is_negative(self) -> None:
        assert run("between", "2026-10-12", "2026-09-30") == "-4"

    def test_between_spring_festival(self) -> None:
        # (02-13 Fri, 02-27 Fri]: 02-14 Sat 调休 (1), 02-15…23 holiday, 02-24, 25, 26, 27 (2–5).
        assert run("between", "2026-02-13", "2026-02-27") == "5"

    def test_is_working_day(self) -> None:
        assert run("is-working-day", "2026-10-10").startswith("是")  # 调休 Saturday
        assert run("is-working-day", "2026-09-20").startswith("是")  # 调休 Sunday
        assert run("is-working-day", "2026-09-29").startswith("是")

    @pytest.mark.parametrize("day", ["2026-10-01", "2026-10-07", "2026-09-25", "2026-10-11"])
    def test_holiday_or_weekend_exits_1(self, day: str) -> None:
        with pytest.raises(CommandError) as exc:
            run("is-working-day", day)
        assert exc.value.returncode == 1


@pytest.mark.django_db
class TestErrors:
    def test_year_without_data_fails_loudly_with_exit_2(self) -> None:
        with pytest.raises(CommandError) as exc:
            run("add-working-days", "2027-03-01", "5")
        assert exc.value.returncode == 2
        assert "2027" in str(exc.value) and "工作日历缺少" in str(exc.value)

    def test_range_running_into_missing_year(self) -> None:
        with pytest.raises(CommandError) as exc:
            run("add-working-days", "2026-12-20", "30")
        assert exc.value.returncode == 2

    @pytest.mark.parametrize("bad", ["2026-13-01", "2026/10/01", "tomorrow", ""])
    def test_bad_date(self, bad: str) -> None:
        with pytest.raises(CommandError, match="日期格式不正确"):
            run("add-working-days", bad, "3")

    def test_negative_days(self) -> None:
        with pytest.raises(CommandError, match="不能为负数"):
            run("add-working-days", "2026-10-09", "-1")

    def test_missing_action(self) -> None:
        with pytest.raises(CommandError):
            call_command("calendar")


@pytest.mark.django_db
class TestEnterYear:
    def test_enter_2027_then_compute(self) -> None:
        out = run(
            "enter-year",
            "2027",
            "--source",
            "国办发明电〔2026〕X号",
            "--holidays",
            "2027-01-01,2027-02-05,2027-02-08",
            "--makeup",
            "2027-02-06",
        )
        assert "已录入 2027 年" in out
        assert CalendarYear.objects.filter(year=2027).exists()
        event = Event.objects.filter(action="calendar.year_enter").get()
        assert event.actor_label == "system"
        assert event.data["makeup_days"] == ["2027-02-06"]
        # 2026-12-31 Thursday; 2027-01-01 holiday; 01-02/03 weekend → 01-04 Monday.
        assert run("add-working-days", "2026-12-31", "1") == "2027-01-04"
        assert run("is-working-day", "2027-02-06").startswith("是")  # entered 调休 Saturday
        # (02-04 Thu, 02-09 Tue]: 02-05 holiday, 02-06 调休 (1), 02-07 Sun, 02-08 holiday, 02-09 (2).
        assert run("between", "2027-02-04", "2027-02-09") == "2"

    def test_date_of_another_year_is_refused(self) -> None:
        with pytest.raises(CommandError) as exc:
            run("enter-year", "2027", "--source", "国办发明电〔2026〕X号", "--holidays", "2028-01-01")
        assert exc.value.returncode == 2
        assert "不属于 2027 年" in str(exc.value)
        assert not CalendarYear.objects.exists()

    def test_source_required(self) -> None:
        with pytest.raises(CommandError, match="--source"):
            run("enter-year", "2027", "--holidays", "2027-01-01")


def test_bad_date_exit_code_from_the_command_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "GGZY_VAR_DIR": str(tmp_path),
    }
    proc = subprocess.run(
        [GGZY, "calendar", "add-working-days", "2026-02-30", "3"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "日期格式不正确" in proc.stderr
