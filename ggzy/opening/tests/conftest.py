"""Fixtures of the opening tests (the hall itself is built by ``hallkit.build_hall``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.opening.tests.hallkit import T0, Hall, build_hall


@pytest.fixture
def oclock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def make_hall(db: None, oclock: FixedClock) -> Callable[..., Hall]:
    def make(bids: int = 3, **kwargs: Any) -> Hall:
        return build_hall(oclock, bids=bids, **kwargs)

    return make
