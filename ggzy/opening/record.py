"""The opening record (开标记录): composed from the session's rows, rendered as DOCX
(python-docx) and PDF (typst, with the shipped Noto CJK font), signed by the host and published.

The host's signature is the platform key's signature, made when the host closes the session (the
host acted only through authenticated preset steps; the audit chain names the host): with the key
of GGZY_CRYPTO_SUITE, recorded in ``record_algorithm`` — ECDSA P-256 over the PDF's 32-byte SHA-256
(``intl``, as since the first records) or SM2 / SM3 over the PDF itself (``sm``). A
certificate-based host signature would replace it once center staff bind certificates
(docs/formats/opening-hall.md)."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from ggzy.core.clock import SHANGHAI, Clock
from ggzy.opening.models import OpeningSession
from ggzy.trading import termination_rules

TEMPLATE = Path(__file__).parent / "data" / "opening_record.typ"


@dataclass
class RecordPart:
    heading: str
    lines: list[str]


@dataclass
class RecordData:
    title: str
    center_name: str
    facts: list[str]
    columns: list[str]
    rows: list[list[str]]
    sections: list[RecordPart] = field(default_factory=list)
    signature_line: str = ""


def _t(moment: Any) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _value(v: Any) -> str:
    return "—" if v is None or v == "" else str(v)


def compose(session: OpeningSession) -> RecordData:
    """Everything the record says, from the rows (the same for DOCX and PDF)."""
    from ggzy.opening.services import current_bids

    section = session.section
    project = section.project
    fields = list(section.summary_fields or [])
    columns = [
        "序号",
        "投标人",
        *[f.get("label", f.get("key", "")) + (f"（{f['unit']}）" if f.get("unit") else "") for f in fields],
        "解密方式",
        "确认",
    ]
    rows: list[list[str]] = []
    failures: list[str] = []
    for n, bid in enumerate(current_bids(section), start=1):
        opened = getattr(bid, "opened", None)
        if opened is not None:
            confirmation = getattr(bid, "opening_confirmation", None)
            rows.append(
                [
                    str(n),
                    bid.organisation.name,
                    *[_value(opened.summary.get(f.get("key", ""))) for f in fields],
                    "投标人解密" if opened.method == "bidder" else "备用解密",
                    f"已确认 {_t(confirmation.at)}" if confirmation else "未确认",
                ]
            )
        failure = getattr(bid, "decryption_failure", None)
        if failure is not None:
            label = "视为撤销投标文件" if failure.bidder_fault else "视为撤回投标文件"
            failures.append(
                f"{bid.organisation.name}：解密失败，{label}（电子招标投标办法第三十一条）。原因：{failure.cause}"
            )
    host = session.host
    host_name = host.display_name if host is not None else "—"
    host_org = host.organisation.name if host is not None and host.organisation is not None else ""
    facts = [
        f"项目：{project.code} {project.name}",
        f"标段(包)：{section.code} {section.name}",
        f"开标时间：{_t(section.opening_at)}；大厅开启：{_t(session.opened_at)}",
        f"解密：{_t(session.decryption_started_at)} 至 {_t(session.window_ended_at)}"
        f"（时限 {section.decryption_minutes} 分钟）",
        f"主持人：{host_name}（{host_org}）",
        "签到："
        + ("、".join(c.organisation.name for c in session.check_ins.select_related("organisation")) or "无"),
    ]
    sections: list[RecordPart] = []
    if session.too_few_consequence:
        sections.append(RecordPart("投标人不足三家", [session.too_few_note]))
    if failures:
        sections.append(RecordPart("解密失败的处理", failures))
    if session.failed and session.failure_code != termination_rules.TOO_FEW_BIDDERS:
        from ggzy.opening.services import failure_reason

        label = termination_rules.failure_category(session.failure_code, project.domain).label
        sections.append(
            RecordPart("开标结果", [f"{label}。{failure_reason(session)}本标段（包）流标，依法重新招标。"])
        )
    objections = [
        f"{o.organisation.name}（{_t(o.raised_at)}）：{o.text}；"
        f"主持人答复（{_t(o.answered_at)}）：{o.answer or '未答复'}"
        for o in session.objections.select_related("organisation")
    ]
    sections.append(RecordPart("异议及答复", objections or ["无"]))
    return RecordData(
        title=f"开标记录（{section.code}）",
        center_name=str(getattr(settings, "GGZY_SITE", {}).get("center_name", "公共资源交易中心")),
        facts=facts,
        columns=columns,
        rows=rows,
        sections=sections,
        signature_line=f"主持人：{host_name}    记录时间：{_t(session.closed_at)}",
    )


def font_dirs() -> list[str]:
    """The shipped Noto CJK font (subset-embedded by typst), never the system's fonts."""
    import noto_cjk_sans_otc

    return [str(Path(str(noto_cjk_sans_otc.FONT_PATH)).parent)]


def render_pdf(data: RecordData) -> bytes:
    import typst

    result = typst.compile(
        str(TEMPLATE),
        font_paths=font_dirs(),
        ignore_system_fonts=True,
        sys_inputs={"data": json.dumps(asdict(data), ensure_ascii=False)},
    )
    assert isinstance(result, bytes)
    return result


def render_docx(data: RecordData) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(data.title, level=1)
    for line in data.facts:
        doc.add_paragraph(line)
    doc.add_heading("唱标结果", level=2)
    table = doc.add_table(rows=1, cols=len(data.columns))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, data.columns, strict=True):
        cell.text = text
    for row in data.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    for sec in data.sections:
        doc.add_heading(sec.heading, level=2)
        for line in sec.lines:
            doc.add_paragraph(line)
    doc.add_paragraph(data.signature_line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def record_store(*, session: OpeningSession, clock: Clock) -> None:
    """Render, store (content-addressed) and sign the record; in the closing transaction."""
    import hashlib

    from ggzy.audit.platform_key import platform_signature_algorithm, platform_signing_key
    from ggzy.opening.services import _store_plain

    data = compose(session)
    pdf = render_pdf(data)
    docx = render_docx(data)
    pdf_sha = hashlib.sha256(pdf).hexdigest()
    docx_sha = hashlib.sha256(docx).hexdigest()
    session.record_pdf = _store_plain(io.BytesIO(pdf), pdf_sha, len(pdf), "application/pdf")
    session.record_docx = _store_plain(
        io.BytesIO(docx),
        docx_sha,
        len(docx),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    session.record_sha256 = pdf_sha
    key = platform_signing_key()
    session.record_algorithm = platform_signature_algorithm()
    session.record_key_id = key.key_id
    session.record_signature = key.sign(signed_message(session.record_algorithm, pdf))
    session.save(
        update_fields=[
            "record_pdf",
            "record_docx",
            "record_sha256",
            "record_signature",
            "record_algorithm",
            "record_key_id",
        ]
    )


def signed_message(algorithm: str, pdf: bytes) -> bytes:
    """What the record's signature is over: the PDF's SHA-256 (32 bytes) for ECDSA P-256 — as the
    records signed before suites existed — and the PDF itself for SM2 / SM3, so that the hash
    inside an ``sm`` signature is SM3 alone (``openssl dgst -sm3 … record.pdf`` checks it)."""
    import hashlib

    if algorithm == "sm2-sm3":
        return pdf
    return hashlib.sha256(pdf).digest()


def record_publish(*, actor: Any, session: OpeningSession, clock: Clock) -> Any:
    """Draft an article in the 开标记录 column with the record's PDF attached and submit it into
    the release pipeline (the center's review steps publish it)."""
    from django.core.files.storage import default_storage

    from ggzy.audit.services import audit_record
    from ggzy.publishing import services as publishing
    from ggzy.publishing.models import Category

    if session.record_pdf is None:
        from ggzy.core.errors import ValidationFailed

        raise ValidationFailed("开标记录尚未生成")
    data = compose(session)
    # Made by migration 0002; re-made here if an administrator removed the column (or a test
    # flushed it), since the law requires the record to be published (电子招标投标办法第三十二条).
    category, _ = Category.objects.get_or_create(
        code="opening_record", defaults={"name": "开标记录", "position": 200}
    )
    rows_html = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in data.rows)
    head = "".join(f"<th>{_esc(c)}</th>" for c in data.columns)
    body = (
        "".join(f"<p>{_esc(line)}</p>" for line in data.facts)
        + f"<table><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table>"
        + "".join(
            f"<h2>{_esc(s.heading)}</h2>" + "".join(f"<p>{_esc(line)}</p>" for line in s.lines)
            for s in data.sections
        )
        + f"<p>开标记录 PDF SHA-256：{session.record_sha256}</p>"
    )
    with default_storage.open(session.record_pdf.path, "rb") as f:
        pdf = io.BytesIO(f.read())
    article = publishing.article_create(
        actor=actor,
        category=category,
        title=f"{session.section.name}开标记录",
        body_html=body,
        summary=f"{session.section.code} 开标记录",
        uploads=[(f"开标记录-{session.section.code}.pdf", pdf)],
    )
    article = publishing.release_submit(actor=actor, item=article, clock=clock)
    session.record_article = article
    session.save(update_fields=["record_article"])
    audit_record(
        actor=actor,
        action="opening.record_publish",
        target=session,
        data={"article": article.pk, "record_sha256": session.record_sha256},
        clock=clock,
    )
    return article


def _esc(text: str) -> str:
    from django.utils.html import escape

    return str(escape(text))
