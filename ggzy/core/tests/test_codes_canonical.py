import datetime as dt
from decimal import Decimal

import pytest

from ggzy.core.canonical import canonical_json
from ggzy.core.codes import credit_code_problem, make_credit_code


@pytest.mark.parametrize("code", ["91110000802100433B", "91350100M000100Y43"])
def test_real_credit_codes_validate(code: str) -> None:
    assert credit_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91110000802100433A", "校验位"),
        ("9111000080210043", "18位"),
        ("91110000802100433I", "非法字符"),
        ("", "18位"),
    ],
)
def test_bad_credit_codes_say_why(code: str, reason: str) -> None:
    problem = credit_code_problem(code)
    assert problem is not None
    assert reason in problem


def test_make_credit_code_round_trips() -> None:
    assert credit_code_problem(make_credit_code("91640400MA7654321")) is None


def test_canonical_json_is_stable_and_utf8() -> None:
    value = {
        "b": 1,
        "a": "招标",
        "t": dt.datetime(2021, 1, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        "m": Decimal("1.50"),
    }
    assert canonical_json(value) == '{"a":"招标","b":1,"m":"1.50","t":"2021-01-01T00:00:00.000000Z"}'.encode()


def test_canonical_json_refuses_naive_datetimes_and_nan() -> None:
    with pytest.raises(ValueError, match="naive"):
        canonical_json({"t": dt.datetime(2021, 1, 1)})  # noqa: DTZ001
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
