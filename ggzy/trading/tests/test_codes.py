"""The national code forms (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from ggzy.trading import codes


@pytest.mark.parametrize(
    "code",
    ["2026-640400-48-01-000123", "A086404002606010001", "B01640400261231 9999".replace(" ", "")],
)
def test_valid_project_codes(code: str) -> None:
    assert codes.project_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "格式不正确"),
        ("2026-640400-48-01-00012", "格式不正确"),  # 5-digit serial
        ("2026/640400/48/01/000123", "格式不正确"),
        ("a086404002606010001", "格式不正确"),  # lower-case industry letter
        ("A086404002613010001", "立项日期"),  # month 13
        ("A0864040026060100011", "格式不正确"),  # one digit too many
    ],
)
def test_invalid_project_codes(code: str, fragment: str) -> None:
    problem = codes.project_code_problem(code)
    assert problem is not None and fragment in problem


def test_fallback_code_layout() -> None:
    code = codes.make_project_code(industry="A08", region="640400", day=dt.date(2026, 6, 1), seq=7)
    assert code == "A086404002606010007"
    assert codes.project_code_problem(code) is None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"industry": "A8", "region": "640400", "seq": 1}, "行业代码"),
        ({"industry": "A08", "region": "6404", "seq": 1}, "行政区划"),
        ({"industry": "A08", "region": "640400", "seq": 0}, "流水号"),
        ({"industry": "A08", "region": "640400", "seq": 10000}, "流水号"),
    ],
)
def test_fallback_code_refuses_bad_parts(kwargs: dict, fragment: str) -> None:
    with pytest.raises(codes.CodeProblem) as exc:
        codes.make_project_code(day=dt.date(2026, 6, 1), **kwargs)
    assert fragment in exc.value.message


def test_children_are_parent_plus_three_digits_sequential() -> None:
    parent = "2026-640400-48-01-000123"
    assert codes.next_child_code(parent, []) == parent + "001"
    assert codes.next_child_code(parent, [parent + "001", parent + "002"]) == parent + "003"
    # a gap (a deleted row) is never reused: the next is one above the highest
    assert codes.next_child_code(parent, [parent + "001", parent + "005"]) == parent + "006"
    section_parent = parent + "001"
    assert codes.next_child_code(section_parent, [section_parent + "009"]) == section_parent + "010"


def test_children_run_out_at_999() -> None:
    parent = "A086404002606010001"
    with pytest.raises(codes.CodeProblem, match="已用完"):
        codes.next_child_code(parent, [parent + "999"])


@pytest.mark.parametrize(
    "child",
    [
        "X" + "001",
        "2026-640400-48-01-00012300",
        "2026-640400-48-01-0001230001",
        "2026-640400-48-01-000123000",
        "2026-640400-48-01-00012300a",
    ],
)
def test_child_seq_refuses_foreign_codes(child: str) -> None:
    with pytest.raises(codes.CodeProblem):
        codes.child_seq("2026-640400-48-01-000123", child)
