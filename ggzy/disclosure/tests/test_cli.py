"""``ggzy disclosure sweep|stats|rekey``. Dates by hand from the 2026 calendar: an application
received Monday 2026-03-02 is due Monday 2026-03-30 (20 working days, no holiday in March)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ggzy.disclosure import selectors, services
from ggzy.disclosure.models import DisclosureRequest
from ggzy.disclosure.selectors import Check
from ggzy.disclosure.tests.conftest import at

D = dt.date
GGZY = str(Path(sys.executable).with_name("ggzy"))


def run(*args: str) -> str:
    out = StringIO()
    call_command("disclosure", *args, stdout=out)
    return out.getvalue().strip()


def cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "GGZY_VAR_DIR": str(tmp_path),
    }
    return subprocess.run([GGZY, "disclosure", *args], env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def waiting(register: Callable[..., Any], officer: Any) -> tuple[DisclosureRequest, DisclosureRequest]:
    """One application awaiting a 补正 due 13 March, one running (due 30 March)."""
    unanswered = register(D(2026, 3, 2))
    services.disclosure_amendment_request(
        actor=officer, request=unanswered, items="写明名称", deadline=D(2026, 3, 13), clock=at(2026, 3, 3)
    )
    running = register(D(2026, 3, 2))
    return unanswered, running


@pytest.mark.django_db
def test_sweep_on_a_fixed_date_closes_and_reminds_once(
    waiting: tuple[DisclosureRequest, DisclosureRequest],
) -> None:
    unanswered, running = waiting
    assert json.loads(run("sweep", "--json", "--date", "2026-03-13")) == {
        "date": "2026-03-13",
        "reminders": [],
        "closed_amendment": [],
        "closed_fee": [],
    }
    text = run("sweep", "--date", "2026-03-23")
    assert "逾期未补正办结 1 件" in text and unanswered.tracking_code in text
    assert f"{running.tracking_code} due_soon_5" in text
    assert DisclosureRequest.objects.get(pk=unanswered.pk).outcome == "3.6.1"
    # Idempotent: the same day again does nothing more.
    again = json.loads(run("sweep", "--json", "--date", "2026-03-23"))
    assert (again["closed_amendment"], again["closed_fee"], again["reminders"]) == ([], [], [])


@pytest.mark.django_db
def test_sweep_on_a_date_outside_the_calendar_is_exit_2(
    waiting: tuple[DisclosureRequest, DisclosureRequest],
) -> None:
    with pytest.raises(CommandError, match="工作日历缺少 2035 年") as exc:
        run("sweep", "--date", "2035-03-01")
    assert exc.value.returncode == 2
    assert DisclosureRequest.objects.filter(status="closed").count() == 0  # nothing closed


@pytest.mark.django_db
def test_stats_prints_tables_and_checks(
    waiting: tuple[DisclosureRequest, DisclosureRequest], officer: Any
) -> None:
    run("sweep", "--date", "2026-03-23")  # closes one as 三(六)1
    text = run("stats", "--year", "2026")
    assert "表三" in text and "表四" in text
    lines = text.splitlines()
    closed = next(line for line in lines if "1.申请人无正当理由逾期不补正" in line)
    assert closed.split("\t")[1:] == ["1", "0", "0", "0", "0", "0", "1"]
    new = next(line for line in lines if line.startswith("一、本年新收"))
    assert new.split("\t")[1:] == ["2", "0", "0", "0", "0", "0", "2"]
    assert all(line.startswith("[通过]") for line in lines[lines.index("勾稽关系校验") + 1 :])
    data = json.loads(run("stats", "--year", "2026", "--json"))
    assert len(data["table3"]) == 25 and set(data) >= {"table3", "table4", "checks"}
    assert data == json.loads(json.dumps(selectors.disclosure_stats(year=2026).as_dict()))


@pytest.mark.django_db
def test_stats_with_a_failing_check_is_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    real = selectors.disclosure_stats

    def broken(*, year: int) -> selectors.DisclosureStats:
        stats = real(year=year)
        stats.checks.append(Check("示例校验", False, "1 ≠ 2"))
        return stats

    monkeypatch.setattr(selectors, "disclosure_stats", broken)
    out = StringIO()
    with pytest.raises(CommandError, match="1 项勾稽关系不通过：示例校验") as exc:
        call_command("disclosure", "stats", "--year", "2026", stdout=out)
    assert exc.value.returncode == 1
    assert "[不通过] 示例校验" in out.getvalue()


@pytest.mark.django_db
def test_rekey_with_nothing_to_do() -> None:
    """The full rotation is in test_rekey.py."""
    assert "0 件申请，0 项密文" in run("rekey")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sweep", "--date", "2026-13-01"], "日期格式不正确"),
        (["stats", "--year", "1999"], "年度应在 2000 到 2100 之间"),
        (["stats", "--year", "二〇二六"], "年度应为四位数字"),
        (["stats"], "--year"),
        (["bogus"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    proc = cli(*args, tmp_path=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr


@pytest.mark.django_db
def test_bench_small_run_leaves_no_rows(register: Callable[..., Any]) -> None:
    real = register(D(2026, 3, 2))
    data = json.loads(run("bench", "--due-dates", "50", "--stats-n", "200", "--repeat", "1", "--json"))
    due = data["due_dates"]
    assert due["applications"] == 50 and due["us_per_application"] > 0
    assert due["us_per_application_memoized_calendar"] > 0
    stats = data["stats"]
    assert stats["queries"] == 4 and stats["checks_passed"] is True
    assert stats["new"] == 200 and stats["applications_in_table"] == 241  # 200 + 40 + the real one
    assert list(DisclosureRequest.objects.values_list("pk", flat=True)) == [real.pk]


def test_memo_calendar_agrees_with_the_calendar() -> None:
    from ggzy.core.workdays import WorkCalendar
    from ggzy.disclosure.bench import MemoCalendar

    cal = WorkCalendar()
    memo = MemoCalendar(cal)
    for start in (D(2026, 1, 30), D(2026, 2, 13), D(2026, 9, 28), D(2026, 10, 9)):
        assert memo.add_working_days(start, 20) == cal.add_working_days(start, 20)
        end = start + dt.timedelta(days=40)
        assert memo.working_days_between(start, end) == cal.working_days_between(start, end)
        assert memo.working_days_between(end, start) == cal.working_days_between(end, start)
