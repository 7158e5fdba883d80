"""The base class of every generated response model."""

from __future__ import annotations

import pydantic

__all__ = ["BaseModel"]


class BaseModel(pydantic.BaseModel):
    """Response models keep fields they do not know, so a newer server never breaks parsing."""

    model_config = pydantic.ConfigDict(extra="allow", populate_by_name=True)
