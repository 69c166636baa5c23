"""The report's tables as one layout (cells with their spans, header flags and scopes), in the
exact shape of the 2021 format, from the report data. The HTML page, the DOCX and the PDF all
draw these layouts, so the three renderings cannot disagree. Pure: no Django.

Cells are listed row by row in reading order, each row only with the cells that start in it
(the HTML table model, which typst's ``table`` and the DOCX builder follow too).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
LEGAL_PERSON_COLUMNS = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    header: bool = False
    scope: str = ""  # col / colgroup / row / rowgroup (HTML scope of a header cell)
    number: bool = False
    key: str = ""  # e.g. "table3.1.natural_person": which computed cell this is


@dataclass(frozen=True)
class Table:
    key: str
    title: str  # the heading above the table (a sub-table title of table 二, or "")
    caption: str
    columns: int
    head: list[list[Cell]] = field(default_factory=list)
    body: list[list[Cell]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _n(value: Any, key: str) -> Cell:
    return Cell(str(value), number=True, key=key)


def table2(data: dict[str, Any]) -> list[Table]:
    t = data["table2"]
    docs = [
        ("规章", t["rules"], "rules"),
        ("行政规范性文件", t["normative_documents"], "normative_documents"),
    ]
    one = Table(
        "table2_1",
        "第二十条第（一）项",
        "第二十条第（一）项：规章和行政规范性文件",
        4,
        head=[
            [Cell("第二十条第（一）项", colspan=4, header=True, scope="colgroup")],
            [
                Cell("信息内容", header=True, scope="col"),
                Cell("本年制发件数", header=True, scope="col"),
                Cell("本年废止件数", header=True, scope="col"),
                Cell("现行有效件数", header=True, scope="col"),
            ],
        ],
        body=[
            [
                Cell(label, header=True, scope="row"),
                _n(row["issued"], f"table2.{key}.issued"),
                _n(row["repealed"], f"table2.{key}.repealed"),
                _n(row["in_force"], f"table2.{key}.in_force"),
            ]
            for label, row, key in docs
        ],
    )

    def simple(key: str, item: str, unit_header: str, rows: list[tuple[str, Any, str]]) -> Table:
        return Table(
            key,
            item,
            f"{item}",
            2,
            head=[
                [Cell(item, colspan=2, header=True, scope="colgroup")],
                [Cell("信息内容", header=True, scope="col"), Cell(unit_header, header=True, scope="col")],
            ],
            body=[[Cell(label, header=True, scope="row"), _n(value, k)] for label, value, k in rows],
        )

    return [
        one,
        simple(
            "table2_5",
            "第二十条第（五）项",
            "本年处理决定数量",
            [("行政许可", t["licence"], "table2.licence")],
        ),
        simple(
            "table2_6",
            "第二十条第（六）项",
            "本年处理决定数量",
            [
                ("行政处罚", t["penalty"], "table2.penalty"),
                ("行政强制", t["enforcement"], "table2.enforcement"),
            ],
        ),
        simple(
            "table2_8",
            "第二十条第（八）项",
            "本年收费金额（单位：万元）",
            [("行政事业性收费", t["admin_fee_wan"], "table2.admin_fee_wan")],
        ),
    ]


def table3(data: dict[str, Any], column_keys: list[str]) -> Table:
    rows = data["table3"]["rows"]
    head = [
        [
            Cell(TABLE3_NOTE, colspan=3, rowspan=3, header=True),
            Cell("申请人情况", colspan=7, header=True, scope="colgroup"),
        ],
        [
            Cell("自然人", rowspan=2, header=True, scope="col"),
            Cell("法人或其他组织", colspan=5, header=True, scope="colgroup"),
            Cell("总计", rowspan=2, header=True, scope="col"),
        ],
        [Cell(label, header=True, scope="col") for label in LEGAL_PERSON_COLUMNS],
    ]
    section_rows = [r for r in rows if r["section"]]
    group_sizes: dict[str, int] = {}
    for r in section_rows:
        if r["group"]:
            group_sizes[r["group"]] = group_sizes.get(r["group"], 0) + 1
    body: list[list[Cell]] = []
    section_started = False
    groups_started: set[str] = set()
    for r in rows:
        label_cells: list[Cell] = []
        if not r["section"]:
            label_cells.append(Cell(r["label"], colspan=3, header=True, scope="row"))
        else:
            if not section_started:
                label_cells.append(
                    Cell(r["section"], rowspan=len(section_rows), header=True, scope="rowgroup")
                )
                section_started = True
            if r["group"]:
                if r["group"] not in groups_started:
                    label_cells.append(
                        Cell(r["group"], rowspan=group_sizes[r["group"]], header=True, scope="rowgroup")
                    )
                    groups_started.add(r["group"])
                label_cells.append(Cell(r["label"], header=True, scope="row"))
            else:
                label_cells.append(Cell(r["label"], colspan=2, header=True, scope="row"))
        numbers = [_n(v, f"table3.{r['code']}.{k}") for v, k in zip(r["cells"], column_keys, strict=True)]
        body.append(label_cells + numbers)
    return Table("table3", "", "收到和处理政府信息公开申请情况", 10, head=head, body=body)


def table4(data: dict[str, Any], group_labels: dict[str, str], cell_labels: dict[str, str]) -> Table:
    t = data["table4"]
    groups = list(group_labels)
    head = [
        [
            Cell("行政复议", colspan=5, rowspan=2, header=True, scope="colgroup"),
            Cell("行政诉讼", colspan=10, header=True, scope="colgroup"),
        ],
        [
            Cell("未经复议直接起诉", colspan=5, header=True, scope="colgroup"),
            Cell("复议后起诉", colspan=5, header=True, scope="colgroup"),
        ],
        [Cell(label, header=True, scope="col") for _ in groups for label in cell_labels.values()],
    ]
    body = [[_n(t[g][c], f"table4.{g}.{c}") for g in groups for c in cell_labels]]
    return Table("table4", "", "政府信息公开行政复议、行政诉讼情况", 15, head=head, body=body)


def grid(table: Table) -> list[list[tuple[int, int, Cell] | None]]:
    """Place each cell at its (row, column) origin, honouring spans (for the DOCX builder):
    returns, per row, the origin cells with their coordinates."""
    rows = table.head + table.body
    taken: set[tuple[int, int]] = set()
    placed: list[list[tuple[int, int, Cell] | None]] = []
    for r, row in enumerate(rows):
        out: list[tuple[int, int, Cell] | None] = []
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
        placed.append(out)
    return placed


# ---------------------------------------------------------------- the chart (SVG)

COLOURS = ["#2f6fb0", "#c0392b", "#e6a23c", "#2e8b57", "#8e6fb0"]


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def chart_svg(chart: dict[str, Any], *, title: str, font: str = "Noto Sans CJK SC") -> str:
    """A stacked bar chart of items published per month and kind. Accessible: role="img" with a
    title and a description that states every series' total (the page also shows the numbers
    in a table)."""
    width, height = 760, 340
    left, right, top, bottom = 56, 150, 40, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    series = chart["series"]
    totals = [sum(s["values"][m] for s in series) for m in range(12)]
    peak = max(totals) or 1
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        step = candidate
        if peak / candidate <= 6:
            break
    else:
        step = max(1, peak // 5)
    top_value = ((peak + step - 1) // step) * step
    bar_w = plot_w / 12 * 0.62
    desc = "；".join(f"{s['label']}全年{sum(s['values'])}条" for s in series)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="{_esc(font)}, sans-serif" font-size="12">',
        f'<title id="chart-title">{_esc(title)}</title>',
        f'<desc id="chart-desc">{_esc(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="22" font-size="15" fill="#222">{_esc(title)}</text>',
    ]
    ticks = range(0, top_value + 1, step)
    for value in ticks:
        y = top + plot_h - plot_h * value / top_value
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            'stroke="#e3e3e3" stroke-width="1"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{value}</text>')
    for m in range(12):
        x = left + plot_w / 12 * m + (plot_w / 12 - bar_w) / 2
        base = 0
        for i, s in enumerate(series):
            v = s["values"][m]
            if v:
                h = plot_h * v / top_value
                y = top + plot_h - plot_h * (base + v) / top_value
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[i % len(COLOURS)]}">'
                    f"<title>{m + 1}月{_esc(s['label'])} {v}条</title></rect>"
                )
            base += v
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
            f'fill="#333">{m + 1}月</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>'
    )
    for i, s in enumerate(series):
        y = top + 10 + i * 22
        lx = left + plot_w + 18
        parts.append(
            f'<rect x="{lx}" y="{y - 10}" width="12" height="12" fill="{COLOURS[i % len(COLOURS)]}"/>'
        )
        parts.append(
            f'<text x="{lx + 18}" y="{y}" fill="#222">{_esc(s["label"])}（{sum(s["values"])}）</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
