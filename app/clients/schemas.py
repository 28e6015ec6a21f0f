"""Request and response bodies of app-client registration (administrators)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from app.clients import redirects
from app.clients.scopes import SCOPES
from app.core.text import OneLine

Scope = Literal[
    "registrants:read", "registrants:write", "cases:read", "cases:write", "documents:read", "documents:write", "sync"
]
assert set(Scope.__args__) == set(SCOPES)  # type: ignore[attr-defined]


class ClientCreate(BaseModel):
    """A new app client.

    ``type``: ``public`` (a mobile app: authorization code + PKCE; needs ``redirect_uris``) or
    ``confidential`` (a server: client credentials; needs ``service_user_email``, the staff account
    it acts as). ``scopes``: the most it may be granted. ``rate_limit_per_minute``: API requests
    a minute across all its tokens (1 to 100,000).
    """

    model_config = ConfigDict(extra="forbid")

    name: Annotated[OneLine, Field(max_length=200)]
    type: Literal["public", "confidential"]
    redirect_uris: list[str] = Field(default_factory=list, max_length=20)
    scopes: list[Scope] = Field(min_length=1, max_length=len(SCOPES))
    rate_limit_per_minute: StrictInt = Field(default=600, ge=1, le=100_000)
    service_user_email: str | None = Field(default=None, max_length=320)

    @field_validator("redirect_uris")
    @classmethod
    def _registrable(cls, uris: list[str]) -> list[str]:
        for uri in uris:
            if (why := redirects.problem_with(uri)) is not None:
                raise ValueError(f"redirect URI {uri[:200]!r} {why}")
        return list(dict.fromkeys(uris))

    @field_validator("scopes")
    @classmethod
    def _unique(cls, scopes: list[str]) -> list[str]:
        return list(dict.fromkeys(scopes))


class ClientOut(BaseModel):
    """A registered app client (never its secret)."""

    id: uuid.UUID
    client_id: str
    name: str
    type: str
    redirect_uris: list[str]
    scopes: list[str]
    rate_limit_per_minute: int
    service_user_id: uuid.UUID | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class ClientCreated(ClientOut):
    """The new client, with its ``client_secret`` (confidential clients), shown this once only."""

    client_secret: str | None
