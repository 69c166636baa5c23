"""Data for the portal tests, made through the real services (create → review chain → publish)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from ggzy.accounts import services as account_services
from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import User
from ggzy.core.clock import FixedClock
from ggzy.core.codes import make_credit_code
from ggzy.publishing import services
from ggzy.publishing.models import Article, Category, Notice
from ggzy.publishing.services.visits import visit_flush

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36"
PDF = b"%PDF-1.4\n% ggzy test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

_counter = itertools.count(1)


class Publisher:
    """An editor and the four reviewers of the default chain, plus helpers that publish."""

    def __init__(self) -> None:
        org = account_services.organisation_create(
            actor=None,
            kind=OrganisationKind.CENTER,
            name="示范市公共资源交易中心",
            credit_code=make_credit_code("12640400MB1234567"),
        )
        self.org = org
        self.editor = account_services.user_create(
            actor=None, username="editor", password="x" * 12, organisation=org, roles=[Role.EDITOR]
        )
        self.reviewers: list[User] = [
            account_services.user_create(
                actor=None, username=f"r-{role}", password="x" * 12, organisation=org, roles=[role]
            )
            for role in (Role.FIRST_REVIEWER, Role.REVIEWER, Role.SECOND_REVIEWER, Role.SIGNER)
        ]
        self.signer = self.reviewers[-1]
        self.clock = FixedClock(dt.datetime(2021, 6, 1, 2, 0, tzinfo=dt.UTC))

    def publish(self, item: Any, *, at: dt.datetime | None = None) -> Any:
        clock = FixedClock(at) if at else self.clock
        item = services.release_submit(actor=self.editor, item=item, clock=clock)
        for reviewer in self.reviewers:
            item = services.release_approve(actor=reviewer, item=item, clock=clock)
        return item

    def article(
        self, *, category: str = "news", title: str | None = None, publish: bool = True, **kw: Any
    ) -> Article:
        article = services.article_create(
            actor=self.editor,
            category=Category.objects.get(code=category),
            title=title or f"测试政务信息{next(_counter)}",
            body_html=kw.pop("body_html", "<p>正文内容。</p>"),
            **kw,
        )
        return self.publish(article, at=kw.get("at")) if publish else article

    def notice(self, *, publish: bool = True, at: dt.datetime | None = None, **kw: Any) -> Notice:
        fields: dict[str, Any] = {
            "kind": "tender",
            "domain": "construction",
            "bid_deadline": dt.datetime(2021, 6, 25, 1, 30, tzinfo=dt.UTC),
            "opening_at": dt.datetime(2021, 6, 25, 1, 30, tzinfo=dt.UTC),
            **kw,
        }
        title = fields.pop("title", None) or f"示范市测试项目{next(_counter)}施工招标公告"
        notice = services.notice_create(
            actor=self.editor, title=title, body_html=fields.pop("body_html", "<p>招标条件……</p>"), **fields
        )
        return self.publish(notice, at=at) if publish else notice

    def correct(self, item: Any, *, note: str, title: str | None = None) -> Any:
        new = services.release_correction_start(actor=self.editor, item=item, correction_note=note)
        if title:
            type(new).objects.filter(pk=new.pk).update(title=title)
            new.refresh_from_db()
        return self.publish(new)

    def withdraw(self, item: Any, *, reason: str) -> Any:
        return services.release_withdraw(actor=self.signer, item=item, reason=reason, clock=self.clock)


@pytest.fixture
def pub(db: None) -> Publisher:
    return Publisher()


@pytest.fixture
def pdf_upload() -> Callable[[str], tuple[str, io.BytesIO]]:
    def make(name: str = "招标文件.pdf", extra: bytes = b"") -> tuple[str, io.BytesIO]:
        return name, io.BytesIO(PDF + extra)

    return make


@pytest.fixture
def browser() -> Client:
    """A test client identifying as a person's browser (an empty user agent counts as a bot)."""
    return Client(HTTP_USER_AGENT=BROWSER_UA)


@pytest.fixture
def no_visit_writes(settings: Any) -> None:
    """Buffer visit counts as production does, so query budgets measure the page itself."""
    visit_flush()
    settings.GGZY_VISIT_FLUSH_SECONDS = 3600.0


MONEY = Decimal("12345678.90")
