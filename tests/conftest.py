"""Suite-wide settings."""

from __future__ import annotations

from hypothesis import settings

# No per-example deadline: it is a timing assertion, and these machines are shared and noisy
# (a 0.1 ms example once took 317 ms). Hypothesis still reports slow strategies on its own.
settings.register_profile("ccx", deadline=None)
settings.load_profile("ccx")
