"""The configurable rules of the expert draw ([K]/[U] items of trading-rules §3), as data.
``settings.GGZY_EXPERTS`` (a dict) overrides any key; the services read :func:`expert_rules`."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ggzy.accounts.choices import Role

NEGOTIATED = ["competitive_negotiation", "competitive_consultation", "inquiry"]

DEFAULTS: dict[str, Any] = {
    # First matching rule wins (rules.size_rule_for).
    "size_rules": [
        {
            "name": "政府采购预算金额1000万元以上",
            "domains": ["procurement"],
            "budget_at_least": "10000000",
            "minimum": 7,
        },
        {"name": "竞争性谈判、竞争性磋商、询价", "procedures": NEGOTIATED, "minimum": 3},
        {"name": "招标投标法第三十七条", "minimum": 5},
    ],
    # Experts (技术、经济等方面的专家) must be at least this share of the committee, tenderer
    # representatives included (招标投标法 Art. 37, 87号令 Art. 47: 2/3). A fraction as text.
    "min_expert_share": "2/3",
    # Named tenderer representatives need an organisation with a usable certificate (the
    # platform's identity check of an organisation); False accepts any active tenderer user.
    "representative_requires_certificate": True,
    # May a tenderer representative be elected chair? First match wins; none matching: yes.
    # Procurement: 财库〔2012〕69号 "采购人代表不得担任组长" [K; read in a secondary source only].
    # Construction: no national rule found — allowed unless a local rule is configured here.
    "representative_chair_rules": [
        {"domains": ["procurement"], "allowed": False, "basis": "财库〔2012〕69号"},
        {"allowed": True},
    ],
    "timing_rules": [
        {
            "name": "财库〔2016〕198号",
            "domains": ["procurement"],
            "except_procedures": ["competitive_negotiation", "competitive_consultation"],
            "earliest_working_days_before": 2,
        },
    ],
    # Experts must be *under* this age on the evaluation day.
    "age_rules": [{"domains": ["procurement"], "under": 70}],
    "lookback_years": 3,
    "confirm_minutes": 120,
    # Center staff holding one of these roles see the names of a committee (each view audited).
    "name_viewer_roles": [Role.SYSTEM_ADMIN],
    # Dotted paths of notification channels by name (ggzy.experts.notify).
    "channels": {
        "email": "ggzy.experts.notify.EmailChannel",
        "sms": "ggzy.experts.notify.ConsoleGateway",
        "voice": "ggzy.experts.notify.ConsoleGateway",
    },
}


def expert_rules() -> dict[str, Any]:
    return DEFAULTS | dict(getattr(settings, "GGZY_EXPERTS", {}) or {})
