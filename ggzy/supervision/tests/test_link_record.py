"""``link_check_record``: findings that come from elsewhere (the technical service company's check,
demo history) are kept like a crawl's, labelled with where they came from."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.supervision import selectors, services
from ggzy.supervision.linkcheck import Broken
from ggzy.supervision.models import BrokenLink, LinkCheckRun

pytestmark = pytest.mark.django_db

NOTE = "技服公司月度检查结果（非本站抓取）"


def broken(url: str, page: str = "http://site.test/news/", status: int | None = 404) -> Broken:
    return Broken(url=url, found_on=page, status=status, error="" if status else "连接超时", external=False)


def test_recorded_runs_keep_history_and_reopen(clock: FixedClock, patroller: Any) -> None:
    run = services.link_check_record(
        actor=patroller,
        base_url="http://site.test",
        pages=120,
        links=900,
        broken=[broken("http://site.test/a"), broken("http://site.test/b", status=None)],
        note=NOTE,
        clock=clock,
    )
    assert (run.pages, run.links, run.broken, run.bounded_by) == (120, 900, 2, NOTE)
    assert run.finished_at == clock.now() and run.started_by == patroller
    link = BrokenLink.objects.get(url="http://site.test/a")
    services.broken_link_mark_fixed(actor=patroller, link=link, clock=clock)
    later = FixedClock(clock.now() + dt.timedelta(days=7))
    second = services.link_check_record(
        actor=patroller,
        base_url="http://site.test",
        pages=121,
        links=905,
        broken=[broken("http://site.test/a")],
        note=NOTE,
        clock=later,
    )
    link.refresh_from_db()
    assert link.fixed_at is None and link.last_run == second and link.sightings.count() == 2
    assert [r.pk for r in selectors.link_runs()] == [second.pk, run.pk]
    assert Event.objects.filter(action="supervision.link_check").count() == 2


def test_bad_input_is_refused(clock: FixedClock, patroller: Any, make_user: Any, make_org: Any) -> None:
    def record(**kw: Any) -> Any:
        values: dict[str, Any] = {
            "actor": patroller,
            "base_url": "http://site.test",
            "pages": 1,
            "links": 1,
            "broken": [],
            "note": NOTE,
            "clock": clock,
            **kw,
        }
        return services.link_check_record(**values)

    with pytest.raises(ValidationFailed, match="来源"):
        record(note="  ")
    with pytest.raises(ValidationFailed, match="200"):
        record(note="长" * 201)
    with pytest.raises(ValidationFailed, match="站点地址"):
        record(base_url="ftp://x")
    with pytest.raises(ValidationFailed, match="不小于0"):
        record(pages=-1)
    with pytest.raises(ValidationFailed, match="错链数"):
        record(links=1, broken=[broken("http://site.test/a"), broken("http://site.test/b")])
    with pytest.raises(PermissionDenied):
        record(actor=make_user("bidder", org=make_org("bidder")))
    assert LinkCheckRun.objects.count() == 0
