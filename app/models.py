"""Import every domain's models so ``Base.metadata`` is complete (Alembic, tests)."""

from app.appointments.models import Appointment
from app.audit.models import AuditCheckpoint, AuditEvent, AuditLink
from app.auth.models import DeskMembership, LoginAttempt, LoginThrottle, RefreshToken, StaffUser
from app.calendars.models import DeskHoliday
from app.cases.models import Case, CaseEvent, CaseNote, CaseTransfer, Partner, PartnerServiceType, Referral, ServiceType
from app.core.db import Base
from app.core.idempotency import IdempotencyRecord
from app.core.numbering import NumberCounter
from app.desks.models import Desk
from app.documents.models import Document
from app.imports.models import ImportBatch, ImportRow
from app.merges.models import RegistrantMerge
from app.privacy.models import Disclosure, SubjectRequest
from app.reference.models import AdminArea
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantPhone

__all__ = [
    "AdminArea",
    "Appointment",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditLink",
    "Base",
    "Case",
    "CaseEvent",
    "CaseNote",
    "CaseTransfer",
    "Consent",
    "Desk",
    "DeskHoliday",
    "DeskMembership",
    "Disclosure",
    "Document",
    "IdempotencyRecord",
    "IdentityDocument",
    "ImportBatch",
    "ImportRow",
    "LoginAttempt",
    "LoginThrottle",
    "NumberCounter",
    "Partner",
    "PartnerServiceType",
    "Referral",
    "RefreshToken",
    "Registrant",
    "RegistrantMerge",
    "RegistrantPhone",
    "ServiceType",
    "StaffUser",
    "SubjectRequest",
]
