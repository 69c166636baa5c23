"""Codes of projects, tender projects and sections in the national form. Pure: no Django.

* 项目编号 (project code): the investment approval code ``YYYY-AAAAAA-BB-CC-NNNNNN`` when the
  project has one, otherwise the platform fallback ``industry (1 letter + 2 digits) + region
  (6 digits) + yyMMdd + sequence (4 digits)`` (as the Fujian supervision platform implements it).
* 招标项目编号 (tender project code) = project code + a 3-digit sequence (001 … 999).
* 标段（包）编号 (section code) = tender project code + a 3-digit sequence.

Sequences are per parent and start at 001; the services take the next one while holding a lock
on the parent row, and the database keeps every code unique.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

APPROVAL_CODE = re.compile(r"^(19|20)\d{2}-\d{6}-\d{2}-\d{2}-\d{6}$")
FALLBACK_CODE = re.compile(r"^[A-Z]\d{2}\d{6}\d{6}\d{4}$")
CHILD_DIGITS = 3
MAX_CHILDREN = 10**CHILD_DIGITS - 1


class CodeProblem(Exception):
    """A code that is not in the national form; ``message`` is Chinese, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def project_code_problem(code: str) -> str | None:
    """None when ``code`` is a project code in one of the two national forms, else the reason."""
    if APPROVAL_CODE.match(code):
        return None
    if FALLBACK_CODE.match(code):
        try:
            dt.datetime.strptime(code[9:15], "%y%m%d")  # noqa: DTZ007 (a date, not a moment)
        except ValueError:
            return f"项目编号“{code}”第10-15位应为立项日期（yyMMdd）"
        return None
    return (
        f"项目编号“{code}”格式不正确：应为投资项目代码（如 2026-640400-48-01-000123），"
        "或 行业代码（1位字母+2位数字）+ 行政区划代码（6位）+ 日期（yyMMdd）+ 4位流水号"
    )


def make_project_code(*, industry: str, region: str, day: dt.date, seq: int) -> str:
    """The fallback project code for a project without an investment approval code."""
    if not re.fullmatch(r"[A-Z]\d{2}", industry):
        raise CodeProblem(f"行业代码“{industry}”应为1位大写字母加2位数字（如 A08）")
    if not re.fullmatch(r"\d{6}", region):
        raise CodeProblem(f"行政区划代码“{region}”应为6位数字")
    if not 1 <= seq <= 9999:
        raise CodeProblem("项目流水号应在 0001 至 9999 之间")
    return f"{industry}{region}{day:%y%m%d}{seq:04d}"


def child_code(parent: str, seq: int) -> str:
    """``parent`` + the 3-digit sequence ``seq`` (1 … 999)."""
    if not 1 <= seq <= MAX_CHILDREN:
        raise CodeProblem(f"“{parent}”下的编号已用完（最多 {MAX_CHILDREN} 个）")
    return f"{parent}{seq:0{CHILD_DIGITS}d}"


def child_seq(parent: str, code: str) -> int:
    """The sequence of ``code`` under ``parent``; raises when it is not parent + 3 digits."""
    suffix = code[len(parent) :]
    if not code.startswith(parent) or len(suffix) != CHILD_DIGITS or not suffix.isdigit() or suffix == "000":
        raise CodeProblem(f"编号“{code}”应为上级编号“{parent}”加3位顺序号（001-999）")
    return int(suffix)


def next_child_code(parent: str, existing: Iterable[str]) -> str:
    """The next code under ``parent``: one more than the highest existing sequence (gaps left by
    deleted rows are never reused, so a code always names one thing)."""
    highest = max((child_seq(parent, code) for code in existing), default=0)
    return child_code(parent, highest + 1)
