"""The specialty code table (评标专家专业分类) as data: a realistic subset shaped like
《公共资源交易评标专家专业分类标准》(发改法规〔2018〕316号) — A 工程, B 货物, C 服务; a letter, two
digits for the class, two more for the specialty. Seeded by migration 0002 and by
:func:`ensure_specialties` (idempotent: adds missing codes, renames changed ones, never deletes)."""

from __future__ import annotations

import re
from typing import Any

CODE_RE = re.compile(r"^[ABC]\d{2}(\d{2})?$")
CLASS_LABELS = {"A": "工程", "B": "货物", "C": "服务"}

SPECIALTIES: list[tuple[str, str]] = [
    ("A01", "工程勘察"),
    ("A0101", "岩土工程勘察"),
    ("A0102", "工程测量"),
    ("A02", "工程设计"),
    ("A0201", "建筑设计"),
    ("A0202", "结构设计"),
    ("A0203", "给排水设计"),
    ("A03", "工程监理"),
    ("A0301", "房屋建筑工程监理"),
    ("A0302", "市政公用工程监理"),
    ("A08", "施工"),
    ("A0801", "房屋建筑工程施工"),
    ("A0802", "市政公用工程施工"),
    ("A0803", "公路工程施工"),
    ("A0804", "水利水电工程施工"),
    ("A0805", "机电安装工程施工"),
    ("A0806", "园林绿化工程施工"),
    ("A10", "工程总承包"),
    ("A1001", "房屋建筑工程总承包"),
    ("A11", "工程造价"),
    ("A1101", "建筑工程造价"),
    ("A1102", "安装工程造价"),
    ("A1103", "市政工程造价"),
    ("B01", "通用设备"),
    ("B0101", "计算机及网络设备"),
    ("B0102", "办公设备"),
    ("B0103", "电气设备"),
    ("B02", "专用设备"),
    ("B0201", "医疗设备"),
    ("B0202", "教学仪器设备"),
    ("B0203", "环境监测设备"),
    ("B03", "建筑材料"),
    ("B04", "交通运输设备"),
    ("B0401", "车辆"),
    ("C01", "咨询服务"),
    ("C0101", "工程咨询"),
    ("C0102", "财务审计"),
    ("C0103", "经济（商务）评审"),
    ("C02", "信息技术服务"),
    ("C0201", "软件开发"),
    ("C0202", "信息系统运维"),
    ("C03", "物业管理服务"),
    ("C04", "法律服务"),
    ("C05", "印刷出版服务"),
]


def parent_code(code: str) -> str | None:
    return code[:3] if len(code) == 5 else None


def ensure_specialties(model: Any) -> int:
    """Create or rename the codes of :data:`SPECIALTIES` (``model`` is the SpecialtyCode class,
    real or historical). Returns how many rows were created."""
    created = 0
    by_code = {s.code: s for s in model.objects.all()}
    for order, (code, name) in enumerate(SPECIALTIES):
        row = by_code.get(code)
        parent = by_code.get(parent_code(code) or "")
        if row is None:
            row = model.objects.create(
                code=code, name=name, category=code[0], parent=parent, sort_order=order, is_active=True
            )
            by_code[code] = row
            created += 1
        elif row.name != name or row.sort_order != order:
            row.name, row.sort_order = name, order
            row.save(update_fields=["name", "sort_order"])
    return created
