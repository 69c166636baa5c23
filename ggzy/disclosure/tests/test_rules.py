"""The pure rule modules: deadline arithmetic over the official 2026 calendar (dates worked out by
hand from the chinesecalendar data), fee tiers, the table-三 rows, field encryption."""

from __future__ import annotations

import datetime as dt

import pytest

from ggzy.core import fieldcrypt
from ggzy.core.errors import CalendarDataMissing
from ggzy.core.workdays import WorkCalendar
from ggzy.disclosure import deadlines, fees, outcomes, workflow
from ggzy.disclosure.deadlines import Event

CAL = WorkCalendar()
D = dt.date

# The 2026 data in chinesecalendar 1.11.0 (printed from chinese_calendar.constants):
#   holidays: 1/1–1/3; 2/15–2/23 (春节); 4/4–4/6; 5/1–5/5; 6/19–6/21; 9/25–9/27 (中秋); 10/1–10/7 (国庆)
#   调休 working days: 1/4 (Sun), 2/14 (Sat), 2/28 (Sat), 5/9 (Sat), 9/20 (Sun), 10/10 (Sat)


def test_calendar_data_is_what_the_hand_counts_assume() -> None:
    for day in (D(2026, 2, 14), D(2026, 2, 28), D(2026, 9, 20), D(2026, 10, 10)):
        assert CAL.is_working_day(day), day
    for day in (D(2026, 2, 16), D(2026, 2, 23), D(2026, 9, 25), D(2026, 10, 8 - 1)):
        assert not CAL.is_working_day(day), day


def test_spring_festival_2026() -> None:
    # Received Fri 6 Feb (day 0). Counting: 2/9–2/13 = 1–5, Sat 2/14 调休 = 6, 2/15–2/23 holiday,
    # 2/24–2/27 = 7–10, Sat 2/28 调休 = 11, 3/2–3/6 = 12–16, 3/9–3/12 = 17–20 → Thu 12 March.
    assert deadlines.due_date(D(2026, 2, 6), 20, CAL) == D(2026, 3, 12)
    state = deadlines.fold([Event("received", D(2026, 2, 6))], CAL)
    assert state.due == D(2026, 3, 12)


def test_saturday_receipt_is_day_zero_not_shifted() -> None:
    # Received Sat 7 Feb (not a 调休 day): day 0 is still the 7th, so the count is the same as from
    # Friday 6 Feb → 12 March (find_workday would land one working day late).
    assert deadlines.due_date(D(2026, 2, 7), 20, CAL) == D(2026, 3, 12)


def test_receipt_on_a_make_up_saturday() -> None:
    # Received Sat 14 Feb (调休 working day) = day 0. 2/24–2/27 = 1–4, Sat 2/28 = 5, 3/2–3/6 = 6–10,
    # 3/9–3/13 = 11–15, 3/16–3/20 = 16–20 → Fri 20 March.
    assert deadlines.due_date(D(2026, 2, 14), 20, CAL) == D(2026, 3, 20)


def test_national_day_2026() -> None:
    # Received Fri 18 Sep. Sun 9/20 调休 = 1, 9/21–9/24 = 2–5, 9/25–9/27 中秋 holiday,
    # 9/28–9/30 = 6–8, 10/1–10/7 国庆, 10/8–10/9 = 9–10, Sat 10/10 调休 = 11,
    # 10/12–10/16 = 12–16, 10/19–10/22 = 17–20 → Thu 22 October.
    assert deadlines.due_date(D(2026, 9, 18), 20, CAL) == D(2026, 10, 22)


def test_amendment_restarts_the_clock_from_its_receipt() -> None:
    # Received Tue 1 Sep; 补正 asked 3 Sep (clock stops); 补正 received Thu 10 Sep = new day 0.
    # 9/11 = 1, 9/14–9/18 = 2–6, Sun 9/20 调休 = 7, 9/21–9/24 = 8–11, 9/28–9/30 = 12–14,
    # 10/8–10/9 = 15–16, Sat 10/10 = 17, 10/12–10/14 = 18–20 → Wed 14 October.
    events = [
        Event("received", D(2026, 9, 1)),
        Event("amendment_requested", D(2026, 9, 3), until=D(2026, 9, 17)),
    ]
    waiting = deadlines.fold(events, CAL)
    assert waiting.due is None
    assert waiting.awaiting_amendment
    restarted = deadlines.fold([*events, Event("amendment_received", D(2026, 9, 10))], CAL)
    assert restarted.start == D(2026, 9, 10)
    assert restarted.due == D(2026, 10, 14)


def test_consultation_pauses_and_extension_extends() -> None:
    # Received Mon 2 Mar; plain due date: 3/3–3/6 = 1–4, 3/9–3/13 = 5–9, 3/16–3/20 = 10–14,
    # 3/23–3/27 = 15–19, 3/30 = 20 → Mon 30 March.
    base = [Event("received", D(2026, 3, 2))]
    assert deadlines.fold(base, CAL).due == D(2026, 3, 30)
    # Third party consulted Tue 10 Mar → answer Tue 17 Mar: 3/11, 3/12, 3/13, 3/16, 3/17 excluded.
    # Counted: 3/3–3/6 = 1–4, 3/9–3/10 = 5–6, 3/18–3/20 = 7–9, 3/23–3/27 = 10–14, 3/30–4/3 = 15–19,
    # 4/4–4/6 清明, 4/7 = 20 → Tue 7 April.
    started = [*base, Event("consultation_started", D(2026, 3, 10))]
    assert deadlines.fold(started, CAL).due is None  # paused: no due date while waiting
    ended = [*started, Event("consultation_ended", D(2026, 3, 17))]
    assert deadlines.fold(ended, CAL).due == D(2026, 4, 7)
    # Extended by 20 working days: 4/8–4/10 = 21–23, 4/13–4/17 = 24–28, 4/20–4/24 = 29–33,
    # 4/27–4/30 = 34–37, 5/1–5/5 劳动节, 5/6–5/8 = 38–40 → Fri 8 May (Sat 5/9 调休 not needed).
    extended = deadlines.fold([*ended, Event("extension", D(2026, 3, 20), days=20)], CAL)
    assert extended.due == D(2026, 5, 8)
    assert extended.extension_days == 20


def test_later_deadline_replaces_only_when_later() -> None:
    base = [Event("received", D(2026, 3, 2))]
    assert deadlines.fold(
        [*base, Event("later_deadline", D(2026, 3, 5), until=D(2026, 6, 30))], CAL
    ).due == D(2026, 6, 30)
    assert deadlines.fold(
        [*base, Event("later_deadline", D(2026, 3, 5), until=D(2026, 3, 20))], CAL
    ).due == D(2026, 3, 30)


def test_fee_notice_pause_is_configurable() -> None:
    events = [
        Event("received", D(2026, 3, 2)),
        Event("fee_notice", D(2026, 3, 10), until=D(2026, 4, 8)),
        Event("fee_paid", D(2026, 3, 17)),
    ]
    assert deadlines.fold(events, CAL).due == D(2026, 4, 7)  # same exclusion as the consultation above
    no_pause = deadlines.Rules(fee_pauses_clock=False)
    assert deadlines.fold(events, CAL, no_pause).due == D(2026, 3, 30)


def test_amendment_window_spring_festival() -> None:
    # Received Fri 6 Feb: 2/9–2/13 = 1–5, Sat 2/14 = 6, (holiday), Tue 2/24 = 7 → last day 24 Feb.
    assert deadlines.amendment_window_end(D(2026, 2, 6), CAL) == D(2026, 2, 24)


def test_days_left_and_overdue() -> None:
    assert deadlines.working_days_left(D(2026, 3, 12), D(2026, 3, 12), CAL) == 0
    assert deadlines.working_days_left(D(2026, 3, 12), D(2026, 3, 9), CAL) == 3
    assert deadlines.working_days_left(D(2026, 3, 12), D(2026, 3, 16), CAL) == -2


def test_a_year_without_calendar_data_fails_loudly() -> None:
    with pytest.raises(CalendarDataMissing, match="2027"):
        deadlines.due_date(D(2026, 12, 20), 20, CAL)


# ---------------------------------------------------------------- fees


@pytest.mark.parametrize(
    ("count", "total"),
    [
        (1, 0),
        (10, 0),
        (11, 100),
        (12, 200),  # items 11 and 12 at 100 元 each — not a flat 100 元
        (30, 2000),
        (31, 2200),
        (35, 3000),  # 20×100 + 5×200 (the reference's worked example)
        (40, 4000),
        (41, 4300),  # 20×100 + 10×200 + 1×300
        (50, 7000),
    ],
)
def test_by_item_progressive(count: int, total: int) -> None:
    assert fees.by_item_total(count) == total


def test_by_item_rates() -> None:
    assert [fees.by_item_rate(n) for n in (1, 10, 11, 30, 31, 40, 41, 50, 51)] == [
        0,
        0,
        100,
        100,
        200,
        200,
        300,
        300,
        400,
    ]


@pytest.mark.parametrize(
    ("pages", "amount"),
    [
        (0, 0),
        (30, 0),
        (31, 10),
        (100, 700),  # 70×10
        (101, 720),  # 70×10 + 1×20
        (200, 2700),  # 70×10 + 100×20
        (201, 2740),  # + 1×40
        (250, 4700),  # 70×10 + 100×20 + 50×40 (the reference's worked example)
    ],
)
def test_by_volume_progressive(pages: int, amount: int) -> None:
    assert fees.by_volume(pages) == amount


def test_one_standard_only() -> None:
    with pytest.raises(fees.FeeError, match="只能适用一种收费标准"):
        fees.fee_for(standard="by_volume", items=12, pages=250)
    with pytest.raises(fees.FeeError):
        fees.fee_for(standard="by_item", pages=250)
    assert fees.fee_for(standard="by_volume", pages=250) == 4700
    assert fees.fee_for(standard="by_item", items=12) == 100


# ---------------------------------------------------------------- table 三 rows


def test_table3_rows_in_the_formats_order() -> None:
    assert len(outcomes.ROWS) == 25
    assert len(outcomes.OUTCOME_CODES) == 21
    assert [r.code for r in outcomes.ROWS] == [
        "1", "2", "3.1", "3.2",
        "3.3.1", "3.3.2", "3.3.3", "3.3.4", "3.3.5", "3.3.6", "3.3.7", "3.3.8",
        "3.4.1", "3.4.2", "3.4.3",
        "3.5.1", "3.5.2", "3.5.3", "3.5.4", "3.5.5",
        "3.6.1", "3.6.2", "3.6.3",
        "3.7", "4",
    ]  # fmt: skip
    labels = {r.code: r.label for r in outcomes.ROWS}
    assert labels["1"] == "一、本年新收政府信息公开申请数量"
    assert labels["3.2"] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert labels["3.3.3"] == "3.危及“三安全一稳定”"
    assert labels["3.6.2"] == "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    assert labels["3.7"] == "（七）总计"
    assert labels["4"] == "四、结转下年度继续办理"
    assert (
        outcomes.ROW_BY_CODE["3.3.4"].full_label == "三、本年度办理结果 （三）不予公开 4.保护第三方合法权益"
    )


def test_workflow_refuses_reply_before_registration() -> None:
    with pytest.raises(workflow.TransitionNotAllowed, match="尚未登记受理"):
        workflow.ensure_allowed("reply", workflow.SUBMITTED)


# ---------------------------------------------------------------- field encryption


def test_fieldcrypt_round_trip_rotation_and_binding() -> None:
    old, new = b"\x01" * 32, b"\x02" * 32
    cipher = fieldcrypt.FieldCipher([old])
    token = cipher.encrypt("11010519491231002X", context=b"f.id")
    assert token.startswith(f"gf1.{fieldcrypt.key_id(old)}.")
    assert "11010519491231002X" not in token
    assert cipher.encrypt("11010519491231002X", context=b"f.id") != token  # fresh nonce each time
    rotated = fieldcrypt.FieldCipher([new, old])
    assert rotated.decrypt(token, context=b"f.id") == "11010519491231002X"
    assert rotated.needs_rotation(token)
    re = rotated.rotate(token, context=b"f.id")
    assert re.split(".")[1] == fieldcrypt.key_id(new)
    assert fieldcrypt.FieldCipher([new]).decrypt(re, context=b"f.id") == "11010519491231002X"
    with pytest.raises(fieldcrypt.FieldCryptError, match="no key"):
        fieldcrypt.FieldCipher([new]).decrypt(token, context=b"f.id")
    with pytest.raises(fieldcrypt.FieldCryptError, match="does not verify"):
        cipher.decrypt(token, context=b"f.phone")  # moved to another field
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(fieldcrypt.FieldCryptError):
        cipher.decrypt(tampered, context=b"f.id")
    assert cipher.encrypt("", context=b"f.id") == ""


def test_fieldcrypt_keys_and_blind_index() -> None:
    key = fieldcrypt.derive_key("secret", info=b"x")
    assert fieldcrypt.decode_key(fieldcrypt.encode_key(key)) == key
    with pytest.raises(fieldcrypt.FieldCryptError):
        fieldcrypt.decode_key("c2hvcnQ=")
    assert fieldcrypt.blind_index("a", key=key) == fieldcrypt.blind_index("a", key=key)
    assert fieldcrypt.blind_index("a", key=key) != fieldcrypt.blind_index("b", key=key)
