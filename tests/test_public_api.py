"""`ccx`'s lazily exported names all resolve, and every error users catch derives from CCXError."""

from __future__ import annotations

import pytest

import ccx


@pytest.mark.parametrize("name", ccx.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(ccx, name) is not None


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = ccx.Nope


@pytest.mark.parametrize(
    "name", [n for n in ccx.__all__ if n.endswith("Error") and n != "CCXError"]
)
def test_every_error_is_a_ccx_error(name: str) -> None:
    assert issubclass(getattr(ccx, name), ccx.CCXError)


def test_no_type_shares_a_name_with_a_top_level_name() -> None:
    """`except ccx.UpstreamError` and a model also called UpstreamError read alike: one name, one
    thing."""
    import ccx.types
    import ccx.webhooks

    assert set(ccx.types.__all__) & (set(ccx.__all__) | set(ccx.webhooks.__all__)) == set()
