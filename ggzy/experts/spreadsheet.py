"""Reading the expert import spreadsheet (.xlsx, openpyxl). The first sheet's first row holds the
column headers below (order free, extra columns ignored); each later non-empty row is one expert.
Specialty codes are separated by commas, 、 or ；. Only reading happens here: validation and the
all-or-nothing import are ``services.experts_import``."""

from __future__ import annotations

import io
import zipfile

from ggzy.core.errors import ValidationFailed
from ggzy.experts.services import ExpertInput

HEADERS = {
    "姓名": "name",
    "身份证号": "id_number",
    "职称": "title",
    "职称级别": "title_level",
    "从业年限": "years",
    "所在地区": "region",
    "专业代码": "specialties",
    "工作单位统一社会信用代码": "employer_credit_code",
    "电子邮箱": "email",
    "手机": "phone",
    "通知方式": "preferred_channel",
}
REQUIRED = ["姓名", "身份证号", "职称", "职称级别", "从业年限", "所在地区", "专业代码"]
MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(content: bytes) -> list[tuple[int, ExpertInput]]:
    """(row number as Excel shows it, input) for every non-empty row; ``ValidationFailed`` when the
    file is not a readable .xlsx or lacks a required column."""
    from openpyxl import load_workbook

    if len(content) > MAX_BYTES:
        raise ValidationFailed("文件过大（不超过 10 MB）")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError):
        raise ValidationFailed("无法读取该文件，请上传 Excel 2007 及以上版本的 .xlsx 文件") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise ValidationFailed(f"表头缺少列：{'、'.join(missing)}")
    index = {HEADERS[h]: i for i, h in enumerate(header) if h in HEADERS}
    out: list[tuple[int, ExpertInput]] = []
    for number, row in enumerate(rows, start=2):
        values = {key: _text(row[i]) if i < len(row) else "" for key, i in index.items()}
        if not any(values.values()):
            continue
        if len(out) >= MAX_ROWS:
            raise ValidationFailed(f"一次最多导入 {MAX_ROWS} 名专家")
        codes = (
            values.get("specialties", "")
            .replace("、", ",")
            .replace("；", ",")
            .replace(";", ",")
            .replace("，", ",")
        )
        out.append(
            (
                number,
                ExpertInput(
                    name=values.get("name", ""),
                    id_number=values.get("id_number", ""),
                    title=values.get("title", ""),
                    title_level=values.get("title_level", ""),
                    years=values.get("years", ""),
                    region=values.get("region", ""),
                    specialties=[c for c in codes.split(",") if c.strip()],
                    employer_credit_code=values.get("employer_credit_code", ""),
                    email=values.get("email", ""),
                    phone=values.get("phone", ""),
                    preferred_channel=values.get("preferred_channel", "") or "email",
                ),
            )
        )
    book.close()
    return out


def template_bytes(rows: list[list[object]] | None = None) -> bytes:
    """An empty import template (or one with ``rows``), for the upload page and tests."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "评标专家"
    sheet.append(list(HEADERS))
    for row in rows or []:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
