"""Browser: two custodians at the host's terminal load their share files and open the bid whose
bidder did not decrypt (备用解密)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ggzy.opening import views
from ggzy.opening.models import OpenedBid
from ggzy.opening.tests.test_browser import _as
from ggzy.opening.tests.test_custody import PW, _after_window

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_custodians_open_failed_bid_in_browser(
    browser: Any, live_server: Any, make_hall: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hall = make_hall(3)
    monkeypatch.setattr(views, "clock", hall.clock)
    _after_window(hall)  # bidder 1 decrypted, bidders 2 and 3 did not
    base = live_server.url
    host = _as(browser, base, hall.host, viewport={"width": 390, "height": 844}, is_mobile=True)
    host.goto(f"{base}/opening/{hall.section.code}/")
    host.locator("#step-backup").click()
    host.wait_for_selector("#backup-form")
    for i in (1, 2):
        share_file = tmp_path / f"share-{i}.txt"
        share_file.write_text(hall.escrow.shares[i - 1].to_text() + "\n")
        host.get_by_label("账号").nth(i - 1).fill(hall.custodians[i - 1].username)
        host.get_by_label("密码").nth(i - 1).fill(PW)
        host.locator(f"#share-file-{i}").set_input_files(str(share_file))
        # the file is read in the browser into the share field
        expect(host.locator(f"#share-{i}")).to_have_value(hall.escrow.shares[i - 1].to_text())
    host.locator("#backup-submit").click()
    host.wait_for_selector("#backup-result")
    opened = host.locator("#backup-opened").inner_text()
    for b in hall.bidders[1:]:
        assert b.org.name in opened
        assert OpenedBid.objects.get(bid=b.bid).method == "backup"
    assert hall.bidders[0].org.name not in opened
