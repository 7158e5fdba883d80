"""What a delivered message costs: one price table per channel and conversation category (BRL).

The figures follow the public WhatsApp Business rates for Brazil closely enough for cost
previews and analytics to look real; free-form replies inside an open customer-care window
(`service`) are free on WhatsApp.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypeAlias

__all__ = ["CURRENCY", "PRICES", "BillingCategory", "billable", "price"]

BillingCategory: TypeAlias = Literal["marketing", "utility", "authentication", "service"]

CURRENCY = "BRL"

PRICES: Mapping[str, Mapping[BillingCategory, float]] = {
    "whatsapp": {"marketing": 0.3125, "utility": 0.16, "authentication": 0.16, "service": 0.0},
    "sms": {"marketing": 0.09, "utility": 0.09, "authentication": 0.09, "service": 0.09},
    "email": {"marketing": 0.01, "utility": 0.01, "authentication": 0.01, "service": 0.01},
}


def price(category: BillingCategory, channel: str) -> float:
    return PRICES[channel][category]


def billable(category: BillingCategory, channel: str) -> dict[str, object]:
    """The ``billable`` object a delivered message carries."""
    return {"category": category, "price": price(category, channel), "currency": CURRENCY}
