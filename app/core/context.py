"""Who is acting and from where: passed from routers to services and the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    """The origin of a request: request id, client IP and user agent (all optional for the CLI)."""

    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Actor:
    """The staff user acting, with the desks they may see.

    ``desk_ids`` is ``None`` for administrators and auditors, who see every desk.
    """

    user_id: uuid.UUID | None
    email: str
    role: str
    desk_ids: frozenset[uuid.UUID] | None = None
    context: RequestContext = field(default_factory=RequestContext)
    client_id: str | None = None
    """The app client acting for this user (OAuth 2.0 ``client_id``); ``None`` for a staff sign-in."""
    scopes: frozenset[str] | None = None
    """The scopes the client's token was granted; ``None``: not narrowed (staff sign-in)."""

    @property
    def sees_all_desks(self) -> bool:
        return self.desk_ids is None

    def can_see_desk(self, desk_id: uuid.UUID | None) -> bool:
        return self.desk_ids is None or (desk_id is not None and desk_id in self.desk_ids)

    @property
    def reads_sensitive(self) -> bool:
        """Supervisors and administrators may read restricted sensitive fields."""
        return self.role in {"supervisor", "admin"}


SYSTEM_ACTOR = Actor(user_id=None, email="system", role="system", desk_ids=None)
