"""Reads of the compliance gate: run the check on facts, the latest recorded check, the
publication mode, and the lists the staff pages show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from ggzy.compliance import rules
from ggzy.compliance.facts import DOMAINS, NOTICE_KINDS, CheckResult, Finding, NoticeFacts
from ggzy.compliance.models import (
    AgencyFlag,
    ComplianceCheck,
    ComplianceRule,
    PublicationMode,
    PublicationPolicy,
    RestrictedTerm,
)
from ggzy.core.workdays import WorkCalendar
from ggzy.workcalendar.selectors import work_calendar


def rule_specs(*, enabled_only: bool = True) -> list[rules.RuleSpec]:
    qs = ComplianceRule.objects.all()
    if enabled_only:
        qs = qs.filter(enabled=True)
    return [
        rules.RuleSpec(
            code=code, check=check, severity=severity, message=message, legal_basis=basis, params=params or {}
        )
        for code, check, severity, message, basis, params in qs.values_list(
            "code", "check_name", "severity", "message", "legal_basis", "params"
        )
    ]


def active_flags(*, on: dt.date, organisation_id: int | None = None) -> dict[int, rules.FlagFacts]:
    """Flags in force on ``on`` (until inclusive), by organisation; the latest-ending wins."""
    out: dict[int, rules.FlagFacts] = {}
    qs = AgencyFlag.objects.filter(lifted_at__isnull=True, until__gte=on)
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    for org_id, until, reason in qs.order_by("until").values_list("organisation_id", "until", "reason"):
        out[org_id] = rules.FlagFacts(organisation_id=org_id, until=until, reason=reason)
    return out


class _LazyWorkingDays:
    """Builds the work calendar (two queries) only when a working-day rule actually asks."""

    def __init__(self) -> None:
        self._calendar: WorkCalendar | None = None

    def __call__(self, start: dt.date, end: dt.date) -> int:
        if self._calendar is None:
            self._calendar = work_calendar()
        return sum(1 for _ in self._calendar.working_days(start, end))


def check_context(*, facts: NoticeFacts, specs: list[rules.RuleSpec]) -> rules.CheckContext:
    checks = {s.check for s in specs}
    terms: list[rules.TermFacts] = []
    if "restricted_terms" in checks:
        terms = [
            rules.TermFacts(term=t, category=c, severity=s, legal_basis=b)
            for t, c, s, b in RestrictedTerm.objects.values_list(
                "term", "category", "severity", "legal_basis"
            )
        ]
    flags: dict[int, rules.FlagFacts] = {}
    if "agency_flagged" in checks and facts.organisation_id is not None:
        flags = active_flags(
            on=rules.as_date(facts.publish_at) or dt.date.min, organisation_id=facts.organisation_id
        )
    return rules.CheckContext(terms=terms, flags=flags, count_working_days=_LazyWorkingDays())


def compliance_check(*, facts: NoticeFacts) -> CheckResult:
    """Every enabled rule on ``facts``. Flags are judged on the publication date."""
    specs = rule_specs()
    return rules.run_rules(facts, specs, check_context(facts=facts, specs=specs))


def compliance_latest(*, subject: str) -> ComplianceCheck | None:
    """The last recorded check of ``subject`` (e.g. "notice:42"); ``.findings`` is a list of dicts."""
    return ComplianceCheck.objects.filter(subject=subject).order_by("-checked_at", "-pk").first()


def compliance_history(*, subject: str) -> QuerySet[ComplianceCheck]:
    return ComplianceCheck.objects.filter(subject=subject).order_by("-checked_at", "-pk")


def findings_of(check: ComplianceCheck) -> list[Finding]:
    return [Finding.from_dict(d) for d in check.findings or []]


def publication_mode(*, kind: str, domain: str) -> str:
    """``"approve_first"`` or ``"publish_then_patrol"`` (the default, when no row says otherwise)."""
    mode = PublicationPolicy.objects.filter(kind=kind, domain=domain).values_list("mode", flat=True).first()
    return mode or PublicationMode.PUBLISH_THEN_PATROL.value


def publication_policy_grid() -> list[dict[str, Any]]:
    """One row per notice kind with the mode per domain, defaults filled in (for the staff page)."""
    stored = {(p.kind, p.domain): p.mode for p in PublicationPolicy.objects.all()}
    return [
        {
            "kind": kind,
            "label": rules.KIND_LABELS[kind],
            "cells": [
                {
                    "domain": domain,
                    "label": rules.DOMAIN_LABELS[domain],
                    "mode": stored.get((kind, domain), PublicationMode.PUBLISH_THEN_PATROL.value),
                }
                for domain in DOMAINS
            ],
        }
        for kind in NOTICE_KINDS
    ]


def rule_list() -> QuerySet[ComplianceRule]:
    return ComplianceRule.objects.order_by("position", "code")


def rule_get(*, pk: int) -> ComplianceRule | None:
    return ComplianceRule.objects.filter(pk=pk).first()


def term_list() -> QuerySet[RestrictedTerm]:
    return RestrictedTerm.objects.order_by("category", "term")


def agency_flag_list(*, on: dt.date, include_inactive: bool = False) -> QuerySet[AgencyFlag]:
    qs = AgencyFlag.objects.select_related("organisation", "created_by", "lifted_by")
    if not include_inactive:
        qs = qs.filter(Q(lifted_at__isnull=True) & Q(until__gte=on))
    return qs.order_by("-created_at")
