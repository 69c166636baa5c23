"""Part files left behind by a crash or a lost commit answer (scripts/faults/pg_restart.py saw one:
the bid committed, the answer was lost with the database restart, the clean-up never ran) are
removed by the worker's ``bid_uploads_expire``; the part of a session still open is kept; a
session that was started but not yet written to has no part file at all."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.trading import services
from ggzy.trading.models import BidUpload
from ggzy.trading.services.bids import upload_path
from ggzy.trading.tests.bidkit import make_sealer, trust_ca
from ggzy.trading.tests.conftest import Parties

pytestmark = pytest.mark.django_db


def test_leftover_parts_are_swept_open_ones_kept(
    build: Callable[..., Any], parties: Parties, tclock: FixedClock
) -> None:
    section = build("published", deadline_days=20)
    sealer = make_sealer(trust_ca(tclock), parties.bidder, tclock)
    data = sealer.seal(section, b"%PDF bid " * 2000)
    bid = services.bid_submit_file(actor=parties.bidder, section=section, src=io.BytesIO(data), clock=tclock)
    done = BidUpload.objects.get(bid=bid)
    assert not upload_path(done).exists()
    upload_path(done).write_bytes(data)  # what a crash between the commit and the clean-up leaves

    data = sealer.seal(section, b"%PDF second version " * 2000)
    started = services.bid_upload_start(
        actor=parties.bidder, section=section, total_size=len(data), clock=tclock
    )
    assert not upload_path(started).exists()  # no file before the first bytes arrive
    services.bid_upload_append(
        actor=parties.bidder, token=started.token, offset=0, data=data[:1000], clock=tclock
    )
    assert upload_path(started).stat().st_size == 1000

    assert services.bid_uploads_expire(clock=tclock) == 0  # nothing expired: the deadline is ahead
    assert not upload_path(done).exists()
    assert upload_path(started).stat().st_size == 1000
    services.bid_upload_append(
        actor=parties.bidder, token=started.token, offset=1000, data=data[1000:], clock=tclock
    )
    assert services.bid_upload_finalise(actor=parties.bidder, token=started.token, clock=tclock).is_current
