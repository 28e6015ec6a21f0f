"""Partial updates (PATCH): a field sent as null clears it where the record may lack it, and is
refused everywhere else.

A PATCH body names the fields to change; JSON Merge Patch (RFC 7396 §2) reads a null member as
"remove this value". Where the record must keep a value (a name, a flag, a list the update
replaces whole) a null cannot mean that: :class:`PartialUpdate` refuses it, 422 with the error
type ``null_not_allowed`` at the field, instead of the update ignoring it (and answering 200, the
version bumped) or failing on the database's constraint (500). Only the fields a subclass lists in
:attr:`PartialUpdate.CLEARABLE` take null, and its endpoint clears them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError


class PartialUpdate(BaseModel):
    """The body of a PATCH: unknown fields refused, null taken only by :attr:`CLEARABLE` fields."""

    model_config = ConfigDict(extra="forbid")

    CLEARABLE: ClassVar[frozenset[str]] = frozenset()
    """The fields null clears (the others refuse it: ``null_not_allowed``)."""

    @field_validator("*", mode="after")
    @classmethod
    def _null_only_where_clearable(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.CLEARABLE:
            raise PydanticCustomError(
                "null_not_allowed", "may not be null: leave the field out to keep its value, or send a new one"
            )
        return value
