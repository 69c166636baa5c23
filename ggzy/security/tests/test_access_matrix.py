"""The access matrix (issue 9 §4): every URL under /manage/, /accounts/agency/ and /api/v1/, with
object ids of ANOTHER organisation substituted, for anonymous visitors and a user holding each role
(of an organisation that does not own those objects).

* anonymous: a login redirect, 401, 403, 404 or 405 — never 200 (except the public allow-list);
* a user who is not a member of the owning organisation: never 200 on an object-specific page or
  API call of that organisation (public API reads of published items aside);
* nobody, with GET or a garbage POST: never a 5xx.

One test function walks the whole matrix against one world, so the setup runs once (fast on SQLite)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ggzy.accounts.choices import CENTER_ROLES
from ggzy.core.clock import FixedClock
from ggzy.publishing.tests.agency_support import NOW
from ggzy.security.tests.world import World, build_world

PREFIXES = ("manage/", "accounts/agency/", "api/v1/")

# Pages/endpoints anyone may GET (the public API and the public agency registration form).
PUBLIC_GET = {
    "accounts/agency/register/",
    "api/v1/",
    "api/v1/openapi.json",
    "api/v1/docs",
    "api/v1/notices",
    "api/v1/notices/changes",
    "api/v1/articles",
    "api/v1/disclosure/requests/track",
    "api/v1/disclosure/stats",
    "api/v1/disclosure/table2",
    "api/v1/disclosure/fee-totals",
    "api/v1/ocds/releases",
    "api/v1/reports/annual/<int:year>",
    "api/v1/reports/annual/<int:year>.docx",
    "api/v1/reports/annual/<int:year>.pdf",
    "api/v1/reports/annual/<int:year>.html",
    "api/v1/search",
    "api/v1/stats/publications",
}
# Public forms anyone may POST (a citizen's disclosure request, tracking, agency registration).
PUBLIC_POST = {
    "accounts/agency/register/",
    "api/v1/disclosure/requests",
    "api/v1/disclosure/requests/track",
    # Read-only documentation views that answer any method with the same public document.
    "api/v1/",
    "api/v1/openapi.json",
    "api/v1/docs",
}


# Findings reported to the lead and not yet fixed in the owning app: (user label, route). Each
# entry must still fail the rule — the test says so when it no longer does, so the entry goes.
# Gaps the matrix found and that are not fixed yet: (user label, route). Empty — the escrow page
# that any center user could open now requires an administrator role.
KNOWN_ISSUES: set[tuple[str, str]] = set()


def walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def routes() -> list[str]:
    return sorted({r for r in walk(get_resolver().url_patterns) if r.startswith(PREFIXES)})


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def fill(route: str, world: World) -> tuple[str, bool]:
    """The concrete path for ``route`` and whether it names an object of the owning organisations."""
    owned = False

    def value(name: str) -> str:
        nonlocal owned
        if name == "pk":
            for prefix, obj in (
                ("manage/agency/notices/", world.notice),
                ("manage/<release:content_type>/", world.notice),
                ("manage/agency/mandates/", world.owner.mandate),
                ("manage/trading/projects/", world.project),
                ("manage/trading/sections/", world.section),
                ("accounts/agency/certificates/", world.certificate),
            ):
                if route.startswith(prefix):
                    owned = True
                    return str(obj.pk)
            return "1"
        if name == "section_pk":
            owned = True
            return str(world.section.pk)
        if name == "notice_id":
            owned = True  # a draft: not public
            return str(world.notice.pk)
        return {
            "content_type": "notice",
            "year": "2026",
            "fmt": "pdf",
            "ext": "pdf",
            "code": "user-agreement",
            "action": "submit",
        }.get(name, "1")

    path = "/" + PARAM.sub(lambda m: value(m.group(2)), route)
    return path, owned


def login_redirect(response: Any) -> bool:
    return response.status_code == 302 and "/accounts/login" in response.get("Location", "")


@pytest.mark.django_db
def test_access_matrix(make_org: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    clock = FixedClock(NOW)
    world = build_world(make_org, make_user, clock)
    problems: list[str] = []
    still_open: set[tuple[str, str]] = set()
    table = routes()
    assert len(table) > 100  # the walk really found the back office and the API

    def check(label: str, client: Client, user: Any) -> None:
        for route in table:
            path, owned = fill(route, world)
            for method in ("get", "post"):
                response = getattr(client, method)(path, data={"x": "<garbage>"})
                code = response.status_code
                where = f"{label} {method.upper()} {path} ({route}) -> {code}"
                if code >= 500:
                    problems.append("5xx: " + where)
                    continue
                public = route in (PUBLIC_GET if method == "get" else PUBLIC_POST)
                if user is None:
                    if not public and not (login_redirect(response) or code in (401, 403, 404, 405)):
                        problems.append("anonymous: " + where)
                elif owned and code == 200 and label not in CENTER_ROLES:
                    if (label, route) in KNOWN_ISSUES:
                        still_open.add((label, route))
                    else:
                        problems.append("other organisation: " + where)

    # The substituted ids are real: their owners do see them (else the matrix would prove nothing).
    for owner, path in (
        (world.owner.publisher, f"/manage/agency/notices/{world.notice.pk}/"),
        (world.owner.tenderer_user, f"/manage/trading/projects/{world.project.pk}/"),
        (world.owner.tenderer_user, f"/manage/trading/sections/{world.section.pk}/"),
    ):
        client = Client()
        client.force_login(owner)
        assert client.get(path).status_code == 200, path

    check("anonymous", Client(), None)
    for label, user in world.users.items():
        client = Client()
        client.force_login(user)
        check(label, client, user)
    assert not problems, "\n".join(problems)
    fixed = {issue for issue in KNOWN_ISSUES if issue[1] in table} - still_open
    assert not fixed, f"fixed — remove from KNOWN_ISSUES: {fixed}"
