"""The default rules and restricted terms: created by migration 0002 and re-created by
:func:`ensure_defaults` (tests that flush the database, a fresh install). Pure data, no Django.

The statutory numbers live here as *params* so staff can tune them: several are marked [K]/[U]
in the domain reference and provinces set their own. Legal bases are the articles as we read
them; staff can correct the text on the rule page without a deploy.
"""

from __future__ import annotations

from typing import Any

TB_LAW = "《中华人民共和国招标投标法》"
TB_REG = "《中华人民共和国招标投标法实施条例》"
GP_LAW = "《中华人民共和国政府采购法》"
GP_REG = "《中华人民共和国政府采购法实施条例》"
ORDER_87 = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）"
ORDER_10 = "《招标公告和公示信息发布管理办法》（国家发展改革委令第10号）"
EBID = "《电子招标投标办法》（国家发展改革委等八部委令第20号）"

REQUIRED_BY_KIND: dict[str, list[str]] = {
    "tender": [
        "title",
        "project_code",
        "project_name",
        "tenderer_name",
        "agency_name",
        "bid_deadline",
        "opening_at",
        "file_issue_start",
        "file_issue_end",
        "body_text",
    ],
    "change": ["title", "project_code", "project_name", "body_text"],
    "candidate": ["title", "project_code", "project_name", "publicity_start", "publicity_end", "body_text"],
    "award": ["title", "project_code", "project_name", "winner_name", "award_amount", "body_text"],
    "termination": ["title", "project_code", "project_name", "body_text"],
}

# code, name, check, severity, message, legal basis, params
RULES: list[tuple[str, str, str, str, str, str, dict[str, Any]]] = [
    (
        "required_fields",
        "按公告类型的必填字段",
        "required_fields",
        "error",
        "公告缺少必填内容",
        f"{ORDER_10}第五条、第六条；{ORDER_87}第十三条",
        {"fields": REQUIRED_BY_KIND},
    ),
    (
        "tender_period",
        "招标文件发出至投标截止不少于20日",
        "tender_period",
        "error",
        "自招标文件开始发出之日起至投标截止之日止不得少于法定期限",
        f"{TB_LAW}第二十四条；{GP_LAW}第三十五条",
        {
            "min_days": 20,
            "scope": {"construction": [], "procurement": ["open_tendering"]},
        },
    ),
    (
        "file_issue_days",
        "招标文件发售期不少于5日（工程建设）",
        "file_issue_days",
        "error",
        "招标文件的发售期不得少于法定期限",
        f"{TB_REG}第十六条",
        {"min_days": 5, "scope": {"construction": []}},
    ),
    (
        "procurement_file_period",
        "政府采购公告及招标文件提供期限不少于5个工作日",
        "file_issue_working_days",
        "error",
        "招标公告及招标文件的提供期限不得少于法定工作日",
        f"{ORDER_87}第十六条",
        {"min_working_days": 5, "scope": {"procurement": []}},
    ),
    (
        "clarification_period",
        "影响投标文件编制的澄清或修改距投标截止不少于15日",
        "clarification_period",
        "error",
        "澄清或者修改的内容可能影响投标文件编制，应在投标截止时间至少15日前发布，不足的应顺延投标截止时间",
        f"{TB_LAW}第二十三条；{TB_REG}第二十一条；{ORDER_87}第二十七条",
        {"min_days": 15},
    ),
    (
        "candidate_publicity",
        "中标候选人公示期不少于3日",
        "candidate_publicity",
        "error",
        "中标候选人公示期不得少于法定期限",
        f"{TB_REG}第五十四条",
        {"min_days": 3},
    ),
    (
        "change_target",
        "变更公告须指向已发布的同一项目公告",
        "change_target",
        "error",
        "变更公告必须指向本项目已发布的公告",
        f"{TB_LAW}第二十三条；{ORDER_87}第二十七条",
        {},
    ),
    (
        "restricted_terms",
        "限制性、歧视性条款",
        "restricted_terms",
        "warning",
        "公告含有可能限制或排斥潜在投标人的内容",
        f"{TB_REG}第三十二条；{GP_REG}第二十条",
        {"fields": ["title", "body_text", "attachments"]},
    ),
    (
        "attachment_types",
        "附件类型",
        "attachment_types",
        "error",
        "附件类型不在允许范围内",
        EBID,
        {
            "extensions": [
                *[".pdf", ".ofd", ".doc", ".docx", ".xls", ".xlsx", ".wps"],
                *[".pptx", ".zip", ".rar", ".jpg", ".jpeg", ".png"],
            ],
            "media_types": [
                "application/pdf",
                "application/ofd",
                "application/msword",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.ms-excel",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.ms-works",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "application/vnd.rar",
                "application/zip",
                "application/x-zip-compressed",
                "image/jpeg",
                "image/png",
                "application/octet-stream",
            ],
        },
    ),
    (
        "attachment_size",
        "附件大小",
        "attachment_size",
        "error",
        "附件超过大小限制",
        "本平台信息发布规定",
        {"max_mb": 50, "max_total_mb": 200},
    ),
    (
        "opening_at_deadline",
        "开标时间与投标截止时间一致",
        "opening_at_deadline",
        "warning",
        "开标时间或投标截止时间有误",
        f"{TB_LAW}第三十四条",
        {},
    ),
    (
        "price_cap",
        "最高投标限价不超过预算",
        "price_cap",
        "warning",
        "最高投标限价与预算金额不符",
        f"{ORDER_87}第十二条；{TB_REG}第二十七条",
        {},
    ),
    (
        "agency_flagged",
        "代理机构处于标记期",
        "agency_flagged",
        "warning",
        "提交公告的代理机构处于违规标记期，公告将被重点巡查",
        "《公共资源交易平台管理暂行办法》（国家发展改革委等14部委令第39号）；违法违规行为处理决定",
        {},
    ),
]

A32 = f"{TB_REG}第三十二条"
GP20 = f"{GP_REG}第二十条"
O87_17 = f"{ORDER_87}第十七条"
TERMS: list[tuple[str, str, str, str]] = [
    # term, category, severity, legal basis
    ("本地注册", "地域限制", "error", f"{A32}第（七）项；{GP20}第（七）项"),
    ("须在本市设立分支机构", "地域限制", "error", f"{A32}第（七）项；{GP20}第（七）项"),
    ("须在本地设立", "地域限制", "error", f"{A32}第（七）项；{GP20}第（七）项"),
    ("本地企业优先", "地域限制", "error", f"{A32}第（七）项；{GP20}第（七）项"),
    ("本市业绩", "地域限制", "error", f"{A32}第（三）项；{GP20}第（四）项"),
    ("本省业绩", "地域限制", "error", f"{A32}第（三）项；{GP20}第（四）项"),
    ("本地缴纳社保", "地域限制", "warning", f"{A32}第（七）项"),
    ("纳入本地备选库", "地域限制", "warning", f"{A32}第（七）项；《优化营商环境条例》第十三条"),
    ("指定品牌", "指定品牌", "error", f"{A32}第（五）项；{GP20}第（六）项"),
    ("唯一品牌", "指定品牌", "error", f"{A32}第（五）项；{GP20}第（六）项"),
    ("原装进口", "指定品牌", "warning", "《政府采购进口产品管理办法》（财库〔2007〕119号）第四条"),
    ("原厂授权", "指定品牌", "warning", O87_17),
    ("指定供应商", "指定品牌", "error", f"{A32}第（五）项；{GP20}第（六）项"),
    ("仅限国有企业", "所有制歧视", "error", f"{A32}第（六）项；{GP20}第（七）项"),
    ("国有企业优先", "所有制歧视", "error", f"{A32}第（六）项；{GP20}第（七）项"),
    ("不接受民营企业", "所有制歧视", "error", f"{A32}第（六）项；{GP20}第（七）项"),
    ("外资企业不得参加", "所有制歧视", "error", f"{A32}第（六）项；{GP20}第（七）项"),
    ("注册资本不低于", "规模限制", "warning", f"{O87_17}；{GP20}第（二）项"),
    ("营业收入不低于", "规模限制", "warning", f"{O87_17}；{GP20}第（二）项"),
    ("成立时间不少于", "规模限制", "warning", f"{GP20}第（二）项"),
    ("鲁班奖", "业绩奖项限制", "warning", f"{A32}第（三）项"),
    ("省级以上奖项", "业绩奖项限制", "warning", f"{A32}第（三）项"),
]

TERM_CATEGORIES = ["地域限制", "指定品牌", "所有制歧视", "规模限制", "业绩奖项限制", "其他"]


def ensure_defaults(rule_model: Any, term_model: Any) -> None:
    """Idempotent. Takes the model classes so a migration can pass its historical models.

    Never overwrites a row staff have tuned: only missing codes/terms are created. Two queries
    when nothing is missing (every database test calls this).
    """
    have_rules = set(rule_model.objects.values_list("code", flat=True))
    rule_model.objects.bulk_create(
        [
            rule_model(
                code=code,
                name=name,
                check_name=check,
                severity=severity,
                enabled=True,
                message=message,
                legal_basis=basis,
                params=params,
                position=position * 10,
            )
            for position, (code, name, check, severity, message, basis, params) in enumerate(RULES, start=1)
            if code not in have_rules
        ],
        ignore_conflicts=True,
    )
    have_terms = set(term_model.objects.values_list("term", flat=True))
    term_model.objects.bulk_create(
        [
            term_model(term=term, category=category, severity=severity, legal_basis=basis)
            for term, category, severity, basis in TERMS
            if term not in have_terms
        ],
        ignore_conflicts=True,
    )
