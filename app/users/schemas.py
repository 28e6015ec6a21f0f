"""Request and response bodies of staff-account management."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

Role = Literal["agent", "supervisor", "admin", "auditor"]


class UserCreate(BaseModel):
    """A new staff account. ``password``: 10 to 128 characters."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    full_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(min_length=10, max_length=128)
    desk_codes: list[str] = Field(default_factory=list, max_length=100)


class UserUpdate(BaseModel):
    """A partial update; absent fields are left as they are."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    password: str | None = Field(default=None, min_length=10, max_length=128)
    is_active: bool | None = None
    desk_codes: list[str] | None = Field(default=None, max_length=100)


class UserOut(BaseModel):
    """A staff account as the API shows it (never its password hash)."""

    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    desk_codes: list[str]
    created_at: dt.datetime
    last_login_at: dt.datetime | None
