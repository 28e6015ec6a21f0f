"""The walk over every JSON request body the app takes, shared by the tests that check what each
field refuses: the bodies' models (:func:`request_models`), a validator per field
(:func:`field_validators`) and the date fields with their kind (:func:`date_fields`)."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic_core import SchemaValidator

DATE_KINDS = ("date", "datetime")
DATES_AS_TEXT = frozenset({("RegistrantCreate", "date_of_birth"), ("RegistrantUpdate", "date_of_birth")})
"""Partial dates (``1994``, ``1994-03``) taken as text: bounded by their parser."""


def request_models(app: FastAPI) -> set[type[BaseModel]]:
    """The pydantic models of every JSON request body the app takes, with the models they nest."""
    found: set[type[BaseModel]] = set()

    def collect(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                collect(field.annotation)
        for argument in typing.get_args(annotation):
            collect(argument)

    for route in app.routes:
        if isinstance(route, APIRoute):
            for param in route.dependant.body_params:
                collect(param.field_info.annotation)
    return found


def _fields_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema: Any = model.__pydantic_core_schema__
    while schema["type"] != "model-fields":
        schema = schema["schema"]
    return dict(schema["fields"])


def field_validators(model: type[BaseModel]) -> dict[str, SchemaValidator]:
    """A validator per field of ``model``: the field's own core schema (its type, constraints and
    field validators), without the model's validators, which need the other fields."""
    return {name: SchemaValidator(field["schema"]) for name, field in _fields_schema(model).items()}


def date_kind(schema: Any) -> str | None:
    """``"date"`` or ``"datetime"`` when a core schema validates one (anywhere in it)."""
    if isinstance(schema, dict):
        if schema.get("type") in DATE_KINDS:
            return str(schema["type"])
        return next((k for v in schema.values() if (k := date_kind(v)) is not None), None)
    if isinstance(schema, list):
        return next((k for v in schema if (k := date_kind(v)) is not None), None)
    return None


@dataclass(frozen=True)
class DateField:
    """A date or date-and-time field of a request body: ``where`` is ``Model.field``; ``kind``
    ``"date"`` or ``"datetime"`` (a partial date taken as text, :data:`DATES_AS_TEXT`: ``"date"``)."""

    model: type[BaseModel]
    name: str
    kind: str
    validator: SchemaValidator

    @property
    def where(self) -> str:
        return f"{self.model.__name__}.{self.name}"

    @property
    def as_text(self) -> bool:
        return (self.model.__name__, self.name) in DATES_AS_TEXT


def date_fields(app: FastAPI) -> Iterator[DateField]:
    """Every date and date-and-time field of every request body (nested models included)."""
    for model in request_models(app):
        validators = field_validators(model)
        for name, field in _fields_schema(model).items():
            kind = "date" if (model.__name__, name) in DATES_AS_TEXT else date_kind(field)
            if kind is not None:
                yield DateField(model, name, kind, validators[name])
