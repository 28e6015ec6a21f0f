"""Import every domain's models so ``Base.metadata`` is complete (Alembic, tests)."""

from app.appointments.models import Appointment
from app.audit.models import AuditCheckpoint, AuditEvent, AuditLink
from app.auth.models import DeskMembership, LoginAttempt, LoginThrottle, RefreshToken, StaffUser
from app.calendars.models import DeskHoliday
from app.cases.models import Case, CaseEvent, CaseNote, CaseTransfer, Partner, PartnerServiceType, Referral, ServiceType
from app.clients.models import AppClient, AuthorizationCode, ClientRateWindow, ClientRefreshToken, RevokedAccessToken
from app.core.db import Base
from app.core.idempotency import IdempotencyRecord
from app.core.numbering import NumberCounter
from app.desks.models import Desk
from app.documents.models import Document
from app.imports.models import ImportBatch, ImportRow
from app.merges.models import RegistrantMerge
from app.notifications.models import Notification, NotificationPreference, ScheduledRun
from app.privacy.models import Disclosure, SubjectRequest
from app.reference.models import AdminArea
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantPhone, TermFrequency
from app.selfservice.models import LinkCode, OneTimeCode, PersonAccount

__all__ = [
    "AdminArea",
    "AppClient",
    "Appointment",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditLink",
    "AuthorizationCode",
    "Base",
    "Case",
    "CaseEvent",
    "CaseNote",
    "CaseTransfer",
    "ClientRateWindow",
    "ClientRefreshToken",
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
    "LinkCode",
    "LoginAttempt",
    "LoginThrottle",
    "Notification",
    "NotificationPreference",
    "NumberCounter",
    "OneTimeCode",
    "Partner",
    "PartnerServiceType",
    "PersonAccount",
    "Referral",
    "RefreshToken",
    "Registrant",
    "RegistrantMerge",
    "RegistrantPhone",
    "RevokedAccessToken",
    "ScheduledRun",
    "ServiceType",
    "StaffUser",
    "SubjectRequest",
    "TermFrequency",
]
