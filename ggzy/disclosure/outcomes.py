"""The 25 data rows of report table 三 (国办公开办函〔2021〕30号), in the format's order, with the
format's own labels. Pure: no Django.

21 rows are leaf outcomes (the only values ``DisclosureRequest.outcome`` may take); the others are
the inflow rows (一, 二), the outcome total 三(七) and the carry-over row 四.
"""

from __future__ import annotations

from dataclasses import dataclass

SECTION_RESULTS = "三、本年度办理结果"


@dataclass(frozen=True)
class Row:
    code: str
    label: str  # the row's own cell text in the format
    group: str = ""  # the merged cell to its left, e.g. "（三）不予公开"
    section: str = ""  # "三、本年度办理结果" for every row of section 三
    is_outcome: bool = False

    @property
    def full_label(self) -> str:
        return " ".join(part for part in (self.section, self.group, self.label) if part)


def _o(code: str, label: str, group: str = "") -> Row:
    return Row(code, label, group, SECTION_RESULTS, True)


_NOT = "（三）不予公开"
_CANNOT = "（四）无法提供"
_NO_PROCESS = "（五）不予处理"
_OTHER = "（六）其他处理"

ROWS: tuple[Row, ...] = (
    Row("1", "一、本年新收政府信息公开申请数量"),
    Row("2", "二、上年结转政府信息公开申请数量"),
    _o("3.1", "（一）予以公开"),
    _o("3.2", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    _o("3.3.1", "1.属于国家秘密", _NOT),
    _o("3.3.2", "2.其他法律行政法规禁止公开", _NOT),
    _o("3.3.3", "3.危及“三安全一稳定”", _NOT),
    _o("3.3.4", "4.保护第三方合法权益", _NOT),
    _o("3.3.5", "5.属于三类内部事务信息", _NOT),
    _o("3.3.6", "6.属于四类过程性信息", _NOT),
    _o("3.3.7", "7.属于行政执法案卷", _NOT),
    _o("3.3.8", "8.属于行政查询事项", _NOT),
    _o("3.4.1", "1.本机关不掌握相关政府信息", _CANNOT),
    _o("3.4.2", "2.没有现成信息需要另行制作", _CANNOT),
    _o("3.4.3", "3.补正后申请内容仍不明确", _CANNOT),
    _o("3.5.1", "1.信访举报投诉类申请", _NO_PROCESS),
    _o("3.5.2", "2.重复申请", _NO_PROCESS),
    _o("3.5.3", "3.要求提供公开出版物", _NO_PROCESS),
    _o("3.5.4", "4.无正当理由大量反复申请", _NO_PROCESS),
    _o("3.5.5", "5.要求行政机关确认或重新出具已获取信息", _NO_PROCESS),
    _o("3.6.1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", _OTHER),
    _o("3.6.2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", _OTHER),
    _o("3.6.3", "3.其他", _OTHER),
    Row("3.7", "（七）总计", "", SECTION_RESULTS),
    Row("4", "四、结转下年度继续办理"),
)

ROW_BY_CODE: dict[str, Row] = {row.code: row for row in ROWS}
OUTCOME_CODES: tuple[str, ...] = tuple(row.code for row in ROWS if row.is_outcome)
OUTCOME_CHOICES: list[tuple[str, str]] = [
    (row.code, f"{row.group}{row.label}" if row.group else row.label) for row in ROWS if row.is_outcome
]

NEW, CARRIED_IN, TOTAL, CARRIED_OUT = "1", "2", "3.7", "4"

# Outcomes the sweep sets by itself (Art. 30 视为放弃; unpaid fee notice).
AMENDMENT_NOT_RECEIVED = "3.6.1"
FEE_NOT_PAID = "3.6.2"
STILL_UNCLEAR_AFTER_AMENDMENT = "3.4.3"
OTHER = "3.6.3"
PARTIAL = "3.2"
THIRD_PARTY = "3.3.4"

assert len(ROWS) == 25
assert len(OUTCOME_CODES) == 21


def is_outcome(code: str) -> bool:
    return code in OUTCOME_CODES


def outcome_label(code: str) -> str:
    """The outcome's label with its group, e.g. "（三）不予公开 4.保护第三方合法权益"."""
    row = ROW_BY_CODE[code]
    return f"{row.group} {row.label}".strip()
