"""Every domain's router, in the order they appear in the OpenAPI document."""

from fastapi import APIRouter

from app.appointments.router import router as appointments_router
from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.calendars.router import router as calendars_router
from app.cases.catalogue_router import partners_router, service_types_router
from app.cases.followup_router import router as case_followup_router
from app.cases.router import router as cases_router
from app.clients.oauth_router import metadata_router as oauth_metadata_router
from app.clients.oauth_router import router as oauth_router
from app.clients.router import router as clients_router
from app.desks.router import router as desks_router
from app.desks.staff import router as desk_staff_router
from app.documents.router import router as documents_router
from app.imports.batches import router as import_batches_router
from app.imports.router import router as imports_router
from app.merges.router import router as merges_router
from app.notifications.router import router as notifications_router
from app.privacy.rights_router import router as privacy_rights_router
from app.privacy.router import router as privacy_router
from app.reference.router import router as reference_router
from app.registrants.history import router as registrant_history_router
from app.registrants.router import router as registrants_router
from app.reports.exports_router import router as exports_router
from app.reports.router import router as reports_router
from app.selfservice.router import router as self_service_router
from app.selfservice.staff_router import router as self_service_staff_router
from app.sync.router import router as sync_router
from app.users.router import router as users_router

ROUTERS: list[APIRouter] = [
    auth_router,
    oauth_router,
    oauth_metadata_router,
    clients_router,
    users_router,
    desks_router,
    desk_staff_router,
    calendars_router,
    appointments_router,
    reference_router,
    registrants_router,
    merges_router,
    registrant_history_router,
    service_types_router,
    partners_router,
    cases_router,
    case_followup_router,
    documents_router,
    sync_router,
    imports_router,
    import_batches_router,
    audit_router,
    reports_router,
    exports_router,
    privacy_router,
    notifications_router,
    self_service_staff_router,
    self_service_router,
    privacy_rights_router,
]
