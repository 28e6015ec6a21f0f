"""Import every domain's models so ``Base.metadata`` is complete (Alembic, tests)."""

from app.audit.models import AuditChainHead, AuditEvent
from app.auth.models import DeskMembership, LoginAttempt, RefreshToken, StaffUser
from app.calendars.models import DeskHoliday
from app.core.db import Base
from app.core.idempotency import IdempotencyRecord
from app.core.numbering import NumberCounter
from app.desks.models import Desk
from app.imports.models import ImportBatch, ImportRow
from app.reference.models import AdminArea
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantPhone

__all__ = [
    "AdminArea",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "Consent",
    "Desk",
    "DeskHoliday",
    "DeskMembership",
    "IdempotencyRecord",
    "IdentityDocument",
    "ImportBatch",
    "ImportRow",
    "LoginAttempt",
    "NumberCounter",
    "RefreshToken",
    "Registrant",
    "RegistrantPhone",
    "StaffUser",
]
