"""Request and response bodies of staff-account management."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, ValidationInfo, field_validator

from app.core.partial import PartialUpdate
from app.core.text import OneLine, not_blank
from app.registrants.schemas import Email
from app.users.passwords import MAX_LENGTH, MIN_LENGTH, refuse_easy

Role = Literal["agent", "supervisor", "admin", "auditor"]


Password = Annotated[str, Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH), AfterValidator(not_blank)]
FullName = Annotated[OneLine, Field(max_length=200)]


class UserCreate(BaseModel):
    """A new staff account. ``password``: 10 to 128 characters, not easy to guess
    (:mod:`app.users.passwords`: 422 at the field). ``desk_codes``: the desks the account
    works at; an auditor reads every desk and takes none (422 ``field-not-applicable``)."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    full_name: FullName
    role: Role
    password: Password
    desk_codes: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("password")
    @classmethod
    def _hard_to_guess(cls, password: str, info: ValidationInfo) -> str:
        return refuse_easy(password, account=(info.data.get("email"), info.data.get("full_name")))


class UserUpdate(PartialUpdate):
    """A partial update; absent fields are left as they are. No field takes null. A new ``email``
    (the sign-in name) is stored normalised, must be free (409 ``email-taken``) and ends the
    user's sessions. A new ``password`` is refused as :class:`UserCreate`'s is (judged with the
    e-mail and name sent with it)."""

    email: Email | None = None
    full_name: FullName | None = None
    role: Role | None = None
    password: Password | None = None
    is_active: StrictBool | None = None
    desk_codes: list[str] | None = Field(default=None, max_length=100)

    @field_validator("password")
    @classmethod
    def _hard_to_guess(cls, password: str | None, info: ValidationInfo) -> str | None:
        if password is None:
            return None
        return refuse_easy(password, account=(info.data.get("email"), info.data.get("full_name")))


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
