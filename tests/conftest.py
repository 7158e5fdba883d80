"""Suite-wide settings."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator

import pytest
from hypothesis import settings

# No per-example deadline: it is a timing assertion, and these machines are shared and noisy
# (a 0.1 ms example once took 317 ms). Hypothesis still reports slow strategies on its own.
settings.register_profile("ccx", deadline=None)
settings.load_profile("ccx")


@pytest.fixture
def nothing_left_open() -> Iterator[None]:
    """Fails the test if what it made leaves a socket or an aiohttp session for the garbage
    collector to find unclosed (its ``ResourceWarning``)."""
    with warnings.catch_warnings():  # what earlier tests left behind is not this test's
        warnings.simplefilter("ignore", ResourceWarning)
        asyncio.set_event_loop(None)  # asyncio.run() would drop a loop left current
        gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    left = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert left == []
