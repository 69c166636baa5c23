"""The compliance gate's checks as pure functions. No Django: facts in, findings out.

Each check is ``check(facts, params, ctx) -> list[Hit]``. A :class:`Hit` says *where* and *what*;
:func:`run_rules` turns hits into :class:`~ggzy.compliance.facts.Finding` with the severity,
message and legal basis of the staff-tuned rule row (:class:`RuleSpec`). A hit may carry its own
severity and legal basis (restricted terms: every term row has its own).

Day counting follows 《民法典》第二百零一条: the day a period starts is not counted, so "from
issue to deadline at least 20 days" means ``deadline_date - issue_date >= 20`` in Shanghai dates.
Working-day periods (政府采购 5 个工作日) count the working days of ``[start, end]`` inclusive,
the way 87号令 periods are published ("自…之日起…个工作日"), using the work calendar that the
selector passes in through :class:`CheckContext` — this module never reads a database or a clock.

Statutory numbers are defaults of the params (``DEFAULT_RULES``), not constants in the checks:
several of them are marked [K]/[U] in the reference and provinces differ.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from ggzy.compliance.facts import (
    DOMAINS,
    ERROR,
    NOTICE_KINDS,
    PROCEDURES,
    SEVERITIES,
    WARNING,
    CheckResult,
    Finding,
    NoticeFacts,
)
from ggzy.core.errors import GgzyError

SHANGHAI = ZoneInfo("Asia/Shanghai")

FIELD_LABELS: dict[str, str] = {
    "title": "公告标题",
    "project_code": "项目编号",
    "project_name": "项目名称",
    "section_code": "标段（包）编号",
    "section_name": "标段（包）名称",
    "tenderer_name": "招标人/采购人",
    "agency_name": "招标代理机构",
    "budget": "预算金额",
    "price_cap": "最高投标限价",
    "bid_deadline": "投标截止时间",
    "opening_at": "开标时间",
    "file_issue_start": "招标文件发出时间",
    "file_issue_end": "招标文件发售截止时间",
    "publicity_start": "公示开始日期",
    "publicity_end": "公示截止日期",
    "winner_name": "中标人",
    "award_amount": "中标金额",
    "affects_bid_preparation": "是否影响投标文件编制",
    "body_text": "公告正文",
    "attachments": "附件",
    "changes": "原公告",
}

KIND_LABELS = {"tender": "招标/采购公告", "change": "变更公告", "candidate": "中标候选人公示",
               "award": "中标结果公告", "termination": "终止公告"}  # fmt: skip
DOMAIN_LABELS = {"construction": "工程建设", "procurement": "政府采购", "land_mining": "土地使用权和矿业权",
                 "state_assets": "国有产权", "other": "其他"}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Inputs and outputs


@dataclass(frozen=True)
class TermFacts:
    """One row of the maintained restricted-term list."""

    term: str
    category: str
    severity: str = WARNING
    legal_basis: str = ""


@dataclass(frozen=True)
class FlagFacts:
    """An active agency flag (from a violation decision or set by staff)."""

    organisation_id: int
    until: dt.date
    reason: str


@dataclass(frozen=True)
class CheckContext:
    """What the checks may know beyond the notice. Built by the selector.

    ``count_working_days(start, end)`` counts the working days in ``[start, end]`` inclusive and
    may raise (a year the calendar does not cover): the check then reports that it could not
    verify instead of guessing.
    """

    terms: Sequence[TermFacts] = ()
    flags: Mapping[int, FlagFacts] = field(default_factory=dict)
    count_working_days: Callable[[dt.date, dt.date], int] | None = None
    # Per-run scratch space (normalised texts shared by the term rules); run_rules gives each
    # notice a fresh one, so a context can be reused across notices.
    memo: dict[Any, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Hit:
    """One thing a check found. ``detail`` is appended to the rule's message."""

    field: str = ""
    detail: str = ""
    severity: str | None = None
    legal_basis: str | None = None


@dataclass(frozen=True)
class RuleSpec:
    """A rule row as the pure engine sees it."""

    code: str
    check: str
    severity: str
    message: str
    legal_basis: str
    params: Mapping[str, Any] = field(default_factory=dict)


class ParamError(Exception):
    """Params a check cannot use. ``errors`` maps a param name to a Chinese message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("；".join(f"{k}：{v}" for k, v in errors.items()))
        self.errors = dict(errors)


Check = Callable[[NoticeFacts, Mapping[str, Any], CheckContext], list[Hit]]


# ---------------------------------------------------------------------------------------------
# Helpers


def as_date(value: Any) -> dt.date | None:
    """A Shanghai calendar date from an aware datetime, a date or an ISO string; else None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.date()
        return value.astimezone(SHANGHAI).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return as_date(dt.datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    return True


def _applies(facts: NoticeFacts, params: Mapping[str, Any]) -> bool:
    """``params["scope"]`` maps a domain to the procedures it covers ([] = every procedure)."""
    scope = params.get("scope")
    if scope is None:
        return True
    if facts.domain not in scope:
        return False
    procedures = scope[facts.domain]
    return not procedures or facts.procedure in procedures


def _kinds(facts: NoticeFacts, params: Mapping[str, Any], default: Sequence[str]) -> bool:
    return facts.kind in params.get("kinds", default)


def _fmt(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------------------------------------
# The checks


def check_required_fields(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """Every field the notice kind requires is filled (params: kind → field names)."""
    required = params.get("fields", {}).get(facts.kind, [])
    return [
        Hit(field=name, detail=f"缺少“{FIELD_LABELS.get(name, name)}”")
        for name in required
        if not _present(facts.fields.get(name))
    ]


def check_tender_period(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """Tender file issue (or publication) → bid deadline at least ``min_days`` calendar days."""
    if not _kinds(facts, params, ["tender"]) or not _applies(facts, params):
        return []
    deadline = as_date(facts.fields.get("bid_deadline"))
    if deadline is None:
        return []
    start = as_date(facts.fields.get("file_issue_start")) or as_date(facts.publish_at)
    if start is None:
        return []
    min_days = int(params.get("min_days", 20))
    days = (deadline - start).days
    if days >= min_days:
        return []
    earliest = start + dt.timedelta(days=min_days)
    return [
        Hit(
            field="bid_deadline",
            detail=f"招标文件自{_fmt(start)}发出，至投标截止仅{days}日，不得少于{min_days}日"
            f"（投标截止时间最早为{_fmt(earliest)}）",
        )
    ]


def check_file_issue_days(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """The tender file is on offer for at least ``min_days`` calendar days (start day included)."""
    if not _kinds(facts, params, ["tender"]) or not _applies(facts, params):
        return []
    start, end = as_date(facts.fields.get("file_issue_start")), as_date(facts.fields.get("file_issue_end"))
    if start is None or end is None:
        return []
    min_days = int(params.get("min_days", 5))
    days = (end - start).days + 1
    if end < start:
        return [Hit(field="file_issue_end", detail="招标文件发售截止时间早于开始时间")]
    if days >= min_days:
        return []
    return [
        Hit(
            field="file_issue_end",
            detail=f"招标文件发售期{_fmt(start)}至{_fmt(end)}共{days}日，不得少于{min_days}日",
        )
    ]


def check_file_issue_working_days(
    facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext
) -> list[Hit]:
    """Announcement / file-issue period of at least ``min_working_days`` working days, by the
    work calendar (holidays and 调休 make-up days included), start day counted."""
    if not _kinds(facts, params, ["tender"]) or not _applies(facts, params):
        return []
    start = as_date(facts.fields.get("file_issue_start")) or as_date(facts.publish_at)
    end = as_date(facts.fields.get("file_issue_end"))
    if start is None or end is None:
        return []
    if end < start:
        return [Hit(field="file_issue_end", detail="招标文件提供截止时间早于开始时间")]
    if ctx.count_working_days is None:
        return [Hit(field="file_issue_end", detail="工作日历不可用，无法核对工作日期限", severity=WARNING)]
    minimum = int(params.get("min_working_days", 5))
    try:
        days = ctx.count_working_days(start, end)
    except GgzyError as exc:  # a year the calendar lacks: say so, never guess
        message = exc.message
        return [Hit(field="file_issue_end", detail=f"无法核对工作日期限：{message}", severity=WARNING)]
    if days >= minimum:
        return []
    return [
        Hit(
            field="file_issue_end",
            detail=f"{_fmt(start)}至{_fmt(end)}仅{days}个工作日，不得少于{minimum}个工作日",
        )
    ]


def check_clarification_period(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """A change that affects bid preparation is published at least ``min_days`` days before the
    bid deadline — the new deadline if the change moves it, else the original one."""
    if facts.kind != "change" or not facts.fields.get("affects_bid_preparation"):
        return []
    published = as_date(facts.publish_at)
    new_deadline = as_date(facts.fields.get("bid_deadline"))
    old_deadline = as_date(facts.changes.bid_deadline) if facts.changes is not None else None
    deadline = new_deadline or old_deadline
    if published is None or deadline is None:
        return []
    min_days = int(params.get("min_days", 15))
    days = (deadline - published).days
    if days >= min_days:
        return []
    earliest = _fmt(published + dt.timedelta(days=min_days))
    if new_deadline is not None and new_deadline != old_deadline:
        detail = f"顺延后的投标截止时间距发布仅{days}日，应不早于{earliest}"
    else:
        detail = f"发布时距投标截止仅{days}日（不足{min_days}日），应将投标截止时间顺延至{earliest}或以后"
    return [Hit(field="bid_deadline", detail=detail)]


def check_candidate_publicity(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """Candidate publicity lasts at least ``min_days`` days (start day not counted)."""
    if facts.kind != "candidate" or not _applies(facts, params):
        return []
    start = as_date(facts.fields.get("publicity_start")) or as_date(facts.publish_at)
    end = as_date(facts.fields.get("publicity_end"))
    if start is None or end is None:
        return []
    min_days = int(params.get("min_days", 3))
    days = (end - start).days
    if days >= min_days:
        return []
    return [
        Hit(
            field="publicity_end",
            detail=f"公示期{_fmt(start)}至{_fmt(end)}仅{max(days, 0)}日，不得少于{min_days}日"
            f"（公示截止日期最早为{_fmt(start + dt.timedelta(days=min_days))}）",
        )
    ]


def check_change_target(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """A change notice points at a published notice of the same project."""
    if facts.kind not in params.get("kinds", ["change"]):
        return []
    target = facts.changes
    if target is None:
        return [Hit(field="changes", detail="未指明所变更的原公告")]
    if not target.found:
        return [Hit(field="changes", detail="所指的原公告不存在")]
    hits = []
    if target.status not in params.get("statuses", ["published"]):
        hits.append(
            Hit(field="changes", detail="所指的原公告尚未发布、已被更正或已撤回，请指向现行有效的公告")
        )
    code = str(facts.fields.get("project_code") or "").strip()
    if code and target.project_code and code != target.project_code:
        hits.append(
            Hit(field="project_code", detail=f"项目编号{code}与原公告的项目编号{target.project_code}不一致")
        )
    return hits


def _haystacks(facts: NoticeFacts, fields: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for name in fields:
        if name == "attachments":
            out.append(("attachments", "\n".join(a.name for a in facts.attachments)))
        else:
            out.append((name, str(facts.fields.get(name) or "")))
    return out


_SPACE = re.compile(r"\s+")
_FULLWIDTH_RE = re.compile("[\uff01-\uff5e]")
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


def _normalise(text: str) -> str:
    # Full-width letters/digits and stray spaces must not hide a term ("本 地 注 册", "ｉＰｈｏｎｅ").
    # translate() with a dict is slow per character, so only when a full-width char is present.
    text = _SPACE.sub("", text)
    if _FULLWIDTH_RE.search(text):
        text = text.translate(_FULLWIDTH)
    return text.lower()


def _term_hits(
    facts: NoticeFacts, terms: Sequence[TermFacts], fields: Sequence[str], memo: dict[Any, Any] | None = None
) -> list[Hit]:
    key = ("haystacks", tuple(fields))
    haystacks = memo.get(key) if memo is not None else None
    if haystacks is None:
        haystacks = [(name, _normalise(text)) for name, text in _haystacks(facts, fields)]
        if memo is not None:
            memo[key] = haystacks
    hits = []
    for term in terms:
        needle = _normalise(term.term)
        if not needle:
            continue
        for name, text in haystacks:
            if needle in text:
                hits.append(
                    Hit(
                        field=name,
                        detail=f"{FIELD_LABELS.get(name, name)}含有“{term.term}”（{term.category}）",
                        severity=term.severity,
                        legal_basis=term.legal_basis or None,
                    )
                )
                break
    return hits


DEFAULT_TERM_FIELDS = ["title", "body_text", "attachments"]


def check_restricted_terms(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """Terms from the maintained list (optionally only some categories) in title, body and
    attachment names. Severity and legal basis come from each term row."""
    categories = params.get("categories") or []
    terms = [t for t in ctx.terms if not categories or t.category in categories]
    return _term_hits(facts, terms, params.get("fields", DEFAULT_TERM_FIELDS), ctx.memo)


def check_custom_terms(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """Terms kept in the rule itself (a local rule a province adds), with the rule's severity."""
    category = str(params.get("category", "自定义"))
    terms = [TermFacts(term=t, category=category) for t in params.get("terms", [])]
    return [
        Hit(field=h.field, detail=h.detail)
        for h in _term_hits(facts, terms, params.get("fields", DEFAULT_TERM_FIELDS), ctx.memo)
    ]


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def check_attachment_types(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """Attachments have an allowed extension and (when declared) an allowed media type."""
    extensions = {e.lower() for e in params.get("extensions", [])}
    media_types = {m.lower() for m in params.get("media_types", [])}
    hits = []
    for a in facts.attachments:
        ext = _extension(a.name)
        if ext not in extensions:
            hits.append(Hit(field="attachments", detail=f"附件“{a.name}”的类型{ext or '（无扩展名）'}不允许"))
        elif media_types and a.media_type and a.media_type.lower() not in media_types:
            hits.append(Hit(field="attachments", detail=f"附件“{a.name}”的媒体类型{a.media_type}不允许"))
    return hits


def check_attachment_size(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """No attachment is larger than ``max_mb`` MB, nor all of them together than ``max_total_mb``."""
    limit = int(params.get("max_mb", 50)) * 1024 * 1024
    hits = [
        Hit(
            field="attachments",
            detail=f"附件“{a.name}”为{a.size / 1048576:.1f} MB，超过{params.get('max_mb', 50)} MB",
        )
        for a in facts.attachments
        if a.size > limit
    ]
    total_mb = params.get("max_total_mb")
    total = sum(a.size for a in facts.attachments)
    if total_mb and total > int(total_mb) * 1024 * 1024:
        hits.append(Hit(field="attachments", detail=f"附件合计{total / 1048576:.1f} MB，超过{total_mb} MB"))
    return hits


def check_opening_at_deadline(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """Bids are opened at the bid deadline, and the deadline lies after publication."""
    if facts.kind not in ("tender", "change"):
        return []
    deadline, opening = facts.fields.get("bid_deadline"), facts.fields.get("opening_at")
    hits = []
    if isinstance(deadline, dt.datetime) and deadline <= facts.publish_at:
        hits.append(Hit(field="bid_deadline", detail="投标截止时间早于发布时间"))
    if isinstance(deadline, dt.datetime) and isinstance(opening, dt.datetime) and opening != deadline:
        hits.append(Hit(field="opening_at", detail="开标时间应与投标截止时间为同一时间"))
    return hits


def check_agency_flagged(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """The submitting agency is under an active flag (a violation decision or a staff note)."""
    if facts.organisation_id is None:
        return []
    flag = ctx.flags.get(facts.organisation_id)
    if flag is None:
        return []
    return [Hit(detail=f"该代理机构被标记至{_fmt(flag.until)}：{flag.reason}")]


def check_price_cap(facts: NoticeFacts, params: Mapping[str, Any], ctx: CheckContext) -> list[Hit]:
    """The price cap (最高投标限价) does not exceed the budget."""
    if facts.kind != "tender":
        return []
    try:
        budget = Decimal(str(facts.fields.get("budget"))) if _present(facts.fields.get("budget")) else None
        cap = Decimal(str(facts.fields.get("price_cap"))) if _present(facts.fields.get("price_cap")) else None
    except InvalidOperation:
        return [Hit(field="price_cap", detail="金额格式不正确")]
    if (budget is not None and not budget.is_finite()) or (cap is not None and not cap.is_finite()):
        return [Hit(field="price_cap", detail="金额格式不正确")]
    if budget is not None and cap is not None and cap > budget:
        return [Hit(field="price_cap", detail=f"最高投标限价{cap}高于预算金额{budget}")]
    return []


# ---------------------------------------------------------------------------------------------
# Parameter validation: what staff may type for each check


def _v_int(lo: int, hi: int) -> Callable[[Any], Any]:
    def v(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value)
            else:
                raise ValueError("应为整数")
        if not lo <= value <= hi:
            raise ValueError(f"应在{lo}到{hi}之间")
        return value

    return v


def _v_str_list(allowed: Sequence[str] | None = None, *, nonempty: bool = False) -> Callable[[Any], Any]:
    def v(value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise ValueError("应为字符串列表")
        value = [x.strip() for x in value if x.strip()]
        if nonempty and not value:
            raise ValueError("不能为空")
        if allowed is not None:
            bad = [x for x in value if x not in allowed]
            if bad:
                raise ValueError(f"不认识的取值：{'、'.join(bad)}")
        return value

    return v


def _v_scope(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not value:
        raise ValueError("应为“交易领域 → 采购方式列表”的对象，且不能为空")
    out = {}
    for domain, procedures in value.items():
        if domain not in DOMAINS:
            raise ValueError(f"不认识的交易领域：{domain}")
        out[domain] = _v_str_list(list(PROCEDURES))(procedures)
    return out


def _v_fields_by_kind(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ValueError("应为“公告类型 → 字段列表”的对象")
    out = {}
    for kind, names in value.items():
        if kind not in NOTICE_KINDS:
            raise ValueError(f"不认识的公告类型：{kind}")
        out[kind] = _v_str_list([k for k in FIELD_LABELS if k not in ("attachments", "changes")])(names)
    return out


def _v_extensions(value: Any) -> list[str]:
    items = _v_str_list(nonempty=True)(value)
    bad = [x for x in items if not re.fullmatch(r"\.[a-z0-9]{1,10}", x.lower())]
    if bad:
        raise ValueError(f"扩展名应形如 .pdf：{'、'.join(bad)}")
    return [x.lower() for x in items]


def _v_media_types(value: Any) -> list[str]:
    items = _v_str_list()(value)
    bad = [x for x in items if not re.fullmatch(r"[\w.+-]+/[\w.+-]+", x)]
    if bad:
        raise ValueError(f"媒体类型应形如 application/pdf：{'、'.join(bad)}")
    return items


def _v_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 50:
        raise ValueError("应为1到50个字符")
    return value.strip()


_TERM_FIELDS = ["title", "body_text", "attachments"]
_KIND_LIST = _v_str_list(list(NOTICE_KINDS), nonempty=True)

PARAM_SPECS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "required_fields": {"fields": _v_fields_by_kind},
    "tender_period": {"min_days": _v_int(1, 365), "scope": _v_scope, "kinds": _KIND_LIST},
    "file_issue_days": {"min_days": _v_int(1, 365), "scope": _v_scope, "kinds": _KIND_LIST},
    "file_issue_working_days": {"min_working_days": _v_int(1, 100), "scope": _v_scope, "kinds": _KIND_LIST},
    "clarification_period": {"min_days": _v_int(1, 365)},
    "candidate_publicity": {"min_days": _v_int(1, 60), "scope": _v_scope},
    "change_target": {"kinds": _KIND_LIST, "statuses": _v_str_list(nonempty=True)},
    "restricted_terms": {"categories": _v_str_list(), "fields": _v_str_list(_TERM_FIELDS, nonempty=True)},
    "custom_terms": {
        "terms": _v_str_list(nonempty=True),
        "category": _v_text,
        "fields": _v_str_list(_TERM_FIELDS, nonempty=True),
    },
    "attachment_types": {"extensions": _v_extensions, "media_types": _v_media_types},
    "attachment_size": {"max_mb": _v_int(1, 2048), "max_total_mb": _v_int(1, 10240)},
    "opening_at_deadline": {},
    "agency_flagged": {},
    "price_cap": {},
}
REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {
    "required_fields": ("fields",),
    "tender_period": ("min_days",),
    "file_issue_days": ("min_days",),
    "file_issue_working_days": ("min_working_days",),
    "clarification_period": ("min_days",),
    "candidate_publicity": ("min_days",),
    "custom_terms": ("terms",),
    "attachment_types": ("extensions",),
    "attachment_size": ("max_mb",),
}

CHECKS: dict[str, Check] = {
    "required_fields": check_required_fields,
    "tender_period": check_tender_period,
    "file_issue_days": check_file_issue_days,
    "file_issue_working_days": check_file_issue_working_days,
    "clarification_period": check_clarification_period,
    "candidate_publicity": check_candidate_publicity,
    "change_target": check_change_target,
    "restricted_terms": check_restricted_terms,
    "custom_terms": check_custom_terms,
    "attachment_types": check_attachment_types,
    "attachment_size": check_attachment_size,
    "opening_at_deadline": check_opening_at_deadline,
    "agency_flagged": check_agency_flagged,
    "price_cap": check_price_cap,
}
CHECK_LABELS: dict[str, str] = {
    "required_fields": "必填字段",
    "tender_period": "招标文件发出至投标截止期限（日历日）",
    "file_issue_days": "招标文件发售期（日历日）",
    "file_issue_working_days": "公告/招标文件提供期限（工作日）",
    "clarification_period": "澄清或修改距投标截止期限",
    "candidate_publicity": "中标候选人公示期",
    "change_target": "变更公告指向已发布的同一项目公告",
    "restricted_terms": "限制性、歧视性条款（条款库）",
    "custom_terms": "自定义词语",
    "attachment_types": "附件类型",
    "attachment_size": "附件大小",
    "opening_at_deadline": "开标时间与投标截止时间",
    "agency_flagged": "代理机构被标记",
    "price_cap": "最高投标限价不超过预算",
}


def validate_params(check: str, params: Any) -> dict[str, Any]:
    """Normalised params for ``check``; raises :class:`ParamError` with every problem found."""
    if check not in CHECKS:
        raise ParamError({"check": f"不认识的检查：{check}"})
    if not isinstance(params, dict):
        raise ParamError({"params": '参数应为 JSON 对象，例如 {"min_days": 20}'})
    spec = PARAM_SPECS[check]
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name not in spec:
            hint = f"（可用：{'、'.join(spec)}）" if spec else "（此检查无参数）"
            errors[name] = "此检查没有这个参数" + hint
            continue
        try:
            out[name] = spec[name](value)
        except ValueError as exc:
            errors[name] = str(exc)
    for name in REQUIRED_PARAMS.get(check, ()):
        if name not in params:
            errors[name] = "必须填写"
    if errors:
        raise ParamError(errors)
    return out


# ---------------------------------------------------------------------------------------------
# The engine


def _with_aware_times(facts: NoticeFacts) -> NoticeFacts:
    """Naive datetimes (a caller that forgot the zone) are read as Beijing time, the only zone a
    notice's times are ever entered in, so no comparison can fail on mixed naive/aware values."""
    naive = {
        k: v.replace(tzinfo=SHANGHAI)
        for k, v in facts.fields.items()
        if isinstance(v, dt.datetime) and v.tzinfo is None
    }
    publish_at = facts.publish_at
    if isinstance(publish_at, dt.datetime) and publish_at.tzinfo is None:
        publish_at = publish_at.replace(tzinfo=SHANGHAI)
    if not naive and publish_at is facts.publish_at:
        return facts
    return replace(facts, fields={**facts.fields, **naive}, publish_at=publish_at)


def run_rules(facts: NoticeFacts, rules: Sequence[RuleSpec], ctx: CheckContext) -> CheckResult:
    """Run every rule in order; a rule whose check is unknown is reported, not skipped silently."""
    findings: list[Finding] = []
    ctx = replace(ctx, memo={})
    facts = _with_aware_times(facts)
    for rule in rules:
        check = CHECKS.get(rule.check)
        if check is None:
            findings.append(
                Finding(rule.code, WARNING, f"规则“{rule.code}”的检查函数{rule.check}不存在，未能执行", "")
            )
            continue
        for hit in check(facts, rule.params, ctx):
            severity = hit.severity if hit.severity in SEVERITIES else rule.severity
            message = f"{rule.message}：{hit.detail}" if hit.detail else rule.message
            findings.append(
                Finding(
                    rule_code=rule.code,
                    severity=severity,
                    message=message,
                    legal_basis=hit.legal_basis if hit.legal_basis is not None else rule.legal_basis,
                    field=hit.field,
                )
            )
    # Errors first: the agency fixes what blocks before it reads what only warns.
    findings.sort(key=lambda f: 0 if f.severity == ERROR else 1)
    return CheckResult(findings=tuple(findings))
