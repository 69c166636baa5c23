"""Fixtures shared by every app's tests: organisations and users made through the real services,
a movable clock, and a real Chromium driven by Playwright for browser tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.core.codes import make_credit_code

BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_browser_not_run: list[str] = []
_counter = iter(range(1, 10**6))


def credit_code(n: int | None = None) -> str:
    n = next(_counter) if n is None else n
    return make_credit_code(f"91640400MA{n:07d}")


@pytest.fixture(autouse=True)
def _default_rows(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush every table, migration-made rows included; put the default
    columns and review chains back for any test that uses the database."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db") if "transactional_db" not in request.fixturenames else None
    from ggzy.publishing.defaults import ensure_defaults
    from ggzy.publishing.models import Category, ReviewChain, ReviewStep

    ensure_defaults(Category, ReviewChain, ReviewStep)
    from ggzy.participation.services import participation_categories_ensure

    participation_categories_ensure(Category)
    from ggzy.compliance.defaults import ensure_defaults as compliance_defaults
    from ggzy.compliance.models import ComplianceRule, RestrictedTerm

    compliance_defaults(ComplianceRule, RestrictedTerm)
    from ggzy.experts.models import SpecialtyCode
    from ggzy.experts.specialties import ensure_specialties

    ensure_specialties(SpecialtyCode)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def make_org(db: None) -> Callable[..., Any]:
    from ggzy.accounts import services

    def make(kind: str = "center", name: str | None = None) -> Any:
        n = next(_counter)
        return services.organisation_create(
            actor=None, kind=kind, name=name or f"测试机构{n}", credit_code=credit_code(n)
        )

    return make


@pytest.fixture
def make_user(db: None, make_org: Callable[..., Any]) -> Callable[..., Any]:
    from ggzy.accounts import services

    def make(
        *roles: str, org: Any = None, username: str | None = None, password: str = "pw-1234567890"
    ) -> Any:
        org = org or make_org("center")
        return services.user_create(
            actor=None,
            username=username or f"user{next(_counter)}",
            password=password,
            organisation=org,
            display_name="测试用户",
            roles=list(roles),
        )

    return make


@pytest.fixture
def center(make_org: Callable[..., Any]) -> Any:
    return make_org("center", "示范市公共资源交易中心")


@pytest.fixture
def staff(make_user: Callable[..., Any], center: Any) -> dict[str, Any]:
    """One user per center role, all in the same center: the four review steps and the editor."""
    return {
        role: make_user(role, org=center, username=f"{role}-{next(_counter)}")
        for role in ("editor", "first_reviewer", "reviewer", "second_reviewer", "signer", "system_admin")
    }


@pytest.fixture
def publish(staff: dict[str, Any]) -> Callable[..., Any]:
    """Take an item through submit and the four default review steps."""
    from ggzy.publishing import services

    def run(item: Any, clock: Any = None) -> Any:
        kwargs = {"clock": clock} if clock is not None else {}
        item = services.release_submit(actor=staff["editor"], item=item, **kwargs)
        for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
            item = services.release_approve(actor=staff[role], item=item, **kwargs)
        return item

    return run


# ---------------------------------------------------------------- browser tests


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[Any]:
    """The one Chromium of the test session (a second sync Playwright in the same thread would
    fail while this one runs)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI 环境必须运行浏览器测试，但没有找到 chromium（apt-get install chromium）")
        _browser_not_run.append("chromium not found")
        pytest.skip("BROWSER TESTS DID NOT RUN: chromium is not installed on this machine")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # body are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def browser(playwright_browser: Any) -> Any:
    """The session's Chromium. Test packages may override ``browser`` (the portal's is a Django
    client); ``page`` does not depend on the name, so it works everywhere."""
    return playwright_browser


@pytest.fixture
def page(playwright_browser: Any) -> Iterator[Any]:
    context = playwright_browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long fuzz runs (marker ``fuzz``) belong to the nightly job: skipped unless ``-m`` names them
    (``pytest -m fuzz``). Done here rather than with ``-m "not fuzz"`` in addopts, which any other
    ``-m`` on the command line would silently replace."""
    if "fuzz" in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason="long fuzz run: select with -m fuzz (nightly)")
    for item in items:
        if item.get_closest_marker("fuzz") is not None:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _browser_not_run:
        terminalreporter.write_sep(
            "!", "BROWSER TESTS DID NOT RUN (chromium missing) — CI will fail on this", red=True
        )
