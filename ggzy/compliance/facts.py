"""Plain facts the compliance gate checks, and what it answers. Pure: no Django, no ggzy imports.

The gate sits below publishing in the layers, so publishing (or the 规则试算 form) turns a notice
into :class:`NoticeFacts` and gets a :class:`CheckResult` back. Everything here is frozen so a
result shown to the agency is exactly the one recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)

NOTICE_KINDS = ("tender", "change", "candidate", "award", "termination")
DOMAINS = ("construction", "procurement", "land_mining", "state_assets", "other")
PROCEDURES = (
    "open_tendering",
    "invited_tendering",
    "competitive_negotiation",
    "competitive_consultation",
    "inquiry",
    "single_source",
    "other",
    "",
)


@dataclass(frozen=True)
class AttachmentFacts:
    """One attachment as submitted: its file name, declared media type and size in bytes."""

    name: str
    media_type: str = ""
    size: int = 0


@dataclass(frozen=True)
class ChangedNoticeFacts:
    """The notice a change notice points at, as the caller found it.

    ``found`` is False when the given target does not exist (then the other fields are empty).
    """

    found: bool
    status: str = ""
    kind: str = ""
    project_code: str = ""
    bid_deadline: dt.datetime | None = None


@dataclass(frozen=True)
class NoticeFacts:
    """A notice about to be published, reduced to what the rules need.

    ``fields`` keys: title, project_code, project_name, section_code, section_name, tenderer_name,
    agency_name, budget, price_cap (Decimal|None), bid_deadline, opening_at, file_issue_start,
    file_issue_end (aware datetimes|None), publicity_start, publicity_end (date|None),
    winner_name, award_amount, affects_bid_preparation (bool), body_text (plain text).
    """

    kind: str
    domain: str
    procedure: str
    fields: Mapping[str, Any]
    attachments: Sequence[AttachmentFacts] = ()
    changes: ChangedNoticeFacts | None = None
    publish_at: dt.datetime = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    organisation_id: int | None = None


@dataclass(frozen=True)
class Finding:
    """One problem found by one rule; ``field`` names the notice field to fix ("" = whole notice)."""

    rule_code: str
    severity: str  # "error" | "warning"
    message: str
    legal_basis: str
    field: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            rule_code=str(data.get("rule_code", "")),
            severity=str(data.get("severity", WARNING)),
            message=str(data.get("message", "")),
            legal_basis=str(data.get("legal_basis", "")),
            field=str(data.get("field", "")),
        )


@dataclass(frozen=True)
class CheckResult:
    """All findings of one gate run. Errors block submission; warnings need the agency to confirm."""

    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == WARNING)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)

    @property
    def has_warnings(self) -> bool:
        return any(f.severity == WARNING for f in self.findings)

    def as_list(self) -> list[dict[str, str]]:
        return [f.as_dict() for f in self.findings]
